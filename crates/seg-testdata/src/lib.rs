//! Test support shared by every crate of the workspace (not published).
//!
//! - [`reference`] reads a file of `testdata/reference/` (values computed
//!   with scikit-learn, statsmodels and scipy; see its README). The files are
//!   part of the repository, so a missing or unreadable file is a failure,
//!   never a skip.
//! - [`iris`] and [`iris_scaled`] read `testdata/reference/datasets/iris.csv`.
//! - [`data_file`] finds one of the two real data sets, which stay outside
//!   the repository (`../shared/data/` beside the workspace, or the folder
//!   named by `SEG_DATA_DIR`). When a file is absent the caller skips with a
//!   message, unless `SEG_REQUIRE_DATA=1` (set by `.ci/run`), which turns the
//!   absence into a failure.
//!
//! - [`hostile_json`] yields hostile variants of a valid saved artifact for
//!   the fuzz-style property tests of every loader.
//!
//! Panicking is the point here: these helpers run inside tests only.

pub mod files;
mod hostile;

pub use hostile::{hostile_cases, hostile_json};

use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde_json::Value;

/// The workspace root (the folder holding `testdata/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// The path of a file of `testdata/reference/`.
pub fn reference_path(name: &str) -> PathBuf {
    workspace_root().join("testdata/reference").join(name)
}

/// Parses a JSON file of `testdata/reference/`.
///
/// # Panics
/// When the file is missing or not valid JSON: the reference values are
/// part of the repository, and a test must never pass without them.
pub fn reference(name: &str) -> Value {
    let path = reference_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reference file {} unreadable: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("reference file {} is not valid JSON: {e}", path.display()))
}

/// Iris as stored in `datasets/iris.csv`: the 150 × 4 features and the
/// species labels (0 = setosa, 1 = versicolor, 2 = virginica).
#[derive(Debug, Clone)]
pub struct Iris {
    /// The four measurements in centimetres, one row per flower.
    pub x: Array2<f64>,
    /// The species of each row.
    pub labels: Vec<usize>,
}

/// Reads `testdata/reference/datasets/iris.csv`.
pub fn iris() -> Iris {
    let path = reference_path("datasets/iris.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", path.display()));
    let mut values = Vec::with_capacity(600);
    let mut labels = Vec::with_capacity(150);
    for (i, line) in text.lines().skip(1).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 5, "iris.csv line {}: {line}", i + 2);
        for cell in &cells[..4] {
            values.push(
                cell.parse::<f64>()
                    .unwrap_or_else(|e| panic!("iris.csv line {}: {e}", i + 2)),
            );
        }
        labels.push(
            cells[4]
                .parse()
                .unwrap_or_else(|e| panic!("iris.csv line {}: {e}", i + 2)),
        );
    }
    let x = Array2::from_shape_vec((labels.len(), 4), values).expect("rows of four values");
    Iris { x, labels }
}

/// The iris features standard-scaled as the reference files describe:
/// subtract the column mean, divide by the population standard deviation.
pub fn iris_scaled() -> Array2<f64> {
    let mut x = iris().x;
    let n = x.nrows() as f64;
    for mut col in x.columns_mut() {
        let mean = col.sum() / n;
        let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let std = var.sqrt();
        col.mapv_inplace(|v| (v - mean) / std);
    }
    x
}

/// A JSON array of numbers as a vector.
pub fn f64s(v: &Value) -> Vec<f64> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not an array of numbers: {e}"))
}

/// A JSON array of non-negative integers as a vector.
pub fn usizes(v: &Value) -> Vec<usize> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not an array of integers: {e}"))
}

/// A JSON array of equally long rows of numbers as a matrix.
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> =
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not a matrix: {e}"));
    let d = rows.first().map_or(0, Vec::len);
    Array2::from_shape_vec((rows.len(), d), rows.concat()).expect("rows of equal length")
}

/// The path of a real data set (`online_shoppers_intention.csv`,
/// `cookie_cats.csv`), or `None` after printing why the caller skips.
///
/// Looks in `SEG_DATA_DIR` when set, else in `../shared/data/` beside the
/// workspace.
///
/// # Panics
/// When the file is absent and `SEG_REQUIRE_DATA=1`: under CI a missing
/// data set is a failure, not a skip.
pub fn data_file(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("SEG_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/data"));
    let path = dir.join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("SEG_REQUIRE_DATA").is_ok_and(|v| v == "1") {
        panic!(
            "{} not found and SEG_REQUIRE_DATA=1 (set SEG_DATA_DIR to its folder)",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: {} not found (set SEG_DATA_DIR to its folder)",
        path.display()
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iris_has_150_rows_of_three_species() {
        let iris = iris();
        assert_eq!(iris.x.dim(), (150, 4));
        assert_eq!(iris.labels.iter().filter(|&&l| l == 2).count(), 50);
    }

    #[test]
    fn scaled_iris_has_zero_mean_and_unit_population_variance() {
        let x = iris_scaled();
        for col in x.columns() {
            let mean = col.sum() / 150.0;
            let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 150.0;
            assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn every_reference_file_parses() {
        for name in [
            "cluster_metrics.json",
            "cyclic_encoding.json",
            "kmeans_fixed_init.json",
            "multipletests.json",
            "power.json",
            "scaling.json",
            "sequential.json",
            "srm.json",
            "stats_misc.json",
        ] {
            assert!(reference(name).is_object(), "{name}");
        }
    }
}
