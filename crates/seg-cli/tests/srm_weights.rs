//! `seg srm --ratios` read as weights (normalised to sum to 1), against
//! scipy 1.17.1's `stats.chisquare(counts, f_exp=total · w / Σw)`.

mod common;

use common::{assert_close, seg_fails, seg_json};
use serde_json::json;

#[test]
fn weights_one_one_two_mean_a_quarter_a_quarter_and_a_half() {
    let weights = seg_json(&["srm", "--counts", "2480,2530,5010", "--ratios", "1,1,2"]);
    let shares = seg_json(&[
        "srm",
        "--counts",
        "2480,2530,5010",
        "--ratios",
        "0.25,0.25,0.5",
    ]);
    assert_eq!(weights, shares, "weights and the shares they mean agree");
    // scipy.stats.chisquare([2480, 2530, 5010], f_exp=[2505, 2505, 5010])
    assert_close(
        &weights["statistic"],
        &json!(0.499001996007984),
        1e-12,
        0.0,
        "statistic",
    );
    assert_close(
        &weights["p_value"],
        &json!(0.7791895031946428),
        1e-9,
        0.0,
        "p-value",
    );
    assert_eq!(weights["mismatch"], false);
}

#[test]
fn weights_of_any_scale_give_the_same_test() {
    // scipy: chisquare([1000, 2300], f_exp=[1100, 2200]) = 13.636…, p = 2.218e-4
    for ratios in ["1,2", "10,20", "0.001,0.002", "1,2.0"] {
        let r = seg_json(&[
            "srm",
            "--counts",
            "1000,2300",
            "--ratios",
            ratios,
            "--threshold",
            "0.001",
        ]);
        assert_close(
            &r["statistic"],
            &json!(13.636363636363637),
            1e-12,
            0.0,
            ratios,
        );
        assert_close(
            &r["p_value"],
            &json!(0.00022184668066321182),
            1e-9,
            0.0,
            ratios,
        );
        assert_eq!(r["mismatch"], true, "{ratios}");
    }
    // Shares that do not sum to 1 were an error; they are weights now.
    let r = seg_json(&["srm", "--counts", "1000,2100", "--ratios", "0.4,0.8"]);
    assert_close(
        &r["statistic"],
        &json!(1.612903225806452),
        1e-12,
        0.0,
        "0.4,0.8",
    );
    assert_close(
        &r["p_value"],
        &json!(0.20408417776556959),
        1e-9,
        0.0,
        "0.4,0.8",
    );
}

#[test]
fn zero_negative_and_non_finite_weights_exit_2_naming_ratios() {
    for ratios in ["1,0", "1,-1", "NaN,1", "1,inf", "1,x", "1e308,1e308"] {
        let line = seg_fails(&["srm", "--counts", "100,100", "--ratios", ratios]);
        assert!(line.contains("--ratios"), "{ratios}: {line}");
    }
    let line = seg_fails(&["srm", "--counts", "100,100", "--ratios", "1,1,2"]);
    assert!(line.contains("3 ratios for 2 counts"), "{line}");
}

#[test]
fn srm_help_shows_weights_with_an_example() {
    let out = std::process::Command::new(common::seg_path())
        .args(["srm", "--help"])
        .output()
        .expect("seg runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--ratios 1,1,2"), "{text}");
    assert!(text.contains("25%, 25%, 50%"), "{text}");
}
