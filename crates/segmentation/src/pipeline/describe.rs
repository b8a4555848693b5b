//! Segments described in original units: each segment's share and the
//! fields that set it apart from the whole population.

use std::collections::BTreeMap;

use seg_features::{FieldKind, Schema, Value};

use super::error::{PipelineError, Result};
use super::segmentation::Segmentation;

/// What a [`SegmentTrait`] compares.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraitKind {
    /// A numeric field: `segment` and `overall` are medians, in the
    /// field's own unit.
    Median,
    /// A categorical field: `segment` and `overall` are the shares of
    /// this category (`None`: the value is missing).
    CategoryShare {
        /// The category whose share rises most in the segment.
        category: Option<String>,
    },
    /// A boolean field: `segment` and `overall` are the shares of `true`.
    TrueShare,
}

/// One field of a segment against the whole population, in raw units.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentTrait {
    /// The field's name in the schema.
    pub field: String,
    /// What `segment` and `overall` are.
    pub kind: TraitKind,
    /// The value in the segment (a median or a share in [0, 1]).
    pub segment: f64,
    /// The value over every record.
    pub overall: f64,
    /// How far the segment is from the population on this field (see
    /// [`describe_segments`]); traits are sorted by it, largest first.
    pub score: f64,
}

/// One segment in original units: its size, its share of the records and
/// its traits, strongest first.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDescription {
    /// The segment's label.
    pub segment: usize,
    /// Records in the segment.
    pub size: usize,
    /// `size` over the number of records.
    pub share: f64,
    /// One trait per numeric, categorical and boolean field (cyclic
    /// fields are left out), sorted by score, largest first.
    pub traits: Vec<SegmentTrait>,
}

impl Segmentation {
    /// Each segment of `records` in original units: its share and the
    /// fields that set it apart ([`describe_segments`] with the labels
    /// of [`assign`](Self::assign) and this segmentation's schema).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] for no records or a record the
    /// transform rejects, naming its row.
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::features::{Categorical, Numeric, Schema, Value};
    /// use segmentation::pipeline::{Segmenter, TraitKind};
    ///
    /// let schema = Schema::builder()
    ///     .numeric("pages", Numeric::default())
    ///     .categorical("device", Categorical::new())
    ///     .build()?;
    /// let records: Vec<Vec<Value>> = (0..200)
    ///     .map(|i| {
    ///         let heavy = i % 4 == 0;
    ///         let pages = if heavy { 40.0 + f64::from(i % 8 == 0) } else { 3.0 + f64::from(i % 2 == 1) };
    ///         vec![Value::from(pages), Value::from(if heavy { "desktop" } else { "mobile" })]
    ///     })
    ///     .collect();
    /// let segmentation = Segmenter::new(schema).k(2).seed(1).fit(&records)?;
    /// let described = segmentation.describe(&records)?;
    /// let heavy = described.iter().find(|d| d.share == 0.25).ok_or("no heavy segment")?;
    /// let pages = heavy.traits.iter().find(|t| t.field == "pages").ok_or("no pages")?;
    /// assert_eq!((pages.segment, pages.overall), (40.5, 4.0));
    /// let device = heavy.traits.iter().find(|t| t.field == "device").ok_or("no device")?;
    /// assert_eq!(device.kind, TraitKind::CategoryShare { category: Some("desktop".into()) });
    /// assert_eq!((device.segment, device.overall), (1.0, 0.25));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn describe<'v, R: AsRef<[Value<'v>]> + Sync>(
        &self,
        records: &[R],
    ) -> Result<Vec<SegmentDescription>> {
        let labels = self.assign(records)?;
        describe_segments(self.transformer.schema(), records, &labels, self.k())
    }
}

