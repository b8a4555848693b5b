//! The text of the walk-through: `Display` for the report and each step.

use std::fmt::{self, Display, Formatter};
use std::path::PathBuf;

use crate::experiment::FLOOR;
use crate::profile::number;
use crate::report::{
    ChoiceStep, ExperimentStep, FeaturesStep, FilesStep, GateStep, PayoffStep, PlanStep,
    SegmentsStep, ShiftStep, WalkReport,
};
use crate::walk::{ALPHA, CONVERSION, LIFT, POWER, PROMISED_DAYS, SILHOUETTE_ROWS, WARM_START_CAP};

impl Display for WalkReport {
    /// The walk-through's text: one section per step, then the files and
    /// the time taken.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}{}{}{}{}{}{}",
            self.features,
            self.choice,
            self.segments,
            self.gate,
            self.plan,
            self.experiment,
            self.payoff,
            self.shift,
            self.files
        )?;
        writeln!(f, "Done in {:.2} s.", self.elapsed_seconds)
    }
}

impl Display for FeaturesStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "== 1. Features")?;
        writeln!(
            f,
            "One month of simulated traffic, the seed's first case: {} visitors ({} a day), {:.1}% \
             conversion under the control, an A/B test running; seed {}.",
            thousands(self.visitors as f64),
            thousands(self.daily as f64),
            100.0 * CONVERSION,
            self.seed
        )?;
        writeln!(
            f,
            "Schema: {} fields → {} features, each in [0, 1]:\n",
            self.fields.len(),
            self.n_features
        )?;
        for field in &self.fields {
            writeln!(
                f,
                "  {:<20} {:<62} → {}",
                field.name,
                field.encoding,
                field.features.join(", ")
            )?;
        }
        writeln!(
            f,
            "Left out: hour, weekday, browser and country — when and with what visitors came, not \
             who they are; they blur the behavioural segments."
        )
    }
}

impl Display for ChoiceStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n== 2. Choosing k")?;
        writeln!(
            f,
            "k-means++ (3 restarts) for every k in 2..=8, scored on the transformed visitors \
             (silhouette on {} sampled rows); fit and choice took {:.2} s.",
            thousands(SILHOUETTE_ROWS as f64),
            self.fit_seconds
        )?;
        writeln!(
            f,
            "\n   k  silhouette  Davies-Bouldin  Calinski-Harabasz  smallest segment  stability"
        )?;
        for s in &self.scores {
            writeln!(
                f,
                "{} {:>2}  {:>10.3}  {:>14.3}  {:>17.0}  {:>15.1}%  {:>9.2}{}",
                if s.k == self.k { "→" } else { " " },
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
        writeln!(f, "\nChosen: {}", self.reason)
    }
}

impl Display for SegmentsStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n== 3. The segments, in original units")?;
        for s in &self.segments {
            writeln!(
                f,
                "{}  {:>4.1}% of visitors; mostly {} ({:.0}% of the segment)",
                s.name,
                100.0 * s.share,
                s.mostly,
                100.0 * s.mostly_count as f64 / s.size.max(1) as f64
            )?;
            for t in &s.traits {
                writeln!(f, "      {t}")?;
            }
        }
        writeln!(
            f,
            "Agreement with the simulator's {} planted segments: adjusted Rand index {:.2} \
             (1 = the same partition, 0 = chance). The planted segments overlap in behaviour, \
             so k-means splits some and merges others.",
            self.n_planted, self.agreement_with_planted
        )
    }
}

impl Display for GateStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n== 4. Quality gate")?;
        for c in &self.checks {
            writeln!(
                f,
                "  {:<18} {:>7.3} {} {:<6} {}",
                c.name(),
                c.value(),
                c.comparison(),
                number(c.threshold()),
                if c.passed() { "pass" } else { "FAIL" }
            )?;
        }
        writeln!(
            f,
            "Verdict: {}{}",
            if self.passed {
                "deploy"
            } else {
                "do not deploy"
            },
            if self.sampled {
                " (silhouette on a stratified sample)"
            } else {
                ""
            }
        )
    }
}

