//! The target policy of an off-policy evaluation: π(a | s) per segment.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::error::{BanditError, Result};

/// How far a segment's probabilities may sum from 1.
pub(crate) const SUM_TOLERANCE: f64 = 1e-9;

/// A target policy: a distribution π(a | s) over variants for every
/// segment, the policy whose value an [`OffPolicyEvaluator`] estimates.
///
/// Segment and variant names are interned (a hash map from name to index
/// and a dense `segments × variants` table of probabilities), so a lookup
/// costs two hash-map probes, and none through the indices of
/// [`segment_index`](Self::segment_index) and
/// [`variant_index`](Self::variant_index). Segments and variants are
/// numbered in the order of their first appearance.
///
/// A variant the policy never names has probability 0 in every segment.
///
/// [`OffPolicyEvaluator`]: crate::OffPolicyEvaluator
///
/// # Example
///
/// ```
/// use seg_bandit_state::TargetPolicy;
///
/// let policy = TargetPolicy::from_rows([
///     ("mobile", "green", 0.75),
///     ("mobile", "control", 0.25),
///     ("desktop", "control", 1.0),
/// ])?;
/// assert_eq!(policy.probability("mobile", "green"), Some(0.75));
/// assert_eq!(policy.probability("desktop", "green"), Some(0.0)); // a missing row
/// assert_eq!(policy.probability("tablet", "green"), None); // an unknown segment
/// assert_eq!(policy.segments(), ["mobile", "desktop"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TargetPolicy {
    segments: Vec<String>,
    variants: Vec<String>,
    segment_index: HashMap<String, usize>,
    variant_index: HashMap<String, usize>,
    /// π(a | s) at `s * variants.len() + a`.
    probabilities: Vec<f64>,
}

/// The index of `name` in `names`, added at the end when new.
fn intern(names: &mut Vec<String>, index: &mut HashMap<String, usize>, name: &str) -> usize {
    if let Some(&i) = index.get(name) {
        return i;
    }
    let i = names.len();
    names.push(name.to_owned());
    index.insert(name.to_owned(), i);
    i
}

