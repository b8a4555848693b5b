//! Arrow columns as the library's inputs: rows of numbers (k-means), and
//! records of raw values matched to a schema's fields by column name.

use std::borrow::Cow;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, FieldRef, Float64Type};
use datafusion::common::{DataFusionError, Result, exec_err, plan_err};
use ndarray::Array2;
use seg_features::{FieldKind, Schema, Value};

/// Whether a column of this type can hold numbers for k-means and numeric
/// fields.
fn is_number(t: &DataType) -> bool {
    t.is_integer() || t.is_floating()
}

/// The rows of numeric columns over batches (each `d` columns), row-major,
/// as an n × d array. `function` names the SQL function in errors.
pub(crate) fn rows_of<'a>(
    function: &str,
    batches: impl IntoIterator<Item = &'a [ArrayRef]>,
    d: usize,
) -> Result<Array2<f64>> {
    let mut data = Vec::new();
    for columns in batches {
        append_rows(function, columns, &mut data)?;
    }
    let n = data.len() / d.max(1);
    Array2::from_shape_vec((n, d), data)
        .map_err(|e| DataFusionError::Execution(format!("{function}: {e}")))
}

/// Copies numeric columns into `rows`, row-major (appending), rejecting
/// nulls. `function` names the SQL function in errors.
pub(crate) fn append_rows(function: &str, columns: &[ArrayRef], rows: &mut Vec<f64>) -> Result<()> {
    let Some(first) = columns.first() else {
        return exec_err!("{function}: no feature columns");
    };
    let n = first.len();
    let mut as_f64 = Vec::with_capacity(columns.len());
    for (j, c) in columns.iter().enumerate() {
        if !is_number(c.data_type()) {
            return exec_err!(
                "{function}: feature column {} has type {}; k-means takes numeric columns",
                j + 1,
                c.data_type()
            );
        }
        if c.null_count() > 0 {
            return exec_err!(
                "{function}: feature column {} has {} null values; filter or impute them first (e.g. COALESCE)",
                j + 1,
                c.null_count()
            );
        }
        as_f64.push(cast(c, &DataType::Float64)?);
    }
    let values: Vec<&[f64]> = as_f64
        .iter()
        .map(|c| c.as_primitive::<Float64Type>().values().as_ref())
        .collect();
    rows.reserve(n * values.len());
    for i in 0..n {
        rows.extend(values.iter().map(|c| c[i]));
    }
    Ok(())
}

/// The type signature check shared by the functions over feature columns:
/// a literal first argument, then at least one numeric column.
pub(crate) fn check_numeric_args(function: &str, first: &str, types: &[DataType]) -> Result<()> {
    if types.len() < 2 {
        return plan_err!("{function} takes {first} and at least one feature column");
    }
    if let Some((j, t)) = types
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, t)| !is_number(t))
    {
        return plan_err!(
            "{function}: argument {} has type {t}; feature columns must be numeric",
            j + 1
        );
    }
    Ok(())
}

/// One column read as the values of one schema field.
enum FieldColumn {
    Number(Float64Array),
    Text(StringArray),
    Bool(BooleanArray),
}

/// Record columns matched to a schema: for each field of the schema, its
/// column among the arguments (by name), read as that field's kind.
pub(crate) struct Records {
    columns: Vec<FieldColumn>,
    rows: usize,
}

/// For each field of `schema`, the index of the argument named after it
/// (the columns after the first argument). Errors name missing fields and
/// arguments that are not fields.
pub(crate) fn field_positions(
    function: &str,
    schema: &Schema,
    args: &[FieldRef],
) -> Result<Vec<usize>> {
    let names: Vec<&str> = args.iter().map(|f| f.name().as_str()).collect();
    let mut positions = Vec::with_capacity(schema.fields().len());
    let mut missing = Vec::new();
    for field in schema.fields() {
        match names.iter().position(|n| *n == field.name()) {
            Some(p) => positions.push(p),
            None => missing.push(field.name()),
        }
    }
    if !missing.is_empty() {
        return exec_err!(
            "{function}: the model's schema has fields {} with no column of that name among the arguments (pass the columns by name, renamed in a subquery if needed)",
            quote(missing)
        );
    }
    let extra: Vec<&str> = names
        .iter()
        .filter(|n| schema.index_of(n).is_err())
        .copied()
        .collect();
    if !extra.is_empty() {
        return exec_err!(
            "{function}: the arguments {} are not fields of the model's schema",
            quote(extra)
        );
    }
    Ok(positions)
}