impl Display for PlanStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let daily = self.daily;
        let m = self.comparisons;
        let alpha_c = self.alpha_per_comparison;
        writeln!(f, "\n== 5. Experiment plan per segment")?;
        writeln!(
            f,
            "Goal: detect a {:.0}% relative lift of the treatment in each segment, power {:.0}%, \
             family-wise α = {ALPHA} over {m} comparisons (segments × variants): Bonferroni α = \
             {alpha_c:.4} per comparison (Holm's first step is the same; the analysis in step 6 \
             uses Holm). Traffic: {} visitors a day, half to each variant.",
            100.0 * LIFT,
            100.0 * POWER,
            thousands(daily)
        )?;
        writeln!(
            f,
            "\nThe seed promised \"2,500 per variant in 15 days\". Unsegmented, at {:.1}% \
             conversion and α = {ALPHA}:\n\
             - a {:.0}% lift needs {} visitors per variant: {:.0} days of all the traffic;\n\
             - 2,500 per variant detect only a {:.0}% lift (to {:.2}%);\n\
             - 15 days ({} per variant) detect a {:.0}% lift.",
            100.0 * CONVERSION,
            100.0 * LIFT,
            thousands(self.overall_n_ceil as f64),
            self.overall_n / (daily / 2.0),
            100.0 * self.promised_relative,
            100.0 * self.promised_p2,
            thousands(daily / 2.0 * PROMISED_DAYS),
            100.0 * self.in_15_days_relative
        )?;
        writeln!(
            f,
            "\nPer segment (baseline: its conversion under the control in the fitting month):\n\
             \n  segment  share  baseline  n per variant      days  in 15 days"
        )?;
        for p in &self.plans {
            writeln!(
                f,
                "  {:<7} {:>5.1}%  {:>7.2}%  {:>13}  {:>8}  {}",
                p.segment,
                100.0 * p.share,
                100.0 * p.baseline,
                thousands(p.n_per_variant as f64),
                thousands(p.days.ceil()),
                match (p.achievable, p.detectable_in_15_days) {
                    (true, _) => "achievable".to_owned(),
                    (false, Some(r)) => format!("not achievable: detects a {:.0}% lift", 100.0 * r),
                    (false, None) => "not achievable: too little traffic".to_owned(),
                }
            )?;
        }
        writeln!(
            f,
            "Segmenting multiplies the traffic needed: each segment has a fraction of the visitors \
             and must reach its own sample at a stricter α. Test per segment only where the \
             effect is expected to differ, or accept larger detectable lifts."
        )
    }
}

