//! Runnable examples of the segmentation workspace; see `examples/`.
//!
//! Run one with `cargo run --release --example simulate`.
