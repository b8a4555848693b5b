//! CSV input (numeric matrices, label columns) and atomic output files.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

pub(crate) use seg_artifact::AtomicFile;
use segmentation::features::{CsvReader, CsvRecords, FeatureError, Schema, Value};
use segmentation::ndarray::Array2;

use crate::error::{CliError, Result};

/// Opens a CSV reader on `path` with the tool's rules: a header row, cells
/// and names trimmed, rows of any length (checked by the caller to name both
/// counts).
pub(crate) fn open_csv(path: &Path) -> Result<csv::Reader<BufReader<File>>> {
    let file = File::open(path).map_err(|source| CliError::Io {
        path: path.to_owned(),
        operation: "read",
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(BufReader::with_capacity(1 << 16, file)))
}

/// The header of `reader` as strings.
///
/// # Errors
/// [`CliError::EmptyFile`] for an empty file, [`CliError::CsvRow`] for a
/// header that is not UTF-8 or that the reader rejects.
pub(crate) fn header<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    path: &Path,
) -> Result<Vec<String>> {
    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(path, &e))?
        .clone();
    if header.is_empty() || (header.len() == 1 && header.get(0) == Some(b"")) {
        return Err(CliError::EmptyFile {
            path: path.to_owned(),
        });
    }
    header
        .iter()
        .map(|name| {
            std::str::from_utf8(name)
                .map(str::to_owned)
                .map_err(|_| CliError::CsvRow {
                    path: path.to_owned(),
                    line: 1,
                    reason: "the header is not valid UTF-8".to_owned(),
                })
        })
        .collect()
}

/// A CSV error as a [`CliError::CsvRow`] naming the line, or a
/// [`CliError::Io`] (with the kind of the system's error, which decides
/// the exit code) when the file cannot be read.
pub(crate) fn csv_error(path: &Path, error: &csv::Error) -> CliError {
    if let csv::ErrorKind::Io(e) = error.kind() {
        return CliError::Io {
            operation: "read",
            path: path.to_owned(),
            source: std::io::Error::new(e.kind(), e.to_string()),
        };
    }
    let line = error.position().map_or(0, csv::Position::line);
    let reason = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => error.to_string(),
    };
    CliError::CsvRow {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// The positions of `columns` in `header`, or every column when `None`.
pub(crate) fn select_columns(
    path: &Path,
    header: &[String],
    columns: Option<&[String]>,
) -> Result<Vec<usize>> {
    match columns {
        None => Ok((0..header.len()).collect()),
        Some(names) => names
            .iter()
            .map(|name| {
                header
                    .iter()
                    .position(|h| h == name)
                    .ok_or_else(|| CliError::UnknownColumn {
                        path: path.to_owned(),
                        column: name.clone(),
                        available: header.join(","),
                    })
            })
            .collect(),
    }
}

/// Parses one numeric cell: a finite number.
pub(crate) fn parse_number(path: &Path, line: u64, column: &str, cell: &[u8]) -> Result<f64> {
    let bad = |value: String, reason: &'static str| CliError::BadValue {
        path: path.to_owned(),
        line,
        column: column.to_owned(),
        value,
        reason,
    };
    let text = std::str::from_utf8(cell).map_err(|_| {
        bad(
            String::from_utf8_lossy(cell).into_owned(),
            "is not valid UTF-8",
        )
    })?;
    if text.is_empty() {
        return Err(bad(String::new(), "is empty: every cell must be a number"));
    }
    let v: f64 = text
        .parse()
        .map_err(|_| bad(text.to_owned(), "is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(bad(text.to_owned(), "is not a finite number"))
    }
}

/// A numeric CSV read one record at a time (memory independent of the
/// number of rows).
#[derive(Debug)]
pub(crate) struct NumericRows {
    reader: csv::Reader<BufReader<File>>,
    path: PathBuf,
    names: Vec<String>,
    columns: Vec<usize>,
    width: usize,
    record: csv::ByteRecord,
}

impl NumericRows {
    /// Opens `path` and selects `columns` (all when `None`).
    pub(crate) fn open(path: &Path, columns: Option<&[String]>) -> Result<Self> {
        let mut reader = open_csv(path)?;
        let header = header(&mut reader, path)?;
        let selected = select_columns(path, &header, columns)?;
        Ok(NumericRows {
            reader,
            path: path.to_owned(),
            names: selected.iter().map(|&i| header[i].clone()).collect(),
            columns: selected,
            width: header.len(),
            record: csv::ByteRecord::new(),
        })
    }

    /// The selected column names.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Reads the next row into `row` (`names().len()` values); `None` at the end.
    pub(crate) fn next_into(&mut self, row: &mut [f64]) -> Result<Option<u64>> {
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.path, &e))?;
            if !more {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            // A blank line: skipped, as seg-features does.
            if self.record.len() == 1 && self.record.get(0) == Some(b"") {
                continue;
            }
            if self.record.len() != self.width {
                return Err(CliError::CsvRow {
                    path: self.path.clone(),
                    line,
                    reason: format!("{} cells, the header has {}", self.record.len(), self.width),
                });
            }
            for ((slot, &c), name) in row.iter_mut().zip(&self.columns).zip(&self.names) {
                let cell = self.record.get(c).unwrap_or_default();
                *slot = parse_number(&self.path, line, name, cell)?;
            }
            return Ok(Some(line));
        }
    }
}

