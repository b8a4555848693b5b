//! Shared test data (included by the test files with `mod common;`).

use ndarray::Array2;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64Mcg;

/// `n` rows of `k` Gaussian blobs (unit noise) with centres uniform in
/// [−spread, spread]^d, labels round-robin.
#[allow(dead_code)]
pub fn blobs(n: usize, d: usize, k: usize, spread: f64, seed: u64) -> Array2<f64> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let uniform = rand_distr::Uniform::new(-spread, spread).expect("range");
    let centres: Vec<f64> = (0..k * d).map(|_| uniform.sample(&mut rng)).collect();
    let noise = Normal::new(0.0, 1.0).expect("normal");
    Array2::from_shape_fn((n, d), |(i, j)| {
        centres[(i % k) * d + j] + noise.sample(&mut rng)
    })
}
