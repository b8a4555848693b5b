//! Seeded data for segmentation: Gaussian blobs and simulated web traffic
//! with planted segments.
//!
//! - [`Blobs`]: isotropic Gaussian blobs with the semantics of
//!   scikit-learn's [`make_blobs`][sk] (centres uniform in a box, samples
//!   split evenly, shuffled), for testing clustering.
//! - [`TrafficSimulator`]: web visitors in the fields of
//!   [`seg_features::web_visitor_schema`], drawn from planted [`Segment`]s
//!   with their own devices, traffic sources, engagement, time of day and
//!   conversion probability per A/B variant. The five default segments
//!   react differently to the treatment, so that a per-segment analysis
//!   finds what the average hides; a [`Drift`] scenario brings a new
//!   traffic source and shifts the segment shares.
//!
//! Everything is reproducible bit for bit for a seed: the generators use
//! the portable PCG random number generator of `rand_pcg`. Changing a
//! seeded output is a CHANGELOG entry.
//!
//! # Quick start
//!
//! ```
//! use seg_datasets::{Blobs, TrafficSimulator};
//! use seg_features::web_visitor_schema;
//!
//! // Three well separated blobs in 2-D.
//! let blobs = Blobs::params(300, 2).centres(3).cluster_std(0.5).seed(1).generate()?;
//! assert_eq!(blobs.x.nrows(), 300);
//! assert_eq!(blobs.labels.iter().filter(|&&l| l == 2).count(), 100);
//!
//! // Web traffic from five planted segments, with an A/B test running.
//! let visitors = TrafficSimulator::default_segments().seed(7).simulate(10_000)?;
//! let budget_hunters = visitors.iter().filter(|v| v.segment == 0).count();
//! assert!((2_300..2_700).contains(&budget_hunters)); // a 25% share
//!
//! // Ready for the web-visitor feature transform: 20 features in [0, 1].
//! let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
//! let transformer = web_visitor_schema().fit(&records)?;
//! let x = transformer.transform(&records)?;
//! assert_eq!(x.dim(), (10_000, 20));
//! assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [sk]: https://scikit-learn.org/stable/modules/generated/sklearn.datasets.make_blobs.html

#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![deny(missing_docs)]

mod blobs;
mod drift;
mod error;
mod segment;
mod simulator;

pub use crate::blobs::{Blobs, BlobsParams};
pub use crate::drift::Drift;
pub use crate::error::{DatasetError, Result};
pub use crate::segment::{Beta, Categories, LogNormal, NegativeBinomial, Segment};
pub use crate::simulator::{SimulatedVisitor, TrafficSimulator, VisitorStream};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
