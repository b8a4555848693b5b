//! `seg state` on SQLite (always) and PostgreSQL (when `SEG_POSTGRES_URL`
//! is set; skipped with a message otherwise, failing instead under
//! `SEG_REQUIRE_POSTGRES=1`), through the built binary: init idempotence,
//! totals, warm start, reproducible choices, verbatim names, and 8
//! concurrent `seg state record` processes losing nothing, logged decisions
//! and their rewards.

mod common;

use std::process::{Command, Stdio};

use common::{seg_fails, seg_json, seg_path};
use serde_json::Value;

/// The PostgreSQL URL under test, or `None` (after saying so) when absent.
#[cfg(feature = "postgres")]
fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("SEG_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("SEG_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "{test}: SEG_POSTGRES_URL is not set but SEG_REQUIRE_POSTGRES=1"
            );
            eprintln!("SKIPPED: {test}: set SEG_POSTGRES_URL to run it against PostgreSQL");
            None
        }
    }
}

/// An experiment name of its own for each test run, so that PostgreSQL
/// databases can be shared between runs.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{name}-{}-{nanos}", std::process::id())
}

fn record(db: &str, experiment: &str, segment: &str, variant: &str, s: u64, f: u64) -> Value {
    seg_json(&[
        "state",
        "record",
        "--db",
        db,
        "--experiment",
        experiment,
        "--segment",
        segment,
        "--variant",
        variant,
        "--successes",
        &s.to_string(),
        "--failures",
        &f.to_string(),
    ])
}

fn state_of<'a>(shown: &'a Value, segment: &str, variant: &str) -> &'a Value {
    shown["states"]
        .as_array()
        .expect("states")
        .iter()
        .find(|s| s["segment"] == segment && s["variant"] == variant)
        .unwrap_or_else(|| panic!("no state {segment}/{variant} in {shown}"))
}

fn init_is_idempotent_and_conflicts_exit_2(db: &str) {
    let e = unique("init");
    let first = seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b,c",
    ]);
    assert_eq!(first["created"], true);
    let again = seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b,c",
    ]);
    assert_eq!(again["created"], false);
    let line = seg_fails(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b",
    ]);
    assert!(line.contains(&e), "{line}");
    seg_fails(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b,c",
        "--prior",
        "2,3",
    ]);
    // Without --prior, only the variants are compared.
    let p = unique("prior");
    let args = [
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &p,
        "--variants",
        "x,y",
    ];
    seg_json(&[&args[..], &["--prior", "2,3"]].concat());
    let again = seg_json(&args);
    assert_eq!(
        (again["created"].as_bool(), again["prior"].clone()),
        (Some(false), serde_json::json!([2.0, 3.0]))
    );
    seg_fails(&[&args[..], &["--prior", "1,1"]].concat());
    let shown = seg_json(&["state", "show", "--db", db, "--experiment", &e]);
    assert_eq!(shown["variants"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(shown["states"], serde_json::json!([]));
    assert_eq!(shown["events"], 0);
}

fn totals_and_posteriors_add_up(db: &str) {
    let e = unique("totals");
    seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "control,green",
        "--prior",
        "2,3",
    ]);
    record(db, &e, "mobile", "green", 3, 17);
    record(db, &e, "mobile", "green", 4, 6);
    record(db, &e, "mobile", "control", 0, 5);
    let shown = seg_json(&["state", "show", "--db", db, "--experiment", &e]);
    assert_eq!(shown["experiment"], e.as_str());
    assert_eq!(shown["events"], 3);
    let green = state_of(&shown, "mobile", "green");
    assert_eq!(
        (green["successes"].as_u64(), green["failures"].as_u64()),
        (Some(7), Some(23))
    );
    // The first segment has no other segment to learn from: the experiment's prior.
    assert_eq!(
        (green["alpha"].as_f64(), green["beta"].as_f64()),
        (Some(9.0), Some(26.0))
    );
    let control = state_of(&shown, "mobile", "control");
    assert_eq!(
        (control["alpha"].as_f64(), control["beta"].as_f64()),
        (Some(2.0), Some(8.0))
    );
}

