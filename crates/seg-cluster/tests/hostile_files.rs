//! Hostile saved artifacts, in the style of a fuzzer: every loadable type
//! of the crate ([`KMeans`] models and [`PartialSums`]) is fed mutations of
//! a valid file (`seg_testdata::hostile_json`). A load gives an error or a
//! value that then works through its main methods, and saves and reloads
//! to itself; nothing panics. ([`MiniBatchKMeans`] is not loadable: its
//! model is a [`KMeans`].)
//!
//! The suite runs 2,000 cases per type; `PROPTEST_CASES` runs more.

use ndarray::{Array2, array};
use proptest::prelude::*;
use seg_cluster::*;
use seg_testdata::hostile_json;

fn data() -> Array2<f64> {
    array![
        [0.0, 0.0],
        [0.5, 1.0],
        [10.0, 10.0],
        [10.5, 9.0],
        [-8.0, 4.0],
        [-9.0, 5.0],
        [0.0, 0.5],
    ]
}

fn valid_model() -> serde_json::Value {
    let model = KMeans::params(3).seed(1).fit(data().view()).unwrap();
    serde_json::from_str(&model.to_json().unwrap()).unwrap()
}

fn valid_partial() -> serde_json::Value {
    let centres = array![[0.0, 0.0], [10.0, 10.0], [-8.0, 4.0], [100.0, 100.0]];
    let mut p = PartialSums::new(centres.view()).unwrap();
    p.accumulate(data().view()).unwrap();
    serde_json::from_str(&p.to_json().unwrap()).unwrap()
}

/// Points of the model's width, including extreme ones.
fn points(d: usize) -> Array2<f64> {
    let values = [0.0, -1.0, 1e308, -1e308, 1e-320, 3.5];
    Array2::from_shape_fn((values.len(), d), |(i, j)| values[(i + j) % values.len()])
}

/// Uses a loaded model through its main methods.
fn exercise_model(model: &KMeans) {
    let (k, d) = (model.k(), model.n_features());
    assert!(k >= 1 && d >= 1);
    assert_eq!(model.centroids().dim(), (k, d));
    assert!(model.labels().iter().all(|&l| l < k));
    let x = points(d);
    let labels = model.predict(x.view()).unwrap();
    assert!(labels.iter().all(|&l| l < k));
    let distances = model.distances(x.view()).unwrap();
    assert_eq!(distances.dim(), (x.nrows(), k));
    let mut out = vec![0.0; k];
    for (row, &label) in x.rows().into_iter().zip(&labels) {
        let row = row.to_vec();
        assert_eq!(model.predict_one(&row).unwrap(), label);
        model.distances_one(&row, &mut out).unwrap();
    }
    assert!(model.predict_one(&vec![0.0; d + 1]).is_err());
    assert!(
        model
            .distances_one(&vec![0.0; d], &mut vec![0.0; k + 1])
            .is_err()
    );
    let saved = model.to_json().unwrap();
    assert_eq!(&KMeans::from_json(&saved).unwrap(), model);
    let via_serde: KMeans = serde_json::from_str(&saved).unwrap();
    assert_eq!(&via_serde, model);
}

/// Uses loaded partial sums through their main methods.
fn exercise_partial(p: &PartialSums) {
    let (k, d) = p.current_centres().dim();
    assert!(k >= 1 && d >= 1);
    assert_eq!(p.counts().len(), k);
    assert_eq!(p.sums().dim(), (k, d));
    let next = p.next_centres();
    assert_eq!(next.dim(), (k, d));
    // Merging into fresh sums from the same centres gives the same sums.
    let mut fresh = PartialSums::new(p.current_centres()).unwrap();
    fresh.merge(p).unwrap();
    assert_eq!(fresh.counts(), p.counts());
    // Merging with itself: an error (overflow) or the doubled counts.
    let mut twice = p.clone();
    match twice.merge(p) {
        Ok(()) => assert_eq!(twice.n_samples(), p.n_samples() * 2),
        Err(_) => assert_eq!(&twice, p, "a failed merge leaves the sums alone"),
    }
    // More rows: an error or more counts.
    let mut more = p.clone();
    let x = points(d);
    let mut labels = vec![0; x.nrows()];
    match more.accumulate_with_labels(x.view(), &mut labels) {
        Ok(()) => {
            assert_eq!(more.n_samples(), p.n_samples() + x.nrows() as u64);
            assert!(labels.iter().all(|&l| l < k));
            let _ = more.next_centres();
            let again = PartialSums::from_json(&more.to_json().unwrap()).unwrap();
            assert_eq!(again, more);
        }
        Err(_) => assert_eq!(&more, p, "a failed accumulate leaves the sums alone"),
    }
    // The next step starts from the next centres (finite ones).
    if next.iter().all(|v| v.is_finite()) {
        let mut step = PartialSums::new(next.view()).unwrap();
        let _ = step.accumulate(x.view());
    }
    let saved = p.to_json().unwrap();
    assert_eq!(&PartialSums::from_json(&saved).unwrap(), p);
    let via_serde: PartialSums = serde_json::from_str(&saved).unwrap();
    assert_eq!(&via_serde, p);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(seg_testdata::hostile_cases()))]

    #[test]
    fn hostile_model_files_load_to_working_models_or_errors(text in hostile_json(valid_model())) {
        if let Ok(model) = KMeans::from_json(&text) {
            exercise_model(&model);
        }
        // The serde path runs the same checks.
        if let Ok(model) = serde_json::from_str::<KMeans>(&text) {
            exercise_model(&model);
        }
    }

    #[test]
    fn hostile_partial_sums_files_load_to_working_sums_or_errors(
        text in hostile_json(valid_partial())
    ) {
        if let Ok(p) = PartialSums::from_json(&text) {
            exercise_partial(&p);
        }
        if let Ok(p) = serde_json::from_str::<PartialSums>(&text) {
            exercise_partial(&p);
        }
    }
}

