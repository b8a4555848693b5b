#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod beta;
mod chi2;
mod error;
mod gamma;
mod incomplete;
mod normal;

pub use crate::beta::{Beta, MAX_QUANTILE_ITERATIONS, MAX_SHAPE, MIN_SHAPE};
pub use crate::chi2::chi2_sf;
pub use crate::error::{Result, SpecialError};
pub use crate::gamma::{ln_beta, ln_beta_ratio, log1pmx, stirling_correction};
pub use crate::incomplete::{TEMME_MIN_SHAPE, Tails, beta_tails_with_prefactor};
pub use crate::normal::{erfc, norm_cdf, norm_isf, norm_sf};
