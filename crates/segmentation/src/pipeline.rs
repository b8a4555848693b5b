//! The whole segmentation in one artifact: records → features → k chosen
//! automatically → quality gate → a saved, versioned segmentation that
//! assigns records, reports drift and retrains.
//!
//! | need | item |
//! |------|------|
//! | fit a transform and a segment model | [`Segmenter::new`]`(schema)` → setters → [`Segmenter::fit`]`(&records)` |
//! | a schema of numeric columns scaled to [0, 1] | [`numeric_schema`] |
//! | one record → segment, no allocation | [`Segmentation::assign_one`] |
//! | a batch (all cores with `parallel`) | [`Segmentation::assign`] |
//! | each segment in original units: share, medians, category shares | [`Segmentation::describe`], [`describe_segments`] |
//! | segments against an outcome (rates or means, χ² or ANOVA) | [`Segmentation::profile`] |
//! | drift of a batch of records | [`Segmentation::drift`] |
//! | drift of a stream of records | [`Segmentation::monitor`] → [`RecordMonitor`] |
//! | next version on new records | [`Segmentation::retrain`] |
//! | save and load (one JSON file) | [`Segmentation::save`], [`Segmentation::load`], [`Segmentation::to_json`], [`Segmentation::from_json`] |
//!
//! A record is a slice of [`Value`](crate::features::Value)s in the order
//! of the schema's fields. The [`Segmentation`] holds the fitted
//! [`Transformer`](crate::features::Transformer) and the
//! [`SegmentModel`](crate::cluster::SegmentModel) (its version, parent,
//! creation time, the per-k table and the reason for k, the quality
//! verdict and the drift baseline), saved together as
//! `{"format": "segmentation-pipeline", "format_version": 2, …}` with the
//! raw fields' training distribution for drift reports (version 1 files,
//! without it, load).
//!
//! # Example
//!
//! ```
//! use segmentation::datasets::TrafficSimulator;
//! use segmentation::features::web_visitor_schema;
//! use segmentation::pipeline::{Segmentation, Segmenter};
//!
//! let visitors = TrafficSimulator::default_segments().seed(3).simulate(3_000)?;
//! let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
//! let segmenter = Segmenter::new(web_visitor_schema())
//!     .k_range(2..=6)
//!     .seed(1)
//!     .created_at(1_700_000_000);
//! let segmentation = segmenter.fit(&records)?;
//! let reason = &segmentation.model().selection().reason;
//! assert!(reason.starts_with(&format!("k = {}: ", segmentation.k())), "{reason}");
//! assert!((2..=6).contains(&segmentation.k()));
//!
//! // One visitor, no allocation.
//! let mut scratch = vec![0.0; segmentation.n_features()];
//! let segment = segmentation.assign_one(&records[0], &mut scratch)?;
//! assert_eq!(segment, segmentation.assign(&records)?[0]);
//!
//! // New traffic: a new source appears, drift is measured, the model retrained.
//! let later = TrafficSimulator::default_segments().drifted().seed(4).simulate(3_000)?;
//! let later: Vec<_> = later.iter().map(|v| v.record()).collect();
//! let drift = segmentation.drift(&later)?;
//! assert!(drift.segments.worst_feature().is_some());
//! assert_eq!(drift.fields.len(), 11);
//! let next = segmenter.retrain(&segmentation, &later)?;
//! assert_eq!((next.model_version(), next.parent_version()), (2, Some(1)));
//!
//! // One file holds both the transform and the model.
//! let restored = Segmentation::from_json(&next.to_json()?)?;
//! assert_eq!(restored, next);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod describe;
mod drift;
mod error;
mod fields;
mod json;
mod monitor;
mod profile;
mod segmentation;
mod segmenter;

pub use self::describe::{SegmentDescription, SegmentTrait, TraitKind, describe_segments};
pub use self::drift::RecordDrift;
pub use self::error::{PipelineError, Result};
pub use self::fields::{FieldDrift, MAX_FIELD_CATEGORIES, MAX_NEW_CATEGORIES, NewCategory};
pub use self::json::{PIPELINE_FORMAT, PIPELINE_FORMAT_VERSION};
pub use self::monitor::{RecordCounts, RecordMonitor};
pub use self::profile::{Outcome, OutcomeProfile};
pub use self::segmentation::{Challenger, Segmentation};
pub use self::segmenter::{Segmenter, numeric_schema};
pub use seg_cluster::{TrainParams, Window};
