//! Criterion benchmarks of the segmentation workspace; see `benches/`.
//!
//! Run them with `cargo bench -p segmentation-benches`. This library holds
//! what the bench files share.

use segmentation::ndarray::Array2;

/// Deterministic Gaussian blobs (SplitMix64 + Box-Muller): `k` centres
/// uniform in [−10, 10]^d, unit noise, labels round-robin (`i % k`).
///
/// `benches/compare/blobs.py` reproduces the data bit for bit, so that the
/// comparison scripts time scikit-learn on exactly what the benches use.
pub fn blobs(n: usize, d: usize, k: usize) -> (Array2<f64>, Vec<usize>) {
    blobs_with_spread(n, d, k, 1.0)
}

/// [`blobs`] with noise of standard deviation `spread`: 1.5 makes clusters
/// overlap in few dimensions and fits take more iterations, 3.0 makes
/// heavily overlapping clusters (realistic data for timing k-means).
pub fn blobs_with_spread(n: usize, d: usize, k: usize, spread: f64) -> (Array2<f64>, Vec<usize>) {
    let mut state = 0x5EED_u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let centres: Vec<f64> = (0..k * d).map(|_| uniform() * 20.0 - 10.0).collect();
    let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        let (u1, u2) = (uniform().max(f64::MIN_POSITIVE), uniform());
        let noise = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        centres[labels[i] * d + j] + if spread == 1.0 { noise } else { noise * spread }
    });
    (x, labels)
}
