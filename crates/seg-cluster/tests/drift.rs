//! Drift monitoring: the baseline, batch reports, the streaming monitor,
//! the retrain policy, bad input and hostile baseline files.

use ndarray::{Array2, ArrayView2, Axis, Slice, concatenate};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use seg_cluster::*;
use seg_datasets::Blobs;

/// `n` rows around the given centres (std 1), with one more 0/1 column
/// (share 0.3 of ones), shuffled; `seed` draws both.
fn traffic(centres: &Array2<f64>, n: usize, seed: u64) -> Array2<f64> {
    let blobs = Blobs::params(n, centres.ncols())
        .centres_at(centres.clone())
        .seed(seed)
        .generate()
        .expect("blobs");
    let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x5eed);
    let flag = Array2::from_shape_fn((n, 1), |_| f64::from(u8::from(rng.random_bool(0.3))));
    concatenate(Axis(1), &[blobs.x.view(), flag.view()])
        .expect("same rows")
        .as_standard_layout()
        .into_owned()
}

/// `n` rows drawn at random from the same distribution as [`traffic`]
/// (the first rows of a shuffled set 20 times larger, whose segments
/// are exactly even): segment counts vary as in a random sample.
fn random_batch(centres: &Array2<f64>, n: usize, seed: u64) -> Array2<f64> {
    traffic(centres, 20 * n, seed)
        .slice_axis(Axis(0), Slice::from(..n))
        .to_owned()
}

fn centres(k: usize, d: usize, seed: u64) -> Array2<f64> {
    Blobs::params(k, d)
        .centres(k)
        .seed(seed)
        .generate()
        .expect("centres")
        .centres
}

/// Training data, its model and baseline.
fn fitted(n: usize, k: usize, d: usize, seed: u64) -> (Array2<f64>, Array2<f64>, KMeans, Baseline) {
    let c = centres(k, d, seed);
    let x = traffic(&c, n, seed);
    let model = KMeans::params(k)
        .n_init(2)
        .seed(seed)
        .fit(x.view())
        .expect("fit");
    let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default()).expect("baseline");
    (c, x, model, baseline)
}

#[test]
fn training_data_against_itself_has_zero_score() {
    let (_, x, model, baseline) = fitted(3_000, 3, 4, 1);
    let report = baseline.report(&model, x.view()).unwrap();
    assert_eq!(report.score, 0.0);
    assert_eq!(report.assignment_psi, 0.0);
    assert_eq!(report.distance_psi, 0.0);
    assert!((report.distance_ratio - 1.0).abs() < 1e-12);
    assert_eq!(report.level, DriftLevel::Stable);
    assert_eq!(report.n, 3_000);
    assert_eq!(report.features.len(), 5);
    for (j, f) in report.features.iter().enumerate() {
        assert_eq!((f.index, f.psi), (j, 0.0));
        assert!(f.ks_p_value.unwrap() > 0.01);
    }
    assert!(
        report
            .segment_shares
            .iter()
            .zip(baseline.cluster_shares())
            .all(|(a, b)| a == b)
    );
}

#[test]
fn baseline_bins_are_quantiles_and_one_hot_columns_get_a_bin_per_value() {
    let (_, x, _, baseline) = fitted(10_000, 3, 2, 2);
    assert_eq!(baseline.n_rows(), 10_000);
    for j in 0..2 {
        assert_eq!(baseline.edges(j).unwrap().len(), 9);
        for &s in baseline.shares(j).unwrap() {
            assert!((s - 0.1).abs() < 1e-3, "{s}");
        }
        assert_eq!(baseline.reference_sample(j).unwrap().len(), 1_000);
    }
    // The 0/1 column: bins {0}, {1} and (1, ∞).
    assert_eq!(baseline.edges(2).unwrap(), &[0.0, 1.0]);
    assert_eq!(baseline.shares(2).unwrap()[2], 0.0);
    let ones = x.column(2).sum() / 10_000.0;
    assert!((baseline.shares(2).unwrap()[1] - ones).abs() < 1e-15);
    assert_eq!(baseline.distance_edges().len(), 9);
    assert!(baseline.mean_distance() > 0.0);
    assert!(baseline.edges(3).is_none());
    let total: f64 = baseline.cluster_shares().iter().sum();
    assert!((total - 1.0).abs() < 1e-12);
}

