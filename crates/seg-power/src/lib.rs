//! Planning and monitoring statistics for A/B tests.
//!
//! Everything a service needs before and while an experiment runs, with
//! numbers that match statsmodels, scipy and R:
//!
//! - **Sample size, power and MDE** in every direction.
//!   [`ProportionTest`] compares two conversion rates (pooled-under-H0 as in
//!   R's `power.prop.test`, unpooled, or Cohen's h as statsmodels'
//!   `NormalIndPower`); [`MeanTest`] compares two means with the z-test or
//!   the two-sample t-test (statsmodels' `TTestIndPower`, through an
//!   accurate [`noncentral_t_cdf`]). Allocation ratios, one- or two-sided
//!   tests and CUPED variance reduction are options.
//! - **Multiple comparisons**: [`Correction`] adjusts p-values exactly as
//!   statsmodels' `multipletests`, and gives the per-comparison α to plan
//!   with; [`plan_proportions`] and [`plan_means`] size every group of every
//!   segment and turn [`Traffic`] into days.
//! - **Sample-ratio mismatch**: [`srm_test`] (chi-square, as scipy),
//!   [`SequentialSrm`], an anytime-valid test for continuous monitoring,
//!   and [`adaptive_srm_test`] / [`AdaptiveSrm`] against each period's
//!   logged allocation when a bandit moves the split.
//! - **Sequential designs**: [`GroupSequential`] computes Pocock,
//!   O'Brien-Fleming and Lan-DeMets spending boundaries (with optional
//!   β-spending futility), power, inflation factor and expected sample
//!   size; [`Msprt`] and [`AsymptoticCs`] give always-valid p-values and
//!   confidence sequences. Each look ends in a [`Decision`].
//! - **Pre-launch validation**: [`ExperimentPlan::validate`] returns a
//!   serialisable [`LaunchReport`] with every error and warning and its
//!   numbers.
//!
//! Invalid input (probabilities outside (0, 1), NaN, empty lists, …) is a
//! [`PowerError`] naming the parameter and the value; nothing panics on
//! user input.
//!
//! # Quick start
//!
//! ```
//! use seg_power::{Correction, Mde, ProportionTest, Traffic, plan_proportions, srm_test};
//!
//! // A 5 % conversion rate; detect a 10 % relative lift with 80 % power.
//! let test = ProportionTest::new(0.05);
//! let n = test.sample_size(Mde::Relative(0.10), 0.8)?;
//! assert_eq!(n.n1_ceil, 31_234); // per group, as R's power.prop.test
//!
//! // Two variants and control on 20,000 visitors a day, Holm over 2 comparisons.
//! let traffic = Traffic::new(20_000.0, vec![1.0 / 3.0; 3], vec![1.0])?;
//! let plan = plan_proportions(&test, Mde::Relative(0.10), 0.8, Correction::Holm, &traffic, Some(28.0))?;
//! assert_eq!(plan.alpha_per_comparison, 0.025);
//! assert!(plan.achievable && plan.days_ceil < 28);
//!
//! // While it runs: is the split healthy?
//! let srm = srm_test(&[100_410, 99_590], &[0.5, 0.5])?;
//! assert!(!srm.mismatch);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Accuracy
//!
//! Closed forms agree with statsmodels/R to a few ulps; roots (sample
//! sizes, MDEs, boundaries, drifts) are found by Brent's method to full
//! double precision. Normal tails use `erfc` through the incomplete gamma
//! function (statrs 0.19's own `erfc` is only accurate to ~1e-10). Group
//! sequential probabilities use the Jennison-Turnbull grid (r = 32 by
//! default): boundaries and drifts within ~3e-7 of a 2001-node reference.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod common;
mod confidence_sequence;
mod correction;
mod decision;
mod dist;
mod error;
mod group_sequential;
mod means;
mod msprt;
mod planning;
mod proportions;
mod root;
mod sequential_srm;
mod srm;
mod srm_adaptive;
mod validator;

pub use crate::common::{Alternative, Mde, SampleSize};
pub use crate::confidence_sequence::{AsymptoticCs, CsInterval};
pub use crate::correction::{Adjusted, Correction};
pub use crate::decision::Decision;
pub use crate::dist::{noncentral_t_cdf, noncentral_t_sf};
pub use crate::error::{PowerError, Result};
pub use crate::group_sequential::{
    ClassicalDesign, Crossing, DEFAULT_GRID, GroupSequential, GroupSequentialDesign, LookDecision,
    MAX_GRID, MAX_LOOKS, PowerCharacteristics, SpendingFunction, TwoSidedSpending,
};
pub use crate::means::{MeanMde, MeanTest, MeanTestKind};
pub use crate::msprt::{Msprt, MsprtLook};
pub use crate::planning::{Plan, Traffic, plan_means, plan_proportions};
pub use crate::proportions::{ProportionMde, ProportionMethod, ProportionTest, cohens_h};
pub use crate::sequential_srm::{
    DEFAULT_CONCENTRATION, SequentialSrm, SequentialSrmBuilder, SequentialSrmLook,
};
pub use crate::srm::{SRM_THRESHOLD, SrmTest, srm_test, srm_test_at};
pub use crate::srm_adaptive::{
    AdaptiveSrm, AdaptiveSrmTest, adaptive_srm_test, adaptive_srm_test_at,
};
pub use crate::validator::{
    ExperimentPlan, HUGE_SAMPLE, Issue, LOW_BASELINE, LaunchReport, MANY_COMPARISONS,
    SMALL_SEGMENT_SHARE, Segment, SegmentRequirement, Severity, SrmMonitoring,
};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<PowerError>();
        assert_send_sync::<ProportionTest>();
        assert_send_sync::<MeanTest>();
        assert_send_sync::<SampleSize>();
        assert_send_sync::<ProportionMde>();
        assert_send_sync::<MeanMde>();
        assert_send_sync::<Adjusted>();
        assert_send_sync::<Traffic>();
        assert_send_sync::<Plan<ProportionMde>>();
        assert_send_sync::<SrmTest>();
        assert_send_sync::<AdaptiveSrm>();
        assert_send_sync::<AdaptiveSrmTest>();
        assert_send_sync::<SequentialSrm>();
        assert_send_sync::<SequentialSrmBuilder>();
        assert_send_sync::<GroupSequential>();
        assert_send_sync::<GroupSequentialDesign>();
        assert_send_sync::<PowerCharacteristics>();
        assert_send_sync::<LookDecision>();
        assert_send_sync::<Msprt>();
        assert_send_sync::<AsymptoticCs>();
        assert_send_sync::<ExperimentPlan>();
        assert_send_sync::<LaunchReport>();
    }
}
