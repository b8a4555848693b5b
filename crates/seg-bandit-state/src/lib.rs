//! Thompson-sampling state per variant × segment for A/B tests.
//!
//! (Work in progress: the crate documentation is written when the crate is
//! complete.)

mod error;

pub use crate::error::{BanditError, Result};
