//! Checks every store makes before a write, and the priors a segment starts
//! from when it is first seen: one copy for the memory, SQLite and PostgreSQL
//! stores, so that they refuse the same requests with the same errors.

use crate::error::{BanditError, Result};
use crate::event::MAX_BATCH_COUNT;
use crate::state::Prior;

/// Checks that `priors` gives one prior per variant of an experiment of
/// `n_variants` variants.
pub(crate) fn check_priors(n_variants: usize, priors: &[Prior]) -> Result<()> {
    if priors.len() == n_variants {
        Ok(())
    } else {
        Err(BanditError::InvalidParameter {
            parameter: "priors",
            value: priors.len().to_string(),
            reason: "must be one prior per variant of the experiment",
        })
    }
}

/// The warm-start decision for a segment seen for the first time: the
/// caller's priors (one per variant, as from [`crate::WarmStart::priors`])
/// when given, otherwise the experiment's prior for every variant (what
/// [`crate::StateStore::record`] on an unseen segment does). The experiment's
/// prior is only asked for when it is used.
pub(crate) fn new_segment_priors(
    given: Option<&[Prior]>,
    n_variants: usize,
    experiment_prior: impl FnOnce() -> Result<Prior>,
) -> Result<Vec<Prior>> {
    match given {
        Some(priors) => {
            check_priors(n_variants, priors)?;
            Ok(priors.to_vec())
        }
        None => Ok(vec![experiment_prior()?; n_variants]),
    }
}

/// The error for a batch whose `add` would take a total of a variant in a
/// segment past `i64::MAX` (or meets a stored total that is negative, which
/// only a corrupted database holds).
pub(crate) fn total_overflow(
    parameter: &'static str,
    add: impl ToString,
    negative_total: bool,
) -> BanditError {
    BanditError::InvalidParameter {
        parameter,
        value: add.to_string(),
        reason: if negative_total {
            "the stored total is negative"
        } else {
            "the total of the variant in the segment would exceed i64::MAX"
        },
    }
}

/// `total + add`, at most [`MAX_BATCH_COUNT`] (`i64::MAX`).
pub(crate) fn add_to_total(parameter: &'static str, total: u64, add: u64) -> Result<u64> {
    match total.checked_add(add) {
        Some(sum) if sum <= MAX_BATCH_COUNT => Ok(sum),
        _ => Err(total_overflow(parameter, add, false)),
    }
}

/// The first of `successes` and `failures` whose stored total plus the
/// batch's count does not fit in `i64`, with the offending pair.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn first_overflow(
    (total_successes, total_failures): (i64, i64),
    (successes, failures): (i64, i64),
) -> Option<(&'static str, i64, i64)> {
    [
        ("successes", total_successes, successes),
        ("failures", total_failures, failures),
    ]
    .into_iter()
    .find(|&(_, total, add)| total.checked_add(add).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priors_must_be_one_per_variant() {
        assert!(check_priors(2, &[Prior::uniform(); 2]).is_ok());
        assert!(matches!(
            check_priors(2, &[Prior::uniform()]),
            Err(BanditError::InvalidParameter { parameter: "priors", ref value, .. }) if value == "1"
        ));
    }

    #[test]
    fn a_new_segment_takes_the_given_priors_or_the_experiment_prior_for_all() {
        let given = [Prior::new(1.0, 9.0).unwrap(), Prior::new(2.0, 8.0).unwrap()];
        let never = || -> Result<Prior> { panic!("the experiment prior is not needed") };
        assert_eq!(new_segment_priors(Some(&given), 2, never).unwrap(), given);
        let prior = Prior::new(3.0, 4.0).unwrap();
        assert_eq!(
            new_segment_priors(None, 3, || Ok(prior)).unwrap(),
            [prior; 3]
        );
        assert!(new_segment_priors(Some(&given), 3, || Ok(prior)).is_err());
    }

    #[test]
    fn a_total_may_reach_i64_max_but_not_pass_it() {
        assert_eq!(
            add_to_total("successes", MAX_BATCH_COUNT - 1, 1).unwrap(),
            MAX_BATCH_COUNT
        );
        assert!(matches!(
            add_to_total("failures", MAX_BATCH_COUNT, 1),
            Err(BanditError::InvalidParameter {
                parameter: "failures",
                ..
            })
        ));
        assert!(add_to_total("failures", u64::MAX, 1).is_err());
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    #[test]
    fn the_first_overflowing_total_is_named() {
        assert_eq!(first_overflow((1, 2), (3, 4)), None);
        assert_eq!(
            first_overflow((i64::MAX, i64::MAX), (1, 1)),
            Some(("successes", i64::MAX, 1))
        );
        assert_eq!(
            first_overflow((0, i64::MAX), (1, 1)),
            Some(("failures", i64::MAX, 1))
        );
    }
}
