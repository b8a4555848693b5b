//! What to do at an interim look.

use serde::{Deserialize, Serialize};

/// The outcome of an interim analysis. These are values, not errors: a
/// sequential test that says "continue" has not failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// No boundary crossed: keep collecting data.
    Continue,
    /// The efficacy boundary was crossed: stop and reject H0.
    StopEfficacy,
    /// The futility boundary was crossed, or the final look ended without
    /// crossing the efficacy boundary: stop without rejecting H0.
    StopFutility,
}

impl Decision {
    /// Whether the experiment stops.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::Decision;
    ///
    /// assert!(!Decision::Continue.stops());
    /// assert!(Decision::StopEfficacy.stops());
    /// ```
    pub fn stops(self) -> bool {
        self != Decision::Continue
    }
}
