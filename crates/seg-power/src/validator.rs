//! Pre-launch experiment validation: a plan in, a launch report out.

use serde::{Deserialize, Serialize};

use crate::common::{Alternative, Mde, ceil_u64};
use crate::correction::Correction;
use crate::group_sequential::{GroupSequential, SpendingFunction};
use crate::planning::{SUM_TOLERANCE, Traffic, plan_proportions};
use crate::proportions::{ProportionMde, ProportionMethod, ProportionTest};

/// Baselines below this rate get a `low_baseline` warning.
pub const LOW_BASELINE: f64 = 0.01;
/// More units per group than this get a `huge_sample` warning.
pub const HUGE_SAMPLE: f64 = 1_000_000.0;
/// Segments with a smaller share of traffic get a `small_segment` warning.
pub const SMALL_SEGMENT_SHARE: f64 = 0.05;
/// More comparisons than this get a `many_comparisons` warning.
pub const MANY_COMPARISONS: usize = 20;

/// An analysed segment of traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// A name for the report.
    pub name: String,
    /// The share of daily traffic in the segment, in (0, 1].
    pub share: f64,
}

/// How sample-ratio mismatch will be monitored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SrmMonitoring {
    /// The p-value threshold (default 0.001).
    pub threshold: f64,
    /// Whether the anytime-valid [`SequentialSrm`](crate::SequentialSrm)
    /// is used (default true). Repeating the fixed chi-square test at every
    /// look inflates false alarms.
    pub sequential: bool,
}

impl Default for SrmMonitoring {
    fn default() -> Self {
        SrmMonitoring {
            threshold: 0.001,
            sequential: true,
        }
    }
}

fn default_alpha() -> f64 {
    0.05
}
fn default_power() -> f64 {
    0.8
}
fn default_allocation() -> Vec<f64> {
    vec![0.5, 0.5]
}
fn default_correction() -> Correction {
    Correction::Holm
}
fn default_looks() -> usize {
    1
}

/// An experiment plan to validate before launch (a conversion-rate test).
///
/// Deserialises from JSON with defaults for everything but `baseline`,
/// `mde`, `daily_traffic` and `max_days`.
///
/// # Example
///
/// ```
/// use seg_power::ExperimentPlan;
///
/// let plan: ExperimentPlan = serde_json::from_str(r#"{
///     "baseline": 0.05, "mde": {"kind": "relative", "value": 0.1},
///     "daily_traffic": 5000, "max_days": 30
/// }"#)?;
/// assert_eq!(plan.allocation, vec![0.5, 0.5]);
/// assert!(plan.validate().can_launch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentPlan {
    /// The control conversion rate, in (0, 1).
    pub baseline: f64,
    /// The smallest effect worth detecting.
    pub mde: Mde,
    /// Family-wise α (default 0.05).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Power for each comparison (default 0.8).
    #[serde(default = "default_power")]
    pub power: f64,
    /// Traffic shares, control first (default 50/50).
    #[serde(default = "default_allocation")]
    pub allocation: Vec<f64>,
    /// Analysed segments (default: none, the whole population).
    #[serde(default)]
    pub segments: Vec<Segment>,
    /// Units entering the experiment per day.
    pub daily_traffic: f64,
    /// The longest acceptable duration in days.
    pub max_days: f64,
    /// The multiple-testing correction (default Holm).
    #[serde(default = "default_correction")]
    pub correction: Correction,
    /// Planned analyses, 1 for a fixed-horizon test (default 1). With more,
    /// the sample size is inflated for an O'Brien-Fleming-type spending
    /// design.
    #[serde(default = "default_looks")]
    pub planned_looks: usize,
    /// The variance model (default pooled).
    #[serde(default)]
    pub method: ProportionMethod,
    /// Two-sided (default) or one-sided.
    #[serde(default)]
    pub alternative: Alternative,
    /// SRM monitoring settings.
    #[serde(default)]
    pub srm: SrmMonitoring,
}

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The experiment must not launch as planned.
    Error,
    /// The experiment can launch, but look at this.
    Warning,
}

