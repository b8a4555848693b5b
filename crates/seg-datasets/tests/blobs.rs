//! `make_blobs` semantics: shapes, balanced labels, centres, noise,
//! determinism and every invalid parameter.

use ndarray::{Array2, array};
use seg_datasets::{Blobs, DatasetError, Result};

fn counts(labels: &[usize], k: usize) -> Vec<usize> {
    let mut counts = vec![0; k];
    for &l in labels {
        counts[l] += 1;
    }
    counts
}

#[test]
fn shapes_follow_the_parameters() -> Result<()> {
    let blobs = Blobs::params(1_001, 7).centres(5).generate()?;
    assert_eq!(blobs.x.dim(), (1_001, 7));
    assert_eq!(blobs.labels.len(), 1_001);
    assert_eq!(blobs.centres.dim(), (5, 7));
    assert!(blobs.x.iter().all(|v| v.is_finite()));
    Ok(())
}

#[test]
fn default_is_three_centres_in_the_box() -> Result<()> {
    let blobs = Blobs::params(30, 2).generate()?;
    assert_eq!(blobs.centres.nrows(), 3);
    assert!(blobs.centres.iter().all(|c| (-10.0..10.0).contains(c)));
    Ok(())
}

#[test]
fn label_counts_are_balanced_first_centres_get_the_remainder() -> Result<()> {
    let blobs = Blobs::params(1_003, 3).centres(4).generate()?;
    assert_eq!(counts(&blobs.labels, 4), vec![251, 251, 251, 250]);
    Ok(())
}

#[test]
fn sample_means_are_near_their_centres() -> Result<()> {
    let blobs = Blobs::params(40_000, 3)
        .centres(4)
        .cluster_std(0.5)
        .seed(11)
        .generate()?;
    let k = blobs.centres.nrows();
    let mut sums = Array2::<f64>::zeros((k, 3));
    for (row, &l) in blobs.x.rows().into_iter().zip(&blobs.labels) {
        let mut s = sums.row_mut(l);
        s += &row;
    }
    for (c, n) in counts(&blobs.labels, k).into_iter().enumerate() {
        for j in 0..3 {
            let mean = sums[[c, j]] / n as f64;
            // Standard error 0.5 / sqrt(10_000) = 0.005; allow 5 of them.
            assert!(
                (mean - blobs.centres[[c, j]]).abs() < 0.025,
                "centre {c}, feature {j}: mean {mean} vs {}",
                blobs.centres[[c, j]]
            );
        }
    }
    Ok(())
}

#[test]
fn per_centre_stds_are_respected() -> Result<()> {
    let centres = array![[0.0, 0.0], [100.0, 100.0]];
    let blobs = Blobs::params(20_000, 2)
        .centres_at(centres.clone())
        .cluster_stds(vec![0.5, 3.0])
        .seed(2)
        .generate()?;
    assert_eq!(blobs.centres, centres);
    for (c, want) in [(0, 0.5), (1, 3.0)] {
        let values: Vec<f64> = blobs
            .x
            .rows()
            .into_iter()
            .zip(&blobs.labels)
            .filter(|(_, l)| **l == c)
            .flat_map(|(row, _)| row.to_vec())
            .map(|v| v - centres[[c, 0]])
            .collect();
        let var = values.iter().map(|v| v * v).sum::<f64>() / values.len() as f64;
        // The sample std of 20,000 draws is within ~1% of the truth.
        assert!(
            (var.sqrt() / want - 1.0).abs() < 0.03,
            "centre {c}: {}",
            var.sqrt()
        );
    }
    Ok(())
}

#[test]
fn zero_std_puts_points_on_their_centres() -> Result<()> {
    let blobs = Blobs::params(50, 4)
        .centres(3)
        .cluster_std(0.0)
        .seed(5)
        .generate()?;
    for (row, &l) in blobs.x.rows().into_iter().zip(&blobs.labels) {
        assert_eq!(row, blobs.centres.row(l));
    }
    Ok(())
}

#[test]
fn shuffled_labels_are_mixed_unshuffled_grouped() -> Result<()> {
    let shuffled = Blobs::params(100, 2).centres(2).generate()?;
    assert!(shuffled.labels[..50].contains(&1));
    let grouped = Blobs::params(100, 2).centres(2).shuffle(false).generate()?;
    assert!(grouped.labels[..50].iter().all(|&l| l == 0));
    assert!(grouped.labels[50..].iter().all(|&l| l == 1));
    Ok(())
}

