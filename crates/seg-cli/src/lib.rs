//! The `seg` command-line tool of the `segmentation` workspace.
//!
//! Every capability of the workspace on CSV files and databases, for data
//! scientists and for services written in other languages: clustering
//! metrics, experiment planning, sample-ratio mismatch, multiple-testing
//! corrections, Bayesian comparisons, segmentation models (fit, assign,
//! drift) and Thompson-sampling bandit state in SQLite or PostgreSQL.
//!
//! The binary is a thin wrapper around [`main_entry`]; [`run`] runs one
//! command line and writes its result to any writer. Every command prints a
//! readable table, or one JSON object with `--json`.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success (also when the reader of standard output goes away, `seg … \| head`) |
//! | 2 ([`INPUT_EXIT_CODE`]) | bad input: a command line that does not parse, an option value out of its domain, a file the user named that does not exist, is not accessible, is not a regular file, is too large or is malformed (CSV, JSON, a model, a database file that is not a database), an output path inside a folder that does not exist or inside a regular file, a bandit database that does not exist, a PostgreSQL URL whose credentials or database are refused |
//! | 74 ([`IO_EXIT_CODE`], `EX_IOERR`) | a disk or database that fails: an output that cannot be written (full disk, read-only file system, failed sync or rename, failed write to standard output), a read that fails with an error of the system, a SQLite database that is locked, busy or fails to read or write, a PostgreSQL server that cannot be reached or fails |
//! | 70 ([`PANIC_EXIT_CODE`], `EX_SOFTWARE`) | an internal error (a panic), which no input should cause |
//!
//! Every error is one line on stderr, `seg: error: …` with its causes (see
//! [`CliError`] and [`CliError::exit_code`]).
//!
//! ```
//! let mut out = Vec::new();
//! seg_cli::run(["seg", "srm", "--counts", "5000,5100", "--json"], &mut out)?;
//! let v: serde_json::Value = serde_json::from_slice(&out)?;
//! assert_eq!(v["mismatch"], false);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod cli;
mod csvio;
mod error;
mod evaluate;
mod model;
mod output;
mod profile;
mod progress;
mod schema;
mod state;
mod stats;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use crate::error::{CliError, Result};
pub use crate::state::is_postgres_url;

use crate::cli::{Cli, Command, PowerCommand, StateCommand};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The exit code for bad input (the code clap uses for a command line that
/// does not parse): an argument out of its domain, or a file the user named
/// that is missing, unreadable, not a regular file, too large or malformed.
pub const INPUT_EXIT_CODE: u8 = 2;

/// The exit code for a disk or database that fails (`EX_IOERR` of
/// sysexits.h): an output that cannot be written (a full disk, a failed
/// sync or rename, a read-only file system), a read that fails with an
/// error of the system, a SQLite database that is locked or fails to read
/// or write, a PostgreSQL server that cannot be reached or fails.
pub const IO_EXIT_CODE: u8 = 74;

/// The exit code after a panic, which no input should cause (`EX_SOFTWARE`).
pub const PANIC_EXIT_CODE: i32 = 70;

/// Runs one command line (`args[0]` is the program name) and writes the
/// result to `out`. `--help` and `--version` print to `out` too.
///
/// # Errors
/// [`CliError::Usage`] for a command line that does not parse; any other
/// [`CliError`] for bad input.
pub fn run<I, T>(args: I, out: &mut dyn Write) -> Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let text = e.render().to_string();
                    out.write_all(text.as_bytes())
                        .map_err(|source| CliError::Io {
                            path: "<stdout>".into(),
                            operation: "write",
                            source,
                        })
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Err(CliError::Usage {
                    message: "a subcommand is needed (see `seg --help`)".to_owned(),
                }),
                _ => Err(CliError::Usage {
                    message: first_line(&e.render().to_string()),
                }),
            };
        }
    };
    dispatch(&cli, out)
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid command line");
    line.trim()
        .strip_prefix("error: ")
        .unwrap_or(line.trim())
        .to_owned()
}

fn dispatch(cli: &Cli, out: &mut dyn Write) -> Result<()> {
    let json = cli.json;
    match &cli.command {
        Command::Metrics(a) => stats::metrics(a, json, out),
        Command::Power(PowerCommand::Proportions(a)) => stats::proportions(a, json, out),
        Command::Power(PowerCommand::Means(a)) => stats::means(a, json, out),
        Command::Power(PowerCommand::Achieved(a)) => stats::achieved(a, json, out),
        Command::Power(PowerCommand::Mde(a)) => stats::mde(a, json, out),
        Command::Srm(a) => stats::srm(a, json, out),
        Command::Adjust(a) => stats::adjust(a, json, out),
        Command::Bayes(a) => stats::bayes(a, json, out),
        Command::Segment(a) => model::segment(a, json, out),
        Command::Profile(a) => profile::profile(a, json, out),
        Command::Assign(a) => model::assign(a, json, out),
        Command::Drift(a) => model::drift(a, json, out),
        Command::Demo(a) => model::demo(a, json, out),
        Command::Evaluate(a) => evaluate::evaluate(a, json, out),
        Command::Schema(c) => schema::run(c, json, out),
        Command::State(StateCommand::Init(a)) => state::init(a, json, out),
        Command::State(StateCommand::Record(a)) => state::record(a, json, out),
        Command::State(StateCommand::Choose(a)) => state::choose(a, json, out),
        Command::State(StateCommand::Reward(a)) => state::reward(a, json, out),
        Command::State(StateCommand::Evaluate(a)) => state::evaluate(a, json, out),
        Command::State(StateCommand::Show(a)) => state::show(a, json, out),
    }
}

/// The `seg` program: runs the process's command line, prints the result on
/// stdout and any error as one line on stderr, and returns the exit code
/// (0, or [`CliError::exit_code`]).
///
/// A panic hook prints one line and exits with [`PANIC_EXIT_CODE`] without
/// a backtrace; no input is known to reach it.
#[must_use]
pub fn main_entry() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let line = format!("seg: internal error{place}: {message}");
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            line.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        std::process::exit(PANIC_EXIT_CODE);
    }));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match run(std::env::args_os(), &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Io {
            ref path,
            ref source,
            ..
        }) if path.as_os_str() == "<stdout>" && source.kind() == std::io::ErrorKind::BrokenPipe => {
            // The reader went away (`seg … | head`): nothing left to say.
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "seg: error: {}", e.one_line());
            ExitCode::from(e.exit_code())
        }
    }
}