/// Reads a whole numeric CSV into an n × d matrix.
///
/// # Errors
/// Every CSV error of [`NumericRows`]; [`CliError::NoRows`] without data rows.
pub(crate) fn read_matrix(
    path: &Path,
    columns: Option<&[String]>,
) -> Result<(Vec<String>, Array2<f64>)> {
    let mut rows = NumericRows::open(path, columns)?;
    let d = rows.names().len();
    let mut data = Vec::new();
    let mut row = vec![0.0; d];
    let mut n = 0_usize;
    while rows.next_into(&mut row)?.is_some() {
        data.extend_from_slice(&row);
        n += 1;
    }
    if n == 0 {
        return Err(CliError::NoRows {
            path: path.to_owned(),
        });
    }
    let names = rows.names().to_vec();
    let x = Array2::from_shape_vec((n, d), data).map_err(|e| CliError::Mismatch {
        reason: format!("`{}`: {e}", path.display()),
    })?;
    Ok((names, x))
}

/// Reads a labels file: the column `label` (or the only column), one
/// non-negative integer per row.
pub(crate) fn read_labels(path: &Path) -> Result<Vec<usize>> {
    let mut reader = open_csv(path)?;
    let header = header(&mut reader, path)?;
    let column = match header.iter().position(|h| h == "label") {
        Some(c) => c,
        None if header.len() == 1 => 0,
        None => {
            return Err(CliError::UnknownColumn {
                path: path.to_owned(),
                column: "label".to_owned(),
                available: header.join(","),
            });
        }
    };
    let name = header[column].clone();
    let mut labels = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, &e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() == 1 && record.get(0) == Some(b"") {
            continue;
        }
        if record.len() != header.len() {
            return Err(CliError::CsvRow {
                path: path.to_owned(),
                line,
                reason: format!("{} cells, the header has {}", record.len(), header.len()),
            });
        }
        let cell = record.get(column).unwrap_or_default();
        let text = String::from_utf8_lossy(cell);
        let label: usize = text.parse().map_err(|_| CliError::BadValue {
            path: path.to_owned(),
            line,
            column: name.clone(),
            value: text.clone().into_owned(),
            reason: "is not a non-negative integer label",
        })?;
        labels.push(label);
    }
    if labels.is_empty() {
        return Err(CliError::NoRows {
            path: path.to_owned(),
        });
    }
    Ok(labels)
}

/// Creates the output file `dest` (see [`AtomicFile`]): written under a
/// unique temporary name in its folder, put in place by
/// [`AtomicFile::commit`], removed when dropped without a commit, so a
/// failure never leaves a partial output.
pub(crate) fn create_output(dest: &Path) -> Result<AtomicFile> {
    AtomicFile::create(dest).map_err(|e| match e {
        // Name the output the user asked for rather than its folder.
        seg_artifact::ArtifactError::Folder { source, .. } => CliError::Io {
            path: dest.to_owned(),
            operation: "create",
            source,
        },
        other => other.into(),
    })
}

/// A CSV writer of labels (header `label`) into an [`AtomicFile`].
#[derive(Debug)]
pub(crate) struct LabelWriter {
    writer: csv::Writer<AtomicFile>,
    dest: PathBuf,
}

impl LabelWriter {
    /// Creates the temporary file and writes the header.
    pub(crate) fn create(dest: &Path) -> Result<Self> {
        let file = create_output(dest)?;
        let mut w = LabelWriter {
            writer: csv::Writer::from_writer(file),
            dest: dest.to_owned(),
        };
        w.writer.write_record(["label"]).map_err(|e| w.err(&e))?;
        Ok(w)
    }

