//! The e-commerce walk-through, small and seeded: its summary says what
//! happened (k chosen, experiment recorded, drift found, a retrained
//! version whose parent is the first), and its files exist.

use seg_demo::{DemoError, DemoOptions, run, walk};
use segmentation::cluster::{DriftLevel, SegmentModel};
use segmentation::pipeline::Segmentation;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("seg-demo-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_walk_through_segments_experiments_detects_drift_and_retrains() {
    let root = temp_dir("small");
    let options = DemoOptions::new(3)
        .visitors_per_month(9_000)
        .days(7, 7)
        .created_at(1_700_000_000)
        .charts(root.join("charts"))
        .state_dir(root.join("state"));
    let mut out = Vec::new();
    let summary = run(&options, &mut out).expect("demo");
    let text = String::from_utf8(out).expect("utf-8");

    for step in 1..=7 {
        assert!(
            text.contains(&format!("== {step}. ")),
            "step {step} missing"
        );
    }
    // Step 2: k chosen by the rule, with its reason.
    assert!((2..=8).contains(&summary.k));
    assert!(
        summary
            .k_reason
            .starts_with(&format!("k = {}: ", summary.k))
    );
    // Step 5: one plan per segment; 10% at 2.5% needs 64,199 per variant
    // (R's power.prop.test(p1 = 0.025, p2 = 0.0275, power = 0.8)).
    assert_eq!(summary.plans.len(), summary.k);
    assert_eq!(summary.overall_n_per_variant, 64_199);
    assert!(
        summary
            .plans
            .iter()
            .all(|p| p.n_per_variant > 0 && p.days > 0.0)
    );
    // Step 6: one batch per segment × variant × day at most, all in SQLite.
    assert!(summary.events > 0);
    assert!(summary.events <= (summary.k * 2 * 7) as u64);
    assert!(summary.state_file.exists());
    // Step 7: the shift is seen and retrained into version 2, parent 1.
    assert!(summary.drift_score > summary.drift_score_before);
    assert_ne!(summary.drift_level, DriftLevel::Stable);
    assert!(summary.retrained);
    assert_eq!(summary.model_version, 1);
    assert_eq!(summary.new_version, Some(2));
    assert_eq!(summary.new_parent, Some(1));
    assert_eq!(summary.pipeline_files.len(), 2);
    let v2 = Segmentation::load(&summary.pipeline_files[1]).expect("load v2");
    assert_eq!((v2.model_version(), v2.parent_version()), (2, Some(1)));
    assert_eq!(Some(v2.k()), summary.new_k);
    let v1 = Segmentation::load(&summary.pipeline_files[0]).expect("load v1");
    assert_eq!(v1.k(), summary.k);
    assert!(SegmentModel::from_json(&v1.model().to_json().unwrap()).is_ok());
    // Charts: four SVG files.
    assert_eq!(summary.charts.len(), 4);
    for chart in &summary.charts {
        let svg = std::fs::read_to_string(chart).expect("chart");
        assert!(svg.starts_with("<svg"), "{}", chart.display());
    }

    // The same options and seed give the same summary (new folders).
    let again = temp_dir("again");
    let options = options
        .charts(again.join("charts"))
        .state_dir(again.join("state"));
    let second = run(&options, &mut Vec::new()).expect("demo again");
    assert_eq!(second.k, summary.k);
    assert_eq!(second.plans, summary.plans);
    assert_eq!(second.events, summary.events);
    assert_eq!(second.drift_score, summary.drift_score);
    assert_eq!(second.new_k, summary.new_k);
    let same = |a: &std::path::Path, b: &std::path::Path| {
        std::fs::read(a).expect("read") == std::fs::read(b).expect("read")
    };
    assert!(same(&summary.pipeline_files[1], &second.pipeline_files[1]));

    // A state folder that already holds a store is refused.
    let err = run(&options, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            err,
            DemoError::InvalidParameter {
                parameter: "state_dir",
                ..
            }
        ),
        "{err:?}"
    );
    std::fs::remove_dir_all(&root).expect("clean up");
    std::fs::remove_dir_all(&again).expect("clean up");
}

/// The text without what may differ between two runs of the same
/// options: the measured times and the folders.
fn without_times_and_folders(text: &str, folders: &[&std::path::Path]) -> String {
    let mut text = text.to_owned();
    for folder in folders {
        text = text.replace(&folder.display().to_string(), "<folder>");
    }
    text.lines()
        .map(
            |line| match line.find(" took ").or_else(|| line.find("Done in ")) {
                Some(i) => &line[..i],
                None => line,
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_report_prints_the_same_text_for_the_same_seed_and_serialises() {
    let first_dir = temp_dir("report-1");
    let second_dir = temp_dir("report-2");
    let options = DemoOptions::new(5)
        .visitors_per_month(6_000)
        .days(3, 2)
        .created_at(1_700_000_000);
    let first = walk(&options.clone().state_dir(&first_dir)).expect("first walk");
    let second = walk(&options.state_dir(&second_dir)).expect("second walk");
    let text = first.to_string();
    assert!(text.starts_with("== 1. Features\n") && text.ends_with(" s.\n"));
    assert_eq!(
        without_times_and_folders(&text, &[&first_dir]),
        without_times_and_folders(&second.to_string(), &[&second_dir])
    );
    assert_eq!(first.plan, second.plan);
    assert_eq!(first.experiment.results, second.experiment.results);
    assert_eq!(first.shift.by_psi, second.shift.by_psi);

    // The summary is gathered from the steps.
    let summary = first.summary();
    assert_eq!(summary.k, first.choice.k);
    assert_eq!(summary.events, first.experiment.events);
    assert_eq!(summary.plans, first.plan.plans);

    // The report serialises, step by step.
    let json = serde_json::to_value(&first).expect("json");
    for step in [
        "features",
        "choice",
        "segments",
        "gate",
        "plan",
        "experiment",
        "shift",
        "files",
    ] {
        assert!(json.get(step).is_some(), "{step} missing");
    }
    assert_eq!(
        json["choice"]["scores"].as_array().map(Vec::len),
        Some(first.choice.scores.len())
    );
    std::fs::remove_dir_all(&first_dir).expect("clean up");
    std::fs::remove_dir_all(&second_dir).expect("clean up");
}
