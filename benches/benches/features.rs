//! Benchmarks of `seg-features`: the per-request `transform_one` of a
//! 20-feature web-visitor record, and `fit` + `transform` of a million
//! records.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use segmentation::features::{WebVisitor, web_visitor_schema};
use std::hint::black_box;

const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];
const BROWSERS: [&str; 4] = ["chrome", "safari", "firefox", "edge"];
const COUNTRIES: [&str; 5] = ["us", "de", "fr", "gb", "in"];
const SOURCES: [&str; 6] = ["search", "social", "paid", "email", "direct", "affiliate"];

/// A deterministic, varied visitor for row `i` (SplitMix64 of the index).
fn visitor(i: u64) -> WebVisitor<'static> {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let pick = |shift: u32, n: usize| ((z >> shift) as usize) % n;
    let unit = |shift: u32| ((z >> shift) & 0xFFFF) as f64 / 65_535.0;
    WebVisitor {
        sessions: 1.0 + (unit(0) * 30.0).floor(),
        pages_per_session: 1.0 + unit(8) * 15.0,
        avg_session_seconds: 5.0 + unit(16).powi(3) * 3_000.0,
        bounce_rate: unit(24),
        device: DEVICES[pick(32, 3)],
        browser: BROWSERS[pick(36, 4)],
        country: COUNTRIES[pick(40, 5)],
        hour: pick(44, 24) as f64,
        weekday: pick(50, 7) as f64,
        traffic_source: SOURCES[pick(54, 6)],
        returning: (z >> 62) & 1 == 1,
    }
}

fn bench_features(c: &mut Criterion) {
    let mut group = c.benchmark_group("features");

    let train: Vec<_> = (0..10_000).map(|i| visitor(i).record()).collect();
    let transformer = web_visitor_schema().fit(&train).expect("fit");
    assert_eq!(transformer.n_features(), 20);
    let record = visitor(12_345).record();
    let mut out = vec![0.0; transformer.n_features()];
    group.bench_function(BenchmarkId::new("transform_one", "web_visitor_d20"), |b| {
        b.iter(|| {
            transformer
                .transform_one(black_box(&record), black_box(&mut out))
                .expect("transform")
        })
    });

    let n = 1_000_000;
    let records: Vec<_> = (0..n).map(|i| visitor(i).record()).collect();
    group.sample_size(10);
    group.bench_function(
        BenchmarkId::new("fit_transform", "web_visitor_n1000000"),
        |b| {
            b.iter(|| {
                let t = web_visitor_schema().fit(black_box(&records)).expect("fit");
                t.transform(&records).expect("transform")
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench_features);
criterion_main!(benches);
