//! The Beta distribution against mpmath at 60 digits
//! (testdata/special/beta_mpmath.py, mpmath 1.3.0): both tails and the
//! density on a grid of shapes from 1e-6 to 1e9, and quantiles, including
//! the two posteriors whose 97.5% quantile used to stop 2e-8 short.

use seg_special::Beta;
use serde_json::Value;

fn reference() -> Value {
    let path = seg_testdata::workspace_root().join("testdata/special/beta_mpmath.json");
    let text = std::fs::read_to_string(&path).expect("testdata/special/beta_mpmath.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

#[test]
fn tails_and_density_match_mpmath_from_tiny_to_huge_shapes() {
    let reference = reference();
    let cases = reference["tails"].as_array().expect("tails");
    assert!(cases.len() >= 300, "{}", cases.len());
    let mut worst = 0.0_f64;
    for case in cases {
        let (a, b, x) = (num(&case["a"]), num(&case["b"]), num(&case["x"]));
        let d = Beta::new(a, b).unwrap();
        let t = d.tails(x);
        let (lower, upper, pdf) = (num(&case["lower"]), num(&case["upper"]), num(&case["pdf"]));
        // Each tail to 1e-11 relative, except where it is the complement of
        // the continued fraction's value (3e-14 absolute: the prefactor's
        // logarithm sums terms of up to ~15 for tiny shapes). Known limit:
        // with the larger shape ≥ 1e8 and the smaller between 4 and 50,000
        // (outside both the incomplete gamma limit and Temme's expansion)
        // the continued fraction's O(√max) terms accumulate rounding errors
        // up to 2e-8 relative.
        let (small, large) = (a.min(b), a.max(b));
        let tol = if large >= 1e8 && small > 4.0 && small < 5e4 {
            2e-8
        } else if small >= 5e4 {
            // Temme's expansion: its neglected term is O(1/min(α, β)) of
            // the leading correction (quantiles move by under 1e-10)
            1e-9
        } else {
            1e-11
        };
        for (got, want, what) in [
            (t.lower, lower, "lower"),
            (t.upper, upper, "upper"),
            (d.pdf(x), pdf, "pdf"),
        ] {
            let bound = tol * want.abs() + if what == "pdf" { 0.0 } else { 3e-14 };
            if want > 1e-300 {
                worst = worst.max((got - want).abs() / bound);
            }
            assert!(
                (got - want).abs() <= bound || (got.abs() < 1e-300 && want.abs() < 1e-300),
                "Beta({a}, {b}) at {x:e}: {what} {got:e}, mpmath {want:e}"
            );
        }
    }
    println!("largest error in units of the tolerance: {worst:e}");
}

#[test]
fn quantiles_match_mpmath_and_hit_the_cdf() {
    let reference = reference();
    let cases = reference["quantiles"].as_array().expect("quantiles");
    for case in cases {
        let (a, b, p, want) = (
            num(&case["a"]),
            num(&case["b"]),
            num(&case["p"]),
            num(&case["x"]),
        );
        let d = Beta::new(a, b).unwrap();
        let x = d.quantile(p).unwrap();
        // x to 1e-12 relative (1 − x when x is next to 1), or to 1e-12 of
        // the tail in probability where the quantile is ill-conditioned
        // (tiny shapes: the density is ~1e-6 in the middle), or to the
        // spacing of the doubles next to the answer
        let resolution = 2.0 * f64::EPSILON * want.max(f64::MIN_POSITIVE);
        let in_probability = (x - want).abs() * d.pdf(want) <= 1e-12 * p.min(1.0 - p);
        assert!(
            (x - want).abs() <= 1e-12 * want.min(1.0 - want) + resolution || in_probability,
            "Beta({a}, {b}) at p = {p}: {x:e}, mpmath {want:e}"
        );
    }
}

#[test]
fn quantile_at_97_5_percent_of_tiny_alpha_huge_beta_hits_the_cdf() {
    // used to stop 2e-8 short: the CDF there was 0.9750000012
    for (a, b) in [(0.2996981428, 488566332.9), (0.2069814512, 655833363.5)] {
        let d = Beta::new(a, b).unwrap();
        let x = d.quantile(0.975).unwrap();
        let t = d.tails(x);
        assert!(
            ((t.upper - 0.025) / 0.025).abs() < 1e-12,
            "Beta({a}, {b}): x = {x:e}, upper tail {:e}",
            t.upper
        );
        assert!((t.lower - 0.975).abs() < 1e-12 * 0.975);
    }
}
