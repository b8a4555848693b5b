//! The target policy of an off-policy evaluation: π(a | s) per segment.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::error::{BanditError, Result};

/// How far a segment's probabilities may sum from 1.
pub(crate) const SUM_TOLERANCE: f64 = 1e-9;

/// A target policy: a distribution π(a | s) over variants for every
/// segment, the policy whose value an [`OffPolicyEvaluator`] estimates.
///
/// Segment and variant names are interned (numbered in the order of their
/// first appearance) and the probabilities kept in a dense `segments ×
/// variants` table, so π(a | s) costs two name lookups, and none through
/// the indices of [`segment_index`](Self::segment_index) and
/// [`variant_index`](Self::variant_index). A name is looked up by
/// comparing it with each name when there are at most
/// 16 of them (faster than hashing for the few segments
/// and variants of an experiment), and in a hash map otherwise.
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
    segments: Names,
    variants: Names,
    /// π(a | s) at `s * variants.len() + a`.
    probabilities: Vec<f64>,
}

/// Up to this many names, a name is found by comparing it with each (a
/// few nanoseconds for short names); beyond, by a hash map.
pub(crate) const LINEAR_SCAN_MAX: usize = 16;

/// Interned names: their list (the index of a name is its position) and a
/// hash map from name to index.
#[derive(Debug, Clone, PartialEq, Default)]
struct Names {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Names {
    /// The index of `name`, added at the end when new.
    fn intern(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    #[inline]
    fn get(&self, name: &str) -> Option<usize> {
        if self.names.len() <= LINEAR_SCAN_MAX {
            self.names.iter().position(|n| n == name)
        } else {
            self.index.get(name).copied()
        }
    }

    fn len(&self) -> usize {
        self.names.len()
    }
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
        let mut segments = Names::default();
        let mut variants = Names::default();
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
            let s = segments.intern(segment);
            let v = variants.intern(variant);
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
        if segments.names.is_empty() {
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
        for (s, name) in segments.names.iter().enumerate() {
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
        &self.segments.names
    }

    /// The variants named by the policy, in the order of their first
    /// appearance (their indices).
    pub fn variants(&self) -> &[String] {
        &self.variants.names
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
    #[inline]
    pub fn segment_index(&self, segment: &str) -> Option<usize> {
        self.segments.get(segment)
    }

    /// The index of `variant`, or `None` when the policy never names it
    /// (its probability is then 0 everywhere).
    #[inline]
    pub fn variant_index(&self, variant: &str) -> Option<usize> {
        self.variants.get(variant)
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
    fn names_are_found_by_scan_and_by_hash_alike() {
        for count in [1, LINEAR_SCAN_MAX, LINEAR_SCAN_MAX + 1, 100] {
            let segments: Vec<String> = (0..count).map(|i| format!("segment-{i}")).collect();
            let policy = TargetPolicy::uniform(&segments, ["a", "b"]).unwrap();
            for (i, s) in segments.iter().enumerate() {
                assert_eq!(policy.segment_index(s), Some(i));
            }
            assert_eq!(policy.segment_index("segment-"), None);
            assert_eq!(policy.variant_index("b"), Some(1));
        }
    }

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
