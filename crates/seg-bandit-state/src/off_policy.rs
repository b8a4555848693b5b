//! Off-policy evaluation: what a target policy would have earned, estimated
//! from a log of decisions served by another (the logging) policy with
//! known propensities.
//!
//! [`TargetPolicy`] holds π(a | s); [`OffPolicyEvaluator`] streams the log
//! into sufficient statistics per segment × variant and returns an
//! [`OffPolicyReport`] with the IPW, SNIPW, DM and DR estimates (the
//! definitions of the Open Bandit Pipeline, with q̂ the per-cell mean).

mod evaluator;
mod policy;

pub use evaluator::{OffPolicyEstimate, OffPolicyEstimators, OffPolicyEvaluator, OffPolicyReport};
pub use policy::TargetPolicy;
