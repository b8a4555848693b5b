//! The visitor-traffic simulator.

use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};
use rand_pcg::Pcg64Mcg;
use seg_features::{Value, WebVisitor};

use crate::drift::Drift;
use crate::error::{DatasetError, Result};
use crate::segment::{Segment, check_weights};

/// One simulated visitor: the record, the planted segment it came from, the
/// variant it was assigned and whether it converted.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SimulatedVisitor {
    /// The visitor in the fields of
    /// [`web_visitor_schema`](seg_features::web_visitor_schema).
    pub visitor: WebVisitor<'static>,
    /// The true segment: its position in
    /// [`TrafficSimulator::segments`].
    pub segment: usize,
    /// The assigned variant, 0 being the control.
    pub variant: usize,
    /// Whether the visitor converted under its variant.
    pub converted: bool,
}

impl SimulatedVisitor {
    /// The visitor as a record of
    /// [`web_visitor_schema`](seg_features::web_visitor_schema).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// use seg_features::{Value, WEB_VISITOR_FIELDS};
    /// let v = TrafficSimulator::default_segments().simulate(1)?[0];
    /// let record = v.record();
    /// assert_eq!(record.len(), WEB_VISITOR_FIELDS.len());
    /// assert_eq!(record[10], Value::Bool(v.visitor.returning));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(&self) -> [Value<'static>; 11] {
        self.visitor.record()
    }
}

/// A seeded simulator of web traffic made of planted segments, with an A/B
/// (or A/B/n) test running on it.
///
/// Each visitor is drawn independently: a segment by the segments'
/// normalised shares, a variant by the allocation, then device, browser,
/// country, traffic source, returning or new, sessions, pages per session,
/// session duration, bounce rate, hour and weekday from the segment's
/// distributions (independently of each other), and a conversion with the
/// segment's probability for that variant.
///
/// [`TrafficSimulator::default_segments`] plants five segments with
/// different behaviour and different treatment effects; the builder
/// methods change shares, variants, allocation, segments, drift and seed.
/// Everything is checked by [`simulate`](TrafficSimulator::simulate) and
/// [`stream`](TrafficSimulator::stream). The same configuration and seed
/// give the same visitors, bit for bit.
///
/// # Example
///
/// ```
/// use seg_datasets::TrafficSimulator;
/// use seg_features::web_visitor_schema;
///
/// let sim = TrafficSimulator::default_segments().seed(42);
/// let visitors = sim.simulate(5_000)?;
/// assert_eq!(visitors.len(), 5_000);
/// assert!(visitors.iter().all(|v| v.segment < 5 && v.variant < 2));
///
/// let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
/// let transformer = web_visitor_schema().fit(&records)?;
/// assert_eq!(transformer.n_features(), 20);
///
/// // The same seed gives the same traffic.
/// assert_eq!(sim.simulate(5_000)?, visitors);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficSimulator {
    segments: Vec<Segment>,
    shares: Option<Vec<f64>>,
    variants: Vec<String>,
    allocation: Option<Vec<f64>>,
    drift: Option<Drift>,
    seed: u64,
}