#[test]
fn category_unseen_in_training_is_drift() {
    // A one-hot column that is 0 for every training row.
    let (_, x, model, _) = fitted(2_000, 2, 2, 12);
    let mut x = x;
    x.column_mut(2).fill(0.0);
    let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default()).unwrap();
    assert_eq!(baseline.shares(2).unwrap(), &[1.0, 0.0]);
    let mut batch = x.slice_axis(Axis(0), Slice::from(..1_000)).to_owned();
    batch
        .column_mut(2)
        .iter_mut()
        .step_by(10)
        .for_each(|v| *v = 1.0);
    let report = baseline.report(&model, batch.view()).unwrap();
    assert!(report.features[2].psi > 0.5, "{}", report.features[2].psi);
    assert_eq!(report.level, DriftLevel::Significant);
}

#[test]
fn baseline_size_does_not_grow_with_training_rows() {
    let (_, _, _, small) = fitted(5_000, 3, 3, 3);
    let (_, _, _, large) = fitted(50_000, 3, 3, 3);
    let (a, b) = (
        small.to_json().unwrap().len(),
        large.to_json().unwrap().len(),
    );
    assert!(b < a * 11 / 10, "{a} vs {b} bytes");
}

#[test]
fn reference_sample_depends_on_the_seed_only() {
    let (_, x, model, _) = fitted(5_000, 2, 2, 4);
    let p = BaselineParams::default().sample_size(200).seed(9);
    let a = Baseline::fit(x.view(), &model, &p).unwrap();
    let b = Baseline::fit(x.view(), &model, &p).unwrap();
    let c = Baseline::fit(x.view(), &model, &p.clone().seed(10)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.reference_sample(0), c.reference_sample(0));
    assert_eq!(a.reference_sample(0).unwrap().len(), 200);
    let none = Baseline::fit(x.view(), &model, &BaselineParams::default().sample_size(0)).unwrap();
    let report = none.report(&model, x.view()).unwrap();
    assert!(report.features.iter().all(|f| f.ks_p_value.is_none()));
}

#[test]
fn report_tests_each_feature_against_the_reference_sample() {
    let (c, _, model, baseline) = fitted(5_000, 3, 2, 5);
    let batch = traffic(&c, 2_000, 77);
    let report = baseline.report(&model, batch.view()).unwrap();
    for (j, f) in report.features.iter().enumerate() {
        let column: Vec<f64> = batch.column(j).to_vec();
        let t = ks_two_sample(&column, baseline.reference_sample(j).unwrap()).unwrap();
        assert_eq!(t.method, KsMethod::Exact);
        assert_eq!(f.ks_statistic, Some(t.statistic));
        assert_eq!(f.ks_p_value, Some(t.p_value));
    }
}

#[test]
fn shifted_feature_is_significant_and_drives_the_retrain() {
    let (c, _, model, baseline) = fitted(10_000, 3, 3, 6);
    let mut batch = traffic(&c, 5_000, 8);
    batch.column_mut(1).mapv_inplace(|v| v + 1.5);
    let report = baseline.report(&model, batch.view()).unwrap();
    assert_eq!(report.level, DriftLevel::Significant);
    let top = report
        .features
        .iter()
        .max_by(|a, b| a.psi.total_cmp(&b.psi))
        .unwrap();
    assert_eq!(top.index, 1);
    assert!(top.ks_p_value.unwrap() < 1e-10);
    match RetrainPolicy::default().decide(&report) {
        RetrainDecision::Retrain { score, drivers } => {
            assert_eq!(score, report.score);
            assert!(matches!(drivers[0], DriftSource::Feature { index: 1, .. }));
        }
        other => panic!("expected a retrain, got {other:?}"),
    }
}

#[test]
fn new_traffic_source_moves_segments_and_distances() {
    let (c, _, model, baseline) = fitted(10_000, 3, 4, 7);
    let old = traffic(&c, 3_000, 11);
    // 40% of the batch from a new source far from every centre.
    let far = Array2::from_elem((1, 4), 25.0);
    let new = traffic(&far, 2_000, 12);
    let batch = concatenate(Axis(0), &[old.view(), new.view()]).unwrap();
    let report = baseline.report(&model, batch.view()).unwrap();
    assert!(report.distance_ratio > 2.0, "{}", report.distance_ratio);
    assert!(report.distance_psi > 0.5, "{}", report.distance_psi);
    assert!(report.score > 0.2);
    assert!(RetrainPolicy::default().decide(&report).is_retrain());
}

