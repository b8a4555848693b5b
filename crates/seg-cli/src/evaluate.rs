//! `seg evaluate`: off-policy evaluation of a target policy on a decision
//! log (IPW, SNIPW, DM, DR), streaming the log.

use std::io::Write;
use std::path::Path;

use segmentation::bandit::{BanditError, OffPolicyEvaluator, OffPolicyReport, TargetPolicy};
use segmentation::features::{Categorical, Numeric, Schema, Value};
use serde::Serialize;

use crate::cli::EvaluateArgs;
use crate::csvio::RecordRows;
use crate::error::{CliError, Result, finite};
use crate::output::{Report, Table, emit, num};

/// The columns of a schema: categorical `segment` and `variant`, then the
/// numeric columns named.
fn schema(path: &Path, numeric: &[&str]) -> Result<Schema> {
    let mut builder = Schema::builder()
        .categorical("segment", Categorical::new())
        .categorical("variant", Categorical::new());
    for name in numeric {
        builder = builder.numeric(*name, Numeric::default());
    }
    builder.build().map_err(|source| CliError::Features {
        path: path.to_owned(),
        source,
    })
}

/// The error of a missing cell.
fn missing(path: &Path, line: u64, column: &str) -> CliError {
    CliError::BadValue {
        path: path.to_owned(),
        line,
        column: column.to_owned(),
        value: String::new(),
        reason: "is missing (empty, NA, N/A, null or none)",
    }
}

/// The text of a categorical cell, or an error naming it.
fn text<'v>(path: &Path, line: u64, column: &str, value: &'v Value<'_>) -> Result<&'v str> {
    match value {
        Value::Text(t) => Ok(t),
        _ => Err(missing(path, line, column)),
    }
}

/// The number of a numeric cell, or an error naming it.
fn number(path: &Path, line: u64, column: &str, value: &Value<'_>) -> Result<f64> {
    match value {
        Value::Number(x) => Ok(*x),
        _ => Err(missing(path, line, column)),
    }
}

/// An error of `seg-bandit-state` about the contents of `path`.
fn input_error(path: &Path, source: BanditError) -> CliError {
    CliError::BanditInput {
        path: path.to_owned(),
        source: Box::new(source),
    }
}

/// Reads a target policy: columns `segment`, `variant`, `probability`
/// (others ignored), a missing row is probability 0, each segment's
/// probabilities sum to 1 within 1e-9.
///
/// # Errors
/// A missing column, a cell that is missing or not a number, a probability
/// outside [0, 1] (each naming the line), a segment and variant given
/// twice or probabilities that do not sum to 1 (naming the segment).
pub(crate) fn read_policy(path: &Path) -> Result<TargetPolicy> {
    let mut rows = RecordRows::open(path, &schema(path, &["probability"])?)?;
    let mut entries: Vec<(String, String, f64)> = Vec::new();
    let mut read = |line: u64, values: &[Value<'_>]| -> Result<()> {
        let segment = text(path, line, "segment", &values[0])?;
        let variant = text(path, line, "variant", &values[1])?;
        let p = number(path, line, "probability", &values[2])?;
        if !(0.0..=1.0).contains(&p) {
            return Err(CliError::BadValue {
                path: path.to_owned(),
                line,
                column: "probability".to_owned(),
                value: p.to_string(),
                reason: "is not a probability in [0, 1]",
            });
        }
        entries.push((segment.to_owned(), variant.to_owned(), p));
        Ok(())
    };
    while rows.next_with(&mut read)? {}
    if entries.is_empty() {
        return Err(CliError::NoRows {
            path: path.to_owned(),
        });
    }
    TargetPolicy::from_rows(entries).map_err(|e| input_error(path, e))
}

