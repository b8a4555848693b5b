//! `Segmentation::assign_one` allocates nothing and takes well under a
//! microsecond: measured with a counting global allocator (this file
//! holds a single test so that no other test thread allocates meanwhile).

#![cfg(all(feature = "pipeline", feature = "datasets"))]

use std::time::Instant;

use segmentation::datasets::TrafficSimulator;
use segmentation::features::web_visitor_schema;
use segmentation::pipeline::Segmenter;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

#[test]
fn assign_one_does_not_allocate_and_is_fast() {
    let visitors = TrafficSimulator::default_segments()
        .seed(5)
        .simulate(4_000)
        .expect("simulate");
    let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
    let s = Segmenter::new(web_visitor_schema())
        .k(8)
        .seed(1)
        .created_at(1_700_000_000)
        .fit(&records)
        .expect("fit");
    let mut scratch = vec![0.0; s.n_features()];
    let mut total = 0usize;

    let region = Region::new(GLOBAL);
    for record in &records {
        total += s.assign_one(record, &mut scratch).expect("assign_one");
    }
    let stats = region.change();
    assert_eq!(stats.allocations, 0, "{stats:?}");
    assert_eq!(stats.reallocations, 0, "{stats:?}");
    assert!(total > 0);

    // Median of 21 passes over the 4,000 records, per record.
    let mut per_record = Vec::with_capacity(21);
    for _ in 0..21 {
        let start = Instant::now();
        for record in &records {
            total = total.wrapping_add(s.assign_one(record, &mut scratch).expect("assign_one"));
        }
        per_record.push(start.elapsed().as_nanos() as f64 / records.len() as f64);
    }
    per_record.sort_by(f64::total_cmp);
    let median = per_record[per_record.len() / 2];
    println!(
        "assign_one: {median:.0} ns per record (median of 21 passes; 11 raw fields, 20 features, k = {})",
        s.k()
    );
    // A bound that holds on a slow shared machine; the measured median is
    // printed above.
    assert!(median < 5_000.0, "{median} ns");
    std::hint::black_box(total);
}
