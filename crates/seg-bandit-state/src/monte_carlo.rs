//! What the Monte Carlo estimates over posteriors share
//! ([`crate::analytics::probability_best`] and
//! [`crate::ThompsonSampler::allocation`]): the checks of the states and of
//! the number of draws, and the Beta samplers.

use rand_distr::Beta;

use crate::{BanditError, BetaState, MAX_DRAWS, Result};

/// `draws` in `1..=MAX_DRAWS`.
pub(crate) fn check_draws(draws: usize) -> Result<()> {
    if draws == 0 || draws > MAX_DRAWS {
        return Err(BanditError::InvalidParameter {
            parameter: "draws",
            value: draws.to_string(),
            reason: "must be between 1 and 100000000",
        });
    }
    Ok(())
}

/// One Beta sampler per state; an error names `states` when there is none or
/// a state's α or β is not finite and > 0.
pub(crate) fn samplers(states: &[BetaState]) -> Result<Vec<Beta<f64>>> {
    if states.is_empty() {
        return Err(BanditError::InvalidParameter {
            parameter: "states",
            value: "[]".to_owned(),
            reason: "at least one variant is needed",
        });
    }
    states
        .iter()
        .map(|s| {
            let valid = [s.alpha, s.beta].iter().all(|v| v.is_finite() && *v > 0.0);
            let sampler = if valid {
                Beta::new(s.alpha, s.beta).ok()
            } else {
                None
            };
            sampler.ok_or_else(|| BanditError::InvalidParameter {
                parameter: "states",
                value: format!("Beta({}, {})", s.alpha, s.beta),
                reason: "alpha and beta must be finite and > 0",
            })
        })
        .collect()
}
