//! Reading PostgreSQL rows into the tuples the store decodes (see
//! [`crate::stored`] for the checks of their values).

use postgres::Row;
use postgres::types::FromSql;

/// The first six columns of a row, typed as the caller's tuple (a
/// [`crate::stored::StateRow`] or [`crate::stored::EventRow`]).
pub(super) fn six_columns<A, B, C, D, E, F>(
    row: &Row,
) -> Result<(A, B, C, D, E, F), postgres::Error>
where
    A: for<'a> FromSql<'a>,
    B: for<'a> FromSql<'a>,
    C: for<'a> FromSql<'a>,
    D: for<'a> FromSql<'a>,
    E: for<'a> FromSql<'a>,
    F: for<'a> FromSql<'a>,
{
    Ok((
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
    ))
}

/// The first column of every row.
pub(super) fn first_column<T>(rows: &[Row]) -> Result<Vec<T>, postgres::Error>
where
    T: for<'a> FromSql<'a>,
{
    rows.iter().map(|row| row.try_get(0)).collect()
}
