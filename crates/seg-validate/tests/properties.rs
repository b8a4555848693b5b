//! Invariants of the metrics on arbitrary data (proptest).

use ndarray::Array2;
use proptest::prelude::*;
use seg_validate::*;

/// Rows of 1–3 features with 2..5 labels, at least one row more than there
/// are distinct labels.
fn clustered() -> impl Strategy<Value = (Array2<f64>, Vec<usize>)> {
    (4usize..40, 1usize..4).prop_flat_map(|(n, d)| {
        (
            prop::collection::vec(-100.0..100.0f64, n * d),
            prop::collection::vec(0usize..4, n),
        )
            .prop_filter_map("2 <= clusters <= n - 1", move |(values, labels)| {
                let mut distinct = labels.clone();
                distinct.sort_unstable();
                distinct.dedup();
                (distinct.len() >= 2 && distinct.len() < n).then(|| {
                    (
                        Array2::from_shape_vec((n, d), values).expect("n x d"),
                        labels,
                    )
                })
            })
    })
}

/// A relabeling: a permutation of label ids mapped to spread-out values.
fn relabel(labels: &[usize], perm: &[usize]) -> Vec<usize> {
    labels.iter().map(|&l| perm[l] * 1000 + 7).collect()
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(1.0)
}

proptest! {
    #[test]
    fn silhouette_is_within_minus_one_and_one((x, labels) in clustered()) {
        let samples = silhouette_samples(x.view(), &labels).unwrap();
        prop_assert!(samples.iter().all(|s| (-1.0..=1.0).contains(s)));
        let score = silhouette_score(x.view(), &labels).unwrap();
        prop_assert!((-1.0..=1.0).contains(&score));
        prop_assert!((-1.0..=1.0).contains(&simplified_silhouette_score(x.view(), &labels).unwrap()));
    }

    #[test]
    fn metrics_are_invariant_under_relabeling(
        (x, labels) in clustered(),
        perm in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
    ) {
        let other = relabel(&labels, &perm);
        prop_assert_eq!(silhouette_samples(x.view(), &labels).unwrap(), silhouette_samples(x.view(), &other).unwrap());
        prop_assert!(same(davies_bouldin_score(x.view(), &labels).unwrap(), davies_bouldin_score(x.view(), &other).unwrap()));
        prop_assert!(same(calinski_harabasz_score(x.view(), &labels).unwrap(), calinski_harabasz_score(x.view(), &other).unwrap()));
        prop_assert!(same(inertia(x.view(), &labels).unwrap(), inertia(x.view(), &other).unwrap()));
        prop_assert_eq!(adjusted_rand_index(&labels, &other).unwrap(), 1.0);
        prop_assert!(same(normalized_mutual_info(&labels, &other).unwrap(), 1.0));
    }

    #[test]
    fn ari_is_one_on_itself_and_symmetric(
        a in prop::collection::vec(0usize..5, 1..60),
        seed in prop::collection::vec(0usize..5, 60),
    ) {
        let b: Vec<usize> = seed[..a.len()].to_vec();
        prop_assert_eq!(adjusted_rand_index(&a, &a).unwrap(), 1.0);
        let (ab, ba) = (adjusted_rand_index(&a, &b).unwrap(), adjusted_rand_index(&b, &a).unwrap());
        prop_assert!(same(ab, ba), "{} vs {}", ab, ba);
        prop_assert!(ab <= 1.0 + 1e-12);
    }

    #[test]
    fn nmi_is_within_zero_and_one_and_symmetric(
        a in prop::collection::vec(0usize..5, 1..60),
        seed in prop::collection::vec(0usize..5, 60),
    ) {
        let b: Vec<usize> = seed[..a.len()].to_vec();
        let (ab, ba) = (normalized_mutual_info(&a, &b).unwrap(), normalized_mutual_info(&b, &a).unwrap());
        prop_assert!((0.0..=1.0 + 1e-12).contains(&ab), "{}", ab);
        prop_assert!(same(ab, ba));
    }

    #[test]
    fn sampled_silhouette_of_all_rows_is_the_exact_score((x, labels) in clustered(), seed in any::<u64>()) {
        let exact = silhouette_score(x.view(), &labels).unwrap();
        let sampled = silhouette_score_sampled(x.view(), &labels, x.nrows(), seed).unwrap();
        prop_assert!(same(exact, sampled));
    }

    #[test]
    fn cramers_v_is_within_zero_and_one(
        labels in prop::collection::vec(0usize..4, 2..80),
        outcomes in prop::collection::vec(any::<bool>(), 80),
    ) {
        let outcomes = &outcomes[..labels.len()];
        if let Ok(report) = segment_outcomes(&labels, outcomes, 0.95) {
            prop_assert!((0.0..=1.0).contains(&report.cramers_v));
            prop_assert!((0.0..=1.0).contains(&report.p_value));
            for s in &report.segments {
                prop_assert!(s.ci_low <= s.rate && s.rate <= s.ci_high);
            }
        }
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ValidateError>();
    check::<QualityGate>();
    check::<Verdict>();
    check::<SegmentOutcomes>();
    check::<ClusterSizes>();
}
