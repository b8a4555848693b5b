//! Centres passed to SQL functions as a JSON array of rows.

use datafusion::common::{Result, exec_err};
use ndarray::{Array2, ArrayView2};

/// k × d finite centres read from `[[x, …], …]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Centres(Array2<f64>);

impl Centres {
    /// Parses and checks centres: at least one row, equal lengths of at
    /// least one, finite values.
    pub(crate) fn parse(function: &str, json: &str) -> Result<Centres> {
        let rows: Vec<Vec<f64>> = match serde_json::from_str(json) {
            Ok(r) => r,
            Err(e) => {
                return exec_err!(
                    "{function}: the centres must be a JSON array of rows of numbers: {e}"
                );
            }
        };
        let d = rows.first().map_or(0, Vec::len);
        if d == 0 || rows.iter().any(|r| r.len() != d) {
            return exec_err!(
                "{function}: the centres must be at least one row, all of the same length of at least 1"
            );
        }
        if let Some((i, v)) = rows
            .iter()
            .flatten()
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            return exec_err!("{function}: centre value {i} is {v}; centres must be finite");
        }
        let k = rows.len();
        match Array2::from_shape_vec((k, d), rows.into_iter().flatten().collect()) {
            Ok(a) => Ok(Centres(a)),
            Err(e) => exec_err!("{function}: {e}"),
        }
    }

    /// Columns.
    pub(crate) fn d(&self) -> usize {
        self.0.ncols()
    }

    /// The centres.
    pub(crate) fn view(&self) -> ArrayView2<'_, f64> {
        self.0.view()
    }
}

/// Centres (k × d) as the JSON literal that `seg_lloyd_step`,
/// `seg_nearest` and `seg_sq_distance` read: shortest round-trip decimals,
/// so the functions see the same f64 values.
///
/// # Example
///
/// ```
/// let json = seg_datafusion::centres_json(ndarray::array![[0.5, 1.0], [2.0, -3.25]].view());
/// assert_eq!(json, "[[0.5,1.0],[2.0,-3.25]]");
/// ```
pub fn centres_json(centres: ArrayView2<'_, f64>) -> String {
    let rows: Vec<Vec<f64>> = centres.rows().into_iter().map(|r| r.to_vec()).collect();
    serde_json::to_string(&rows).unwrap_or_default()
}