/// The `k` segments of `records` (segment `labels[i]` for record `i`) in
/// original units, for the fields of `schema`.
///
/// Each segment gets its size, its share of the records and one trait per
/// numeric, categorical and boolean field of the schema (cyclic fields
/// are left out), sorted by score, largest first, ties in schema order.
/// The first traits are what sets the segment apart; the walk-through of
/// `seg-demo` and `seg segment`'s table show the first three.
///
/// - **numeric**: the segment's median against the overall median (linear
///   interpolation between order statistics, as numpy's and pandas'
///   default; missing values left out), scored by the absolute difference
///   over the overall interquartile range (over 1 when that range is 0).
///   Left out of a segment without a value of the field, and out of every
///   segment when no record has one.
/// - **categorical**: the category whose share rises most from the whole
///   population to the segment (`segment share − overall share`, the last
///   category in byte order among equal rises), with both shares, scored
///   by twice the rise. Shares are over every record, a missing value (or a
///   value that is not text) being a category of its own (`None`).
/// - **boolean**: the share of `true` in the segment and overall (a
///   missing value counts as not `true`), scored by twice the absolute
///   difference.
///
/// Twice a share difference and a median shift in interquartile ranges
/// are on comparable scales: a category that every member of a segment
/// has and a third of the population has scores 4/3, a median one
/// interquartile range away scores 1. A segment without records has no
/// traits.
///
/// # Errors
///
/// [`PipelineError::InvalidParameter`] (parameter `labels`) unless there
/// is one label per record and every label is below `k`, and (parameter
/// `records`) for a record without one value per field of the schema.
///
/// # Example
///
/// ```
/// use segmentation::features::{Numeric, Schema, Value};
/// use segmentation::pipeline::{TraitKind, describe_segments};
///
/// let schema = Schema::builder().numeric("pages", Numeric::default()).boolean("weekend").build()?;
/// let records = vec![
///     vec![Value::from(1.0), Value::from(false)],
///     vec![Value::from(3.0), Value::from(false)],
///     vec![Value::from(10.0), Value::from(true)],
///     vec![Value::from(20.0), Value::from(false)],
/// ];
/// let described = describe_segments(&schema, &records, &[0, 0, 1, 1], 2)?;
/// assert_eq!(described[1].share, 0.5);
/// let pages = &described[1].traits[0];
/// assert_eq!((pages.field.as_str(), pages.kind.clone()), ("pages", TraitKind::Median));
/// // medians 15 against 6.5, over the interquartile range 12.5 − 2.5
/// assert_eq!((pages.segment, pages.overall, pages.score), (15.0, 6.5, 0.85));
/// let weekend = &described[1].traits[1];
/// assert_eq!((weekend.segment, weekend.overall, weekend.score), (0.5, 0.25, 0.5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn describe_segments<'v, R: AsRef<[Value<'v>]>>(
    schema: &Schema,
    records: &[R],
    labels: &[usize],
    k: usize,
) -> Result<Vec<SegmentDescription>> {
    if labels.len() != records.len() {
        return Err(PipelineError::InvalidParameter {
            parameter: "labels",
            value: format!("{} labels for {} records", labels.len(), records.len()),
            reason: "one label per record is needed",
        });
    }
    if let Some((row, &label)) = labels.iter().enumerate().find(|(_, l)| **l >= k) {
        return Err(PipelineError::InvalidParameter {
            parameter: "labels",
            value: format!("{label} at row {row} (k = {k})"),
            reason: "every label must be below k",
        });
    }
    let n_fields = schema.fields().len();
    if let Some((row, r)) = records
        .iter()
        .enumerate()
        .find(|(_, r)| r.as_ref().len() != n_fields)
    {
        return Err(PipelineError::InvalidParameter {
            parameter: "records",
            value: format!("{} values at row {row}", r.as_ref().len()),
            reason: "a record has one value per field of the schema",
        });
    }
    let n = records.len().max(1) as f64;
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let mut traits: Vec<Vec<SegmentTrait>> = vec![Vec::new(); k];
    for (f, field) in schema.fields().iter().enumerate() {
        let values = records.iter().map(|r| &r.as_ref()[f]);
        let name = field.name();
        match field.kind() {
            FieldKind::Numeric(_) => numeric(name, values, labels, &mut traits),
            FieldKind::Categorical(_) => categorical(name, values, labels, &sizes, n, &mut traits),
            FieldKind::Boolean => boolean(name, values, labels, &sizes, n, &mut traits),
            _ => {}
        }
    }
    Ok(traits
        .into_iter()
        .zip(sizes)
        .enumerate()
        .map(|(segment, (mut t, size))| {
            if size == 0 {
                t.clear();
            }
            // Stable: equal scores keep the schema's order.
            t.sort_by(|a, b| b.score.total_cmp(&a.score));
            SegmentDescription {
                segment,
                size,
                share: size as f64 / n,
                traits: t,
            }
        })
        .collect())
}

/// The `q` quantile of sorted, non-empty values (linear interpolation).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let h = q * (n - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    let (a, b) = (sorted[lo.min(n - 1)], sorted[hi.min(n - 1)]);
    a + (b - a) * (h - lo as f64)
}

fn numeric<'a, 'v: 'a>(
    name: &str,
    values: impl Iterator<Item = &'a Value<'v>>,
    labels: &[usize],
    traits: &mut [Vec<SegmentTrait>],
) {
    let mut all = Vec::new();
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); traits.len()];
    for (v, &l) in values.zip(labels) {
        if let Value::Number(x) = v {
            all.push(*x);
            per[l].push(*x);
        }
    }
    if all.is_empty() {
        return;
    }
    all.sort_by(f64::total_cmp);
    let median = quantile(&all, 0.5);
    let iqr = quantile(&all, 0.75) - quantile(&all, 0.25);
    let spread = if iqr > 0.0 { iqr } else { 1.0 };
    for (xs, t) in per.iter_mut().zip(traits) {
        if xs.is_empty() {
            continue;
        }
        xs.sort_by(f64::total_cmp);
        let m = quantile(xs, 0.5);
        t.push(SegmentTrait {
            field: name.to_owned(),
            kind: TraitKind::Median,
            segment: m,
            overall: median,
            score: (m - median).abs() / spread,
        });
    }
}

