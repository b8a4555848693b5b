//! The e-commerce walk-through of the segmentation workspace: the whole
//! system on simulated traffic, in seven steps, with charts.
//!
//! # Quick start
//!
//! ```
//! use seg_demo::{DemoOptions, run};
//!
//! let dir = std::env::temp_dir().join(format!("seg-demo-doc-quick-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! let options = DemoOptions::new(1)
//!     .visitors_per_month(6_000)
//!     .days(3, 7)
//!     .state_dir(dir.join("state"))
//!     .charts(dir.join("charts"));
//! let mut text = Vec::new();
//! let summary = run(&options, &mut text)?;
//! let text = String::from_utf8(text)?;
//! assert!(text.contains("== 7. The traffic shifts"));
//! assert!((2..=8).contains(&summary.k));
//! assert_eq!(summary.overall_n_per_variant, 64_199);
//! assert!(text.contains("new category `tiktok` at"));
//! // A new version when the retrained model wins on held-out traffic.
//! assert!(summary.new_version.is_none() || summary.new_parent == Some(1));
//! assert_eq!(summary.charts.len(), 4);
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `cargo run --release --example ecommerce` runs it on a month of 50,000
//! visitors, and so does `seg demo`.
//!
//! # The seven steps
//!
//! [`walk`] simulates a month of the seed's first case (50,000 visitors a
//! month, 2.5% conversion) with seg-datasets' traffic simulator and then:
//!
//! 1. fits the features (the pipeline's `Segmenter` on [`demo_schema`]);
//! 2. chooses k, with the per-k table of scores and the reason;
//! 3. describes each segment in original units: its share and the
//!    features that set it apart, and how it relates to the planted
//!    segments of the simulator;
//! 4. checks the quality gate;
//! 5. plans an experiment per segment (a 10% relative lift, power 80%,
//!    Bonferroni over the segments), with the required visitors, the
//!    days, and what is detectable in 15 days when that is not enough;
//! 6. runs the experiment with per-segment Thompson sampling, its state
//!    in an SQLite file, checking the split (SRM) and a sequential test
//!    (mSPRT) at each daily look;
//! 7. shifts the traffic (a new source, `tiktok`), measures the drift,
//!    retrains into a new version whose parent is the first, and lets the
//!    experiment go on in the new segments from warm-started priors.
//!
//! It returns a [`WalkReport`], one plain, serialisable struct per step,
//! whose `Display` is the text of the walk-through (one section per
//! step); [`run`] computes and prints it. It writes SVG charts
//! (`scores-by-k.svg`, `segments.svg`, `allocation.svg`, `drift-psi.svg`,
//! drawn by [`charts`]) into the chart folder when one is given.
//! Everything is seeded: the same options give the same numbers and
//! charts, and with [`DemoOptions::created_at`] the same saved
//! segmentations; only the measured times and the folder names change.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod charts;
mod error;
mod experiment;
mod options;
mod payoff;
mod profile;
mod render;
mod report;
mod walk;

use std::io::Write;

pub use crate::error::DemoError;
pub use crate::options::DemoOptions;
pub use crate::report::{
    ChoiceStep, DayLine, DemoSummary, ExperimentStep, FeaturesStep, FieldRow, FilesStep, GateStep,
    NewVersion, PayoffStep, PlanStep, PolicyValue, PsiRow, SegmentPlan, SegmentProfile,
    SegmentResult, SegmentsStep, ShiftStep, WalkReport,
};
pub use crate::walk::{demo_schema, walk};

/// Runs the walk-through ([`walk`]), writes its text to `out` and returns
/// its summary.
///
/// # Errors
///
/// The errors of [`walk`], and [`DemoError::Output`] when `out` fails.
///
/// # Example
///
/// ```
/// use seg_demo::{DemoError, DemoOptions, run};
///
/// let too_small = DemoOptions::new(1).visitors_per_month(100);
/// let err = run(&too_small, &mut Vec::new()).unwrap_err();
/// assert!(matches!(err, DemoError::InvalidParameter { parameter: "visitors_per_month", .. }));
/// ```
pub fn run(options: &DemoOptions, out: &mut dyn Write) -> Result<DemoSummary, DemoError> {
    let report = walk(options)?;
    write!(out, "{report}").map_err(|source| DemoError::Output { source })?;
    Ok(report.summary())
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<DemoOptions>();
        send_sync::<WalkReport>();
        send_sync::<DemoSummary>();
        send_sync::<DemoError>();
    }
}
