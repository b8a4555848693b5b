//! Runnable examples of the segmentation workspace; see `examples/`.
//!
//! Run one with `cargo run --release --example simulate`.

use std::path::PathBuf;

/// The real data file `file` of an example: the path given as the first
/// argument, or `file` in the folder named by `SEG_DATA_DIR`, or in
/// `../shared/data/` beside the workspace; `None` when it is not a file.
#[must_use]
pub fn data_path(file: &str) -> Option<PathBuf> {
    if let Some(arg) = std::env::args_os().nth(1) {
        let path = PathBuf::from(arg);
        return path.is_file().then_some(path);
    }
    let dir = std::env::var_os("SEG_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = dir.join(file);
    path.is_file().then_some(path)
}