#[test]
fn the_valid_files_load_and_work() {
    let model = KMeans::from_json(&valid_model().to_string()).unwrap();
    exercise_model(&model);
    let p = PartialSums::from_json(&valid_partial().to_string()).unwrap();
    exercise_partial(&p);
}

#[test]
fn model_with_a_huge_k_is_an_error_without_allocating() {
    let mut v = valid_model();
    v["k"] = serde_json::json!(u64::MAX);
    assert!(matches!(
        KMeans::from_json(&v.to_string()),
        Err(ClusterError::InvalidArtifact { .. })
    ));
    v["k"] = serde_json::json!(0);
    v["centroids"] = serde_json::json!([]);
    assert!(matches!(
        KMeans::from_json(&v.to_string()),
        Err(ClusterError::InvalidArtifact { .. })
    ));
}

#[test]
fn model_with_extreme_centroids_predicts_without_panicking() {
    let mut v = valid_model();
    v["centroids"] = serde_json::json!([[1e308, -1e308], [1e-320, 0.0], [-1e308, 1e308]]);
    let model = KMeans::from_json(&v.to_string()).unwrap();
    exercise_model(&model);
}

#[test]
fn partial_sums_whose_counts_overflow_u64_are_an_error() {
    let mut v = valid_partial();
    v["counts"] = serde_json::json!([u64::MAX, 1, 1, 0]);
    assert!(matches!(
        PartialSums::from_json(&v.to_string()),
        Err(ClusterError::InvalidArtifact { .. })
    ));
}

#[test]
fn merging_partial_sums_beyond_u64_rows_is_an_error() {
    let mut v = valid_partial();
    let counts: Vec<u64> = serde_json::from_value(v["counts"].clone()).unwrap();
    v["counts"] = serde_json::json!([u64::MAX / 2, counts[1], counts[2], counts[3]]);
    let p = PartialSums::from_json(&v.to_string()).unwrap();
    let mut twice = p.clone();
    assert!(matches!(
        twice.merge(&p),
        Err(ClusterError::RowCountOverflow)
    ));
    assert_eq!(twice, p);
}

#[test]
fn accumulating_beyond_u64_rows_is_an_error() {
    let mut v = valid_partial();
    let counts: Vec<u64> = serde_json::from_value(v["counts"].clone()).unwrap();
    let others: u64 = counts[1..].iter().sum();
    v["counts"] = serde_json::json!([u64::MAX - others - 1, counts[1], counts[2], counts[3]]);
    let mut p = PartialSums::from_json(&v.to_string()).unwrap();
    let before = p.clone();
    assert!(matches!(
        p.accumulate(data().view()),
        Err(ClusterError::RowCountOverflow)
    ));
    assert_eq!(p, before);
    p.accumulate(array![[0.0, 0.0]].view()).unwrap();
    assert_eq!(p.n_samples(), u64::MAX);
}

#[test]
fn merging_partial_sums_whose_sums_overflow_is_an_error() {
    let mut v = valid_partial();
    v["sums"][0] = serde_json::json!([1.5e308, 0.0]);
    let p = PartialSums::from_json(&v.to_string()).unwrap();
    let mut twice = p.clone();
    assert!(matches!(twice.merge(&p), Err(ClusterError::Overflow)));
    assert_eq!(twice, p);
}

#[test]
fn accumulating_rows_whose_inertia_overflows_is_an_error() {
    // Finite sums, squared distances beyond f64: JSON could not hold the
    // inertia, so the rows are refused.
    let mut p = PartialSums::new(array![[0.0], [1.0]].view()).unwrap();
    assert!(matches!(
        p.accumulate(array![[1e200], [-1e200]].view()),
        Err(ClusterError::Overflow)
    ));
    assert_eq!(p.n_samples(), 0);
}

/// The fuzz tests exercise loaded values, not only errors: a share of the
/// mutated files load.
#[test]
fn some_hostile_files_load() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (models, partials) = (hostile_json(valid_model()), hostile_json(valid_partial()));
    let (mut loaded_models, mut loaded_partials) = (0, 0);
    for _ in 0..2000 {
        let text = models.new_tree(&mut runner).unwrap().current();
        loaded_models += usize::from(KMeans::from_json(&text).is_ok());
        let text = partials.new_tree(&mut runner).unwrap().current();
        loaded_partials += usize::from(PartialSums::from_json(&text).is_ok());
    }
    eprintln!("loaded {loaded_models} models and {loaded_partials} partial sums of 2000 each");
    assert!(loaded_models >= 20, "{loaded_models}");
    assert!(loaded_partials >= 20, "{loaded_partials}");
}