impl TrafficSimulator {
    /// A simulator of the given segments, with two variants `control` and
    /// `treatment` allocated equally, no drift and seed 0.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::{Segment, TrafficSimulator};
    /// let sim = TrafficSimulator::new(vec![Segment::new("a"), Segment::new("b").share(3.0)]);
    /// assert_eq!(sim.variant_names(), ["control", "treatment"]);
    /// assert_eq!(sim.segment_shares()?, [0.25, 0.75]);
    /// assert!(TrafficSimulator::new(vec![]).simulate(10).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(segments: Vec<Segment>) -> Self {
        TrafficSimulator {
            segments,
            shares: None,
            variants: vec!["control".to_owned(), "treatment".to_owned()],
            allocation: None,
            drift: None,
            seed: 0,
        }
    }

    /// A simulator of five planted segments, two variants allocated
    /// equally and seed 0:
    ///
    /// | # | segment          | share | behaviour                                   | conversion control → treatment |
    /// |---|------------------|-------|---------------------------------------------|-------------------|
    /// | 0 | budget hunters   | 25%   | mobile, affiliate sites, lunch and late evening, short visits | 2.0% → 3.4% |
    /// | 1 | premium shoppers | 20%   | desktop, search, office hours, long sessions | 6.0% → 5.4% |
    /// | 2 | tablet browsers  | 15%   | tablet, evenings and weekends, many pages   | 0.8% → 0.8%       |
    /// | 3 | loyal members    | 20%   | returning, email, many sessions             | 9.0% → 9.3%       |
    /// | 4 | new explorers    | 20%   | new, social, high bounce                    | 0.5% → 0.7%       |
    ///
    /// The treatment helps budget hunters a lot and hurts premium shoppers
    /// slightly, so its average effect hides what a per-segment analysis
    /// finds. The segments' traffic sources make `search`, `social` and
    /// `affiliate` the three most common, so
    /// [`web_visitor_schema`](seg_features::web_visitor_schema) encodes
    /// those and folds `email`, `direct` and `paid` into `<other>`.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_datasets::TrafficSimulator;
    ///
    /// let sim = TrafficSimulator::default_segments();
    /// let names: Vec<&str> = sim.segments().iter().map(|s| s.name.as_str()).collect();
    /// assert_eq!(names, ["budget hunters", "premium shoppers", "tablet browsers",
    ///                    "loyal members", "new explorers"]);
    /// assert_eq!(sim.segment_shares()?, [0.25, 0.2, 0.15, 0.2, 0.2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn default_segments() -> Self {
        TrafficSimulator::new(vec![
            Segment::budget_hunters(),
            Segment::premium_shoppers(),
            Segment::tablet_browsers(),
            Segment::loyal_members(),
            Segment::new_explorers(),
        ])
    }

    /// The segments as configured (before any drift).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// assert_eq!(TrafficSimulator::default_segments().segments().len(), 5);
    /// ```
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The segments, to edit in place.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// let mut sim = TrafficSimulator::default_segments();
    /// sim.segments_mut()[0].conversion = vec![0.5, 0.5];
    /// assert_eq!(sim.segments()[0].conversion, [0.5, 0.5]);
    /// ```
    pub fn segments_mut(&mut self) -> &mut [Segment] {
        &mut self.segments
    }

    /// The names of the variants, the control first.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// let sim = TrafficSimulator::default_segments().variants(&["a", "b"]);
    /// assert_eq!(sim.variant_names(), ["a", "b"]);
    /// ```
    pub fn variant_names(&self) -> &[String] {
        &self.variants
    }

    /// The drift scenario, if any.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::{Drift, TrafficSimulator};
    /// let sim = TrafficSimulator::default_segments();
    /// assert!(sim.drift_scenario().is_none());
    /// assert_eq!(sim.drifted().drift_scenario(), Some(&Drift::tiktok()));
    /// ```
    pub fn drift_scenario(&self) -> Option<&Drift> {
        self.drift.as_ref()
    }

    /// Replace every segment; shares given with
    /// [`shares`](TrafficSimulator::shares) are dropped.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::{Segment, TrafficSimulator};
    /// let sim = TrafficSimulator::default_segments()
    ///     .shares(&[1.0, 1.0, 1.0, 1.0, 1.0])
    ///     .replace_segments(vec![Segment::new("only")]);
    /// assert_eq!(sim.segment_shares()?, [1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replace_segments(mut self, segments: Vec<Segment>) -> Self {
        self.segments = segments;
        self.shares = None;
        self
    }

    /// Add a segment after the others, with its own share; shares given
    /// with [`shares`](TrafficSimulator::shares) are dropped.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::{Segment, TrafficSimulator};
    /// let sim = TrafficSimulator::new(vec![Segment::new("a")]).add_segment(Segment::new("b"));
    /// assert_eq!(sim.segment_shares()?, [0.5, 0.5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_segment(mut self, segment: Segment) -> Self {
        self.segments.push(segment);
        self.shares = None;
        self
    }

    /// Set the relative shares of the segments, in order (one per segment,
    /// finite, ≥ 0, with a positive sum; normalised when simulating). They
    /// override the segments' own shares.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// let sim = TrafficSimulator::default_segments().shares(&[1.0, 1.0, 0.0, 0.0, 2.0]);
    /// assert_eq!(sim.segment_shares()?, [0.25, 0.25, 0.0, 0.0, 0.5]);
    /// // One share per segment.
    /// assert!(TrafficSimulator::default_segments().shares(&[1.0]).segment_shares().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shares(mut self, shares: &[f64]) -> Self {
        self.shares = Some(shares.to_vec());
        self
    }

    /// Set the variants by name, the control first; every segment needs
    /// one conversion probability per variant. Resets the allocation to
    /// equal.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::{Segment, TrafficSimulator};
    /// let sim = TrafficSimulator::new(vec![Segment::new("a").conversion(&[0.1, 0.2, 0.3])])
    ///     .variants(&["control", "red", "blue"]);
    /// assert!(sim.seed(1).simulate(100)?.iter().all(|v| v.variant < 3));
    /// // Each segment needs one conversion probability per variant.
    /// assert!(TrafficSimulator::default_segments().variants(&["a", "b", "c"]).simulate(1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn variants<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.variants = names.iter().map(|s| s.as_ref().to_owned()).collect();
        self.allocation = None;
        self
    }

    /// Set the relative allocation of traffic to the variants (one weight
    /// per variant, finite, ≥ 0, with a positive sum; default equal).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// let visitors = TrafficSimulator::default_segments().allocation(&[0.0, 1.0]).simulate(200)?;
    /// assert!(visitors.iter().all(|v| v.variant == 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allocation(mut self, weights: &[f64]) -> Self {
        self.allocation = Some(weights.to_vec());
        self
    }

    /// Simulate the traffic after `drift` (replacing an earlier drift).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::{Drift, TrafficSimulator};
    /// let sim = TrafficSimulator::default_segments().drift(Drift::new().new_traffic_source("podcast", 1.0));
    /// assert!(sim.simulate(100)?.iter().all(|v| v.visitor.traffic_source == "podcast"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn drift(mut self, drift: Drift) -> Self {
        self.drift = Some(drift);
        self
    }

    /// Simulate the traffic after the default drift scenario,
    /// [`Drift::tiktok`]: a new traffic source `tiktok` with 30% of every
    /// segment's visitors, more new explorers and budget hunters, fewer
    /// premium shoppers. A transform fitted on the traffic before sees
    /// `traffic_source=<other>` rise.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_datasets::TrafficSimulator;
    ///
    /// let before = TrafficSimulator::default_segments().seed(1);
    /// let after = before.clone().drifted();
    /// let tiktok = |sim: &TrafficSimulator| -> Result<usize, seg_datasets::DatasetError> {
    ///     Ok(sim.simulate(10_000)?.iter().filter(|v| v.visitor.traffic_source == "tiktok").count())
    /// };
    /// assert_eq!(tiktok(&before)?, 0);
    /// assert!(tiktok(&after)? > 2_500);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn drifted(self) -> Self {
        self.drift(Drift::tiktok())
    }

    /// Set the seed (default 0).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// let sim = TrafficSimulator::default_segments();
    /// assert_eq!(sim.clone().seed(5).simulate(50)?, sim.clone().seed(5).simulate(50)?);
    /// assert_ne!(sim.clone().seed(5).simulate(50)?, sim.seed(6).simulate(50)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The normalised share of each segment, after shares given with
    /// [`shares`](TrafficSimulator::shares) and after drift.
    ///
    /// # Errors
    ///
    /// The configuration errors of [`simulate`](TrafficSimulator::simulate).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::TrafficSimulator;
    /// let shares = TrafficSimulator::default_segments().drifted().segment_shares()?;
    /// assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    /// assert!(shares[4] > 0.2); // new explorers doubled before normalising
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn segment_shares(&self) -> Result<Vec<f64>> {
        let (segments, _) = self.checked()?;
        let total: f64 = segments.iter().map(|s| s.share).sum();
        Ok(segments.iter().map(|s| s.share / total).collect())
    }

    /// Check the configuration and return the segments after share
    /// overrides and drift, and the allocation weights.
    fn checked(&self) -> Result<(Vec<Segment>, Vec<f64>)> {
        if self.segments.is_empty() {
            return Err(DatasetError::NoSegments);
        }
        let n_variants = self.variants.len();
        if n_variants == 0 {
            return Err(DatasetError::NoVariants);
        }
        let allocation = match &self.allocation {
            None => vec![1.0; n_variants],
            Some(weights) => {
                if weights.len() != n_variants {
                    return Err(DatasetError::LengthMismatch {
                        parameter: "allocation",
                        expected: n_variants,
                        got: weights.len(),
                    });
                }
                if let Err(e) = check_weights(weights) {
                    let value = match e.element {
                        Some(at) => format!("{} at [{at}]", e.value),
                        None => e.value,
                    };
                    return Err(DatasetError::InvalidParameter {
                        parameter: "allocation",
                        value,
                        reason: e.reason,
                    });
                }
                weights.clone()
            }
        };
        let mut segments = self.segments.clone();
        if let Some(shares) = &self.shares {
            if shares.len() != segments.len() {
                return Err(DatasetError::LengthMismatch {
                    parameter: "shares",
                    expected: segments.len(),
                    got: shares.len(),
                });
            }
            for (segment, &share) in segments.iter_mut().zip(shares) {
                segment.share = share;
            }
        }
        for (index, segment) in segments.iter().enumerate() {
            segment.check(index, n_variants)?;
        }
        if let Some(drift) = &self.drift {
            drift.apply(&mut segments)?;
        }
        let shares: Vec<f64> = segments.iter().map(|s| s.share).collect();
        if let Err(e) = check_weights(&shares) {
            return Err(DatasetError::InvalidParameter {
                parameter: "shares",
                value: e.value,
                reason: "the segment shares must have a finite sum > 0",
            });
        }
        Ok((segments, allocation))
    }

    /// Simulate `n` visitors.
    ///
    /// The first `n` visitors of [`stream`](TrafficSimulator::stream),
    /// collected: `simulate(n)` is a prefix of `simulate(m)` for `n ≤ m`.
    ///
    /// # Errors
    ///
    /// - [`DatasetError::NoSegments`] and [`DatasetError::NoVariants`];
    /// - [`DatasetError::InvalidSegment`], naming the segment and the
    ///   parameter, for a share that is negative or not finite, a list of
    ///   categories that is empty, has an empty, reserved (`<other>`,
    ///   `<missing>`) or repeated name, or bad weights, a probability
    ///   outside [0, 1], a distribution parameter out of its domain, hour or
    ///   weekday weights without a positive sum, or another number of
    ///   conversion probabilities than variants;
    /// - [`DatasetError::LengthMismatch`] when the shares or the allocation do
    ///   not have one value per segment or variant;
    /// - [`DatasetError::InvalidParameter`] for allocation weights or
    ///   segment shares (after drift) that are negative, not finite or sum
    ///   to 0;
    /// - [`DatasetError::InvalidDrift`] for a drift that scales a segment
    ///   the simulator does not have, or has a bad factor, name or share;
    /// - [`DatasetError::InvalidParameter`] naming `n` when `n` visitors
    ///   cannot be allocated ([`stream`](TrafficSimulator::stream) yields
    ///   any number one by one).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_datasets::{DatasetError, TrafficSimulator};
    ///
    /// let sim = TrafficSimulator::default_segments().variants(&["A", "B", "C"]);
    /// let err = sim.simulate(10).unwrap_err();
    /// assert!(matches!(err, DatasetError::InvalidSegment { index: 0, .. }));
    /// assert_eq!(
    ///     err.to_string(),
    ///     "segment 0 (`budget hunters`): invalid conversion = [0.02, 0.034]: \
    ///      needs one probability per variant"
    /// );
    /// ```
    pub fn simulate(&self, n: usize) -> Result<Vec<SimulatedVisitor>> {
        let stream = self.stream()?;
        let mut visitors = Vec::new();
        if visitors.try_reserve_exact(n).is_err() {
            return Err(DatasetError::InvalidParameter {
                parameter: "n",
                value: n.to_string(),
                reason: "the visitors do not fit in memory: use stream",
            });
        }
        visitors.extend(stream.take(n));
        Ok(visitors)
    }

    /// An endless iterator of simulated visitors, for traffic too large to
    /// hold in memory.
    ///
    /// # Errors
    ///
    /// The configuration errors of [`simulate`](TrafficSimulator::simulate).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_datasets::TrafficSimulator;
    ///
    /// let sim = TrafficSimulator::default_segments().seed(9);
    /// let conversions = sim.stream()?.take(10_000).filter(|v| v.converted).count();
    /// assert!((200..800).contains(&conversions));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stream(&self) -> Result<VisitorStream> {
        let (segments, allocation) = self.checked()?;
        let compiled = segments
            .iter()
            .enumerate()
            .map(|(i, s)| CompiledSegment::new(i, s))
            .collect::<Result<Vec<_>>>()?;
        let shares: Vec<f64> = segments.iter().map(|s| s.share).collect();
        Ok(VisitorStream {
            rng: Pcg64Mcg::seed_from_u64(self.seed),
            segment: Table::new(&shares),
            variant: Table::new(&allocation),
            segments: compiled,
        })
    }
}

