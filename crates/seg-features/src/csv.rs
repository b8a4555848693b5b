//! Reading records from CSV text, with the `csv` crate: the one record
//! reader of the workspace.

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
        operation: "read",
        path: path.to_owned(),
        source,
    })?;
    read_records(bytes.as_slice(), schema)
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
    read_records(text.as_bytes(), schema)
}

/// A CSV reader with a header row, before the columns are matched to a
/// schema: the first step of [`CsvRecords`].
///
/// The rules are those of [`parse_csv`]: RFC 4180 quoting (with the `csv`
/// crate), cells and header names trimmed, rows of any length accepted by
/// the reader and checked against the header when read.
///
/// # Example
///
/// ```
/// use seg_features::{CsvReader, Numeric, Schema, Value};
///
/// let schema = Schema::builder().numeric("pages", Numeric::default()).build()?;
/// let reader = CsvReader::new("id, pages\n7,3\n8,NA\n".as_bytes())?;
/// assert_eq!(reader.header(), ["id", "pages"]);
/// let mut records = reader.records(&schema)?;
/// let first = records.next_with(|line, values| (line, values[0].clone().into_owned()))?;
/// assert_eq!(first, Some((2, Value::from(3.0))));
/// assert_eq!(records.next_record()?, Some(vec![Value::Missing]));
/// assert_eq!(records.next_record()?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CsvReader<R> {
    reader: csv::Reader<R>,
    header: Vec<String>,
}

