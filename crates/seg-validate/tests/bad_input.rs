//! Bad input gives errors, never panics.

use ndarray::{Array2, array};
use seg_validate::*;

type Metric = fn(ndarray::ArrayView2<'_, f64>, &[usize]) -> Result<f64>;

const METRICS: [(&str, Metric); 4] = [
    ("silhouette", silhouette_score),
    ("davies_bouldin", davies_bouldin_score),
    ("calinski_harabasz", calinski_harabasz_score),
    ("simplified_silhouette", simplified_silhouette_score),
];

#[test]
fn labels_of_another_length() {
    let x = array![[0.0], [1.0], [2.0]];
    for (name, metric) in METRICS {
        let err = metric(x.view(), &[0, 1]).unwrap_err();
        assert_eq!(
            err,
            ValidateError::LengthMismatch {
                parameter: "labels",
                expected: 3,
                got: 2,
                one_per: "row of x"
            },
            "{name}"
        );
        assert_eq!(
            err.to_string(),
            "labels has 2 values, expected 3 (one per row of x)"
        );
    }
    assert!(matches!(
        inertia(x.view(), &[0, 1, 1, 0]),
        Err(ValidateError::LengthMismatch { got: 4, .. })
    ));
}

#[test]
fn labelings_of_different_lengths() {
    for agreement in [adjusted_rand_index, normalized_mutual_info] {
        let err = agreement(&[0, 1, 1, 0], &[0, 1, 1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "b has 3 values, expected 4 (one per label of a)"
        );
        assert!(matches!(
            agreement(&[0], &[0, 1]),
            Err(ValidateError::LengthMismatch {
                parameter: "b",
                expected: 1,
                got: 2,
                ..
            })
        ));
    }
}

#[test]
fn outcomes_of_another_length_than_the_labels() {
    let err = segment_outcomes(&[0, 0, 1, 1], &[true, false, true], 0.95).unwrap_err();
    assert_eq!(
        err.to_string(),
        "outcomes has 3 values, expected 4 (one per label)"
    );
}

#[test]
fn cluster_counts_outside_two_to_n_minus_one() {
    let x = array![[0.0], [1.0], [2.0]];
    for (name, metric) in METRICS {
        assert_eq!(
            metric(x.view(), &[4, 4, 4]),
            Err(ValidateError::InvalidClusterCount {
                k: 1,
                min: 2,
                max: 2
            }),
            "{name}"
        );
        let err = metric(x.view(), &[0, 1, 2]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the metric needs 2 <= clusters <= 2, got 3 clusters",
            "{name}"
        );
    }
}

#[test]
fn non_finite_values_name_row_and_column() {
    let mut x = Array2::zeros((4, 3));
    x[[2, 1]] = f64::NAN;
    for (name, metric) in METRICS {
        let err = metric(x.view(), &[0, 0, 1, 1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 2, column 1: value NaN is not finite",
            "{name}"
        );
    }
    x[[2, 1]] = f64::INFINITY;
    assert!(matches!(
        inertia(x.view(), &[0, 0, 1, 1]),
        Err(ValidateError::NonFinite {
            row: 2,
            column: 1,
            ..
        })
    ));
}

#[test]
fn empty_input() {
    let x = Array2::<f64>::zeros((0, 2));
    for (name, metric) in METRICS {
        assert_eq!(
            metric(x.view(), &[]),
            Err(ValidateError::EmptyInput { rows: 0, cols: 2 }),
            "{name}"
        );
    }
    let no_columns = Array2::<f64>::zeros((3, 0));
    assert!(matches!(
        silhouette_score(no_columns.view(), &[0, 1, 1]),
        Err(ValidateError::EmptyInput { .. })
    ));
    assert!(adjusted_rand_index(&[], &[]).is_err());
    assert!(cluster_sizes(&[]).is_err());
}

#[test]
fn sample_sizes_out_of_range() {
    let x = Array2::from_shape_fn((10, 2), |(i, j)| (i * 2 + j) as f64);
    let labels: Vec<usize> = (0..10).map(|i| i % 2).collect();
    for sample_size in [0, 11] {
        let expected = Err(ValidateError::InvalidSampleSize { sample_size, n: 10 });
        assert_eq!(
            silhouette_score_sampled(x.view(), &labels, sample_size, 0),
            expected
        );
        assert_eq!(
            silhouette_score_stratified(x.view(), &labels, sample_size, 0),
            expected
        );
    }
    // A sample of one row holds one cluster: an error, not a panic.
    assert!(matches!(
        silhouette_score_sampled(x.view(), &labels, 1, 0),
        Err(ValidateError::InvalidClusterCount { .. })
    ));
}

#[test]
fn outcome_and_gate_parameters() {
    assert!(matches!(
        segment_outcomes(&[0, 1], &[true, false], 1.0),
        Err(ValidateError::InvalidParameter { .. })
    ));
    assert!(matches!(
        segment_outcomes(&[0, 1], &[true, true], 0.95),
        Err(ValidateError::InvalidParameter { .. })
    ));
    assert!(matches!(
        segment_outcomes(&[0, 0], &[true, false], 0.95),
        Err(ValidateError::InvalidClusterCount { .. })
    ));
    let x = array![[0.0], [1.0], [5.0], [6.0]];
    let labels = [0, 0, 1, 1];
    let err = QualityGate::new()
        .min_cluster_share(1.5)
        .check(x.view(), &labels)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid min_cluster_share = 1.5: must be in [0, 1)"
    );
    assert!(
        QualityGate::new()
            .max_davies_bouldin(f64::NAN)
            .check(x.view(), &labels)
            .is_err()
    );
    assert!(
        QualityGate::new()
            .sample_above(1)
            .check(x.view(), &labels)
            .is_err()
    );
}
