//! Segments against an outcome that was never used to fit them: a binary
//! outcome (purchase) or a numeric one (revenue).

use seg_features::Value;
use seg_validate::{SegmentMeans, SegmentOutcomes, segment_means, segment_outcomes};

use super::error::{PipelineError, Result};
use super::segmentation::Segmentation;

/// The outcome of every record: binary (converted or not) or numeric.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// A yes/no outcome, such as a purchase.
    Binary(Vec<bool>),
    /// A numeric outcome, such as revenue or pages per session.
    Numeric(Vec<f64>),
}

/// The binary spellings [`Outcome::parse`] reads, lowercase: the first
/// three are true, the others false.
const BINARY: [(&str, bool); 6] = [
    ("1", true),
    ("true", true),
    ("yes", true),
    ("0", false),
    ("false", false),
    ("no", false),
];

fn binary(cell: &str) -> Option<bool> {
    BINARY
        .iter()
        .find(|(text, _)| cell.eq_ignore_ascii_case(text))
        .map(|&(_, v)| v)
}

impl Outcome {
    /// The outcome written in a column of text cells (trimmed): binary
    /// when every cell is `true`/`false`, `yes`/`no` (in any case) or a
    /// number equal to 1 or 0 (`1`, `0.0`, …; spellings may be mixed),
    /// otherwise numeric when every cell is a finite number.
    ///
    /// # Errors
    ///
    /// [`PipelineError::InvalidOutcome`] naming the first cell (0-based
    /// row) that is empty, neither binary nor a finite number, or a word
    /// (`true`, `no`, …) in a column that also holds numbers other than
    /// 0 and 1; [`PipelineError::InvalidParameter`] for no cells.
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::pipeline::Outcome;
    ///
    /// assert_eq!(Outcome::parse(["TRUE", "false", "1"])?, Outcome::Binary(vec![true, false, true]));
    /// assert_eq!(Outcome::parse(["0", "1", "2.5"])?, Outcome::Numeric(vec![0.0, 1.0, 2.5]));
    /// assert!(Outcome::parse(["yes", "maybe"]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse<I, S>(cells: I) -> Result<Outcome>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut values = Vec::new();
        // The first word (`yes`, `false`, …) and the first number other
        // than 0 and 1: both make the column neither binary nor numeric.
        let mut word: Option<(usize, String)> = None;
        let mut number: Option<(usize, String)> = None;
        for (row, cell) in cells.into_iter().enumerate() {
            let cell = cell.as_ref().trim();
            let bad = |reason: &'static str| PipelineError::InvalidOutcome {
                row,
                value: cell.to_owned(),
                reason,
            };
            if cell.is_empty() {
                return Err(bad("is empty"));
            }
            let value = match (binary(cell), cell.parse::<f64>()) {
                (Some(b), Ok(_)) => f64::from(u8::from(b)),
                (Some(b), Err(_)) => {
                    word.get_or_insert_with(|| (row, cell.to_owned()));
                    f64::from(u8::from(b))
                }
                (None, Ok(x)) if x == 0.0 || x == 1.0 => x,
                (None, Ok(x)) if x.is_finite() => {
                    number.get_or_insert_with(|| (row, cell.to_owned()));
                    x
                }
                _ => {
                    return Err(bad(
                        "is neither binary (0/1, true/false, yes/no) nor a finite number",
                    ));
                }
            };
            if let (Some((row, value)), Some(_)) = (&word, &number) {
                return Err(PipelineError::InvalidOutcome {
                    row: *row,
                    value: value.clone(),
                    reason: "is a word in a column of numbers other than 0 and 1",
                });
            }
            values.push(value);
        }
        if values.is_empty() {
            return Err(PipelineError::InvalidParameter {
                parameter: "outcome",
                value: "no cells".to_owned(),
                reason: "one outcome per record is needed",
            });
        }
        Ok(if number.is_none() {
            Outcome::Binary(values.into_iter().map(|v| v == 1.0).collect())
        } else {
            Outcome::Numeric(values)
        })
    }

    /// How the segments `labels` (one per record) separate this outcome:
    /// [`segment_outcomes`](seg_validate::segment_outcomes) for a binary
    /// outcome, [`segment_means`](seg_validate::segment_means) for a
    /// numeric one, with intervals at `confidence`. What
    /// [`Segmentation::profile`] computes from the labels it assigns.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Validate`] for labels of another length than the
    /// outcome and the other errors of the two functions.
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::pipeline::{Outcome, OutcomeProfile};
    ///
    /// let revenue = Outcome::parse(["1.5", "2.5", "2", "10", "12", "11"])?;
    /// let OutcomeProfile::Numeric(report) = revenue.profile(&[0, 0, 0, 1, 1, 1], 0.95)? else {
    ///     return Err("a numeric outcome".into());
    /// };
    /// assert_eq!((report.segments[0].mean, report.segments[1].mean), (2.0, 11.0));
    /// // SSB = 121.5 between the segments, SSW = 2.5 within them
    /// assert!((report.eta_squared - 121.5 / 124.0).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn profile(&self, labels: &[usize], confidence: f64) -> Result<OutcomeProfile> {
        Ok(match self {
            Outcome::Binary(y) => OutcomeProfile::Binary(segment_outcomes(labels, y, confidence)?),
            Outcome::Numeric(y) => OutcomeProfile::Numeric(segment_means(labels, y, confidence)?),
        })
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        match self {
            Outcome::Binary(v) => v.len(),
            Outcome::Numeric(v) => v.len(),
        }
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How segments separate an outcome: seg-validate's report for its kind.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OutcomeProfile {
    /// Per-segment rates with Wilson score intervals, the χ² test of
    /// segment × outcome and Cramér's V
    /// ([`segment_outcomes`](seg_validate::segment_outcomes)).
    Binary(SegmentOutcomes),
    /// Per-segment means with Student t intervals, the one-way analysis
    /// of variance and η² ([`segment_means`](seg_validate::segment_means)).
    Numeric(SegmentMeans),
}

