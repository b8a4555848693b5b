//! The error type of `seg-bandit-state`.

/// Everything that can go wrong in `seg-bandit-state`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BanditError {
    /// A parameter outside its domain, named with its value.
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter.
        parameter: &'static str,
        /// The offending value, as text.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// No experiment of this name in the store.
    #[error("unknown experiment {experiment:?}")]
    UnknownExperiment {
        /// The experiment asked for.
        experiment: String,
    },
    /// The experiment has no variant of this name.
    #[error("unknown variant {variant:?} in experiment {experiment:?}")]
    UnknownVariant {
        /// The experiment.
        experiment: String,
        /// The variant asked for.
        variant: String,
    },
    /// The experiment has no segment of this name yet.
    #[error("unknown segment {segment:?} in experiment {experiment:?}")]
    UnknownSegment {
        /// The experiment.
        experiment: String,
        /// The segment asked for.
        segment: String,
    },
    /// A variant name given twice in one experiment.
    #[error("duplicate variant {variant:?} in experiment {experiment:?}")]
    DuplicateVariant {
        /// The experiment.
        experiment: String,
        /// The repeated variant name.
        variant: String,
    },
    /// An experiment created again with a definition other than the stored one.
    #[error("experiment {experiment:?} already exists with {reason}")]
    ExperimentConflict {
        /// The experiment.
        experiment: String,
        /// How the stored definition differs.
        reason: String,
    },
    /// A saved artifact of another format or version.
    #[error("unsupported {artifact} file: found {found}, this release reads {expected}")]
    UnsupportedFormat {
        /// What was loaded, e.g. "bandit snapshot".
        artifact: &'static str,
        /// The format and version found.
        found: String,
        /// The format and version this release reads.
        expected: String,
    },
    /// A saved artifact that parses but is inconsistent.
    #[error("invalid {artifact}: {reason}")]
    InvalidArtifact {
        /// What was loaded, e.g. "bandit snapshot".
        artifact: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// JSON that does not parse or has the wrong shape.
    #[error("malformed {artifact} JSON")]
    Json {
        /// What was read or written.
        artifact: &'static str,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A file that cannot be read or written.
    #[error("cannot {operation} `{}`", path.display())]
    Io {
        /// What was being done: `read`, `write`, `create a file in the folder`, ….
        operation: &'static str,
        /// The file or folder involved.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A snapshot file that is not a regular file (a FIFO, a device) or is
    /// larger than [`seg_artifact::MAX_ARTIFACT_BYTES`]: refused before
    /// reading.
    #[error(transparent)]
    File {
        /// The error naming the path (and the system's error as its source).
        source: seg_artifact::ArtifactError,
    },
    /// An SQLite operation that failed (feature `sqlite`): the file and what
    /// was being done; the cause is the source.
    #[cfg(feature = "sqlite")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
    #[error("SQLite database `{}`: cannot {operation}", path.display())]
    Sqlite {
        /// The database file.
        path: std::path::PathBuf,
        /// What was being done, e.g. "record a batch".
        operation: &'static str,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// A PostgreSQL operation that failed (feature `postgres`): the database
    /// (`user@host:port/dbname`, never the password) and what was being done;
    /// the cause is the source. A failed `record` says in `operation` that
    /// nothing was recorded.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    #[error("PostgreSQL database {database}: cannot {operation}")]
    Postgres {
        /// The database, as `user@host:port/dbname`.
        database: String,
        /// What was being done, e.g. "record a batch (nothing was recorded)".
        operation: &'static str,
        /// The cause.
        #[source]
        source: postgres::Error,
    },
    /// The connection to PostgreSQL was lost while a batch was being
    /// committed, and could not be re-established to find out whether the
    /// commit happened (feature `postgres`). Record the same batch again with
    /// `PostgresStore::record_idempotent` and this `key`: it is then recorded
    /// exactly once.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    #[error(
        "PostgreSQL database {database}: connection lost while committing the batch with key \
         {key:?} of experiment {experiment:?}; it may or may not be recorded: record it again \
         with this key"
    )]
    RecordOutcomeUnknown {
        /// The database, as `user@host:port/dbname`.
        database: String,
        /// The experiment.
        experiment: String,
        /// The idempotency key of the batch.
        key: String,
        /// The last error.
        #[source]
        source: postgres::Error,
    },
    // decision log
    /// No decision of this id in the experiment's log.
    #[error("unknown decision {id} in experiment {experiment:?}")]
    UnknownDecision {
        /// The experiment.
        experiment: String,
        /// The decision id asked for.
        id: u64,
    },
    /// A reward recorded for a decision that already has one.
    #[error("decision {id} of experiment {experiment:?} already has reward {reward}")]
    RewardConflict {
        /// The experiment.
        experiment: String,
        /// The decision.
        id: u64,
        /// The reward recorded before.
        reward: f64,
    },
    // off-policy evaluation
    /// A logged propensity outside (0, 1] (or NaN): the probability with
    /// which the served variant was chosen must be positive.
    #[error("propensity of logged row {row} must be in (0, 1], got {propensity}")]
    InvalidPropensity {
        /// The 0-based index of the row in the log (rows pushed before it).
        row: u64,
        /// The offending propensity.
        propensity: f64,
    },
    /// A logged reward (or a batch's reward sums) that is not a finite number.
    #[error("reward of logged row {row} must be finite, got {reward}")]
    NonFiniteReward {
        /// The 0-based index of the row (the first row of a batch).
        row: u64,
        /// The offending value.
        reward: f64,
    },
    /// A segment of the log that the target policy does not know.
    #[error("segment {segment:?} of the log is missing from the target policy")]
    SegmentNotInPolicy {
        /// The segment of the log.
        segment: String,
    },
    /// A target policy that serves a variant never served in the log for
    /// that segment: its value there cannot be estimated from the log.
    #[error(
        "the target policy gives probability {probability} to variant {variant:?} in segment \
         {segment:?}, which has no logged row"
    )]
    TargetNotCovered {
        /// The segment.
        segment: String,
        /// The variant without logged rows in that segment.
        variant: String,
        /// The target probability of that variant in that segment.
        probability: f64,
    },
    /// A target probability outside [0, 1] or not finite.
    #[error(
        "target probability of variant {variant:?} in segment {segment:?} must be in [0, 1], got {probability}"
    )]
    InvalidTargetProbability {
        /// The segment.
        segment: String,
        /// The variant.
        variant: String,
        /// The offending probability.
        probability: f64,
    },
    /// A segment of the target policy whose probabilities do not sum to 1.
    #[error("target probabilities of segment {segment:?} sum to {sum}, not 1 (within 1e-9)")]
    TargetNotNormalised {
        /// The segment.
        segment: String,
        /// The sum of its probabilities.
        sum: f64,
    },
    /// The same segment and variant given twice in a target policy.
    #[error("duplicate target probability for variant {variant:?} in segment {segment:?}")]
    DuplicateTargetRow {
        /// The segment.
        segment: String,
        /// The variant.
        variant: String,
    },
    /// A log with fewer than two rows: no estimate (empty) or no interval
    /// (a single row).
    #[error("{}", if *n == 0 { "the log is empty".to_owned() } else { format!("the log has {n} row: an interval needs at least 2") })]
    TooFewLoggedRows {
        /// The number of rows in the log.
        n: u64,
    },
    // adaptive estimates
    /// A variant that is not one of the [`crate::AdaptiveEstimator`]'s variants.
    #[error("variant {variant:?} is not one of the estimator's variants {known:?}")]
    UndeclaredVariant {
        /// The variant pushed.
        variant: String,
        /// The estimator's variants.
        known: Vec<String>,
    },
    /// A logged propensity outside (0, 1].
    #[error(
        "propensity of variant {variant:?} in segment {segment:?}, period {period} must be in \
         (0, 1], got {propensity}"
    )]
    InvalidCellPropensity {
        /// The segment.
        segment: String,
        /// The period.
        period: i64,
        /// The variant.
        variant: String,
        /// The offending propensity.
        propensity: f64,
    },
    /// A reward, reward sum or sum of squares that is NaN or infinite, or
    /// that would make an accumulated sum infinite.
    #[error(
        "{field} of variant {variant:?} in segment {segment:?}, period {period} is not finite: \
         {value}"
    )]
    NonFiniteCellReward {
        /// The segment.
        segment: String,
        /// The period.
        period: i64,
        /// The variant.
        variant: String,
        /// Which number: `reward_sum`, `reward_sum_squares`, or an
        /// accumulated sum such as `accumulated reward_sum / propensity`.
        field: &'static str,
        /// The offending value.
        value: f64,
    },
    /// Reward sums that no `count` real rewards can have, or a count that
    /// would overflow the segment's total.
    #[error(
        "inconsistent rewards of variant {variant:?} in segment {segment:?}, period {period}: \
         count {count}, reward_sum {reward_sum}, reward_sum_squares {reward_sum_squares} \
         ({reason})"
    )]
    InconsistentRewards {
        /// The segment.
        segment: String,
        /// The period.
        period: i64,
        /// The variant.
        variant: String,
        /// The number of units.
        count: u64,
        /// Σ reward.
        reward_sum: f64,
        /// Σ reward².
        reward_sum_squares: f64,
        /// Which condition fails.
        reason: &'static str,
    },
    /// Estimates asked for before any unit was pushed.
    #[error("no units pushed: nothing to estimate")]
    NoUnits,
    /// A variant with fewer than 2 units in a segment: no mean with a
    /// standard error can be estimated for it there.
    #[error(
        "variant {variant:?} has {units} units in segment {segment:?}: at least 2 are needed \
         for a mean with a standard error"
    )]
    TooFewUnits {
        /// The segment.
        segment: String,
        /// The variant.
        variant: String,
        /// Its number of units in the segment.
        units: u64,
    },
}

/// `Result` with [`BanditError`].
pub type Result<T, E = BanditError> = std::result::Result<T, E>;
