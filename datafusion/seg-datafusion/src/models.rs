//! Saved segmentations named by path in SQL, loaded once per process and
//! file version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Literal;
use segmentation::pipeline::Segmentation;

/// A file's version for the cache (the path is the map's key): its
/// modification time and length.
type Version = (Option<SystemTime>, u64);

/// Loaded models by path, with the file version they were loaded from.
type Cache = Mutex<HashMap<PathBuf, (Version, Arc<Segmentation>)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The segmentation saved at `path` (a pipeline file written by
/// `Segmentation::save` or `seg segment --model`): loaded on first use and
/// again whenever the file changes (its modification time or length), so a
/// long-running executor follows a retrained model.
pub(crate) fn segmentation(function: &str, path: &str) -> Result<Arc<Segmentation>> {
    let path = Path::new(path);
    let meta = std::fs::metadata(path).map_err(|e| {
        DataFusionError::Execution(format!(
            "{function}: cannot read the model `{}`: {e}",
            path.display()
        ))
    })?;
    let version = (meta.modified().ok(), meta.len());
    if let Ok(map) = cache().lock()
        && let Some((v, s)) = map.get(path)
        && *v == version
    {
        return Ok(Arc::clone(s));
    }
    let loaded = Segmentation::load(path).map_err(|e| {
        DataFusionError::Execution(format!(
            "{function}: cannot load the model `{}`: {e}",
            path.display()
        ))
    })?;
    let loaded = Arc::new(loaded);
    if let Ok(mut map) = cache().lock() {
        map.insert(path.to_path_buf(), (version, Arc::clone(&loaded)));
    }
    Ok(loaded)
}

/// The text of a literal first argument (a model path, centres as JSON).
pub(crate) fn literal_text(function: &str, what: &str, value: &ColumnarValue) -> Result<String> {
    match value {
        ColumnarValue::Scalar(s) => scalar_text(function, what, s),
        ColumnarValue::Array(_) => {
            exec_err!("{function}: the first argument, {what}, must be a literal text")
        }
    }
}

/// The text of a literal first argument of an aggregate.
pub(crate) fn literal_expr_text(
    function: &str,
    what: &str,
    expr: Option<&Arc<dyn PhysicalExpr>>,
) -> Result<String> {
    match expr.and_then(|e| e.downcast_ref::<Literal>()) {
        Some(l) => scalar_text(function, what, l.value()),
        None => exec_err!("{function}: the first argument, {what}, must be a literal text"),
    }
}

fn scalar_text(function: &str, what: &str, s: &ScalarValue) -> Result<String> {
    match s {
        ScalarValue::Utf8(Some(t))
        | ScalarValue::LargeUtf8(Some(t))
        | ScalarValue::Utf8View(Some(t)) => Ok(t.clone()),
        other => {
            exec_err!("{function}: the first argument, {what}, must be a literal text, not {other}")
        }
    }
}
