//! Sampled silhouettes against the exact score, and the quality gate's
//! sampling above its row threshold.

use ndarray::Array2;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64Mcg;
use seg_validate::{
    QualityGate, silhouette_score, silhouette_score_sampled, silhouette_score_stratified,
};

/// Three big clusters and one holding 0.5% of the rows, far away.
fn with_small_cluster(n: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let noise = Normal::new(0.0, 1.0).expect("valid");
    let small = n / 200;
    let labels: Vec<usize> = (0..n).map(|i| if i < small { 3 } else { i % 3 }).collect();
    let centres = [[0.0, 0.0], [6.0, 0.0], [0.0, 6.0], [30.0, 30.0]];
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        centres[labels[i]][j] + noise.sample(&mut rng)
    });
    (x, labels)
}

#[test]
fn stratified_sampling_keeps_the_small_cluster_and_stays_close() {
    let (x, labels) = with_small_cluster(6_000, 1);
    let exact = silhouette_score(x.view(), &labels).expect("valid");
    let mut stratified_errors = Vec::new();
    let mut uniform_errors = Vec::new();
    for seed in 0..20 {
        let s = silhouette_score_stratified(x.view(), &labels, 300, seed).expect("valid");
        stratified_errors.push((s - exact).abs());
        let u = silhouette_score_sampled(x.view(), &labels, 300, seed).expect("valid");
        uniform_errors.push((u - exact).abs());
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&stratified_errors) < 0.01,
        "stratified error {}",
        mean(&stratified_errors)
    );
    // Both estimate the same score; stratification is not worse on average.
    assert!(mean(&stratified_errors) <= mean(&uniform_errors) * 1.5 + 1e-3);
}

#[test]
fn sampled_scores_are_deterministic_for_a_seed() {
    let (x, labels) = with_small_cluster(2_000, 2);
    let a = silhouette_score_sampled(x.view(), &labels, 500, 42).expect("valid");
    let b = silhouette_score_sampled(x.view(), &labels, 500, 42).expect("valid");
    assert_eq!(a.to_bits(), b.to_bits());
    let c = silhouette_score_sampled(x.view(), &labels, 500, 43).expect("valid");
    assert_ne!(a.to_bits(), c.to_bits());
}

#[test]
fn the_gate_samples_above_its_threshold() {
    let (x, labels) = with_small_cluster(4_000, 3);
    let exact = QualityGate::new().check(x.view(), &labels).expect("valid");
    assert!(!exact.sampled);
    let sampled = QualityGate::new()
        .sample_above(1_000)
        .seed(5)
        .check(x.view(), &labels)
        .expect("valid");
    assert!(sampled.sampled);
    let (e, s) = (exact.checks[0].value, sampled.checks[0].value);
    assert!((e - s).abs() < 0.02, "{e} vs {s}");
    // The small cluster is 0.5% of rows: below the default 1% minimum.
    assert!(!exact.passed);
    let failed: Vec<_> = exact.failed().map(|c| c.name).collect();
    assert_eq!(failed, ["min_cluster_share"]);
    assert_eq!(exact.checks[2].value, 0.005);
}
