//! Thompson-sampling state per variant × segment for A/B tests.
//!
//! (Work in progress: the crate documentation is written when the crate is
//! complete.)

mod error;
mod state;

pub use crate::error::{BanditError, Result};
pub use crate::state::{BetaState, Prior};
