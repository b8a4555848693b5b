//! `transform_one` allocates nothing: measured with a counting global
//! allocator. This file holds a single test so that no other test thread
//! allocates while it measures.

use seg_features::{WebVisitor, web_visitor_schema};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

#[test]
fn transform_one_does_not_allocate() {
    let visitors = [
        WebVisitor {
            sessions: 1.0,
            pages_per_session: 2.0,
            avg_session_seconds: 40.0,
            bounce_rate: 1.0,
            device: "mobile",
            browser: "safari",
            country: "us",
            hour: 21.0,
            weekday: 5.0,
            traffic_source: "social",
            returning: false,
        },
        WebVisitor {
            sessions: 7.0,
            pages_per_session: 9.0,
            avg_session_seconds: 420.0,
            bounce_rate: 0.1,
            device: "desktop",
            browser: "chrome",
            country: "de",
            hour: 10.0,
            weekday: 1.0,
            traffic_source: "search",
            returning: true,
        },
    ];
    let records: Vec<_> = visitors.iter().map(WebVisitor::record).collect();
    let transformer = web_visitor_schema().fit(&records).expect("fit");
    let unknown = WebVisitor {
        device: "tv",
        traffic_source: "tiktok",
        ..visitors[0]
    }
    .record();
    let mut out = vec![0.0; transformer.n_features()];

    let region = Region::new(GLOBAL);
    for record in records.iter().chain(std::iter::once(&unknown)) {
        transformer
            .transform_one(record, &mut out)
            .expect("transform");
    }
    let stats = region.change();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
    assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
}