/// The minimum batch: a batch of `DEFAULT_MIN_BATCH` rows drawn from the
/// training distribution scores below 0.1 (Stable), for several seeds,
/// dimensions and numbers of segments; the mean PSI of a feature is close
/// to its expectation (B − 1)(1/n + 1/N).
#[test]
fn batch_from_training_distribution_scores_stable_at_min_batch() {
    let n = DEFAULT_MIN_BATCH;
    let mut ratios = Vec::new();
    let mut worst: f64 = 0.0;
    for (k, d) in [(3, 2), (5, 8), (8, 19)] {
        for seed in 0..8u64 {
            let (c, _, model, baseline) = fitted(10_000, k, d, 100 + seed);
            let batch = random_batch(&c, n, 1_000 + seed);
            let report = baseline.report(&model, batch.view()).unwrap();
            worst = worst.max(report.score);
            assert!(
                report.score < 0.1,
                "k {k} d {d} seed {seed}: score {}",
                report.score
            );
            assert_eq!(
                RetrainPolicy::default().decide(&report),
                RetrainDecision::Stable {
                    score: report.score
                }
            );
            // Continuous columns have 10 bins.
            let expected = expected_psi_without_drift(10, n, baseline.n_rows());
            let mean: f64 = report.features[..d].iter().map(|f| f.psi).sum::<f64>() / d as f64;
            ratios.push(mean / expected);
        }
    }
    let mean_ratio = ratios.iter().sum::<f64>() / ratios.len() as f64;
    println!("worst score {worst:.4}; measured mean PSI / (B-1)(1/n+1/N) = {mean_ratio:.3}");
    assert!((0.8..1.25).contains(&mean_ratio), "{mean_ratio}");
}

/// Below the minimum batch PSI is inflated: a batch of 50 rows of the
/// training distribution often reads moderate, and the policy refuses to
/// decide.
#[test]
fn small_batches_are_biased_upward_and_not_decided() {
    let (c, _, model, baseline) = fitted(10_000, 3, 4, 20);
    let batch = random_batch(&c, 50, 21);
    let report = baseline.report(&model, batch.view()).unwrap();
    let expected = expected_psi_without_drift(10, 50, 10_000);
    assert!(expected > 0.18);
    assert!(report.score > 0.1, "{}", report.score);
    assert_eq!(
        RetrainPolicy::default().decide(&report),
        RetrainDecision::TooFewRows {
            n: 50,
            min_batch: DEFAULT_MIN_BATCH
        }
    );
}

fn assert_same_psis(a: &DriftReport, b: &DriftReport) {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * x.abs().max(1.0);
    assert_eq!(a.n, b.n);
    assert_eq!(a.features.len(), b.features.len());
    for (f, g) in a.features.iter().zip(&b.features) {
        assert_eq!(f.index, g.index);
        assert!(close(f.psi, g.psi), "{} {}", f.psi, g.psi);
    }
    assert!(close(a.assignment_psi, b.assignment_psi));
    assert!(close(a.distance_psi, b.distance_psi));
    assert!(close(a.distance_ratio, b.distance_ratio));
    assert!(close(a.score, b.score));
    assert_eq!(a.level, b.level);
    for (x, y) in a.segment_shares.iter().zip(&b.segment_shares) {
        assert!(close(*x, *y));
    }
}

