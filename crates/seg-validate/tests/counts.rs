//! Counts that would size an allocation are checked before anything is
//! allocated.

use ndarray::Array2;
use seg_validate::{ValidateError, silhouette_score_sampled, silhouette_score_stratified};

#[test]
fn silhouette_score_sampled_rejects_sample_size_usize_max() {
    let x = Array2::from_shape_fn((20, 1), |(i, _)| (i % 2) as f64 * 10.0 + i as f64 * 0.01);
    let labels: Vec<usize> = (0..20).map(|i| i % 2).collect();
    for sample_size in [usize::MAX, 1 << 40, 21] {
        for result in [
            silhouette_score_sampled(x.view(), &labels, sample_size, 0),
            silhouette_score_stratified(x.view(), &labels, sample_size, 0),
        ] {
            assert!(
                matches!(result, Err(ValidateError::InvalidSampleSize { sample_size: s, n: 20 }) if s == sample_size),
                "{result:?}"
            );
        }
    }
}