/// Streams the decision log at `path` (columns `segment`, `variant`,
/// `propensity`, `reward`; others ignored) into `evaluator`, one row at a
/// time.
///
/// # Errors
/// A missing column, a cell that is missing or not a finite number, a
/// propensity outside (0, 1], a segment missing from the policy (each
/// naming the line), an empty log.
pub(crate) fn read_log(path: &Path, evaluator: &mut OffPolicyEvaluator) -> Result<()> {
    let mut rows = RecordRows::open(path, &schema(path, &["propensity", "reward"])?)?;
    let mut push = |line: u64, values: &[Value<'_>]| -> Result<()> {
        let segment = text(path, line, "segment", &values[0])?;
        let variant = text(path, line, "variant", &values[1])?;
        let propensity = number(path, line, "propensity", &values[2])?;
        let reward = number(path, line, "reward", &values[3])?;
        if !(propensity > 0.0 && propensity <= 1.0) {
            return Err(CliError::BadValue {
                path: path.to_owned(),
                line,
                column: "propensity".to_owned(),
                value: propensity.to_string(),
                reason: "is not a propensity in (0, 1]",
            });
        }
        evaluator
            .push(segment, variant, propensity, reward)
            .map_err(|e| CliError::CsvRow {
                path: path.to_owned(),
                line,
                reason: crate::error::chain(&e),
            })
    };
    rows.stream("evaluating", &mut push)?;
    Ok(())
}

/// The report of `evaluator` at level `alpha`, every number finite.
///
/// # Errors
/// A probability > 0 on a segment × variant without logged rows (naming
/// the policy file), a log of one row (naming the log), a number that is
/// not finite (rewards too extreme).
pub(crate) fn finish(
    evaluator: &OffPolicyEvaluator,
    alpha: f64,
    log: &Path,
    policy: &Path,
) -> Result<OffPolicyReport> {
    let report = evaluator.finish(alpha).map_err(|e| match e {
        e @ BanditError::TargetNotCovered { .. } => input_error(policy, e),
        e => input_error(log, e),
    })?;
    finite("effective sample size", report.effective_sample_size)?;
    finite("logged value", report.logged_value)?;
    let e = &report.estimators;
    for est in [e.ipw, e.snipw, e.dm, e.dr] {
        for v in [est.value, est.ci_low, est.ci_high, est.std_error] {
            finite("estimate", v)?;
        }
    }
    Ok(report)
}

/// The output of `seg evaluate`: the library's report, as JSON or a table.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct EvaluateReport(pub(crate) OffPolicyReport);

impl Report for EvaluateReport {
    fn table(&self) -> String {
        let r = &self.0;
        let mut head = Table::kv();
        head.pair("logged rows", r.n.to_string())
            .pair("logged value", num(r.logged_value))
            .pair("effective sample size", num(r.effective_sample_size));
        let level = num(100.0 * (1.0 - r.alpha));
        let mut t = Table::with_header([
            "estimator".to_owned(),
            "value".to_owned(),
            format!("{level}% low"),
            format!("{level}% high"),
            "std error".to_owned(),
        ]);
        let e = &r.estimators;
        for (name, est) in [
            ("ipw", e.ipw),
            ("snipw", e.snipw),
            ("dm", e.dm),
            ("dr", e.dr),
        ] {
            t.row([
                name.to_owned(),
                num(est.value),
                num(est.ci_low),
                num(est.ci_high),
                num(est.std_error),
            ]);
        }
        format!("{}\n{}", head.render(), t.render())
    }
}

/// `seg evaluate --log L.csv --policy P.csv [--alpha 0.05]`.
pub(crate) fn evaluate(args: &EvaluateArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(CliError::arg(
            "alpha",
            args.alpha.to_string(),
            "must be in (0, 1)",
        ));
    }
    let policy = read_policy(&args.policy)?;
    let mut evaluator = OffPolicyEvaluator::new(&policy);
    read_log(&args.log, &mut evaluator)?;
    let report = finish(&evaluator, args.alpha, &args.log, &args.policy)?;
    emit(out, json, &EvaluateReport(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_every_estimator_and_the_level() {
        let policy = TargetPolicy::uniform(["s"], ["a", "b"]).expect("policy");
        let mut ev = OffPolicyEvaluator::new(&policy);
        for (v, r) in [("a", 1.0), ("b", 0.0), ("a", 0.0), ("b", 1.0)] {
            ev.push("s", v, 0.5, r).expect("row");
        }
        let table = EvaluateReport(ev.finish(0.1).expect("report")).table();
        for word in [
            "ipw",
            "snipw",
            "dm",
            "dr",
            "90% low",
            "effective sample size",
        ] {
            assert!(table.contains(word), "{table}");
        }
    }
}
