//! `seg evaluate`: the contract's keys and values (against the library on
//! the same rows), every bad input (exit 2, one line naming it), a failing
//! read (74), and the help's example.

mod common;

use std::process::Command;

use common::{seg_fails, seg_json, seg_path, write};
use segmentation::bandit::{OffPolicyEvaluator, TargetPolicy};

const LOG: &str = "\
id,segment,variant,propensity,reward,note
1,mobile,a,0.5,1,x
2,mobile,b,0.5,0,y
3,mobile,a,0.25,0,z
4,mobile,b,0.75,1,
5,desktop,a,0.5,3.5,q
6,desktop,b,0.5,2,q
7, desktop ,b,0.2,0.25,q
8,desktop,c,0.3,9,variant c is not in the policy
";

const POLICY: &str = "\
segment,variant,probability,comment
mobile,a,0.3,
mobile,b,0.7,
desktop,a,0.25,
desktop,b,0.75,
";

fn library_report() -> serde_json::Value {
    let policy = TargetPolicy::from_rows([
        ("mobile", "a", 0.3),
        ("mobile", "b", 0.7),
        ("desktop", "a", 0.25),
        ("desktop", "b", 0.75),
    ])
    .expect("policy");
    let mut ev = OffPolicyEvaluator::new(&policy);
    for line in LOG.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        ev.push(
            cells[1].trim(),
            cells[2],
            cells[3].parse().expect("propensity"),
            cells[4].parse().expect("reward"),
        )
        .expect("row");
    }
    serde_json::to_value(ev.finish(0.1).expect("report")).expect("json")
}

#[test]
fn json_keys_and_values_equal_the_library_on_the_same_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = write(dir.path(), "log.csv", LOG);
    let policy = write(dir.path(), "policy.csv", POLICY);
    let got = seg_json(&[
        "evaluate", "--log", &log, "--policy", &policy, "--alpha", "0.1",
    ]);
    let want = library_report();
    assert_eq!(got["n"], 8);
    for key in ["logged_value", "effective_sample_size"] {
        assert_eq!(got[key], want[key], "{key}");
    }
    for name in ["ipw", "snipw", "dm", "dr"] {
        for key in ["value", "ci_low", "ci_high"] {
            let v = &got["estimators"][name][key];
            assert!(v.is_number(), "{name}.{key}");
            assert_eq!(v, &want["estimators"][name][key], "{name}.{key}");
        }
    }
    // The default alpha is 0.05: a wider interval around the same value.
    let default = seg_json(&["evaluate", "--log", &log, "--policy", &policy]);
    let (d, n) = (&default["estimators"]["dr"], &got["estimators"]["dr"]);
    assert_eq!(d["value"], n["value"]);
    assert!(d["ci_high"].as_f64() > n["ci_high"].as_f64());
}

#[test]
fn the_table_lists_the_four_estimators() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = write(dir.path(), "log.csv", LOG);
    let policy = write(dir.path(), "policy.csv", POLICY);
    let out = Command::new(seg_path())
        .args(["evaluate", "--log", &log, "--policy", &policy])
        .output()
        .expect("seg runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["ipw", "snipw", "dm", "dr", "logged value", "95% low"] {
        assert!(text.contains(word), "{text}");
    }
}

/// Runs `seg evaluate` on the given log and policy texts; returns the
/// one-line error.
fn fails(log: &str, policy: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = write(dir.path(), "log.csv", log);
    let policy = write(dir.path(), "policy.csv", policy);
    let mut args = vec!["evaluate", "--log", &log, "--policy", &policy];
    args.extend_from_slice(extra);
    seg_fails(&args)
}

