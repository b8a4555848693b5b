//! Criterion benchmarks of the segmentation workspace; see `benches/`.
//!
//! Run them with `cargo bench -p segmentation-benches`.
