//! The drift of a batch of records: the raw fields and the segment
//! model's features, under one verdict, and the retraining rule that fired.

use seg_cluster::{
    DriftLevel, DriftSource, PsiTest, RetrainDecision, RetrainPolicy, SegmentDrift, verdict,
};
use serde::Serialize;

use super::error::Result;
use super::fields::FieldDrift;

/// How a batch of records differs from a segmentation's training data
/// ([`Segmentation::drift`](super::Segmentation::drift)).
///
/// `segments` is the segment model's report on the transformed features
/// (PSI per feature and of the segment shares, the distances);
/// `fields` the same batch in the units of the data, one entry per field
/// of the schema (empty for a segmentation without a field baseline). One
/// verdict covers them all: every `significant` flag (here and in
/// `segments`) and `level` come from Holm's correction over all of these
/// PSIs at once, at the family-wise error rate `segments.report.alpha`
/// (but for the `field=<other>` columns of categorical fields, reported
/// and not counted: they are 0 in training by construction, so a long tail
/// of categories unseen in training would read as drift in every batch;
/// the field's own test weighs its unseen categories against the pooled
/// shares instead).
///
/// # Example
///
/// ```
/// use segmentation::cluster::{DriftLevel, RetrainPolicy};
/// use segmentation::features::{Categorical, Schema, Value};
/// use segmentation::pipeline::Segmenter;
///
/// let schema = Schema::builder().categorical("source", Categorical::new()).build()?;
/// let sources = ["ads", "search", "direct"];
/// let train: Vec<[Value; 1]> = (0..3_000).map(|i| [Value::from(sources[i % 3])]).collect();
/// let s = Segmenter::new(schema).k(3).fit(&train)?;
/// // A new source brings 30% of the visitors.
/// let batch: Vec<[Value; 1]> = (0..3_000)
///     .map(|i| [Value::from(if i % 10 < 3 { "tiktok" } else { sources[i % 3] })])
///     .collect();
/// let drift = s.drift(&batch)?;
/// assert_eq!(drift.fields[0].new_categories[0].value, "tiktok");
/// assert!((drift.fields[0].new_categories[0].share - 0.3).abs() < 1e-12);
/// assert_eq!(drift.level, DriftLevel::Significant);
/// let policy = RetrainPolicy::default();
/// assert!(drift.decide(&policy).is_retrain());
/// let reason = drift.retrain_reason(&policy).unwrap();
/// assert!(reason.starts_with("field `source` PSI 2."), "{reason}");
/// assert!(reason.contains("new category `tiktok` at 30.0%"), "{reason}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordDrift {
    /// The segment model's report on the features.
    pub segments: SegmentDrift,
    /// The raw fields, in schema order.
    pub fields: Vec<FieldDrift>,
    /// The largest PSI of all (features, segment shares, fields).
    pub score: f64,
    /// The verdict over all PSIs.
    pub level: DriftLevel,
    /// The PSIs the verdict counted.
    #[serde(skip)]
    counted: usize,
}

impl RecordDrift {
    /// Joins the two reports under one verdict; `is_other(j)` tells the
    /// `<other>` columns of the transform apart (see below).
    pub(super) fn new(
        mut segments: SegmentDrift,
        mut fields: Vec<FieldDrift>,
        is_other: impl Fn(usize) -> bool,
    ) -> Result<Self> {
        let r = &segments.report;
        // With the raw fields, the `<other>` columns of categorical fields
        // leave the verdict: they are 0 in training by construction (every
        // training category has a column), so unseen categories of a long
        // tail would read as drift in every batch; the field's own test
        // weighs them against the pooled shares.
        let counted: Vec<bool> = (0..segments.feature_names.len())
            .map(|j| fields.is_empty() || !is_other(j))
            .collect();
        let mut tests: Vec<PsiTest> = r
            .features
            .iter()
            .zip(&counted)
            .filter(|(_, c)| **c)
            .map(|(f, _)| PsiTest {
                psi: f.psi,
                expected_psi: f.expected_psi,
                p_value: f.p_value,
                method: f.method,
            })
            .collect();
        let d = tests.len();
        tests.push(PsiTest {
            psi: r.assignment_psi,
            expected_psi: r.assignment_expected_psi,
            p_value: r.assignment_p_value,
            method: r.assignment_method,
        });
        tests.extend(fields.iter().map(|f| f.test));
        let judged = verdict(&tests, r.alpha)?;
        let mut flags = judged.significant.iter().copied();
        let report = &mut segments.report;
        for (f, &c) in report.features.iter_mut().zip(&counted) {
            f.significant = c && flags.next().unwrap_or(false);
        }
        report.assignment_significant = flags.next().unwrap_or(false);
        report.level = judged.level;
        for f in fields.iter_mut() {
            f.significant = flags.next().unwrap_or(false);
        }
        debug_assert_eq!(judged.significant.len(), d + 1 + fields.len());
        let score = fields
            .iter()
            .map(|f| f.test.psi)
            .fold(report.score, f64::max);
        Ok(RecordDrift {
            segments,
            fields,
            score,
            level: judged.level,
            counted: judged.significant.len(),
        })
    }

    /// Rows of the batch.
    ///
    /// See the example on [`RecordDrift`].
    pub fn n(&self) -> usize {
        self.segments.report.n
    }

    /// The decision of `policy` over every PSI of the report (raw fields
    /// included; see [`RetrainPolicy`] for the rule).
    ///
    /// See the example on [`RecordDrift`].
    pub fn decide(&self, policy: &RetrainPolicy) -> RetrainDecision {
        let r = &self.segments.report;
        let features = r.features.iter().map(|f| {
            (
                DriftSource::Feature {
                    index: f.index,
                    psi: f.psi,
                },
                f.significant,
            )
        });
        let assignment = (
            DriftSource::Assignment {
                psi: r.assignment_psi,
            },
            r.assignment_significant,
        );
        let fields = self.fields.iter().enumerate().map(|(index, f)| {
            (
                DriftSource::Field {
                    index,
                    psi: f.test.psi,
                },
                f.significant,
            )
        });
        policy.decide_over(
            r.n,
            self.score,
            self.level,
            features.chain(std::iter::once(assignment)).chain(fields),
        )
    }

    /// Which rule of `policy` fired, in a sentence naming the largest
    /// driver (with a field's new categories and their shares), or `None`
    /// when [`decide`](Self::decide) does not retrain.
    ///
    /// See the example on [`RecordDrift`].
    pub fn retrain_reason(&self, policy: &RetrainPolicy) -> Option<String> {
        let RetrainDecision::Retrain { drivers, .. } = self.decide(policy) else {
            return None;
        };
        let alpha = self.segments.report.alpha;
        let what = match drivers.first()? {
            DriftSource::Field { index, psi } => {
                let f = self.fields.get(*index)?;
                let mut s = format!("field `{}` PSI {psi:.3}", f.name);
                for c in f.new_categories.iter().take(3) {
                    s.push_str(&format!(
                        ", new category `{}` at {:.1}%",
                        c.value,
                        100.0 * c.share
                    ));
                }
                s
            }
            DriftSource::Feature { index, psi } => format!(
                "feature `{}` PSI {psi:.3}",
                self.segments
                    .feature_names
                    .get(*index)
                    .map_or("?", String::as_str)
            ),
            DriftSource::Assignment { psi } => format!("segment shares PSI {psi:.3}"),
        };
        Some(format!(
            "{what}: above the threshold {} and significant at {alpha} after Holm's correction \
             over {} PSIs ({} above the threshold)",
            policy.threshold(),
            self.counted,
            drivers.len()
        ))
    }
}
