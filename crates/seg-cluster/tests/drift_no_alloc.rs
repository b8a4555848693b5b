//! `DriftMonitor::push` allocates nothing: measured with a counting
//! global allocator. This file holds a single test so that no other test
//! thread allocates while it measures.

use ndarray::Array2;
use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

#[test]
fn monitor_push_does_not_allocate() {
    let (n, d) = (2_000, 6);
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        (i % 5) as f64 * 4.0
            + ((i * 31 + j * 17) % 97) as f64 / 97.0
            + if j == 5 {
                (i % 3 == 0) as u8 as f64
            } else {
                0.0
            }
    });
    let model = KMeans::params(5).seed(1).fit(x.view()).expect("fit");
    let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default()).expect("baseline");
    let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    let bad = vec![f64::NAN; d];
    let short = vec![0.0; d - 1];
    // Tumbling windows complete (and reset) along the way; the decaying
    // window renormalises its weights (half-life 1: every ~330 visitors).
    for window in [
        Window::Tumbling { size: 300 },
        Window::Decaying { half_life: 1.0 },
    ] {
        let mut monitor = baseline.monitor(&model, window).expect("monitor");
        let region = Region::new(GLOBAL);
        for row in &rows {
            monitor.push(row).expect("push");
        }
        assert!(monitor.push(&bad).is_err());
        assert!(monitor.push(&short).is_err());
        let stats = region.change();
        assert_eq!(stats.allocations, 0, "{window:?}: {stats:?}");
        assert_eq!(stats.reallocations, 0, "{window:?}: {stats:?}");
        assert_eq!(monitor.seen(), n as u64);
        assert!(monitor.report().expect("report").score.is_finite());
    }
}
