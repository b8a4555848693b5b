//! The e-commerce walk-through: the whole system on simulated traffic, in
//! seven steps, with charts.
//!
//! [`run`] simulates a month of the seed's first case (50,000 visitors a
//! month, 2.5% conversion) with seg-datasets' traffic simulator and then:
//!
//! 1. fits the features ([`Segmenter`]) and prints them;
//! 2. chooses k, with the per-k table of scores and the reason;
//! 3. describes each segment in original units: its share and the
//!    features that set it apart, and how it relates to the planted
//!    segments of the simulator;
//! 4. checks the quality gate;
//! 5. plans an experiment per segment (a 10% relative lift, power 80%,
//!    Bonferroni over the segments), with the required visitors, the
//!    days, and what is detectable in 15 days when that is not enough;
//! 6. runs the experiment with per-segment Thompson sampling, its state
//!    in an SQLite file, checking the split (SRM) and a sequential test
//!    (mSPRT) at each daily look;
//! 7. shifts the traffic (a new source, `tiktok`), measures the drift,
//!    retrains into a new version whose parent is the first, and lets the
//!    experiment go on in the new segments from warm-started priors.
//!
//! It writes plain text to `out`, one section per step, and SVG charts
//! (`scores-by-k.svg`, `segments.svg`, `allocation.svg`, `drift-psi.svg`)
//! into the chart folder when one is given. Everything is seeded: the
//! same options give the same text (except the times) and files.
//!
//! # Example
//!
//! ```no_run
//! use segmentation::demo::{DemoOptions, run};
//!
//! let options = DemoOptions::new(1).charts("charts");
//! let summary = run(&options, &mut std::io::stdout())?;
//! println!("k = {}, model version {} → {:?}", summary.k, summary.model_version, summary.new_version);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod charts;
mod error;
mod experiment;
mod profile;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use seg_bandit_state::{
    Experiment, Prior, SqliteStore, StateStore, WarmStart, analytics::prob_b_beats_a,
};
use seg_cluster::{AutoK, DriftLevel, RetrainPolicy, Window};
use seg_datasets::TrafficSimulator;
use seg_features::{Categorical, FieldKind, Numeric, Scaler, Schema, Unknown, Value};
use seg_power::{Correction, Mde, ProportionTest};
use seg_validate::QualityGate;

pub use self::error::DemoError;
use self::experiment::{Run, VARIANTS};
use self::profile::number;
use crate::pipeline::{Segmentation, Segmenter};

/// The overall conversion rate of the seed's first case.
const CONVERSION: f64 = 0.025;
/// Days in the month of traffic the segments are fitted on.
const MONTH_DAYS: usize = 30;
/// The duration the seed promised for a test.
const PROMISED_DAYS: f64 = 15.0;
/// The seed's promised sample per variant.
const PROMISED_PER_VARIANT: f64 = 2_500.0;
/// The lift to detect, relative.
const LIFT: f64 = 0.10;
/// Power of the plan.
const POWER: f64 = 0.8;
/// Family-wise α.
const ALPHA: f64 = 0.05;
/// Rows on which the silhouette is computed when choosing k and in the
/// quality gate (a stratified sample above that).
const SILHOUETTE_ROWS: usize = 10_000;
/// The drift score above which the walk-through's service retrains.
const RETRAIN_AT: f64 = 0.1;
/// Pseudo-count cap of the warm-start priors.
const WARM_START_CAP: f64 = 200.0;

/// The positions, in a web-visitor record, of the fields the walk-through
/// segments on.
pub(crate) const FIELDS: [usize; 7] = [0, 1, 2, 3, 4, 9, 10];

/// A web-visitor record (seg-features' `WebVisitor::record`) reduced to
/// the fields of [`demo_schema`], without allocating.
pub(crate) fn project(record: &[Value<'static>; 11]) -> [Value<'static>; 7] {
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
/// let schema = segmentation::demo::demo_schema();
/// assert_eq!(schema.fields().len(), 7);
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

/// The options of [`run`] (builder).
///
/// Defaults: seed 1, no charts, the SQLite file in a new folder under the
/// system's temporary folder, 50,000 visitors a month, an experiment of 28
/// days and 7 days after the shift, the models' creation time from the
/// system clock.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    seed: u64,
    charts: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    visitors_per_month: usize,
    experiment_days: usize,
    days_after_shift: usize,
    created_at: Option<u64>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions::new(1)
    }
}