impl<R: std::io::Read> CsvReader<R> {
    /// Reads the header row of `input` (an empty input has an empty
    /// header).
    ///
    /// # Errors
    ///
    /// [`FeatureError::Csv`] (line 1) when the header cannot be read or is
    /// not UTF-8.
    pub fn new(input: R) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            // Row lengths are checked when read, to name both counts.
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let header = reader
            .headers()
            .map_err(csv_error)?
            .iter()
            .map(str::to_owned)
            .collect();
        Ok(CsvReader { reader, header })
    }

    /// The column names of the header row, trimmed; empty for an empty
    /// input.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Matches the fields of `schema` to the header's columns by name
    /// (columns the schema does not name are ignored) and returns the
    /// reader of the records.
    ///
    /// # Errors
    ///
    /// [`FeatureError::CsvMissingColumn`] for a field of the schema that is
    /// not a column of the header.
    pub fn records(self, schema: &Schema) -> Result<CsvRecords<R>> {
        let columns = schema
            .fields()
            .iter()
            .map(|f| {
                self.header
                    .iter()
                    .position(|h| h == f.name())
                    .ok_or_else(|| FeatureError::CsvMissingColumn {
                        field: f.name().to_owned(),
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CsvRecords {
            reader: self.reader,
            width: self.header.len(),
            fields: schema
                .fields()
                .iter()
                .map(|f| (f.name().to_owned(), f.kind().clone()))
                .collect(),
            columns,
            row: csv::StringRecord::new(),
            spare: Vec::new(),
        })
    }
}

/// The records of a CSV file in the field order of a schema, read one at
/// a time: memory does not grow with the number of rows, and
/// [`next_with`](Self::next_with) allocates nothing per row once the
/// buffers have grown to the longest row.
///
/// The one CSV record reader of the workspace: [`parse_csv`],
/// [`read_csv`] and the `seg` tool read through it. Cells are parsed by
/// field kind as [`parse_csv`] describes; an empty cell, `NA`, `N/A`,
/// `null` or `none` (any case) is a missing value.
#[derive(Debug)]
pub struct CsvRecords<R> {
    reader: csv::Reader<R>,
    width: usize,
    /// Name and kind of each schema field.
    fields: Vec<(String, FieldKind)>,
    /// The column of each schema field.
    columns: Vec<usize>,
    row: csv::StringRecord,
    /// The vector of the previous row's values, emptied, for its capacity.
    spare: Vec<Value<'static>>,
}

impl<R: std::io::Read> CsvRecords<R> {
    /// Bytes of the input read so far (for a progress bar).
    pub fn byte_position(&self) -> u64 {
        self.reader.position().byte()
    }

    /// Reads the next record and returns `f(line, values)` (the values in
    /// the schema's field order, borrowing the reader's buffer; `line` is
    /// 1-based, the header is line 1), or `None` at the end of the input.
    /// Blank lines are skipped.
    ///
    /// # Errors
    ///
    /// As [`parse_csv`]: [`FeatureError::CsvRowLength`],
    /// [`FeatureError::CsvCell`] and [`FeatureError::Csv`], each naming
    /// the line.
    pub fn next_with<T>(&mut self, f: impl FnOnce(u64, &[Value<'_>]) -> T) -> Result<Option<T>> {
        loop {
            if !self.reader.read_record(&mut self.row).map_err(csv_error)? {
                return Ok(None);
            }
            if self.row.len() == 1 && self.row.get(0) == Some("") {
                // A line of blanks.
                continue;
            }
            let line = self.row.position().map_or(0, csv::Position::line);
            if self.row.len() != self.width {
                return Err(FeatureError::CsvRowLength {
                    line,
                    expected: self.width,
                    got: self.row.len(),
                });
            }
            // The allocation of the previous row's vector, empty.
            let mut values: Vec<Value<'_>> = std::mem::take(&mut self.spare);
            for ((name, kind), &c) in self.fields.iter().zip(&self.columns) {
                let cell = self.row.get(c).unwrap_or_default();
                match parse_cell(cell, kind) {
                    Ok(value) => values.push(value),
                    Err(expected) => {
                        return Err(FeatureError::CsvCell {
                            line,
                            column: c + 1,
                            field: name.clone(),
                            cell: cell.to_owned(),
                            expected,
                        });
                    }
                }
            }
            let result = f(line, &values);
            values.clear();
            self.spare = values.into_iter().map(|_| Value::Missing).collect();
            return Ok(Some(result));
        }
    }

    /// Reads the next record as owned values, or `None` at the end.
    ///
    /// # Errors
    ///
    /// As [`next_with`](Self::next_with).
    pub fn next_record(&mut self) -> Result<Option<Vec<Value<'static>>>> {
        self.next_with(|_, values| values.iter().cloned().map(Value::into_owned).collect())
    }
}

fn csv_error(error: csv::Error) -> FeatureError {
    FeatureError::Csv {
        line: error.position().map_or(0, csv::Position::line),
        source: error,
    }
}

fn read_records<R: std::io::Read>(input: R, schema: &Schema) -> Result<Vec<Vec<Value<'static>>>> {
    let mut records = CsvReader::new(input)?.records(schema)?;
    let mut out = Vec::new();
    while let Some(record) = records.next_record()? {
        out.push(record);
    }
    Ok(out)
}

/// A cell as a value of `kind`, or what the field accepts.
fn parse_cell<'a>(cell: &'a str, kind: &FieldKind) -> std::result::Result<Value<'a>, &'static str> {
    if cell.is_empty() || MISSING_TOKENS.iter().any(|t| cell.eq_ignore_ascii_case(t)) {
        return Ok(Value::Missing);
    }
    match kind {
        FieldKind::Numeric(_) | FieldKind::Cyclic { .. } => match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::Number(x)),
            _ => Err("a finite number"),
        },
        FieldKind::Categorical(_) => Ok(Value::from(cell)),
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
    fn records_read_one_at_a_time_equal_the_parsed_records() {
        let text = "device,pages\n\"a,b\",1\nNA,2\nc,n/a\n";
        let all = parse_csv(text, &schema()).unwrap();
        let mut records = CsvReader::new(text.as_bytes())
            .unwrap()
            .records(&schema())
            .unwrap();
        let mut lines = Vec::new();
        let mut one_by_one = Vec::new();
        while let Some(record) = records
            .next_with(|line, values| {
                lines.push(line);
                values
                    .iter()
                    .cloned()
                    .map(Value::into_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap()
        {
            one_by_one.push(record);
        }
        assert_eq!(one_by_one, all);
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(records.byte_position(), text.len() as u64);
    }

    #[test]
    fn an_empty_input_has_an_empty_header_and_misses_every_field() {
        let reader = CsvReader::new(&b""[..]).unwrap();
        assert!(reader.header().is_empty());
        assert!(matches!(
            reader.records(&schema()),
            Err(FeatureError::CsvMissingColumn { .. })
        ));
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
            FeatureError::Io {
                operation: "read",
                path: p,
                source,
            } => {
                assert_eq!(p, path);
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }
}
