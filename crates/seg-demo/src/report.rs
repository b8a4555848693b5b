//! What the walk-through computed, step by step: plain data, printed by
//! its `Display` implementations (in `render.rs`) and serialisable.

use std::path::PathBuf;

use segmentation::cluster::{DriftLevel, KScore, QualityCheck};
use serde::Serialize;

/// Everything the walk-through computed, one field per step, in the
/// order of the text; `Display` prints the text of the walk-through.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WalkReport {
    /// Step 1: the simulated month and the features.
    pub features: FeaturesStep,
    /// Step 2: the choice of k.
    pub choice: ChoiceStep,
    /// Step 3: the segments in original units.
    pub segments: SegmentsStep,
    /// Step 4: the quality gate.
    pub gate: GateStep,
    /// Step 5: the experiment plan per segment.
    pub plan: PlanStep,
    /// Step 6: the experiment.
    pub experiment: ExperimentStep,
    /// Step 6b: did personalisation pay?
    pub payoff: PayoffStep,
    /// Step 7: the shift, the drift and the new version.
    pub shift: ShiftStep,
    /// Where the files are.
    pub files: FilesStep,
    /// The wall-clock time of the whole walk-through, in seconds.
    pub elapsed_seconds: f64,
}

/// Step 1: the simulated month and the features of the segmentation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FeaturesStep {
    /// The seed.
    pub seed: u64,
    /// Visitors in the month.
    pub visitors: usize,
    /// Visitors a day.
    pub daily: usize,
    /// The number of output features.
    pub n_features: usize,
    /// Each field of the schema.
    pub fields: Vec<FieldRow>,
}

/// One field of step 1: its encoding and its output features.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FieldRow {
    /// The field.
    pub name: String,
    /// How it is encoded, in words.
    pub encoding: String,
    /// The names of its output features.
    pub features: Vec<String>,
}

/// Step 2: the per-k scores and the reason for k.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ChoiceStep {
    /// Seconds taken by the fit and the choice.
    pub fit_seconds: f64,
    /// The scores of every k tried.
    pub scores: Vec<KScore>,
    /// The k chosen.
    pub k: usize,
    /// Why.
    pub reason: String,
    /// The first model's version (1).
    pub model_version: u64,
}

/// Step 3: the segments in original units.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SegmentsStep {
    /// Each segment.
    pub segments: Vec<SegmentProfile>,
    /// The number of planted segments of the simulator.
    pub n_planted: usize,
    /// Adjusted Rand index of the segments against the planted ones.
    pub agreement_with_planted: f64,
}

/// One segment of step 3.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SegmentProfile {
    /// Its name in the walk-through (`S1`, `S2`, …).
    pub name: String,
    /// Its share of the visitors.
    pub share: f64,
    /// Its number of visitors.
    pub size: usize,
    /// The planted segment most of its visitors come from.
    pub mostly: String,
    /// How many of its visitors come from that planted segment.
    pub mostly_count: usize,
    /// The traits that set it apart, strongest first (at most three).
    pub traits: Vec<String>,
}

/// Step 4: the quality gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GateStep {
    /// Its checks.
    pub checks: Vec<QualityCheck>,
    /// Whether every check passed.
    pub passed: bool,
    /// Whether the silhouette was computed on a stratified sample.
    pub sampled: bool,
}

/// Step 5: the experiment plan, unsegmented and per segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PlanStep {
    /// Visitors a day.
    pub daily: f64,
    /// Comparisons (segments × treatments).
    pub comparisons: usize,
    /// The Bonferroni α per comparison.
    pub alpha_per_comparison: f64,
    /// Unsegmented visitors per variant for a 10% lift, unrounded.
    pub overall_n: f64,
    /// The same, rounded up.
    pub overall_n_ceil: u64,
    /// The relative lift 2,500 visitors per variant detect.
    pub promised_relative: f64,
    /// The conversion that lift reaches.
    pub promised_p2: f64,
    /// The relative lift 15 days of traffic detect.
    pub in_15_days_relative: f64,
    /// The plan of each segment.
    pub plans: Vec<SegmentPlan>,
}