#[test]
fn each_bad_input_exits_2_with_one_line_naming_it() {
    let good_log = "segment,variant,propensity,reward\ns,a,0.5,1\ns,b,0.5,0\n";
    let good_policy = "segment,variant,probability\ns,a,0.5\ns,b,0.5\n";
    for (log, policy, extra, expected) in [
        // Missing columns.
        (
            "segment,variant,reward\ns,a,1\n",
            good_policy,
            &[][..],
            "log.csv` has no column \"propensity\"",
        ),
        (
            good_log,
            "segment,variant,p\ns,a,1\n",
            &[],
            "policy.csv` has no column \"probability\"",
        ),
        // Bad numbers.
        (
            "segment,variant,propensity,reward\ns,a,0.5,abc\n",
            good_policy,
            &[],
            "log.csv` line 2, column \"reward\": \"abc\" is not a number",
        ),
        (
            "segment,variant,propensity,reward\ns,a,0.5,1\ns,b,half,0\n",
            good_policy,
            &[],
            "line 3, column \"propensity\": \"half\" is not a number",
        ),
        (
            "segment,variant,propensity,reward\ns,a,0.5,inf\n",
            good_policy,
            &[],
            "\"inf\" is not a finite number",
        ),
        (
            good_log,
            "segment,variant,probability\ns,a,x\n",
            &[],
            "policy.csv` line 2, column \"probability\": \"x\" is not a number",
        ),
        (
            "segment,variant,propensity,reward\ns,a,0.5,\n",
            good_policy,
            &[],
            "line 2, column \"reward\": \"\" is missing",
        ),
        // Propensities out of (0, 1].
        (
            "segment,variant,propensity,reward\ns,a,0.5,1\ns,b,0,1\n",
            good_policy,
            &[],
            "line 3, column \"propensity\": \"0\" is not a propensity in (0, 1]",
        ),
        (
            "segment,variant,propensity,reward\ns,a,1.5,1\n",
            good_policy,
            &[],
            "\"1.5\" is not a propensity in (0, 1]",
        ),
        (
            "segment,variant,propensity,reward\ns,a,-0.2,1\n",
            good_policy,
            &[],
            "\"-0.2\" is not a propensity in (0, 1]",
        ),
        // A segment of the log missing from the policy.
        (
            "segment,variant,propensity,reward\ns,a,0.5,1\ntablet,a,0.5,1\n",
            good_policy,
            &[],
            "log.csv` line 3: segment \"tablet\" of the log is missing from the target policy",
        ),
        // A probability > 0 with no logged row.
        (
            "segment,variant,propensity,reward\ns,a,0.5,1\ns,a,0.5,0\n",
            good_policy,
            &[],
            "policy.csv`: the target policy gives probability 0.5 to variant \"b\" in segment \"s\", which has no logged row",
        ),
        // Probabilities not summing to 1, out of [0, 1], given twice.
        (
            good_log,
            "segment,variant,probability\ns,a,0.5\ns,b,0.4\n",
            &[],
            "policy.csv`: target probabilities of segment \"s\" sum to 0.9",
        ),
        (
            good_log,
            "segment,variant,probability\ns,a,1.5\n",
            &[],
            "line 2, column \"probability\": \"1.5\" is not a probability in [0, 1]",
        ),
        (
            good_log,
            "segment,variant,probability\ns,a,0.5\ns,a,0.5\n",
            &[],
            "duplicate target probability for variant \"a\" in segment \"s\"",
        ),
        // Empty logs and policies.
        (
            "segment,variant,propensity,reward\n",
            good_policy,
            &[],
            "log.csv` has a header but no data rows",
        ),
        ("", good_policy, &[], "log.csv` is empty"),
        (
            good_log,
            "segment,variant,probability\n",
            &[],
            "policy.csv` has a header but no data rows",
        ),
        (
            "segment,variant,propensity,reward\ns,a,0.5,1\n",
            "segment,variant,probability\ns,a,1\n",
            &[],
            "log.csv`: the log has 1 row",
        ),
        // Alpha.
        (good_log, good_policy, &["--alpha", "1"], "invalid --alpha"),
        (
            good_log,
            good_policy,
            &["--alpha", "-0.1"],
            "must be in (0, 1)",
        ),
    ] {
        let line = fails(log, policy, extra);
        assert!(line.contains(expected), "want {expected:?} in {line:?}");
    }
}

#[test]
fn a_missing_file_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = write(
        dir.path(),
        "policy.csv",
        "segment,variant,probability\ns,a,1\n",
    );
    let absent = dir.path().join("absent.csv");
    let line = seg_fails(&[
        "evaluate",
        "--log",
        absent.to_str().expect("UTF-8 path"),
        "--policy",
        &policy,
    ]);
    assert!(line.contains("absent.csv"), "{line}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_log_that_fails_to_read_exits_74() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = write(
        dir.path(),
        "policy.csv",
        "segment,variant,probability\ns,a,1\n",
    );
    let out = Command::new(seg_path())
        .args(["evaluate", "--log", "/proc/self/mem", "--policy", &policy])
        .output()
        .expect("seg runs");
    assert_eq!(out.status.code(), Some(74));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot read `/proc/self/mem`"), "{stderr}");
}

#[test]
fn help_shows_an_example() {
    let out = Command::new(seg_path())
        .args(["evaluate", "--help"])
        .output()
        .expect("seg runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Example") && text.contains("seg evaluate --log"),
        "{text}"
    );
    assert!(text.contains("--json"), "{text}");
    let out = Command::new(seg_path())
        .arg("--help")
        .output()
        .expect("seg runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("evaluate"));
}
