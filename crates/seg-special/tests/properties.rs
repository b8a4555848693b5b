//! Properties over the whole range of doubles: every shape from 5e-324 to
//! f64::MAX is either rejected by `Beta::new` or gives values in their
//! documented ranges (no NaN); quantiles invert the CDF.

use proptest::prelude::*;
use seg_special::{Beta, MAX_SHAPE, MIN_SHAPE, SpecialError};

/// Shapes from the smallest subnormal to the largest double, every few
/// orders of magnitude, plus the ends of the accepted range.
fn shape_grid() -> Vec<f64> {
    let mut v = vec![
        5e-324,
        1e-320,
        1e-300,
        1e-100,
        1e-10,
        MIN_SHAPE,
        1e-3,
        0.05,
        0.5,
        1.0,
        2.5,
        30.0,
        1e3,
        5e4,
        1e6,
        1e9,
        1e12,
        MAX_SHAPE,
        1e16,
        1e19,
        MAX_SHAPE,
        1e21,
        1e100,
        1e300,
        1e308,
        f64::MAX,
    ];
    v.sort_by(f64::total_cmp);
    v
}

#[test]
fn beta_with_subnormal_alpha_is_an_error_not_nan() {
    // Beta(5e-324, 1e-3) used to give NaN CDF, survival function and density
    let err = Beta::new(5e-324, 1e-3).unwrap_err();
    assert!(matches!(
        err,
        SpecialError::InvalidParameter {
            parameter: "alpha",
            ..
        }
    ));
    let message = err.to_string();
    assert!(
        message.contains("5e-324") && message.contains("1e20"),
        "{message}"
    );
}

#[test]
fn every_shape_from_subnormal_to_max_is_an_error_or_gives_values_in_range() {
    let xs = [
        0.0,
        5e-324,
        1e-300,
        1e-12,
        0.025,
        0.3,
        0.5,
        0.9,
        1.0 - 1e-12,
        1.0,
    ];
    let ps = [
        0.0,
        1e-300,
        1e-12,
        0.025,
        0.25,
        0.5,
        0.75,
        0.975,
        1.0 - 1e-12,
        1.0,
    ];
    for &a in &shape_grid() {
        for &b in &shape_grid() {
            let Ok(d) = Beta::new(a, b) else {
                assert!(
                    !(MIN_SHAPE..=MAX_SHAPE).contains(&a) || !(MIN_SHAPE..=MAX_SHAPE).contains(&b)
                );
                continue;
            };
            for &x in &xs {
                let t = d.tails(x);
                assert!(
                    (0.0..=1.0).contains(&t.lower),
                    "Beta({a}, {b}) cdf({x}) {t:?}"
                );
                assert!(
                    (0.0..=1.0).contains(&t.upper),
                    "Beta({a}, {b}) sf({x}) {t:?}"
                );
                let f = d.pdf(x);
                assert!(f >= 0.0, "Beta({a}, {b}) pdf({x}) = {f}");
                assert!(!d.ln_pdf(x).is_nan(), "Beta({a}, {b}) ln_pdf({x})");
            }
            let mut last = 0.0;
            for &p in &ps {
                let x = d.quantile(p).unwrap();
                assert!((0.0..=1.0).contains(&x), "Beta({a}, {b}) q({p}) = {x}");
                assert!(x >= last, "Beta({a}, {b}): quantiles decrease at {p}");
                last = x;
            }
            let (m, v) = (d.mean(), d.variance());
            assert!((0.0..=1.0).contains(&m) && (0.0..=0.25).contains(&v));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn quantile_inverts_the_cdf_to_1e_11_relative(
        // up to 1e9: beyond, with both shapes huge, the rounding of x·(α+β)
        // in Temme's expansion limits the tails to ~1e-9 relative (1e12)
        la in -6.0f64..9.0, lb in -6.0f64..9.0, p in 1e-12f64..(1.0 - 1e-12)
    ) {
        let (a, b) = (10f64.powf(la), 10f64.powf(lb));
        let d = Beta::new(a, b).unwrap();
        let x = d.quantile(p).unwrap();
        prop_assert!((0.0..=1.0).contains(&x));
        // where doubles resolve the answer (1 − x spaced 1.1e-16 next to 1)
        if x > 1e-300 && x < 1.0 - 1e-9 {
            let t = d.tails(x);
            let (got, want) = if p < 0.5 { (t.lower, p) } else { (t.upper, 1.0 - p) };
            // the tail moves by about f·x·ε between neighbouring doubles;
            // where the continued fraction switches sides (x = (α+1)/(α+β+2))
            // its two evaluations differ by up to 3e-12 relative at shapes
            // of 1e2 to 1e5, 5e-12 at 5e5 (measured against mpmath), which no
            // x can bridge
            // The continued fraction's O(√max) terms accumulate rounding
            // errors up to about 1e-16 × the larger shape (2e-8 relative at
            // Beta(30, 1e9), against mpmath in tests/reference.rs) where
            // neither Temme's expansion (both shapes ≥ 50,000: quantiles to
            // ~1e-10 relative in x, tails near the centre to ~2e-9 relative
            // at 1e8) nor the incomplete gamma limit takes over.
            let step = d.pdf(x) * x * 2.0 * f64::EPSILON;
            let (small, large) = (a.min(b), a.max(b));
            let gamma_limit =
                large >= 5e7 && large * large >= 1e16 * (0.3_f64).max(0.1 * small.powi(3));
            let tol = if small >= 5e4 {
                1e-8
            } else if gamma_limit {
                1e-11
            } else {
                // the solver stops where that noise exceeds its step, so a
                // quantile's tail may be off by a few times it (4e-11
                // relative, 1.3e-16 × 3.2e5, at Beta(2.5, 322488.7),
                // p = 0.798; 9.4e-9, 2.1e-16 × 4.4e7, at Beta(0.0073, 4.4e7),
                // p = 0.9984)
                (4e-16 * large).max(1e-11)
            };
            // a tail taken as the complement of one next to 1 is resolved
            // to a few ε absolute (1.3e-15 at Beta(1.9e-6, 10), p = 0.99989)
            let complement = 8.0 * f64::EPSILON;
            prop_assert!(
                (got - want).abs() <= tol * want + step + complement,
                "Beta({}, {}) p={} x={:e} got {:e}", a, b, p, x, got
            );
        }
    }
}

/// Near the centre, Temme's `1/η − σ/t` cancels (both about σ/t): at
/// shapes of 1e9 its rounding once moved the tails by 7e-8 between
/// neighbouring x, up and down. mpmath 1.3.0 (40 digits, `quad` of the
/// density from x over breakpoints every 2 sd) gives the upper tail at
/// x = 0.8352437450595542 as 0.49888603604365277736.
#[test]
fn temme_tails_near_the_centre_are_monotone_and_match_mpmath() {
    let d = Beta::new(973_971_809.241_572_6, 192_121_143.381_870_57).unwrap();
    let x = 0.835_243_745_059_554_2;
    let want = 0.498_886_036_043_652_8;
    let got = d.tails(x).upper;
    assert!(
        ((got - want) / want).abs() < 1e-9,
        "{got:e} against {want:e}"
    );
    let mut last = d.tails(x).lower;
    let mut xi = x;
    for _ in 0..200 {
        xi = xi.next_up();
        let lower = d.tails(xi).lower;
        assert!(
            lower >= last,
            "lower tail decreases at {xi:e}: {lower:e} < {last:e}"
        );
        last = lower;
    }
}
