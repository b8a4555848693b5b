//! The steps of the walk-through, one function each, computing the
//! report; [`walk`] calls them in order. Nothing here prints.

use std::path::PathBuf;
use std::time::Instant;

use segmentation::bandit::{
    AdaptiveEstimator, DecisionLog, Experiment, Prior, SqliteStore, StateStore, WarmStart,
    analytics::prob_b_beats_a,
};
use segmentation::cluster::{
    AutoK, ChallengeParams, KSelection, RetrainPolicy, SegmentDrift, Window,
};
use segmentation::datasets::{SimulatedVisitor, TrafficSimulator};
use segmentation::features::{Categorical, FieldKind, Numeric, Scaler, Schema, Unknown, Value};
use segmentation::pipeline::{SegmentDescription, Segmentation, Segmenter, describe_segments};
use segmentation::power::{Correction, Mde, ProportionTest, srm_test};
use segmentation::validate::QualityGate;

use crate::error::DemoError;
use crate::experiment::{Run, SegmentRun, VARIANTS};
use crate::options::DemoOptions;
use crate::profile;
use crate::report::{
    ChoiceStep, DayLine, ExperimentStep, FeaturesStep, FieldRow, FilesStep, GateStep, NewVersion,
    PlanStep, PsiRow, SegmentPlan, SegmentProfile, SegmentResult, SegmentsStep, ShiftStep,
    WalkReport,
};

/// The overall conversion rate of the seed's first case.
pub(crate) const CONVERSION: f64 = 0.025;
/// Days in the month of traffic the segments are fitted on.
const MONTH_DAYS: usize = 30;
/// The duration the seed promised for a test.
pub(crate) const PROMISED_DAYS: f64 = 15.0;
/// The seed's promised sample per variant.
const PROMISED_PER_VARIANT: f64 = 2_500.0;
/// The lift to detect, relative.
pub(crate) const LIFT: f64 = 0.10;
/// Power of the plan.
pub(crate) const POWER: f64 = 0.8;
/// Family-wise α.
pub(crate) const ALPHA: f64 = 0.05;
/// Rows on which the silhouette is computed when choosing k and in the
/// quality gate (a stratified sample above that).
pub(crate) const SILHOUETTE_ROWS: usize = 10_000;
/// Pseudo-count cap of the warm-start priors.
pub(crate) const WARM_START_CAP: f64 = 200.0;

/// The positions, in a web-visitor record, of the fields the walk-through
/// segments on.
const FIELDS: [usize; 7] = [0, 1, 2, 3, 4, 9, 10];