impl Segmentation {
    /// How the segments of `records` separate `outcome` (one value per
    /// record, never used to fit): for a binary outcome each segment's
    /// rate with its Wilson score interval, Pearson's χ² test of
    /// independence of segment and outcome (no continuity correction) and
    /// Cramér's V; for a numeric one each segment's mean with its Student
    /// t interval, the one-way ANOVA F, its p-value and η². Intervals are
    /// at `confidence` (0.95 for 95%); segments without records are left
    /// out.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] for no records or a record the
    /// transform rejects, naming its row; [`PipelineError::Validate`] for
    /// an outcome of another length than the records, fewer than two
    /// segments with records, an outcome that never varies, a confidence
    /// outside (0, 1), or (numeric) no more records than segments.
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::features::Value;
    /// use segmentation::pipeline::{Outcome, OutcomeProfile, Segmenter, numeric_schema};
    ///
    /// let records: Vec<[Value; 1]> = (0..100).map(|i| [Value::from((i % 2) as f64 * 50.0 + (i % 3) as f64)]).collect();
    /// let segmentation = Segmenter::new(numeric_schema(&["pages"])?).k(2).fit(&records)?;
    /// // Every other visitor (the one with more pages) buys, one in ten of the others.
    /// let bought = Outcome::Binary((0..100).map(|i| i % 2 == 1 || i % 10 == 0).collect());
    /// let OutcomeProfile::Binary(report) = segmentation.profile(&records, &bought, 0.95)? else {
    ///     return Err("a binary outcome".into());
    /// };
    /// assert!(report.cramers_v > 0.8 && report.p_value < 1e-10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn profile<'v, R: AsRef<[Value<'v>]> + Sync>(
        &self,
        records: &[R],
        outcome: &Outcome,
        confidence: f64,
    ) -> Result<OutcomeProfile> {
        outcome.profile(&self.assign(records)?, confidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Outcome>();
        check::<OutcomeProfile>();
    }

    #[test]
    fn binary_spellings_may_be_mixed_and_any_case() {
        let o = Outcome::parse(["Yes", "NO", " true ", "0", "1", "False"]).unwrap();
        assert_eq!(
            o,
            Outcome::Binary(vec![true, false, true, false, true, false])
        );
        assert_eq!(o.len(), 6);
    }

    #[test]
    fn numbers_other_than_zero_and_one_make_the_outcome_numeric() {
        assert_eq!(
            Outcome::parse(["1", "0", "1e1"]).unwrap(),
            Outcome::Numeric(vec![1.0, 0.0, 10.0])
        );
        assert_eq!(
            Outcome::parse(["1.0", "0.0", "1"]).unwrap(),
            Outcome::Binary(vec![true, false, true])
        );
    }

    #[test]
    fn bad_cells_are_named_by_row() {
        let row = |cells: &[&str]| match Outcome::parse(cells) {
            Err(PipelineError::InvalidOutcome { row, .. }) => row,
            other => panic!("{other:?}"),
        };
        assert_eq!(row(&["1", "", "0"]), 1);
        assert_eq!(row(&["1", "0", "maybe"]), 2);
        assert_eq!(row(&["1", "inf"]), 1);
        assert_eq!(row(&["NaN"]), 0);
        // The word is named, wherever the number is.
        assert_eq!(row(&["1", "yes", "3.5"]), 1);
        assert_eq!(row(&["3.5", "0", "no"]), 2);
        assert!(Outcome::parse(Vec::<String>::new()).is_err());
    }
}