impl DemoOptions {
    /// The defaults above with `seed`.
    pub fn new(seed: u64) -> Self {
        DemoOptions {
            seed,
            charts: None,
            state_dir: None,
            visitors_per_month: 50_000,
            experiment_days: 28,
            days_after_shift: 7,
            created_at: None,
        }
    }

    /// Write the SVG charts into `dir` (created if needed).
    pub fn charts(mut self, dir: impl Into<PathBuf>) -> Self {
        self.charts = Some(dir.into());
        self
    }

    /// Keep the SQLite file and the saved segmentations in `dir` (created
    /// if needed; it must not hold a `bandit.sqlite` already).
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// Visitors a month (default 50,000; at least 3,000): the month the
    /// segments are fitted on, and the daily traffic (a thirtieth).
    pub fn visitors_per_month(mut self, n: usize) -> Self {
        self.visitors_per_month = n;
        self
    }

    /// Days of the experiment before the shift (default 28, at least 1)
    /// and after it (default 7, at least 1).
    pub fn days(mut self, experiment: usize, after_shift: usize) -> Self {
        self.experiment_days = experiment;
        self.days_after_shift = after_shift;
        self
    }

    /// The creation time recorded in the models, seconds since 1970 UTC
    /// (default: the system clock).
    pub fn created_at(mut self, unix_seconds: u64) -> Self {
        self.created_at = Some(unix_seconds);
        self
    }

    /// The seed.
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// The chart folder, if any.
    pub fn charts_dir(&self) -> Option<&Path> {
        self.charts.as_deref()
    }
}

/// The plan of one segment (step 5).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SegmentPlan {
    /// The segment's name in the walk-through (`S1`, `S2`, …).
    pub segment: String,
    /// Its share of the visitors.
    pub share: f64,
    /// Its conversion under the control in the fitting month.
    pub baseline: f64,
    /// Visitors needed per variant for a 10% relative lift.
    pub n_per_variant: u64,
    /// Days the segment's traffic needs for them.
    pub days: f64,
    /// Whether that fits in 15 days.
    pub achievable: bool,
    /// The smallest relative lift detectable in 15 days (power 80%), when
    /// 10% is not.
    pub detectable_in_15_days: Option<f64>,
}

/// What the walk-through found, for callers and tests.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DemoSummary {
    /// Visitors the segments were fitted on.
    pub visitors: usize,
    /// The number of segments chosen.
    pub k: usize,
    /// Why.
    pub k_reason: String,
    /// Whether the quality gate passed.
    pub quality_passed: bool,
    /// Adjusted Rand index of the segments against the simulator's planted
    /// segments.
    pub agreement_with_planted: f64,
    /// The plan of each segment.
    pub plans: Vec<SegmentPlan>,
    /// Visitors required per variant, unsegmented, for a 10% lift at 2.5%.
    pub overall_n_per_variant: u64,
    /// Events (batches) recorded in the SQLite store.
    pub events: u64,
    /// Daily SRM tests that found a mismatch (p < 0.001).
    pub srm_mismatches: usize,
    /// The segments whose sequential test stopped, with the day.
    pub sequential_stops: Vec<(String, usize)>,
    /// The drift score of a batch like the training month.
    pub drift_score_before: f64,
    /// The drift score after the shift.
    pub drift_score: f64,
    /// Its level.
    pub drift_level: DriftLevel,
    /// Whether the retrain policy asked for a new version.
    pub retrained: bool,
    /// The first model's version (1).
    pub model_version: u64,
    /// The new version, after the shift.
    pub new_version: Option<u64>,
    /// The new version's parent.
    pub new_parent: Option<u64>,
    /// The new version's number of segments.
    pub new_k: Option<usize>,
    /// The folder of the SQLite file and the saved segmentations.
    pub state_dir: PathBuf,
    /// The SQLite file of the bandit state.
    pub state_file: PathBuf,
    /// The saved segmentations, version by version.
    pub pipeline_files: Vec<PathBuf>,
    /// The charts written.
    pub charts: Vec<PathBuf>,
}