fn quote<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Records {
    /// Reads `arrays` (the arguments after the first) as the fields of
    /// `schema`, the column of field `j` being `arrays[positions[j]]`.
    pub(crate) fn new(
        function: &str,
        schema: &Schema,
        positions: &[usize],
        arrays: &[ArrayRef],
    ) -> Result<Records> {
        let mut columns = Vec::with_capacity(positions.len());
        let mut rows = 0;
        for (field, &p) in schema.fields().iter().zip(positions) {
            let Some(array) = arrays.get(p) else {
                return exec_err!("{function}: no column for field `{}`", field.name());
            };
            rows = array.len();
            let t = array.data_type();
            let wrong = |accepts: &str| {
                exec_err!(
                    "{function}: field `{}` is {}; its column has type {t}, and the field takes {accepts} (CAST it in SQL)",
                    field.name(),
                    field.kind().name()
                )
            };
            let column = match field.kind() {
                FieldKind::Numeric(_) | FieldKind::Cyclic { .. } => {
                    if !is_number(t) {
                        return wrong("numbers");
                    }
                    FieldColumn::Number(
                        cast(array, &DataType::Float64)?
                            .as_primitive::<Float64Type>()
                            .clone(),
                    )
                }
                FieldKind::Categorical(_) => {
                    if !(t.is_integer()
                        || matches!(
                            t,
                            DataType::Utf8
                                | DataType::LargeUtf8
                                | DataType::Utf8View
                                | DataType::Boolean
                        ))
                    {
                        return wrong("text, integer codes or booleans");
                    }
                    FieldColumn::Text(cast(array, &DataType::Utf8)?.as_string::<i32>().clone())
                }
                FieldKind::Boolean => {
                    if t.is_integer() {
                        let codes = cast(array, &DataType::Int64)?;
                        let codes = codes.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
                        if let Some(bad) = codes.iter().flatten().find(|v| *v != 0 && *v != 1) {
                            return exec_err!(
                                "{function}: field `{}` is boolean; its integer column holds {bad}, and only 0 and 1 are flags",
                                field.name()
                            );
                        }
                        FieldColumn::Bool(cast(array, &DataType::Boolean)?.as_boolean().clone())
                    } else if matches!(t, DataType::Boolean) {
                        FieldColumn::Bool(array.as_boolean().clone())
                    } else {
                        return wrong("booleans or 0/1 integers");
                    }
                }
            };
            columns.push(column);
        }
        Ok(Records { columns, rows })
    }

    /// Rows.
    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// Writes row `i` into `record` (one value per schema field).
    pub(crate) fn read<'a>(&'a self, i: usize, record: &mut Vec<Value<'a>>) {
        record.clear();
        record.extend(self.columns.iter().map(|c| match c {
            FieldColumn::Number(a) if a.is_valid(i) => Value::Number(a.value(i)),
            FieldColumn::Text(a) if a.is_valid(i) => Value::Text(Cow::Borrowed(a.value(i))),
            FieldColumn::Bool(a) if a.is_valid(i) => Value::Bool(a.value(i)),
            _ => Value::Missing,
        }));
    }
}

/// Records of a schema as an Arrow batch with one column per field, named
/// after it: Float64 for numeric and cyclic fields, Utf8 for categorical
/// ones, Boolean for flags; a missing value is a null. What `seg_segment`
/// and `seg_drift` read back as the same records.
///
/// # Errors
///
/// A record of another length than the schema, or a value of another kind
/// than its field's (text in a numeric field, say).
///
/// # Example
///
/// ```
/// use seg_datafusion::record_batch;
/// use seg_features::{Value, web_visitor_schema};
///
/// let schema = web_visitor_schema();
/// let records = vec![vec![Value::Missing; schema.fields().len()]];
/// let batch = record_batch(&schema, &records)?;
/// assert_eq!((batch.num_rows(), batch.num_columns()), (1, schema.fields().len()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn record_batch<'v, R: AsRef<[Value<'v>]>>(
    schema: &Schema,
    records: &[R],
) -> std::result::Result<datafusion::arrow::array::RecordBatch, crate::TableError> {
    use datafusion::arrow::array::{BooleanBuilder, Float64Builder, StringBuilder};
    use datafusion::arrow::datatypes::Field as ArrowField;
    let invalid = |reason: String| crate::TableError::InvalidResult { reason };
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (j, field) in schema.fields().iter().enumerate() {
        let value = |i: usize, r: &R| -> std::result::Result<Value<'v>, crate::TableError> {
            r.as_ref().get(j).cloned().ok_or_else(|| {
                invalid(format!(
                    "record {i} has {} values for {} fields",
                    r.as_ref().len(),
                    schema.fields().len()
                ))
            })
        };
        let wrong = |i: usize, v: &Value<'_>| {
            invalid(format!(
                "record {i}: field `{}` is {} but holds a {}",
                field.name(),
                field.kind().name(),
                v.kind()
            ))
        };
        let (t, column): (DataType, ArrayRef) = match field.kind() {
            FieldKind::Numeric(_) | FieldKind::Cyclic { .. } => {
                let mut b = Float64Builder::with_capacity(records.len());
                for (i, r) in records.iter().enumerate() {
                    match value(i, r)? {
                        Value::Number(x) => b.append_value(x),
                        Value::Missing => b.append_null(),
                        other => return Err(wrong(i, &other)),
                    }
                }
                (DataType::Float64, std::sync::Arc::new(b.finish()))
            }
            FieldKind::Categorical(_) => {
                let mut b = StringBuilder::new();
                for (i, r) in records.iter().enumerate() {
                    match value(i, r)? {
                        Value::Text(t) => b.append_value(t),
                        Value::Missing => b.append_null(),
                        other => return Err(wrong(i, &other)),
                    }
                }
                (DataType::Utf8, std::sync::Arc::new(b.finish()))
            }
            FieldKind::Boolean => {
                let mut b = BooleanBuilder::with_capacity(records.len());
                for (i, r) in records.iter().enumerate() {
                    match value(i, r)? {
                        Value::Bool(x) => b.append_value(x),
                        Value::Missing => b.append_null(),
                        other => return Err(wrong(i, &other)),
                    }
                }
                (DataType::Boolean, std::sync::Arc::new(b.finish()))
            }
        };
        fields.push(ArrowField::new(field.name(), t, true));
        columns.push(column);
    }
    let schema = std::sync::Arc::new(datafusion::arrow::datatypes::Schema::new(fields));
    Ok(datafusion::arrow::array::RecordBatch::try_new(
        schema, columns,
    )?)
}
