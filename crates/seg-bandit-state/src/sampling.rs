//! Thompson sampling over the Beta states of one segment.

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution};

use crate::error::{BanditError, Result};
use crate::monte_carlo;
use crate::state::BetaState;

/// The most Monte Carlo draws [`ThompsonSampler::allocation`] accepts.
pub const MAX_DRAWS: usize = 100_000_000;

/// How many times top-two sampling redraws to find a challenger before
/// taking the second best of the last draw.
const MAX_CHALLENGER_DRAWS: usize = 100;

/// Thompson sampling (Thompson 1933): draw a conversion rate from every
/// variant's Beta posterior and serve the variant with the highest draw, so a
/// variant is served with the probability that it is the best.
///
/// Options:
/// - **top-two** (Russo 2016, "Simple Bayesian algorithms for best arm
///   identification"): with probability `leader_probability` serve the
///   leader of a draw; otherwise redraw until another variant leads (at most
///   100 redraws, then the second best of the last draw) and serve that
///   challenger. It keeps exploring the runner-up, which identifies the best
///   arm faster at a small cost in reward.
/// - **minimum share** `floor` per variant, an additive floor on the
///   probability simplex: with `V` variants the served probabilities are
///   `p'_i = floor + (1 − V·floor)·p_i`, implemented by serving a uniformly
///   random variant with probability `V·floor` and the Thompson choice
///   otherwise. Unlike clipping at the floor and renormalising, this keeps the
///   order and ratios of the Thompson probabilities above the floor (GrowthBook
///   replaced clip-and-renormalise for this reason, PR #6145).
///
/// For non-stationary traffic, discount the states before sampling
/// ([`BetaState::discount`]).
///
/// # Example
/// ```
/// use rand::SeedableRng;
/// use seg_bandit_state::{BetaState, ThompsonSampler};
/// let states = [BetaState::new(2.0, 50.0)?, BetaState::new(30.0, 50.0)?];
/// let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
/// let sampler = ThompsonSampler::new().min_share(0.05)?;
/// let alloc = sampler.allocation(&states, 10_000, &mut rng)?;
/// assert!(alloc.probabilities[1] > 0.9 && alloc.probabilities[0] >= 0.05);
/// let chosen = sampler.choose(&states, &mut rng)?;
/// assert!(chosen < 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ThompsonSampler {
    top_two: Option<f64>,
    floor: f64,
}

/// Allocation probabilities estimated by Monte Carlo.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// The probability of serving each variant (sums to 1).
    pub probabilities: Vec<f64>,
    /// The Monte Carlo standard error of each probability,
    /// `(1 − V·floor)·√(p̂(1 − p̂)/draws)` with `p̂` the drawn share.
    pub standard_errors: Vec<f64>,
    /// The number of draws.
    pub draws: usize,
}

impl Allocation {
    /// Draws a variant with the allocation's probabilities (inverse CDF of
    /// one uniform draw). The probability of serving variant `i` is then
    /// exactly `probabilities[i]`, which is what a decision log must record
    /// as its propensity ([`crate::Decision::served`]); a variant of
    /// probability 0 is never drawn.
    ///
    /// # Example
    /// ```
    /// use rand::SeedableRng;
    /// use seg_bandit_state::Allocation;
    ///
    /// let allocation = Allocation { probabilities: vec![0.2, 0.0, 0.8], standard_errors: vec![0.0; 3], draws: 0 };
    /// let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
    /// let mut served = [0_u32; 3];
    /// for _ in 0..10_000 {
    ///     served[allocation.draw(&mut rng)] += 1;
    /// }
    /// assert_eq!(served[1], 0);
    /// assert!((served[2] as f64 / 10_000.0 - 0.8).abs() < 0.02);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let u = rng.random::<f64>();
        let mut cumulative = 0.0;
        let mut last = 0;
        for (i, &p) in self.probabilities.iter().enumerate() {
            if p > 0.0 {
                cumulative += p;
                last = i;
                if u < cumulative {
                    return i;
                }
            }
        }
        // the probabilities summed to a little under 1 and u fell in the gap
        last
    }
}