/// Runs the walk-through (see the [module documentation](self)), writing
/// its text to `out`.
///
/// # Errors
///
/// [`DemoError::InvalidParameter`] for fewer than 3,000 visitors a month
/// or 0 days, or a state folder that already holds `bandit.sqlite`;
/// [`DemoError::Io`] when a folder cannot be created;
/// [`DemoError::Output`] when `out` fails; [`DemoError::Chart`] when a
/// chart cannot be written; the errors of the libraries it runs (none on
/// the default configuration).
pub fn run(options: &DemoOptions, out: &mut dyn Write) -> Result<DemoSummary, DemoError> {
    let started = Instant::now();
    check(options)?;
    let seed = options.seed;
    let month = options.visitors_per_month;
    let daily = (month / MONTH_DAYS).max(1);

    // The simulator, its conversion scaled to the seed's 2.5% overall.
    let mut sim = TrafficSimulator::default_segments().seed(seed);
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
    let truth: Vec<Vec<f64>> = sim
        .segments()
        .iter()
        .map(|s| s.conversion.clone())
        .collect();
    let planted: Vec<String> = sim.segments().iter().map(|s| s.name.clone()).collect();
    let visitors = sim.simulate(month)?;
    let records: Vec<[Value<'static>; 7]> = visitors.iter().map(|v| project(&v.record())).collect();

    // 1. Features.
    writeln!(out, "== 1. Features")?;
    writeln!(
        out,
        "One month of simulated traffic, the seed's first case: {} visitors ({} a day), {:.1}% conversion \
         under the control, an A/B test running; seed {seed}.",
        thousands(month as f64),
        thousands(daily as f64),
        100.0 * CONVERSION
    )?;
    let segmenter = segmenter(options);
    let fit_started = Instant::now();
    let segmentation = segmenter.fit(&records)?;
    let fit_time = fit_started.elapsed();
    print_features(out, &segmentation)?;

    // 2. k.
    writeln!(out, "\n== 2. Choosing k")?;
    let selection = segmentation.model().selection();
    writeln!(
        out,
        "k-means++ (3 restarts) for every k in 2..=8, scored on the transformed visitors \
         (silhouette on {} sampled rows); fit and choice took {:.2} s.",
        thousands(SILHOUETTE_ROWS as f64),
        fit_time.as_secs_f64()
    )?;
    writeln!(
        out,
        "\n   k  silhouette  Davies-Bouldin  Calinski-Harabasz  smallest segment  stability"
    )?;
    for s in &selection.scores {
        writeln!(
            out,
            "{} {:>2}  {:>10.3}  {:>14.3}  {:>17.0}  {:>15.1}%  {:>9.2}{}",
            if s.k == selection.k { "→" } else { " " },
            s.k,
            s.silhouette,
            s.davies_bouldin,
            s.calinski_harabasz,
            100.0 * s.min_cluster_share,
            s.stability,
            if s.eligible {
                ""
            } else {
                "  (a segment too small)"
            }
        )?;
    }
    writeln!(out, "\nChosen: {}", selection.reason)?;

    // 3. Segments.
    writeln!(out, "\n== 3. The segments, in original units")?;
    let k = segmentation.k();
    let labels = segmentation.assign(&records)?;
    let truth_labels: Vec<usize> = visitors.iter().map(|v| v.segment).collect();
    let ari = seg_validate::adjusted_rand_index(&truth_labels, &labels)?;
    let schema = segmentation.transformer().schema().clone();
    let profiles = profile::profiles(&schema, &records, &labels, k);
    let names: Vec<String> = (1..=k).map(|i| format!("S{i}")).collect();
    for (s, p) in profiles.iter().enumerate() {
        let mut planted_counts = vec![0usize; planted.len()];
        for (&l, &t) in labels.iter().zip(&truth_labels) {
            if l == s
                && let Some(c) = planted_counts.get_mut(t)
            {
                *c += 1;
            }
        }
        let (best, count) = planted_counts
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .map_or((0, 0), |(i, c)| (i, *c));
        writeln!(
            out,
            "{}  {:>4.1}% of visitors; mostly {} ({:.0}% of the segment)",
            names[s],
            100.0 * p.share,
            planted.get(best).map_or("?", String::as_str),
            100.0 * count as f64 / p.size.max(1) as f64
        )?;
        for t in p.traits.iter().take(3) {
            writeln!(out, "      {}", t.text)?;
        }
    }
    writeln!(
        out,
        "Agreement with the simulator's {} planted segments: adjusted Rand index {ari:.2} \
         (1 = the same partition, 0 = chance). The planted segments overlap in behaviour, \
         so k-means splits some and merges others.",
        planted.len()
    )?;

    // 4. Quality gate.
    writeln!(out, "\n== 4. Quality gate")?;
    let quality = segmentation.model().quality();
    for c in quality.checks() {
        writeln!(
            out,
            "  {:<18} {:>7.3} {} {:<6} {}",
            c.name(),
            c.value(),
            c.comparison(),
            number(c.threshold()),
            if c.passed() { "pass" } else { "FAIL" }
        )?;
    }
    writeln!(
        out,
        "Verdict: {}{}",
        if quality.passed() {
            "deploy"
        } else {
            "do not deploy"
        },
        if quality.sampled() {
            " (silhouette on a stratified sample)"
        } else {
            ""
        }
    )?;

    // 5. Plan.
    writeln!(out, "\n== 5. Experiment plan per segment")?;
    let m = k * (VARIANTS.len() - 1);
    let alpha_c = Correction::Bonferroni.per_comparison_alpha(ALPHA, m)?;
    writeln!(
        out,
        "Goal: detect a {:.0}% relative lift of the treatment in each segment, power {:.0}%, \
         family-wise α = {ALPHA} over {m} comparisons (segments × variants): Bonferroni α = {alpha_c:.4} \
         per comparison (Holm's first step is the same; the analysis in step 6 uses Holm). Traffic: {} \
         visitors a day, half to each variant.",
        100.0 * LIFT,
        100.0 * POWER,
        thousands(daily as f64)
    )?;
    let overall = ProportionTest::new(CONVERSION).alpha(ALPHA);
    let overall_n = overall.sample_size(Mde::Relative(LIFT), POWER)?;
    let promised = overall.mde(PROMISED_PER_VARIANT, POWER)?;
    let in_15 = overall.mde(daily as f64 / 2.0 * PROMISED_DAYS, POWER)?;
    writeln!(
        out,
        "\nThe seed promised \"2,500 per variant in 15 days\". Unsegmented, at {:.1}% conversion and α = {ALPHA}:\n\
         - a {:.0}% lift needs {} visitors per variant: {:.0} days of all the traffic;\n\
         - 2,500 per variant detect only a {:.0}% lift (to {:.2}%);\n\
         - 15 days ({} per variant) detect a {:.0}% lift.",
        100.0 * CONVERSION,
        100.0 * LIFT,
        thousands(overall_n.n1_ceil as f64),
        overall_n.n1 / (daily as f64 / 2.0),
        100.0 * promised.relative,
        100.0 * promised.p2,
        thousands(daily as f64 / 2.0 * PROMISED_DAYS),
        100.0 * in_15.relative
    )?;
    writeln!(
        out,
        "\nPer segment (baseline: its conversion under the control in the fitting month):\n\
         \n  segment  share  baseline  n per variant      days  in 15 days"
    )?;
    let mut plans = Vec::with_capacity(k);
    let mut tau2 = Vec::with_capacity(k);
    for s in 0..k {
        let (mut n0, mut x0) = (0usize, 0usize);
        for (v, &l) in visitors.iter().zip(&labels) {
            if l == s && v.variant == 0 {
                n0 += 1;
                x0 += usize::from(v.converted);
            }
        }
        // No conversion observed: half a conversion, so that the plan
        // shows how hopeless the segment is rather than failing.
        let baseline = (x0.max(1) as f64 - if x0 == 0 { 0.5 } else { 0.0 }) / n0.max(1) as f64;
        let baseline = baseline.clamp(1e-6, 0.5);
        let share = profiles[s].share;
        let test = ProportionTest::new(baseline).alpha(alpha_c);
        let n = test.sample_size(Mde::Relative(LIFT), POWER)?;
        let per_day = daily as f64 * share / 2.0;
        let days = n.n1 / per_day.max(f64::MIN_POSITIVE);
        let achievable = days <= PROMISED_DAYS;
        let detectable = if achievable || per_day * PROMISED_DAYS < 1.0 {
            None
        } else {
            test.mde(per_day * PROMISED_DAYS, POWER)
                .ok()
                .map(|m| m.relative)
        };
        writeln!(
            out,
            "  {:<7} {:>5.1}%  {:>7.2}%  {:>13}  {:>8}  {}",
            names[s],
            100.0 * share,
            100.0 * baseline,
            thousands(n.n1_ceil as f64),
            thousands(days.ceil()),
            match (achievable, detectable) {
                (true, _) => "achievable".to_owned(),
                (false, Some(r)) => format!("not achievable: detects a {:.0}% lift", 100.0 * r),
                (false, None) => "not achievable: too little traffic".to_owned(),
            }
        )?;
        tau2.push((LIFT * baseline).powi(2));
        plans.push(SegmentPlan {
            segment: names[s].clone(),
            share,
            baseline,
            n_per_variant: n.n1_ceil,
            days,
            achievable,
            detectable_in_15_days: detectable,
        });
    }
    writeln!(
        out,
        "Segmenting multiplies the traffic needed: each segment has a fraction of the visitors and \
         must reach its own sample at a stricter α. Test per segment only where the effect is \
         expected to differ, or accept larger detectable lifts."
    )?;

    // 6. Experiment.
    writeln!(out, "\n== 6. The experiment: Thompson sampling per segment")?;
    let state_dir = match &options.state_dir {
        Some(d) => d.clone(),
        None => fresh_temp_dir(seed)?,
    };
    std::fs::create_dir_all(&state_dir).map_err(|source| DemoError::Io {
        path: state_dir.clone(),
        source,
    })?;
    let state_file = state_dir.join("bandit.sqlite");
    if state_file.exists() {
        return Err(DemoError::InvalidParameter {
            parameter: "state_dir",
            value: state_dir.display().to_string(),
            reason: "holds a bandit.sqlite from an earlier run: give an empty folder",
        });
    }
    let mut store = SqliteStore::open(&state_file)?;
    let experiment = Experiment::new("checkout-button", VARIANTS, Prior::uniform())?;
    store.create_experiment(&experiment)?;
    let v1_names: Vec<String> = names.iter().map(|n| format!("v1-{n}")).collect();
    let warm = WarmStart::new(WARM_START_CAP)?;
    for name in &v1_names {
        let priors = warm.priors(&experiment, &store.all_states(experiment.name())?)?;
        store.create_segment(experiment.name(), name, &priors)?;
    }
    writeln!(
        out,
        "State: {} (SQLite, one transaction per batch). Each day, every segment's allocation is \
         its Thompson-sampling probability from its Beta posteriors (uniform Beta(1, 1) priors: no \
         segment had data to warm-start from), with at least {:.0}% per variant; visitors are \
         assigned to a segment by the pipeline (assign_one, no allocation) and to a variant by that \
         allocation; conversions come from the simulator's planted rates. Each evening: one batch per \
         segment × variant, SRM of the day's split against the day's allocation (chi-square, \
         mismatch at p < 0.001), and a look of an mSPRT per segment (α = {alpha_c:.4}).",
        state_file.display(),
        100.0 * experiment::FLOOR
    )?;
    let mut stream = sim.clone().seed(seed.wrapping_add(1)).stream()?;
    let mut run = Run::new(
        &mut store,
        &experiment,
        &segmentation,
        &truth,
        v1_names.clone(),
        &tau2,
        alpha_c,
        seed.wrapping_add(11),
    )?;
    writeln!(out)?;
    for day in 1..=options.experiment_days {
        let notes = run.day(day, daily, &mut stream)?;
        let weekly = day == 1 || day % 7 == 0 || day == options.experiment_days;
        if weekly || !notes.is_empty() {
            let shares: Vec<String> = run
                .segments
                .iter()
                .zip(&names)
                .map(|(s, n)| {
                    format!(
                        "{n} {:.2}",
                        s.treatment_share.last().copied().unwrap_or(0.0)
                    )
                })
                .collect();
            writeln!(
                out,
                "day {day:>2}: treatment allocation {}",
                shares.join(", ")
            )?;
            for note in notes {
                writeln!(out, "        {note}")?;
            }
        }
    }
    let segments = run.segments.clone();
    drop(run);
    writeln!(
        out,
        "\n  segment     visitors C / T   conversion C / T    planted C / T  P(T > C)  mSPRT p  Holm p"
    )?;
    let pvalues: Vec<f64> = segments.iter().map(|s| s.last_p).collect();
    let holm = Correction::Holm.adjust(&pvalues, ALPHA)?;
    let all_states = store.all_states(experiment.name())?;
    for (i, s) in segments.iter().enumerate() {
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
        let rate = |x: u64, n: u64| format!("{:.2}%", 100.0 * x as f64 / n.max(1) as f64);
        let planted_rate =
            |v: usize| format!("{:.2}%", 100.0 * s.planted[v] / s.visitors[v].max(1) as f64);
        let pair = |a: String, b: String| format!("{a} / {b}");
        writeln!(
            out,
            "  {:<7} {:>17}  {:>17}  {:>15}  {:>8.3}  {:>7.4}  {:>6.4}{}",
            names[i],
            pair(
                thousands(s.visitors[0] as f64),
                thousands(s.visitors[1] as f64)
            ),
            pair(
                rate(s.conversions[0], s.visitors[0]),
                rate(s.conversions[1], s.visitors[1])
            ),
            pair(planted_rate(0), planted_rate(1)),
            p_better,
            s.last_p,
            holm.adjusted.get(i).copied().unwrap_or(1.0),
            if holm.reject.get(i).copied().unwrap_or(false) {
                "  significant"
            } else {
                ""
            }
        )?;
    }
    let events = store.event_count(experiment.name())?;
    let srm_mismatches: usize = segments.iter().map(|s| s.srm_mismatches).sum();
    let srm_smallest = segments
        .iter()
        .map(|s| s.srm_smallest_p)
        .fold(1.0f64, f64::min);
    let sequential_stops: Vec<(String, usize)> = segments
        .iter()
        .zip(&names)
        .filter_map(|(s, n)| s.stopped_on.map(|d| (n.clone(), d)))
        .collect();
    writeln!(
        out,
        "{} batches recorded; {} daily SRM tests, {} mismatch{} (smallest p {:.3}). Planted: the \
         simulator's true conversion of the segment's visitors under each variant.",
        thousands(events as f64),
        thousands((segments.len() * options.experiment_days) as f64),
        srm_mismatches,
        if srm_mismatches == 1 { "" } else { "es" },
        srm_smallest
    )?;

    // 7. Drift and retraining.
    writeln!(
        out,
        "\n== 7. The traffic shifts: drift, retraining, a new version"
    )?;
    let week = daily * options.days_after_shift;
    let like_before: Vec<[Value<'static>; 7]> = sim
        .clone()
        .seed(seed.wrapping_add(2))
        .simulate(week)?
        .iter()
        .map(|v| project(&v.record()))
        .collect();
    let shifted_sim = sim.clone().drifted();
    let shifted: Vec<[Value<'static>; 7]> = shifted_sim
        .clone()
        .seed(seed.wrapping_add(3))
        .simulate(week)?
        .iter()
        .map(|v| project(&v.record()))
        .collect();
    let drift_before = segmentation.drift(&like_before)?;
    let drift = segmentation.drift(&shifted)?;
    writeln!(
        out,
        "A new traffic source, tiktok, now brings 30% of every segment's visitors; new explorers double, \
         budget hunters gain 40%, premium shoppers lose 40%. The model saw no tiktok: the transform \
         folds it into traffic_source=<other>.\n\
         \nDrift of {} visitors after the shift against the training baseline (and of a week like \
         the training month, for comparison):\n\
         \n  feature                       PSI before  PSI after  KS p after",
        thousands(week as f64)
    )?;
    let mut by_psi: Vec<(String, f64, f64, Option<f64>)> = drift
        .features()
        .zip(drift_before.features())
        .map(|((name, after), (_, before))| {
            (name.to_owned(), before.psi, after.psi, after.ks_p_value)
        })
        .collect();
    by_psi.sort_by(|a, b| b.2.total_cmp(&a.2));
    for (name, before, after, ks) in by_psi.iter().take(6) {
        writeln!(
            out,
            "  {name:<28} {before:>10.3}  {after:>9.3}  {}",
            ks.map_or("-".to_owned(), |p| format!("{p:.2e}"))
        )?;
    }
    writeln!(
        out,
        "  segment shares (assignment)  {:>10.3}  {:>9.3}\n\
         Score {:.3} ({:?}); before the shift {:.3} ({:?}). Mean distance to the nearest centre: \
         {:.2}× the training data's.",
        drift_before.report.assignment_psi,
        drift.report.assignment_psi,
        drift.score(),
        drift.level(),
        drift_before.score(),
        drift_before.level(),
        drift.report.distance_ratio
    )?;
    // The streaming monitor sees it after one day of the new traffic.
    let mut monitor = segmentation.monitor(Window::Tumbling { size: daily })?;
    for record in shifted.iter().take(daily) {
        monitor.push(record)?;
    }
    let streamed = monitor.report()?;
    writeln!(
        out,
        "The streaming monitor (fed one visitor at a time, a window of one day) reads {:.3} ({:?}) \
         after the first day.",
        streamed.score(),
        streamed.level()
    )?;
    let policy = RetrainPolicy::new(RETRAIN_AT, seg_cluster::DEFAULT_MIN_BATCH)?;
    let decision = policy.decide(&drift.report);
    let retrained = decision.is_retrain();
    let mut pipeline_files = vec![state_dir.join("segmentation-v1.json")];
    segmentation
        .save(&pipeline_files[0])
        .map_err(DemoError::from)?;
    let mut new_version = None;
    let mut new_parent = None;
    let mut new_k = None;
    if retrained {
        let next = segmenter.retrain(&segmentation, &shifted)?;
        let path = state_dir.join(format!("segmentation-v{}.json", next.model_version()));
        next.save(&path)?;
        pipeline_files.push(path);
        let after = next.drift(&shifted)?;
        writeln!(
            out,
            "Retrain policy: retrain from moderate drift on (score above {RETRAIN_AT}: a new traffic source \
             is a new audience; the library's default waits for 0.2). New version {} (parent {}), made {}: \
             k = {}; {}\nQuality gate: {}. Drift of the shifted week against the new version: {:.3} ({:?}).",
            next.model_version(),
            next.parent_version()
                .map_or("none".to_owned(), |p| p.to_string()),
            next.model().created_at_rfc3339(),
            next.k(),
            next.model().selection().reason,
            if next.model().quality().passed() {
                "pass"
            } else {
                "fail"
            },
            after.score(),
            after.level()
        )?;
        // The experiment goes on in the new segments, warm-started.
        let v2_names: Vec<String> = (1..=next.k())
            .map(|i| format!("v{}-S{i}", next.model_version()))
            .collect();
        let v1_states = store.all_states(experiment.name())?;
        let priors = warm.priors(&experiment, &v1_states)?;
        for name in &v2_names {
            store.create_segment(experiment.name(), name, &priors)?;
        }
        writeln!(
            out,
            "The experiment goes on in the {} new segments. Each starts from the warm-start prior fitted \
             on the {} old segments' posteriors (empirical Bayes, at most {} pseudo-visitors): {}.",
            v2_names.len(),
            v1_names.len(),
            WARM_START_CAP,
            priors
                .iter()
                .zip(VARIANTS)
                .map(|(p, v)| format!(
                    "{v} Beta({:.1}, {:.1}), mean {:.2}%",
                    p.alpha(),
                    p.beta(),
                    100.0 * p.alpha() / (p.alpha() + p.beta())
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        let tau2_next = vec![(LIFT * CONVERSION).powi(2); next.k()];
        let mut stream = shifted_sim.seed(seed.wrapping_add(4)).stream()?;
        let mut run = Run::new(
            &mut store,
            &experiment,
            &next,
            &truth,
            v2_names,
            &tau2_next,
            alpha_c,
            seed.wrapping_add(12),
        )?;
        for day in 1..=options.days_after_shift {
            run.day(options.experiment_days + day, daily, &mut stream)?;
        }
        let shares: Vec<String> = run
            .segments
            .iter()
            .map(|s| {
                format!(
                    "{} {:.2}",
                    s.name,
                    s.treatment_share.last().copied().unwrap_or(0.0)
                )
            })
            .collect();
        writeln!(
            out,
            "After {} more days, treatment allocation: {}.",
            options.days_after_shift,
            shares.join(", ")
        )?;
        new_version = Some(next.model_version());
        new_parent = next.parent_version();
        new_k = Some(next.k());
    } else {
        writeln!(out, "Retrain policy: {decision:?}; the model is kept.")?;
    }
    let events_total = store.event_count(experiment.name())?;

    // Charts.
    let mut charts = Vec::new();
    if let Some(dir) = &options.charts {
        std::fs::create_dir_all(dir).map_err(|source| DemoError::Io {
            path: dir.clone(),
            source,
        })?;
        let scores: Vec<(usize, f64, f64)> = selection
            .scores
            .iter()
            .map(|s| (s.k, s.silhouette, s.davies_bouldin))
            .collect();
        charts.push(charts::scores_by_k(dir, &scores, selection.k)?);
        let rows: Vec<(String, f64, f64, f64)> = segments
            .iter()
            .zip(&names)
            .zip(&profiles)
            .map(|((s, n), p)| {
                let rate = |v: usize| s.conversions[v] as f64 / s.visitors[v].max(1) as f64;
                (n.clone(), p.share, rate(0), rate(1))
            })
            .collect();
        charts.push(charts::segments(dir, &rows)?);
        let series: Vec<(String, Vec<f64>)> = segments
            .iter()
            .zip(&names)
            .map(|(s, n)| (n.clone(), s.treatment_share.clone()))
            .collect();
        charts.push(charts::allocation(dir, &series)?);
        let psi: Vec<(String, f64, f64)> = by_psi
            .iter()
            .map(|(n, b, a, _)| (n.clone(), *b, *a))
            .collect();
        charts.push(charts::drift_psi(dir, &psi)?);
    }

    writeln!(out, "\n== Files")?;
    writeln!(
        out,
        "State and models: {}\n  bandit.sqlite ({} batches), {}",
        state_dir.display(),
        thousands(events_total as f64),
        pipeline_files
            .iter()
            .filter_map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    match &options.charts {
        Some(dir) => writeln!(
            out,
            "Charts: {}\n  {}",
            dir.display(),
            charts
                .iter()
                .filter_map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        )?,
        None => writeln!(out, "Charts: none (no chart folder given)")?,
    }
    writeln!(out, "Done in {:.2} s.", started.elapsed().as_secs_f64())?;

    Ok(DemoSummary {
        visitors: month,
        k,
        k_reason: selection.reason.clone(),
        quality_passed: quality.passed(),
        agreement_with_planted: ari,
        plans,
        overall_n_per_variant: overall_n.n1_ceil,
        events,
        srm_mismatches,
        sequential_stops,
        drift_score_before: drift_before.score(),
        drift_score: drift.score(),
        drift_level: drift.level(),
        retrained,
        model_version: segmentation.model_version(),
        new_version,
        new_parent,
        new_k,
        state_dir,
        state_file,
        pipeline_files,
        charts,
    })
}

/// The options' own checks.
fn check(options: &DemoOptions) -> Result<(), DemoError> {
    if options.visitors_per_month < 3_000 {
        return Err(DemoError::InvalidParameter {
            parameter: "visitors_per_month",
            value: options.visitors_per_month.to_string(),
            reason: "must be at least 3,000 (100 a day)",
        });
    }
    if options.experiment_days == 0 || options.days_after_shift == 0 {
        return Err(DemoError::InvalidParameter {
            parameter: "days",
            value: format!("{}, {}", options.experiment_days, options.days_after_shift),
            reason: "the experiment and the time after the shift need at least one day each",
        });
    }
    Ok(())
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

/// Step 1's table: each field, its encoding and its output features.
fn print_features(out: &mut dyn Write, segmentation: &Segmentation) -> Result<(), DemoError> {
    let transformer = segmentation.transformer();
    let names = transformer.feature_names();
    writeln!(
        out,
        "Schema: {} fields → {} features, each in [0, 1]:\n",
        transformer.schema().fields().len(),
        transformer.n_features()
    )?;
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
        let features = names.get(columns).map_or(String::new(), |n| n.join(", "));
        writeln!(out, "  {:<20} {:<62} → {features}", field.name(), encoding)?;
    }
    writeln!(
        out,
        "Left out: hour, weekday, browser and country — when and with what visitors came, not who \
         they are; they blur the behavioural segments."
    )?;
    Ok(())
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

/// `x` rounded, with thousands separators: 50,000.
fn thousands(x: f64) -> String {
    let n = x.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(50_000.0), "50,000");
        assert_eq!(thousands(1_234_567.4), "1,234,567");
    }

    #[test]
    fn too_little_traffic_is_an_error() {
        let err = run(&DemoOptions::new(1).visitors_per_month(10), &mut Vec::new()).unwrap_err();
        assert!(matches!(
            err,
            DemoError::InvalidParameter {
                parameter: "visitors_per_month",
                ..
            }
        ));
    }
}
