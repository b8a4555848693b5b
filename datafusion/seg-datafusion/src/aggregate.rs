//! What the aggregates share: one text state holding a JSON value.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{DataFusionError, Result, exec_err};
use datafusion::logical_expr::utils::format_state_name;

/// The state field of an aggregate whose partial result is one JSON text.
pub(crate) fn json_state_field(name: &str) -> Vec<FieldRef> {
    vec![Arc::new(Field::new(
        format_state_name(name, "json"),
        DataType::Utf8,
        true,
    ))]
}

/// Each non-null JSON text of a state column, parsed.
pub(crate) fn parse_states<T: serde::de::DeserializeOwned>(
    function: &str,
    states: &[ArrayRef],
    mut each: impl FnMut(T) -> Result<()>,
) -> Result<()> {
    let Some(column) = states.first() else {
        return exec_err!("{function}: no state column to merge");
    };
    let Some(texts) = column.as_string_opt::<i32>() else {
        return exec_err!(
            "{function}: the state column has type {}, not text",
            column.data_type()
        );
    };
    for text in texts.iter().flatten() {
        let value = serde_json::from_str(text).map_err(|e| {
            DataFusionError::Execution(format!("{function}: a partial state does not load: {e}"))
        })?;
        each(value)?;
    }
    Ok(())
}

/// A JSON text of `value`, as an aggregate's state or result.
pub(crate) fn to_json_text<T: serde::Serialize>(function: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| DataFusionError::Execution(format!("{function}: {e}")))
}