impl Display for ExperimentStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n== 6. The experiment: Thompson sampling per segment")?;
        writeln!(
            f,
            "State: {} (SQLite, one transaction per batch). Each day, every segment's allocation \
             is its Thompson-sampling probability from its Beta posteriors (uniform Beta(1, 1) \
             priors: no segment had data to warm-start from), with at least {:.0}% per variant; \
             visitors are assigned to a segment by the pipeline (assign_one, no allocation) and \
             to a variant by that allocation; conversions come from the simulator's planted \
             rates. Each evening: one batch per segment × variant, SRM of the day's split against \
             the day's allocation (chi-square, mismatch at p < 0.001), and a look of an mSPRT per \
             segment (α = {:.4}).",
            self.state_file.display(),
            100.0 * FLOOR,
            self.alpha
        )?;
        writeln!(f)?;
        for d in &self.days {
            writeln!(
                f,
                "day {:>2}: treatment allocation {}",
                d.day,
                shares(&d.treatment_allocation)
            )?;
            for note in &d.notes {
                writeln!(f, "        {note}")?;
            }
        }
        writeln!(
            f,
            "\n  segment     visitors C / T        naive C / T  by period C / T    planted C / T  \
             P(T > C)  mSPRT p  Holm p"
        )?;
        for s in &self.results {
            let rate = |x: u64, n: u64| format!("{:.2}%", 100.0 * x as f64 / n.max(1) as f64);
            let percent = |x: f64| format!("{:.2}%", 100.0 * x);
            let planted =
                |v: usize| format!("{:.2}%", 100.0 * s.planted[v] / s.visitors[v].max(1) as f64);
            let pair = |a: String, b: String| format!("{a} / {b}");
            writeln!(
                f,
                "  {:<7} {:>17}  {:>17}  {:>15}  {:>15}  {:>8.3}  {:>7.4}  {:>6.4}{}",
                s.segment,
                pair(
                    thousands(s.visitors[0] as f64),
                    thousands(s.visitors[1] as f64)
                ),
                pair(
                    rate(s.conversions[0], s.visitors[0]),
                    rate(s.conversions[1], s.visitors[1])
                ),
                pair(percent(s.period_weighted[0]), percent(s.period_weighted[1])),
                pair(planted(0), planted(1)),
                s.prob_treatment_better,
                s.msprt_p,
                s.holm_p,
                if s.significant { "  significant" } else { "" }
            )?;
        }
        writeln!(
            f,
            "{} batches recorded; {} daily SRM tests, {} mismatch{} (smallest p {:.3}); the \
             whole run's split per segment against each day's logged allocation: smallest p \
             {:.3} (against a fixed 50/50 split, which ignores the adaptive allocation: {}). \
             Naive: \
             conversions / visitors pooled over the days, biased under adaptive allocation (a \
             variant starved after a bad start keeps its bad start). By period: each day's \
             rate, days combined in proportion to their whole traffic, from the decision log \
             (unbiased: the allocation is fixed within a day; the inverse-propensity estimate \
             is in the JSON). Planted: the simulator's true conversion of the segment's \
             visitors under each variant.",
            thousands(self.events as f64),
            thousands(self.srm_tests as f64),
            self.srm_mismatches,
            if self.srm_mismatches == 1 { "" } else { "es" },
            self.srm_smallest_p,
            self.srm_run_smallest_p,
            if self.srm_fixed_ratio_smallest_p > 0.0 {
                format!("{:.1e}", self.srm_fixed_ratio_smallest_p)
            } else {
                "below 1e-300".to_owned()
            }
        )
    }
}

impl Display for PayoffStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n== 6b. Did personalisation pay?")?;
        writeln!(
            f,
            "From the experiment's own decision log ({} period batches: each day's visitors and \
             conversions per segment × variant, with the probability the variant was served \
             with), the conversion per visitor of the policy as it ran, and by off-policy \
             evaluation (doubly robust, 95% intervals) of the policies it could have been, next \
             to the simulator's planted truth. Best variant per segment: {}.\n",
            thousands(self.batches as f64),
            self.best_per_segment
                .iter()
                .map(|(s, v)| format!("{s} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        writeln!(
            f,
            "  policy                              conversion   95% interval       planted"
        )?;
        for p in &self.policies {
            writeln!(
                f,
                "  {:<34} {:>10.3}%   {:.3}% – {:.3}%   {:>7.3}%",
                p.policy,
                100.0 * p.estimate,
                100.0 * p.ci_low,
                100.0 * p.ci_high,
                100.0 * p.planted
            )?;
        }
        writeln!(
            f,
            "Personalisation (best variant per segment) against the best single variant for \
             everyone: {:+.1}% estimated, {:+.1}% planted (the seed's claim: +42%). The best \
             variant of each segment is chosen on the same log, so its estimate is a little \
             optimistic.",
            100.0 * self.personalisation_lift,
            100.0 * self.planted_personalisation_lift
        )
    }
}

