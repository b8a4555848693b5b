//! Step 6b: did personalisation pay? From the experiment's own decision log
//! (each day's outcomes per segment × variant with the probability the
//! variant was served with), the conversion per visitor of the per-segment
//! Thompson policy as it ran, and by off-policy evaluation of the policies
//! it could have been instead: the best variant per segment, each single
//! variant for everyone, a plain 50/50 test; each next to the simulator's
//! planted truth.

use segmentation::bandit::{
    DecisionLog, OffPolicyEvaluator, OffPolicyReport, PeriodBatch, SqliteStore, TargetPolicy,
};

use crate::error::DemoError;
use crate::experiment::{SegmentRun, VARIANTS};
use crate::report::{PayoffStep, PolicyValue};

/// The level of the intervals.
const ALPHA: f64 = 0.05;
/// The standard normal's 97.5% quantile, for the intervals at [`ALPHA`].
const Z: f64 = 1.959_963_984_540_054;

/// Step 6b from the period batches of `experiment` in `store`, the
/// segments as they ran (`runs`, with their planted truth) and the names
/// shown for them (`shown`).
pub(crate) fn payoff(
    store: &mut SqliteStore,
    experiment: &str,
    runs: &[SegmentRun],
    shown: &[String],
) -> Result<PayoffStep, DemoError> {
    let batches = store.period_batches(experiment)?;
    let segments: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    let visitors: u64 = runs.iter().map(|r| r.visitors[0] + r.visitors[1]).sum();
    #[allow(clippy::cast_precision_loss)]
    let n = visitors.max(1) as f64;

    // The policy as it ran: its conversions per visitor, a binomial interval.
    let conversions: u64 = runs
        .iter()
        .map(|r| r.conversions[0] + r.conversions[1])
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let rate = conversions as f64 / n;
    let half = Z * (rate * (1.0 - rate) / n).sqrt();
    let planted_as_run: f64 = runs
        .iter()
        .map(|r| r.planted[0] + r.planted[1])
        .sum::<f64>()
        / n;
    let mut policies = vec![PolicyValue {
        policy: "Thompson per segment, as it ran".to_owned(),
        estimate: rate,
        ci_low: rate - half,
        ci_high: rate + half,
        planted: planted_as_run,
    }];

    // The best variant per segment: the higher doubly robust estimate of
    // serving the segment one variant (chosen on the same data, so its
    // estimate is a little optimistic).
    let mut best = Vec::with_capacity(runs.len());
    for run in runs {
        let value = |v: &str| -> Result<f64, DemoError> {
            let target = TargetPolicy::everyone(v, [run.name.as_str()])?;
            let only = batches.iter().filter(|b| b.segment() == run.name);
            Ok(evaluate(&target, only)?.estimators.dr.value)
        };
        let chosen = if value(VARIANTS[1])? > value(VARIANTS[0])? {
            1
        } else {
            0
        };
        best.push((run.name.clone(), VARIANTS[chosen]));
    }
    let planted_best: f64 = runs
        .iter()
        .zip(&best)
        .map(|(r, (_, v))| r.counterfactual[usize::from(*v == VARIANTS[1])])
        .sum::<f64>()
        / n;
    let targets: Vec<(String, TargetPolicy, f64)> = vec![
        (
            "best variant per segment".to_owned(),
            TargetPolicy::deterministic(best.iter().map(|(s, v)| (s.as_str(), *v)))?,
            planted_best,
        ),
        (
            format!("{} for everyone", VARIANTS[0]),
            TargetPolicy::everyone(VARIANTS[0], segments.iter().copied())?,
            runs.iter().map(|r| r.counterfactual[0]).sum::<f64>() / n,
        ),
        (
            format!("{} for everyone", VARIANTS[1]),
            TargetPolicy::everyone(VARIANTS[1], segments.iter().copied())?,
            runs.iter().map(|r| r.counterfactual[1]).sum::<f64>() / n,
        ),
        (
            "a 50/50 test".to_owned(),
            TargetPolicy::uniform(segments.iter().copied(), VARIANTS)?,
            runs.iter()
                .map(|r| 0.5 * (r.counterfactual[0] + r.counterfactual[1]))
                .sum::<f64>()
                / n,
        ),
    ];
    for (name, target, planted) in targets {
        let report = evaluate(&target, &batches)?;
        let dr = report.estimators.dr;
        policies.push(PolicyValue {
            policy: name,
            estimate: dr.value,
            ci_low: dr.ci_low,
            ci_high: dr.ci_high,
            planted,
        });
    }
    let value_of = |name: &str, planted: bool| {
        policies
            .iter()
            .find(|p| p.policy == name)
            .map_or(f64::NAN, |p| if planted { p.planted } else { p.estimate })
    };
    let single = [
        format!("{} for everyone", VARIANTS[0]),
        format!("{} for everyone", VARIANTS[1]),
    ];
    let best_single =
        |planted: bool| value_of(&single[0], planted).max(value_of(&single[1], planted));
    let per_segment = |planted: bool| value_of("best variant per segment", planted);
    let personalisation_lift = per_segment(false) / best_single(false) - 1.0;
    let planted_personalisation_lift = per_segment(true) / best_single(true) - 1.0;
    Ok(PayoffStep {
        visitors,
        batches: batches.len(),
        policies,
        best_per_segment: best
            .iter()
            .zip(shown)
            .map(|((_, v), s)| (s.clone(), (*v).to_owned()))
            .collect(),
        personalisation_lift,
        planted_personalisation_lift,
    })
}

/// The off-policy report of `target` on `batches` at level [`ALPHA`].
fn evaluate<'a>(
    target: &TargetPolicy,
    batches: impl IntoIterator<Item = &'a PeriodBatch>,
) -> Result<OffPolicyReport, DemoError> {
    let mut evaluator = OffPolicyEvaluator::new(target);
    for b in batches {
        evaluator.push_batch(
            b.segment(),
            b.variant(),
            b.propensity(),
            b.count(),
            b.reward_sum(),
            b.reward_sum_squares(),
        )?;
    }
    Ok(evaluator.finish(ALPHA)?)
}
