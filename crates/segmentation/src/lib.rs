//! Statistics for personalised A/B testing, in one crate.
//!
//! `segmentation` is the facade of a workspace of small, exact and fast
//! libraries. Each library is re-exported as a module behind a cargo feature,
//! so a service that only needs feature engineering compiles only that.
//!
//! # Quick start
//!
//! Simulate visitors, fit the ready-made web-visitor feature transform and
//! scale them into a matrix ready for clustering:
//!
//! ```
//! use segmentation::datasets::TrafficSimulator;
//! use segmentation::features::web_visitor_schema;
//!
//! let visitors = TrafficSimulator::default_segments().seed(7).simulate(2_000)?;
//! let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
//! let transformer = web_visitor_schema().fit(&records)?;
//! let x = transformer.transform(&records)?;
//! assert_eq!(x.nrows(), 2_000);
//! assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! | feature    | module                  | crate          |
//! |------------|-------------------------|----------------|
//! | `features` | [`features`] (default)  | `seg-features` |
//! | `validate` | [`validate`] (default)  | `seg-validate` |
//! | `cluster`  | [`cluster`] (default)   | `seg-cluster`  |
//! | `power`    | [`power`] (default)     | `seg-power`    |
//! | `datasets` | [`datasets`] (default)  | `seg-datasets` |
//! | `bandit`   | [`bandit`] (default)    | `seg-bandit-state` |
//! | `pipeline` | [`pipeline`] (default)  | `features` + `cluster` + `validate`: one saved segmentation |
//!
//! `sqlite` (off by default) adds the SQLite store of `bandit`
//! (`bandit::SqliteStore`, with the bundled SQLite: nothing to install);
//! `postgres` (off by default) the PostgreSQL store (`bandit::PostgresStore`).
//!
//! `parallel` (off by default) runs the heavy kernels on all cores: the
//! exact silhouette and the linear passes of the centroid metrics of
//! `validate`, the assignment step of `cluster`, the batch assignment of
//! `pipeline`. Results are the same as
//! the serial run's, bit for bit.
//!
//! # The pipeline
//!
//! [`pipeline::Segmenter`] fits a schema's transform, chooses k, applies
//! the quality gate and returns one [`pipeline::Segmentation`]: the saved
//! artifact that assigns raw records (one without allocating, or a batch),
//! describes each segment in original units
//! ([`Segmentation::describe`](pipeline::Segmentation::describe)), profiles
//! the segments against an outcome
//! ([`Segmentation::profile`](pipeline::Segmentation::profile)), reports
//! drift and retrains into a new version.
//!
//! ```
//! # #[cfg(all(feature = "pipeline", feature = "datasets"))] {
//! use segmentation::datasets::TrafficSimulator;
//! use segmentation::features::web_visitor_schema;
//! use segmentation::pipeline::{Segmentation, Segmenter};
//!
//! let visitors = TrafficSimulator::default_segments().seed(7).simulate(2_000)?;
//! let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
//! let segmentation = Segmenter::new(web_visitor_schema()).k_range(2..=5).fit(&records)?;
//! let mut scratch = vec![0.0; segmentation.n_features()];
//! let segment = segmentation.assign_one(&records[0], &mut scratch)?;
//! assert!(segment < segmentation.k());
//! let restored = Segmentation::from_json(&segmentation.to_json()?)?;
//! assert_eq!(restored.assign(&records)?, segmentation.assign(&records)?);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The e-commerce walk-through (the whole system on simulated traffic,
//! in seven steps, with charts: `seg demo` and the `ecommerce` example)
//! is the crate `seg-demo`.
//!
//! [`ndarray`] is re-exported so that callers use the same version as the
//! libraries.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

#[cfg(feature = "bandit")]
#[cfg_attr(docsrs, doc(cfg(feature = "bandit")))]
pub use seg_bandit_state as bandit;
#[cfg(feature = "cluster")]
#[cfg_attr(docsrs, doc(cfg(feature = "cluster")))]
pub use seg_cluster as cluster;
#[cfg(feature = "datasets")]
#[cfg_attr(docsrs, doc(cfg(feature = "datasets")))]
pub use seg_datasets as datasets;
#[cfg(feature = "features")]
#[cfg_attr(docsrs, doc(cfg(feature = "features")))]
pub use seg_features as features;
#[cfg(feature = "power")]
#[cfg_attr(docsrs, doc(cfg(feature = "power")))]
pub use seg_power as power;
#[cfg(feature = "validate")]
#[cfg_attr(docsrs, doc(cfg(feature = "validate")))]
pub use seg_validate as validate;

#[cfg(feature = "pipeline")]
#[cfg_attr(docsrs, doc(cfg(feature = "pipeline")))]
pub mod pipeline;

pub use ndarray;

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
