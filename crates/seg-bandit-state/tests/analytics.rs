//! Posterior analytics: exactness against the finite-sum formula, behaviour
//! at huge shapes, Monte Carlo against integration, the stopping rule and
//! errors on bad input.

use proptest::prelude::*;
use rand::SeedableRng;
use rand_pcg::Pcg64;
use seg_bandit_state::analytics::{
    compare_pair, lift, pool_segments, prob_b_beats_a, probability_best, quantile, stopping_rule,
    stopping_rule_by_segment, summary,
};
use seg_bandit_state::{BanditError, Beta, BetaState, Prior};

fn st(a: f64, b: f64) -> BetaState {
    BetaState::new(a, b).unwrap()
}

fn ln_beta(a: f64, b: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// P(p_B > p_A) for integer α_B (Evan Miller's finite sum).
fn exact_sum(aa: f64, ba: f64, ab: f64, bb: f64) -> f64 {
    (0..ab as u64)
        .map(|i| {
            let i = i as f64;
            (ln_beta(aa + i, ba + bb) - (bb + i).ln() - ln_beta(1.0 + i, bb) - ln_beta(aa, ba))
                .exp()
        })
        .sum()
}

#[test]
fn prob_b_beats_a_matches_the_exact_finite_sum() {
    let cases = [
        (1.0, 1.0, 2.0, 1.0),
        (3.0, 7.0, 5.0, 5.0),
        (11.0, 90.0, 15.0, 86.0),
        (121.0, 881.0, 141.0, 861.0),
        (40.0, 960.0, 2.0, 30.0),
        (500.0, 500.0, 510.0, 490.0),
        (1.0, 200.0, 1.0, 1.0),
    ];
    for (aa, ba, ab, bb) in cases {
        let got = prob_b_beats_a(&st(aa, ba), &st(ab, bb)).unwrap();
        let want = exact_sum(aa, ba, ab, bb);
        assert!(
            (got - want).abs() <= 1e-9 * want.max(1e-12),
            "A=({aa},{ba}) B=({ab},{bb}): {got} vs {want}"
        );
    }
}

#[test]
fn finite_sum_and_quadrature_agree() {
    // α_B = 141 takes the finite sum; 141 + 1e-9 the quadrature.
    for (a, b) in [
        ((121.0, 881.0), 141.0, 861.0),
        ((3.0, 7.0), 5.0, 5.0),
        ((1e5, 9e5), 1000.0, 9000.0),
        ((1.0, 1.0), 1.0, 1.0),
        ((0.5, 0.7), 2.0, 0.3),
    ]
    .map(|(a, ab, bb)| (st(a.0, a.1), (ab, bb)))
    {
        let sum = compare_pair(&a, &st(b.0, b.1)).unwrap();
        let quad = compare_pair(&a, &st(b.0 + 1e-9, b.1)).unwrap();
        for (x, y) in [
            (sum.prob_b_beats_a, quad.prob_b_beats_a),
            (sum.expected_loss_choosing_a, quad.expected_loss_choosing_a),
            (sum.expected_loss_choosing_b, quad.expected_loss_choosing_b),
        ] {
            assert!(
                (x - y).abs() <= 1e-7 * y.abs().max(1e-9),
                "{a:?} {b:?}: {sum:?} vs {quad:?}"
            );
        }
    }
}

#[test]
fn identical_posteriors_are_a_coin_flip_at_every_size() {
    for s in [0.5, 1.0, 30.0, 1e4, 1e6, 1e7, 1e9] {
        let p = prob_b_beats_a(&st(s, 3.0 * s), &st(s, 3.0 * s)).unwrap();
        assert!((p - 0.5).abs() < 1e-8, "shape {s}: {p}");
    }
}

#[test]
fn expected_losses_differ_by_the_difference_of_means() {
    for (a, b) in [
        (st(12.0, 40.0), st(20.0, 35.0)),
        (st(1e5 + 1.0, 9e5 + 1.0), st(1.006e5 + 1.0, 8.994e5 + 1.0)),
        (st(1e7, 1e9), st(1.001e7, 1e9)),
    ] {
        let c = compare_pair(&a, &b).unwrap();
        let diff = c.expected_loss_choosing_a - c.expected_loss_choosing_b;
        let want = b.mean() - a.mean();
        assert!((diff - want).abs() <= 1e-9 * want.abs(), "{diff} vs {want}");
    }
}

#[test]
fn quantiles_and_pair_comparisons_stay_valid_at_shapes_up_to_1e9() {
    let shapes = [1e-3, 0.5, 1.0, 3.0, 1e3, 1e5, 1e7, 1e9];
    let ps = [
        1e-300,
        1e-15,
        1e-6,
        0.025,
        0.5,
        0.975,
        1.0 - 1e-6,
        1.0 - 1e-15,
    ];
    for &a in &shapes {
        for &b in &shapes {
            let d = Beta::new(a, b).unwrap();
            let mut last = 0.0;
            for &p in &ps {
                let x = d.quantile(p).unwrap();
                assert!((0.0..=1.0).contains(&x), "q({a},{b},{p}) = {x}");
                assert!(x >= last, "quantiles not monotone at ({a},{b},{p})");
                last = x;
                let t = d.tails(x);
                let (lower, upper) = (t.lower, t.upper);
                assert!((0.0..=1.0).contains(&lower) && (0.0..=1.0).contains(&upper));
                // where the answer is resolved (near 1 the spacing of doubles,
                // 1.1e-16, is coarse relative to 1 − x), the CDF there returns p
                if x > 1e-300 && x < 1.0 - 1e-9 && p > 1e-300 {
                    let (got, want) = if p < 0.5 {
                        (lower, p)
                    } else {
                        (upper, 1.0 - p)
                    };
                    assert!(
                        (got - want).abs() <= 1e-6 * want,
                        "({a},{b}) p={p}: x={x:e}, tail {got:e}"
                    );
                }
            }
            let c = compare_pair(&st(a, b), &st(b, a)).unwrap();
            for v in [
                c.prob_b_beats_a,
                c.expected_loss_choosing_a,
                c.expected_loss_choosing_b,
            ] {
                assert!((0.0..=1.0).contains(&v), "({a},{b}): {c:?}");
            }
        }
    }
}

#[test]
fn prob_b_beats_a_at_1e7_and_1e9_matches_the_normal_limit() {
    // At these sizes the posteriors are normal to within skewness ~1e-4, so the
    // exact value is within 1e-4 of Φ(Δμ/√(σ_A² + σ_B²)).
    for (a, b) in [
        (st(1e7, 9e7), st(1.0005e7, 8.9995e7)),
        (st(1e8, 9e8), st(1.00002e8, 8.99998e8)),
    ] {
        let p = prob_b_beats_a(&a, &b).unwrap();
        let z = (b.mean() - a.mean()) / (a.variance() + b.variance()).sqrt();
        let normal = 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
        assert!((p - normal).abs() < 1e-4, "{p} vs {normal}");
    }
}

#[test]
fn monte_carlo_agrees_with_integration_within_four_standard_errors() {
    let (a, b) = (st(121.0, 881.0), st(141.0, 861.0));
    let exact = compare_pair(&a, &b).unwrap();
    let mut rng = Pcg64::seed_from_u64(13);
    let mc = probability_best(&[a, b], 200_000, &mut rng).unwrap();
    println!(
        "P(B best) = {} ± {} (exact {}), loss of A = {} ± {} (exact {})",
        mc.prob_best[1],
        mc.prob_best_se[1],
        exact.prob_b_beats_a,
        mc.expected_loss[0],
        mc.expected_loss_se[0],
        exact.expected_loss_choosing_a
    );
    assert!((mc.prob_best[1] - exact.prob_b_beats_a).abs() < 4.0 * mc.prob_best_se[1]);
    assert!(
        (mc.expected_loss[0] - exact.expected_loss_choosing_a).abs() < 4.0 * mc.expected_loss_se[0]
    );
    assert!(
        (mc.expected_loss[1] - exact.expected_loss_choosing_b).abs() < 4.0 * mc.expected_loss_se[1]
    );
    let total: f64 = mc.prob_best.iter().sum();
    assert!((total - 1.0).abs() < 1e-12);
}

#[test]
fn monte_carlo_is_reproducible_with_the_same_seed() {
    let states = [st(10.0, 90.0), st(12.0, 88.0), st(9.0, 91.0)];
    let one = probability_best(&states, 10_000, &mut Pcg64::seed_from_u64(5)).unwrap();
    let two = probability_best(&states, 10_000, &mut Pcg64::seed_from_u64(5)).unwrap();
    assert_eq!(one, two);
}

#[test]
fn stopping_rule_stops_on_a_clear_winner_and_not_on_little_data() {
    let mut rng = Pcg64::seed_from_u64(1);
    let clear = [st(1_001.0, 9_001.0), st(1_501.0, 8_501.0)];
    let d = stopping_rule(&clear, 1e-3, 10_000, &mut rng).unwrap();
    assert!(d.stop && d.best == 1, "{d:?}");
    let little = [st(3.0, 9.0), st(4.0, 8.0), st(2.0, 10.0)];
    let d = stopping_rule(&little, 1e-3, 10_000, &mut rng).unwrap();
    assert!(!d.stop, "{d:?}");
    assert_eq!(d.expected_loss.len(), 3);
}

#[test]
fn stopping_rule_by_segment_pools_the_segments_for_the_overall_decision() {
    let prior = Prior::new(1.0, 1.0).unwrap();
    let segments = vec![
        vec![
            st(1.0 + 300.0, 1.0 + 2_700.0),
            st(1.0 + 360.0, 1.0 + 2_640.0),
        ],
        vec![st(1.0 + 10.0, 1.0 + 90.0), st(1.0 + 11.0, 1.0 + 89.0)],
    ];
    let pooled = pool_segments(&segments, prior).unwrap();
    assert_eq!(pooled[0], st(1.0 + 310.0, 1.0 + 2_790.0));
    let mut rng = Pcg64::seed_from_u64(2);
    let (per, overall) = stopping_rule_by_segment(&segments, prior, 2e-3, 1_000, &mut rng).unwrap();
    assert_eq!(per.len(), 2);
    assert!(per[0].stop && !per[1].stop, "{per:?}");
    assert!(overall.stop && overall.best == 1, "{overall:?}");
}

#[test]
fn summary_and_lift_are_consistent() {
    let s = summary(&st(121.0, 881.0), 0.95).unwrap();
    assert!(s.lower < s.mean && s.mean < s.upper);
    let l = lift(&st(10.0, 90.0), &st(12.0, 88.0)).unwrap();
    assert!((l - 0.2).abs() < 1e-12);
}

#[test]
fn invalid_inputs_are_errors_naming_the_value() {
    let bad = BetaState {
        alpha: f64::NAN,
        beta: 1.0,
    };
    let good = st(1.0, 1.0);
    let is_param = |e: BanditError, name: &str| matches!(e, BanditError::InvalidParameter { parameter, .. } if parameter == name);
    assert!(is_param(quantile(&good, 1.5).unwrap_err(), "p"));
    assert!(is_param(quantile(&good, f64::NAN).unwrap_err(), "p"));
    assert!(is_param(quantile(&bad, 0.5).unwrap_err(), "state"));
    assert!(is_param(summary(&good, 1.0).unwrap_err(), "level"));
    assert!(is_param(compare_pair(&good, &bad).unwrap_err(), "b"));
    let zero = BetaState {
        alpha: 0.0,
        beta: 1.0,
    };
    assert!(is_param(lift(&zero, &good).unwrap_err(), "control"));
    let mut rng = Pcg64::seed_from_u64(0);
    assert!(is_param(
        probability_best(&[], 10, &mut rng).unwrap_err(),
        "states"
    ));
    assert!(is_param(
        probability_best(&[good], 0, &mut rng).unwrap_err(),
        "draws"
    ));
    assert!(is_param(
        probability_best(&[good], usize::MAX, &mut rng).unwrap_err(),
        "draws"
    ));
    assert!(is_param(
        stopping_rule(&[good, good], -1.0, 10, &mut rng).unwrap_err(),
        "threshold"
    ));
    let prior = Prior::new(1.0, 1.0).unwrap();
    assert!(is_param(pool_segments(&[], prior).unwrap_err(), "segments"));
    assert!(is_param(
        pool_segments(&[vec![good], vec![good, good]], prior).unwrap_err(),
        "segments"
    ));
    let msg = quantile(&good, 1.5).unwrap_err().to_string();
    assert!(msg.contains("1.5"), "{msg}");
}

#[test]
fn beta_distributions_with_invalid_shapes_are_errors_without_panicking() {
    for (a, b) in [
        (f64::NAN, 1.0),
        (0.0, 1.0),
        (-1.0, 2.0),
        (1.0, f64::INFINITY),
        (5e-324, 1.0),
    ] {
        assert!(Beta::new(a, b).is_err(), "({a},{b})");
        let state = BetaState { alpha: a, beta: b };
        assert!(quantile(&state, 0.3).is_err(), "({a},{b})");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn quantile_inverts_the_cdf_for_any_shape(
        la in -2.0f64..9.0, lb in -2.0f64..9.0, p in 1e-12f64..(1.0 - 1e-12)
    ) {
        let (a, b) = (10f64.powf(la), 10f64.powf(lb));
        let d = Beta::new(a, b).unwrap();
        let x = d.quantile(p).unwrap();
        prop_assert!((0.0..=1.0).contains(&x));
        if x > 1e-300 && x < 1.0 - 1e-9 {
            let t = d.tails(x);
            let (lower, upper) = (t.lower, t.upper);
            let (got, want) = if p < 0.5 { (lower, p) } else { (upper, 1.0 - p) };
            prop_assert!((got - want).abs() <= 1e-6 * want, "({}, {}) p={} x={:e} got {:e}", a, b, p, x, got);
        }
    }
}

#[test]
fn pair_comparisons_match_mpmath_including_mass_next_to_one() {
    // testdata/reference/beta_pairs_mpmath.json: mpmath at 25 digits
    // (scripts/beta_pairs_mpmath.py), non-integer α_B (the quadrature),
    // shapes below 1, narrow against wide, and mass within 1e-8 of 1.
    let reference = seg_testdata::reference("beta_pairs_mpmath.json");
    let cases = reference["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10);
    assert_pairs_match_mpmath(cases);
}

#[test]
fn a_concentrated_posterior_against_a_flat_one_is_a_coin_flip() {
    // the finite sum's first term is a ratio of Beta functions of huge shapes
    for s in [1e3, 1e9, 1e12, 1e15] {
        let c = compare_pair(&st(s, s), &st(1.0, 1.0)).unwrap();
        assert!((c.prob_b_beats_a - 0.5).abs() < 1e-12, "{s}: {c:?}");
        // E[(U − p_A)⁺] = E[(1 − p_A)²]/2 = (¼ + Var p_A)/2, Var p_A = 1/(4(2s + 1))
        let loss = 0.125 + 0.125 / (2.0 * s + 1.0);
        assert!(
            (c.expected_loss_choosing_a - loss).abs() < 1e-12,
            "{s}: {c:?}"
        );
        // against a non-integer shape (the quadrature): P(B > ½) once A's
        // spread no longer shows (E[A^1.5] is 0.5^1.5 to ~0.07/s)
        if s < 1e9 {
            continue;
        }
        let c = compare_pair(&st(s, s), &st(1.5, 1.0)).unwrap();
        let want = 1.0 - 0.5_f64.powf(1.5);
        assert!((c.prob_b_beats_a - want).abs() < 1e-9, "{s}: {c:?}");
    }
}

/// Shapes from the smallest subnormal to the largest double.
const SHAPE_GRID: [f64; 22] = [
    5e-324,
    1e-320,
    1e-300,
    1e-100,
    1e-7,
    1e-6,
    1e-3,
    0.05,
    0.2,
    0.5,
    1.0,
    2.5,
    30.0,
    1e4,
    1e6,
    1e9,
    1e15,
    1e16,
    1e19,
    1e300,
    1e308,
    f64::MAX,
];

#[test]
fn compare_pair_at_shapes_beyond_1e_300_is_an_error_not_nan() {
    // used to give NaN expected losses
    let flat = st(1.0, 1.0);
    for (a, name) in [
        (
            BetaState {
                alpha: 1e-320,
                beta: 1.0,
            },
            "a",
        ),
        (
            BetaState {
                alpha: 1.0,
                beta: 1e308,
            },
            "a",
        ),
    ] {
        let err = compare_pair(&a, &flat).unwrap_err();
        assert!(
            matches!(&err, BanditError::InvalidParameter { parameter, .. } if *parameter == name),
            "{err}"
        );
        assert!(err.to_string().contains("1e-6 and 1e20"), "{err}");
        assert!(compare_pair(&flat, &a).is_err());
    }
}

#[test]
fn beta_with_subnormal_alpha_is_rejected_where_it_is_made() {
    // Beta(5e-324, 1e-3): the CDF, survival function and density were NaN
    assert!(Beta::new(5e-324, 1e-3).is_err());
    let state = BetaState {
        alpha: 5e-324,
        beta: 1e-3,
    };
    assert!(quantile(&state, 0.5).is_err());
    assert!(summary(&state, 0.5).is_err());
}

#[test]
fn summary_intervals_are_ordered_for_beta_1_1e19_and_1e15_1() {
    // Beta(1, 1e19): x = 1 − (1 − p)^(1/β), resolved to 1e-12 relative
    let s = summary(&st(1.0, 1e19), 0.5).unwrap();
    assert!(s.lower <= s.upper, "{s:?}");
    for (got, p) in [(s.lower, 0.25_f64), (s.upper, 0.75)] {
        let want = -((-p).ln_1p() / 1e19);
        assert!(((got - want) / want).abs() < 1e-12, "{s:?}");
    }
    let beyond = BetaState {
        alpha: 1.0,
        beta: 1e21,
    };
    assert!(summary(&beyond, 0.5).is_err());
    // Beta(1e15, 1): x = p^(1/α), next to 1 where doubles are 1.1e-16 apart
    let s = summary(&st(1e15, 1.0), 0.5).unwrap();
    assert!(s.lower <= s.upper, "{s:?}");
    for (got, p) in [(s.lower, 0.25_f64), (s.upper, 0.75)] {
        let want = -(p.ln() / 1e15); // 1 − x
        assert!(((1.0 - got) - want).abs() <= 1.2e-16, "{s:?}");
    }
    // and its mirror, resolved to 1e-12 relative
    let s = summary(&st(1.0, 1e15), 0.5).unwrap();
    for (got, p) in [(s.lower, 0.25_f64), (s.upper, 0.75)] {
        let want = -((-p).ln_1p() / 1e15);
        assert!(((got - want) / want).abs() < 1e-12, "{s:?}");
    }
}

#[test]
fn analytics_at_every_shape_from_subnormal_to_max_are_errors_or_values_in_range() {
    let partners = [st(1.0, 1.0), st(0.05, 0.3), st(121.0, 881.0)];
    for &a in &SHAPE_GRID {
        for &b in &SHAPE_GRID {
            let state = BetaState { alpha: a, beta: b };
            if let Ok(s) = summary(&state, 0.5) {
                assert!(
                    0.0 <= s.lower && s.lower <= s.upper && s.upper <= 1.0,
                    "Beta({a}, {b}): {s:?}"
                );
                assert!((0.0..=1.0).contains(&s.mean) && s.variance >= 0.0);
            }
            for partner in &partners {
                for (x, y) in [(&state, partner), (partner, &state)] {
                    let Ok(c) = compare_pair(x, y) else {
                        continue;
                    };
                    for v in [
                        c.prob_b_beats_a,
                        c.expected_loss_choosing_a,
                        c.expected_loss_choosing_b,
                    ] {
                        assert!((0.0..=1.0).contains(&v), "{x:?} vs {y:?}: {c:?}");
                    }
                }
            }
        }
    }
}

/// Shapes below and above 1 for the pair identities.
const SMALL_SHAPES: [f64; 8] = [1e-6, 1e-3, 0.05, 0.2, 0.7, 1.5, 12.5, 300.5];

#[test]
fn identical_posteriors_with_shapes_below_one_are_a_coin_flip() {
    // P(B > A) for Beta(0.05, 0.05) against itself was 0.49205
    let mut worst = 0.0_f64;
    for &a in &SMALL_SHAPES {
        for &b in &SMALL_SHAPES {
            let s = st(a, b);
            let p = prob_b_beats_a(&s, &s).unwrap();
            worst = worst.max((p - 0.5).abs());
            assert!((p - 0.5).abs() < 1e-12, "Beta({a}, {b}): {p}");
        }
    }
    println!("largest |P(B > A) − ½| for identical posteriors: {worst:e}");
}

#[test]
fn expected_losses_differ_by_the_difference_of_means_at_shapes_below_one() {
    let mut worst = 0.0_f64;
    for &aa in &SMALL_SHAPES {
        for &ba in &SMALL_SHAPES {
            for (ab, bb) in [
                (0.05, 0.05),
                (0.2, 1.5),
                (1.5, 0.2),
                (0.7, 12.5),
                (30.5, 0.3),
            ] {
                let (a, b) = (st(aa, ba), st(ab, bb));
                let c = compare_pair(&a, &b).unwrap();
                let diff = c.expected_loss_choosing_a - c.expected_loss_choosing_b;
                let want = b.mean() - a.mean();
                worst = worst.max((diff - want).abs());
                assert!(
                    (diff - want).abs() <= 1e-11,
                    "A = Beta({aa}, {ba}), B = Beta({ab}, {bb}): {diff:e} vs {want:e}, {c:?}"
                );
            }
        }
    }
    println!("largest error of loss_A − loss_B = μ_B − μ_A: {worst:e}");
}

#[test]
fn expected_loss_of_a_u_shaped_posterior_against_a_narrow_one_is_2_902e_4() {
    // used to be 8.68e-5 (the identity below failed by 2e-4)
    let a = st(308.877709, 492935.5739);
    let b = st(0.05248958521, 0.1292655547);
    let c = compare_pair(&a, &b).unwrap();
    let diff = c.expected_loss_choosing_a - c.expected_loss_choosing_b;
    assert!((diff - (b.mean() - a.mean())).abs() < 1e-12, "{c:?}");
    assert!(
        (c.expected_loss_choosing_b - 2.9020e-4).abs() < 1e-8,
        "{c:?}"
    );
}

#[test]
fn pair_comparisons_with_mass_piled_at_the_ends_match_mpmath() {
    // testdata/special/beta_mpmath.json, "pairs": mpmath 1.3.0 at 40 digits
    // (testdata/special/beta_mpmath.py)
    let path = seg_testdata::workspace_root().join("testdata/special/beta_mpmath.json");
    let text = std::fs::read_to_string(&path).expect("testdata/special/beta_mpmath.json");
    let reference: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let cases = reference["pairs"].as_array().expect("pairs");
    assert!(cases.len() >= 3);
    assert_pairs_match_mpmath(cases);
}

/// Each case's P(B > A) and expected losses equal the reference to 1e-9
/// relative.
fn assert_pairs_match_mpmath(cases: &[serde_json::Value]) {
    let f = |v: &serde_json::Value| v.as_f64().expect("a number");
    for case in cases {
        let a = st(f(&case["a"][0]), f(&case["a"][1]));
        let b = st(f(&case["b"][0]), f(&case["b"][1]));
        let got = compare_pair(&a, &b).unwrap();
        for (value, key) in [
            (got.prob_b_beats_a, "prob_b_beats_a"),
            (got.expected_loss_choosing_a, "expected_loss_choosing_a"),
            (got.expected_loss_choosing_b, "expected_loss_choosing_b"),
        ] {
            let want = f(&case[key]);
            assert!(
                (value - want).abs() <= 1e-9 * want.abs(),
                "{a:?} vs {b:?}: {key} = {value:e}, mpmath {want:e}"
            );
        }
    }
}
