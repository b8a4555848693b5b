//! Reading records from CSV text, with the `csv` crate.

use std::path::Path;

use crate::error::{FeatureError, Result};
use crate::schema::{FieldKind, Schema};
use crate::value::Value;

/// Texts read as a missing value in any column (case-insensitive), besides
/// the empty cell.
const MISSING_TOKENS: [&str; 4] = ["na", "n/a", "null", "none"];

/// Reads a CSV file with a header row into records of `schema`.
///
/// The bytes may be any UTF-8 text. See [`parse_csv`] for the rules.
///
/// # Errors
///
/// [`FeatureError::Io`] when the file cannot be read, [`FeatureError::Csv`]
/// for bytes that are not UTF-8, and the errors of [`parse_csv`].
pub fn read_csv(path: impl AsRef<Path>, schema: &Schema) -> Result<Vec<Vec<Value<'static>>>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| FeatureError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_records(reader(bytes.as_slice()), schema)
}

/// Parses CSV text with a header row into records of `schema`.
///
/// The text is read with the `csv` crate (RFC 4180): cells may be quoted
/// with `"`, a doubled `""` inside quotes is a quote, and a quoted cell may
/// hold commas and line breaks. Cells and header names are trimmed; blank
/// lines are skipped.
///
/// Columns are matched to fields by header name; columns the schema does
/// not name are ignored. Cells are parsed by field kind: numbers for
/// numeric and cyclic fields, text for categorical fields, `true`/`false`,
/// `1`/`0` or `yes`/`no` (any case) for boolean fields. An empty cell, `NA`,
/// `N/A`, `null` or `none` (any case) is a missing value.
///
/// # Errors
///
/// Each naming the line (1-based, the header is line 1; a row spanning
/// several lines is named by its first):
/// [`FeatureError::CsvMissingColumn`] for a schema field absent from the
/// header (also for empty text), [`FeatureError::CsvRowLength`] for a row
/// with another number of cells than the header, [`FeatureError::CsvCell`]
/// (also naming the column and field) for a cell that does not parse or a
/// non-finite number, and [`FeatureError::Csv`] when the `csv` crate fails
/// (keeping its error as the source).
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
/// let text = "device,pages,returning\nmobile,3,TRUE\n,NA,false\n\"smart\ntv\",1,no\n";
/// let records = parse_csv(text, &schema)?;
/// assert_eq!(records[0], [Value::from(3.0), Value::from("mobile"), Value::from(true)]);
/// assert_eq!(records[1], [Value::Missing, Value::Missing, Value::from(false)]);
/// assert_eq!(records[2][1], Value::from("smart\ntv"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_csv(text: &str, schema: &Schema) -> Result<Vec<Vec<Value<'static>>>> {
    read_records(reader(text.as_bytes()), schema)
}

fn reader<R: std::io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        // Row lengths are checked below, to name both counts.
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input)
}

fn csv_error(error: csv::Error) -> FeatureError {
    FeatureError::Csv {
        line: error.position().map_or(0, csv::Position::line),
        source: error,
    }
}

fn read_records<R: std::io::Read>(
    mut reader: csv::Reader<R>,
    schema: &Schema,
) -> Result<Vec<Vec<Value<'static>>>> {
    let header = reader.headers().map_err(csv_error)?.clone();
    let columns = schema
        .fields()
        .iter()
        .map(|f| {
            header.iter().position(|h| h == f.name()).ok_or_else(|| {
                FeatureError::CsvMissingColumn {
                    field: f.name().to_owned(),
                }
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut records = Vec::new();
    let mut row = csv::StringRecord::new();
    while reader.read_record(&mut row).map_err(csv_error)? {
        if row.len() == 1 && row.get(0) == Some("") {
            // A line of blanks.
            continue;
        }
        let line = row.position().map_or(0, csv::Position::line);
        if row.len() != header.len() {
            return Err(FeatureError::CsvRowLength {
                line,
                expected: header.len(),
                got: row.len(),
            });
        }
        let record = schema
            .fields()
            .iter()
            .zip(&columns)
            .map(|(field, &c)| {
                let cell = row.get(c).unwrap_or_default();
                parse_cell(cell, field.kind()).map_err(|expected| FeatureError::CsvCell {
                    line,
                    column: c + 1,
                    field: field.name().to_owned(),
                    cell: cell.to_owned(),
                    expected,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        records.push(record);
    }
    Ok(records)
}

/// A cell as a value of `kind`, or what the field accepts.
fn parse_cell(cell: &str, kind: &FieldKind) -> std::result::Result<Value<'static>, &'static str> {
    if cell.is_empty() || MISSING_TOKENS.iter().any(|t| cell.eq_ignore_ascii_case(t)) {
        return Ok(Value::Missing);
    }
    match kind {
        FieldKind::Numeric(_) | FieldKind::Cyclic { .. } => match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::Number(x)),
            _ => Err("a finite number"),
        },
        FieldKind::Categorical(_) => Ok(Value::from(cell.to_owned())),
        FieldKind::Boolean => match cell.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(Value::Bool(true)),
            "false" | "0" | "no" => Ok(Value::Bool(false)),
            _ => Err("a boolean"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Categorical, Numeric};

    fn schema() -> Schema {
        Schema::builder()
            .numeric("pages", Numeric::default())
            .categorical("device", Categorical::new())
            .build()
            .unwrap()
    }

    #[test]
    fn quoted_cells_keep_commas_doubled_quotes_and_newlines() {
        let text = "pages,device\n1,\"b,c\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n4,d\n";
        let records = parse_csv(text, &schema()).unwrap();
        let devices: Vec<_> = records.iter().map(|r| r[1].clone()).collect();
        assert_eq!(
            devices,
            [
                Value::from("b,c"),
                Value::from("say \"hi\""),
                Value::from("two\nlines"),
                Value::from("d")
            ]
        );
    }

    #[test]
    fn a_row_after_a_multi_line_cell_is_named_by_its_own_line() {
        let text = "pages,device\n1,\"two\nlines\"\nmany,d\n";
        match parse_csv(text, &schema()).unwrap_err() {
            FeatureError::CsvCell {
                line, column, cell, ..
            } => assert_eq!((line, column, cell.as_str()), (4, 1, "many")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_tokens_are_case_insensitive() {
        for token in ["", "NA", "n/a", "NULL", "None"] {
            assert_eq!(parse_cell(token, &FieldKind::Boolean), Ok(Value::Missing));
        }
    }

    #[test]
    fn invalid_utf8_is_a_csv_error_with_its_line() {
        let dir = std::env::temp_dir().join(format!("seg-features-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.csv");
        std::fs::write(&path, b"pages,device\n1,a\n2,\xff\n").unwrap();
        let err = read_csv(&path, &schema()).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        match err {
            FeatureError::Csv { line, ref source } => {
                assert_eq!(line, 3);
                assert!(matches!(source.kind(), csv::ErrorKind::Utf8 { .. }));
                assert!(std::error::Error::source(&err).is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_the_path() {
        let path = std::path::Path::new("/nonexistent/seg-features/visitors.csv");
        match read_csv(path, &schema()).unwrap_err() {
            FeatureError::Io { path: p, source } => {
                assert_eq!(p, path);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }
}
