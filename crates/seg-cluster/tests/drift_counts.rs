//! Window counts: shards counted apart and merged give the report of one
//! pass; loaded counts go through the same checks; a bad merge leaves the
//! monitor unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ndarray::{Array2, Axis};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use seg_cluster::{Baseline, BaselineParams, DriftMonitor, KMeans, Window, WindowCounts};

fn data(n: usize, shift: f64, seed: u64) -> Array2<f64> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    Array2::from_shape_fn((n, 3), |(i, j)| {
        (i % 3) as f64 * 4.0 + j as f64 + rng.random::<f64>() + shift
    })
}

fn monitor(size: usize) -> (DriftMonitor, Baseline, KMeans) {
    let x = data(3_000, 0.0, 1);
    let model = KMeans::params(3).seed(2).fit(x.view()).unwrap();
    let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default()).unwrap();
    (
        baseline.monitor(&model, Window::Tumbling { size }).unwrap(),
        baseline,
        model,
    )
}

#[test]
fn shards_merged_give_the_report_of_one_pass() {
    let batch = data(2_000, 0.3, 3);
    let (mut whole, _, _) = monitor(2_000);
    batch
        .rows()
        .into_iter()
        .for_each(|r| whole.push(r.as_slice().unwrap()).unwrap());
    let (mut merged, _, _) = monitor(2_000);
    for shard in batch.axis_chunks_iter(Axis(0), 700) {
        let (mut part, _, _) = monitor(2_000);
        shard
            .rows()
            .into_iter()
            .for_each(|r| part.push(r.as_slice().unwrap()).unwrap());
        let shipped: WindowCounts =
            serde_json::from_str(&serde_json::to_string(&part.counts().unwrap()).unwrap()).unwrap();
        merged.merge_counts(&shipped).unwrap();
    }
    let (a, b) = (whole.report().unwrap(), merged.report().unwrap());
    assert_eq!(merged.len(), 2_000);
    assert_eq!(a.features, b.features);
    assert_eq!(
        (a.assignment_psi, a.distance_psi, a.score, a.level, a.n),
        (b.assignment_psi, b.distance_psi, b.score, b.level, b.n)
    );
    assert!((a.distance_ratio - b.distance_ratio).abs() <= 1e-12 * a.distance_ratio);
}

#[test]
fn a_bad_merge_is_an_error_and_changes_nothing() {
    let (mut small, _, _) = monitor(10);
    small.push(&[0.0, 1.0, 2.0]).unwrap();
    let (mut other, _, _) = monitor(100);
    for _ in 0..10 {
        other.push(&[4.0, 5.0, 6.0]).unwrap();
    }
    let before = small.counts().unwrap();
    assert!(
        small.merge_counts(&other.counts().unwrap()).is_err(),
        "11 rows in a window of 10"
    );
    assert_eq!(small.counts().unwrap(), before);
    let (_, baseline, model) = monitor(10);
    let decaying = baseline
        .monitor(&model, Window::Decaying { half_life: 10.0 })
        .unwrap();
    assert!(decaying.counts().is_err());
}

#[test]
fn hostile_counts_do_not_load() {
    let (mut m, _, _) = monitor(10);
    m.push(&[0.0, 1.0, 2.0]).unwrap();
    let good = serde_json::to_value(m.counts().unwrap()).unwrap();
    let mutate = |key: &str, value: serde_json::Value| {
        let mut v = good.clone();
        v[key] = value;
        serde_json::from_value::<WindowCounts>(v)
    };
    assert!(serde_json::from_value::<WindowCounts>(good.clone()).is_ok());
    assert!(
        mutate("rows", 2.into()).is_err(),
        "segments add up to 1 row"
    );
    assert!(mutate("distance_sum", (-1.0).into()).is_err());
    let mut clusters = good["clusters"].clone();
    clusters[0] = 0.5.into();
    assert!(mutate("clusters", clusters).is_err(), "a fractional count");
    let mut features = good["features"].clone();
    features[0] = (-1.0).into();
    assert!(mutate("features", features).is_err(), "a negative count");
    assert!(mutate("extra", 1.into()).is_err(), "an unknown key");
    // Counts of another baseline (one bin more) are refused on merge.
    let mut features = good["features"].clone();
    features.as_array_mut().unwrap().push(0.0.into());
    let other = mutate("features", features).unwrap();
    assert!(m.merge_counts(&other).is_err());
}
