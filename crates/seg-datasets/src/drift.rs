//! Drift scenarios: traffic that changes after a transform or a segment
//! model was fitted.

use crate::error::{DatasetError, Result};
use crate::segment::{RESERVED, Segment};

/// A change of the traffic: a new traffic source and shifted segment
/// shares.
///
/// Give it to [`TrafficSimulator::drift`](crate::TrafficSimulator::drift);
/// [`TrafficSimulator::drifted`](crate::TrafficSimulator::drifted) applies
/// [`Drift::tiktok`]. It is applied to the segments when simulating, after
/// they are checked; the segments themselves are left as configured.
///
/// # Example
///
/// ```
/// use seg_datasets::{Drift, TrafficSimulator};
///
/// let drift = Drift::new().new_traffic_source("podcast", 0.2).scale_share(1, 3.0);
/// let before = TrafficSimulator::default_segments();
/// let after = before.clone().drift(drift);
/// assert!(after.segment_shares()?[1] > before.segment_shares()?[1]);
///
/// let visitors = after.seed(1).simulate(1_000)?;
/// assert!(visitors.iter().any(|v| v.visitor.traffic_source == "podcast"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Drift {
    new_source: Option<(&'static str, f64)>,
    share_factors: Vec<(usize, f64)>,
}

impl Drift {
    /// No change; add changes with the setters.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Drift;
    /// let none = Drift::new();
    /// assert_eq!(none.traffic_source(), None);
    /// assert!(none.share_factors().is_empty());
    /// ```
    pub fn new() -> Self {
        Drift::default()
    }

    /// The default drift scenario: a new traffic source `tiktok` brings 30%
    /// of the visitors of every segment, new explorers (segment 4) double
    /// their share, budget hunters (segment 0) gain 40% and premium
    /// shoppers (segment 1) lose 40%. Meant for
    /// [`TrafficSimulator::default_segments`](crate::TrafficSimulator::default_segments).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Drift;
    /// let d = Drift::tiktok();
    /// assert_eq!(d.traffic_source(), Some(("tiktok", 0.3)));
    /// assert_eq!(d.share_factors(), [(4, 2.0), (0, 1.4), (1, 0.6)]);
    /// ```
    pub fn tiktok() -> Self {
        Drift::new()
            .new_traffic_source("tiktok", 0.3)
            .scale_share(4, 2.0)
            .scale_share(0, 1.4)
            .scale_share(1, 0.6)
    }

    /// A traffic source that now brings the fraction `share` (in [0, 1]) of
    /// the visitors of every segment; the segment's other sources keep
    /// their proportions in the rest. A source the segment already has
    /// gets its weight raised to `share`. Replaces an earlier new source.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Drift;
    /// let d = Drift::new().new_traffic_source("podcast", 0.1).new_traffic_source("radio", 0.2);
    /// assert_eq!(d.traffic_source(), Some(("radio", 0.2)));
    /// ```
    pub fn new_traffic_source(mut self, name: &'static str, share: f64) -> Self {
        self.new_source = Some((name, share));
        self
    }

