//! Segments described in original units, as sentences: the traits of
//! `segmentation::pipeline::describe_segments` written for a reader.

use segmentation::pipeline::{SegmentTrait, TraitKind};

/// A number as a person writes it: no more digits than it deserves.
pub(crate) fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// One trait as a sentence: `sessions 6.00 (overall median 3.00)`,
/// `device=desktop 100% (overall 37%)`, `returning 10% (overall 45%)`.
pub(crate) fn sentence(t: &SegmentTrait) -> String {
    let name = &t.field;
    match &t.kind {
        TraitKind::Median => format!(
            "{name} {} (overall median {})",
            number(t.segment),
            number(t.overall)
        ),
        TraitKind::CategoryShare { category } => format!(
            "{name}={} {:.0}% (overall {:.0}%)",
            category.as_deref().unwrap_or("<missing>"),
            100.0 * t.segment,
            100.0 * t.overall
        ),
        _ => format!(
            "{name} {:.0}% (overall {:.0}%)",
            100.0 * t.segment,
            100.0 * t.overall
        ),
    }
}