impl TargetPolicy {
    /// A policy from `(segment, variant, probability)` rows.
    ///
    /// A segment × variant without a row has probability 0. Each
    /// probability must be finite and in [0, 1], and each segment's
    /// probabilities must sum to 1 within 1e-9 (they are kept as given,
    /// not renormalised).
    ///
    /// # Errors
    ///
    /// [`BanditError::InvalidTargetProbability`] for a probability outside
    /// [0, 1] or not finite, [`BanditError::DuplicateTargetRow`] for a
    /// segment and variant given twice, [`BanditError::TargetNotNormalised`]
    /// for a segment whose probabilities do not sum to 1, and
    /// [`BanditError::InvalidParameter`] (`rows`) without any row.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::{BanditError, TargetPolicy};
    ///
    /// let policy = TargetPolicy::from_rows([("mobile", "a", 0.5), ("mobile", "b", 0.5)])?;
    /// assert_eq!(policy.variants(), ["a", "b"]);
    /// let err = TargetPolicy::from_rows([("mobile", "a", 0.5), ("mobile", "b", 0.4)]).unwrap_err();
    /// assert!(matches!(err, BanditError::TargetNotNormalised { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_rows<S, V, I>(rows: I) -> Result<Self>
    where
        I: IntoIterator<Item = (S, V, f64)>,
        S: AsRef<str>,
        V: AsRef<str>,
    {
        let mut segments = Vec::new();
        let mut variants = Vec::new();
        let mut segment_index = HashMap::new();
        let mut variant_index = HashMap::new();
        let mut entries: HashMap<(usize, usize), f64> = HashMap::new();
        for (segment, variant, probability) in rows {
            let (segment, variant) = (segment.as_ref(), variant.as_ref());
            if !(probability.is_finite() && (0.0..=1.0).contains(&probability)) {
                return Err(BanditError::InvalidTargetProbability {
                    segment: segment.to_owned(),
                    variant: variant.to_owned(),
                    probability,
                });
            }
            let s = intern(&mut segments, &mut segment_index, segment);
            let v = intern(&mut variants, &mut variant_index, variant);
            match entries.entry((s, v)) {
                Entry::Occupied(_) => {
                    return Err(BanditError::DuplicateTargetRow {
                        segment: segment.to_owned(),
                        variant: variant.to_owned(),
                    });
                }
                Entry::Vacant(slot) => {
                    slot.insert(probability);
                }
            }
        }
        if segments.is_empty() {
            return Err(BanditError::InvalidParameter {
                parameter: "rows",
                value: "0 rows".to_owned(),
                reason: "a target policy needs at least one segment",
            });
        }
        let width = variants.len();
        let mut probabilities = vec![0.0; segments.len() * width];
        for ((s, v), p) in entries {
            probabilities[s * width + v] = p;
        }
        for (s, name) in segments.iter().enumerate() {
            let sum: f64 = probabilities[s * width..(s + 1) * width].iter().sum();
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                return Err(BanditError::TargetNotNormalised {
                    segment: name.clone(),
                    sum,
                });
            }
        }
        Ok(TargetPolicy {
            segments,
            variants,
            segment_index,
            variant_index,
            probabilities,
        })
    }

    /// The uniform policy: every variant with probability 1 / `variants` in
    /// every segment.
    ///
    /// # Errors
    ///
    /// [`BanditError::InvalidParameter`] (`variants`, `rows`) without any
    /// variant or segment; [`BanditError::DuplicateTargetRow`] for a
    /// segment or variant listed twice.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::TargetPolicy;
    ///
    /// let policy = TargetPolicy::uniform(["mobile", "desktop"], ["a", "b", "c", "d"])?;
    /// assert_eq!(policy.probability("desktop", "c"), Some(0.25));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn uniform<S, V>(
        segments: impl IntoIterator<Item = S>,
        variants: impl IntoIterator<Item = V>,
    ) -> Result<Self>
    where
        S: AsRef<str>,
        V: AsRef<str>,
    {
        let variants: Vec<V> = variants.into_iter().collect();
        if variants.is_empty() {
            return Err(BanditError::InvalidParameter {
                parameter: "variants",
                value: "0 variants".to_owned(),
                reason: "a uniform policy needs at least one variant",
            });
        }
        let p = 1.0 / variants.len() as f64;
        let segments: Vec<S> = segments.into_iter().collect();
        Self::from_rows(
            segments
                .iter()
                .flat_map(|s| variants.iter().map(move |v| (s.as_ref(), v.as_ref(), p))),
        )
    }

    /// A deterministic policy: in each segment, the one variant given for
    /// it (for example the best variant per segment).
    ///
    /// # Errors
    ///
    /// [`BanditError::TargetNotNormalised`] for a segment given two
    /// different variants, [`BanditError::DuplicateTargetRow`] for the same
    /// pair given twice, [`BanditError::InvalidParameter`] (`rows`) for no
    /// pair.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::TargetPolicy;
    ///
    /// let best = TargetPolicy::deterministic([("mobile", "green"), ("desktop", "control")])?;
    /// assert_eq!(best.probability("mobile", "green"), Some(1.0));
    /// assert_eq!(best.probability("mobile", "control"), Some(0.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deterministic<S, V>(choices: impl IntoIterator<Item = (S, V)>) -> Result<Self>
    where
        S: AsRef<str>,
        V: AsRef<str>,
    {
        Self::from_rows(choices.into_iter().map(|(s, v)| (s, v, 1.0)))
    }

    /// The policy that serves `variant` to everyone in `segments`.
    ///
    /// # Errors
    ///
    /// [`BanditError::DuplicateTargetRow`] for a segment listed twice,
    /// [`BanditError::InvalidParameter`] (`rows`) without any segment.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::TargetPolicy;
    ///
    /// let policy = TargetPolicy::everyone("green", ["mobile", "desktop"])?;
    /// assert_eq!(policy.probability("desktop", "green"), Some(1.0));
    /// assert_eq!(policy.variants(), ["green"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn everyone<S: AsRef<str>>(
        variant: &str,
        segments: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        Self::from_rows(segments.into_iter().map(|s| (s, variant, 1.0)))
    }

    /// The segments, in the order of their first appearance (their indices).
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The variants named by the policy, in the order of their first
    /// appearance (their indices).
    pub fn variants(&self) -> &[String] {
        &self.variants
    }

    /// The index of `segment`, or `None` when the policy does not know it.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::TargetPolicy;
    ///
    /// let policy = TargetPolicy::uniform(["mobile", "desktop"], ["a", "b"])?;
    /// assert_eq!(policy.segment_index("desktop"), Some(1));
    /// assert_eq!(policy.variant_index("b"), Some(1));
    /// assert_eq!(policy.probability_indexed(1, 1), Some(0.5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn segment_index(&self, segment: &str) -> Option<usize> {
        self.segment_index.get(segment).copied()
    }

    /// The index of `variant`, or `None` when the policy never names it
    /// (its probability is then 0 everywhere).
    pub fn variant_index(&self, variant: &str) -> Option<usize> {
        self.variant_index.get(variant).copied()
    }

    /// π(variant | segment): `None` for a segment the policy does not know,
    /// 0 for a variant it does not name.
    pub fn probability(&self, segment: &str, variant: &str) -> Option<f64> {
        let s = self.segment_index(segment)?;
        Some(
            self.variant_index(variant)
                .map_or(0.0, |v| self.probabilities[s * self.variants.len() + v]),
        )
    }

    /// π(variant | segment) by index; `None` for an index out of range.
    pub fn probability_indexed(&self, segment: usize, variant: usize) -> Option<f64> {
        if segment < self.segments.len() && variant < self.variants.len() {
            Some(self.probabilities[segment * self.variants.len() + variant])
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probability_must_be_in_the_unit_interval() {
        for p in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let err = TargetPolicy::from_rows([("s", "a", p)]).unwrap_err();
            assert!(
                matches!(err, BanditError::InvalidTargetProbability { .. }),
                "{err}"
            );
        }
    }

    #[test]
    fn sums_within_1e_9_of_one_are_accepted_as_given() {
        let p = TargetPolicy::from_rows([("s", "a", 0.5 + 4e-10), ("s", "b", 0.5)]).unwrap();
        assert_eq!(p.probability("s", "a"), Some(0.5 + 4e-10));
        assert!(TargetPolicy::from_rows([("s", "a", 0.5 + 2e-9), ("s", "b", 0.5)]).is_err());
    }

    #[test]
    fn a_segment_given_two_variants_by_deterministic_does_not_sum_to_one() {
        let err = TargetPolicy::deterministic([("s", "a"), ("s", "b")]).unwrap_err();
        assert!(err.to_string().contains("sum to 2"), "{err}");
    }

    #[test]
    fn duplicate_segments_of_uniform_and_empty_inputs_are_errors() {
        assert!(matches!(
            TargetPolicy::uniform(["s", "s"], ["a"]),
            Err(BanditError::DuplicateTargetRow { .. })
        ));
        assert!(TargetPolicy::uniform(["s"], Vec::<&str>::new()).is_err());
        assert!(TargetPolicy::everyone("a", Vec::<&str>::new()).is_err());
    }
}
