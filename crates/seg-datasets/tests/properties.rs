//! Properties over arbitrary parameters.

use proptest::prelude::*;
use seg_datasets::{Blobs, TrafficSimulator};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Labels lie in 0..k and the counts are n / k, one more for the first
    /// n % k centres, shuffled or not.
    #[test]
    fn blob_labels_are_in_range_and_balanced(
        n in 1usize..500,
        k_frac in 0.0f64..1.0,
        d in 1usize..5,
        shuffle: bool,
        seed: u64,
    ) {
        // k in 1..=n
        let k = 1 + ((n - 1) as f64 * k_frac) as usize;
        let blobs = Blobs::params(n, d).centres(k).shuffle(shuffle).seed(seed).generate().unwrap();
        prop_assert_eq!(blobs.x.dim(), (n, d));
        prop_assert_eq!(blobs.centres.dim(), (k, d));
        let mut counts = vec![0usize; k];
        for &l in &blobs.labels {
            prop_assert!(l < k);
            counts[l] += 1;
        }
        for (c, &count) in counts.iter().enumerate() {
            prop_assert_eq!(count, n / k + usize::from(c < n % k));
        }
        prop_assert!(blobs.x.iter().all(|v| v.is_finite()));
    }

    /// Arbitrary (valid or not) stds and boxes give a result or an error,
    /// never a panic; valid ones always give a result.
    #[test]
    fn blob_parameters_never_panic(
        std in prop::num::f64::ANY,
        low in prop::num::f64::ANY,
        high in prop::num::f64::ANY,
    ) {
        let result = Blobs::params(20, 2).centres(3).cluster_std(std).centre_box((low, high)).generate();
        let valid = std.is_finite() && std >= 0.0 && low.is_finite() && high.is_finite()
            && low <= high && (high - low).is_finite();
        prop_assert_eq!(result.is_ok(), valid);
    }

    /// Visitors come from segments of positive share and variants of
    /// positive allocation, whatever the shares and the seed.
    #[test]
    fn visitors_come_from_positive_shares_only(
        shares in prop::collection::vec(prop_oneof![Just(0.0), 0.001f64..10.0], 5),
        allocation in prop::collection::vec(prop_oneof![Just(0.0), 0.001f64..10.0], 2),
        seed: u64,
    ) {
        prop_assume!(shares.iter().any(|&s| s > 0.0) && allocation.iter().any(|&a| a > 0.0));
        let sim = TrafficSimulator::default_segments().shares(&shares).allocation(&allocation).seed(seed);
        for v in sim.simulate(300).unwrap() {
            prop_assert!(shares[v.segment] > 0.0);
            prop_assert!(allocation[v.variant] > 0.0);
            prop_assert!((0.0..=1.0).contains(&v.visitor.bounce_rate));
            prop_assert!(v.visitor.sessions >= 1.0 && v.visitor.pages_per_session >= 1.0);
        }
    }
}
