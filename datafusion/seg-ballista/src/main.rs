//! `seg-ballista`: a Ballista scheduler or executor with the segmentation's
//! SQL functions registered.

use std::path::PathBuf;
use std::process::ExitCode;

use seg_ballista::{ExecutorOptions, Functions, SchedulerOptions};

const USAGE: &str = "\
seg-ballista: an Apache Ballista scheduler or executor that knows the segmentation's SQL functions

Usage:
  seg-ballista scheduler [--bind-host HOST] [--port PORT]
  seg-ballista executor [--bind-host HOST] [--port PORT] [--grpc-port PORT]
                        [--scheduler-host HOST] [--scheduler-port PORT]
                        [--work-dir DIR] [--concurrent-tasks N]
                        [--scheduler-connect-timeout SECONDS]
  seg-ballista --help | <subcommand> --help

Both servers stop on ctrl-c or SIGTERM. Log level from RUST_LOG
(error, warn, info, debug, trace; default warn), written to stderr.
";

const SCHEDULER_USAGE: &str = "\
seg-ballista scheduler: plans queries and hands their tasks to executors

Options:
  --bind-host HOST   address to listen on (default 127.0.0.1)
  --port PORT        gRPC port, also serving /healthz and /readyz (default 50050)
";

const EXECUTOR_USAGE: &str = "\
seg-ballista executor: runs the tasks of a scheduler's queries

Options:
  --bind-host HOST                      address to listen on and to advertise (default 127.0.0.1)
  --port PORT                           Arrow Flight port (default 50051)
  --grpc-port PORT                      gRPC port (default 50052)
  --scheduler-host HOST                 scheduler host (default 127.0.0.1)
  --scheduler-port PORT                 scheduler port (default 50050)
  --work-dir DIR                        directory for shuffle files (default: a temporary one)
  --concurrent-tasks N                  tasks run at once (default 0: all cores)
  --scheduler-connect-timeout SECONDS   how long to retry reaching the scheduler (default 30)
";

/// A parsed command line.
enum Command {
    Help(&'static str),
    Scheduler(SchedulerOptions),
    Executor(ExecutorOptions),
}

fn parse_value<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("invalid value {value:?} for {flag}"))
}

fn parse(args: Vec<String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(sub) = args.next() else {
        return Err("missing subcommand".into());
    };
    match sub.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help(USAGE)),
        "scheduler" => {
            let mut options = SchedulerOptions {
                bind_host: "127.0.0.1".into(),
                port: 50050,
            };
            while let Some(flag) = args.next() {
                match flag.as_str() {
                    "-h" | "--help" => return Ok(Command::Help(SCHEDULER_USAGE)),
                    "--bind-host" => options.bind_host = parse_value(&flag, args.next())?,
                    "--port" => options.port = parse_value(&flag, args.next())?,
                    _ => return Err(format!("unknown scheduler option {flag}")),
                }
            }
            Ok(Command::Scheduler(options))
        }
        "executor" => {
            let mut options = ExecutorOptions {
                bind_host: "127.0.0.1".into(),
                port: 50051,
                grpc_port: 50052,
                scheduler_host: "127.0.0.1".into(),
                scheduler_port: 50050,
                work_dir: None,
                concurrent_tasks: 0,
                scheduler_connect_timeout_seconds: 30,
            };
            while let Some(flag) = args.next() {
                match flag.as_str() {
                    "-h" | "--help" => return Ok(Command::Help(EXECUTOR_USAGE)),
                    "--bind-host" => options.bind_host = parse_value(&flag, args.next())?,
                    "--port" => options.port = parse_value(&flag, args.next())?,
                    "--grpc-port" => options.grpc_port = parse_value(&flag, args.next())?,
                    "--scheduler-host" => options.scheduler_host = parse_value(&flag, args.next())?,
                    "--scheduler-port" => options.scheduler_port = parse_value(&flag, args.next())?,
                    "--work-dir" => {
                        options.work_dir = Some(parse_value::<PathBuf>(&flag, args.next())?)
                    }
                    "--concurrent-tasks" => {
                        options.concurrent_tasks = parse_value(&flag, args.next())?
                    }
                    "--scheduler-connect-timeout" => {
                        options.scheduler_connect_timeout_seconds =
                            parse_value(&flag, args.next())?;
                    }
                    _ => return Err(format!("unknown executor option {flag}")),
                }
            }
            Ok(Command::Executor(options))
        }
        other => Err(format!("unknown subcommand {other}")),
    }
}

/// Writes log records at or above a level to stderr.
struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("[{} {}] {}", record.level(), record.target(), record.args());
        }
    }
    fn flush(&self) {}
}

fn init_logging() {
    let level = match std::env::var("RUST_LOG").as_deref().map(str::trim) {
        Ok("error") => log::LevelFilter::Error,
        Ok("info") => log::LevelFilter::Info,
        Ok("debug") => log::LevelFilter::Debug,
        Ok("trace") => log::LevelFilter::Trace,
        Ok("off") => log::LevelFilter::Off,
        _ => log::LevelFilter::Warn,
    };
    if log::set_logger(&StderrLogger).is_ok() {
        log::set_max_level(level);
    }
}

fn main() -> ExitCode {
    let command = match parse(std::env::args().skip(1).collect()) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("seg-ballista: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Command::Help(text) = command {
        print!("{text}");
        return ExitCode::SUCCESS;
    }
    init_logging();
    // Plans are decoded recursively: give the worker threads room.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("seg-ballista: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Scheduler(options) => {
                eprintln!(
                    "seg-ballista scheduler listening on {}:{}",
                    options.bind_host, options.port
                );
                seg_ballista::run_scheduler(&options, Functions::segmentation()).await
            }
            Command::Executor(options) => {
                eprintln!(
                    "seg-ballista executor on {}:{} (grpc {}), scheduler {}:{}",
                    options.bind_host,
                    options.port,
                    options.grpc_port,
                    options.scheduler_host,
                    options.scheduler_port
                );
                seg_ballista::run_executor(&options, &Functions::segmentation()).await
            }
            Command::Help(_) => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            eprintln!("seg-ballista: {message}");
            ExitCode::FAILURE
        }
    }
}
