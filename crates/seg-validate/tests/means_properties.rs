//! Properties of `segment_means`: invariance under relabelling and under
//! the order of the rows, ranges of the statistics, agreement of the
//! intervals with their means, and no panic on extreme input.

use proptest::prelude::*;
use seg_validate::{SegmentMeans, segment_means};

fn data() -> impl Strategy<Value = (Vec<usize>, Vec<f64>)> {
    prop::collection::vec((0usize..4, -1e6f64..1e6), 6..80)
        .prop_map(|rows| rows.into_iter().unzip())
}

/// The report, or `None` when the input is legitimately refused (one
/// segment, no spare row, a constant outcome).
fn means(labels: &[usize], y: &[f64]) -> Option<SegmentMeans> {
    segment_means(labels, y, 0.95).ok()
}

proptest! {
    #[test]
    fn relabelling_segments_changes_nothing_but_the_ids((labels, y) in data()) {
        let Some(a) = means(&labels, &y) else { return Ok(()) };
        // An increasing renaming keeps the segments' order: bit for bit.
        let renamed: Vec<usize> = labels.iter().map(|&l| 1000 + 7 * l).collect();
        let b = means(&renamed, &y).expect("the same input, renamed");
        prop_assert_eq!(a.anova_f, b.anova_f);
        prop_assert_eq!(a.p_value, b.p_value);
        prop_assert_eq!(a.eta_squared, b.eta_squared);
        for s in &a.segments {
            let t = b.segments.iter().find(|t| t.label == 1000 + 7 * s.label).expect("renamed");
            prop_assert_eq!((s.n, s.mean.to_bits()), (t.n, t.mean.to_bits()));
            prop_assert_eq!((s.ci_low.to_bits(), s.ci_high.to_bits()), (t.ci_low.to_bits(), t.ci_high.to_bits()));
        }
    }

    #[test]
    fn statistics_stay_in_their_ranges((labels, y) in data()) {
        let Some(r) = means(&labels, &y) else { return Ok(()) };
        prop_assert!(r.anova_f >= 0.0);
        prop_assert!((0.0..=1.0).contains(&r.p_value), "{}", r.p_value);
        prop_assert!((0.0..=1.0).contains(&r.eta_squared), "{}", r.eta_squared);
        prop_assert_eq!(r.df_between + 1, r.segments.len());
        prop_assert_eq!(r.df_within + r.segments.len(), labels.len());
        for s in &r.segments {
            if s.n >= 2 {
                prop_assert!(s.ci_low <= s.mean && s.mean <= s.ci_high, "{s:?}");
            } else {
                prop_assert!(s.ci_low.is_nan());
            }
        }
    }

    #[test]
    fn row_order_does_not_matter_beyond_rounding((labels, y) in data()) {
        let Some(a) = means(&labels, &y) else { return Ok(()) };
        let (rl, ry): (Vec<usize>, Vec<f64>) =
            labels.iter().copied().zip(y.iter().copied()).rev().unzip();
        let b = means(&rl, &ry).expect("the same rows");
        let close = |p: f64, q: f64| (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1e-300);
        prop_assert!(close(a.eta_squared, b.eta_squared));
        for (s, t) in a.segments.iter().zip(&b.segments) {
            prop_assert!(close(s.mean, t.mean), "{} {}", s.mean, t.mean);
        }
    }

    #[test]
    fn extreme_values_and_confidences_reach_no_panic(
        (labels, y) in data(),
        scale in prop::sample::select(vec![1e-300, 1.0, 1e150, 1e300]),
        confidence in prop::sample::select(vec![1e-12, 0.5, 0.95, 1.0 - 1e-15]),
    ) {
        let y: Vec<f64> = y.iter().map(|v| v * scale / 1e6).collect();
        // Refused, or finite numbers throughout (no NaN passed on).
        if let Ok(r) = segment_means(&labels, &y, confidence) {
            prop_assert!(r.p_value.is_finite() && r.eta_squared.is_finite());
            prop_assert!(r.segments.iter().all(|s| s.mean.is_finite()));
        }
    }
}
