//! The error type of `seg-power`.

/// Everything that can go wrong while planning or analysing an experiment.
///
/// Every variant names the parameter at fault and carries the offending
/// value. Outcomes that are not failures (a sample-ratio mismatch, a
/// sequential test that says "continue", a plan that cannot launch) are
/// returned as values, never as errors.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PowerError {
    /// A probability-like parameter (rate, α, power) is outside the open
    /// interval (0, 1).
    #[error("{parameter} must be in (0, 1), got {value}")]
    InvalidProbability {
        /// The parameter's name.
        parameter: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A numeric parameter is outside its domain.
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        parameter: &'static str,
        /// The offending value.
        value: f64,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// A count parameter (number of looks, groups, segments) is outside its
    /// domain.
    #[error("invalid {parameter} = {value}: {reason}")]
    InvalidCount {
        /// The parameter's name.
        parameter: &'static str,
        /// The offending value.
        value: usize,
        /// What the parameter must satisfy.
        reason: &'static str,
    },
    /// An element of a list parameter is invalid.
    #[error("{parameter}[{index}] = {value} is invalid: {reason}")]
    InvalidElement {
        /// The parameter's name.
        parameter: &'static str,
        /// The 0-based position in the list.
        index: usize,
        /// The offending value.
        value: f64,
        /// What each element must satisfy.
        reason: &'static str,
    },
    /// A list parameter is empty (or too short).
    #[error("{parameter} needs at least {min} elements, got {got}")]
    TooShort {
        /// The parameter's name.
        parameter: &'static str,
        /// The minimum number of elements.
        min: usize,
        /// The number given.
        got: usize,
    },
    /// Two list parameters that must have the same length do not.
    #[error("{parameter} has {got} elements, expected {expected}")]
    LengthMismatch {
        /// The parameter's name.
        parameter: &'static str,
        /// The expected number of elements.
        expected: usize,
        /// The number given.
        got: usize,
    },
    /// A name (of a correction method, …) is not recognised.
    #[error("unknown {kind} `{value}`")]
    UnknownName {
        /// What kind of name was expected.
        kind: &'static str,
        /// The unrecognised name.
        value: String,
    },
    /// The requested quantity does not exist for these inputs (for example,
    /// no treatment rate below 1 reaches the power at this sample size).
    #[error("no {quantity} satisfies the request: {reason}")]
    NoSolution {
        /// The quantity that was solved for.
        quantity: &'static str,
        /// Why no solution exists.
        reason: String,
    },
    /// A numerical procedure did not converge (this indicates extreme
    /// inputs; please report it with the inputs).
    #[error("{procedure} did not converge after {iterations} iterations")]
    NotConverged {
        /// The numerical procedure.
        procedure: &'static str,
        /// The number of iterations performed.
        iterations: usize,
    },
    /// One period of a per-period table (counts or allocation of an
    /// adaptive sample-ratio-mismatch test) has the wrong number of groups.
    #[error("{parameter} of period {period} has {got} groups, expected {expected}")]
    PeriodLengthMismatch {
        /// The parameter's name.
        parameter: &'static str,
        /// The 0-based period.
        period: usize,
        /// The number of groups expected.
        expected: usize,
        /// The number given.
        got: usize,
    },
    /// One entry (one group in one period) of a per-period table is
    /// invalid.
    #[error("{parameter} of group {group} in period {period} = {value} is invalid: {reason}")]
    InvalidPeriodEntry {
        /// The parameter's name.
        parameter: &'static str,
        /// The 0-based period.
        period: usize,
        /// The 0-based group.
        group: usize,
        /// The offending value.
        value: f64,
        /// What each entry must satisfy.
        reason: &'static str,
    },
    /// A whole period of a per-period table is invalid (for example, its
    /// allocation weights add up to 0).
    #[error("invalid {parameter} of period {period} = {value}: {reason}")]
    InvalidPeriod {
        /// The parameter's name.
        parameter: &'static str,
        /// The 0-based period.
        period: usize,
        /// The offending value (a sum over the period's groups).
        value: f64,
        /// What the period must satisfy.
        reason: &'static str,
    },
}

/// A `Result` with [`PowerError`].
pub type Result<T, E = PowerError> = std::result::Result<T, E>;

/// Checks that `value` is finite.
pub(crate) fn finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(PowerError::InvalidParameter {
            parameter: name,
            value,
            reason: "must be finite",
        })
    }
}

/// Checks that `value` is a probability in the open interval (0, 1).
pub(crate) fn probability(name: &'static str, value: f64) -> Result<f64> {
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(PowerError::InvalidProbability {
            parameter: name,
            value,
        })
    }
}

/// Checks that `value` is finite and strictly positive.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    finite(name, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(PowerError::InvalidParameter {
            parameter: name,
            value,
            reason: "must be positive",
        })
    }
}