impl ThompsonSampler {
    /// Plain Thompson sampling, no floor.
    ///
    /// # Example
    /// ```
    /// use rand::SeedableRng;
    /// use seg_bandit_state::{BetaState, ThompsonSampler};
    /// let states = [BetaState::new(1.0, 1000.0)?, BetaState::new(1000.0, 1.0)?];
    /// let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
    /// // Without a floor, a clearly better variant is always served.
    /// assert_eq!(ThompsonSampler::new().choose(&states, &mut rng)?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            top_two: None,
            floor: 0.0,
        }
    }

    /// Top-two Thompson sampling, serving the leader with probability
    /// `leader_probability` (0.5 is Russo's default).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] (`leader_probability`) outside [0, 1].
    ///
    /// # Example
    /// ```
    /// use rand::SeedableRng;
    /// use seg_bandit_state::{BetaState, ThompsonSampler};
    /// let states = [BetaState::new(1.0, 1000.0)?, BetaState::new(1000.0, 1.0)?];
    /// let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
    /// // With leader probability 0.5 the clear loser is still served about half the time.
    /// let alloc = ThompsonSampler::new().top_two(0.5)?.allocation(&states, 2_000, &mut rng)?;
    /// assert!((alloc.probabilities[0] - 0.5).abs() < 0.05);
    /// assert!(ThompsonSampler::new().top_two(1.5).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn top_two(mut self, leader_probability: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&leader_probability) {
            return Err(BanditError::InvalidParameter {
                parameter: "leader_probability",
                value: leader_probability.to_string(),
                reason: "must be in [0, 1]",
            });
        }
        self.top_two = Some(leader_probability);
        Ok(self)
    }

    /// A minimum share `floor` per variant (additive floor on the simplex).
    /// With `V` variants it needs `V·floor ≤ 1`, checked when sampling.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] (`floor`) outside [0, 1].
    ///
    /// # Example
    /// ```
    /// use rand::SeedableRng;
    /// use seg_bandit_state::{BetaState, ThompsonSampler};
    /// let states = [BetaState::new(1.0, 1000.0)?, BetaState::new(1000.0, 1.0)?];
    /// let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
    /// let alloc = ThompsonSampler::new().min_share(0.1)?.allocation(&states, 1_000, &mut rng)?;
    /// // The loser never wins a draw, so it gets exactly its floor.
    /// assert!((alloc.probabilities[0] - 0.1).abs() < 1e-12);
    /// // Two variants cannot each get more than half.
    /// assert!(ThompsonSampler::new().min_share(0.6)?.choose(&states, &mut rng).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn min_share(mut self, floor: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&floor) {
            return Err(BanditError::InvalidParameter {
                parameter: "floor",
                value: floor.to_string(),
                reason: "must be in [0, 1]",
            });
        }
        self.floor = floor;
        Ok(self)
    }

    /// Checks the states and the floor; returns the Beta distributions and `V·floor`.
    fn prepare(&self, states: &[BetaState]) -> Result<(Vec<Beta<f64>>, f64)> {
        let betas = monte_carlo::samplers(states)?;
        #[expect(clippy::cast_precision_loss, reason = "a number of variants")]
        let total_floor = self.floor * states.len() as f64;
        if total_floor > 1.0 {
            return Err(BanditError::InvalidParameter {
                parameter: "floor",
                value: self.floor.to_string(),
                reason: "floor times the number of variants must be at most 1",
            });
        }
        Ok((betas, total_floor))
    }

    /// The variant served to one visitor: an index into `states` (the
    /// segment's states in the experiment's variant order).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for no states, a state whose α or β
    /// is not finite and > 0, or `floor · states.len() > 1`.
    ///
    /// # Example
    /// ```
    /// use rand::SeedableRng;
    /// use seg_bandit_state::{BetaState, ThompsonSampler};
    /// let states = [BetaState::default(); 3];
    /// let mut rng = rand_pcg::Pcg64::seed_from_u64(9);
    /// let sampler = ThompsonSampler::new();
    /// assert!(sampler.choose(&states, &mut rng)? < 3);
    /// assert!(sampler.choose(&[], &mut rng).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn choose<R: Rng + ?Sized>(&self, states: &[BetaState], rng: &mut R) -> Result<usize> {
        let (betas, total_floor) = self.prepare(states)?;
        Ok(self.choose_prepared(&betas, total_floor, rng))
    }

    fn choose_prepared<R: Rng + ?Sized>(
        &self,
        betas: &[Beta<f64>],
        total_floor: f64,
        rng: &mut R,
    ) -> usize {
        if total_floor > 0.0 && rng.random::<f64>() < total_floor {
            return rng.random_range(0..betas.len());
        }
        self.thompson(betas, rng)
    }

    /// One Thompson (or top-two) choice, without the floor.
    fn thompson<R: Rng + ?Sized>(&self, betas: &[Beta<f64>], rng: &mut R) -> usize {
        let (leader, second) = draw_best_two(betas, rng);
        match self.top_two {
            None => leader,
            Some(beta) if betas.len() < 2 || rng.random::<f64>() < beta => leader,
            Some(_) => {
                let mut fallback = second;
                for _ in 0..MAX_CHALLENGER_DRAWS {
                    let (l, s) = draw_best_two(betas, rng);
                    if l != leader {
                        return l;
                    }
                    fallback = s;
                }
                fallback
            }
        }
    }

    /// The probability of serving each variant, estimated from `draws`
    /// simulated choices (without the floor, which is then applied exactly:
    /// `p' = floor + (1 − V·floor)·p̂`). For plain Thompson sampling this is
    /// the probability that each variant is best.
    ///
    /// # Errors
    /// As [`ThompsonSampler::choose`], and [`BanditError::InvalidParameter`]
    /// (`draws`) for 0 or more than [`MAX_DRAWS`] draws.
    ///
    /// # Example
    /// ```
    /// use rand::SeedableRng;
    /// use seg_bandit_state::{BetaState, ThompsonSampler};
    /// let states = [BetaState::default(); 4];
    /// let mut rng = rand_pcg::Pcg64::seed_from_u64(2);
    /// let alloc = ThompsonSampler::new().allocation(&states, 4_000, &mut rng)?;
    /// assert_eq!(alloc.draws, 4_000);
    /// assert!((alloc.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    /// // Identical states: each variant about a quarter, within 4 standard errors.
    /// for (p, se) in alloc.probabilities.iter().zip(&alloc.standard_errors) {
    ///     assert!((p - 0.25).abs() < 4.0 * se);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allocation<R: Rng + ?Sized>(
        &self,
        states: &[BetaState],
        draws: usize,
        rng: &mut R,
    ) -> Result<Allocation> {
        monte_carlo::check_draws(draws)?;
        let (betas, total_floor) = self.prepare(states)?;
        let mut counts = vec![0_u64; betas.len()];
        for _ in 0..draws {
            if let Some(c) = counts.get_mut(self.thompson(&betas, rng)) {
                *c += 1;
            }
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "counts up to MAX_DRAWS are exact"
        )]
        let n = draws as f64;
        let scale = 1.0 - total_floor;
        let floor = self.floor;
        #[expect(
            clippy::cast_precision_loss,
            reason = "counts up to MAX_DRAWS are exact"
        )]
        let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
        Ok(Allocation {
            probabilities: shares.iter().map(|&p| floor + scale * p).collect(),
            standard_errors: shares
                .iter()
                .map(|&p| scale * (p * (1.0 - p) / n).sqrt())
                .collect(),
            draws,
        })
    }
}