/// The plan of one segment (step 5).
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Step 6: the experiment, day by day, and its results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ExperimentStep {
    /// The SQLite file of the bandit state.
    pub state_file: PathBuf,
    /// The α of each segment's sequential test.
    pub alpha: f64,
    /// The days shown: the first, every seventh, the last, and every day
    /// with an event.
    pub days: Vec<DayLine>,
    /// Each segment's results.
    pub results: Vec<SegmentResult>,
    /// Batches recorded in the store.
    pub events: u64,
    /// Daily SRM tests run.
    pub srm_tests: usize,
    /// Those that found a mismatch (p < 0.001).
    pub srm_mismatches: usize,
    /// The smallest SRM p-value.
    pub srm_smallest_p: f64,
    /// The smallest p-value over the segments of the SRM test of the whole
    /// run's split against each day's logged allocation.
    pub srm_run_smallest_p: f64,
    /// The smallest p-value over the segments of the SRM test of the whole
    /// run's split against a fixed 50/50 ratio (what a test that ignores
    /// the adaptive allocation would read).
    pub srm_fixed_ratio_smallest_p: f64,
    /// The segments whose sequential test stopped, with the day.
    pub sequential_stops: Vec<(String, usize)>,
}

/// One day of step 6.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DayLine {
    /// The day, from 1.
    pub day: usize,
    /// Each segment's name and its allocation to the treatment.
    pub treatment_allocation: Vec<(String, f64)>,
    /// The day's events (SRM mismatches, sequential stops), as text.
    pub notes: Vec<String>,
}

/// One segment's results at the end of step 6.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SegmentResult {
    /// The segment's name (`S1`, …).
    pub segment: String,
    /// Visitors of control and treatment.
    pub visitors: [u64; 2],
    /// Their conversions.
    pub conversions: [u64; 2],
    /// The simulator's conversion probabilities summed over the visitors.
    pub planted: [f64; 2],
    /// Each variant's conversion weighted by period (each day's rate,
    /// days combined in proportion to their whole traffic): unbiased under
    /// the adaptive allocation, unlike `conversions / visitors`.
    pub period_weighted: [f64; 2],
    /// Each variant's inverse-propensity-weighted conversion.
    pub ipw: [f64; 2],
    /// P(treatment > control) from the stored posteriors (NaN when a
    /// state is missing).
    pub prob_treatment_better: f64,
    /// The always-valid p-value of the sequential test.
    pub msprt_p: f64,
    /// Its Holm-adjusted value over the segments.
    pub holm_p: f64,
    /// Whether Holm rejects at the family-wise α.
    pub significant: bool,
}

/// Step 6b: the conversion per visitor of the policy as it ran and of the
/// policies it could have been, estimated from the experiment's decision
/// log, next to the simulator's planted truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PayoffStep {
    /// Visitors of the experiment.
    pub visitors: u64,
    /// Period batches read from the decision log.
    pub batches: usize,
    /// Each policy's value.
    pub policies: Vec<PolicyValue>,
    /// The variant the best-per-segment policy serves in each segment.
    pub best_per_segment: Vec<(String, String)>,
    /// Estimated conversion of the best variant per segment over the best
    /// single variant for everyone, minus 1.
    pub personalisation_lift: f64,
    /// The same from the planted truth.
    pub planted_personalisation_lift: f64,
}

/// One policy of step 6b: its estimated conversion per visitor with a 95%
/// interval, and the planted truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PolicyValue {
    /// What the policy does.
    pub policy: String,
    /// The estimate (the observed rate for the policy as it ran; the doubly
    /// robust off-policy estimate otherwise).
    pub estimate: f64,
    /// The interval's lower end.
    pub ci_low: f64,
    /// The interval's upper end.
    pub ci_high: f64,
    /// The simulator's planted conversion per visitor under the policy.
    pub planted: f64,
}

/// One feature's drift in step 7.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PsiRow {
    /// The feature.
    pub feature: String,
    /// Its PSI on a week like the training month.
    pub before: f64,
    /// Its PSI after the shift.
    pub after: f64,
    /// The Kolmogorov-Smirnov p-value after the shift (numeric features).
    pub ks_p_value: Option<f64>,
}