/// The endless iterator of [`TrafficSimulator::stream`].
#[derive(Debug, Clone)]
pub struct VisitorStream {
    rng: Pcg64Mcg,
    segment: Table,
    variant: Table,
    segments: Vec<CompiledSegment>,
}

impl Iterator for VisitorStream {
    type Item = SimulatedVisitor;

    fn next(&mut self) -> Option<SimulatedVisitor> {
        let rng = &mut self.rng;
        let segment = self.segment.pick(rng);
        let variant = self.variant.pick(rng);
        let (visitor, p) = self.segments[segment].visitor(variant, rng);
        let converted = rng.random::<f64>() < p;
        Some(SimulatedVisitor {
            visitor,
            segment,
            variant,
            converted,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl std::iter::FusedIterator for VisitorStream {}

/// A discrete distribution over `0..len` by cumulative weights, for a
/// handful of outcomes (a linear scan beats a binary search or an alias
/// table there).
#[derive(Debug, Clone)]
struct Table {
    /// Cumulative weights, not normalised.
    cumulative: Vec<f64>,
    /// The sum of the weights.
    total: f64,
    /// The last outcome of positive weight, for a draw that rounding puts
    /// at the very end.
    last: usize,
}

impl Table {
    /// A table of checked weights: finite, ≥ 0, with a finite positive sum.
    fn new(weights: &[f64]) -> Self {
        let mut sum = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                sum += w;
                sum
            })
            .collect();
        let last = weights.iter().rposition(|&w| w > 0.0).unwrap_or(0);
        Table {
            cumulative,
            total: sum,
            last,
        }
    }

    /// Draw an outcome; an outcome of weight 0 is never drawn.
    #[inline]
    fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let u = rng.random::<f64>() * self.total;
        self.cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(self.last)
    }
}

/// Named categories with a [`Table`].
#[derive(Debug, Clone)]
struct Categorical {
    names: Vec<&'static str>,
    table: Table,
}

impl Categorical {
    fn new(categories: &[(&'static str, f64)]) -> Self {
        let weights: Vec<f64> = categories.iter().map(|&(_, w)| w).collect();
        Categorical {
            names: categories.iter().map(|&(n, _)| n).collect(),
            table: Table::new(&weights),
        }
    }

    #[inline]
    fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> &'static str {
        self.names[self.table.pick(rng)]
    }
}

/// A segment's distributions, ready to draw from.
#[derive(Debug, Clone)]
struct CompiledSegment {
    devices: Categorical,
    browsers: Categorical,
    countries: Categorical,
    sources: Categorical,
    returning: f64,
    /// The Gamma of the Gamma–Poisson mixture; `None` when every visitor
    /// has exactly one session.
    sessions: Option<Gamma<f64>>,
    pages: rand_distr::LogNormal<f64>,
    seconds: rand_distr::LogNormal<f64>,
    bounce: rand_distr::Beta<f64>,
    /// The mean of the bounce rate, for a draw that overflows to NaN.
    bounce_mean: f64,
    hours: Table,
    weekdays: Table,
    conversion: Vec<f64>,
}

impl CompiledSegment {
    /// Build the samplers of a checked segment; a parameter the samplers
    /// still reject is reported as invalid.
    fn new(index: usize, s: &Segment) -> Result<Self> {
        let invalid = |parameter: &'static str, value: String| DatasetError::InvalidSegment {
            index,
            segment: s.name.clone(),
            parameter,
            element: None,
            value,
            reason: "rejected by the sampler",
        };
        let sessions = if s.sessions.mean > 1.0 {
            let shape = s.sessions.dispersion;
            let scale = (s.sessions.mean - 1.0) / shape;
            Some(
                Gamma::new(shape, scale)
                    .map_err(|_| invalid("sessions", format!("{:?}", s.sessions)))?,
            )
        } else {
            None
        };
        let log_normal = |parameter: &'static str, d: crate::segment::LogNormal| {
            rand_distr::LogNormal::new(d.median.ln(), d.sigma)
                .map_err(|_| invalid(parameter, format!("{d:?}")))
        };
        Ok(CompiledSegment {
            devices: Categorical::new(&s.devices),
            browsers: Categorical::new(&s.browsers),
            countries: Categorical::new(&s.countries),
            sources: Categorical::new(&s.traffic_sources),
            returning: s.returning,
            sessions,
            pages: log_normal("pages_per_session", s.pages_per_session)?,
            seconds: log_normal("avg_session_seconds", s.avg_session_seconds)?,
            bounce: rand_distr::Beta::new(s.bounce_rate.alpha, s.bounce_rate.beta)
                .map_err(|_| invalid("bounce_rate", format!("{:?}", s.bounce_rate)))?,
            // alpha / (alpha + beta), without overflow of the sum.
            bounce_mean: 1.0 / (1.0 + s.bounce_rate.beta / s.bounce_rate.alpha),
            hours: Table::new(&s.hours),
            weekdays: Table::new(&s.weekdays),
            conversion: s.conversion.clone(),
        })
    }

