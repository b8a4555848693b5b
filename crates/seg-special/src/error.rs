//! The error type of `seg-special`.

/// Everything that can go wrong in `seg-special`: a parameter outside the
/// domain where the functions are defined and proven accurate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecialError {
    /// A numeric parameter outside its domain, named with its value.
    #[error("invalid {parameter} = {value:?}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        parameter: &'static str,
        /// The offending value.
        value: f64,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
}

/// `Result` with [`SpecialError`].
pub type Result<T, E = SpecialError> = std::result::Result<T, E>;