#[test]
fn tumbling_monitor_equals_batch_report_over_the_same_visitors() {
    let (c, _, model, baseline) = fitted(5_000, 4, 3, 30);
    let mut stream = traffic(&c, 2_500, 31);
    stream
        .slice_axis_mut(Axis(0), Slice::from(1_500..))
        .column_mut(0)
        .mapv_inplace(|v| v * 1.3 + 0.5);
    let size = 1_000;
    let mut monitor = baseline.monitor(&model, Window::Tumbling { size }).unwrap();
    assert!(matches!(
        monitor.report(),
        Err(ClusterError::EmptyInput { .. })
    ));
    for (i, row) in stream.rows().into_iter().enumerate() {
        monitor.push(row.as_slice().unwrap()).unwrap();
        let start = i / size * size;
        if (i + 1) % 250 == 0 {
            let streamed = monitor.report().unwrap();
            let batch = baseline
                .report(&model, stream.slice_axis(Axis(0), Slice::from(start..=i)))
                .unwrap();
            assert_same_psis(&streamed, &batch);
            assert!(
                streamed
                    .features
                    .iter()
                    .all(|f| f.ks_p_value.is_none() && f.ks_statistic.is_none())
            );
            assert_eq!(monitor.is_window_complete(), (i + 1) % size == 0);
        }
    }
    assert_eq!((monitor.len(), monitor.seen()), (500, 2_500));
    // The monitor keeps the bins, not the reference samples.
    let kept = monitor.baseline();
    assert_eq!(kept.reference_sample(0), Some(&[][..]));
    assert_eq!(kept.edges(1), baseline.edges(1));
    assert_eq!(
        &Baseline::from_json(&kept.to_json().unwrap()).unwrap(),
        kept
    );
    monitor.reset();
    assert!(monitor.is_empty());
}

#[test]
fn decaying_monitor_weights_recent_visitors() {
    let (c, _, model, baseline) = fitted(5_000, 3, 2, 40);
    let calm = traffic(&c, 4_000, 41);
    let mut moved = traffic(&c, 4_000, 42);
    moved.column_mut(0).mapv_inplace(|v| v + 3.0);
    let half_life = 500.0;
    let mut monitor = baseline
        .monitor(&model, Window::Decaying { half_life })
        .unwrap();
    for row in calm.rows() {
        monitor.push(row.as_slice().unwrap()).unwrap();
    }
    let before = monitor.report().unwrap();
    // Effective visitors (Σw)²/Σw² for weights λ^age over t visitors:
    // (1 − λ^t)²/(1 − λ^2t) · (1 + λ)/(1 − λ), about 1431 here (2·h/ln 2 ≈
    // 1443 in the long run).
    let lambda = 0.5f64.powf(1.0 / half_life);
    let t = 4_000;
    let ess = (1.0 - lambda.powi(t)).powi(2) / (1.0 - lambda.powi(2 * t)) * (1.0 + lambda)
        / (1.0 - lambda);
    assert!(
        (before.n as f64 - ess).abs() <= 1.0,
        "{} vs {ess}",
        before.n
    );
    assert!(before.score < 0.1, "{}", before.score);
    for row in moved.rows() {
        monitor.push(row.as_slice().unwrap()).unwrap();
    }
    let after = monitor.report().unwrap();
    assert!(after.features[0].psi > 0.2, "{}", after.features[0].psi);
    assert!(RetrainPolicy::default().decide(&after).is_retrain());
    // A half-life far longer than the stream weights visitors almost
    // equally: close to the batch report of everything.
    let mut flat = baseline
        .monitor(&model, Window::Decaying { half_life: 1e12 })
        .unwrap();
    for row in calm.rows() {
        flat.push(row.as_slice().unwrap()).unwrap();
    }
    let batch = baseline.report(&model, calm.view()).unwrap();
    let streamed = flat.report().unwrap();
    assert_eq!(streamed.n, 4_000);
    assert!((streamed.score - batch.score).abs() < 1e-6);
}

#[test]
fn decaying_monitor_renormalises_without_overflow() {
    let (c, _, model, baseline) = fitted(2_000, 2, 2, 50);
    let rows = traffic(&c, 1_000, 51);
    let mut monitor = baseline
        .monitor(&model, Window::Decaying { half_life: 1.0 })
        .unwrap();
    // 2^1000 would overflow without renormalisation.
    for _ in 0..2 {
        for row in rows.rows() {
            monitor.push(row.as_slice().unwrap()).unwrap();
        }
    }
    let report = monitor.report().unwrap();
    assert!(report.score.is_finite() && report.distance_ratio.is_finite());
    assert_eq!(report.n, 3);
}

