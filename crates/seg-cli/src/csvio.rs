//! CSV input (numeric matrices, label columns) and atomic output files.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// A CSV error as a [`CliError::CsvRow`] naming the line.
pub(crate) fn csv_error(path: &Path, error: &csv::Error) -> CliError {
    if let csv::ErrorKind::Io(e) = error.kind() {
        return CliError::CsvRow {
            path: path.to_owned(),
            line: error.position().map_or(0, csv::Position::line),
            reason: format!("cannot read: {e}"),
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

/// A file written under a temporary name in the destination's folder and
/// renamed onto the destination by [`AtomicFile::commit`]; dropped without
/// a commit, the temporary file is removed, so a failure never leaves a
/// partial output.
#[derive(Debug)]
pub(crate) struct AtomicFile {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl AtomicFile {
    /// Creates the temporary file beside `dest`.
    pub(crate) fn create(dest: &Path) -> Result<Self> {
        let name = dest.file_name().ok_or_else(|| CliError::Io {
            path: dest.to_owned(),
            operation: "create",
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
        })?;
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(
            ".{}.tmp-{}-{n}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::create(&tmp).map_err(|source| CliError::Io {
            path: dest.to_owned(),
            operation: "create",
            source,
        })?;
        Ok(AtomicFile {
            dest: dest.to_owned(),
            tmp,
            file: Some(BufWriter::new(file)),
        })
    }

    fn io(&self, operation: &'static str, source: std::io::Error) -> CliError {
        CliError::Io {
            path: self.dest.clone(),
            operation,
            source,
        }
    }

    /// Flushes, syncs and renames onto the destination; on failure the
    /// temporary file is removed.
    pub(crate) fn commit(mut self) -> Result<()> {
        let result = self.finish();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.file.take() {
            let file = w
                .into_inner()
                .map_err(|e| self.io("write", e.into_error()))?;
            file.sync_all().map_err(|e| self.io("write", e))?;
        }
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| self.io("rename onto", e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            self.file = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
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
        let file = AtomicFile::create(dest)?;
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

/// How a cell of a schema field is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellKind {
    Number,
    Text,
    Bool,
}

/// Texts read as a missing value (any case), besides the empty cell: the
/// rules of seg-features' CSV reader.
const MISSING_TOKENS: [&str; 4] = ["na", "n/a", "null", "none"];

/// The records of a CSV file in the field order of a feature schema, read
/// one at a time (memory independent of the number of rows). Cells follow
/// seg-features' CSV rules: numbers for numeric and cyclic fields, text for
/// categorical fields, `true/false/1/0/yes/no` for boolean fields; an empty
/// cell, `NA`, `N/A`, `null` or `none` is a missing value.
#[derive(Debug)]
pub(crate) struct RecordRows {
    reader: csv::Reader<BufReader<File>>,
    path: PathBuf,
    names: Vec<String>,
    kinds: Vec<CellKind>,
    columns: Vec<usize>,
    width: usize,
    record: csv::ByteRecord,
    spare: Vec<segmentation::features::Value<'static>>,
}

impl RecordRows {
    /// Opens `path` and matches its header to the fields of `schema`.
    pub(crate) fn open(path: &Path, schema: &segmentation::features::Schema) -> Result<Self> {
        use segmentation::features::FieldKind;
        let mut reader = open_csv(path)?;
        let header = header(&mut reader, path)?;
        let names: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        let columns = select_columns(path, &header, Some(&names))?;
        let kinds = schema
            .fields()
            .iter()
            .map(|f| match f.kind() {
                FieldKind::Categorical(_) => CellKind::Text,
                FieldKind::Boolean => CellKind::Bool,
                _ => CellKind::Number,
            })
            .collect();
        Ok(RecordRows {
            reader,
            path: path.to_owned(),
            spare: Vec::with_capacity(names.len()),
            names,
            kinds,
            columns,
            width: header.len(),
            record: csv::ByteRecord::new(),
        })
    }

    /// Bytes read so far (for a progress bar).
    pub(crate) fn byte_position(&self) -> u64 {
        self.reader.position().byte()
    }

    /// Reads the next record and calls `f(line, values)` on it; `false` at
    /// the end of the file. The values borrow the reader's buffer, and the
    /// vector holding them is reused from row to row.
    pub(crate) fn next_with(
        &mut self,
        f: &mut dyn FnMut(u64, &[segmentation::features::Value<'_>]) -> Result<()>,
    ) -> Result<bool> {
        use segmentation::features::Value;
        loop {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.path, &e))?;
            if !more {
                return Ok(false);
            }
            if self.record.len() == 1 && self.record.get(0) == Some(b"") {
                continue;
            }
            let line = self.record.position().map_or(0, csv::Position::line);
            if self.record.len() != self.width {
                return Err(CliError::CsvRow {
                    path: self.path.clone(),
                    line,
                    reason: format!("{} cells, the header has {}", self.record.len(), self.width),
                });
            }
            // Reuse the allocation of the previous row's vector (it is empty).
            let mut values: Vec<Value<'_>> = std::mem::take(&mut self.spare);
            for ((&c, &kind), name) in self.columns.iter().zip(&self.kinds).zip(&self.names) {
                let cell = self.record.get(c).unwrap_or_default();
                let bad = |value: &[u8], reason: &'static str| CliError::BadValue {
                    path: self.path.clone(),
                    line,
                    column: name.clone(),
                    value: String::from_utf8_lossy(value).into_owned(),
                    reason,
                };
                let text =
                    std::str::from_utf8(cell).map_err(|_| bad(cell, "is not valid UTF-8"))?;
                let value = if text.is_empty()
                    || MISSING_TOKENS.iter().any(|t| text.eq_ignore_ascii_case(t))
                {
                    Value::Missing
                } else {
                    match kind {
                        CellKind::Number => match text.parse::<f64>() {
                            Ok(x) if x.is_finite() => Value::Number(x),
                            Ok(_) => return Err(bad(cell, "is not a finite number")),
                            Err(_) => return Err(bad(cell, "is not a number")),
                        },
                        CellKind::Text => Value::from(text),
                        CellKind::Bool => match text.to_ascii_lowercase().as_str() {
                            "true" | "1" | "yes" => Value::Bool(true),
                            "false" | "0" | "no" => Value::Bool(false),
                            _ => {
                                return Err(bad(
                                    cell,
                                    "is not a boolean (true/false, 1/0, yes/no)",
                                ));
                            }
                        },
                    }
                };
                values.push(value);
            }
            let result = f(line, &values);
            values.clear();
            self.spare = values.into_iter().map(|_| Value::Missing).collect();
            result?;
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_file_dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dest = dir.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&dest).expect("create");
            f.write_all(b"partial").expect("write");
        }
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
        let mut f = AtomicFile::create(&dest).expect("create");
        f.write_all(b"whole").expect("write");
        f.commit().expect("commit");
        assert_eq!(std::fs::read(&dest).expect("read"), b"whole");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A destination that is a non-empty folder cannot be replaced by a file.
        let dest = dir.path().join("taken");
        std::fs::create_dir(&dest).expect("mkdir");
        std::fs::write(dest.join("x"), b"x").expect("write");
        let f = AtomicFile::create(&dest).expect("create");
        assert!(f.commit().is_err());
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
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
