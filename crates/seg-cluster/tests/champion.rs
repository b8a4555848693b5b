//! Champion and challenger: a retrained model becomes the latest version
//! only when it passes its quality gate and is not worse than the current
//! model on held-out new traffic; otherwise the history is left as it
//! was and the verdict says why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64Mcg;
use seg_cluster::{
    AutoK, Challenge, ChallengeParams, ChallengeVerdict, ClusterError, ModelHistory, SegmentModel,
    TrainParams,
};

const NAMES: [&str; 2] = ["pages", "minutes"];
const OLD_CENTRES: [[f64; 2]; 3] = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
const NEW_CENTRE: [f64; 2] = [10.0, 10.0];

/// `n` rows around `centres` (unit Gaussian noise); row i belongs to the
/// centre whose share of rows covers it, shares given by `weights`.
fn traffic(centres: &[[f64; 2]], weights: &[usize], n: usize, seed: u64) -> Array2<f64> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let noise = Normal::new(0.0, 1.0).unwrap();
    let total: usize = weights.iter().sum();
    let mut x = Array2::zeros((n, 2));
    for i in 0..n {
        // Round robin over a cycle of `total` slots.
        let mut slot = i % total;
        let mut c = 0;
        while slot >= weights[c] {
            slot -= weights[c];
            c += 1;
        }
        for j in 0..2 {
            x[[i, j]] = centres[c][j] + noise.sample(&mut rng);
        }
    }
    x
}

/// The traffic the champion was trained on: three groups of equal size.
fn old_traffic(n: usize, seed: u64) -> Array2<f64> {
    traffic(&OLD_CENTRES, &[1, 1, 1], n, seed)
}

/// The old groups on 70% of the rows and a new group on 30%.
fn shifted_traffic(n: usize, seed: u64) -> Array2<f64> {
    let centres = [OLD_CENTRES[0], OLD_CENTRES[1], OLD_CENTRES[2], NEW_CENTRE];
    traffic(&centres, &[7, 7, 7, 9], n, seed)
}

fn train_params() -> TrainParams {
    TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=6).n_init(2).seed(3))
        .created_at(1_700_000_000)
}

fn champion() -> SegmentModel {
    let model = SegmentModel::train(old_traffic(600, 1).view(), &NAMES, &train_params()).unwrap();
    assert_eq!(model.k(), 3);
    assert!(model.quality().passed());
    model
}

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("seg-champion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every file of the directory with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn reason(challenge: &Challenge) -> &str {
    match challenge.verdict() {
        ChallengeVerdict::Keep { reason } => reason,
        ChallengeVerdict::Promote => panic!(
            "promoted: champion {}, challenger {}",
            challenge.champion_silhouette(),
            challenge.challenger_silhouette()
        ),
    }
}