/// Step 7: the shift, its drift, the retrain policy, the new version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ShiftStep {
    /// Visitors in the week measured.
    pub week: usize,
    /// Every feature's PSI, highest after the shift first.
    pub by_psi: Vec<PsiRow>,
    /// PSI of the segment shares before the shift.
    pub assignment_psi_before: f64,
    /// PSI of the segment shares after the shift.
    pub assignment_psi_after: f64,
    /// The drift score of a week like the training month.
    pub score_before: f64,
    /// Its level.
    pub level_before: DriftLevel,
    /// The drift score after the shift.
    pub score_after: f64,
    /// Its level.
    pub level_after: DriftLevel,
    /// Mean distance to the nearest centre after the shift, over the
    /// training data's.
    pub distance_ratio: f64,
    /// Categories never seen in training, after the shift: field, value,
    /// share of the week's visitors.
    pub new_categories: Vec<(String, String, f64)>,
    /// The rule of the default retrain policy that fired, if one did.
    pub retrain_reason: Option<String>,
    /// The streaming monitor's score after the first day.
    pub streamed_score: f64,
    /// Its level.
    pub streamed_level: DriftLevel,
    /// The retrain policy's decision, in words, when it kept the model.
    pub kept: Option<String>,
    /// The new version, when the policy retrained.
    pub retrained: Option<NewVersion>,
    /// The saved segmentations, version by version.
    pub pipeline_files: Vec<PathBuf>,
}

/// The new version of step 7 and the experiment's days in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct NewVersion {
    /// Its version.
    pub version: u64,
    /// Its parent's.
    pub parent: Option<u64>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Its number of segments.
    pub k: usize,
    /// Why.
    pub reason: String,
    /// The held-out silhouette of the model it replaces (champion).
    pub champion_silhouette: f64,
    /// Its own held-out silhouette (challenger).
    pub challenger_silhouette: f64,
    /// Whether its quality gate passed.
    pub quality_passed: bool,
    /// The drift score of the shifted week against it.
    pub drift_score: f64,
    /// Its level.
    pub drift_level: DriftLevel,
    /// Segments of the first version whose posteriors warm-start it.
    pub old_segments: usize,
    /// Each variant's warm-start prior: name, α, β.
    pub priors: Vec<(String, f64, f64)>,
    /// Days the experiment went on.
    pub days: usize,
    /// Each new segment's name and its last allocation to the treatment.
    pub treatment_allocation: Vec<(String, f64)>,
}

/// The closing section: where the files are.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FilesStep {
    /// The folder of the SQLite file and the saved segmentations.
    pub state_dir: PathBuf,
    /// Batches in the store at the end.
    pub events: u64,
    /// The saved segmentations.
    pub pipeline_files: Vec<PathBuf>,
    /// The chart folder, if any.
    pub charts_dir: Option<PathBuf>,
    /// The charts written.
    pub charts: Vec<PathBuf>,
}

/// What the walk-through found, for callers and tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Events (batches) recorded in the SQLite store during the
    /// experiment of step 6.
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

impl WalkReport {
    /// The main numbers of the walk-through, gathered from its steps.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_demo::{DemoOptions, walk};
    ///
    /// let dir = std::env::temp_dir().join(format!("seg-demo-doc-summary-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// let options = DemoOptions::new(2).visitors_per_month(6_000).days(3, 7).state_dir(&dir);
    /// let report = walk(&options)?;
    /// let summary = report.summary();
    /// assert_eq!(summary.k, report.choice.k);
    /// assert_eq!(summary.events, report.experiment.events);
    /// assert_eq!(summary.drift_score, report.shift.score_after);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summary(&self) -> DemoSummary {
        let next = self.shift.retrained.as_ref();
        DemoSummary {
            visitors: self.features.visitors,
            k: self.choice.k,
            k_reason: self.choice.reason.clone(),
            quality_passed: self.gate.passed,
            agreement_with_planted: self.segments.agreement_with_planted,
            plans: self.plan.plans.clone(),
            overall_n_per_variant: self.plan.overall_n_ceil,
            events: self.experiment.events,
            srm_mismatches: self.experiment.srm_mismatches,
            sequential_stops: self.experiment.sequential_stops.clone(),
            drift_score_before: self.shift.score_before,
            drift_score: self.shift.score_after,
            drift_level: self.shift.level_after,
            retrained: next.is_some(),
            model_version: self.choice.model_version,
            new_version: next.map(|n| n.version),
            new_parent: next.and_then(|n| n.parent),
            new_k: next.map(|n| n.k),
            state_dir: self.files.state_dir.clone(),
            state_file: self.experiment.state_file.clone(),
            pipeline_files: self.shift.pipeline_files.clone(),
            charts: self.files.charts.clone(),
        }
    }
}