fn categorical<'a, 'v: 'a>(
    name: &str,
    values: impl Iterator<Item = &'a Value<'v>>,
    labels: &[usize],
    sizes: &[usize],
    n: f64,
    traits: &mut [Vec<SegmentTrait>],
) {
    // `None` (missing) sorts before every category.
    let mut all: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    let mut per: Vec<BTreeMap<Option<&str>, usize>> = vec![BTreeMap::new(); traits.len()];
    for (v, &l) in values.zip(labels) {
        let text = match v {
            Value::Text(t) => Some(t.as_ref()),
            _ => None,
        };
        *all.entry(text).or_default() += 1;
        *per[l].entry(text).or_default() += 1;
    }
    for ((counts, &size), t) in per.iter().zip(sizes).zip(traits) {
        let size = size.max(1) as f64;
        let best = counts
            .iter()
            .map(|(c, &m)| {
                let overall = all.get(c).copied().unwrap_or(0) as f64 / n;
                (*c, m as f64 / size, overall)
            })
            .max_by(|a, b| (a.1 - a.2).total_cmp(&(b.1 - b.2)));
        if let Some((c, share, overall)) = best {
            t.push(SegmentTrait {
                field: name.to_owned(),
                kind: TraitKind::CategoryShare {
                    category: c.map(str::to_owned),
                },
                segment: share,
                overall,
                score: 2.0 * (share - overall),
            });
        }
    }
}

fn boolean<'a, 'v: 'a>(
    name: &str,
    values: impl Iterator<Item = &'a Value<'v>>,
    labels: &[usize],
    sizes: &[usize],
    n: f64,
    traits: &mut [Vec<SegmentTrait>],
) {
    let mut all = 0usize;
    let mut per = vec![0usize; traits.len()];
    for (v, &l) in values.zip(labels) {
        if let Value::Bool(true) = v {
            all += 1;
            per[l] += 1;
        }
    }
    let overall = all as f64 / n;
    for ((&trues, &size), t) in per.iter().zip(sizes).zip(traits) {
        let share = trues as f64 / size.max(1) as f64;
        t.push(SegmentTrait {
            field: name.to_owned(),
            kind: TraitKind::TrueShare,
            segment: share,
            overall,
            score: 2.0 * (share - overall).abs(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seg_features::{Categorical, Numeric};

    fn schema() -> Schema {
        Schema::builder()
            .numeric("x", Numeric::default())
            .categorical("c", Categorical::new())
            .boolean("b")
            .cyclic("hour", 24.0)
            .build()
            .unwrap()
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SegmentDescription>();
        check::<SegmentTrait>();
        check::<TraitKind>();
    }

    #[test]
    fn labels_must_match_the_records_and_k() {
        let records = vec![vec![
            Value::from(1.0),
            Value::from("a"),
            Value::from(true),
            Value::from(3.0),
        ]];
        assert!(describe_segments(&schema(), &records, &[], 1).is_err());
        assert!(describe_segments(&schema(), &records, &[1], 1).is_err());
        let short = vec![vec![Value::from(1.0)]];
        assert!(matches!(
            describe_segments(&schema(), &short, &[0], 1),
            Err(PipelineError::InvalidParameter {
                parameter: "records",
                ..
            })
        ));
    }

    #[test]
    fn cyclic_fields_and_empty_segments_have_no_traits() {
        let records: Vec<Vec<Value>> = (0..6)
            .map(|i| {
                vec![
                    Value::from(i as f64),
                    Value::from(if i < 3 { "a" } else { "b" }),
                    Value::from(i % 2 == 0),
                    Value::from(i as f64),
                ]
            })
            .collect();
        let d = describe_segments(&schema(), &records, &[0, 0, 0, 2, 2, 2], 3).unwrap();
        assert_eq!(d[0].traits.len(), 3);
        assert!(d[0].traits.iter().all(|t| t.field != "hour"));
        assert_eq!((d[1].size, d[1].share, d[1].traits.len()), (0, 0.0, 0));
        let scores: Vec<f64> = d[2].traits.iter().map(|t| t.score).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }

    #[test]
    fn missing_values_are_a_category_and_left_out_of_medians() {
        let schema = Schema::builder()
            .numeric("x", Numeric::default())
            .categorical("c", Categorical::new())
            .build()
            .unwrap();
        let records = vec![
            vec![Value::Missing, Value::Missing],
            vec![Value::from(4.0), Value::Missing],
            vec![Value::from(2.0), Value::from("a")],
            vec![Value::Missing, Value::from("a")],
        ];
        let d = describe_segments(&schema, &records, &[0, 0, 1, 1], 2).unwrap();
        let c = d[0].traits.iter().find(|t| t.field == "c").unwrap();
        assert_eq!(c.kind, TraitKind::CategoryShare { category: None });
        assert_eq!((c.segment, c.overall), (1.0, 0.5));
        let x = d[0].traits.iter().find(|t| t.field == "x").unwrap();
        assert_eq!((x.segment, x.overall), (4.0, 3.0));
        // A segment without any value of a numeric field has no trait for it.
        let only_missing = describe_segments(&schema, &records[..1], &[0], 1).unwrap();
        assert!(only_missing[0].traits.iter().all(|t| t.field != "x"));
    }
}