#[test]
fn same_seed_same_blobs_other_seed_other_blobs() -> Result<()> {
    let params = Blobs::params(500, 3).centres(4).seed(99);
    assert_eq!(params.generate()?, params.generate()?);
    assert_eq!(params.clone().generate()?, params.generate()?);
    let other = params.clone().seed(100).generate()?;
    assert_ne!(other.x, params.generate()?.x);
    Ok(())
}

fn invalid_parameter(result: Result<Blobs>) -> &'static str {
    match result {
        Err(DatasetError::InvalidParameter { parameter, .. }) => parameter,
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
}

#[test]
fn empty_shapes_are_errors() {
    assert_eq!(
        invalid_parameter(Blobs::params(0, 2).generate()),
        "n_samples"
    );
    assert_eq!(
        invalid_parameter(Blobs::params(10, 0).generate()),
        "n_features"
    );
}

#[test]
fn centre_counts_outside_one_to_n_are_errors() {
    assert_eq!(
        Blobs::params(10, 2).centres(0).generate(),
        Err(DatasetError::InvalidCentres {
            k: 0,
            n_samples: 10
        })
    );
    assert_eq!(
        Blobs::params(10, 2).centres(11).generate(),
        Err(DatasetError::InvalidCentres {
            k: 11,
            n_samples: 10
        })
    );
    let eleven = Array2::zeros((11, 2));
    assert_eq!(
        Blobs::params(10, 2).centres_at(eleven).generate(),
        Err(DatasetError::InvalidCentres {
            k: 11,
            n_samples: 10
        })
    );
    assert!(Blobs::params(10, 2).centres(10).generate().is_ok());
}

#[test]
fn bad_stds_are_errors() {
    for std in [-0.1, f64::NAN, f64::INFINITY] {
        assert_eq!(
            invalid_parameter(Blobs::params(10, 2).cluster_std(std).generate()),
            "cluster_std",
            "{std}"
        );
    }
    assert_eq!(
        invalid_parameter(
            Blobs::params(10, 2)
                .centres(2)
                .cluster_stds(vec![1.0, -1.0])
                .generate()
        ),
        "cluster_std"
    );
    assert_eq!(
        Blobs::params(10, 2)
            .centres(3)
            .cluster_stds(vec![1.0, 1.0])
            .generate(),
        Err(DatasetError::LengthMismatch {
            parameter: "cluster_stds",
            expected: 3,
            got: 2
        })
    );
}

#[test]
fn bad_boxes_are_errors() {
    for bounds in [
        (1.0, -1.0),
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
        (f64::NEG_INFINITY, 0.0),
        (-f64::MAX, f64::MAX),
    ] {
        assert_eq!(
            invalid_parameter(Blobs::params(10, 2).centre_box(bounds).generate()),
            "centre_box",
            "{bounds:?}"
        );
    }
}

#[test]
fn given_centres_need_the_dimension_and_finite_values() {
    assert_eq!(
        Blobs::params(10, 3)
            .centres_at(array![[0.0, 1.0]])
            .generate(),
        Err(DatasetError::CentresDimension {
            expected: 3,
            got: 2
        })
    );
    let err = Blobs::params(10, 2)
        .centres_at(array![[0.0, 1.0], [2.0, f64::NAN]])
        .generate();
    assert!(matches!(
        err,
        Err(DatasetError::NonFiniteCentre { row: 1, column: 1, value }) if value.is_nan()
    ));
    let err = Blobs::params(10, 2)
        .centres_at(array![[f64::INFINITY, 1.0]])
        .generate();
    assert!(matches!(
        err,
        Err(DatasetError::NonFiniteCentre {
            row: 0,
            column: 0,
            ..
        })
    ));
}

#[test]
fn error_messages_name_the_parameter_and_value() {
    let err = Blobs::params(10, 2)
        .cluster_std(-2.0)
        .generate()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid cluster_std = -2: a standard deviation must be finite and >= 0"
    );
    let err = Blobs::params(3, 2).centres(4).generate().unwrap_err();
    assert_eq!(err.to_string(), "centres must be in 1..=3, got 4");
}
