//! An experiment: its variants, defined once, and the prior every new segment starts from.

use serde::{Deserialize, Serialize};

use crate::error::{BanditError, Result};
use crate::state::Prior;

/// Checks a name (experiment, variant or segment): non-empty.
pub(crate) fn check_name(parameter: &'static str, name: &str) -> Result<()> {
    if name.is_empty() {
        Err(BanditError::InvalidParameter {
            parameter,
            value: "\"\"".to_owned(),
            reason: "must not be empty",
        })
    } else {
        Ok(())
    }
}

/// An A/B (or A/B/n) experiment: a name, its variants and the default prior.
///
/// The variants are defined once, here; the learning state is kept per
/// variant × segment by a store ([`crate::StateStore`]). A variant's id is its
/// position in [`Experiment::variants`]. Names are free text (stored
/// verbatim, any Unicode), non-empty, and variant names are unique within
/// the experiment.
///
/// # Example
/// ```
/// use seg_bandit_state::{Experiment, Prior};
/// let e = Experiment::new("checkout", ["control", "green"], Prior::uniform())?;
/// assert_eq!(e.variant_index("green")?, 1);
/// assert!(Experiment::new("x", ["a", "a"], Prior::uniform()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawExperiment")]
pub struct Experiment {
    name: String,
    variants: Vec<String>,
    prior: Prior,
}

impl Experiment {
    /// An experiment named `name` with `variants` (in this order) and `prior`
    /// for every variant of a new segment.
    ///
    /// # Errors
    /// - [`BanditError::InvalidParameter`] for an empty `experiment` or
    ///   `variant` name, or no variant at all (`variants`);
    /// - [`BanditError::DuplicateVariant`] naming a variant given twice.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, Prior};
    /// let e = Experiment::new("checkout", ["control", "green", "blue"], Prior::uniform())?;
    /// assert_eq!(e.variants().len(), 3);
    /// assert!(Experiment::new("", ["a"], Prior::uniform()).is_err());
    /// assert!(Experiment::new("x", Vec::<String>::new(), Prior::uniform()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new<I, S>(name: impl Into<String>, variants: I, prior: Prior) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let experiment = Self {
            name: name.into(),
            variants: variants.into_iter().map(Into::into).collect(),
            prior,
        };
        experiment.check()?;
        Ok(experiment)
    }

    fn check(&self) -> Result<()> {
        check_name("experiment", &self.name)?;
        if self.variants.is_empty() {
            return Err(BanditError::InvalidParameter {
                parameter: "variants",
                value: "[]".to_owned(),
                reason: "an experiment needs at least one variant",
            });
        }
        // A set, not pairwise comparison: a hostile file may list millions of variants.
        let mut seen = std::collections::HashSet::with_capacity(self.variants.len());
        for v in &self.variants {
            check_name("variant", v)?;
            if !seen.insert(v.as_str()) {
                return Err(BanditError::DuplicateVariant {
                    experiment: self.name.clone(),
                    variant: v.clone(),
                });
            }
        }
        Ok(())
    }

    /// The experiment's name.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, Prior};
    /// assert_eq!(Experiment::new("checkout", ["a"], Prior::uniform())?.name(), "checkout");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The variant names; a variant's id is its index here.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, Prior};
    /// let e = Experiment::new("checkout", ["control", "green"], Prior::uniform())?;
    /// assert_eq!(e.variants(), ["control", "green"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn variants(&self) -> &[String] {
        &self.variants
    }

    /// The prior of every variant in a new segment (unless warm-started).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, Prior};
    /// let p = Prior::new(1.0, 19.0)?;
    /// assert_eq!(Experiment::new("checkout", ["a", "b"], p)?.prior(), p);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn prior(&self) -> Prior {
        self.prior
    }

    /// The id (index) of the variant named `variant`.
    ///
    /// # Errors
    /// [`BanditError::UnknownVariant`] when there is no such variant.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, Prior};
    /// let e = Experiment::new("checkout", ["control", "green"], Prior::uniform())?;
    /// assert_eq!(e.variant_index("control")?, 0);
    /// assert!(e.variant_index("red").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn variant_index(&self, variant: &str) -> Result<usize> {
        self.variants
            .iter()
            .position(|v| v == variant)
            .ok_or_else(|| BanditError::UnknownVariant {
                experiment: self.name.clone(),
                variant: variant.to_owned(),
            })
    }

    /// Checks that `other` has the same definition (variants in the same
    /// order, same prior): what creating an existing experiment again needs.
    ///
    /// # Errors
    /// [`BanditError::ExperimentConflict`] saying what differs.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, Prior};
    /// let e = Experiment::new("checkout", ["a", "b"], Prior::uniform())?;
    /// assert!(e.check_same_as(&e.clone()).is_ok());
    /// let reordered = Experiment::new("checkout", ["b", "a"], Prior::uniform())?;
    /// assert!(e.check_same_as(&reordered).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_same_as(&self, other: &Self) -> Result<()> {
        let reason = if self.name != other.name {
            Some(format!("another name {:?}", other.name))
        } else if self.variants != other.variants {
            Some(format!(
                "variants {:?}, not {:?}",
                self.variants, other.variants
            ))
        } else if self.prior != other.prior {
            Some(format!(
                "prior Beta({}, {}), not Beta({}, {})",
                self.prior.alpha(),
                self.prior.beta(),
                other.prior.alpha(),
                other.prior.beta()
            ))
        } else {
            None
        };
        match reason {
            None => Ok(()),
            Some(reason) => Err(BanditError::ExperimentConflict {
                experiment: self.name.clone(),
                reason,
            }),
        }
    }
}

