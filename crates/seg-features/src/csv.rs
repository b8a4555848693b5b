//! Reading records from CSV text.

use crate::error::{FeatureError, Result};
use crate::schema::{FieldKind, Schema};
use crate::value::Value;

/// Texts read as a missing value in any column (case-insensitive), besides
/// the empty cell.
const MISSING_TOKENS: [&str; 4] = ["na", "n/a", "null", "none"];

/// Reads a CSV file with a header row into records of `schema`.
///
/// See [`parse_csv`] for the rules.
///
/// # Errors
///
/// [`FeatureError::Io`] when the file cannot be read, and the errors of
/// [`parse_csv`].
pub fn read_csv(
    path: impl AsRef<std::path::Path>,
    schema: &Schema,
) -> Result<Vec<Vec<Value<'static>>>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| FeatureError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    parse_csv(&text, schema)
}

/// Parses CSV text with a header row into records of `schema`.
///
/// Columns are matched to fields by header name; columns the schema does
/// not name are ignored. Cells are parsed by field kind: numbers for
/// numeric and cyclic fields, text for categorical fields, `true`/`false`,
/// `1`/`0` or `yes`/`no` (any case) for boolean fields. An empty cell, `NA`,
/// `N/A`, `null` or `none` is a missing value. Fields may be quoted with
/// `"` (a doubled `""` inside quotes is a quote).
///
/// # Errors
///
/// [`FeatureError::Csv`] naming the line and the field: a schema field
/// absent from the header, a row with another number of cells, a cell that
/// does not parse, or a non-finite number.
///
/// # Example
///
/// ```
/// use seg_features::{parse_csv, Categorical, Numeric, Schema, Value};
///
/// let schema = Schema::builder()
///     .numeric("pages", Numeric::default())
///     .categorical("device", Categorical::new())
///     .boolean("returning")
///     .build()?;
/// let records = parse_csv("device,pages,returning\nmobile,3,TRUE\n,NA,false\n", &schema)?;
/// assert_eq!(records[0], [Value::from(3.0), Value::from("mobile"), Value::from(true)]);
/// assert_eq!(records[1], [Value::Missing, Value::Missing, Value::from(false)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_csv(text: &str, schema: &Schema) -> Result<Vec<Vec<Value<'static>>>> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(csv_error(1, "no header row".to_owned()));
    };
    let header = split_line(header, 1)?;
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            header
                .iter()
                .position(|h| h.trim() == f.name())
                .ok_or_else(|| {
                    csv_error(
                        1,
                        format!(
                            "field `{}` of the schema is not a column of the header",
                            f.name()
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    lines
        .map(|(i, line)| {
            let line_no = i + 1;
            let cells = split_line(line, line_no)?;
            if cells.len() != header.len() {
                return Err(csv_error(
                    line_no,
                    format!("{} cells, the header has {}", cells.len(), header.len()),
                ));
            }
            schema
                .fields()
                .iter()
                .zip(&columns)
                .map(|(field, &c)| {
                    parse_cell(cells[c].trim(), field.kind()).map_err(|reason| {
                        csv_error(line_no, format!("field `{}`: {reason}", field.name()))
                    })
                })
                .collect()
        })
        .collect()
}

fn csv_error(line: usize, reason: String) -> FeatureError {
    FeatureError::Csv { line, reason }
}

fn parse_cell(cell: &str, kind: &FieldKind) -> std::result::Result<Value<'static>, String> {
    if cell.is_empty() || MISSING_TOKENS.iter().any(|t| cell.eq_ignore_ascii_case(t)) {
        return Ok(Value::Missing);
    }
    match kind {
        FieldKind::Numeric(_) | FieldKind::Cyclic { .. } => match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::Number(x)),
            Ok(x) => Err(format!("value {x} is not finite")),
            Err(_) => Err(format!("cannot read `{cell}` as a number")),
        },
        FieldKind::Categorical(_) => Ok(Value::from(cell.to_owned())),
        FieldKind::Boolean => match cell.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "no" => Ok(Value::Bool(false)),
            _ => Err(format!("cannot read `{cell}` as a boolean")),
        },
    }
}

/// Splits one CSV line into cells, honouring `"` quotes.
fn split_line(line: &str, line_no: usize) -> Result<Vec<String>> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    if quoted {
        return Err(csv_error(line_no, "unterminated quote".to_owned()));
    }
    cells.push(cell);
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_commas_and_doubled_quotes() {
        assert_eq!(
            split_line(r#"a,"b,c","say ""hi""",,"#, 1).unwrap(),
            ["a", "b,c", "say \"hi\"", "", ""]
        );
    }

    #[test]
    fn missing_tokens_are_case_insensitive() {
        for token in ["", "NA", "n/a", "NULL", "None"] {
            assert_eq!(parse_cell(token, &FieldKind::Boolean), Ok(Value::Missing));
        }
    }
}