/// The indices of the highest and second-highest draw (equal when one variant).
fn draw_best_two<R: Rng + ?Sized>(betas: &[Beta<f64>], rng: &mut R) -> (usize, usize) {
    let (mut best, mut second) = (0, 0);
    let (mut best_x, mut second_x) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (i, b) in betas.iter().enumerate() {
        let x = b.sample(rng);
        if x > best_x {
            (second, second_x) = (best, best_x);
            (best, best_x) = (i, x);
        } else if x > second_x {
            (second, second_x) = (i, x);
        }
    }
    (best, second)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn floor_too_large_for_the_variants_is_an_error() {
        let s = ThompsonSampler::new().min_share(0.4).unwrap();
        let states = [BetaState::default(); 3];
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        assert!(s.choose(&states, &mut rng).is_err());
        assert!(ThompsonSampler::new().min_share(-0.1).is_err());
        assert!(ThompsonSampler::new().top_two(1.5).is_err());
    }

    #[test]
    fn no_states_or_bad_state_is_an_error() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let s = ThompsonSampler::new();
        assert!(s.choose(&[], &mut rng).is_err());
        let bad = BetaState {
            alpha: f64::NAN,
            beta: 1.0,
        };
        assert!(s.choose(&[bad], &mut rng).is_err());
        assert!(s.allocation(&[BetaState::default()], 0, &mut rng).is_err());
    }

    #[test]
    fn single_variant_is_always_chosen() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let s = ThompsonSampler::new().top_two(0.5).unwrap();
        for _ in 0..100 {
            assert_eq!(s.choose(&[BetaState::default()], &mut rng).unwrap(), 0);
        }
    }

    #[test]
    fn best_two_finds_leader_and_runner_up() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let betas = [
            Beta::new(1.0, 1e6).unwrap(),
            Beta::new(1e6, 1.0).unwrap(),
            Beta::new(5e5, 5e5).unwrap(),
        ];
        assert_eq!(draw_best_two(&betas, &mut rng), (1, 2));
    }
}