    fn err(&self, e: &csv::Error) -> CliError {
        CliError::Io {
            path: self.dest.clone(),
            operation: "write",
            source: std::io::Error::other(e.to_string()),
        }
    }

    /// Appends one label.
    pub(crate) fn push(&mut self, label: usize) -> Result<()> {
        let mut buf = [0_u8; 24];
        let text = format_usize(label, &mut buf);
        self.writer.write_record([text]).map_err(|e| self.err(&e))
    }

    /// Flushes and returns the file, ready to commit.
    pub(crate) fn finish(self) -> Result<AtomicFile> {
        let dest = self.dest.clone();
        self.writer.into_inner().map_err(|e| CliError::Io {
            path: dest,
            operation: "write",
            source: std::io::Error::other(e.error().to_string()),
        })
    }
}

/// Writes `labels` to a new [`LabelWriter`] and returns the file, ready to commit.
pub(crate) fn write_labels(dest: &Path, labels: &[usize]) -> Result<AtomicFile> {
    let mut w = LabelWriter::create(dest)?;
    for &l in labels {
        w.push(l)?;
    }
    w.finish()
}

/// Decimal digits of `v` in `buf`, without allocating.
fn format_usize(mut v: usize, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The records of a CSV file in the field order of a feature schema, read
/// one at a time by seg-features' CSV record reader
/// ([`CsvRecords`]: its cell rules and missing values), with its errors
/// told as the tool's: the file, the line, the column and the value.
#[derive(Debug)]
pub(crate) struct RecordRows {
    records: CsvRecords<BufReader<File>>,
    path: PathBuf,
}

/// Opens the CSV file `path` with a header row (seg-features' reader: the
/// tool's quoting and missing tokens); an empty file or header is
/// [`CliError::EmptyFile`].
pub(crate) fn open_records_csv(path: &Path) -> Result<CsvReader<BufReader<File>>> {
    let file = File::open(path).map_err(|source| CliError::Io {
        path: path.to_owned(),
        operation: "read",
        source,
    })?;
    let reader = CsvReader::new(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| record_error(path, e))?;
    let header = reader.header();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(CliError::EmptyFile {
            path: path.to_owned(),
        });
    }
    Ok(reader)
}

impl RecordRows {
    /// Opens `path` and matches its header to the fields of `schema`.
    pub(crate) fn open(path: &Path, schema: &Schema) -> Result<Self> {
        let reader = open_records_csv(path)?;
        let header = reader.header();
        let available = header.join(",");
        let records = reader.records(schema).map_err(|e| match e {
            FeatureError::CsvMissingColumn { field } => CliError::UnknownColumn {
                path: path.to_owned(),
                column: field,
                available,
            },
            other => record_error(path, other),
        })?;
        Ok(RecordRows {
            records,
            path: path.to_owned(),
        })
    }

    /// Bytes read so far (for a progress bar).
    pub(crate) fn byte_position(&self) -> u64 {
        self.records.byte_position()
    }