    /// Draw a visitor, returning it with its conversion probability under
    /// `variant`.
    #[inline]
    fn visitor<R: Rng + ?Sized>(&self, variant: usize, rng: &mut R) -> (WebVisitor<'static>, f64) {
        let device = self.devices.pick(rng);
        let browser = self.browsers.pick(rng);
        let country = self.countries.pick(rng);
        let traffic_source = self.sources.pick(rng);
        let returning = rng.random::<f64>() < self.returning;
        let sessions = 1.0 + self.extra_sessions(rng);
        let pages_per_session = self.pages.sample(rng).clamp(1.0, f64::MAX);
        let avg_session_seconds = self.seconds.sample(rng).min(f64::MAX);
        // Shapes near f64::MAX overflow the sampler's gamma draws to NaN;
        // the distribution is then a point mass at its mean.
        let bounce_rate = match self.bounce.sample(rng) {
            b if b.is_nan() => self.bounce_mean,
            b => b.clamp(0.0, 1.0),
        };
        // Both tables have 24 and 7 outcomes: the casts are exact.
        let hour = self.hours.pick(rng) as f64;
        let weekday = self.weekdays.pick(rng) as f64;
        let visitor = WebVisitor {
            sessions,
            pages_per_session,
            avg_session_seconds,
            bounce_rate,
            device,
            browser,
            country,
            hour,
            weekday,
            traffic_source,
            returning,
        };
        // `variant` comes from a table over the variants, and every
        // segment was checked to have one probability per variant.
        (visitor, self.conversion[variant])
    }

