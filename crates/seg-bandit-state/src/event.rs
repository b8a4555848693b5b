//! Batches of outcomes and the events that record them.

use serde::{Deserialize, Serialize};

use crate::error::{BanditError, Result};
use crate::experiment::check_name;
use crate::state::{BetaState, Prior};

/// The largest count of one batch: `i64::MAX`, so that every count fits the
/// signed 64-bit integer columns of SQL stores (SQLite `INTEGER`, PostgreSQL
/// `BIGINT`).
pub const MAX_BATCH_COUNT: u64 = i64::MAX as u64;

/// Checks a count: at most [`MAX_BATCH_COUNT`].
pub(crate) fn check_count(parameter: &'static str, count: u64) -> Result<()> {
    if count > MAX_BATCH_COUNT {
        Err(BanditError::InvalidParameter {
            parameter,
            value: count.to_string(),
            reason: "must be at most i64::MAX",
        })
    } else {
        Ok(())
    }
}

/// Outcomes of one variant in one segment, recorded together.
///
/// Counts are unsigned, so a negative count cannot be built (a negative or
/// fractional count in a snapshot file is rejected on load).
///
/// # Example
/// ```
/// use seg_bandit_state::Batch;
/// let b = Batch::new("mobile", "green", 3, 17, 1_700_000_000_000)?;
/// assert_eq!(b.successes(), 3);
/// assert!(Batch::new("", "green", 3, 17, 0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Batch {
    segment: String,
    variant: String,
    successes: u64,
    failures: u64,
    timestamp: i64,
}

impl Batch {
    /// `successes` and `failures` of `variant` in `segment`, at the caller's
    /// `timestamp` (any unit — Unix seconds or milliseconds; stored as given,
    /// never interpreted).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for an empty `segment` or `variant`
    /// name, or a count above [`MAX_BATCH_COUNT`].
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Batch, MAX_BATCH_COUNT};
    /// let b = Batch::new("mobile", "green", 3, 17, 1_700_000_000)?;
    /// assert_eq!((b.segment(), b.variant()), ("mobile", "green"));
    /// assert!(Batch::new("mobile", "", 3, 17, 0).is_err());
    /// assert!(Batch::new("mobile", "green", MAX_BATCH_COUNT + 1, 0, 0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        segment: impl Into<String>,
        variant: impl Into<String>,
        successes: u64,
        failures: u64,
        timestamp: i64,
    ) -> Result<Self> {
        let (segment, variant) = (segment.into(), variant.into());
        check_name("segment", &segment)?;
        check_name("variant", &variant)?;
        check_count("successes", successes)?;
        check_count("failures", failures)?;
        Ok(Self {
            segment,
            variant,
            successes,
            failures,
            timestamp,
        })
    }

    /// The segment.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Batch;
    /// assert_eq!(Batch::new("mobile", "green", 1, 0, 0)?.segment(), "mobile");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn segment(&self) -> &str {
        &self.segment
    }
    /// The variant.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Batch;
    /// assert_eq!(Batch::new("mobile", "green", 1, 0, 0)?.variant(), "green");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn variant(&self) -> &str {
        &self.variant
    }
    /// Successes (conversions).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Batch;
    /// assert_eq!(Batch::new("mobile", "green", 3, 17, 0)?.successes(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn successes(&self) -> u64 {
        self.successes
    }
    /// Failures (non-conversions).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Batch;
    /// assert_eq!(Batch::new("mobile", "green", 3, 17, 0)?.failures(), 17);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn failures(&self) -> u64 {
        self.failures
    }
    /// The caller's timestamp.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Batch;
    /// assert_eq!(Batch::new("mobile", "green", 3, 17, -5)?.timestamp(), -5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn timestamp(&self) -> i64 {
        self.timestamp
    }
}

/// One recorded batch, as the store logged it: the audit trail from which the
/// state is rebuilt.
///
/// `seq` is assigned by the store: strictly increasing in the order the
/// batches were committed, not necessarily contiguous (a PostgreSQL sequence
/// skips the numbers of rolled-back transactions).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Event {
    /// The store's sequence number.
    pub seq: u64,
    /// The caller's timestamp, as given.
    pub timestamp: i64,
    /// The experiment.
    pub experiment: String,
    /// The segment.
    pub segment: String,
    /// The variant.
    pub variant: String,
    /// Successes of the batch.
    pub successes: u64,
    /// Failures of the batch.
    pub failures: u64,
}

/// The state of one variant in one segment, as a store reports it.
///
/// `state` is `prior` plus the recorded totals: α = prior α + `successes`,
/// β = prior β + `failures`.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentState {
    /// The segment.
    pub segment: String,
    /// The variant.
    pub variant: String,
    /// The prior the segment started from for this variant.
    pub prior: Prior,
    /// Successes recorded (without the prior).
    pub successes: u64,
    /// Failures recorded (without the prior).
    pub failures: u64,
    /// The posterior: the prior plus the recorded counts.
    pub state: BetaState,
}

impl SegmentState {
    /// The state with `prior` and the recorded totals; the posterior is
    /// computed from them.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BetaState, Prior, SegmentState};
    /// let s = SegmentState::new("mobile", "green", Prior::new(2.0, 8.0)?, 3, 17);
    /// assert_eq!(s.state, BetaState::new(5.0, 25.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(
        segment: impl Into<String>,
        variant: impl Into<String>,
        prior: Prior,
        successes: u64,
        failures: u64,
    ) -> Self {
        let mut state = prior.state();
        state.observe(successes, failures);
        Self {
            segment: segment.into(),
            variant: variant.into(),
            prior,
            successes,
            failures,
            state,
        }
    }
}