/// One finding of the validator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// Error or warning.
    pub severity: Severity,
    /// A stable machine-readable code, e.g. `duration_exceeds_max`.
    pub code: String,
    /// A human-readable explanation with the numbers.
    pub message: String,
    /// The offending value, when there is one.
    pub value: Option<f64>,
}

/// Requirements of one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRequirement {
    /// The segment name.
    pub name: String,
    /// Its share of traffic.
    pub share: f64,
    /// Units per group (control first), rounded up.
    pub n_per_group: Vec<u64>,
    /// Days until this segment has its units.
    pub days: f64,
}

/// The validator's verdict on an [`ExperimentPlan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchReport {
    /// True when there are no errors.
    pub can_launch: bool,
    /// Every error and warning, errors first.
    pub issues: Vec<Issue>,
    /// Variants × segments.
    pub comparisons: usize,
    /// The α each comparison is planned at.
    pub alpha_per_comparison: Option<f64>,
    /// The group-sequential sample-size inflation factor (1 for one look).
    pub sequential_inflation: Option<f64>,
    /// Units per group (control first) in each segment, unrounded.
    pub n_per_group: Option<Vec<f64>>,
    /// Per-segment requirements.
    pub segments: Vec<SegmentRequirement>,
    /// Days until every segment has its units.
    pub expected_days: Option<f64>,
    /// `⌈expected_days⌉`.
    pub expected_days_ceil: Option<u64>,
    /// The maximum duration.
    pub max_days: f64,
    /// The MDE reachable within `max_days` (largest over variants, at the
    /// smallest segment).
    pub mde_within_max_days: Option<ProportionMde>,
}

impl ExperimentPlan {
    /// A plan with the defaults: α = 0.05, power 0.8, 50/50, no segments,
    /// Holm, one look, pooled two-sided test, sequential SRM at 0.001.
    ///
    /// # Example
    /// ```
    /// use seg_power::{ExperimentPlan, Mde};
    /// // 5 % baseline, +10 % relative, 10,000 visitors a day, at most 4 weeks:
    /// // 31,234 per group, 6.25 days.
    /// let report = ExperimentPlan::new(0.05, Mde::Relative(0.10), 10_000.0, 28.0).validate();
    /// assert!(report.can_launch);
    /// assert_eq!(report.expected_days_ceil, Some(7));
    /// let too_short = ExperimentPlan::new(0.05, Mde::Relative(0.10), 10_000.0, 3.0).validate();
    /// assert!(!too_short.can_launch);
    /// ```
    pub fn new(baseline: f64, mde: Mde, daily_traffic: f64, max_days: f64) -> Self {
        ExperimentPlan {
            baseline,
            mde,
            alpha: default_alpha(),
            power: default_power(),
            allocation: default_allocation(),
            segments: Vec::new(),
            daily_traffic,
            max_days,
            correction: default_correction(),
            planned_looks: default_looks(),
            method: ProportionMethod::default(),
            alternative: Alternative::default(),
            srm: SrmMonitoring::default(),
        }
    }

