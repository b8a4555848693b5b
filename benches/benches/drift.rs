//! Drift: the streaming monitors' cost per record (features only, and raw
//! fields plus features), a batch report of a week of traffic with its raw
//! fields, and one PSI test by the χ² approximation and by simulation.
//!
//! ```text
//! cargo bench -p segmentation-benches --bench drift
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use segmentation::cluster::{Window, psi_test};
use segmentation::datasets::{Drift, TrafficSimulator};
use segmentation::features::web_visitor_schema;
use segmentation::pipeline::Segmenter;

fn bench_drift(c: &mut Criterion) {
    let records = |sim: TrafficSimulator, seed: u64, n: usize| -> Vec<_> {
        sim.seed(seed)
            .simulate(n)
            .expect("simulate")
            .iter()
            .map(|v| v.record())
            .collect()
    };
    let train = records(TrafficSimulator::default_segments(), 1, 20_000);
    let s = Segmenter::new(web_visitor_schema())
        .k(8)
        .seed(1)
        .created_at(1_700_000_000)
        .fit(&train)
        .expect("fit");
    let week = records(
        TrafficSimulator::default_segments().drift(Drift::tiktok()),
        2,
        12_000,
    );

    let mut g = c.benchmark_group("drift");
    // Per record: one push of 12,000 (a tumbling window of 1,000 with the
    // raw fields) against the features-only model monitor.
    let mut fields = s
        .monitor(Window::Tumbling { size: 1_000 })
        .expect("monitor");
    g.bench_function("record_monitor_push_12000", |b| {
        b.iter(|| {
            for r in &week {
                fields.push(black_box(r)).expect("push");
            }
        })
    });
    let x = s.transform(&week).expect("transform");
    let mut features = s
        .model()
        .monitor(Window::Tumbling { size: 1_000 })
        .expect("monitor");
    g.bench_function("feature_monitor_push_12000", |b| {
        b.iter(|| {
            for row in x.rows() {
                features
                    .push(black_box(row.as_slice().expect("row")))
                    .expect("push");
            }
        })
    });
    g.sample_size(20);
    g.bench_function("batch_report_with_fields_12000", |b| {
        b.iter(|| s.drift(black_box(&week)).expect("drift"))
    });
    g.bench_function("window_alarm_1000", |b| {
        b.iter(|| fields.alarm().expect("alarm"))
    });
    g.sample_size(100);
    let shares = [0.1; 10];
    let batch = [3.0, 2.0, 4.0, 3.0, 3.0, 5.0, 2.0, 3.0, 3.0, 2.0];
    g.bench_function("psi_test_simulated_n30", |b| {
        b.iter(|| psi_test(black_box(&shares), 20_000, black_box(&batch), 30).expect("test"))
    });
    let batch = batch.map(|c| c * 100.0);
    g.bench_function("psi_test_chi_square_n3000", |b| {
        b.iter(|| psi_test(black_box(&shares), 20_000, black_box(&batch), 3_000).expect("test"))
    });
    g.finish();
}

criterion_group!(benches, bench_drift);
criterion_main!(benches);
