//! k-means for visitor segmentation: greedy k-means++, Lloyd, Hamerly and
//! mini-batch, with mergeable partial sums and versioned JSON models.
//!
//! Fits equal scikit-learn's: from the same initial centres, Lloyd's
//! iterations give the same labels, `n_iter`, and centroids and inertia to
//! rounding (checked to 1e-9 on scikit-learn's reference values). Hamerly's
//! exact acceleration gives Lloyd's result bit for bit while computing a
//! fraction of the distances; the default, [`Algorithm::Auto`], runs
//! whichever of the two was measured faster for the number of clusters. The distance kernels are
//! vectorised across centres (eight centres per vector, several points at
//! a time) and chosen at run time for the CPU (AVX-512, AVX2 + FMA, NEON),
//! without `unsafe`; the AVX-512 kernel then transposes each block of
//! distances so that the nearest centre is found for eight points at once.
//!
//! | need | type |
//! |------|------|
//! | fit k-means (k-means++, random or given centres; Lloyd or Hamerly) | [`KMeans::params`] → [`KMeansParams::fit`] → [`KMeans`] |
//! | data too large to iterate over | [`MiniBatchKMeans::params`] → [`MiniBatchKMeans`] |
//! | assign new visitors | [`KMeans::predict_one`] (no allocation), [`KMeans::predict`] |
//! | distances to the centroids | [`KMeans::distances_one`], [`KMeans::distances`] |
//! | save and load | [`KMeans::to_json`], [`KMeans::from_json`] (serde, validated) |
//! | one Lloyd step on shards or another engine | [`PartialSums::new`]`(current centres)` → `accumulate` → `merge` → [`PartialSums::next_centres`] |
//!
//! Data are `ArrayView2<f64>` with one row per observation.
//!
//! # Quick start
//!
//! ```
//! use ndarray::Array2;
//! use seg_cluster::KMeans;
//!
//! // Three groups of 30 points around 0, 10 and 20.
//! let x = Array2::from_shape_fn((90, 2), |(i, j)| (i / 30) as f64 * 10.0 + ((i * 7 + j) % 5) as f64 * 0.1);
//! let model = KMeans::params(3).n_init(3).seed(7).fit(x.view())?;
//! assert!(model.converged());
//! assert!(model.inertia() < 10.0);
//! let visitor = [10.1, 10.2];
//! assert_eq!(model.predict_one(&visitor)?, model.labels()[30]);
//! let restored = KMeans::from_json(&model.to_json()?)?;
//! assert_eq!(restored.centroids(), model.centroids());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! - `parallel`: assignment passes, k-means++ and predictions run on all
//!   cores with rayon. Partial results are merged in a fixed order, so
//!   fits are bit for bit those of the serial run, whatever the number of
//!   threads.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod artifact;
mod auto_k;
mod drift;
mod error;
mod hamerly;
mod history;
mod init;
mod input;
mod kernel;
mod lloyd;
mod minibatch;
mod model;
mod nearest;
mod params;
mod partial;
mod segment_model;
#[cfg(test)]
mod testing;

pub use crate::auto_k::{AUTO_K_RULE, AutoK, AutoKParams, KScore, KSelection};
pub use crate::drift::{
    BASELINE_FORMAT, BASELINE_FORMAT_VERSION, Baseline, BaselineParams, DEFAULT_ALPHA,
    DEFAULT_MIN_BATCH, DEFAULT_RETRAIN_THRESHOLD, DEFAULT_RUN_LENGTH, DriftLevel, DriftMonitor,
    DriftReport, DriftSource, FeatureDrift, KS_EXACT_LIMIT, KS_EXACT_MAX, KsMethod, KsTest,
    MAX_BINS, MAX_NOISE_PSI, MAX_NULL_DRAWS, MAX_REFERENCE_SAMPLE, MIN_EXPECTED_COUNT, NULL_DRAWS,
    NullMethod, PSI_EPSILON, PsiTest, RetrainDecision, RetrainPolicy, SIZE_RATIO, STOP_AFTER,
    Verdict, Window, WindowCounts, expected_psi_without_drift, ks_two_sample, ks_two_sample_with,
    population_stability_index, population_stability_index_terms, psi_test, quantile_bins, verdict,
};
pub use crate::error::{ClusterError, Result};
pub use crate::history::ModelHistory;
pub use crate::init::Init;
pub use crate::minibatch::{MiniBatchKMeans, MiniBatchParams};
pub use crate::model::{KMeans, MODEL_FORMAT, MODEL_FORMAT_VERSION};
pub use crate::nearest::nearest_centres;
pub use crate::params::{Algorithm, KMeansParams, MAX_N_INIT};
pub use crate::partial::{PARTIAL_SUMS_FORMAT, PARTIAL_SUMS_FORMAT_VERSION, PartialSums};
pub use crate::segment_model::{
    Challenge, ChallengeParams, ChallengeVerdict, MAX_CREATED_AT, QualityCheck, QualityVerdict,
    SEGMENT_MODEL_FORMAT, SEGMENT_MODEL_FORMAT_VERSION, SegmentDrift, SegmentModel, TrainParams,
    WARM_START_TOLERANCE,
};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<KMeans>();
        check::<KMeansParams>();
        check::<MiniBatchKMeans>();
        check::<MiniBatchParams>();
        check::<PartialSums>();
        check::<Init>();
        check::<Algorithm>();
        check::<ClusterError>();
        check::<AutoK>();
        check::<KSelection>();
        check::<Baseline>();
        check::<DriftMonitor>();
        check::<DriftReport>();
        check::<SegmentModel>();
        check::<ModelHistory>();
        check::<Challenge>();
        check::<ChallengeParams>();
    }
}
