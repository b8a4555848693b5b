//! Invariants of k-means on arbitrary data (proptest).

use ndarray::{Array2, Axis, Slice};
use proptest::prelude::*;
use seg_cluster::*;

/// 1–4 features, 6–60 rows with values on a coarse grid (so that
/// duplicates and ties occur), and k in 1..=5 not above the distinct rows.
fn data() -> impl Strategy<Value = (Array2<f64>, usize)> {
    (6usize..60, 1usize..5, 1usize..6).prop_flat_map(|(n, d, k)| {
        (prop::collection::vec(-20i32..20, n * d), Just((n, d, k))).prop_filter_map(
            "k <= distinct rows",
            |(v, (n, d, k))| {
                let x = Array2::from_shape_vec((n, d), v.iter().map(|&a| a as f64 * 0.5).collect())
                    .expect("n x d");
                let mut rows: Vec<Vec<i32>> = v.chunks(d).map(<[i32]>::to_vec).collect();
                rows.sort();
                rows.dedup();
                (rows.len() >= k).then_some((x, k))
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn labels_are_in_0_to_k((x, k) in data(), seed in 0u64..1000) {
        let model = KMeans::params(k).seed(seed).fit(x.view()).unwrap();
        prop_assert_eq!(model.labels().len(), x.nrows());
        prop_assert!(model.labels().iter().all(|&l| l < k));
        prop_assert_eq!(model.centroids().dim(), (k, x.ncols()));
        prop_assert!(model.inertia() >= 0.0);
    }

    #[test]
    fn hamerly_equals_lloyd((x, k) in data(), seed in 0u64..1000, random in any::<bool>()) {
        let init = if random { Init::Random } else { Init::KMeansPlusPlus };
        let fit = |a| KMeans::params(k).init(init.clone()).n_init(2).tol(0.0).seed(seed).algorithm(a).fit(x.view()).unwrap();
        let (l, h) = (fit(Algorithm::Lloyd), fit(Algorithm::Hamerly));
        prop_assert_eq!(l.labels(), h.labels());
        prop_assert_eq!(l.centroids(), h.centroids());
        prop_assert_eq!(l.inertia(), h.inertia());
        prop_assert_eq!(l.n_iter(), h.n_iter());
        prop_assert_eq!(l.converged(), h.converged());
    }

    #[test]
    fn inertia_never_increases_between_lloyd_iterations((x, k) in data()) {
        let init = Init::Explicit(x.slice_axis(Axis(0), Slice::from(..k)).to_owned());
        let mut previous = f64::INFINITY;
        for max_iter in 1..12 {
            let model = KMeans::params(k).init(init.clone()).algorithm(Algorithm::Lloyd).tol(0.0).max_iter(max_iter).fit(x.view()).unwrap();
            prop_assert!(model.inertia() <= previous * (1.0 + 1e-12) + 1e-12, "{} after {}", model.inertia(), previous);
            previous = model.inertia();
        }
    }

    #[test]
    fn predict_on_the_training_data_returns_the_labels((x, k) in data(), seed in 0u64..1000) {
        let model = KMeans::params(k).seed(seed).tol(0.0).fit(x.view()).unwrap();
        prop_assume!(model.converged());
        prop_assert_eq!(model.predict(x.view()).unwrap(), model.labels());
        for (row, &label) in x.rows().into_iter().zip(model.labels()) {
            prop_assert_eq!(model.predict_one(row.as_slice().unwrap()).unwrap(), label);
        }
    }

    #[test]
    fn json_round_trips_exactly((x, k) in data(), seed in 0u64..1000) {
        let model = KMeans::params(k).seed(seed).fit(x.view()).unwrap();
        let back = KMeans::from_json(&model.to_json().unwrap()).unwrap();
        prop_assert_eq!(back, model);
    }

    #[test]
    fn partial_sums_json_round_trips_and_truncations_are_errors(
        (x, k) in data(),
        cut in 0.0f64..1.0,
    ) {
        let centres = x.slice_axis(Axis(0), Slice::from(..k)).to_owned();
        let mut p = PartialSums::new(centres.view()).unwrap();
        p.accumulate(x.view()).unwrap();
        let json = p.to_json().unwrap();
        prop_assert_eq!(PartialSums::from_json(&json).unwrap(), p);
        let end = ((json.len() - 1) as f64 * cut) as usize;
        prop_assert!(PartialSums::from_json(&json[..end]).is_err());
    }

    #[test]
    fn truncated_json_is_an_error_never_a_panic((x, k) in data(), cut in 0.0f64..1.0) {
        let json = KMeans::params(k).fit(x.view()).unwrap().to_json().unwrap();
        let end = ((json.len() - 1) as f64 * cut) as usize;
        prop_assert!(KMeans::from_json(&json[..end]).is_err());
    }
}