impl Display for ShiftStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\n== 7. The traffic shifts: drift, retraining, a new version"
        )?;
        writeln!(
            f,
            "A new traffic source, tiktok, now brings 30% of every segment's visitors; new \
             explorers double, budget hunters gain 40%, premium shoppers lose 40%. The model saw \
             no tiktok: the transform folds it into traffic_source=<other>, and the drift report of the \
             raw fields names it.\n\
             \nDrift of {} visitors after the shift against the training baseline (and of a week \
             like the training month, for comparison):\n\
             \n  feature                       PSI before  PSI after  KS p after",
            thousands(self.week as f64)
        )?;
        for row in self.by_psi.iter().take(6) {
            writeln!(
                f,
                "  {:<28} {:>10.3}  {:>9.3}  {}",
                row.feature,
                row.before,
                row.after,
                row.ks_p_value
                    .map_or("-".to_owned(), |p| format!("{p:.2e}"))
            )?;
        }
        writeln!(
            f,
            "  segment shares (assignment)  {:>10.3}  {:>9.3}\n\
             Score {:.3} ({:?}); before the shift {:.3} ({:?}). Mean distance to the nearest \
             centre: {:.2}× the training data's.",
            self.assignment_psi_before,
            self.assignment_psi_after,
            self.score_after,
            self.level_after,
            self.score_before,
            self.level_before,
            self.distance_ratio
        )?;
        for (field, value, share) in &self.new_categories {
            writeln!(
                f,
                "New in the raw field {field}: `{value}`, {:.1}% of the visitors.",
                100.0 * share
            )?;
        }
        writeln!(
            f,
            "The streaming monitor (fed one visitor at a time, a window of one day) reads {:.3} \
             ({:?}) after the first day.",
            self.streamed_score, self.streamed_level
        )?;
        if let Some(decision) = &self.kept {
            match &self.retrain_reason {
                Some(reason) => writeln!(
                    f,
                    "Retrain policy (the library's default: retrain when a PSI is above 0.2 and \
                     significant): {reason}.\nChampion and challenger: {decision}; the model is kept."
                )?,
                None => writeln!(f, "Retrain policy: {decision}; the model is kept.")?,
            }
        }
        let Some(next) = &self.retrained else {
            return Ok(());
        };
        writeln!(
            f,
            "Retrain policy (the library's default: retrain when a PSI is above 0.2 and \
             significant): {}.\nChampion and challenger: on a held-out fifth of the week the \
             retrained model's silhouette is {:.3}, the current model's {:.3}; it passes its \
             quality gate and is not worse (by more than 0.01), so it is promoted.\n\
             New version {} (parent {}), made {}: k = {}; {}\nQuality gate: {}. \
             Drift of the shifted week against the new version: {:.3} ({:?}).",
            self.retrain_reason.as_deref().unwrap_or("retrain"),
            next.challenger_silhouette,
            next.champion_silhouette,
            next.version,
            next.parent.map_or("none".to_owned(), |p| p.to_string()),
            next.created_at,
            next.k,
            next.reason,
            if next.quality_passed { "pass" } else { "fail" },
            next.drift_score,
            next.drift_level
        )?;
        writeln!(
            f,
            "The experiment goes on in the {} new segments. Each starts from the warm-start prior \
             fitted on the {} old segments' posteriors (empirical Bayes, at most {} \
             pseudo-visitors): {}.",
            next.treatment_allocation.len(),
            next.old_segments,
            WARM_START_CAP,
            next.priors
                .iter()
                .map(|(v, alpha, beta)| format!(
                    "{v} Beta({alpha:.1}, {beta:.1}), mean {:.2}%",
                    100.0 * alpha / (alpha + beta)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        writeln!(
            f,
            "After {} more days, treatment allocation: {}.",
            next.days,
            shares(&next.treatment_allocation)
        )
    }
}

impl Display for FilesStep {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n== Files")?;
        writeln!(
            f,
            "State and models: {}\n  bandit.sqlite ({} batches), {}",
            self.state_dir.display(),
            thousands(self.events as f64),
            file_names(&self.pipeline_files)
        )?;
        match &self.charts_dir {
            Some(dir) => writeln!(
                f,
                "Charts: {}\n  {}",
                dir.display(),
                file_names(&self.charts)
            ),
            None => writeln!(f, "Charts: none (no chart folder given)"),
        }
    }
}

/// `name share` pairs, shares with two decimals, joined by commas.
fn shares(pairs: &[(String, f64)]) -> String {
    pairs
        .iter()
        .map(|(n, share)| format!("{n} {share:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The files' names, joined by commas.
fn file_names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .filter_map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `x` rounded, with thousands separators: 50,000.
pub(crate) fn thousands(x: f64) -> String {
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
    fn numbers_keep_the_digits_they_deserve() {
        assert_eq!(number(123.4), "123");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(0.1234), "0.12");
    }
}
