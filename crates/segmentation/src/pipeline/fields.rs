//! Drift of the raw fields: what each field of the schema looked like in
//! training (quantile bins or category shares, the missing share, the
//! range), and how a batch differs, with unseen categories named.

use std::collections::HashMap;

use seg_cluster::{PsiTest, psi_test, quantile_bins};
use seg_features::{FieldKind, Schema, Value};
use serde::{Deserialize, Serialize};

use super::error::{PipelineError, Result};

/// The artifact named in the errors of a saved [`FieldBaseline`].
const FIELDS: &str = "field baseline";

/// Bins of a numeric or cyclic field: the feature baseline's default and
/// its binning ([`quantile_bins`]: quantiles, or a bin per value when there
/// are few).
const BINS: usize = 10;

/// The most categories of a field a baseline keeps by name (the most
/// frequent); the rest share one bin, and a batch's values outside the
/// kept ones then count there instead of as new.
pub const MAX_FIELD_CATEGORIES: usize = 1_000;

/// The most unseen categories a report names per field (the most frequent
/// first); the rest are counted, not named.
pub const MAX_NEW_CATEGORIES: usize = 20;

/// What one raw field looked like in training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldProfile {
    /// Bin edges of the non-missing values ([`quantile_bins`]; cyclic
    /// values taken modulo the period), bins (−∞, e₁], …, (e_last, ∞);
    /// empty for categories.
    edges: Vec<f64>,
    /// Category names, sorted (categorical; boolean: "false", "true").
    categories: Vec<String>,
    /// Share of each bin or category among the non-missing values, plus
    /// (categorical with folded rare values) one last share for them.
    shares: Vec<f64>,
    /// The smallest and largest non-missing value (numeric).
    range: Option<[f64; 2]>,
    /// Share of missing values.
    missing_share: f64,
}

/// The training distribution of every raw field of a schema, for drift
/// reports in the units of the data (see [`FieldDrift`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawFieldBaseline")]
pub struct FieldBaseline {
    n_rows: usize,
    fields: Vec<FieldProfile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldBaseline {
    n_rows: usize,
    fields: Vec<FieldProfile>,
}

impl TryFrom<RawFieldBaseline> for FieldBaseline {
    type Error = PipelineError;

    fn try_from(raw: RawFieldBaseline) -> Result<Self> {
        let invalid = |reason: String| PipelineError::InvalidArtifact {
            artifact: FIELDS,
            reason,
        };
        if raw.n_rows == 0 {
            return Err(invalid("n_rows is 0".into()));
        }
        for (i, f) in raw.fields.iter().enumerate() {
            if f.shares.is_empty() {
                // A categorical field that was always missing.
                if f.categories.is_empty() && f.edges.is_empty() && f.missing_share == 1.0 {
                    continue;
                }
                return Err(invalid(format!("field {i}: no shares")));
            }
            let bins = if f.categories.is_empty() {
                if f.edges.iter().any(|e| !e.is_finite())
                    || f.edges.windows(2).any(|w| w[0] >= w[1])
                {
                    return Err(invalid(format!(
                        "field {i}: edges not finite and increasing"
                    )));
                }
                f.edges.len() + 1
            } else {
                if f.categories.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(invalid(format!(
                        "field {i}: categories not sorted and distinct"
                    )));
                }
                f.categories.len()
            };
            let folded = usize::from(!f.categories.is_empty());
            if !(bins..=bins + folded).contains(&f.shares.len()) {
                return Err(invalid(format!(
                    "field {i}: {} shares for {bins} bins",
                    f.shares.len()
                )));
            }
            let total: f64 = f.shares.iter().sum();
            if f.shares.iter().any(|s| !(0.0..=1.0).contains(s)) || (total - 1.0).abs() > 1e-9 {
                return Err(invalid(format!("field {i}: shares are not a distribution")));
            }
            if !(0.0..=1.0).contains(&f.missing_share) {
                return Err(invalid(format!("field {i}: missing_share not in [0, 1]")));
            }
            if let Some([lo, hi]) = f.range
                && !(lo.is_finite() && hi.is_finite() && lo <= hi)
            {
                return Err(invalid(format!("field {i}: range not finite and ordered")));
            }
        }
        Ok(FieldBaseline {
            n_rows: raw.n_rows,
            fields: raw.fields,
        })
    }
}

