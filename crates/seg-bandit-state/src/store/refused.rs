//! Why a transaction of an SQL store refused a request, and the error that
//! names it. Kept apart from the database's own errors so that a store
//! retries only the latter; nothing was written when a transaction returns a
//! refusal.

use crate::error::BanditError;
use crate::experiment::Experiment;
use crate::store::checks::total_overflow;

/// A refused request.
#[derive(Debug)]
pub(crate) enum Refused {
    /// No experiment of the name asked for.
    UnknownExperiment,
    /// No variant of the name asked for in the experiment.
    UnknownVariant,
    /// No segment of the name asked for in the experiment.
    UnknownSegment,
    /// A batch that would take a stored total past `i64::MAX`.
    Overflow {
        /// `successes` or `failures`.
        parameter: &'static str,
        /// The stored total.
        total: i64,
        /// The batch's count.
        add: i64,
    },
    /// Any other error, already complete.
    Invalid(BanditError),
}

/// A transaction's result: the database error `E` (retried by the store
/// when transient) outside, the refusal inside.
pub(crate) type TxResult<T, E> = std::result::Result<std::result::Result<T, Refused>, E>;

impl Refused {
    /// The error naming `experiment` and, as far as the request had them,
    /// `names` (segment, variant).
    pub(crate) fn into_error(self, experiment: &str, names: (&str, &str)) -> BanditError {
        let (segment, variant) = names;
        match self {
            Self::UnknownExperiment => BanditError::UnknownExperiment {
                experiment: experiment.to_owned(),
            },
            Self::UnknownVariant => BanditError::UnknownVariant {
                experiment: experiment.to_owned(),
                variant: variant.to_owned(),
            },
            Self::UnknownSegment => BanditError::UnknownSegment {
                experiment: experiment.to_owned(),
                segment: segment.to_owned(),
            },
            Self::Overflow {
                parameter,
                total,
                add,
            } => total_overflow(parameter, add, total < 0),
            Self::Invalid(error) => error,
        }
    }
}

/// What creating `experiment` again finds when an experiment of its name is
/// stored: `false` (nothing created) for the same definition, a conflict
/// otherwise; a refusal met while loading the stored one is passed on.
pub(crate) fn create_again(
    stored: Result<Experiment, Refused>,
    experiment: &Experiment,
) -> Result<bool, Refused> {
    stored?
        .check_same_as(experiment)
        .map(|()| false)
        .map_err(Refused::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Prior;

    #[test]
    fn a_refusal_names_the_experiment_segment_and_variant() {
        let names = ("mobile", "green");
        assert!(matches!(
            Refused::UnknownVariant.into_error("e", names),
            BanditError::UnknownVariant { ref experiment, ref variant }
                if experiment == "e" && variant == "green"
        ));
        assert!(matches!(
            Refused::UnknownSegment.into_error("e", names),
            BanditError::UnknownSegment { ref segment, .. } if segment == "mobile"
        ));
        let overflow = Refused::Overflow {
            parameter: "failures",
            total: i64::MAX,
            add: 2,
        };
        assert!(matches!(
            overflow.into_error("e", names),
            BanditError::InvalidParameter { parameter: "failures", ref value, .. } if value == "2"
        ));
    }

    #[test]
    fn creating_an_experiment_again_is_a_no_op_or_a_conflict() {
        let e = Experiment::new("e", ["a", "b"], Prior::uniform()).unwrap();
        let other = Experiment::new("e", ["a", "c"], Prior::uniform()).unwrap();
        assert!(!create_again(Ok(e.clone()), &e).unwrap());
        assert!(matches!(
            create_again(Ok(other), &e),
            Err(Refused::Invalid(BanditError::ExperimentConflict { .. }))
        ));
        assert!(matches!(
            create_again(Err(Refused::UnknownExperiment), &e),
            Err(Refused::UnknownExperiment)
        ));
    }
}
