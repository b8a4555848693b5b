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
}

/// `Result` with [`BanditError`].
pub type Result<T, E = BanditError> = std::result::Result<T, E>;