    /// Sessions beyond the first: Poisson with a Gamma-distributed mean.
    #[inline]
    fn extra_sessions<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let Some(gamma) = &self.sessions else {
            return 0.0;
        };
        let lambda = gamma.sample(rng);
        if lambda.is_nan() || lambda <= 0.0 {
            // The Gamma draw underflowed to 0.
            return 0.0;
        }
        match Poisson::new(lambda) {
            Ok(poisson) => poisson.sample(rng),
            // Beyond Poisson::MAX_LAMBDA the count is λ to many digits.
            Err(_) => lambda.round().min(f64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_weight_outcomes_are_never_drawn() {
        let table = Table::new(&[0.0, 1.0, 0.0, 2.0, 0.0]);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        for _ in 0..10_000 {
            let i = table.pick(&mut rng);
            assert!(i == 1 || i == 3, "drew {i}");
        }
        assert_eq!(table.last, 3);
    }

    #[test]
    fn stream_is_a_prefix_of_longer_runs() -> Result<()> {
        let sim = TrafficSimulator::default_segments().seed(5);
        let short = sim.simulate(100)?;
        let long = sim.simulate(1_000)?;
        assert_eq!(short[..], long[..100]);
        Ok(())
    }

    #[test]
    fn mean_of_one_gives_exactly_one_session() -> Result<()> {
        let segment = Segment::new("one").sessions(crate::segment::NegativeBinomial {
            mean: 1.0,
            dispersion: 1.0,
        });
        let visitors = TrafficSimulator::new(vec![segment]).simulate(1_000)?;
        assert!(visitors.iter().all(|v| v.visitor.sessions == 1.0));
        Ok(())
    }

    #[test]
    fn sampled_values_respect_the_schema_domains() -> Result<()> {
        let visitors = TrafficSimulator::default_segments().simulate(20_000)?;
        for v in &visitors {
            let w = &v.visitor;
            assert!(w.sessions >= 1.0 && w.sessions.fract() == 0.0);
            assert!(w.pages_per_session >= 1.0 && w.pages_per_session.is_finite());
            assert!(w.avg_session_seconds > 0.0 && w.avg_session_seconds.is_finite());
            assert!((0.0..=1.0).contains(&w.bounce_rate));
            assert!((0.0..24.0).contains(&w.hour) && w.hour.fract() == 0.0);
            assert!((0.0..7.0).contains(&w.weekday) && w.weekday.fract() == 0.0);
        }
        Ok(())
    }

    #[test]
    fn share_override_must_match_the_segments() {
        let sim = TrafficSimulator::default_segments().shares(&[1.0, 2.0]);
        assert_eq!(
            sim.simulate(1),
            Err(DatasetError::LengthMismatch {
                parameter: "shares",
                expected: 5,
                got: 2
            })
        );
    }

    #[test]
    fn all_zero_shares_are_rejected() {
        let sim = TrafficSimulator::default_segments().shares(&[0.0; 5]);
        assert!(matches!(
            sim.simulate(1),
            Err(DatasetError::InvalidParameter {
                parameter: "shares",
                ..
            })
        ));
    }

    #[test]
    fn no_segments_and_no_variants_are_errors() {
        assert_eq!(
            TrafficSimulator::new(vec![]).simulate(1),
            Err(DatasetError::NoSegments)
        );
        let none: [&str; 0] = [];
        assert_eq!(
            TrafficSimulator::default_segments()
                .variants(&none)
                .simulate(1),
            Err(DatasetError::NoVariants)
        );
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<TrafficSimulator>();
        check::<VisitorStream>();
        check::<SimulatedVisitor>();
        check::<Segment>();
        check::<Drift>();
        check::<crate::Blobs>();
        check::<crate::BlobsParams>();
        check::<DatasetError>();
    }
}
