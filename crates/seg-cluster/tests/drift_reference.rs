//! PSI and the two-sample Kolmogorov-Smirnov test against scipy 1.17.1
//! (`testdata/reference/stats_misc.json`, sections `psi` and `ks_2samp`;
//! its README describes every field), to 1e-9 relative.

use seg_cluster::{
    KsMethod, PSI_EPSILON, ks_two_sample, ks_two_sample_with, population_stability_index,
    population_stability_index_terms,
};
use seg_testdata::{f64s, reference};

const TOL: f64 = 1e-9;

fn close(got: f64, want: f64, what: &str) {
    let err = if want == 0.0 {
        got.abs()
    } else {
        ((got - want) / want).abs()
    };
    assert!(
        err <= TOL,
        "{what}: got {got}, want {want} (relative error {err:e})"
    );
}

#[test]
fn psi_matches_reference() {
    let file = reference("stats_misc.json");
    let psi = &file["psi"];
    assert_eq!(psi["epsilon"].as_f64(), Some(PSI_EPSILON));
    let cases = psi["cases"].as_array().expect("psi cases");
    assert!(!cases.is_empty());
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let expected = f64s(&case["expected_counts"]);
        let actual = f64s(&case["actual_counts"]);
        let value = population_stability_index(&expected, &actual).expect("psi");
        close(
            value,
            case["psi"].as_f64().expect("psi value"),
            &format!("{id} psi"),
        );
        let terms = population_stability_index_terms(&expected, &actual).expect("terms");
        let want = f64s(&case["terms"]);
        assert_eq!(terms.len(), want.len(), "{id}");
        for (b, (&g, &w)) in terms.iter().zip(&want).enumerate() {
            close(g, w, &format!("{id} term {b}"));
        }
        // Counts and proportions give the same index.
        let by_props = population_stability_index(
            &f64s(&case["expected_props"]),
            &f64s(&case["actual_props"]),
        )
        .expect("psi of proportions");
        close(
            by_props,
            case["psi"].as_f64().expect("psi value"),
            &format!("{id} psi of props"),
        );
    }
}

#[test]
fn ks_two_sample_matches_reference() {
    let file = reference("stats_misc.json");
    let cases = file["ks_2samp"].as_array().expect("ks cases");
    assert!(!cases.is_empty());
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let (x, y) = (f64s(&case["x"]), f64s(&case["y"]));
        let t = ks_two_sample(&x, &y).expect("ks");
        assert_eq!(
            t.method,
            KsMethod::Exact,
            "{id}: small samples get the exact p-value"
        );
        close(
            t.statistic,
            case["statistic"].as_f64().expect("statistic"),
            &format!("{id} statistic"),
        );
        close(
            t.location,
            case["statistic_location"].as_f64().expect("location"),
            &format!("{id} location"),
        );
        assert_eq!(
            i64::from(t.sign),
            case["statistic_sign"].as_i64().expect("sign"),
            "{id} sign"
        );
        close(
            t.p_value,
            case["pvalue_exact"].as_f64().expect("exact"),
            &format!("{id} exact p"),
        );

        let limit = ks_two_sample_with(&x, &y, KsMethod::Asymptotic).expect("ks limit");
        assert_eq!(limit.method, KsMethod::Asymptotic);
        assert_eq!(limit.statistic, t.statistic);
        close(
            limit.p_value,
            case["pvalue_kolmogorov_limit"].as_f64().expect("limit"),
            &format!("{id} Kolmogorov limit p"),
        );
        let effective_n = x.len() as f64 * y.len() as f64 / (x.len() + y.len()) as f64;
        close(
            effective_n,
            case["effective_n"].as_f64().expect("effective n"),
            &format!("{id} effective n"),
        );

        // Swapping the samples keeps D and p and flips the sign.
        let swapped = ks_two_sample(&y, &x).expect("ks swapped");
        close(
            swapped.statistic,
            t.statistic,
            &format!("{id} swapped statistic"),
        );
        close(swapped.p_value, t.p_value, &format!("{id} swapped p"));
    }
}
