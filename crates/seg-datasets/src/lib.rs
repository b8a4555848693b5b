//! Embedded default data (placeholder while the crate is written).
