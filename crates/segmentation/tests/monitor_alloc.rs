//! `RecordMonitor::push` allocates nothing once every raw category of the
//! traffic was seen in training: the raw fields are counted in place, like
//! the features (this file holds a single test so that no other test
//! thread allocates meanwhile).

#![cfg(all(feature = "pipeline", feature = "datasets"))]

use segmentation::cluster::Window;
use segmentation::datasets::TrafficSimulator;
use segmentation::features::web_visitor_schema;
use segmentation::pipeline::Segmenter;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

#[test]
fn record_monitor_push_does_not_allocate() {
    let records: Vec<_> = TrafficSimulator::default_segments()
        .seed(5)
        .simulate(4_000)
        .expect("simulate")
        .iter()
        .map(|v| v.record())
        .collect();
    let s = Segmenter::new(web_visitor_schema())
        .k(6)
        .seed(1)
        .created_at(1_700_000_000)
        .fit(&records)
        .expect("fit");
    assert!(s.has_field_baseline());
    let mut monitor = s
        .monitor(Window::Tumbling { size: 1_000 })
        .expect("monitor");
    let region = Region::new(GLOBAL);
    for record in &records {
        monitor.push(record).expect("push");
    }
    let stats = region.change();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
    let report = monitor.report().expect("report");
    assert_eq!(report.fields.len(), 11);
    assert_eq!(report.n(), 1_000);
}