    /// Multiply the share of segment `segment` (its position in the
    /// simulator) by `factor` (finite, ≥ 0); shares are normalised
    /// afterwards. Factors for the same segment multiply.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::{Drift, Segment, TrafficSimulator};
    /// let sim = TrafficSimulator::new(vec![Segment::new("a"), Segment::new("b")]);
    /// let shares = sim.drift(Drift::new().scale_share(1, 3.0)).segment_shares()?;
    /// assert!((shares[0] - 0.25).abs() < 1e-12 && (shares[1] - 0.75).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scale_share(mut self, segment: usize, factor: f64) -> Self {
        self.share_factors.push((segment, factor));
        self
    }

    /// The new traffic source and its share, if any.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Drift;
    /// assert_eq!(Drift::new().new_traffic_source("podcast", 0.2).traffic_source(), Some(("podcast", 0.2)));
    /// ```
    pub fn traffic_source(&self) -> Option<(&'static str, f64)> {
        self.new_source
    }

    /// The share factors, as (segment, factor) in the order given.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Drift;
    /// let d = Drift::new().scale_share(2, 0.5).scale_share(2, 4.0);
    /// assert_eq!(d.share_factors(), [(2, 0.5), (2, 4.0)]);
    /// ```
    pub fn share_factors(&self) -> &[(usize, f64)] {
        &self.share_factors
    }

    /// Check the drift against the segments and apply it to them (their
    /// shares were already overridden and checked).
    pub(crate) fn apply(&self, segments: &mut [Segment]) -> Result<()> {
        for &(index, factor) in &self.share_factors {
            if index >= segments.len() {
                return Err(DatasetError::InvalidDrift {
                    parameter: "scale_share.segment",
                    segment: None,
                    value: index.to_string(),
                    reason: "no segment at this position",
                });
            }
            if !(factor.is_finite() && factor >= 0.0) {
                return Err(DatasetError::InvalidDrift {
                    parameter: "scale_share.factor",
                    segment: Some(index),
                    value: factor.to_string(),
                    reason: "must be finite and >= 0",
                });
            }
        }
        if let Some((name, share)) = self.new_source {
            if name.is_empty() || RESERVED.contains(&name) {
                return Err(DatasetError::InvalidDrift {
                    parameter: "new_traffic_source.name",
                    segment: None,
                    value: format!("`{name}`"),
                    reason: "must be non-empty and not `<other>` or `<missing>`",
                });
            }
            if !(0.0..=1.0).contains(&share) {
                return Err(DatasetError::InvalidDrift {
                    parameter: "new_traffic_source.share",
                    segment: None,
                    value: share.to_string(),
                    reason: "must be in [0, 1]",
                });
            }
        }
        for &(index, factor) in &self.share_factors {
            segments[index].share *= factor;
        }
        if let Some((name, share)) = self.new_source {
            for segment in segments.iter_mut() {
                let sources = &mut segment.traffic_sources;
                let others: f64 = sources
                    .iter()
                    .filter(|&&(n, _)| n != name)
                    .map(|&(_, w)| w)
                    .sum();
                // Checked weights of a segment sum to a finite positive
                // number, so `others` is finite; it is 0 only when `name`
                // was the segment's one source.
                let scale = if others > 0.0 {
                    (1.0 - share) / others
                } else {
                    0.0
                };
                for (n, w) in sources.iter_mut() {
                    *w = if *n == name { 0.0 } else { *w * scale };
                }
                match sources.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, w)) => *w = if others > 0.0 { share } else { 1.0 },
                    None => sources.push((name, share)),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: &[(&str, f64)], expected: &[(&str, f64)]) {
        assert_eq!(got.len(), expected.len(), "{got:?}");
        for (&(n, w), &(m, v)) in got.iter().zip(expected) {
            assert_eq!(n, m);
            assert!((w - v).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn new_source_takes_its_share_and_the_rest_keep_proportions() -> Result<()> {
        let mut segments = [Segment::new("s").traffic_sources(&[("a", 3.0), ("b", 1.0)])];
        Drift::new()
            .new_traffic_source("c", 0.2)
            .apply(&mut segments)?;
        assert_close(
            &segments[0].traffic_sources,
            &[("a", 0.6), ("b", 0.2), ("c", 0.2)],
        );
        Ok(())
    }

    #[test]
    fn existing_source_is_raised_to_its_share() -> Result<()> {
        let mut segments = [Segment::new("s").traffic_sources(&[("a", 1.0), ("b", 1.0)])];
        Drift::new()
            .new_traffic_source("b", 0.8)
            .apply(&mut segments)?;
        assert_close(&segments[0].traffic_sources, &[("a", 0.2), ("b", 0.8)]);
        Ok(())
    }

    #[test]
    fn scale_share_must_name_an_existing_segment() {
        let mut segments = [Segment::new("s")];
        let err = Drift::new().scale_share(1, 2.0).apply(&mut segments);
        assert!(matches!(
            err,
            Err(DatasetError::InvalidDrift {
                parameter: "scale_share.segment",
                ..
            })
        ));
        let err = Drift::new()
            .scale_share(0, -1.0)
            .apply(&mut segments)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "drift: invalid scale_share.factor of segment 0 = -1: must be finite and >= 0"
        );
    }

    #[test]
    fn new_source_share_must_be_a_probability() {
        let mut segments = [Segment::new("s")];
        let err = Drift::new()
            .new_traffic_source("x", 1.5)
            .apply(&mut segments);
        assert!(matches!(
            err,
            Err(DatasetError::InvalidDrift {
                parameter: "new_traffic_source.share",
                segment: None,
                ..
            })
        ));
    }
}