/// The drift of one raw field in a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDrift {
    /// The field's name in the schema.
    pub name: String,
    /// `numeric`, `categorical`, `boolean` or `cyclic`.
    pub kind: &'static str,
    /// PSI over the field's bins (numeric, cyclic: the baseline's quantile
    /// bins; categorical, boolean: the categories, each unseen one a bin of
    /// its own), with one bin for missing values; its no-drift
    /// expectation and p-value ([`psi_test`]).
    pub test: PsiTest,
    /// Whether the PSI is significant after the correction over all the
    /// report's PSIs.
    pub significant: bool,
    /// Share of the batch missing this field.
    pub missing_share: f64,
    /// Share of the training rows missing it.
    pub baseline_missing_share: f64,
    /// Numeric fields: share of the batch outside the training range.
    pub out_of_range_share: Option<f64>,
    /// Categorical fields: the values never seen in training, with their
    /// share of the batch, largest first (at most [`MAX_NEW_CATEGORIES`]).
    pub new_categories: Vec<NewCategory>,
}

/// A category of a batch never seen in training.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCategory {
    /// The value.
    pub value: String,
    /// Its share of the batch.
    pub share: f64,
}

/// The non-missing number of a value (numbers only).
fn number(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Number(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// The category of a value, as the transform reads it.
fn category<'a>(v: &'a Value<'_>) -> Option<std::borrow::Cow<'a, str>> {
    match v {
        Value::Text(s) => Some(std::borrow::Cow::Borrowed(s.as_ref())),
        Value::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b {
            "true"
        } else {
            "false"
        })),
        _ => None,
    }
}

fn reduce(x: f64, kind: &FieldKind) -> f64 {
    match kind {
        FieldKind::Cyclic { period } => x.rem_euclid(*period),
        _ => x,
    }
}

