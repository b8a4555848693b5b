//! Drift monitoring: how far new traffic is from a model's training data,
//! in a batch or streaming, and when to retrain.
//!
//! - [`population_stability_index`] and [`ks_two_sample`]: the two
//!   statistics, on histograms and on raw samples.
//! - [`Baseline::fit`]: what the training data looked like (quantile bins
//!   and shares per feature, segment shares, distances to the nearest
//!   centre, a reference sample per feature).
//! - [`Baseline::report`] → [`DriftReport`] for a batch;
//!   [`Baseline::monitor`] → [`DriftMonitor`] one visitor at a time.
//! - [`RetrainPolicy::decide`] → [`RetrainDecision`].

mod baseline;
mod counts;
mod ks;
mod monitor;
mod policy;
mod psi;
mod report;
mod significance;

pub use baseline::{
    BASELINE_FORMAT, BASELINE_FORMAT_VERSION, Baseline, BaselineParams, MAX_BINS,
    MAX_REFERENCE_SAMPLE, quantile_bins,
};
pub use counts::WindowCounts;
pub use ks::{KS_EXACT_LIMIT, KS_EXACT_MAX, KsMethod, KsTest, ks_two_sample, ks_two_sample_with};
pub use monitor::{DEFAULT_RUN_LENGTH, DriftMonitor, Window};
pub use policy::{
    DEFAULT_MIN_BATCH, DEFAULT_RETRAIN_THRESHOLD, DriftSource, RetrainDecision, RetrainPolicy,
};
pub use psi::{
    PSI_EPSILON, expected_psi_without_drift, population_stability_index,
    population_stability_index_terms,
};
pub use report::{DriftLevel, DriftReport, FeatureDrift};
pub use significance::{
    DEFAULT_ALPHA, MAX_NOISE_PSI, MAX_NULL_DRAWS, MIN_EXPECTED_COUNT, NULL_DRAWS, NullMethod,
    PsiTest, SIZE_RATIO, STOP_AFTER, Verdict, psi_test, verdict,
};