/// The unchecked mirror of [`Experiment`] read from JSON.
#[derive(Deserialize)]
struct RawExperiment {
    name: String,
    variants: Vec<String>,
    prior: Prior,
}

impl TryFrom<RawExperiment> for Experiment {
    type Error = BanditError;
    fn try_from(raw: RawExperiment) -> Result<Self> {
        Self::new(raw.name, raw.variants, raw.prior)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_variant_names_are_an_error_naming_the_variant() {
        let err = Experiment::new("e", ["a", "b", "a"], Prior::uniform()).unwrap_err();
        assert!(matches!(err, BanditError::DuplicateVariant { ref variant, .. } if variant == "a"));
    }

    #[test]
    fn many_variants_are_checked_in_linear_time() {
        let names: Vec<String> = (0..200_000).map(|i| format!("v{i}")).collect();
        let e = Experiment::new("e", names, Prior::uniform()).unwrap();
        assert_eq!(e.variant_index("v199999").unwrap(), 199_999);
    }

    #[test]
    fn empty_names_and_no_variants_are_errors() {
        assert!(Experiment::new("", ["a"], Prior::uniform()).is_err());
        assert!(Experiment::new("e", [""], Prior::uniform()).is_err());
        assert!(Experiment::new("e", Vec::<String>::new(), Prior::uniform()).is_err());
    }

    #[test]
    fn unknown_variant_is_an_error_naming_it() {
        let e = Experiment::new("e", ["a", "b"], Prior::uniform()).unwrap();
        assert!(matches!(e.variant_index("c"),
            Err(BanditError::UnknownVariant { ref variant, .. }) if variant == "c"));
    }

    #[test]
    fn same_definition_check_names_the_difference() {
        let a = Experiment::new("e", ["a", "b"], Prior::uniform()).unwrap();
        assert!(a.check_same_as(&a.clone()).is_ok());
        let b = Experiment::new("e", ["a", "c"], Prior::uniform()).unwrap();
        assert!(matches!(
            a.check_same_as(&b),
            Err(BanditError::ExperimentConflict { .. })
        ));
    }
}
