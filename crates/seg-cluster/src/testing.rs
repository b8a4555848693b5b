//! Data for the unit tests.

use ndarray::Array2;

/// Gaussian-ish blobs from a small LCG: `k` groups 20 apart in `d`
/// dimensions.
pub(crate) fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Array2<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut u = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    Array2::from_shape_fn((n, d), |(i, j)| {
        ((i % k) * 20 + j % 3) as f64 + u() + u() - 1.0
    })
}
