//! Printing results: one JSON object with `--json`, a readable table otherwise.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::error::{CliError, Result};

/// A result that prints as JSON or as a table.
pub(crate) trait Report: Serialize {
    /// The readable form, ending with a newline.
    fn table(&self) -> String;
}

/// Prints `report` on `out`: one JSON object and a newline with `json`,
/// the table otherwise.
pub(crate) fn emit<R: Report>(out: &mut dyn Write, json: bool, report: &R) -> Result<()> {
    let text = if json {
        let mut s = serde_json::to_string(report).map_err(|source| CliError::Json { source })?;
        s.push('\n');
        s
    } else {
        report.table()
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| CliError::Io {
            path: PathBuf::from("<stdout>"),
            operation: "write",
            source,
        })
}

/// A number for a table: up to 6 significant digits, integers as integers.
pub(crate) fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let a = v.abs();
    if (1e-4..1e6).contains(&a) {
        let digits = 5 - a.log10().floor() as i32;
        let digits = digits.clamp(0, 12) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        format!("{v:.5e}")
    }
}

/// A text table with an optional header row, columns padded to align.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Vec<String>>,
    header: bool,
}

impl Table {
    /// A table whose first row is a header (underlined when rendered).
    pub(crate) fn with_header<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Table {
            rows: vec![header.into_iter().map(Into::into).collect()],
            header: true,
        }
    }

    /// A two-column key/value table.
    pub(crate) fn kv() -> Self {
        Table::default()
    }

    /// Appends a row.
    pub(crate) fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// Appends a key/value row.
    pub(crate) fn pair(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.row([key.to_owned(), value.into()])
    }

    /// The aligned text, each row on its own line.
    pub(crate) fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; columns];
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            let mut line = String::new();
            for (j, cell) in row.iter().enumerate() {
                if j > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                if j + 1 < row.len() {
                    let pad = widths[j] - cell.chars().count();
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
            if i == 0 && self.header {
                let total: usize = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
                out.extend(std::iter::repeat_n('-', total));
                out.push('\n');
            }
        }
        out
    }
}

/// A list of numbers for a table cell: `a, b, c`.
pub(crate) fn list<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_tables_are_short_but_integers_exact() {
        assert_eq!(num(31234.0), "31234");
        assert_eq!(num(0.801_550_688_320_481), "0.801551");
        assert_eq!(num(31233.43794012995), "31233.4");
        assert_eq!(num(1.5e-9), "1.50000e-9");
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::with_header(["k", "silhouette"]);
        t.row(["2", "0.5"]).row(["10", "0.25"]);
        assert_eq!(
            t.render(),
            "k   silhouette\n--------------\n2   0.5\n10  0.25\n"
        );
    }
}