#[test]
fn a_challenger_fitting_a_new_group_is_promoted_with_the_champion_as_parent() {
    let dir = scratch("shift");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let v1 = history.save(&champion()).unwrap();
    let champion = history.get(v1).unwrap().clone();

    let new = shifted_traffic(1_000, 2);
    let challenge = champion
        .challenge(new.view(), &train_params(), &ChallengeParams::new())
        .unwrap();
    println!(
        "shift: champion {:.4}, challenger (k = {}) {:.4}",
        challenge.champion_silhouette(),
        challenge.challenger().k(),
        challenge.challenger_silhouette()
    );
    assert_eq!(challenge.verdict(), &ChallengeVerdict::Promote);
    assert_eq!(challenge.champion_version(), v1);
    assert_eq!(
        (
            challenge.training_rows(),
            challenge.held_out_rows(),
            challenge.scored_rows()
        ),
        (800, 200, 200)
    );
    assert_eq!(challenge.challenger().k(), 4);
    assert!(challenge.challenger().quality().passed());
    assert!(challenge.challenger_silhouette() > challenge.champion_silhouette() + 0.05);

    let v2 = history.promote(&challenge).unwrap();
    assert_eq!(v2, Some(v1 + 1));
    let latest = history.latest().unwrap();
    assert_eq!(latest.model_version(), v1 + 1);
    assert_eq!(latest.parent_version(), Some(v1));
    assert_eq!(latest.centroids(), challenge.challenger().centroids());
    assert_eq!(history.lineage(v1 + 1).unwrap(), [v1 + 1, v1]);
    // Another handle sees the promotion on disk.
    let reopened = ModelHistory::open(&dir).unwrap();
    assert_eq!(reopened.versions(), [1, 2]);
    assert_eq!(
        reopened.latest().unwrap().to_json().unwrap(),
        latest.to_json().unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_worse_challenger_on_unchanged_traffic_leaves_the_history_byte_for_byte() {
    let dir = scratch("worse");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let v1 = history.save(&champion()).unwrap();
    let before = snapshot(&dir);

    // The same traffic as before, and a challenger that must merge two of
    // the three groups (k fixed at 2). It passes the default quality gate,
    // so only the held-out comparison keeps it out.
    let same = old_traffic(900, 5);
    let forced = TrainParams::new()
        .auto_k(AutoK::params().k_range(2..=2).seed(3))
        .created_at(1_700_000_100);
    let challenge = history
        .get(v1)
        .unwrap()
        .challenge(same.view(), &forced, &ChallengeParams::new())
        .unwrap();
    let (champ, chall) = (
        challenge.champion_silhouette(),
        challenge.challenger_silhouette(),
    );
    println!("worse: champion {champ:.4}, challenger {chall:.4}");
    assert_eq!(challenge.challenger().k(), 2);
    assert!(challenge.challenger().quality().passed());
    assert!(chall < champ);
    assert_eq!(
        reason(&challenge),
        format!(
            "the challenger's held-out silhouette {chall:.3} is below the current model's {champ:.3} minus the tolerance 0.01"
        )
    );

    assert_eq!(history.promote(&challenge).unwrap(), None);
    assert_eq!(snapshot(&dir), before);
    assert_eq!(history.versions(), [v1]);
    assert_eq!(ModelHistory::open(&dir).unwrap().versions(), [v1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_challenger_failing_its_quality_gate_is_kept_out_and_the_check_is_named() {
    let dir = scratch("gate");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let v1 = history.save(&champion()).unwrap();
    let before = snapshot(&dir);

    // The traffic shifts as in the promotion test, but the service asks
    // for segments far better separated than these: the challenger beats
    // the champion on the held-out rows and still fails its gate.
    let strict = train_params().quality_gate(seg_validate::QualityGate::new().min_silhouette(0.9));
    let challenge = history
        .get(v1)
        .unwrap()
        .challenge(
            shifted_traffic(1_000, 2).view(),
            &strict,
            &ChallengeParams::new(),
        )
        .unwrap();
    assert!(challenge.challenger_silhouette() > challenge.champion_silhouette());
    let quality = challenge.challenger().quality();
    let failed: Vec<&str> = quality.failed().map(|c| c.name()).collect();
    println!(
        "gate: champion {:.4}, challenger {:.4}, failed {failed:?}: {}",
        challenge.champion_silhouette(),
        challenge.challenger_silhouette(),
        reason(&challenge)
    );
    assert_eq!(failed, ["silhouette"]);
    let reason = reason(&challenge);
    assert!(
        reason.starts_with("the challenger fails its quality gate: silhouette "),
        "{reason}"
    );
    assert!(!reason.contains("held-out"), "{reason}");
    for check in quality.failed() {
        let named = format!(
            "{} {:.3} (must be {} {})",
            check.name(),
            check.value(),
            check.comparison(),
            check.threshold()
        );
        assert!(reason.contains(&named), "{reason} lacks {named}");
    }
    assert_eq!(history.promote(&challenge).unwrap(), None);
    assert_eq!(snapshot(&dir), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rolling_back_a_promotion_makes_the_champion_latest_again() {
    let dir = scratch("rollback");
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let champion = champion();
    let v1 = history.save(&champion).unwrap();
    let challenge = champion
        .challenge(
            shifted_traffic(1_000, 2).view(),
            &train_params(),
            &ChallengeParams::new(),
        )
        .unwrap();
    let v2 = history.promote(&challenge).unwrap().unwrap();

    let v3 = history.rollback(v1).unwrap();
    assert_eq!((v1, v2, v3), (1, 2, 3));
    let latest = history.latest().unwrap();
    assert_eq!(latest.model_version(), v3);
    assert_eq!(latest.centroids(), champion.centroids());
    assert_eq!(latest.k(), 3);
    assert_eq!(history.lineage(v3).unwrap(), [v3, v1]);
    assert_eq!(history.lineage(v2).unwrap(), [v2, v1]);
    // The challenger's version stays in the history.
    assert_eq!(
        history.get(v2).unwrap().centroids(),
        challenge.challenger().centroids()
    );

    // A challenge against the rolled-back champion's old version number
    // is stale now, and nothing is written.
    let before = snapshot(&dir);
    let err = history.promote(&challenge).unwrap_err();
    assert!(
        matches!(
            err,
            ClusterError::StaleChallenge {
                champion: 1,
                latest: Some(3)
            }
        ),
        "{err:?}"
    );
    assert_eq!(snapshot(&dir), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_same_seed_gives_the_same_split_and_scores() {
    let champion = champion();
    let new = shifted_traffic(1_000, 4);
    // A scored sample smaller than the held-out part, to cover its draw.
    let params = ChallengeParams::new().seed(11).silhouette_sample(150);
    let run = |params: &ChallengeParams| {
        champion
            .challenge(new.view(), &train_params(), params)
            .unwrap()
    };
    let (a, b) = (run(&params), run(&params));
    assert_eq!(a, b);
    assert_eq!(
        a.champion_silhouette().to_bits(),
        b.champion_silhouette().to_bits()
    );
    assert_eq!(
        a.challenger_silhouette().to_bits(),
        b.challenger_silhouette().to_bits()
    );
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    assert_eq!((a.held_out_rows(), a.scored_rows()), (200, 150));

    // Another seed holds out other rows: the scores move.
    let other = run(&params.clone().seed(12));
    assert_ne!(
        other.champion_silhouette().to_bits(),
        a.champion_silhouette().to_bits()
    );
    assert_ne!(other.challenger().centroids(), a.challenger().centroids());
}

#[test]
fn challenge_parameters_outside_their_domain_are_errors() {
    let champion = champion();
    let new = shifted_traffic(300, 6);
    for (params, name) in [
        (ChallengeParams::new().holdout(0.0), "holdout"),
        (ChallengeParams::new().holdout(0.6), "holdout"),
        (ChallengeParams::new().holdout(f64::NAN), "holdout"),
        (ChallengeParams::new().tolerance(-1.0), "tolerance"),
    ] {
        let err = champion
            .challenge(new.view(), &train_params(), &params)
            .unwrap_err();
        assert!(
            matches!(err, ClusterError::InvalidParameter { parameter, .. } if parameter == name),
            "{err:?}"
        );
        assert!(serde_json::to_string(&params).is_err());
    }
    for json in [
        r#"{"holdout":0.0,"tolerance":0.01,"seed":0,"silhouette_sample":20000}"#,
        r#"{"holdout":0.6,"tolerance":0.01,"seed":0,"silhouette_sample":20000}"#,
        r#"{"holdout":0.2,"tolerance":-1.0,"seed":0,"silhouette_sample":20000}"#,
    ] {
        assert!(
            serde_json::from_str::<ChallengeParams>(json).is_err(),
            "{json}"
        );
    }
}

#[test]
fn too_few_rows_to_hold_out_are_an_error_not_a_panic() {
    let champion = champion();
    // k up to 6: each part needs 7 rows; 30 rows hold out 6.
    let err = champion
        .challenge(
            shifted_traffic(30, 7).view(),
            &train_params(),
            &ChallengeParams::new(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClusterError::TooFewRowsToHoldOut {
                rows: 30,
                training: 24,
                held_out: 6,
                needed: 7
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "30 rows are too few to hold some out: 24 training and 6 held-out rows, each part needs at least 7"
    );
    // A scored sample too small for the segments.
    let err = champion
        .challenge(
            shifted_traffic(300, 7).view(),
            &train_params(),
            &ChallengeParams::new().silhouette_sample(5),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClusterError::InvalidParameter {
                parameter: "silhouette_sample",
                ..
            }
        ),
        "{err:?}"
    );
    // Data of another width, and a single row.
    let wide = Array2::<f64>::zeros((100, 3));
    assert!(matches!(
        champion.challenge(wide.view(), &train_params(), &ChallengeParams::new()),
        Err(ClusterError::DimensionMismatch {
            expected: 2,
            got: 3
        })
    ));
    let one = Array2::<f64>::zeros((1, 2));
    assert!(matches!(
        champion.challenge(one.view(), &train_params(), &ChallengeParams::new()),
        Err(ClusterError::TooFewRowsToHoldOut { rows: 1, .. })
    ));
}

#[test]
fn a_champion_putting_every_held_out_row_in_one_segment_scores_minus_one() {
    let champion = champion();
    // All new visitors are far to the right of every old group: the
    // champion sends them all to the group at (10, 0).
    let moved = traffic(&[[40.0, 20.0], [50.0, 20.0]], &[1, 1], 400, 8);
    assert!(
        champion
            .assign(moved.view())
            .unwrap()
            .iter()
            .all(|&s| s == champion.assign_one(&[10.0, 0.0]).unwrap())
    );
    let challenge = champion
        .challenge(moved.view(), &train_params(), &ChallengeParams::new())
        .unwrap();
    assert_eq!(challenge.champion_silhouette(), -1.0);
    assert_eq!(challenge.challenger().k(), 2);
    assert!(challenge.challenger_silhouette() > 0.5);
    assert_eq!(challenge.verdict(), &ChallengeVerdict::Promote);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(seg_testdata::hostile_cases()))]

    #[test]
    fn hostile_challenge_params_load_to_checked_params_or_errors(
        text in seg_testdata::hostile_json(
            serde_json::to_value(ChallengeParams::new().holdout(0.3).seed(5)).unwrap()
        )
    ) {
        if let Ok(params) = serde_json::from_str::<ChallengeParams>(&text) {
            prop_assert!(params.check().is_ok());
            let again = serde_json::to_string(&params).unwrap();
            prop_assert_eq!(serde_json::from_str::<ChallengeParams>(&again).unwrap(), params);
        }
    }

    #[test]
    fn saved_challenge_params_load_exactly_when_they_pass_the_checks(
        holdout in prop_oneof![-1.0..1.0f64, any::<f64>()],
        tolerance in prop_oneof![-1.0..2.0f64, any::<f64>()],
        seed in any::<u64>(),
        silhouette_sample in prop_oneof![0usize..10, any::<usize>()],
    ) {
        let params = ChallengeParams::new()
            .holdout(holdout)
            .tolerance(tolerance)
            .seed(seed)
            .silhouette_sample(silhouette_sample);
        // serde_json writes non-finite numbers as null, which do not load.
        let json = format!(
            r#"{{"holdout":{},"tolerance":{},"seed":{seed},"silhouette_sample":{silhouette_sample}}}"#,
            serde_json::to_string(&holdout).unwrap(),
            serde_json::to_string(&tolerance).unwrap(),
        );
        let loaded = serde_json::from_str::<ChallengeParams>(&json);
        prop_assert_eq!(loaded.is_ok(), params.check().is_ok(), "{}", json);
        if let Ok(loaded) = loaded {
            prop_assert_eq!(&loaded, &params);
            prop_assert_eq!(serde_json::to_string(&loaded).unwrap(), json);
        } else {
            prop_assert!(serde_json::to_string(&params).is_err());
        }
    }
}
