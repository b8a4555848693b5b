//! `seg schema infer`: a draft feature schema guessed from a CSV file
//! (seg-features' `infer_schema`), and the hint that points to it when a
//! file read without a schema has a cell that is not a number.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use segmentation::features::{
    FeatureError, FieldKind, InferParams, InferredSchema, infer_schema_from_csv,
};
use serde::Serialize;

use crate::csvio::{open_records_csv, record_error};
use crate::error::{CliError, Result};
use crate::output::{Report, Table, emit};
use crate::progress;

/// `seg schema …`: feature schemas.
#[derive(Debug, Subcommand)]
pub(crate) enum SchemaCommand {
    /// Guess a feature schema from a CSV file: with --json, the schema itself (the JSON that
    /// `seg segment --schema` reads); otherwise a table of the guesses and their reasons.
    #[command(after_help = INFER_EXAMPLES)]
    Infer(InferArgs),
}

const INFER_EXAMPLES: &str = "Examples:
  seg schema infer --data visitors.csv
  seg schema infer --data visitors.csv --exclude visitor_id,revenue --json > schema.json
  seg segment --data visitors.csv --schema schema.json --model-out model.json

Leave outcome columns (a purchase flag, revenue) out with --exclude: segments are
found on behaviour, and outcomes are compared across them afterwards.";

#[derive(Debug, Args)]
pub(crate) struct InferArgs {
    /// CSV file with a header row.
    #[arg(long, value_name = "X.csv")]
    pub(crate) data: PathBuf,
    /// Columns to leave out (e.g. an id or an outcome), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "a,b,...")]
    pub(crate) exclude: Vec<String>,
    /// Rows the guesses are made on: a seeded uniform sample of the file (every row when it has
    /// fewer).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub(crate) sample: usize,
    /// Most categories kept per categorical field (the others fold into `<other>`).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub(crate) max_categories: usize,
    /// Seed of the sample.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
}

/// Runs a `seg schema` command.
pub(crate) fn run(command: &SchemaCommand, json: bool, out: &mut dyn Write) -> Result<()> {
    match command {
        SchemaCommand::Infer(args) => infer(args, json, out),
    }
}

/// The schema as JSON (exactly what `--schema` reads), or the table of
/// guesses.
struct InferReport<'a> {
    data: &'a Path,
    inferred: &'a InferredSchema,
}

impl Serialize for InferReport<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.inferred.schema.serialize(serializer)
    }
}

impl Report for InferReport<'_> {
    fn table(&self) -> String {
        let inferred = self.inferred;
        let mut head = Table::kv();
        head.pair(
            "rows",
            format!(
                "{} read, {} sampled",
                inferred.rows_read, inferred.rows_sampled
            ),
        )
        .pair(
            "fields",
            format!(
                "{} of {} columns",
                inferred.schema.fields().len(),
                inferred.columns.len()
            ),
        );
        let mut t = Table::with_header(["column", "kind", "encoding", "reason"]);
        for c in &inferred.columns {
            t.row([
                c.column.clone(),
                c.guess.name().to_owned(),
                c.guess.kind().map(encoding).unwrap_or_default(),
                c.reason.clone(),
            ]);
        }
        format!(
            "{}\n{}\nsave it with: seg schema infer --data {} --json > schema.json\n",
            head.render(),
            t.render(),
            shell_word(self.data)
        )
    }
}

/// The options of a field kind, short.
fn encoding(kind: &FieldKind) -> String {
    match kind {
        FieldKind::Numeric(spec) => {
            let mut parts = vec![json_name(&spec.scaler())];
            if spec.uses_log1p() {
                parts.push("log1p".to_owned());
            }
            if let Some([lo, hi]) = spec.quantiles() {
                parts.push(format!("clip {lo}-{hi}"));
            }
            if spec.has_missing_indicator() {
                parts.push("missing indicator".to_owned());
            }
            parts.join(", ")
        }
        FieldKind::Categorical(spec) => {
            let mut parts = Vec::new();
            if let Some(n) = spec.max_categories_value() {
                parts.push(format!("at most {n}"));
            }
            parts.push(format!("unknown {}", json_name(&spec.unknown_policy())));
            parts.join(", ")
        }
        FieldKind::Cyclic { period } => format!("period {period}"),
        FieldKind::Boolean => String::new(),
    }
}

