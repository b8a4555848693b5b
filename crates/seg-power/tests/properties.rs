//! Property tests: ranges, monotonicity and invariances.

use proptest::prelude::*;

use seg_power::{
    Alternative, Correction, GroupSequential, Mde, MeanTest, MeanTestKind, ProportionMethod,
    ProportionTest, SpendingFunction, adaptive_srm_test_at, noncentral_t_cdf, srm_test,
    srm_test_at,
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

/// Per-period counts and allocation weights of 2–5 groups over 1–8
/// periods; about a fifth of the cells have weight 0 and count 0 (every
/// period keeps at least two groups with a positive weight).
fn adaptive_periods() -> impl Strategy<Value = (Vec<Vec<u64>>, Vec<Vec<f64>>)> {
    (2usize..=5, 1usize..=8).prop_flat_map(|(g, t)| {
        prop::collection::vec(
            (
                prop::collection::vec(0u64..3_000, g),
                prop::collection::vec(0.05f64..10.0, g),
                prop::collection::vec(prop::bool::weighted(0.2), g),
            ),
            t,
        )
        .prop_map(|rows| {
            let mut observed = Vec::new();
            let mut allocation = Vec::new();
            for (mut o, mut w, zero) in rows {
                if zero.iter().filter(|z| !**z).count() >= 2 {
                    for (g, z) in zero.iter().enumerate() {
                        if *z {
                            o[g] = 0;
                            w[g] = 0.0;
                        }
                    }
                }
                observed.push(o);
                allocation.push(w);
            }
            (observed, allocation)
        })
    })
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn adaptive_srm_p_value_is_a_probability((observed, allocation) in adaptive_periods()) {
        prop_assume!(observed.iter().flatten().any(|&o| o > 0));
        let t = adaptive_srm_test_at(&observed, &allocation, 0.05).unwrap();
        prop_assert!((0.0..=1.0).contains(&t.p_value), "p = {}", t.p_value);
        prop_assert!((0.0..=1.0).contains(&t.pearson_p_value));
        prop_assert!(t.statistic >= 0.0 && t.pearson_statistic >= 0.0);
        prop_assert_eq!(t.mismatch, t.p_value < 0.05);
        let n: u64 = observed.iter().flatten().sum();
        prop_assert!(close(t.expected.iter().sum::<f64>(), n as f64, 1e-12));
    }

    #[test]
    fn adaptive_srm_ignores_the_order_of_groups(
        (observed, allocation, perm) in adaptive_periods().prop_flat_map(|(o, w)| {
            let g = o[0].len();
            (Just(o), Just(w), Just((0..g).collect::<Vec<usize>>()).prop_shuffle())
        })
    ) {
        prop_assume!(observed.iter().flatten().any(|&o| o > 0));
        let permute_u = |rows: &[Vec<u64>]| -> Vec<Vec<u64>> {
            rows.iter().map(|r| perm.iter().map(|&i| r[i]).collect()).collect()
        };
        let permute_f = |rows: &[Vec<f64>]| -> Vec<Vec<f64>> {
            rows.iter().map(|r| perm.iter().map(|&i| r[i]).collect()).collect()
        };
        let a = adaptive_srm_test_at(&observed, &allocation, 0.05).unwrap();
        let b = adaptive_srm_test_at(&permute_u(&observed), &permute_f(&allocation), 0.05).unwrap();
        prop_assert!(close(a.statistic, b.statistic, 1e-9), "{} vs {}", a.statistic, b.statistic);
        prop_assert!(close(a.pearson_statistic, b.pearson_statistic, 1e-12));
        prop_assert_eq!(a.df, b.df);
        for (k, &i) in perm.iter().enumerate() {
            prop_assert!(close(b.expected[k], a.expected[i], 1e-12));
        }
    }

    #[test]
    fn adaptive_srm_ignores_the_order_of_periods((observed, allocation) in adaptive_periods()) {
        prop_assume!(observed.iter().flatten().any(|&o| o > 0));
        let a = adaptive_srm_test_at(&observed, &allocation, 0.05).unwrap();
        let rev_o: Vec<Vec<u64>> = observed.iter().rev().cloned().collect();
        let rev_w: Vec<Vec<f64>> = allocation.iter().rev().cloned().collect();
        let b = adaptive_srm_test_at(&rev_o, &rev_w, 0.05).unwrap();
        prop_assert!(close(a.statistic, b.statistic, 1e-9));
        prop_assert_eq!(a.df, b.df);
    }

    #[test]
    fn adaptive_srm_with_one_period_is_srm(
        observed in prop::collection::vec(1u64..1_000_000, 2..=6),
        weights in prop::collection::vec(0.01f64..100.0, 6),
    ) {
        let ratios = &weights[..observed.len()];
        let fixed = srm_test_at(&observed, ratios, 0.001).unwrap();
        let t = adaptive_srm_test_at(&[&observed], &[ratios], 0.001).unwrap();
        prop_assert!(close(t.statistic, fixed.statistic, 1e-12),
            "{} vs {}", t.statistic, fixed.statistic);
        // d ln Q / dχ² is about −½: the p-value's relative error is the
        // statistic's relative error times about χ²/2.
        prop_assert!(
            (t.p_value - fixed.p_value).abs() <= 1e-12 * fixed.statistic.max(1.0) * fixed.p_value,
            "{} vs {}", t.p_value, fixed.p_value
        );
        prop_assert_eq!(t.mismatch, fixed.mismatch);
        prop_assert_eq!(t.pearson_statistic, fixed.statistic);
    }
}
