//! Hostile saved k selections, in the style of a fuzzer: mutations of a
//! valid [`KSelection`] (`seg_testdata::hostile_json`) load to an error or
//! to a selection that passes its checks, is used, and saves and reloads to
//! itself; nothing panics.
//!
//! The suite runs 2,000 cases; `PROPTEST_CASES` runs more.

use ndarray::Array2;
use proptest::prelude::*;
use seg_cluster::*;
use seg_testdata::{hostile_cases, hostile_json};

fn valid_selection() -> serde_json::Value {
    let x = Array2::from_shape_fn((60, 2), |(i, j)| {
        (i % 3) as f64 * 10.0 + ((i * 7 + j * 3) % 5) as f64 * 0.2
    });
    let auto = AutoK::params()
        .k_range(2..=5)
        .seed(1)
        .fit(x.view())
        .unwrap();
    serde_json::to_value(auto.selection()).unwrap()
}

/// Uses a loaded selection: its invariants hold, it saves and reloads.
fn exercise(s: &KSelection) {
    s.check().unwrap();
    let chosen = s.chosen().unwrap();
    assert_eq!(chosen.k, s.k);
    assert!(chosen.eligible);
    assert!(s.scores.windows(2).all(|w| w[0].k < w[1].k));
    for row in &s.scores {
        assert!(row.k >= 2);
        assert!((0.0..=1.0).contains(&row.min_cluster_share));
        assert!((-1.0..=1.0).contains(&row.silhouette));
        assert!((-1.0..=1.0).contains(&row.stability));
        assert!(row.davies_bouldin.is_finite() && row.calinski_harabasz.is_finite());
        assert!(row.inertia.is_finite() && row.inertia >= 0.0);
    }
    assert!(!s.reason.trim().is_empty() && !s.rule.trim().is_empty());
    let saved = serde_json::to_string(s).unwrap();
    let back: KSelection = serde_json::from_str(&saved).unwrap();
    assert_eq!(&back, s);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(hostile_cases()))]

    #[test]
    fn hostile_selection_files_load_to_checked_selections_or_errors(
        text in hostile_json(valid_selection())
    ) {
        if let Ok(s) = serde_json::from_str::<KSelection>(&text) {
            exercise(&s);
        }
        // A lone row loads through the same row checks.
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(row) = v.get("scores").and_then(|s| s.get(0))
            && let Ok(row) = serde_json::from_value::<KScore>(row.clone())
        {
            prop_assert!(row.k >= 2 && (0.0..=1.0).contains(&row.min_cluster_share));
        }
    }
}

#[test]
fn the_valid_file_loads_and_works() {
    let s: KSelection = serde_json::from_value(valid_selection()).unwrap();
    exercise(&s);
}

#[test]
fn hand_written_hostile_selections_are_errors() {
    let valid = valid_selection();
    let cases = [
        "".to_owned(),
        "{".to_owned(),
        "null".to_owned(),
        "[]".to_owned(),
        r#"{"k":2,"reason":"x","scores":[],"rule":"r"}"#.to_owned(),
        valid
            .to_string()
            .replace("\"k\":2", "\"k\":18446744073709551615"),
        valid.to_string().replace("\"k\":3", "\"k\":-3"),
        valid
            .to_string()
            .replace("\"eligible\":true", "\"eligible\":1"),
        valid.to_string()[..valid.to_string().len() / 2].to_owned(),
        {
            let mut v = valid.clone();
            v["scores"][0]["silhouette"] = serde_json::json!(1e308);
            v.to_string()
        },
        {
            let mut v = valid.clone();
            v["scores"][0]["k"] = serde_json::json!(1);
            v.to_string()
        },
        {
            let mut v = valid.clone();
            v["rule"] = serde_json::json!("   ");
            v.to_string()
        },
        {
            let mut v = valid.clone();
            v["scores"][0]["stability"] = serde_json::json!("1");
            v.to_string()
        },
    ];
    for text in cases {
        assert!(
            serde_json::from_str::<KSelection>(&text).is_err(),
            "loaded: {text}"
        );
    }
}