/// A demo record: the seven fields of [`demo_schema`].
pub(crate) type Record = [Value<'static>; 7];

/// A web-visitor record (seg-features' `WebVisitor::record`) reduced to
/// the fields of [`demo_schema`], without allocating.
pub(crate) fn project(record: &[Value<'static>; 11]) -> Record {
    FIELDS.map(|i| record[i].clone())
}

/// The schema the walk-through segments visitors with: who they are and
/// how they behave — engagement (sessions, pages, time, bounce), device,
/// traffic source and returning or new. Time of day, weekday, browser and
/// country are left out: they say when and with what a visitor came, and
/// blur the behavioural segments.
///
/// # Example
///
/// ```
/// let schema = seg_demo::demo_schema();
/// assert_eq!(schema.fields().len(), 7);
/// assert_eq!(schema.fields()[0].name(), "sessions");
/// ```
pub fn demo_schema() -> Schema {
    let heavy = Numeric::new(Scaler::MinMax)
        .log1p()
        .clip_quantiles(0.0, 0.99);
    let schema = Schema::builder()
        .numeric("sessions", heavy)
        .numeric("pages_per_session", heavy)
        .numeric("avg_session_seconds", heavy)
        .numeric("bounce_rate", Numeric::new(Scaler::MinMax))
        .categorical("device", Categorical::new().max_categories(3))
        .categorical(
            "traffic_source",
            Categorical::new().max_categories(3).unknown(Unknown::Other),
        )
        .boolean("returning")
        .build();
    match schema {
        Ok(schema) => schema,
        Err(e) => unreachable!("the demo schema is valid: {e}"),
    }
}

/// Runs the walk-through (see the [crate documentation](crate)) and
/// returns what it computed; print it with `Display` (or use [`run`](crate::run),
/// which does both).
///
/// It writes the SQLite file and the saved segmentations into the state
/// folder, and the SVG charts into the chart folder when one is given.
///
/// # Errors
///
/// [`DemoError::InvalidParameter`] for fewer than 3,000 visitors a month
/// or 0 days, or a state folder that already holds `bandit.sqlite`;
/// [`DemoError::Io`] when a folder or a chart cannot be written;
/// [`DemoError::Chart`] when a chart cannot be drawn; the errors of the
/// libraries it runs (none on the default configuration).
///
/// # Example
///
/// ```
/// use seg_demo::{DemoOptions, walk};
///
/// let dir = std::env::temp_dir().join(format!("seg-demo-doc-walk-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let options = DemoOptions::new(1)
///     .visitors_per_month(6_000)
///     .days(3, 7)
///     .created_at(1_700_000_000)
///     .state_dir(&dir);
/// let report = walk(&options)?;
/// assert_eq!(report.plan.plans.len(), report.choice.k);
/// // The default policy retrains on the new source; on this small month the
/// // retrained model may lose to the current one on held-out traffic.
/// assert!(report.shift.retrain_reason.as_ref().is_some_and(|r| r.contains("tiktok")));
/// match &report.shift.retrained {
///     Some(next) => assert_eq!((next.version, next.parent), (2, Some(1))),
///     None => assert!(report.shift.kept.as_ref().is_some_and(|k| k.contains("not promoted"))),
/// }
/// assert!(report.to_string().starts_with("== 1. Features\n"));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn walk(options: &DemoOptions) -> Result<WalkReport, DemoError> {
    let started = Instant::now();
    options.check()?;
    let month = month(options)?;
    let segmenter = segmenter(options);
    let fit_started = Instant::now();
    let segmentation = segmenter.fit(&month.records)?;
    let fit_seconds = fit_started.elapsed().as_secs_f64();
    let selection = segmentation.model().selection();
    let quality = segmentation.model().quality();

    let features = features(options, &month, &segmentation)?;
    let choice = ChoiceStep {
        fit_seconds,
        scores: selection.scores.clone(),
        k: selection.k,
        reason: selection.reason.clone(),
        model_version: segmentation.model_version(),
    };
    let (found, segments) = segments(&month, &segmentation)?;
    let gate = GateStep {
        checks: quality.checks().to_vec(),
        passed: quality.passed(),
        sampled: quality.sampled(),
    };
    let (planned, plan) = plan(&month, &found)?;
    let mut state = open_state(options)?;
    let (runs, experiment) =
        experiment(options, &month, &segmentation, &found, &planned, &mut state)?;
    let payoff = crate::payoff::payoff(
        &mut state.store,
        state.experiment.name(),
        &runs,
        &found.names,
    )?;
    let shift = shift(
        options,
        &month,
        &segmenter,
        &segmentation,
        &planned,
        &mut state,
    )?;
    let charts = charts(options, selection, &found, &runs, &shift)?;
    let files = FilesStep {
        state_dir: state.dir.clone(),
        events: state.store.event_count(state.experiment.name())?,
        pipeline_files: shift.pipeline_files.clone(),
        charts_dir: options.charts.as_deref().map(PathBuf::from),
        charts,
    };
    Ok(WalkReport {
        features,
        choice,
        segments,
        gate,
        plan,
        experiment,
        payoff,
        shift,
        files,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The segmenter of the walk-through: [`demo_schema`], k in 2..=8, the
/// silhouette on 10,000 sampled rows when choosing k and in the gate.
fn segmenter(options: &DemoOptions) -> Segmenter {
    let s = Segmenter::new(demo_schema())
        .auto_k(AutoK::params().silhouette_sample(SILHOUETTE_ROWS))
        .seed(options.seed)
        .quality_gate(QualityGate::new().sample_above(SILHOUETTE_ROWS));
    match options.created_at {
        Some(t) => s.created_at(t),
        None => s,
    }
}

/// The simulated month the segments are fitted on.
struct Month {
    sim: TrafficSimulator,
    /// Planted conversion probability per planted segment and variant.
    truth: Vec<Vec<f64>>,
    planted: Vec<String>,
    visitors: Vec<SimulatedVisitor>,
    records: Vec<Record>,
    daily: usize,
}

/// The default segments with their conversion scaled so that the overall
/// rate under the control is the seed's 2.5%, and a month of their
/// traffic.
fn month(options: &DemoOptions) -> Result<Month, DemoError> {
    let mut sim = TrafficSimulator::default_segments().seed(options.seed);
    let shares = sim.segment_shares()?;
    let control: f64 = shares
        .iter()
        .zip(sim.segments())
        .map(|(s, seg)| s * seg.conversion.first().copied().unwrap_or(0.0))
        .sum();
    let factor = CONVERSION / control;
    for seg in sim.segments_mut() {
        for p in &mut seg.conversion {
            *p *= factor;
        }
    }
    let truth = sim
        .segments()
        .iter()
        .map(|s| s.conversion.clone())
        .collect();
    let planted = sim.segments().iter().map(|s| s.name.clone()).collect();
    let visitors = sim.simulate(options.visitors_per_month)?;
    let records = visitors.iter().map(|v| project(&v.record())).collect();
    Ok(Month {
        sim,
        truth,
        planted,
        visitors,
        records,
        daily: (options.visitors_per_month / MONTH_DAYS).max(1),
    })
}

/// Step 1: each field, its encoding and its output features.
fn features(
    options: &DemoOptions,
    month: &Month,
    segmentation: &Segmentation,
) -> Result<FeaturesStep, DemoError> {
    let transformer = segmentation.transformer();
    let names = transformer.feature_names();
    let mut fields = Vec::with_capacity(transformer.schema().fields().len());
    for field in transformer.schema().fields() {
        let encoding = match field.kind() {
            FieldKind::Numeric(spec) => {
                let mut e = Vec::new();
                if spec.uses_log1p() {
                    e.push("log1p".to_owned());
                }
                if let Some([_, hi]) = spec.quantiles() {
                    e.push(format!("clipped at the {:.0}th percentile", 100.0 * hi));
                }
                e.push("MinMax".to_owned());
                format!("numeric: {}", e.join(", "))
            }
            FieldKind::Categorical(_) => {
                "categorical: one-hot, rare and new categories in <other>".to_owned()
            }
            FieldKind::Boolean => "boolean: 0/1".to_owned(),
            FieldKind::Cyclic { period } => format!("cyclic ({period}): sin, cos"),
        };
        let columns = transformer.columns_of(field.name())?;
        fields.push(FieldRow {
            name: field.name().to_owned(),
            encoding,
            features: names.get(columns).map_or_else(Vec::new, <[String]>::to_vec),
        });
    }
    Ok(FeaturesStep {
        seed: options.seed,
        visitors: options.visitors_per_month,
        daily: month.daily,
        n_features: transformer.n_features(),
        fields,
    })
}

/// What step 3 found, for the later steps: each visitor's segment, the
/// profiles, the names of the segments.
struct Found {
    labels: Vec<usize>,
    profiles: Vec<SegmentDescription>,
    names: Vec<String>,
}

/// Step 3: the segments in original units.
fn segments(
    month: &Month,
    segmentation: &Segmentation,
) -> Result<(Found, SegmentsStep), DemoError> {
    let k = segmentation.k();
    let labels = segmentation.assign(&month.records)?;
    let truth: Vec<usize> = month.visitors.iter().map(|v| v.segment).collect();
    let ari = segmentation::validate::adjusted_rand_index(&truth, &labels)?;
    let schema = segmentation.transformer().schema();
    let profiles = describe_segments(schema, &month.records, &labels, k)?;
    let names: Vec<String> = (1..=k).map(|i| format!("S{i}")).collect();
    let mut rows = Vec::with_capacity(k);
    for (s, p) in profiles.iter().enumerate() {
        let mut planted = vec![0usize; month.planted.len()];
        for (&l, &t) in labels.iter().zip(&truth) {
            if l == s
                && let Some(c) = planted.get_mut(t)
            {
                *c += 1;
            }
        }
        let (best, count) = planted
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .map_or((0, 0), |(i, c)| (i, *c));
        rows.push(SegmentProfile {
            name: names[s].clone(),
            share: p.share,
            size: p.size,
            mostly: month
                .planted
                .get(best)
                .map_or_else(|| "?".to_owned(), String::clone),
            mostly_count: count,
            traits: p.traits.iter().take(3).map(profile::sentence).collect(),
        });
    }
    let step = SegmentsStep {
        segments: rows,
        n_planted: month.planted.len(),
        agreement_with_planted: ari,
    };
    Ok((
        Found {
            labels,
            profiles,
            names,
        },
        step,
    ))
}

/// What step 5 planned, for the later steps: the mixing variance of each
/// segment's sequential test and the per-comparison α.
struct Planned {
    tau2: Vec<f64>,
    alpha_c: f64,
}

/// Step 5: the plan, unsegmented and per segment, with honest numbers.
fn plan(month: &Month, found: &Found) -> Result<(Planned, PlanStep), DemoError> {
    let daily = month.daily as f64;
    let k = found.names.len();
    let m = k * (VARIANTS.len() - 1);
    let alpha_c = Correction::Bonferroni.per_comparison_alpha(ALPHA, m)?;
    let overall = ProportionTest::new(CONVERSION).alpha(ALPHA);
    let overall_n = overall.sample_size(Mde::Relative(LIFT), POWER)?;
    let promised = overall.mde(PROMISED_PER_VARIANT, POWER)?;
    let in_15 = overall.mde(daily / 2.0 * PROMISED_DAYS, POWER)?;
    let mut plans = Vec::with_capacity(k);
    let mut tau2 = Vec::with_capacity(k);
    for (s, name) in found.names.iter().enumerate() {
        let (mut n0, mut x0) = (0usize, 0usize);
        for (v, &l) in month.visitors.iter().zip(&found.labels) {
            if l == s && v.variant == 0 {
                n0 += 1;
                x0 += usize::from(v.converted);
            }
        }
        // No conversion observed: half a conversion, so that the plan
        // shows how hopeless the segment is rather than failing.
        let conversions = if x0 == 0 { 0.5 } else { x0 as f64 };
        let baseline = (conversions / n0.max(1) as f64).clamp(1e-6, 0.5);
        let share = found.profiles.get(s).map_or(0.0, |p| p.share);
        let test = ProportionTest::new(baseline).alpha(alpha_c);
        let n = test.sample_size(Mde::Relative(LIFT), POWER)?;
        let per_day = daily * share / 2.0;
        let days = n.n1 / per_day.max(f64::MIN_POSITIVE);
        let achievable = days <= PROMISED_DAYS;
        let detectable = if achievable || per_day * PROMISED_DAYS < 1.0 {
            None
        } else {
            test.mde(per_day * PROMISED_DAYS, POWER)
                .ok()
                .map(|m| m.relative)
        };
        tau2.push((LIFT * baseline).powi(2));
        plans.push(SegmentPlan {
            segment: name.clone(),
            share,
            baseline,
            n_per_variant: n.n1_ceil,
            days,
            achievable,
            detectable_in_15_days: detectable,
        });
    }
    let step = PlanStep {
        daily,
        comparisons: m,
        alpha_per_comparison: alpha_c,
        overall_n: overall_n.n1,
        overall_n_ceil: overall_n.n1_ceil,
        promised_relative: promised.relative,
        promised_p2: promised.p2,
        in_15_days_relative: in_15.relative,
        plans,
    };
    Ok((Planned { tau2, alpha_c }, step))
}

/// The experiment's state: its folder, the SQLite file and store, the
/// experiment, the warm start.
struct State {
    dir: PathBuf,
    file: PathBuf,
    store: SqliteStore,
    experiment: Experiment,
    warm: WarmStart,
}

/// A new SQLite store in the options' state folder (or a new temporary
/// one) with the experiment created.
fn open_state(options: &DemoOptions) -> Result<State, DemoError> {
    let dir = match &options.state_dir {
        Some(d) => d.clone(),
        None => fresh_temp_dir(options.seed)?,
    };
    std::fs::create_dir_all(&dir).map_err(|source| DemoError::Io {
        path: dir.clone(),
        source,
    })?;
    let file = dir.join("bandit.sqlite");
    if file.exists() {
        return Err(DemoError::InvalidParameter {
            parameter: "state_dir",
            value: dir.display().to_string(),
            reason: "holds a bandit.sqlite from an earlier run: give an empty folder",
        });
    }
    let mut store = SqliteStore::open(&file)?;
    let experiment = Experiment::new("checkout-button", VARIANTS, Prior::uniform())?;
    store.create_experiment(&experiment)?;
    Ok(State {
        dir,
        file,
        store,
        experiment,
        warm: WarmStart::new(WARM_START_CAP)?,
    })
}

/// A new, empty folder for the state under the system's temporary folder.
fn fresh_temp_dir(seed: u64) -> Result<PathBuf, DemoError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "segmentation-demo-{}-{seed}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|source| DemoError::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

/// Step 6: the experiment, day by day, and its results; returns what each
/// segment saw too, for the charts.
fn experiment(
    options: &DemoOptions,
    month: &Month,
    segmentation: &Segmentation,
    found: &Found,
    planned: &Planned,
    state: &mut State,
) -> Result<(Vec<SegmentRun>, ExperimentStep), DemoError> {
    let names: Vec<String> = found.names.iter().map(|n| format!("v1-{n}")).collect();
    for name in &names {
        let others = state.store.all_states(state.experiment.name())?;
        let priors = state.warm.priors(&state.experiment, &others)?;
        state
            .store
            .create_segment(state.experiment.name(), name, &priors)?;
    }
    let seed = options.seed;
    let days = options.experiment_days;
    let mut stream = month.sim.clone().seed(seed.wrapping_add(1)).stream()?;
    let mut run = Run::new(
        &mut state.store,
        &state.experiment,
        segmentation,
        &month.truth,
        names,
        &planned.tau2,
        planned.alpha_c,
        seed.wrapping_add(11),
    )?;
    let mut lines = Vec::new();
    for day in 1..=days {
        let notes = run.day(day, month.daily, &mut stream)?;
        let weekly = day == 1 || day % 7 == 0 || day == days;
        if weekly || !notes.is_empty() {
            let treatment_allocation = run
                .segments
                .iter()
                .zip(&found.names)
                .map(|(s, n)| {
                    let share = s.treatment_share.last().copied().unwrap_or(0.0);
                    (n.clone(), share)
                })
                .collect();
            lines.push(DayLine {
                day,
                treatment_allocation,
                notes,
            });
        }
    }
    let runs = run.segments;

    // The end: per segment, P(T > C) from the stored posteriors, the
    // mSPRT p-value and Holm.
    let pvalues: Vec<f64> = runs.iter().map(|s| s.last_p).collect();
    let holm = Correction::Holm.adjust(&pvalues, ALPHA)?;
    let all_states = state.store.all_states(state.experiment.name())?;
    // Honest per-variant conversions from the decision log's period batches.
    let mut honest = AdaptiveEstimator::new(VARIANTS)?;
    for batch in state.store.period_batches(state.experiment.name())? {
        honest.push_batch(&batch)?;
    }
    let honest = honest.report(ALPHA)?;
    let mut results = Vec::with_capacity(runs.len());
    for (i, (s, name)) in runs.iter().zip(&found.names).enumerate() {
        let state_of = |variant: &str| {
            all_states
                .iter()
                .find(|st| st.segment == s.name && st.variant == variant)
                .map(|st| st.state)
        };
        let p_better = match (state_of(VARIANTS[0]), state_of(VARIANTS[1])) {
            (Some(a), Some(b)) => prob_b_beats_a(&a, &b)?,
            _ => f64::NAN,
        };
        let estimate = |v: usize, ipw: bool| {
            honest
                .segment(&s.name)
                .and_then(|seg| seg.estimates.variant(VARIANTS[v]))
                .map_or(f64::NAN, |e| {
                    if ipw {
                        e.ipw.value
                    } else {
                        e.period_weighted.value
                    }
                })
        };
        results.push(SegmentResult {
            segment: name.clone(),
            visitors: s.visitors,
            conversions: s.conversions,
            planted: s.planted,
            period_weighted: [estimate(0, false), estimate(1, false)],
            ipw: [estimate(0, true), estimate(1, true)],
            prob_treatment_better: p_better,
            msprt_p: s.last_p,
            holm_p: holm.adjusted.get(i).copied().unwrap_or(1.0),
            significant: holm.reject.get(i).copied().unwrap_or(false),
        });
    }
    let step = ExperimentStep {
        state_file: state.file.clone(),
        alpha: planned.alpha_c,
        days: lines,
        results,
        events: state.store.event_count(state.experiment.name())?,
        srm_tests: runs.len() * days,
        srm_mismatches: runs.iter().map(|s| s.srm_mismatches).sum(),
        srm_smallest_p: runs.iter().map(|s| s.srm_smallest_p).fold(1.0f64, f64::min),
        srm_run_smallest_p: runs
            .iter()
            .map(|s| s.srm_run.test().map(|t| t.p_value))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .fold(1.0f64, f64::min),
        srm_fixed_ratio_smallest_p: runs
            .iter()
            .map(|s| srm_test(&s.visitors, &[0.5, 0.5]).map(|t| t.p_value))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .fold(1.0f64, f64::min),
        sequential_stops: runs
            .iter()
            .zip(&found.names)
            .filter_map(|(s, n)| s.stopped_on.map(|d| (n.clone(), d)))
            .collect(),
    };
    Ok((runs, step))
}

/// Step 7: the shift, its drift (batch and streaming), the retrain
/// policy, the new version; the experiment goes on in its segments.
fn shift(
    options: &DemoOptions,
    month: &Month,
    segmenter: &Segmenter,
    segmentation: &Segmentation,
    planned: &Planned,
    state: &mut State,
) -> Result<ShiftStep, DemoError> {
    let seed = options.seed;
    let week = month.daily * options.days_after_shift;
    let simulate = |sim: TrafficSimulator, seed: u64| -> Result<Vec<Record>, DemoError> {
        Ok(sim
            .seed(seed)
            .simulate(week)?
            .iter()
            .map(|v| project(&v.record()))
            .collect())
    };
    let like_before = simulate(month.sim.clone(), seed.wrapping_add(2))?;
    let shifted_sim = month.sim.clone().drifted();
    let shifted = simulate(shifted_sim.clone(), seed.wrapping_add(3))?;
    let before = segmentation.drift(&like_before)?;
    let after = segmentation.drift(&shifted)?;
    let by_psi = by_psi(&before.segments, &after.segments);

    // The streaming monitor sees it after one day of the new traffic.
    let mut monitor = segmentation.monitor(Window::Tumbling { size: month.daily })?;
    for record in shifted.iter().take(month.daily) {
        monitor.push(record)?;
    }
    let streamed = monitor.report()?;

    // The library's default policy.
    let policy = RetrainPolicy::default();
    let decision = after.decide(&policy);
    let new_categories = after
        .fields
        .iter()
        .flat_map(|f| {
            f.new_categories
                .iter()
                .map(|c| (f.name.clone(), c.value.clone(), c.share))
        })
        .collect();
    let mut pipeline_files = vec![state.dir.join("segmentation-v1.json")];
    segmentation.save(&pipeline_files[0])?;
    let mut step = ShiftStep {
        week,
        by_psi,
        assignment_psi_before: before.segments.report.assignment_psi,
        assignment_psi_after: after.segments.report.assignment_psi,
        score_before: before.score,
        level_before: before.level,
        score_after: after.score,
        level_after: after.level,
        distance_ratio: after.segments.report.distance_ratio,
        new_categories,
        retrain_reason: after.retrain_reason(&policy),
        streamed_score: streamed.score,
        streamed_level: streamed.level,
        kept: None,
        retrained: None,
        pipeline_files: Vec::new(),
    };
    if !decision.is_retrain() {
        step.kept = Some(format!("{decision:?}"));
        step.pipeline_files = pipeline_files;
        return Ok(step);
    }
    // Champion and challenger: the retrained model replaces the current one
    // only when it passes its quality gate and is not worse on a held-out
    // fifth of the new traffic.
    let challenger = segmenter.challenge(segmentation, &shifted, &ChallengeParams::default())?;
    let champion_silhouette = challenger.challenge.champion_silhouette();
    let challenger_silhouette = challenger.challenge.challenger_silhouette();
    if let Some(reason) = challenger.reason() {
        step.kept = Some(format!("the retrained model is not promoted: {reason}"));
        step.pipeline_files = pipeline_files;
        return Ok(step);
    }
    let next = challenger.segmentation;
    let path = state
        .dir
        .join(format!("segmentation-v{}.json", next.model_version()));
    next.save(&path)?;
    pipeline_files.push(path);
    let against_next = next.drift(&shifted)?;
    let mut version = NewVersion {
        version: next.model_version(),
        parent: next.parent_version(),
        created_at: next.model().created_at_rfc3339(),
        k: next.k(),
        reason: next.model().selection().reason.clone(),
        champion_silhouette,
        challenger_silhouette,
        quality_passed: next.model().quality().passed(),
        drift_score: against_next.score,
        drift_level: against_next.level,
        old_segments: 0,
        priors: Vec::new(),
        days: options.days_after_shift,
        treatment_allocation: Vec::new(),
    };
    go_on(
        options,
        month,
        &next,
        planned,
        state,
        shifted_sim,
        &mut version,
    )?;
    step.retrained = Some(version);
    step.pipeline_files = pipeline_files;
    Ok(step)
}

/// Every feature's PSI before and after the shift, with the
/// Kolmogorov-Smirnov p-value after, highest PSI after first.
fn by_psi(before: &SegmentDrift, after: &SegmentDrift) -> Vec<PsiRow> {
    let mut rows: Vec<PsiRow> = after
        .features()
        .zip(before.features())
        .map(|((name, a), (_, b))| PsiRow {
            feature: name.to_owned(),
            before: b.psi,
            after: a.psi,
            ks_p_value: a.ks_p_value,
        })
        .collect();
    rows.sort_by(|a, b| b.after.total_cmp(&a.after));
    rows
}

/// The experiment goes on in the new version's segments, created with
/// warm-start priors from the old segments' posteriors.
fn go_on(
    options: &DemoOptions,
    month: &Month,
    next: &Segmentation,
    planned: &Planned,
    state: &mut State,
    shifted_sim: TrafficSimulator,
    version: &mut NewVersion,
) -> Result<(), DemoError> {
    let names: Vec<String> = (1..=next.k())
        .map(|i| format!("v{}-S{i}", next.model_version()))
        .collect();
    let old = state.store.all_states(state.experiment.name())?;
    version.old_segments = old.len() / VARIANTS.len();
    let priors = state.warm.priors(&state.experiment, &old)?;
    for name in &names {
        state
            .store
            .create_segment(state.experiment.name(), name, &priors)?;
    }
    version.priors = priors
        .iter()
        .zip(VARIANTS)
        .map(|(p, v)| (v.to_owned(), p.alpha(), p.beta()))
        .collect();
    let tau2 = vec![(LIFT * CONVERSION).powi(2); next.k()];
    let mut stream = shifted_sim.seed(options.seed.wrapping_add(4)).stream()?;
    let mut run = Run::new(
        &mut state.store,
        &state.experiment,
        next,
        &month.truth,
        names,
        &tau2,
        planned.alpha_c,
        options.seed.wrapping_add(12),
    )?;
    for day in 1..=options.days_after_shift {
        run.day(options.experiment_days + day, month.daily, &mut stream)?;
    }
    version.treatment_allocation = run
        .segments
        .iter()
        .map(|s| {
            let share = s.treatment_share.last().copied().unwrap_or(0.0);
            (s.name.clone(), share)
        })
        .collect();
    Ok(())
}

/// The four charts, when the options name a folder.
fn charts(
    options: &DemoOptions,
    selection: &KSelection,
    found: &Found,
    runs: &[SegmentRun],
    shift: &ShiftStep,
) -> Result<Vec<PathBuf>, DemoError> {
    let Some(dir) = options.charts.as_deref() else {
        return Ok(Vec::new());
    };
    std::fs::create_dir_all(dir).map_err(|source| DemoError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let rows: Vec<(String, f64, f64, f64)> = runs
        .iter()
        .zip(&found.names)
        .zip(&found.profiles)
        .map(|((s, n), p)| {
            let rate = |v: usize| s.conversions[v] as f64 / s.visitors[v].max(1) as f64;
            (n.clone(), p.share, rate(0), rate(1))
        })
        .collect();
    let series: Vec<(String, Vec<f64>)> = runs
        .iter()
        .zip(&found.names)
        .map(|(s, n)| (n.clone(), s.treatment_share.clone()))
        .collect();
    let psi: Vec<(String, f64, f64)> = shift
        .by_psi
        .iter()
        .map(|r| (r.feature.clone(), r.before, r.after))
        .collect();
    let svgs = [
        (
            "scores-by-k.svg",
            crate::charts::scores_by_k(&selection.scores, selection.k)?,
        ),
        ("segments.svg", crate::charts::segments(&rows)?),
        ("allocation.svg", crate::charts::allocation(&series)?),
        ("drift-psi.svg", crate::charts::drift_psi(&psi)?),
    ];
    svgs.into_iter()
        .map(|(name, svg)| {
            let path = dir.join(name);
            std::fs::write(&path, svg).map_err(|source| DemoError::Io {
                path: path.clone(),
                source,
            })?;
            Ok(path)
        })
        .collect()
}
