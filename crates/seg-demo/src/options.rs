//! The options of the walk-through.

use std::path::{Path, PathBuf};

use crate::error::DemoError;

/// The options of [`walk`](crate::walk) and [`run`](crate::run) (builder).
///
/// Defaults: seed 1, no charts, the SQLite file in a new folder under the
/// system's temporary folder, 50,000 visitors a month, an experiment of 28
/// days and 7 days after the shift, the models' creation time from the
/// system clock.
///
/// # Example
///
/// ```
/// use seg_demo::DemoOptions;
///
/// let options = DemoOptions::new(7).charts("charts").days(14, 7);
/// assert_eq!(options.seed_value(), 7);
/// assert_eq!(options.charts_dir(), Some(std::path::Path::new("charts")));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    pub(crate) seed: u64,
    pub(crate) charts: Option<PathBuf>,
    pub(crate) state_dir: Option<PathBuf>,
    pub(crate) visitors_per_month: usize,
    pub(crate) experiment_days: usize,
    pub(crate) days_after_shift: usize,
    pub(crate) created_at: Option<u64>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions::new(1)
    }
}

impl DemoOptions {
    /// The defaults above with `seed`.
    pub fn new(seed: u64) -> Self {
        DemoOptions {
            seed,
            charts: None,
            state_dir: None,
            visitors_per_month: 50_000,
            experiment_days: 28,
            days_after_shift: 7,
            created_at: None,
        }
    }

    /// Write the SVG charts into `dir` (created if needed).
    pub fn charts(mut self, dir: impl Into<PathBuf>) -> Self {
        self.charts = Some(dir.into());
        self
    }

    /// Keep the SQLite file and the saved segmentations in `dir` (created
    /// if needed; it must not hold a `bandit.sqlite` already).
    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// Visitors a month (default 50,000; at least 3,000): the month the
    /// segments are fitted on, and the daily traffic (a thirtieth).
    pub fn visitors_per_month(mut self, n: usize) -> Self {
        self.visitors_per_month = n;
        self
    }

    /// Days of the experiment before the shift (default 28, at least 1)
    /// and after it (default 7, at least 1).
    pub fn days(mut self, experiment: usize, after_shift: usize) -> Self {
        self.experiment_days = experiment;
        self.days_after_shift = after_shift;
        self
    }

    /// The creation time recorded in the models, seconds since 1970 UTC
    /// (default: the system clock).
    pub fn created_at(mut self, unix_seconds: u64) -> Self {
        self.created_at = Some(unix_seconds);
        self
    }

    /// The seed.
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// The chart folder, if any.
    pub fn charts_dir(&self) -> Option<&Path> {
        self.charts.as_deref()
    }

    /// The options' own checks.
    pub(crate) fn check(&self) -> Result<(), DemoError> {
        if self.visitors_per_month < 3_000 {
            return Err(DemoError::InvalidParameter {
                parameter: "visitors_per_month",
                value: self.visitors_per_month.to_string(),
                reason: "must be at least 3,000 (100 a day)",
            });
        }
        if self.experiment_days == 0 || self.days_after_shift == 0 {
            return Err(DemoError::InvalidParameter {
                parameter: "days",
                value: format!("{}, {}", self.experiment_days, self.days_after_shift),
                reason: "the experiment and the time after the shift need at least one day each",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_little_traffic_is_an_error() {
        let err = DemoOptions::new(1)
            .visitors_per_month(10)
            .check()
            .unwrap_err();
        assert!(matches!(
            err,
            DemoError::InvalidParameter {
                parameter: "visitors_per_month",
                ..
            }
        ));
    }

    #[test]
    fn a_walk_without_days_is_an_error() {
        let err = DemoOptions::new(1).days(0, 7).check().unwrap_err();
        assert!(matches!(
            err,
            DemoError::InvalidParameter {
                parameter: "days",
                ..
            }
        ));
    }
}
