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

/// Centres as the JSON the functions read (shortest round-trip decimals:
/// the same f64 values back).
pub(crate) fn to_json(centres: ArrayView2<'_, f64>) -> String {
    let rows: Vec<Vec<f64>> = centres.rows().into_iter().map(|r| r.to_vec()).collect();
    serde_json::to_string(&rows).unwrap_or_default()
}