impl FieldBaseline {
    /// The baseline of `records` (one value per field of `schema`, as the
    /// transform was fitted on).
    pub(crate) fn fit<'v, R: AsRef<[Value<'v>]>>(schema: &Schema, records: &[R]) -> Result<Self> {
        let n = records.len();
        if n == 0 {
            return Err(PipelineError::InvalidParameter {
                parameter: "records",
                value: "0 rows".into(),
                reason: "a field baseline needs at least one record",
            });
        }
        let mut fields = Vec::with_capacity(schema.fields().len());
        for (j, field) in schema.fields().iter().enumerate() {
            let values = records.iter().filter_map(|r| r.as_ref().get(j));
            let missing = records
                .iter()
                .filter(|r| r.as_ref().get(j).is_none_or(Value::is_missing))
                .count();
            let missing_share = missing as f64 / n as f64;
            let profile = match field.kind() {
                FieldKind::Numeric(_) | FieldKind::Cyclic { .. } => {
                    let mut v: Vec<f64> = values
                        .filter_map(number)
                        .map(|x| reduce(x, field.kind()))
                        .collect();
                    let (edges, shares) = if v.is_empty() {
                        (Vec::new(), vec![1.0])
                    } else {
                        quantile_bins(&mut v, BINS)?
                    };
                    let range = match field.kind() {
                        FieldKind::Numeric(_) => v
                            .iter()
                            .copied()
                            .reduce(f64::min)
                            .zip(v.iter().copied().reduce(f64::max))
                            .map(|(a, b)| [a, b]),
                        _ => None,
                    };
                    FieldProfile {
                        edges,
                        categories: Vec::new(),
                        shares,
                        range,
                        missing_share,
                    }
                }
                FieldKind::Categorical(_) | FieldKind::Boolean => {
                    let mut counts: HashMap<String, usize> = HashMap::new();
                    for v in values {
                        if let Some(c) = category(v) {
                            *counts.entry(c.into_owned()).or_default() += 1;
                        }
                    }
                    if matches!(field.kind(), FieldKind::Boolean) {
                        counts.entry("false".into()).or_default();
                        counts.entry("true".into()).or_default();
                    }
                    let mut by_count: Vec<(String, usize)> = counts.into_iter().collect();
                    by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    let folded: usize = by_count
                        .iter()
                        .skip(MAX_FIELD_CATEGORIES)
                        .map(|c| c.1)
                        .sum();
                    by_count.truncate(MAX_FIELD_CATEGORIES);
                    by_count.sort_by(|a, b| a.0.cmp(&b.0));
                    let mut c: Vec<usize> = by_count.iter().map(|c| c.1).collect();
                    if folded > 0 {
                        c.push(folded);
                    }
                    FieldProfile {
                        edges: Vec::new(),
                        categories: by_count.into_iter().map(|c| c.0).collect(),
                        shares: shares_of(&c),
                        range: None,
                        missing_share,
                    }
                }
            };
            fields.push(profile);
        }
        Ok(FieldBaseline { n_rows: n, fields })
    }

    /// Why this baseline does not fit `schema`, if it does not: one
    /// profile per field, bins for numbers, categories for categories.
    pub(crate) fn check(&self, schema: &Schema) -> std::result::Result<(), String> {
        if self.fields.len() != schema.fields().len() {
            return Err(format!(
                "the field baseline has {} fields, the schema {}",
                self.fields.len(),
                schema.fields().len()
            ));
        }
        for (field, p) in schema.fields().iter().zip(&self.fields) {
            let numeric = matches!(
                field.kind(),
                FieldKind::Numeric(_) | FieldKind::Cyclic { .. }
            );
            if numeric != p.categories.is_empty() || (!numeric && !p.edges.is_empty()) {
                return Err(format!(
                    "the field baseline of `{}` does not match its kind",
                    field.name()
                ));
            }
        }
        Ok(())
    }

    /// The drift of every field of `records` (already accepted by the
    /// transform), before the correction over the report (`significant`
    /// is false).
    pub(crate) fn report<'v, R: AsRef<[Value<'v>]>>(
        &self,
        schema: &Schema,
        records: &[R],
    ) -> Result<Vec<FieldDrift>> {
        let mut tally = FieldTally::new(self);
        for r in records {
            tally.push(self, schema, r.as_ref());
        }
        tally.finish(self, schema)
    }
}

/// The raw-field counts of a [`FieldTally`], as a value: per field, the
/// count of each baseline bin, of missing and out-of-range values and of
/// each unseen category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawFieldCounts", deny_unknown_fields)]
pub(crate) struct FieldCounts {
    counts: Vec<Vec<f64>>,
    missing: Vec<usize>,
    outside: Vec<usize>,
    unseen: Vec<std::collections::BTreeMap<String, usize>>,
    rows: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFieldCounts {
    counts: Vec<Vec<f64>>,
    missing: Vec<usize>,
    outside: Vec<usize>,
    unseen: Vec<std::collections::BTreeMap<String, usize>>,
    rows: usize,
}

impl TryFrom<RawFieldCounts> for FieldCounts {
    type Error = PipelineError;

