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
//! same options give the same numbers and charts, and with
//! [`DemoOptions::created_at`] the same saved segmentations; only the
//! measured times and the folder names change.
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
mod walk;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use seg_cluster::{AutoK, DriftLevel};
use seg_features::{Categorical, FieldKind, Numeric, Scaler, Schema, Unknown, Value};
use seg_validate::QualityGate;

pub use self::error::DemoError;
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
    let month = walk::month(options)?;
    let segmenter = segmenter(options);
    let fit_started = Instant::now();
    let segmentation = segmenter.fit(&month.records)?;
    let fit_time = fit_started.elapsed();
    let selection = segmentation.model().selection();
    let quality = segmentation.model().quality();

    walk::features(out, options, &month, &segmentation)?;
    walk::choice(out, selection, fit_time)?;
    let found = walk::segments(out, &month, &segmentation)?;
    walk::gate(out, quality)?;
    let planned = walk::plan(out, &month, &found)?;
    let mut state = walk::open_state(options)?;
    let runs = walk::experiment(
        out,
        options,
        &month,
        &segmentation,
        &found,
        &planned,
        &mut state,
    )?;
    let results = walk::results(out, options, &found, &runs, &mut state)?;
    let shift = walk::shift(
        out,
        options,
        &month,
        &segmenter,
        &segmentation,
        &planned,
        &mut state,
    )?;
    let charts = walk::charts(options, selection, &found, &runs, &shift)?;
    walk::files(out, options, &mut state, &shift, &charts)?;
    writeln!(out, "Done in {:.2} s.", started.elapsed().as_secs_f64())?;

    let next = shift.retrained.as_ref();
    Ok(DemoSummary {
        visitors: options.visitors_per_month,
        k: segmentation.k(),
        k_reason: selection.reason.clone(),
        quality_passed: quality.passed(),
        agreement_with_planted: found.ari,
        plans: planned.plans,
        overall_n_per_variant: planned.overall_n,
        events: results.events,
        srm_mismatches: results.srm_mismatches,
        sequential_stops: results.sequential_stops,
        drift_score_before: shift.before.score(),
        drift_score: shift.after.score(),
        drift_level: shift.after.level(),
        retrained: next.is_some(),
        model_version: segmentation.model_version(),
        new_version: next.map(Segmentation::model_version),
        new_parent: next.and_then(Segmentation::parent_version),
        new_k: next.map(Segmentation::k),
        state_dir: state.dir,
        state_file: state.file,
        pipeline_files: shift.pipeline_files,
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
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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