    /// Calls `f(line, values)` on every record, with a progress bar of the
    /// bytes read labelled `message`; returns the number of records.
    ///
    /// # Errors
    /// The first error of `f` or of the reader; [`CliError::NoRows`] for a
    /// file without records.
    pub(crate) fn stream(
        &mut self,
        message: &'static str,
        f: &mut dyn FnMut(u64, &[Value<'_>]) -> Result<()>,
    ) -> Result<u64> {
        /// Records between two updates of the progress bar.
        const PROGRESS_EVERY: u64 = 1 << 14;
        let total = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        let bar = crate::progress::bytes_bar(total, message);
        let mut n = 0_u64;
        while self.next_with(f)? {
            n += 1;
            if n.is_multiple_of(PROGRESS_EVERY) {
                bar.set_position(self.byte_position());
            }
        }
        bar.finish_and_clear();
        if n == 0 {
            return Err(CliError::NoRows {
                path: self.path.clone(),
            });
        }
        Ok(n)
    }

    /// Reads the next record and calls `f(line, values)` on it; `false` at
    /// the end of the file. The values borrow the reader's buffer.
    pub(crate) fn next_with(
        &mut self,
        f: &mut dyn FnMut(u64, &[Value<'_>]) -> Result<()>,
    ) -> Result<bool> {
        match self.records.next_with(|line, values| f(line, values)) {
            Ok(Some(result)) => result.map(|()| true),
            Ok(None) => Ok(false),
            Err(e) => Err(record_error(&self.path, e)),
        }
    }
}

/// An error of seg-features' CSV reader as the tool tells it.
pub(crate) fn record_error(path: &Path, error: FeatureError) -> CliError {
    match error {
        FeatureError::Csv { source, .. } => csv_error(path, &source),
        FeatureError::CsvRowLength {
            line,
            expected,
            got,
        } => CliError::CsvRow {
            path: path.to_owned(),
            line,
            reason: format!("{got} cells, the header has {expected}"),
        },
        FeatureError::CsvCell {
            line,
            field,
            cell,
            expected,
            ..
        } => {
            let reason = match expected {
                "a boolean" => "is not a boolean (true/false, 1/0, yes/no)",
                _ if cell.parse::<f64>().is_ok() => "is not a finite number",
                _ => "is not a number",
            };
            CliError::BadValue {
                path: path.to_owned(),
                line,
                column: field,
                value: cell,
                reason,
            }
        }
        source => CliError::Features {
            path: path.to_owned(),
            source,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_in_a_missing_folder_names_the_output() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dest = dir.path().join("no").join("p.svg");
        match create_output(&dest).unwrap_err() {
            CliError::Io { path, .. } => assert_eq!(path, dest),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn record_errors_name_the_line_the_column_and_the_value() {
        use segmentation::features::{Numeric, Schema};
        let dir = tempfile::tempdir().expect("temp dir");
        let schema = Schema::builder()
            .numeric("y", Numeric::default())
            .boolean("b")
            .build()
            .expect("schema");
        for (text, expected) in [
            (
                "y,b\n1,true\n2,oops\n",
                "line 3, column \"b\": \"oops\" is not a boolean",
            ),
            (
                "y,b\n1,true\ninf,no\n",
                "line 3, column \"y\": \"inf\" is not a finite number",
            ),
            (
                "y,b\nx,true\n",
                "line 2, column \"y\": \"x\" is not a number",
            ),
            ("y,b\n1\n", "line 2: 1 cells, the header has 2"),
            ("b\ntrue\n", "has no column \"y\" (columns: b)"),
            ("", "is empty"),
        ] {
            let path = dir.path().join("x.csv");
            std::fs::write(&path, text).expect("write");
            let err = RecordRows::open(&path, &schema).and_then(|mut rows| {
                while rows.next_with(&mut |_, _| Ok(()))? {}
                Ok(())
            });
            let message = err.expect_err(text).to_string();
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn missing_values_of_every_kind_are_read_as_missing() {
        use segmentation::features::{Categorical, Numeric, Schema};
        let dir = tempfile::tempdir().expect("temp dir");
        let schema = Schema::builder()
            .numeric("y", Numeric::default())
            .categorical("c", Categorical::new())
            .boolean("b")
            .build()
            .expect("schema");
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "y,c,b\nNA,null,None\n1,web,yes\n").expect("write");
        let mut rows = RecordRows::open(&path, &schema).expect("open");
        let mut seen = Vec::new();
        while rows
            .next_with(&mut |line, values| {
                seen.push((
                    line,
                    values
                        .iter()
                        .cloned()
                        .map(Value::into_owned)
                        .collect::<Vec<_>>(),
                ));
                Ok(())
            })
            .expect("row")
        {}
        assert_eq!(
            seen,
            [
                (2, vec![Value::Missing, Value::Missing, Value::Missing]),
                (
                    3,
                    vec![Value::from(1.0), Value::from("web"), Value::from(true)]
                ),
            ]
        );
    }

    #[test]
    fn labels_are_formatted_without_allocation() {
        let mut buf = [0_u8; 24];
        assert_eq!(format_usize(0, &mut buf), b"0");
        assert_eq!(format_usize(1_234_567, &mut buf), b"1234567");
        assert_eq!(
            format_usize(usize::MAX, &mut buf),
            usize::MAX.to_string().as_bytes()
        );
    }

    #[test]
    fn numbers_must_be_finite_and_present() {
        let p = Path::new("x.csv");
        assert_eq!(parse_number(p, 2, "a", b"1.5").ok(), Some(1.5));
        for bad in [&b""[..], b"nan", b"inf", b"1e999", b"abc", b"\xff"] {
            assert!(matches!(
                parse_number(p, 2, "a", bad),
                Err(CliError::BadValue { line: 2, .. })
            ));
        }
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<CliError>();
    }
}