fn new_segment_gets_a_warm_start_prior(db: &str) {
    let e = unique("warm");
    seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b",
    ]);
    for segment in ["s1", "s2", "s3"] {
        record(db, &e, segment, "a", 100, 900);
        record(db, &e, segment, "b", 200, 800);
    }
    let new = record(db, &e, "fresh", "a", 0, 0);
    assert_eq!(new["new_segment"], true);
    let shown = seg_json(&["state", "show", "--db", db, "--experiment", &e]);
    let a = state_of(&shown, "fresh", "a");
    let (alpha, beta) = (
        a["alpha"].as_f64().unwrap_or_default(),
        a["beta"].as_f64().unwrap_or_default(),
    );
    // Pooled from the other segments: mean about 0.1, weight at most the cap 10.
    assert!(
        (alpha / (alpha + beta) - 0.1).abs() < 0.01,
        "warm prior Beta({alpha}, {beta})"
    );
    assert!(
        alpha + beta <= 10.0 + 1e-9 && alpha + beta > 2.0,
        "Beta({alpha}, {beta})"
    );
    let b = state_of(&shown, "fresh", "b");
    let mean_b = b["alpha"].as_f64().unwrap_or_default()
        / (b["alpha"].as_f64().unwrap_or_default() + b["beta"].as_f64().unwrap_or(1.0));
    assert!((mean_b - 0.2).abs() < 0.01, "{b}");
}

