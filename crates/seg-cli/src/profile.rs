//! `seg profile` (segments against an outcome column) and the
//! description of segments in original units that `seg segment` prints.

use std::io::Write;
use std::path::Path;

use segmentation::features::Value;
use segmentation::pipeline::{
    Outcome, OutcomeProfile, PipelineError, SegmentDescription, Segmentation, TraitKind,
};
use serde::Serialize;

use crate::cli::ProfileArgs;
use crate::csvio::{RecordRows, csv_error, header, open_csv, select_columns};
use crate::error::{CliError, Result};
use crate::output::{Report, Table, emit, num};

/// The confidence of the intervals of `seg profile`.
const CONFIDENCE: f64 = 0.95;

/// Traits per segment in `seg segment`'s table (the JSON lists them all).
const TABLE_TRAITS: usize = 3;

// ---------------------------------------------------------------- segments

/// One trait of a segment, in raw units.
#[derive(Debug, Serialize)]
pub(crate) struct TraitRow {
    field: String,
    /// `numeric` (medians), `categorical` (shares of `category`) or
    /// `boolean` (shares of true).
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<Option<String>>,
    segment: f64,
    overall: f64,
    score: f64,
}

/// One segment of `seg segment`'s `segments`.
#[derive(Debug, Serialize)]
pub(crate) struct SegmentRow {
    segment: usize,
    size: usize,
    share: f64,
    traits: Vec<TraitRow>,
}

/// The descriptions as the rows of `segments`.
pub(crate) fn segment_rows(descriptions: &[SegmentDescription]) -> Vec<SegmentRow> {
    descriptions
        .iter()
        .map(|d| SegmentRow {
            segment: d.segment,
            size: d.size,
            share: d.share,
            traits: d
                .traits
                .iter()
                .map(|t| {
                    let (kind, category) = match &t.kind {
                        TraitKind::Median => ("numeric", None),
                        TraitKind::CategoryShare { category } => {
                            ("categorical", Some(category.clone()))
                        }
                        _ => ("boolean", None),
                    };
                    TraitRow {
                        field: t.field.clone(),
                        kind,
                        category,
                        segment: t.segment,
                        overall: t.overall,
                        score: t.score,
                    }
                })
                .collect(),
        })
        .collect()
}

/// A trait as table text: `pages 8 (overall 4)`, `device=mobile 59% (overall 39%)`.
fn trait_text(t: &TraitRow) -> String {
    let percent = |x: f64| format!("{:.0}%", 100.0 * x);
    match (t.kind, &t.category) {
        ("numeric", _) => format!(
            "{} {} (overall {})",
            t.field,
            num(t.segment),
            num(t.overall)
        ),
        (_, Some(category)) => format!(
            "{}={} {} (overall {})",
            t.field,
            category.as_deref().unwrap_or("<missing>"),
            percent(t.segment),
            percent(t.overall)
        ),
        _ => format!(
            "{} {} (overall {})",
            t.field,
            percent(t.segment),
            percent(t.overall)
        ),
    }
}

/// The segments with their share and the traits that set them apart
/// most (the first three).
pub(crate) fn segments_table(rows: &[SegmentRow]) -> String {
    let mut t = Table::with_header(["segment", "share", "sets it apart (segment vs overall)"]);
    for r in rows {
        let traits: Vec<String> = r.traits.iter().take(TABLE_TRAITS).map(trait_text).collect();
        t.row([
            r.segment.to_string(),
            format!("{:.1}%", 100.0 * r.share),
            traits.join("; "),
        ]);
    }
    t.render()
}

// ---------------------------------------------------------------- profile