/// The name of a unit variant in the schema's JSON (`min_max`, `other`).
fn json_name(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn infer(args: &InferArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    for (parameter, value) in [
        ("sample", args.sample),
        ("max-categories", args.max_categories),
    ] {
        if value == 0 {
            return Err(CliError::arg(parameter, "0", "must be at least 1"));
        }
    }
    let path = &args.data;
    let reader = open_records_csv(path)?;
    let header = reader.header();
    // Names as the header has them: trimmed, blanks (`a,,b`) ignored.
    let exclude: Vec<&str> = args
        .exclude
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(absent) = exclude.iter().find(|c| !header.iter().any(|h| h == *c)) {
        return Err(CliError::UnknownColumn {
            path: path.clone(),
            column: (*absent).to_owned(),
            available: header.join(","),
        });
    }
    let params = InferParams::new()
        .exclude(exclude)
        .sample(args.sample)
        .max_categories(args.max_categories)
        .seed(args.seed);
    let spinner = progress::spinner("reading a sample");
    let inferred = infer_schema_from_csv(reader, &params).map_err(|e| match e {
        FeatureError::EmptyInput => CliError::NoRows { path: path.clone() },
        source @ FeatureError::NoUsableColumn { .. } => CliError::Features {
            path: path.clone(),
            source,
        },
        other => record_error(path, other),
    })?;
    spinner.finish_and_clear();
    emit(
        out,
        json,
        &InferReport {
            data: path,
            inferred: &inferred,
        },
    )
}

/// `path` as one word of a shell command line: as it is when it has only
/// letters, digits and `_./-+,:@%`, else in single quotes.
fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-+,:@%".contains(c));
    if plain {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Adds to an error of a file read without a schema (`seg segment` without
/// `--schema`) the hint that a schema reads it, when one would: a cell that
/// is text or empty (a schema reads text as a category, an empty cell or
/// `NA` as a missing value). Other errors are returned as they are.
pub(crate) fn hint_schema(error: CliError) -> CliError {
    match error {
        CliError::BadValue {
            path,
            line,
            column,
            value,
            reason,
        } if reason.starts_with("is not a number") || reason.starts_with("is empty") => {
            let command = format!(
                "seg schema infer --data {} --json > schema.json",
                shell_word(&path)
            );
            CliError::NeedsSchema {
                path,
                line,
                column,
                value,
                reason,
                command,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_spaces_or_quotes_are_quoted_for_the_shell() {
        assert_eq!(shell_word(Path::new("data/x-1.csv")), "data/x-1.csv");
        assert_eq!(shell_word(Path::new("my data.csv")), "'my data.csv'");
        assert_eq!(shell_word(Path::new("it's.csv")), r"'it'\''s.csv'");
    }

    #[test]
    fn text_and_empty_cells_get_the_hint_and_other_errors_do_not() {
        let bad = |value: &str, reason| CliError::BadValue {
            path: PathBuf::from("shop.csv"),
            line: 2,
            column: "Month".to_owned(),
            value: value.to_owned(),
            reason,
        };
        let hinted = hint_schema(bad("Feb", "is not a number")).to_string();
        assert_eq!(
            hinted,
            "`shop.csv` line 2, column \"Month\": \"Feb\" is not a number; write a schema, \
             e.g. `seg schema infer --data shop.csv --json > schema.json`, and pass it \
             with --schema schema.json"
        );
        let hinted = hint_schema(bad("", "is empty: every cell must be a number"));
        assert!(matches!(hinted, CliError::NeedsSchema { .. }));
        assert_eq!(hinted.exit_code(), crate::INPUT_EXIT_CODE);
        let inf = hint_schema(bad("inf", "is not a finite number"));
        assert!(matches!(inf, CliError::BadValue { .. }));
        let rows = hint_schema(CliError::NoRows {
            path: PathBuf::from("x.csv"),
        });
        assert!(matches!(rows, CliError::NoRows { .. }));
    }
}