fn choose_is_reproducible_with_a_seed(db: &str) {
    let e = unique("choose");
    seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b,c",
    ]);
    record(db, &e, "web", "a", 10, 90);
    record(db, &e, "web", "b", 30, 70);
    record(db, &e, "web", "c", 5, 95);
    let args = [
        "state",
        "choose",
        "--db",
        db,
        "--experiment",
        &e,
        "--segment",
        "web",
        "--seed",
        "7",
    ];
    let first = seg_json(&args);
    assert_eq!(first, seg_json(&args), "same seed, same answer");
    let p = first["probabilities"].as_object().expect("probabilities");
    assert_eq!(p.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
    let sum: f64 = p.values().filter_map(Value::as_f64).sum();
    assert!((sum - 1.0).abs() < 1e-12, "{sum}");
    assert!(
        p["b"].as_f64().unwrap_or_default() > 0.99,
        "b is clearly best: {first}"
    );
    assert!(["a", "b", "c"].contains(&first["variant"].as_str().unwrap_or_default()));
    // Different seeds give the same allocation up to Monte Carlo error.
    let other = seg_json(&[
        "state",
        "choose",
        "--db",
        db,
        "--experiment",
        &e,
        "--segment",
        "web",
        "--seed",
        "8",
    ]);
    assert!(
        (other["probabilities"]["b"].as_f64().unwrap_or_default()
            - p["b"].as_f64().unwrap_or_default())
        .abs()
            < 0.01
    );
    // Unseeded choices use fresh entropy: many draws on a fifty-fifty segment are not all equal.
    record(db, &e, "even", "a", 50, 50);
    record(db, &e, "even", "b", 50, 50);
    record(db, &e, "even", "c", 50, 50);
    let picks: std::collections::BTreeSet<String> = (0..12)
        .map(|_| {
            seg_json(&[
                "state",
                "choose",
                "--db",
                db,
                "--experiment",
                &e,
                "--segment",
                "even",
                "--draws",
                "10",
            ])["variant"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(
        picks.len() > 1,
        "12 unseeded choices among 3 equal variants all gave {picks:?}"
    );
    // An unseen segment is answered from its warm-start prior, without creating it.
    let unseen = seg_json(&[
        "state",
        "choose",
        "--db",
        db,
        "--experiment",
        &e,
        "--segment",
        "never",
        "--seed",
        "1",
    ]);
    assert!(unseen["variant"].is_string());
    let shown = seg_json(&["state", "show", "--db", db, "--experiment", &e]);
    assert!(
        shown["states"]
            .as_array()
            .expect("states")
            .iter()
            .all(|s| s["segment"] != "never")
    );
}

fn names_are_stored_verbatim(db: &str) {
    let e = format!("{}'); DROP TABLE experiments; --", unique("names"));
    let variants = "contrôle,\"quoted\",emoji 🚀";
    seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        variants,
    ]);
    let segment = "ségment; DELETE FROM events";
    record(db, &e, segment, "emoji 🚀", 1, 2);
    let shown = seg_json(&["state", "show", "--db", db, "--experiment", &e]);
    assert_eq!(shown["experiment"], e.as_str());
    assert_eq!(
        shown["variants"],
        serde_json::json!(["contrôle", "\"quoted\"", "emoji 🚀"])
    );
    let s = state_of(&shown, segment, "emoji 🚀");
    assert_eq!(s["successes"], 1);
}

/// 8 `seg state record` processes at a time, 5 rounds, on one database:
/// every batch is counted once (the totals are exact), also for a segment
/// that all of them create at the same moment.
fn concurrent_records_lose_nothing(db: &str) {
    let e = unique("concurrent");
    seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b",
    ]);
    let rounds = 5;
    for round in 0..rounds {
        let children: Vec<_> = (0..8)
            .map(|i| {
                let variant = if i % 2 == 0 { "a" } else { "b" };
                // Round 0: all processes race to create segment "new".
                let segment = if round == 0 {
                    "new".to_owned()
                } else {
                    format!("seg{}", i % 3)
                };
                Command::new(seg_path())
                    .args([
                        "state",
                        "record",
                        "--db",
                        db,
                        "--experiment",
                        &e,
                        "--segment",
                        &segment,
                        "--variant",
                        variant,
                        "--successes",
                        &(i + 1).to_string(),
                        "--failures",
                        "10",
                        "--json",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn seg")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "a concurrent record failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let shown = seg_json(&["state", "show", "--db", db, "--experiment", &e]);
    assert_eq!(shown["events"].as_u64(), Some(8 * rounds));
    let states = shown["states"].as_array().expect("states");
    let total_s: u64 = states.iter().filter_map(|s| s["successes"].as_u64()).sum();
    let total_f: u64 = states.iter().filter_map(|s| s["failures"].as_u64()).sum();
    assert_eq!(total_s, rounds * (1..=8).sum::<u64>());
    assert_eq!(total_f, rounds * 8 * 10);
    // The segment created by 8 processes at once: exactly one creation, every batch in it.
    let new_a = state_of(&shown, "new", "a");
    let new_b = state_of(&shown, "new", "b");
    assert_eq!(new_a["successes"].as_u64(), Some(1 + 3 + 5 + 7));
    assert_eq!(new_b["successes"].as_u64(), Some(2 + 4 + 6 + 8));
    assert_eq!(states.iter().filter(|s| s["segment"] == "new").count(), 2);
}

fn logged_choices_record_decisions_and_rewards(db: &str) {
    let e = unique("log");
    seg_json(&[
        "state",
        "init",
        "--db",
        db,
        "--experiment",
        &e,
        "--variants",
        "a,b",
    ]);
    record(db, &e, "web", "a", 10, 90);
    record(db, &e, "web", "b", 12, 88);
    let choose = |seed: &str, unit: &str| {
        seg_json(&[
            "state",
            "choose",
            "--db",
            db,
            "--experiment",
            &e,
            "--segment",
            "web",
            "--seed",
            seed,
            "--log",
            "--unit",
            unit,
        ])
    };
    let first = choose("1", "visitor-1");
    let second = choose("2", "visitor-2");
    let (id1, id2) = (
        first["decision"].as_u64().expect("decision id"),
        second["decision"].as_u64().expect("decision id"),
    );
    assert!(id2 > id1, "{first} {second}");
    // the propensity is the allocation's probability of the served variant
    let variant = first["variant"].as_str().unwrap_or_default();
    assert_eq!(
        first["propensity"].as_f64(),
        first["probabilities"][variant].as_f64(),
        "{first}"
    );
    let reward = |id: u64, r: &str| {
        vec![
            "state".to_owned(),
            "reward".to_owned(),
            "--db".to_owned(),
            db.to_owned(),
            "--experiment".to_owned(),
            e.clone(),
            "--decision".to_owned(),
            id.to_string(),
            "--reward".to_owned(),
            r.to_owned(),
        ]
    };
    let args = reward(id1, "1");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let answer = seg_json(&args);
    assert_eq!(answer["reward"].as_f64(), Some(1.0));
    // the same reward again is a no-op; another one, an unknown decision or a
    // non-number exit 2 with one line
    seg_json(&args);
    for (id, r) in [(id1, "0"), (id2 + 1000, "1"), (id2, "NaN"), (id2, "many")] {
        let args = reward(id, r);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let message = seg_fails(&args);
        assert!(
            message.contains("decision") || message.contains("reward"),
            "{message}"
        );
    }
    // without --log nothing is logged and the JSON has no decision
    let plain = seg_json(&[
        "state",
        "choose",
        "--db",
        db,
        "--experiment",
        &e,
        "--segment",
        "web",
        "--seed",
        "3",
    ]);
    assert!(plain.get("decision").is_none(), "{plain}");

    // `seg state evaluate` on the store's log answers as `seg evaluate` on
    // the same log written as CSV (a decision without a reward counts as 0)
    let mut csv = String::from("segment,variant,propensity,reward\n");
    let mut rows = vec![(first.clone(), 1.0), (second.clone(), 0.0)];
    for i in 0..12_u64 {
        let chosen = choose(&(10 + i).to_string(), &format!("visitor-{}", 10 + i));
        let id = chosen["decision"].as_u64().expect("decision id");
        let r = if i % 3 == 0 { 1.0 } else { 0.0 };
        if i % 2 == 0 {
            let args = reward(id, &r.to_string());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            seg_json(&args);
            rows.push((chosen, r));
        } else {
            rows.push((chosen, 0.0));
        }
    }
    for (chosen, r) in &rows {
        csv.push_str(&format!(
            "web,{},{},{r}\n",
            chosen["variant"].as_str().unwrap_or_default(),
            chosen["propensity"]
        ));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("log.csv");
    let policy = dir.path().join("policy.csv");
    std::fs::write(&log, csv).expect("write log");
    std::fs::write(
        &policy,
        "segment,variant,probability\nweb,a,0.5\nweb,b,0.5\n",
    )
    .expect("write policy");
    let policy = policy.to_string_lossy().into_owned();
    let from_store = seg_json(&[
        "state",
        "evaluate",
        "--db",
        db,
        "--experiment",
        &e,
        "--policy",
        &policy,
    ]);
    let from_csv = seg_json(&[
        "evaluate",
        "--log",
        &log.to_string_lossy(),
        "--policy",
        &policy,
    ]);
    assert_eq!(from_store, from_csv);
    assert_eq!(from_store["n"].as_u64(), Some(14));
}

fn sqlite_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir
        .path()
        .join("state.sqlite")
        .to_string_lossy()
        .into_owned();
    (dir, db)
}

macro_rules! both_stores {
    ($($name:ident => $body:ident;)*) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                let (_dir, db) = super::sqlite_db();
                super::$body(&db);
            })*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(#[test]
            fn $name() {
                if let Some(url) = super::postgres_url(concat!("postgres::", stringify!($name))) {
                    super::$body(&url);
                }
            })*
        }
    };
}

both_stores! {
    init_is_idempotent_and_conflicts_exit_2 => init_is_idempotent_and_conflicts_exit_2;
    totals_and_posteriors_add_up => totals_and_posteriors_add_up;
    new_segment_gets_a_warm_start_prior => new_segment_gets_a_warm_start_prior;
    choose_is_reproducible_with_a_seed => choose_is_reproducible_with_a_seed;
    names_are_stored_verbatim => names_are_stored_verbatim;
    concurrent_records_lose_nothing => concurrent_records_lose_nothing;
    logged_choices_record_decisions_and_rewards => logged_choices_record_decisions_and_rewards;
}