/// One segment of `seg profile`.
#[derive(Debug, Serialize)]
struct OutcomeRow {
    segment: usize,
    n: usize,
    /// The rate of a binary outcome, the mean of a numeric one.
    mean: f64,
    /// `null` for a numeric segment of one row.
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

#[derive(Debug, Serialize)]
struct ProfileReport {
    outcome: String,
    kind: &'static str,
    n: usize,
    overall_mean: f64,
    segments: Vec<OutcomeRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chi2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    df: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cramers_v: Option<f64>,
    /// `null` when infinite (every segment constant, the segments differ).
    #[serde(skip_serializing_if = "Option::is_none")]
    anova_f: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    df_between: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    df_within: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    eta_squared: Option<f64>,
    p_value: f64,
}

impl Report for ProfileReport {
    fn table(&self) -> String {
        let binary = self.kind == "binary";
        let mut head = Table::kv();
        head.pair("outcome", format!("{} ({})", self.outcome, self.kind))
            .pair("rows", self.n.to_string())
            .pair(
                if binary {
                    "overall rate"
                } else {
                    "overall mean"
                },
                num(self.overall_mean),
            );
        if binary {
            head.pair(
                "chi-square test",
                format!(
                    "chi2 = {}, df = {}, p = {:.3e}",
                    num(self.chi2.unwrap_or(f64::NAN)),
                    self.df.unwrap_or(0),
                    self.p_value
                ),
            )
            .pair("Cramér's V", num(self.cramers_v.unwrap_or(f64::NAN)));
        } else {
            head.pair(
                "one-way ANOVA",
                format!(
                    "F = {}, df = ({}, {}), p = {:.3e}",
                    self.anova_f.flatten().map_or_else(|| "inf".to_owned(), num),
                    self.df_between.unwrap_or(0),
                    self.df_within.unwrap_or(0),
                    self.p_value
                ),
            )
            .pair("eta squared", num(self.eta_squared.unwrap_or(f64::NAN)));
        }
        let mut t = Table::with_header([
            "segment",
            "n",
            if binary { "rate" } else { "mean" },
            "95% ci_low",
            "95% ci_high",
        ]);
        let bound = |b: Option<f64>| b.map_or_else(|| "-".to_owned(), num);
        for s in &self.segments {
            t.row([
                s.segment.to_string(),
                s.n.to_string(),
                num(s.mean),
                bound(s.ci_low),
                bound(s.ci_high),
            ]);
        }
        format!("{}\n{}", head.render(), t.render())
    }
}

/// `Some(x)` when `x` is finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Every record's segment, streaming (as `seg assign`).
fn labels(segmentation: &Segmentation, data: &Path) -> Result<Vec<usize>> {
    let mut rows = RecordRows::open(data, segmentation.transformer().schema())?;
    let mut scratch = vec![0.0; segmentation.n_features()];
    let mut labels = Vec::new();
    let mut assign = |line: u64, record: &[Value<'_>]| -> Result<()> {
        let label =
            segmentation
                .assign_one(record, &mut scratch)
                .map_err(|e| CliError::CsvRow {
                    path: data.to_owned(),
                    line,
                    reason: crate::error::chain(&e),
                })?;
        labels.push(label);
        Ok(())
    };
    rows.stream("assigning", &mut assign)?;
    Ok(labels)
}

/// The cells of `column` with their lines, skipping blank lines as the
/// record reader does.
fn outcome_cells(data: &Path, column: &str) -> Result<(Vec<String>, Vec<u64>)> {
    let mut reader = open_csv(data)?;
    let names = header(&mut reader, data)?;
    let [c] = select_columns(data, &names, Some(&[column.to_owned()]))?[..] else {
        return Err(CliError::Mismatch {
            reason: format!("one outcome column is needed, not {column:?}"),
        });
    };
    let (mut cells, mut lines) = (Vec::new(), Vec::new());
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(data, &e))?
    {
        if record.len() == 1 && record.get(0) == Some(b"") {
            continue;
        }
        let line = record.position().map_or(0, csv::Position::line);
        let cell = record.get(c).unwrap_or_default();
        let text = std::str::from_utf8(cell).map_err(|_| CliError::BadValue {
            path: data.to_owned(),
            line,
            column: column.to_owned(),
            value: String::from_utf8_lossy(cell).into_owned(),
            reason: "is not valid UTF-8",
        })?;
        cells.push(text.to_owned());
        lines.push(line);
    }
    Ok((cells, lines))
}

pub(crate) fn profile(args: &ProfileArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let segmentation = Segmentation::load(&args.model).map_err(|source| CliError::Model {
        path: args.model.clone(),
        source,
    })?;
    // The outcome column first: a missing column is named before the
    // records are read.
    let (cells, lines) = outcome_cells(&args.data, &args.outcome)?;
    let labels = labels(&segmentation, &args.data)?;
    if labels.len() != cells.len() {
        return Err(CliError::Mismatch {
            reason: format!(
                "`{}`: {} records but {} outcome cells",
                args.data.display(),
                labels.len(),
                cells.len()
            ),
        });
    }
    let outcome = Outcome::parse(&cells).map_err(|e| match e {
        PipelineError::InvalidOutcome { row, value, reason } => CliError::BadValue {
            path: args.data.clone(),
            line: lines.get(row).copied().unwrap_or(0),
            column: args.outcome.clone(),
            value,
            reason,
        },
        other => CliError::Pipeline(other),
    })?;
    let report = match outcome.profile(&labels, CONFIDENCE)? {
        OutcomeProfile::Binary(r) => ProfileReport {
            outcome: args.outcome.clone(),
            kind: "binary",
            n: labels.len(),
            overall_mean: r.overall_rate,
            segments: r
                .segments
                .iter()
                .map(|s| OutcomeRow {
                    segment: s.label,
                    n: s.n,
                    mean: s.rate,
                    ci_low: Some(s.ci_low),
                    ci_high: Some(s.ci_high),
                })
                .collect(),
            chi2: Some(r.chi_square),
            df: Some(r.df),
            cramers_v: Some(r.cramers_v),
            anova_f: None,
            df_between: None,
            df_within: None,
            eta_squared: None,
            p_value: r.p_value,
        },
        OutcomeProfile::Numeric(r) => ProfileReport {
            outcome: args.outcome.clone(),
            kind: "numeric",
            n: labels.len(),
            overall_mean: r.overall_mean,
            segments: r
                .segments
                .iter()
                .map(|s| OutcomeRow {
                    segment: s.label,
                    n: s.n,
                    mean: s.mean,
                    ci_low: finite(s.ci_low),
                    ci_high: finite(s.ci_high),
                })
                .collect(),
            chi2: None,
            df: None,
            cramers_v: None,
            anova_f: Some(finite(r.anova_f)),
            df_between: Some(r.df_between),
            df_within: Some(r.df_within),
            eta_squared: Some(r.eta_squared),
            p_value: r.p_value,
        },
        _ => {
            return Err(CliError::Mismatch {
                reason: "an outcome of a kind this release does not report".to_owned(),
            });
        }
    };
    emit(out, json, &report)
}
