//! The retrain flow end to end on the visitor-traffic simulator: train a
//! segment model, watch stable traffic (never retrain), then the drift
//! scenario of seg-datasets (a new traffic source, `tiktok`, and shifted
//! segment shares) triggers retraining; the retrained model fits the new
//! traffic at least as well as the old one (silhouette) and its lineage
//! in the model history names the old version.

use ndarray::Array2;
use seg_cluster::{
    AutoK, DEFAULT_MIN_BATCH, ModelHistory, RetrainDecision, RetrainPolicy, SegmentModel,
    TrainParams,
};
use seg_datasets::{SimulatedVisitor, TrafficSimulator};
use seg_validate::silhouette_score;

/// The numeric features of a simulated visitor, each in about [0, 1],
/// with a fixed encoding (no fitted transform, so that drifted traffic is
/// encoded as the training traffic was). Every traffic source of the
/// training traffic has its own column and any other source goes to
/// `source_unseen`, as a schema whose categories were learned from the
/// training traffic encodes them: a new source shows as drift there.
const FEATURES: [&str; 14] = [
    "log_sessions",
    "log_pages_per_session",
    "log_session_seconds",
    "bounce_rate",
    "mobile",
    "tablet",
    "source_search",
    "source_social",
    "source_affiliate",
    "source_email",
    "source_direct",
    "source_paid",
    "source_unseen",
    "returning",
];

fn features(visitors: &[SimulatedVisitor]) -> Array2<f64> {
    let mut x = Array2::zeros((visitors.len(), FEATURES.len()));
    for (mut row, v) in x.rows_mut().into_iter().zip(visitors) {
        let v = &v.visitor;
        let source = |name: &str| f64::from(u8::from(v.traffic_source == name));
        let known = ["search", "social", "affiliate", "email", "direct", "paid"];
        let unseen = !known.contains(&v.traffic_source);
        let values = [
            v.sessions.ln_1p() / 4.0,
            v.pages_per_session.ln_1p() / 3.0,
            v.avg_session_seconds.ln_1p() / 8.0,
            v.bounce_rate,
            f64::from(u8::from(v.device == "mobile")),
            f64::from(u8::from(v.device == "tablet")),
            source("search"),
            source("social"),
            source("affiliate"),
            source("email"),
            source("direct"),
            source("paid"),
            f64::from(u8::from(unseen)),
            f64::from(u8::from(v.returning)),
        ];
        for (r, value) in row.iter_mut().zip(values) {
            *r = value;
        }
    }
    x
}

fn traffic(sim: TrafficSimulator, seed: u64, n: usize) -> Array2<f64> {
    features(&sim.seed(seed).simulate(n).unwrap())
}

#[test]
fn stable_traffic_never_retrains_and_the_drift_scenario_does() {
    let params = TrainParams::new()
        .auto_k(AutoK::params().seed(1))
        .created_at(1_700_000_000);
    let training = traffic(TrafficSimulator::default_segments(), 1, 5_000);
    let model = SegmentModel::train(training.view(), &FEATURES, &params).unwrap();
    println!(
        "trained: k = {} ({}), quality passed: {}",
        model.k(),
        model.selection().reason,
        model.quality().passed()
    );

    let dir = std::env::temp_dir().join(format!("seg-retrain-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut history = ModelHistory::open_or_create(&dir).unwrap();
    let v1 = history.save(&model).unwrap();

    let policy = RetrainPolicy::default();
    assert_eq!(policy.min_batch(), DEFAULT_MIN_BATCH);

    // A stable period: ten batches of the policy's minimum size.
    for seed in 100..110 {
        let batch = traffic(
            TrafficSimulator::default_segments(),
            seed,
            policy.min_batch(),
        );
        let drift = model.drift(batch.view()).unwrap();
        let decision = policy.decide(&drift.report);
        println!(
            "stable batch {seed}: score {:.4} {decision:?}",
            drift.score()
        );
        assert!(
            matches!(decision, RetrainDecision::Stable { .. }),
            "stable traffic, batch {seed}: {decision:?}"
        );
    }

    // The drift scenario: a new traffic source and shifted shares.
    let drifted = traffic(TrafficSimulator::default_segments().drifted(), 200, 5_000);
    let drift = model.drift(drifted.view()).unwrap();
    let decision = policy.decide(&drift.report);
    let (worst, worst_drift) = drift.worst_feature().unwrap();
    println!(
        "drifted: score {:.4}, worst feature {worst} (psi {:.4})",
        drift.score(),
        worst_drift.psi
    );
    assert!(decision.is_retrain(), "{decision:?}");
    assert_eq!(
        worst, "source_unseen",
        "tiktok is a source unseen in training"
    );

    // Retrain on the new traffic.
    let retrained = model.retrain(drifted.view(), &params).unwrap();
    let v2 = history.save(&retrained).unwrap();
    assert_eq!(history.lineage(v2).unwrap(), [v2, v1]);
    assert_eq!(history.get(v2).unwrap().parent_version(), Some(v1));

    // The new model fits the new traffic at least as well as the old one.
    let fresh = traffic(TrafficSimulator::default_segments().drifted(), 300, 3_000);
    let old_silhouette =
        silhouette_score(fresh.view(), &model.assign(fresh.view()).unwrap()).unwrap();
    let new_silhouette =
        silhouette_score(fresh.view(), &retrained.assign(fresh.view()).unwrap()).unwrap();
    println!(
        "silhouette on new traffic: old model (k = {}) {old_silhouette:.4}, retrained (k = {}) {new_silhouette:.4}",
        model.k(),
        retrained.k()
    );
    assert!(
        new_silhouette >= old_silhouette,
        "{new_silhouette} < {old_silhouette}"
    );

    // The retrained model sees the new traffic as stable.
    let after = retrained.drift(fresh.view()).unwrap();
    assert!(
        !policy.decide(&after.report).is_retrain(),
        "{:?}",
        after.report
    );

    std::fs::remove_dir_all(&dir).unwrap();
}
