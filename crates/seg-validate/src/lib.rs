//! Clustering quality metrics and the quality gate of a segmentation model.
//!
//! Segments only help if they are real. This crate measures a clustering
//! exactly as scikit-learn does — to 1e-9 on its reference values — fast
//! enough for a million visitors, and turns the numbers into a go / no-go
//! [`Verdict`] before a model is deployed.
//!
//! | measure | function | better |
//! |---------|----------|--------|
//! | silhouette (exact, each pair measured once, O(n·d) extra memory whatever k) | [`silhouette_score`], [`silhouette_samples`] | higher, in [−1, 1] |
//! | silhouette on a seeded sample | [`silhouette_score_sampled`], [`silhouette_score_stratified`] | |
//! | simplified (centroid) silhouette, O(n·k·d) | [`simplified_silhouette_score`] | higher |
//! | Davies-Bouldin | [`davies_bouldin_score`] | lower |
//! | Calinski-Harabasz | [`calinski_harabasz_score`] | higher |
//! | within-cluster sum of squares | [`inertia`] | lower |
//! | sizes and balance | [`cluster_sizes`] | |
//! | agreement of two labelings | [`adjusted_rand_index`], [`normalized_mutual_info`] | higher |
//! | separation of a binary outcome | [`segment_outcomes`] (rates, χ², Cramér's V) | higher V |
//! | separation of a numeric outcome | [`segment_means`] (means, one-way ANOVA, η²) | higher η² |
//!
//! Data are `ArrayView2<f64>` with one row per observation; labels are any
//! `usize` ids (only equality matters: every metric is invariant under
//! relabeling).
//!
//! # Quick start
//!
//! ```
//! use ndarray::Array2;
//! use seg_validate::{calinski_harabasz_score, davies_bouldin_score, silhouette_score, QualityGate};
//!
//! // Three well-separated groups on a line.
//! let x = Array2::from_shape_fn((90, 1), |(i, _)| (i / 30) as f64 * 10.0 + (i % 30) as f64 * 0.1);
//! let labels: Vec<usize> = (0..90).map(|i| i / 30).collect();
//! assert!(silhouette_score(x.view(), &labels)? > 0.8);
//! assert!(davies_bouldin_score(x.view(), &labels)? < 0.2);
//! assert!(calinski_harabasz_score(x.view(), &labels)? > 1000.0);
//! assert!(QualityGate::new().check(x.view(), &labels)?.passed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! - `parallel`: the exact silhouette and the linear passes of the
//!   centroid-based metrics run on all cores with rayon; the numbers are bit
//!   for bit those of the serial run (each row's sums, and each chunk's
//!   partial sums, are accumulated in the same order).
//!
//! # The silhouette kernel
//!
//! The exact silhouette is O(n²·d): 20,000 × 16 rows are 2·10⁸ pairs of
//! points. Each pair is measured once, in tiles of 256 × 256 points of the
//! data sorted by cluster, its distance added to both points' sums; the
//! inner loop (one point of 4 rows against 8 columns per vector, compiled
//! for AVX-512, AVX2 + FMA and NEON and chosen at run time) computes the
//! squared distance from exact differences with one fused multiply-add per
//! dimension, then the square root. The norm form `‖x‖² + ‖y‖² − 2·x·y`
//! (a matrix product, as BLAS-backed implementations compute it) would
//! halve the arithmetic of the loop but not the square roots, which take
//! as long as the differences at 16 dimensions, and it cancels
//! catastrophically on near points far from the origin; the exact form
//! keeps every reference value at about 10⁻¹⁵ of scikit-learn's and needs
//! no correction pass.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod agreement;
mod anova;
mod check;
mod distance;
mod error;
mod gate;
mod indices;
mod labels;
mod outcome;
mod silhouette;

pub use crate::agreement::{adjusted_rand_index, normalized_mutual_info};
pub use crate::anova::{SegmentMean, SegmentMeans, segment_means};
pub use crate::distance::squared_distance;
pub use crate::error::{Result, ValidateError};
pub use crate::gate::{Check, QualityGate, Verdict};
pub use crate::indices::{
    ClusterSizes, calinski_harabasz_score, cluster_sizes, davies_bouldin_score, inertia,
};
pub use crate::outcome::{SegmentOutcomes, SegmentRate, segment_outcomes};
pub use crate::silhouette::{
    silhouette_samples, silhouette_score, silhouette_score_sampled, silhouette_score_stratified,
    simplified_silhouette_score,
};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
