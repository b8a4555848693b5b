//! Property tests: ranges, monotonicity and invariances.

use proptest::prelude::*;

use seg_power::{
    Alternative, Correction, GroupSequential, Mde, MeanTest, MeanTestKind, ProportionMethod,
    ProportionTest, SpendingFunction, noncentral_t_cdf, srm_test,
};

fn method() -> impl Strategy<Value = ProportionMethod> {
    prop_oneof![
        Just(ProportionMethod::Pooled),
        Just(ProportionMethod::Unpooled),
        Just(ProportionMethod::CohensH)
    ]
}

fn alternative() -> impl Strategy<Value = Alternative> {
    prop_oneof![Just(Alternative::TwoSided), Just(Alternative::OneSided)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn n_decreases_with_larger_effect(
        p1 in 0.005f64..0.6, rel in 0.02f64..0.5, grow in 1.05f64..2.0,
        m in method(), alt in alternative(),
    ) {
        let t = ProportionTest::new(p1).method(m).alternative(alt);
        prop_assume!(p1 * (1.0 + rel * grow) < 0.999);
        let small = t.sample_size(Mde::Relative(rel), 0.8).unwrap().n1;
        let large = t.sample_size(Mde::Relative(rel * grow), 0.8).unwrap().n1;
        prop_assert!(large < small);
    }

    #[test]
    fn n_decreases_with_alpha_and_increases_with_power(
        p1 in 0.01f64..0.5, alpha in 0.001f64..0.2, power in 0.5f64..0.95, m in method(),
    ) {
        let t = ProportionTest::new(p1).method(m);
        let mde = Mde::Relative(0.1);
        let base = t.alpha(alpha).sample_size(mde, power).unwrap().n1;
        let looser = t.alpha(alpha * 1.5).sample_size(mde, power).unwrap().n1;
        let stronger = t.alpha(alpha).sample_size(mde, power + 0.04).unwrap().n1;
        prop_assert!(looser < base);
        prop_assert!(stronger > base);
    }

    #[test]
    fn power_is_a_probability_and_increases_with_n(
        d in 0.01f64..2.0, n in 2.0f64..5000.0, alpha in 0.001f64..0.3,
        kind in prop_oneof![Just(MeanTestKind::Z), Just(MeanTestKind::T)], alt in alternative(),
    ) {
        let t = MeanTest::new().alpha(alpha).test(kind).alternative(alt);
        let p = t.power(Mde::Absolute(d), n).unwrap();
        let p2 = t.power(Mde::Absolute(d), n * 1.5).unwrap();
        prop_assert!((0.0..=1.0).contains(&p));
        prop_assert!(p2 >= p - 1e-12);
        // Power exceeds the size of the test for any non-zero effect.
        prop_assert!(p >= t.power(Mde::Absolute(d * 0.5), n).unwrap() - 1e-12);
    }

    #[test]
    fn proportion_power_and_mde_round_trip(
        p1 in 0.01f64..0.5, n in 500.0f64..1e6, power in 0.5f64..0.95, m in method(), alt in alternative(),
    ) {
        let t = ProportionTest::new(p1).method(m).alternative(alt);
        if let Ok(mde) = t.mde(n, power) {
            let back = t.power(Mde::Absolute(mde.absolute), n).unwrap();
            prop_assert!((back - power).abs() < 1e-9, "{} vs {}", back, power);
            prop_assert!(mde.p2 > p1 && mde.p2 < 1.0);
        }
    }

    #[test]
    fn adjusted_p_values_are_valid_and_order_preserving(
        p in proptest::collection::vec(0.0f64..=1.0, 1..40),
        alpha in 0.001f64..0.5,
    ) {
        for c in Correction::ALL {
            let r = c.adjust(&p, alpha).unwrap();
            for (i, (&a, &raw)) in r.adjusted.iter().zip(&p).enumerate() {
                prop_assert!(a >= raw - 1e-15, "{} [{}]: {} < raw {}", c, i, a, raw);
                prop_assert!(a <= 1.0);
                prop_assert_eq!(r.reject[i], a <= alpha);
            }
            // Step methods (and the single-step ones) preserve the order.
            for i in 0..p.len() {
                for j in 0..p.len() {
                    if p[i] < p[j] {
                        prop_assert!(r.adjusted[i] <= r.adjusted[j] + 1e-15, "{}: order broken", c);
                    }
                }
            }
        }
    }

    #[test]
    fn adjustment_is_permutation_equivariant(
        p in proptest::collection::vec(0.0f64..=1.0, 2..20), rot in 0usize..20,
    ) {
        let k = rot % p.len();
        let mut q = p.clone();
        q.rotate_left(k);
        for c in Correction::ALL {
            let a = c.adjust(&p, 0.05).unwrap().adjusted;
            let mut b = c.adjust(&q, 0.05).unwrap().adjusted;
            b.rotate_right(k);
            for (x, y) in a.iter().zip(&b) {
                prop_assert!((x - y).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn srm_p_value_is_a_probability(
        a in 1u64..1_000_000, b in 1u64..1_000_000, w in 0.05f64..0.95,
    ) {
        let t = srm_test(&[a, b], &[w, 1.0 - w]).unwrap();
        prop_assert!((0.0..=1.0).contains(&t.p_value));
        prop_assert!(t.statistic >= 0.0);
        prop_assert_eq!(t.mismatch, t.p_value < 0.001);
    }

    #[test]
    fn noncentral_t_cdf_is_monotone_in_t_and_decreasing_in_nc(
        t in -8.0f64..8.0, df in 1.0f64..500.0, nc in -5.0f64..5.0, dt in 0.01f64..2.0,
    ) {
        let a = noncentral_t_cdf(t, df, nc).unwrap();
        let b = noncentral_t_cdf(t + dt, df, nc).unwrap();
        let c = noncentral_t_cdf(t, df, nc + dt).unwrap();
        prop_assert!((0.0..=1.0).contains(&a));
        prop_assert!(b >= a - 1e-12);
        prop_assert!(c <= a + 1e-12);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn spending_boundaries_spend_alpha_exactly(
        k in 2usize..6, alpha in 0.01f64..0.1, gamma in -4.0f64..2.0, two in proptest::bool::ANY,
    ) {
        let alt = if two { Alternative::TwoSided } else { Alternative::OneSided };
        let d = GroupSequential::spending(SpendingFunction::HwangShihDeCani { gamma }, k)
            .alpha(alpha)
            .alternative(alt)
            .design()
            .unwrap();
        let last = d.cumulative_alpha()[k - 1];
        prop_assert!((last - alpha).abs() < 1e-8, "{} vs {}", last, alpha);
        prop_assert!(d.upper().iter().all(|z| *z > 0.0));
        let p = d.solve_power(0.8).unwrap();
        prop_assert!(p.inflation_factor >= 1.0 - 1e-9);
        prop_assert!(p.expected_t_h1 <= 1.0 + 1e-12);
    }
}