#[test]
fn monitor_rejects_bad_rows_and_is_unchanged() {
    let (_, x, model, baseline) = fitted(2_000, 2, 2, 60);
    let mut monitor = baseline
        .monitor(&model, Window::Tumbling { size: 10 })
        .unwrap();
    monitor.push(x.row(0).as_slice().unwrap()).unwrap();
    let before = monitor.report().unwrap();
    assert!(matches!(
        monitor.push(&[1.0, 2.0]),
        Err(ClusterError::DimensionMismatch {
            expected: 3,
            got: 2
        })
    ));
    assert!(matches!(
        monitor.push(&[1.0, f64::INFINITY, 0.0]),
        Err(ClusterError::NonFinite {
            row: 1,
            column: 1,
            ..
        })
    ));
    assert_eq!(monitor.report().unwrap(), before);
    assert_eq!(monitor.seen(), 1);
    assert!(matches!(
        baseline.monitor(&model, Window::Tumbling { size: 0 }),
        Err(ClusterError::InvalidParameter {
            parameter: "size",
            ..
        })
    ));
    for half_life in [0.5, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            baseline.monitor(&model, Window::Decaying { half_life }),
            Err(ClusterError::InvalidParameter {
                parameter: "half_life",
                ..
            })
        ));
    }
}

#[test]
fn batch_with_wrong_number_of_features_is_an_error() {
    let (_, x, model, baseline) = fitted(1_000, 2, 2, 70);
    let narrow = x.slice_axis(Axis(1), Slice::from(..2));
    assert!(matches!(
        baseline.report(&model, narrow),
        Err(ClusterError::DimensionMismatch {
            expected: 3,
            got: 2
        })
    ));
    assert!(matches!(
        Baseline::fit(narrow, &model, &BaselineParams::default()),
        Err(ClusterError::DimensionMismatch {
            expected: 3,
            got: 2
        })
    ));
}

#[test]
fn empty_batch_is_an_error() {
    let (_, _, model, baseline) = fitted(1_000, 2, 2, 71);
    let empty = Array2::<f64>::zeros((0, 3));
    assert!(matches!(
        baseline.report(&model, empty.view()),
        Err(ClusterError::EmptyInput { rows: 0, cols: 3 })
    ));
    assert!(matches!(
        Baseline::fit(empty.view(), &model, &BaselineParams::default()),
        Err(ClusterError::EmptyInput { .. })
    ));
}

#[test]
fn nan_or_infinite_value_names_row_and_column() {
    let (_, x, model, baseline) = fitted(1_000, 2, 2, 72);
    for bad in [f64::NAN, f64::NEG_INFINITY] {
        let mut batch = x.slice_axis(Axis(0), Slice::from(..20)).to_owned();
        batch[[13, 2]] = bad;
        assert!(matches!(
            baseline.report(&model, batch.view()),
            Err(ClusterError::NonFinite {
                row: 13,
                column: 2,
                ..
            })
        ));
        assert!(matches!(
            Baseline::fit(batch.view(), &model, &BaselineParams::default()),
            Err(ClusterError::NonFinite {
                row: 13,
                column: 2,
                ..
            })
        ));
    }
}

#[test]
fn baseline_with_model_of_other_dimension_is_an_error() {
    let (_, x, model, baseline) = fitted(1_000, 2, 2, 73);
    let other_k = KMeans::params(3).seed(0).fit(x.view()).unwrap();
    let err = baseline.report(&other_k, x.view()).unwrap_err();
    assert!(matches!(
        err,
        ClusterError::BaselineMismatch {
            baseline_features: 3,
            baseline_k: 2,
            model_features: 3,
            model_k: 3
        }
    ));
    assert!(err.to_string().contains("3 features and 2 clusters"));
    let narrow = x.slice_axis(Axis(1), Slice::from(..2)).to_owned();
    let other_d = KMeans::params(2).seed(0).fit(narrow.view()).unwrap();
    assert!(matches!(
        baseline.report(&other_d, narrow.view()),
        Err(ClusterError::BaselineMismatch {
            model_features: 2,
            ..
        })
    ));
    assert!(matches!(
        baseline.monitor(&other_d, Window::Tumbling { size: 5 }),
        Err(ClusterError::BaselineMismatch { .. })
    ));
    let _ = model;
}

#[test]
fn invalid_baseline_parameters_are_errors() {
    let (_, x, model, _) = fitted(500, 2, 2, 74);
    for (p, name) in [
        (BaselineParams::default().bins(1), "bins"),
        (BaselineParams::default().bins(MAX_BINS + 1), "bins"),
        (
            BaselineParams::default().sample_size(MAX_REFERENCE_SAMPLE + 1),
            "sample_size",
        ),
    ] {
        match Baseline::fit(x.view(), &model, &p) {
            Err(ClusterError::InvalidParameter { parameter, .. }) => assert_eq!(parameter, name),
            other => panic!("{other:?}"),
        }
    }
    // More bins than rows: edges collapse, bins stay well defined.
    let few = x.slice_axis(Axis(0), Slice::from(..5));
    let b = Baseline::fit(few, &model, &BaselineParams::default().bins(MAX_BINS)).unwrap();
    assert_eq!(b.edges(0).unwrap().len(), 5);
    assert_eq!(b.report(&model, few).unwrap().score, 0.0);
}