    /// Validates the plan. Never fails: every problem is an [`Issue`] in
    /// the report, and `can_launch` is false when any is an error.
    ///
    /// Errors: invalid rates, α, power or MDE; fewer than two groups; an
    /// allocation or segment shares that do not add up; non-positive
    /// traffic or duration; a duration beyond `max_days` (with the MDE the
    /// maximum duration can reach); segments too small to finish in time;
    /// an invalid number of looks or SRM threshold. Warnings: a baseline
    /// below 1 % or more than a million units per group, segments under
    /// 5 % of traffic, more than 20 comparisons, lax or repeated SRM
    /// checks.
    ///
    /// # Example: an e-commerce site
    ///
    /// 50,000 visitors a month (1,667 a day) converting at 2.5 %, 50/50, no
    /// segments, α = 0.05 two-sided, power 0.8, at most 8 weeks. A 10 %
    /// lift (2.5 % → 2.75 %) needs 64,199 visitors per group: 77.04 days,
    /// too long. Within 56 days the site can detect an 11.8 % lift
    /// (2.5 % → 2.79 %); a 15 % lift needs 29,193 per group, 36 days.
    ///
    /// ```
    /// use seg_power::{ExperimentPlan, Mde};
    ///
    /// let daily = 50_000.0 / 30.0;
    /// let report = ExperimentPlan::new(0.025, Mde::Relative(0.10), daily, 56.0).validate();
    /// assert!(!report.can_launch);
    /// assert_eq!(report.issues[0].code, "duration_exceeds_max");
    /// assert_eq!(report.segments[0].n_per_group, vec![64_199, 64_199]);
    /// assert_eq!(report.expected_days_ceil, Some(78));
    /// let mde = report.mde_within_max_days.expect("reachable");
    /// assert!((mde.relative - 0.11777).abs() < 1e-4);
    ///
    /// let report = ExperimentPlan::new(0.025, Mde::Relative(0.15), daily, 56.0).validate();
    /// assert!(report.can_launch);
    /// assert_eq!(report.segments[0].n_per_group, vec![29_193, 29_193]);
    /// assert_eq!(report.expected_days_ceil, Some(36));
    /// ```
    ///
    /// # Example: a SaaS trial
    ///
    /// 2,000 sign-ups a month (66.7 a day), 15 % trial-to-paid, 50/50, at
    /// most 90 days. In 90 days (3,000 per group) it can detect a 17.8 %
    /// relative lift (15 % → 17.7 %); a 20 % lift (15 % → 18 %) needs 2,402
    /// per group, 73 days. A 10 % lift would take 278 days.
    ///
    /// ```
    /// use seg_power::{ExperimentPlan, Mde};
    ///
    /// let daily = 2_000.0 / 30.0;
    /// let report = ExperimentPlan::new(0.15, Mde::Relative(0.20), daily, 90.0).validate();
    /// assert!(report.can_launch);
    /// assert_eq!(report.segments[0].n_per_group, vec![2_402, 2_402]);
    /// assert_eq!(report.expected_days_ceil, Some(73));
    /// let mde = report.mde_within_max_days.expect("reachable");
    /// assert!((mde.relative - 0.17825).abs() < 1e-4);
    ///
    /// let report = ExperimentPlan::new(0.15, Mde::Relative(0.10), daily, 90.0).validate();
    /// assert!(!report.can_launch);
    /// assert_eq!(report.expected_days_ceil, Some(278));
    /// ```
    pub fn validate(&self) -> LaunchReport {
        let mut issues = Vec::new();
        let mut err = |code: &str, message: String, value: Option<f64>| {
            issues.push(Issue {
                severity: Severity::Error,
                code: code.to_string(),
                message,
                value,
            });
        };
        let prob_ok = |v: f64| v > 0.0 && v < 1.0;
        if !prob_ok(self.baseline) {
            err(
                "invalid_baseline",
                format!("baseline must be in (0, 1), got {}", self.baseline),
                Some(self.baseline),
            );
        }
        if !prob_ok(self.alpha) {
            err(
                "invalid_alpha",
                format!("alpha must be in (0, 1), got {}", self.alpha),
                Some(self.alpha),
            );
        }
        if !prob_ok(self.power) || self.power <= self.alpha {
            err(
                "invalid_power",
                format!("power must be in (alpha, 1), got {}", self.power),
                Some(self.power),
            );
        }
        if self.allocation.len() < 2 {
            err(
                "too_few_groups",
                format!(
                    "need a control and at least one variant, got {} group(s)",
                    self.allocation.len()
                ),
                Some(self.allocation.len() as f64),
            );
        }
        if let Some((i, v)) = self
            .allocation
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            err(
                "invalid_allocation",
                format!("allocation[{i}] = {v} must be positive"),
                Some(*v),
            );
        }
        let alloc_sum: f64 = self.allocation.iter().sum();
        if self.allocation.len() >= 2 && (alloc_sum - 1.0).abs() > SUM_TOLERANCE {
            err(
                "allocation_sum",
                format!("allocation sums to {alloc_sum}, not 1"),
                Some(alloc_sum),
            );
        }
        let shares: Vec<f64> = if self.segments.is_empty() {
            vec![1.0]
        } else {
            self.segments.iter().map(|s| s.share).collect()
        };
        let names: Vec<String> = if self.segments.is_empty() {
            vec!["all".to_string()]
        } else {
            self.segments.iter().map(|s| s.name.clone()).collect()
        };
        if let Some((i, v)) = shares
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0 && **v <= 1.0))
        {
            err(
                "invalid_segment_share",
                format!("segment `{}` has share {v}, must be in (0, 1]", names[i]),
                Some(*v),
            );
        }
        let share_sum: f64 = shares.iter().sum();
        if share_sum > 1.0 + SUM_TOLERANCE {
            err(
                "segment_shares_sum",
                format!("segment shares sum to {share_sum}, more than 1"),
                Some(share_sum),
            );
        }
        if !(self.daily_traffic.is_finite() && self.daily_traffic > 0.0) {
            err(
                "invalid_daily_traffic",
                format!("daily traffic must be positive, got {}", self.daily_traffic),
                Some(self.daily_traffic),
            );
        }
        if !(self.max_days.is_finite() && self.max_days > 0.0) {
            err(
                "invalid_max_days",
                format!("max_days must be positive, got {}", self.max_days),
                Some(self.max_days),
            );
        }
        if self.planned_looks == 0 || self.planned_looks > 100 {
            err(
                "invalid_looks",
                format!(
                    "planned_looks must be in 1..=100, got {}",
                    self.planned_looks
                ),
                Some(self.planned_looks as f64),
            );
        }
        if !prob_ok(self.srm.threshold) {
            err(
                "invalid_srm_threshold",
                format!(
                    "SRM threshold must be in (0, 1), got {}",
                    self.srm.threshold
                ),
                Some(self.srm.threshold),
            );
        }
        let treatment = self.mde.treatment(self.baseline);
        if prob_ok(self.baseline)
            && !(treatment.is_finite() && prob_ok(treatment) && treatment != self.baseline)
        {
            err(
                "invalid_mde",
                format!(
                    "the MDE gives a treatment rate of {treatment}; it must be in (0, 1) and differ from the baseline"
                ),
                Some(treatment),
            );
        }
        let comparisons = self.allocation.len().saturating_sub(1) * shares.len();
        let mut report = LaunchReport {
            can_launch: false,
            issues: Vec::new(),
            comparisons,
            alpha_per_comparison: None,
            sequential_inflation: None,
            n_per_group: None,
            segments: Vec::new(),
            expected_days: None,
            expected_days_ceil: None,
            max_days: self.max_days,
            mde_within_max_days: None,
        };
        if issues.is_empty() {
            self.plan_into(&mut report, &mut issues, shares, names);
        }
        self.warnings(&report, &mut issues);
        issues.sort_by_key(|i| i.severity != Severity::Error);
        report.can_launch = !issues.iter().any(|i| i.severity == Severity::Error);
        report.issues = issues;
        report
    }

    /// Sample size, duration and MDE for a plan whose inputs are valid.
    fn plan_into(
        &self,
        report: &mut LaunchReport,
        issues: &mut Vec<Issue>,
        shares: Vec<f64>,
        names: Vec<String>,
    ) {
        let traffic =
            match Traffic::new(self.daily_traffic, self.allocation.clone(), shares.clone()) {
                Ok(t) => t,
                Err(e) => {
                    issues.push(Issue {
                        severity: Severity::Error,
                        code: "invalid_traffic".into(),
                        message: e.to_string(),
                        value: None,
                    });
                    return;
                }
            };
        let test = ProportionTest::new(self.baseline)
            .alpha(self.alpha)
            .method(self.method)
            .alternative(self.alternative);
        let plan = match plan_proportions(
            &test,
            self.mde,
            self.power,
            self.correction,
            &traffic,
            Some(self.max_days),
        ) {
            Ok(p) => p,
            Err(e) => {
                issues.push(Issue {
                    severity: Severity::Error,
                    code: "no_plan".into(),
                    message: e.to_string(),
                    value: None,
                });
                return;
            }
        };
        let inflation = if self.planned_looks > 1 {
            GroupSequential::spending(SpendingFunction::ObrienFleming, self.planned_looks)
                .alpha(plan.alpha_per_comparison)
                .alternative(self.alternative)
                .design()
                .and_then(|d| d.solve_power(self.power))
                .map(|p| p.inflation_factor)
        } else {
            Ok(1.0)
        };
        let inflation = match inflation {
            Ok(r) => r,
            Err(e) => {
                issues.push(Issue {
                    severity: Severity::Error,
                    code: "no_sequential_design".into(),
                    message: e.to_string(),
                    value: None,
                });
                return;
            }
        };
        let n_per_group: Vec<f64> = plan.n_per_group.iter().map(|n| n * inflation).collect();
        let a0 = self.allocation[0];
        let mut worst: f64 = 0.0;
        for (&share, name) in shares.iter().zip(&names) {
            let days = n_per_group[0] / (self.daily_traffic * a0 * share);
            worst = worst.max(days);
            if days > self.max_days && shares.len() > 1 {
                issues.push(Issue {
                    severity: Severity::Error,
                    code: "segment_too_small".into(),
                    message: format!(
                        "segment `{name}` ({:.1} % of traffic) needs {days:.1} days to reach {} units per group, more than {} days",
                        100.0 * share,
                        ceil_u64(n_per_group[0]),
                        self.max_days
                    ),
                    value: Some(days),
                });
            }
            report.segments.push(SegmentRequirement {
                name: name.clone(),
                share,
                n_per_group: n_per_group.iter().map(|&n| ceil_u64(n)).collect(),
                days,
            });
        }
        // The MDE within the maximum duration, with the same inflation.
        let mde = if inflation > 1.0 {
            let n1 = traffic.daily_units(0, traffic.smallest_segment()) * self.max_days / inflation;
            let mut worst_mde: Option<ProportionMde> = None;
            for &a in &self.allocation[1..] {
                match test
                    .alpha(plan.alpha_per_comparison)
                    .ratio(a / a0)
                    .mde(n1, self.power)
                {
                    Ok(m) if worst_mde.is_none_or(|w| m.absolute > w.absolute) => {
                        worst_mde = Some(m)
                    }
                    Ok(_) => {}
                    Err(_) => {
                        // Some variant cannot detect anything in time.
                        worst_mde = None;
                        break;
                    }
                }
            }
            worst_mde
        } else {
            plan.mde_within_max_days
        };
        if worst > self.max_days {
            let reach = match &mde {
                Some(m) => format!(
                    "; within {} days it can detect {:.2} % relative ({:.4} → {:.4})",
                    self.max_days,
                    100.0 * m.relative,
                    m.p1,
                    m.p2
                ),
                None => format!("; no effect is detectable within {} days", self.max_days),
            };
            issues.push(Issue {
                severity: Severity::Error,
                code: "duration_exceeds_max".into(),
                message: format!(
                    "needs {worst:.1} days ({} units per group), more than the maximum {}{reach}",
                    ceil_u64(n_per_group[0]),
                    self.max_days
                ),
                value: Some(worst),
            });
        }
        report.alpha_per_comparison = Some(plan.alpha_per_comparison);
        report.sequential_inflation = Some(inflation);
        report.expected_days = Some(worst);
        report.expected_days_ceil = Some(ceil_u64(worst));
        report.mde_within_max_days = mde;
        report.n_per_group = Some(n_per_group);
    }

    fn warnings(&self, report: &LaunchReport, issues: &mut Vec<Issue>) {
        let mut warn = |code: &str, message: String, value: Option<f64>| {
            issues.push(Issue {
                severity: Severity::Warning,
                code: code.to_string(),
                message,
                value,
            });
        };
        if self.baseline > 0.0 && self.baseline < LOW_BASELINE {
            warn(
                "low_baseline",
                format!(
                    "baseline {} is below {LOW_BASELINE}: rare outcomes make the sample size explode",
                    self.baseline
                ),
                Some(self.baseline),
            );
        }
        if let Some(n) = report.n_per_group.as_ref().and_then(|v| v.first())
            && *n > HUGE_SAMPLE
        {
            warn(
                "huge_sample",
                format!("{} units per group are needed", ceil_u64(*n)),
                Some(*n),
            );
        }
        for s in &self.segments {
            if s.share > 0.0 && s.share < SMALL_SEGMENT_SHARE {
                warn(
                    "small_segment",
                    format!(
                        "segment `{}` has only {:.1} % of traffic and sets the duration",
                        s.name,
                        100.0 * s.share
                    ),
                    Some(s.share),
                );
            }
        }
        if report.comparisons > MANY_COMPARISONS {
            warn(
                "many_comparisons",
                format!(
                    "{} comparisons: the correction makes each test much stricter",
                    report.comparisons
                ),
                Some(report.comparisons as f64),
            );
        }
        if self.srm.threshold > 0.01 && self.srm.threshold < 1.0 {
            warn(
                "lax_srm_threshold",
                format!(
                    "SRM threshold {} flags many healthy experiments; 0.001 is usual",
                    self.srm.threshold
                ),
                Some(self.srm.threshold),
            );
        }
        if self.planned_looks > 1 && !self.srm.sequential {
            warn(
                "repeated_srm_checks",
                format!(
                    "the fixed chi-square SRM test repeated at {} looks inflates false alarms; use the sequential SRM test",
                    self.planned_looks
                ),
                Some(self.planned_looks as f64),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(r: &LaunchReport) -> Vec<&str> {
        r.issues.iter().map(|i| i.code.as_str()).collect()
    }

    #[test]
    fn allocation_not_summing_to_one_blocks_launch() {
        let mut plan = ExperimentPlan::new(0.1, Mde::Relative(0.1), 10_000.0, 30.0);
        plan.allocation = vec![0.5, 0.4];
        let r = plan.validate();
        assert!(!r.can_launch);
        assert!(codes(&r).contains(&"allocation_sum"));
        assert_eq!(r.issues[0].value, Some(0.9));
    }

    #[test]
    fn fewer_than_two_groups_blocks_launch() {
        let mut plan = ExperimentPlan::new(0.1, Mde::Relative(0.1), 10_000.0, 30.0);
        plan.allocation = vec![1.0];
        let r = plan.validate();
        assert!(codes(&r).contains(&"too_few_groups"));
        assert!(!r.can_launch);
    }

    #[test]
    fn small_segments_are_reported_with_their_days() {
        let mut plan = ExperimentPlan::new(0.05, Mde::Relative(0.1), 20_000.0, 30.0);
        plan.segments = vec![
            Segment {
                name: "desktop".into(),
                share: 0.6,
            },
            Segment {
                name: "tablet".into(),
                share: 0.03,
            },
            Segment {
                name: "mobile".into(),
                share: 0.37,
            },
        ];
        let r = plan.validate();
        assert!(!r.can_launch);
        let c = codes(&r);
        assert!(c.contains(&"segment_too_small") && c.contains(&"small_segment"));
        assert_eq!(r.comparisons, 3);
        let tablet = &r.segments[1];
        assert!(tablet.days > r.segments[0].days * 19.0);
    }

    #[test]
    fn low_baseline_and_invalid_values_are_flagged() {
        let plan = ExperimentPlan::new(0.002, Mde::Relative(0.05), 1e5, 60.0);
        let r = plan.validate();
        assert!(codes(&r).contains(&"low_baseline"));
        assert!(codes(&r).contains(&"huge_sample"));
        let plan = ExperimentPlan::new(f64::NAN, Mde::Relative(0.05), -1.0, 0.0);
        let r = plan.validate();
        let c = codes(&r);
        assert!(
            c.contains(&"invalid_baseline")
                && c.contains(&"invalid_daily_traffic")
                && c.contains(&"invalid_max_days")
        );
    }

    #[test]
    fn sequential_looks_inflate_the_sample() {
        let mut plan = ExperimentPlan::new(0.1, Mde::Relative(0.1), 10_000.0, 60.0);
        let fixed = plan.validate();
        plan.planned_looks = 5;
        plan.srm.sequential = false;
        let seq = plan.validate();
        let r = seq.sequential_inflation.unwrap_or(0.0);
        assert!(r > 1.0 && r < 1.1, "{r}");
        let (a, b) = (
            fixed.n_per_group.as_deref().unwrap_or(&[])[0],
            seq.n_per_group.as_deref().unwrap_or(&[])[0],
        );
        assert!((b / a - r).abs() < 1e-12);
        assert!(codes(&seq).contains(&"repeated_srm_checks"));
    }

    #[test]
    fn report_serialises_to_json() {
        let r = ExperimentPlan::new(0.1, Mde::Relative(0.1), 10_000.0, 30.0).validate();
        let json = serde_json::to_string(&r).unwrap();
        let back: LaunchReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
