//! Bad input gives errors naming the problem, never panics.

use ndarray::{Array2, array};
use seg_cluster::*;

#[test]
fn non_finite_values_name_row_and_column() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut x = Array2::zeros((5, 3));
        x[[3, 2]] = bad;
        let err = KMeans::params(2).fit(x.view()).unwrap_err();
        assert!(
            matches!(
                err,
                ClusterError::NonFinite {
                    row: 3,
                    column: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            MiniBatchKMeans::params(2).fit(x.view()),
            Err(ClusterError::NonFinite {
                row: 3,
                column: 2,
                ..
            })
        ));
        let mut p = PartialSums::new(array![[0.0, 0.0, 0.0]].view()).unwrap();
        assert!(matches!(
            p.accumulate(x.view()),
            Err(ClusterError::NonFinite {
                row: 3,
                column: 2,
                ..
            })
        ));
        assert_eq!(
            p.n_samples(),
            0,
            "a failed accumulate leaves the sums alone"
        );
    }
    let err = KMeans::params(1)
        .fit(array![[1.0, f64::NAN]].view())
        .unwrap_err();
    assert_eq!(err.to_string(), "row 0, column 1: value NaN is not finite");
}

/// The fits find non-finite values in the pass that also measures the
/// scale of `tol`: the first one (row-major) is named wherever it is, in
/// the first row, in any chunk, or as opposite infinities in one column;
/// huge finite values are no error.
#[test]
fn non_finite_values_are_found_in_every_chunk_and_column() {
    let (n, d) = (9_000, 9);
    let base = Array2::from_shape_fn((n, d), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
    let cases: [&[(usize, usize, f64)]; 6] = [
        &[(0, 0, f64::INFINITY)],
        &[(0, 8, f64::NAN)],
        &[(4_095, 8, f64::NEG_INFINITY)],
        &[(8_999, 4, f64::NAN)],
        &[(5_000, 3, f64::INFINITY), (6_000, 3, f64::NEG_INFINITY)],
        &[(7_000, 1, f64::INFINITY), (2_000, 6, f64::NAN)],
    ];
    for bad in cases {
        let mut x = base.clone();
        for &(i, j, v) in bad {
            x[[i, j]] = v;
        }
        let (row, column, _) = bad
            .iter()
            .copied()
            .min_by_key(|&(i, j, _)| i * d + j)
            .unwrap();
        for err in [
            KMeans::params(3).fit(x.view()).unwrap_err(),
            MiniBatchKMeans::params(3).fit(x.view()).unwrap_err(),
        ] {
            assert!(
                matches!(err, ClusterError::NonFinite { row: r, column: c, .. } if (r, c) == (row, column)),
                "{bad:?}: {err:?}"
            );
        }
    }
    // Squares of 1e200 overflow: an infinite variance, not an error.
    let mut x = base.clone();
    x[[10, 2]] = 1e200;
    assert!(KMeans::params(3).fit(x.view()).is_ok());
}

#[test]
fn k_zero_and_k_above_the_rows() {
    let x = array![[0.0], [1.0], [2.0]];
    assert!(matches!(
        KMeans::params(0).fit(x.view()),
        Err(ClusterError::InvalidK { k: 0, n_samples: 3 })
    ));
    let err = KMeans::params(4).fit(x.view()).unwrap_err();
    assert!(matches!(err, ClusterError::InvalidK { k: 4, n_samples: 3 }));
    assert_eq!(err.to_string(), "k must be in 1..=3, got 4");
    assert!(matches!(
        MiniBatchKMeans::params(4).fit(x.view()),
        Err(ClusterError::InvalidK { .. })
    ));
}

#[test]
fn k_above_the_distinct_rows() {
    let x = array![[1.0, 1.0], [1.0, 1.0], [2.0, 2.0], [1.0, 1.0]];
    for init in [Init::KMeansPlusPlus, Init::Random] {
        let err = KMeans::params(3).init(init).fit(x.view()).unwrap_err();
        assert!(matches!(
            err,
            ClusterError::TooFewDistinctPoints { k: 3, distinct: 2 }
        ));
    }
    assert!(KMeans::params(2).fit(x.view()).is_ok());
}

#[test]
fn empty_data() {
    for (n, d) in [(0, 3), (3, 0), (0, 0)] {
        let x = Array2::<f64>::zeros((n, d));
        assert!(matches!(
            KMeans::params(1).fit(x.view()),
            Err(ClusterError::EmptyInput { rows, cols }) if (rows, cols) == (n, d)
        ));
    }
}

#[test]
fn invalid_parameters_are_named() {
    let x = array![[0.0], [1.0], [2.0]];
    let cases = [
        (KMeans::params(2).max_iter(0), "max_iter"),
        (KMeans::params(2).tol(-1e-3), "tol"),
        (KMeans::params(2).tol(f64::NAN), "tol"),
        (KMeans::params(2).n_init(0), "n_init"),
        (
            KMeans::params(1).init(Init::Explicit(array![[f64::NAN]])),
            "init",
        ),
    ];
    for (params, name) in cases {
        match params.fit(x.view()) {
            Err(ClusterError::InvalidParameter { parameter, .. }) => assert_eq!(parameter, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(
        KMeans::params(2)
            .tol(-1.0)
            .fit(x.view())
            .unwrap_err()
            .to_string(),
        "invalid tol = -1: must be finite and >= 0"
    );
    for (params, name) in [
        (MiniBatchKMeans::params(2).batch_size(0), "batch_size"),
        (MiniBatchKMeans::params(2).max_steps(0), "max_steps"),
        (
            MiniBatchKMeans::params(2).reassignment_ratio(-0.5),
            "reassignment_ratio",
        ),
        (MiniBatchKMeans::params(2).tol(f64::INFINITY), "tol"),
    ] {
        match params.fit(x.view()) {
            Err(ClusterError::InvalidParameter { parameter, .. }) => assert_eq!(parameter, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn explicit_centres_of_the_wrong_shape() {
    let x = array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]];
    let err = KMeans::params(2)
        .init(Init::Explicit(array![[0.0, 0.0]]))
        .fit(x.view())
        .unwrap_err();
    assert!(matches!(
        err,
        ClusterError::CentresShape {
            k: 2,
            d: 2,
            rows: 1,
            cols: 2
        }
    ));
    let err = KMeans::params(2)
        .init(Init::Explicit(array![[0.0], [1.0]]))
        .fit(x.view())
        .unwrap_err();
    assert!(matches!(
        err,
        ClusterError::CentresShape {
            k: 2,
            d: 2,
            rows: 2,
            cols: 1
        }
    ));
}

#[test]
fn predictions_of_the_wrong_dimension() {
    let x = array![[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]];
    let model = KMeans::params(2).fit(x.view()).unwrap();
    assert!(matches!(
        model.predict_one(&[1.0]),
        Err(ClusterError::DimensionMismatch {
            expected: 2,
            got: 1
        })
    ));
    assert!(matches!(
        model.predict_one(&[1.0, f64::NAN]),
        Err(ClusterError::NonFinite {
            row: 0,
            column: 1,
            ..
        })
    ));
    assert!(matches!(
        model.predict(array![[1.0, 2.0, 3.0]].view()),
        Err(ClusterError::DimensionMismatch {
            expected: 2,
            got: 3
        })
    ));
    let mut out = [0.0; 3];
    assert!(matches!(
        model.distances_one(&[0.0, 0.0], &mut out),
        Err(ClusterError::LengthMismatch {
            parameter: "out",
            expected: 2,
            got: 3
        })
    ));
    let mut p = PartialSums::new(model.centroids()).unwrap();
    assert!(matches!(
        p.accumulate(array![[1.0]].view()),
        Err(ClusterError::DimensionMismatch {
            expected: 2,
            got: 1
        })
    ));
    let other = PartialSums::new(array![[9.0, 9.0], [8.0, 8.0]].view()).unwrap();
    assert!(matches!(
        p.merge(&other),
        Err(ClusterError::CentresMismatch)
    ));
}

#[test]
fn huge_values_overflow_with_an_error() {
    let x = array![[1e200], [-1e200], [3e200]];
    assert!(matches!(
        KMeans::params(2).fit(x.view()),
        Err(ClusterError::Overflow)
    ));
}

#[test]
fn hostile_or_inconsistent_json_is_rejected() {
    let x = array![[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]];
    let good = KMeans::params(2).fit(x.view()).unwrap().to_json().unwrap();
    // Not JSON of a model's shape: the serde_json cause is kept.
    let syntax = [
        ("", "empty"),
        ("null", "null"),
        ("[]", "array"),
        ("{\"format\":\"seg-cluster/kmeans\"}", "missing fields"),
        (
            &good.replace("\"centroids\":[[", "\"centroids\":[[1e999,")[..],
            "infinite",
        ),
        (
            &good.replace("\"converged\"", "\"extra\":1,\"converged\"")[..],
            "unknown field",
        ),
        (&"[".repeat(100_000)[..], "deep nesting"),
    ];
    for (json, what) in syntax {
        let err = KMeans::from_json(json).unwrap_err();
        assert!(
            matches!(
                err,
                ClusterError::Json {
                    artifact: "k-means model",
                    ..
                }
            ),
            "{what}: {err:?}"
        );
        assert!(std::error::Error::source(&err).is_some(), "{what}");
    }
    // JSON of the right shape, inconsistent.
    let inconsistent = [
        (&good.replace("\"k\":2", "\"k\":3")[..], "k disagrees"),
        (
            &good.replace("\"n_features\":2", "\"n_features\":1")[..],
            "d disagrees",
        ),
        (
            &good.replace("\"inertia\":", "\"inertia\":-")[..],
            "negative inertia",
        ),
        (
            &good.replace("\"labels\":[", "\"labels\":[7,")[..],
            "label >= k",
        ),
    ];
    for (json, what) in inconsistent {
        assert!(
            matches!(
                KMeans::from_json(json),
                Err(ClusterError::InvalidArtifact {
                    artifact: "k-means model",
                    ..
                })
            ),
            "{what}: {:?}",
            KMeans::from_json(json)
        );
    }
    let newer = good.replace("\"format_version\":1", "\"format_version\":2");
    let err = KMeans::from_json(&newer).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported k-means model file: found format \"seg-cluster/kmeans\" version 2, \
         this release reads format \"seg-cluster/kmeans\" version 1"
    );
    let other = good.replace("seg-cluster/kmeans", "pickle");
    assert!(matches!(
        KMeans::from_json(&other),
        Err(ClusterError::UnsupportedFormat {
            artifact: "k-means model",
            ..
        })
    ));
    // A newer version with other fields is still reported as a version.
    let renamed = newer.replace("\"labels\"", "\"assignments\"");
    assert!(matches!(
        KMeans::from_json(&renamed),
        Err(ClusterError::UnsupportedFormat { .. })
    ));
}

#[test]
fn hostile_partial_sums_json_is_an_error_never_a_panic() {
    let centres = array![[0.0, 0.0], [10.0, 10.0]];
    let mut p = PartialSums::new(centres.view()).unwrap();
    p.accumulate(array![[1.0, 1.0], [9.0, 9.0], [0.0, 1.0]].view())
        .unwrap();
    let good = p.to_json().unwrap();
    assert_eq!(PartialSums::from_json(&good).unwrap(), p);
    let syntax: Vec<(String, &str)> = vec![
        (String::new(), "empty"),
        (good[..good.len() / 2].into(), "truncated"),
        ("[]".into(), "array"),
        (good.replace("\"sums\":[[", "\"sums\":[[1e999,"), "infinite"),
        (
            good.replace("\"inertia\"", "\"extra\":1,\"inertia\""),
            "unknown field",
        ),
        ("[".repeat(100_000), "deep nesting"),
    ];
    let inconsistent: Vec<(String, &str)> = vec![
        (
            good.replace("\"counts\":[2,1]", "\"counts\":[2]"),
            "k disagrees",
        ),
        (good.replace("\"counts\":[2,1]", "\"counts\":[]"), "k = 0"),
        (
            good.replace("\"n_features\":2", "\"n_features\":3"),
            "d disagrees",
        ),
        (
            good.replace("\"n_features\":2", "\"n_features\":0"),
            "d = 0",
        ),
        (
            good.replace("\"inertia\":", "\"inertia\":-"),
            "negative inertia",
        ),
        (
            good.replace("\"counts\":[2,1]", "\"counts\":[2,0]"),
            "rows in an empty cluster",
        ),
        (
            good.replace("\"counts\":[2,1]", "\"counts\":[18446744073709551615,1]"),
            "more than u64::MAX rows",
        ),
        (good.replace("\"label\":1", "\"label\":7"), "label >= k"),
        (
            good.replace(
                "\"far\":[",
                "\"far\":[{\"squared_distance\":1e300,\"label\":0,\"row\":[0,0]},",
            ),
            "too many far rows, out of order",
        ),
        (
            good.replace("\"row\":[", "\"row\":[3,"),
            "far row of the wrong width",
        ),
    ];
    for (json, what) in &syntax {
        assert!(json != &good, "{what}: the case must change the JSON");
        assert!(
            matches!(
                PartialSums::from_json(json),
                Err(ClusterError::Json {
                    artifact: "partial sums",
                    ..
                })
            ),
            "{what}: {:?}",
            PartialSums::from_json(json)
        );
    }
    for (json, what) in &inconsistent {
        assert!(json != &good, "{what}: the case must change the JSON");
        assert!(
            matches!(
                PartialSums::from_json(json),
                Err(ClusterError::InvalidArtifact {
                    artifact: "partial sums",
                    ..
                })
            ),
            "{what}: {:?}",
            PartialSums::from_json(json)
        );
    }
    let newer = good.replace("\"format_version\":1", "\"format_version\":2");
    assert!(matches!(
        PartialSums::from_json(&newer),
        Err(ClusterError::UnsupportedFormat {
            artifact: "partial sums",
            found,
            expected,
        }) if found == format!("format {PARTIAL_SUMS_FORMAT:?} version 2")
            && expected == format!("format {PARTIAL_SUMS_FORMAT:?} version 1")
    ));
}

/// A broadcast view: 2^50 rows of one stored value (8 PB to copy).
fn huge_broadcast() -> ndarray::Array2<f64> {
    array![[1.0, 2.0]]
}

#[test]
fn predicting_a_broadcast_view_too_large_to_copy_is_an_error() {
    let x = array![[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]];
    let model = KMeans::params(2).fit(x.view()).unwrap();
    let one = huge_broadcast();
    let view = one.broadcast((1usize << 50, 2)).unwrap();
    assert!(matches!(
        model.predict(view.view()),
        Err(ClusterError::OutOfMemory { .. })
    ));
    assert!(matches!(
        model.distances(view.view()),
        Err(ClusterError::OutOfMemory { .. })
    ));
}

#[test]
fn fitting_a_broadcast_view_too_large_to_copy_is_an_error() {
    let one = huge_broadcast();
    let view = one.broadcast((1usize << 50, 2)).unwrap();
    assert!(matches!(
        KMeans::params(1).fit(view.view()),
        Err(ClusterError::OutOfMemory { .. })
    ));
    assert!(matches!(
        MiniBatchKMeans::params(1).fit(view.view()),
        Err(ClusterError::OutOfMemory { .. })
    ));
}

#[test]
fn accumulating_a_broadcast_view_too_large_to_copy_is_an_error() {
    let one = huge_broadcast();
    let view = one.broadcast((1usize << 50, 2)).unwrap();
    let mut p = PartialSums::new(array![[0.0, 0.0]].view()).unwrap();
    assert!(matches!(
        p.accumulate(view.view()),
        Err(ClusterError::OutOfMemory { .. })
    ));
    assert_eq!(p.n_samples(), 0);
    // A broadcast view small enough to copy is accumulated.
    let small = one.broadcast((3, 2)).unwrap();
    p.accumulate(small.view()).unwrap();
    assert_eq!(p.counts(), &[3]);
}

#[test]
fn mini_batch_with_huge_batch_init_and_step_sizes_fits() {
    let x = array![[0.0], [0.5], [10.0], [10.5], [20.0]];
    let fit = MiniBatchKMeans::params(2)
        .batch_size(usize::MAX)
        .init_size(usize::MAX)
        .max_steps(3)
        .fit(x.view())
        .unwrap();
    assert!(fit.n_steps() <= 3);
    let fit = MiniBatchKMeans::params(2)
        .batch_size(usize::MAX)
        .max_no_improvement(Some(usize::MAX))
        .fit(x.view())
        .unwrap();
    assert!(fit.n_steps() >= 1);
}

#[test]
fn kmeans_with_a_huge_max_iter_stops_when_converged() {
    let x = array![[0.0], [0.5], [10.0], [10.5], [20.0]];
    let model = KMeans::params(2)
        .max_iter(usize::MAX)
        .fit(x.view())
        .unwrap();
    assert!(model.converged());
    let model = KMeans::params(2)
        .max_iter(usize::MAX)
        .algorithm(Algorithm::Lloyd)
        .fit(x.view())
        .unwrap();
    assert!(model.converged());
}