#[test]
fn retrain_policy_decisions() {
    let (c, _, model, baseline) = fitted(5_000, 3, 2, 80);
    let calm = baseline
        .report(&model, traffic(&c, 2_000, 81).view())
        .unwrap();
    let policy = RetrainPolicy::default();
    assert!(matches!(
        policy.decide(&calm),
        RetrainDecision::Stable { .. }
    ));
    // A threshold below the calm score does not retrain on noise: no PSI
    // of the calm batch is significant.
    let eager = RetrainPolicy::new(calm.score / 2.0, 10).unwrap();
    assert!(calm.features.iter().all(|f| !f.significant) && !calm.assignment_significant);
    assert!(!eager.decide(&calm).is_retrain());
    // The same PSIs, significant, retrain under it.
    let mut flagged = calm.clone();
    flagged
        .features
        .iter_mut()
        .for_each(|f| f.significant = true);
    assert!(eager.decide(&flagged).is_retrain());
    // Moderate drift is watched, not retrained.
    let mut report = calm.clone();
    report.score = 0.15;
    report.level = DriftLevel::Moderate;
    assert_eq!(
        policy.decide(&report),
        RetrainDecision::Watch {
            score: 0.15,
            level: DriftLevel::Moderate
        }
    );
    // Drivers: every significant PSI above the threshold, largest first.
    report.features[0].psi = 0.3;
    report.features[1].psi = 0.5;
    report.features[2].psi = 0.6; // not significant: no driver
    report.assignment_psi = 0.4;
    report.features[0].significant = true;
    report.features[1].significant = true;
    report.assignment_significant = true;
    report.score = 0.5;
    match policy.decide(&report) {
        RetrainDecision::Retrain { drivers, .. } => assert_eq!(
            drivers,
            vec![
                DriftSource::Feature { index: 1, psi: 0.5 },
                DriftSource::Assignment { psi: 0.4 },
                DriftSource::Feature { index: 0, psi: 0.3 },
            ]
        ),
        other => panic!("{other:?}"),
    }
    for (t, m) in [(0.0, 10), (f64::NAN, 10), (f64::INFINITY, 10), (0.2, 0)] {
        assert!(RetrainPolicy::new(t, m).is_err());
    }
    let json = serde_json::to_string(&policy).unwrap();
    assert_eq!(
        serde_json::from_str::<RetrainPolicy>(&json).unwrap(),
        policy
    );
    assert!(serde_json::from_str::<RetrainPolicy>(r#"{"threshold":-1.0,"min_batch":5}"#).is_err());
}

// ---- Saved baselines ------------------------------------------------------

fn small() -> (Array2<f64>, KMeans, Baseline) {
    let (_, x, model, _) = fitted(300, 3, 2, 90);
    let baseline = Baseline::fit(
        x.view(),
        &model,
        &BaselineParams::default().bins(4).sample_size(20),
    )
    .unwrap();
    (x, model, baseline)
}

#[test]
fn baseline_round_trips_through_json() {
    let (x, model, baseline) = small();
    let json = baseline.to_json().unwrap();
    assert!(json.starts_with(r#"{"format":"seg-cluster/drift-baseline","format_version":1"#));
    let back = Baseline::from_json(&json).unwrap();
    assert_eq!(back, baseline);
    let via_serde: Baseline = serde_json::from_str(&json).unwrap();
    assert_eq!(via_serde, baseline);
    assert_eq!(
        back.report(&model, x.view()).unwrap(),
        baseline.report(&model, x.view()).unwrap()
    );
}

/// The valid baseline as JSON, edited by `edit`.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let (_, _, baseline) = small();
    let mut v: serde_json::Value = serde_json::from_str(&baseline.to_json().unwrap()).unwrap();
    edit(&mut v);
    v.to_string()
}

#[test]
fn hand_written_hostile_baselines_are_named_errors() {
    let invalid = |json: String, what: &str| match Baseline::from_json(&json) {
        Err(ClusterError::InvalidArtifact {
            artifact: "drift baseline",
            reason,
        }) => {
            assert!(reason.contains(what), "{reason} lacks {what}")
        }
        other => panic!("{what}: {other:?}"),
    };
    invalid(
        edited(|v| v["features"][0]["shares"][0] = 0.9.into()),
        "sum",
    );
    invalid(
        edited(|v| v["features"][1]["edges"] = serde_json::json!([2.0, 1.0, 3.0])),
        "increasing",
    );
    invalid(
        edited(|v| v["features"][0]["sample"][0] = 1e300.into()),
        "sorted",
    );
    invalid(edited(|v| v["n_features"] = 2.into()), "n_features");
    invalid(edited(|v| v["k"] = 5.into()), "k = 5");
    invalid(edited(|v| v["cluster_shares"][0] = (-0.5).into()), "share");
    invalid(
        edited(|v| v["mean_distance"] = (-1.0).into()),
        "mean distance",
    );
    invalid(edited(|v| v["bins"] = 1.into()), "bins");
    invalid(edited(|v| v["n_rows"] = 0.into()), "n_rows");
    invalid(
        edited(|v| v["features"][0]["shares"] = serde_json::json!([1.0])),
        "shares for",
    );
    assert!(matches!(
        Baseline::from_json(&edited(|v| v["format_version"] = 2.into())),
        Err(ClusterError::UnsupportedFormat {
            artifact: "drift baseline",
            ..
        })
    ));
    assert!(matches!(
        Baseline::from_json(&edited(|v| v["format"] = "seg-cluster/kmeans".into())),
        Err(ClusterError::UnsupportedFormat { .. })
    ));
    let json = edited(|_| {});
    assert!(matches!(
        Baseline::from_json(&json[..json.len() / 2]),
        Err(ClusterError::Json {
            artifact: "drift baseline",
            ..
        })
    ));
    assert!(matches!(
        Baseline::from_json(&edited(|v| v["extra"] = 1.into())),
        Err(ClusterError::Json { .. })
    ));
}

/// A model with the loaded baseline's shape: k distinct centres in d
/// dimensions.
fn model_for(b: &Baseline) -> KMeans {
    let (k, d) = (b.k(), b.n_features());
    let c = Array2::from_shape_fn((k, d), |(i, j)| (i * (j + 1)) as f64);
    KMeans::params(k)
        .init(Init::Explicit(c.clone()))
        .max_iter(1)
        .fit(c.view())
        .unwrap()
}

/// Rows of width `d`, including extreme values.
fn points(d: usize) -> Array2<f64> {
    let values = [0.0, -1.0, 1e308, -1e308, 1e-320, 3.5, 0.25];
    Array2::from_shape_fn((values.len(), d), |(i, j)| values[(i + j) % values.len()])
}

fn exercise(b: &Baseline) {
    let model = model_for(b);
    let x = points(b.n_features());
    let report = b.report(&model, x.view()).unwrap();
    assert_eq!(report.features.len(), b.n_features());
    assert!(report.score >= 0.0);
    for window in [
        Window::Tumbling { size: 3 },
        Window::Decaying { half_life: 2.0 },
    ] {
        let mut m = b.monitor(&model, window).unwrap();
        for row in x.rows() {
            m.push(&row.to_vec()).unwrap();
        }
        m.report().unwrap();
    }
    let _ = RetrainPolicy::default().decide(&report);
    let again = Baseline::from_json(&b.to_json().unwrap()).unwrap();
    assert_eq!(&again, b);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(seg_testdata::hostile_cases()))]

    #[test]
    fn hostile_baseline_files_never_panic(json in seg_testdata::hostile_json(
        serde_json::from_str(&small().2.to_json().unwrap()).unwrap()
    )) {
        if let Ok(b) = Baseline::from_json(&json) {
            exercise(&b);
        }
        if let Ok(b) = serde_json::from_str::<Baseline>(&json) {
            exercise(&b);
        }
    }
}

#[test]
fn report_accepts_non_contiguous_views() {
    let (_, x, model, baseline) = fitted(1_000, 2, 2, 91);
    let t = x.t().to_owned();
    let view: ArrayView2<f64> = t.t();
    assert_eq!(
        baseline.report(&model, view).unwrap(),
        baseline.report(&model, x.view()).unwrap()
    );
}