    fn try_from(raw: RawFieldCounts) -> Result<Self> {
        let whole = |v: &f64| v.is_finite() && *v >= 0.0 && v.fract() == 0.0;
        let d = raw.counts.len();
        if raw.missing.len() != d || raw.outside.len() != d || raw.unseen.len() != d {
            return Err(invalid_counts("one entry per field in every part"));
        }
        if !raw.counts.iter().flatten().all(whole) {
            return Err(invalid_counts("finite, non-negative whole counts"));
        }
        let rows = raw.rows as f64;
        for (j, bins) in raw.counts.iter().enumerate() {
            let unseen: usize = raw.unseen[j].values().sum();
            let total = bins.iter().sum::<f64>() + (raw.missing[j] + unseen) as f64;
            if total > rows || raw.outside[j] > raw.rows {
                return Err(invalid_counts("no more values per field than rows"));
            }
        }
        Ok(FieldCounts {
            counts: raw.counts,
            missing: raw.missing,
            outside: raw.outside,
            unseen: raw.unseen,
            rows: raw.rows,
        })
    }
}

impl FieldCounts {
    /// Records counted.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }
}

fn invalid_counts(reason: &'static str) -> PipelineError {
    PipelineError::InvalidParameter {
        parameter: "field counts",
        value: "a loaded value".to_string(),
        reason,
    }
}

/// Counts of a batch's raw values per field and bin, filled record by
/// record: a batch report and a streaming monitor share it.
#[derive(Debug, Clone)]
pub(crate) struct FieldTally {
    /// Per field, the count of each baseline bin or category.
    counts: Vec<Vec<f64>>,
    missing: Vec<usize>,
    outside: Vec<usize>,
    /// Per field, the count of each unseen category.
    unseen: Vec<HashMap<String, usize>>,
    rows: usize,
}

impl FieldTally {
    pub(crate) fn new(baseline: &FieldBaseline) -> FieldTally {
        let d = baseline.fields.len();
        FieldTally {
            counts: baseline
                .fields
                .iter()
                .map(|p| vec![0.0; p.shares.len()])
                .collect(),
            missing: vec![0; d],
            outside: vec![0; d],
            unseen: vec![HashMap::new(); d],
            rows: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn reset(&mut self) {
        self.counts.iter_mut().for_each(|c| c.fill(0.0));
        self.missing.fill(0);
        self.outside.fill(0);
        self.unseen.iter_mut().for_each(HashMap::clear);
        self.rows = 0;
    }

    /// Adds one record (accepted by the transform). O(fields·log bins);
    /// allocates only for a category never seen in training.
    pub(crate) fn push(&mut self, baseline: &FieldBaseline, schema: &Schema, record: &[Value<'_>]) {
        self.rows += 1;
        for (j, (field, p)) in schema.fields().iter().zip(&baseline.fields).enumerate() {
            let value = record.get(j).unwrap_or(&Value::Missing);
            if value.is_missing() {
                if let Some(m) = self.missing.get_mut(j) {
                    *m += 1;
                }
                continue;
            }
            let Some(counts) = self.counts.get_mut(j) else {
                continue;
            };
            let slot = if matches!(
                field.kind(),
                FieldKind::Numeric(_) | FieldKind::Cyclic { .. }
            ) {
                let Some(x) = number(value).map(|x| reduce(x, field.kind())) else {
                    continue;
                };
                if let Some([lo, hi]) = p.range
                    && (x < lo || x > hi)
                    && let Some(o) = self.outside.get_mut(j)
                {
                    *o += 1;
                }
                p.edges.partition_point(|&e| e < x)
            } else {
                let Some(c) = category(value) else {
                    continue;
                };
                match p.categories.binary_search_by(|k| k.as_str().cmp(&c)) {
                    Ok(i) => i,
                    Err(_) if p.shares.len() > p.categories.len() => p.categories.len(),
                    Err(_) => {
                        if let Some(u) = self.unseen.get_mut(j) {
                            match u.get_mut(c.as_ref()) {
                                Some(n) => *n += 1,
                                None => {
                                    u.insert(c.into_owned(), 1);
                                }
                            }
                        }
                        continue;
                    }
                }
            };
            if let Some(c) = counts.get_mut(slot) {
                *c += 1.0;
            }
        }
    }

    /// The counts, to merge elsewhere.
    pub(crate) fn counts(&self) -> FieldCounts {
        FieldCounts {
            counts: self.counts.clone(),
            missing: self.missing.clone(),
            outside: self.outside.clone(),
            unseen: self
                .unseen
                .iter()
                .map(|u| u.iter().map(|(k, &v)| (k.clone(), v)).collect())
                .collect(),
            rows: self.rows,
        }
    }

    /// Checks that the counts of another tally can be added to this one:
    /// the same fields and bins, and rows that do not overflow.
    pub(crate) fn check_counts(&self, other: &FieldCounts) -> Result<()> {
        let shapes = |c: &[Vec<f64>]| c.iter().map(Vec::len).collect::<Vec<_>>();
        if shapes(&self.counts) != shapes(&other.counts)
            || self.missing.len() != other.missing.len()
            || self.outside.len() != other.outside.len()
            || self.unseen.len() != other.unseen.len()
        {
            return Err(PipelineError::InvalidParameter {
                parameter: "counts",
                value: format!("{} fields", other.counts.len()),
                reason: "the field counts have other numbers of fields or bins than this baseline",
            });
        }
        if self.rows.checked_add(other.rows).is_none() {
            return Err(PipelineError::InvalidParameter {
                parameter: "counts",
                value: other.rows.to_string(),
                reason: "the rows would overflow",
            });
        }
        Ok(())
    }

    /// Adds the counts of another tally that passed
    /// [`check_counts`](Self::check_counts).
    pub(crate) fn add_counts(&mut self, other: &FieldCounts) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            mine.iter_mut().zip(theirs).for_each(|(a, b)| *a += b);
        }
        for (mine, theirs) in [
            (&mut self.missing, &other.missing),
            (&mut self.outside, &other.outside),
        ] {
            mine.iter_mut()
                .zip(theirs)
                .for_each(|(a, b)| *a = a.saturating_add(*b));
        }
        for (mine, theirs) in self.unseen.iter_mut().zip(&other.unseen) {
            for (category, &n) in theirs {
                let slot = mine.entry(category.clone()).or_insert(0);
                *slot = slot.saturating_add(n);
            }
        }
        self.rows = self.rows.saturating_add(other.rows);
    }

    /// The drift of every field, before the correction over the report.
    pub(crate) fn finish(
        &self,
        baseline: &FieldBaseline,
        schema: &Schema,
    ) -> Result<Vec<FieldDrift>> {
        let n = self.rows.max(1);
        let nf = n as f64;
        let mut out = Vec::with_capacity(baseline.fields.len());
        for (j, (field, p)) in schema.fields().iter().zip(&baseline.fields).enumerate() {
            let present = 1.0 - p.missing_share;
            // Baseline shares: the value bins (scaled to the present share),
            // each unseen category, then missing values.
            let mut expected: Vec<f64> = p.shares.iter().map(|s| s * present).collect();
            let mut counts = self.counts.get(j).cloned().unwrap_or_default();
            let mut unseen: Vec<(&String, &usize)> = self
                .unseen
                .get(j)
                .map(|u| u.iter().collect())
                .unwrap_or_default();
            unseen.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
            let mut new_categories = Vec::new();
            for (value, &count) in unseen {
                expected.push(0.0);
                counts.push(count as f64);
                if new_categories.len() < MAX_NEW_CATEGORIES {
                    new_categories.push(NewCategory {
                        value: value.clone(),
                        share: count as f64 / nf,
                    });
                }
            }
            let missing = self.missing.get(j).copied().unwrap_or(0);
            expected.push(p.missing_share);
            counts.push(missing as f64);
            let test = psi_test(&expected, baseline.n_rows, &counts, n)?;
            out.push(FieldDrift {
                name: field.name().to_owned(),
                kind: field.kind().name(),
                test,
                significant: false,
                missing_share: missing as f64 / nf,
                baseline_missing_share: p.missing_share,
                out_of_range_share: p
                    .range
                    .map(|_| self.outside.get(j).copied().unwrap_or(0) as f64 / nf),
                new_categories,
            });
        }
        Ok(out)
    }
}

/// Counts as shares (all zero counts: one share of 1 in the first bin, so
/// the baseline stays a distribution for a field that is always missing).
fn shares_of(counts: &[usize]) -> Vec<f64> {
    let total: usize = counts.iter().sum();
    if total == 0 {
        let mut s = vec![0.0; counts.len()];
        if let Some(first) = s.first_mut() {
            *first = 1.0;
        }
        return s;
    }
    counts.iter().map(|&c| c as f64 / total as f64).collect()
}
