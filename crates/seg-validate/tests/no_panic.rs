//! Extreme input reaches no panic: huge label ids, many distinct labels,
//! views larger than memory, confidences next to 1, and arbitrary data.

use ndarray::{Array2, array};
use proptest::prelude::*;
use seg_validate::*;

/// Every metric of data and labels, as a result (the value is dropped).
fn every_metric(x: ndarray::ArrayView2<'_, f64>, labels: &[usize]) -> Vec<Result<f64>> {
    let n = x.nrows().max(1);
    vec![
        silhouette_score(x, labels),
        silhouette_samples(x, labels).map(|s| s.iter().sum()),
        silhouette_score_sampled(x, labels, n.div_ceil(2), 1),
        silhouette_score_stratified(x, labels, n.div_ceil(2), 1),
        simplified_silhouette_score(x, labels),
        davies_bouldin_score(x, labels),
        calinski_harabasz_score(x, labels),
        inertia(x, labels),
        QualityGate::new()
            .sample_above(3)
            .check(x, labels)
            .map(|v| v.checks[0].value),
        QualityGate::new()
            .check(x, labels)
            .map(|v| v.checks[1].value),
    ]
}

#[test]
fn labels_of_usize_max_score_like_small_ids() {
    let x = array![[0.0], [0.5], [4.0], [4.5], [9.0], [9.5], [0.2], [4.2]];
    let huge = [
        usize::MAX,
        usize::MAX,
        0,
        0,
        usize::MAX - 1,
        usize::MAX - 1,
        usize::MAX,
        0,
    ];
    let small = [2, 2, 0, 0, 1, 1, 2, 0];
    assert_eq!(
        every_metric(x.view(), &huge),
        every_metric(x.view(), &small)
    );
    assert_eq!(adjusted_rand_index(&huge, &small), Ok(1.0));
    assert_eq!(normalized_mutual_info(&small, &huge), Ok(1.0));
    let sizes = cluster_sizes(&huge).unwrap();
    assert_eq!(sizes.labels, [0, usize::MAX - 1, usize::MAX]);
    assert_eq!(sizes.sizes, [3, 2, 3]);
    let outcomes = [true, false, true, true, false, false, true, false];
    let report = segment_outcomes(&huge, &outcomes, 0.95).unwrap();
    assert_eq!(report.segments[2].label, usize::MAX);
    assert_eq!(
        report.chi_square,
        segment_outcomes(&small, &outcomes, 0.95)
            .unwrap()
            .chi_square
    );
}

#[test]
fn many_distinct_labels_do_not_allocate_a_square_contingency_table() {
    // Two labelings of 400,000 distinct ids: a dense table would need
    // 1.6e11 counters (1.3 TB).
    let a: Vec<usize> = (0..400_000).collect();
    let b: Vec<usize> = (0..400_000).map(|i| usize::MAX - i).collect();
    assert_eq!(adjusted_rand_index(&a, &b), Ok(1.0));
    let nmi = normalized_mutual_info(&a, &b).unwrap();
    assert!((nmi - 1.0).abs() < 1e-12, "{nmi}");
}

#[test]
#[cfg(target_pointer_width = "64")]
fn broadcast_view_larger_than_the_address_space_is_an_error() {
    let one = Array2::<f64>::zeros((1, 1));
    let labels = [0, 1, 0, 1];
    // 4 rows of 2^59 columns: 2^61 values, 2^64 bytes if copied.
    let view = one
        .broadcast((4, 1usize << 59))
        .expect("2^61 values fit isize");
    for (i, result) in every_metric(view, &labels).into_iter().enumerate() {
        assert!(
            matches!(
                result,
                Err(ValidateError::InvalidParameter { parameter: "x", .. })
            ),
            "metric {i}: {result:?}"
        );
    }
}

#[test]
fn confidence_next_to_one_gives_finite_intervals() {
    let labels = [0, 0, 0, 1, 1, 1];
    let outcomes = [true, false, false, true, true, false];
    for confidence in [1.0 - f64::EPSILON / 2.0, 1e-300, f64::MIN_POSITIVE] {
        let report = segment_outcomes(&labels, &outcomes, confidence).unwrap();
        for s in &report.segments {
            assert!(s.ci_low.is_finite() && s.ci_high.is_finite(), "{report:?}");
            assert!(s.ci_low <= s.rate && s.rate <= s.ci_high, "{report:?}");
        }
    }
    for confidence in [f64::NAN, 0.0, 1.0, -0.5, f64::INFINITY] {
        assert!(matches!(
            segment_outcomes(&labels, &outcomes, confidence),
            Err(ValidateError::InvalidParameter {
                parameter: "confidence",
                ..
            })
        ));
    }
}

#[test]
fn huge_finite_values_give_numbers_or_nan_not_a_panic() {
    let x = array![
        [1e308, -1e308],
        [1e308, 1e308],
        [-1e308, 0.0],
        [5e-324, 1e308]
    ];
    // The sampled silhouettes draw 2 rows, too few for 2 clusters.
    for result in every_metric(x.view(), &[0, 0, 1, 1]) {
        assert!(
            result.is_ok() || matches!(result, Err(ValidateError::InvalidClusterCount { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn one_row_per_cluster_but_one_is_a_valid_input() {
    let x = array![[0.0], [1.0], [2.0], [2.5]];
    for result in every_metric(x.view(), &[0, 1, 2, 2]) {
        assert!(
            result.is_ok() || matches!(result, Err(ValidateError::InvalidClusterCount { .. })),
            "{result:?}"
        );
    }
}

/// Values that break careless arithmetic.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0..10.0f64,
        1 => prop::sample::select(vec![
            0.0, -0.0, 1e308, -1e308, 5e-324, f64::NAN, f64::INFINITY, f64::NEG_INFINITY,
        ]),
    ]
}

/// Label ids, small or next to `usize::MAX`.
fn label() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0..4usize, 1 => (0..3usize).prop_map(|d| usize::MAX - d)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_data_and_labels_never_panic(
        (rows, cols) in (0..12usize, 0..4usize),
        values in prop::collection::vec(value(), 48),
        labels in prop::collection::vec(label(), 0..14),
        outcomes in prop::collection::vec(any::<bool>(), 0..14),
        confidence in prop_oneof![0.0..=1.0f64, Just(f64::NAN)],
        seed in any::<u64>(),
    ) {
        let x = Array2::from_shape_vec((rows, cols), values[..rows * cols].to_vec()).unwrap();
        let _ = every_metric(x.view(), &labels);
        let _ = silhouette_score_sampled(x.view(), &labels, rows / 3 + 1, seed);
        let _ = silhouette_score_stratified(x.view(), &labels, rows / 3 + 1, seed);
        let _ = adjusted_rand_index(&labels, &labels[..labels.len() / 2 * 2]);
        let half = labels.len() / 2;
        let _ = adjusted_rand_index(&labels[..half], &labels[half..2 * half]);
        let _ = normalized_mutual_info(&labels[..half], &labels[half..2 * half]);
        let _ = cluster_sizes(&labels);
        let _ = segment_outcomes(&labels, &outcomes, confidence);
        let n = labels.len().min(outcomes.len());
        let _ = segment_outcomes(&labels[..n], &outcomes[..n], confidence);
    }
}
