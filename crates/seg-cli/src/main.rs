//! The `seg` binary: see the `seg_cli` library.

fn main() -> std::process::ExitCode {
    seg_cli::main_entry()
}
