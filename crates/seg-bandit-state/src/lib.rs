#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod adaptive;
pub mod analytics;
mod buffered;
mod decision;
mod error;
mod event;
mod experiment;
mod memory;
mod memory_log;
mod monte_carlo;
mod off_policy;
#[cfg(feature = "postgres")]
mod postgres;
mod quadrature;
mod sampling;
mod snapshot;
#[cfg(feature = "sqlite")]
mod sqlite;
mod state;
mod store;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod stored;
mod warm_start;

pub use crate::adaptive::{
    AdaptiveEstimate, AdaptiveEstimates, AdaptiveEstimator, AdaptiveLift, AdaptiveReport,
    AdaptiveSegment, LiftEstimates, RewardSums, VariantEstimates,
};
pub use crate::buffered::BufferedRecorder;
pub use crate::decision::{
    ALLOCATION_TOLERANCE, Decision, DecisionLog, LoggedDecision, PeriodBatch, Policy,
};
pub use crate::error::{BanditError, Result};
pub use crate::event::{Batch, Event, MAX_BATCH_COUNT, SegmentState};
pub use crate::experiment::Experiment;
pub use crate::memory::MemoryStore;
pub use crate::off_policy::{
    OffPolicyEstimate, OffPolicyEstimators, OffPolicyEvaluator, OffPolicyReport, TargetPolicy,
};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use crate::postgres::{DEFAULT_RETRY_WINDOW, PostgresStore};
pub use crate::sampling::{Allocation, MAX_DRAWS, ThompsonSampler};
pub use crate::snapshot::{SNAPSHOT_FORMAT, SNAPSHOT_VERSION};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use crate::sqlite::SqliteStore;
pub use crate::state::{BetaState, Prior};
pub use crate::store::StateStore;
pub use crate::warm_start::WarmStart;
pub use seg_special::{Beta, SpecialError, Tails};
