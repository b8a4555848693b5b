//! `--help` of every subcommand shows an example; `--version` works;
//! tables are printed without `--json`.

mod common;

use common::seg_path;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(seg_path())
        .args(args)
        .output()
        .expect("run seg");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in [
        vec!["metrics"],
        vec!["power", "proportions"],
        vec!["power", "means"],
        vec!["power", "achieved"],
        vec!["power", "mde"],
        vec!["srm"],
        vec!["adjust"],
        vec!["bayes"],
        vec!["segment"],
        vec!["assign"],
        vec!["drift"],
        vec!["state", "init"],
        vec!["state", "record"],
        vec!["state", "choose"],
        vec!["state", "show"],
        vec!["demo"],
    ] {
        let mut args = sub.clone();
        args.push("--help");
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 0, "{sub:?}: {stderr}");
        assert!(
            stdout.contains("Example") && stdout.contains(&format!("seg {}", sub.join(" "))),
            "{sub:?}:\n{stdout}"
        );
        assert!(stdout.contains("--json"), "{sub:?} documents --json");
    }
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for sub in [
        "metrics", "power", "srm", "adjust", "bayes", "segment", "assign", "drift", "state", "demo",
    ] {
        assert!(stdout.contains(sub), "{sub} listed in seg --help");
    }
    let (code, stdout, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("seg "), "{stdout}");
}

#[test]
fn tables_are_the_default_output() {
    let (code, stdout, _) = run(&["power", "proportions", "--baseline", "0.05", "--mde", "0.1"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("n_per_group_ceil") && stdout.contains("31234"),
        "{stdout}"
    );
    assert!(!stdout.trim_start().starts_with('{'));
    let (code, stdout, _) = run(&["adjust", "--method", "holm", "--pvalues", "0.01,0.04"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("adjusted") && stdout.contains("reject"),
        "{stdout}"
    );
    // --json works before or after the subcommand.
    let (code, stdout, _) = run(&["--json", "srm", "--counts", "5000,5100"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with('{'), "{stdout}");
}

#[test]
fn power_reports_days_from_traffic_and_every_group_in_the_total() {
    let v = common::seg_json(&[
        "power",
        "proportions",
        "--baseline",
        "0.05",
        "--mde",
        "0.1",
        "--daily-traffic",
        "20000",
        "--variants",
        "3",
    ]);
    assert_eq!(v["n_per_group_ceil"], 31234);
    assert_eq!(v["total"], 3 * 31234);
    assert_eq!(v["days"].as_f64(), Some(3.0 * 31234.0 / 20000.0));
    // Twice as many in each treatment group.
    let v = common::seg_json(&[
        "power",
        "proportions",
        "--baseline",
        "0.05",
        "--mde",
        "0.1",
        "--ratio",
        "2",
        "--variants",
        "3",
    ]);
    let n1 = v["n_per_group"].as_f64().unwrap_or_default();
    assert_eq!(
        v["total"].as_f64(),
        Some(n1.ceil() + 2.0 * (2.0 * n1).ceil())
    );
    // Holm plans with its first step, α/m.
    let v = common::seg_json(&[
        "power",
        "proportions",
        "--baseline",
        "0.05",
        "--mde",
        "0.1",
        "--comparisons",
        "4",
        "--correction",
        "holm",
    ]);
    assert_eq!(v["alpha_per_comparison"], 0.0125);
    // Means: the same keys.
    let v = common::seg_json(&[
        "power",
        "means",
        "--effect-size",
        "0.2",
        "--test",
        "z",
        "--daily-traffic",
        "100",
    ]);
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5);
    for k in [
        "n_per_group",
        "n_per_group_ceil",
        "total",
        "alpha_per_comparison",
        "days",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
}
