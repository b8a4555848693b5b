//! Segment descriptions for the traffic simulator, and the five planted
//! default segments.

use crate::error::{DatasetError, Result};

/// Categories reserved for the feature encoder's own columns.
pub(crate) const RESERVED: [&str; 2] = ["<other>", "<missing>"];

/// A negative-binomial count shifted to start at 1: `1 + NB`, with mean
/// `mean` in total.
///
/// Drawn as a Gamma–Poisson mixture: `λ ~ Gamma(shape = dispersion, scale =
/// (mean − 1) / dispersion)`, then `1 + Poisson(λ)`. The variance of the
/// count is `(mean − 1) + (mean − 1)² / dispersion`: a small dispersion
/// gives a heavy tail, a large one a nearly Poisson count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NegativeBinomial {
    /// The mean count, ≥ 1 (1 makes every count 1) and ≤ 10⁶.
    pub mean: f64,
    /// The Gamma shape, > 0.
    pub dispersion: f64,
}

/// A log-normal distribution given by its median and the standard deviation
/// of its logarithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    /// The median, > 0.
    pub median: f64,
    /// The standard deviation of `ln x`, in [0, 10].
    pub sigma: f64,
}

/// A Beta distribution on [0, 1], mean `alpha / (alpha + beta)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beta {
    /// The first shape, > 0.
    pub alpha: f64,
    /// The second shape, > 0.
    pub beta: f64,
}

/// Categories with their weights, e.g. `[("mobile", 0.7), ("desktop",
/// 0.3)]`.
///
/// Weights are finite, ≥ 0 with a positive sum, and are normalised when
/// simulating. Names are `&'static str` so that simulated visitors borrow
/// them without allocating; a name built at run time can be made static
/// with `Box::leak(name.into_boxed_str())`, once per category.
pub type Categories = Vec<(&'static str, f64)>;

/// One kind of visitor: its share of the traffic, how it behaves, and how
/// likely it converts under each variant.
///
/// [`Segment::new`] starts from a generic visitor; the consuming setters
/// change one behaviour each. The fields are public for reading and for
/// editing a segment in place (see
/// [`TrafficSimulator::segments_mut`](crate::TrafficSimulator::segments_mut)).
/// Parameters are checked when simulating, which names the segment and the
/// parameter at fault.
///
/// The five planted segments of
/// [`TrafficSimulator::default_segments`](crate::TrafficSimulator::default_segments)
/// are available one by one: [`Segment::budget_hunters`],
/// [`Segment::premium_shoppers`], [`Segment::tablet_browsers`],
/// [`Segment::loyal_members`] and [`Segment::new_explorers`].
///
/// # Example
///
/// ```
/// use seg_datasets::{Beta, Segment, TrafficSimulator};
///
/// let night_owls = Segment::new("night owls")
///     .share(0.1)
///     .devices(&[("mobile", 0.9), ("desktop", 0.1)])
///     .hours([5.0, 5.0, 4.0, 3.0, 1.0, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2,
///             0.2, 0.2, 0.2, 0.2, 0.2, 0.5, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0])
///     .bounce_rate(Beta { alpha: 4.0, beta: 4.0 })
///     .conversion(&[0.01, 0.02]);
/// let sim = TrafficSimulator::default_segments().add_segment(night_owls).seed(3);
/// let visitors = sim.simulate(1_000)?;
/// assert!(visitors.iter().any(|v| v.segment == 5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Segment {
    /// A readable name, e.g. `budget hunters`.
    pub name: String,
    /// The relative share of the traffic, ≥ 0; shares are normalised over
    /// the segments.
    pub share: f64,
    /// Device weights (`desktop`, `mobile`, `tablet`).
    pub devices: Categories,
    /// Browser weights.
    pub browsers: Categories,
    /// Country weights.
    pub countries: Categories,
    /// Traffic-source weights (`search`, `social`, `email`, …).
    pub traffic_sources: Categories,
    /// The probability that a visitor has been seen before, in [0, 1].
    pub returning: f64,
    /// Sessions in the look-back window.
    pub sessions: NegativeBinomial,
    /// Mean pages per session (values below 1 are raised to 1).
    pub pages_per_session: LogNormal,
    /// Mean session duration in seconds.
    pub avg_session_seconds: LogNormal,
    /// The share of bounced sessions.
    pub bounce_rate: Beta,
    /// Weights of the local hour of the visit, 0 to 23.
    pub hours: [f64; 24],
    /// Weights of the day of the week, Monday to Sunday.
    pub weekdays: [f64; 7],
    /// The conversion probability under each variant, variant 0 being the
    /// control; one per variant of the simulator, each in [0, 1].
    pub conversion: Vec<f64>,
}

/// Daytime traffic, quiet at night.
const DAYTIME: [f64; 24] = [
    1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.5, 4.0, 4.0, //
    4.0, 4.0, 4.0, 4.0, 3.8, 3.8, 4.0, 4.0, 3.8, 3.0, 2.2, 1.5,
];
/// Office hours, peaking in the morning and early afternoon.
const OFFICE: [f64; 24] = [
    0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 5.0, 5.5, 5.0, //
    4.0, 4.5, 5.0, 5.0, 4.5, 3.0, 2.0, 1.5, 1.5, 1.2, 0.8, 0.5,
];
/// Evenings on the sofa.
const EVENING: [f64; 24] = [
    1.5, 0.8, 0.3, 0.1, 0.1, 0.1, 0.2, 0.4, 0.5, 0.5, 0.6, 0.7, //
    0.8, 0.8, 0.8, 0.9, 1.0, 1.5, 2.5, 4.5, 6.0, 6.5, 5.5, 3.5,
];
/// Lunch breaks and late evenings.
const LUNCH_AND_LATE: [f64; 24] = [
    2.0, 1.2, 0.6, 0.3, 0.2, 0.3, 0.6, 1.0, 1.5, 1.8, 2.0, 3.0, //
    4.5, 4.5, 2.5, 2.0, 2.0, 2.2, 2.5, 3.0, 4.0, 4.5, 4.5, 3.5,
];
/// Before work and after dinner.
const MORNING_AND_EVENING: [f64; 24] = [
    0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2.0, 4.0, 4.5, 3.0, 2.0, 1.8, //
    2.0, 1.8, 1.5, 1.5, 1.8, 2.2, 3.0, 4.0, 4.5, 3.5, 2.0, 1.0,
];
/// Every day alike.
const EVERY_DAY: [f64; 7] = [1.0; 7];
/// Working days.
const WORKWEEK: [f64; 7] = [1.2, 1.2, 1.2, 1.2, 1.1, 0.6, 0.5];
/// Weekends.
const WEEKEND: [f64; 7] = [0.8, 0.8, 0.8, 0.9, 1.1, 1.7, 1.6];

impl Segment {
    /// A segment of generic visitors, to be tuned with the setters:
    ///
    /// | field                 | default                                          |
    /// |-----------------------|--------------------------------------------------|
    /// | `share`               | 1                                                |
    /// | `devices`             | desktop 0.45, mobile 0.45, tablet 0.1            |
    /// | `browsers`            | chrome 0.6, safari 0.25, firefox 0.08, edge 0.07 |
    /// | `countries`           | us 0.5, uk 0.15, de 0.15, fr 0.1, ca 0.1         |
    /// | `traffic_sources`     | search 0.4, direct 0.2, social 0.2, email 0.1, affiliate 0.1 |
    /// | `returning`           | 0.4                                              |
    /// | `sessions`            | mean 3, dispersion 2                             |
    /// | `pages_per_session`   | median 4, sigma 0.5                              |
    /// | `avg_session_seconds` | median 180, sigma 0.6                            |
    /// | `bounce_rate`         | Beta(2, 5)                                       |
    /// | `hours`               | daytime, quiet at night                          |
    /// | `weekdays`            | every day alike                                  |
    /// | `conversion`          | 0.03 for two variants                            |
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Segment;
    /// let s = Segment::new("generic");
    /// assert_eq!((s.name.as_str(), s.share, s.returning), ("generic", 1.0, 0.4));
    /// assert_eq!(s.conversion, [0.03, 0.03]);
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Segment {
            name: name.into(),
            share: 1.0,
            devices: vec![("desktop", 0.45), ("mobile", 0.45), ("tablet", 0.1)],
            browsers: vec![
                ("chrome", 0.6),
                ("safari", 0.25),
                ("firefox", 0.08),
                ("edge", 0.07),
            ],
            countries: vec![
                ("us", 0.5),
                ("uk", 0.15),
                ("de", 0.15),
                ("fr", 0.1),
                ("ca", 0.1),
            ],
            traffic_sources: vec![
                ("search", 0.4),
                ("direct", 0.2),
                ("social", 0.2),
                ("email", 0.1),
                ("affiliate", 0.1),
            ],
            returning: 0.4,
            sessions: NegativeBinomial {
                mean: 3.0,
                dispersion: 2.0,
            },
            pages_per_session: LogNormal {
                median: 4.0,
                sigma: 0.5,
            },
            avg_session_seconds: LogNormal {
                median: 180.0,
                sigma: 0.6,
            },
            bounce_rate: Beta {
                alpha: 2.0,
                beta: 5.0,
            },
            hours: DAYTIME,
            weekdays: EVERY_DAY,
            conversion: vec![0.03, 0.03],
        }
    }

    /// Budget hunters: mostly on mobile, arriving from coupon and affiliate
    /// sites at lunch and late in the evening, short sessions; the
    /// treatment (variant 1) lifts their conversion from 2.0% to 3.4%.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Segment;
    /// let s = Segment::budget_hunters();
    /// assert_eq!(s.conversion, [0.020, 0.034]);
    /// assert_eq!(s.devices[0], ("mobile", 0.8));
    /// ```
    pub fn budget_hunters() -> Self {
        Segment::new("budget hunters")
            .share(0.25)
            .devices(&[("mobile", 0.8), ("desktop", 0.15), ("tablet", 0.05)])
            .browsers(&[("chrome", 0.55), ("safari", 0.3), ("samsung", 0.15)])
            .traffic_sources(&[
                ("affiliate", 0.75),
                ("search", 0.1),
                ("social", 0.1),
                ("direct", 0.05),
            ])
            .returning(0.35)
            .sessions(NegativeBinomial {
                mean: 3.0,
                dispersion: 1.5,
            })
            .pages_per_session(LogNormal {
                median: 3.0,
                sigma: 0.4,
            })
            .avg_session_seconds(LogNormal {
                median: 90.0,
                sigma: 0.5,
            })
            .bounce_rate(Beta {
                alpha: 3.0,
                beta: 5.0,
            })
            .hours(LUNCH_AND_LATE)
            .weekdays(EVERY_DAY)
            .conversion(&[0.020, 0.034])
    }

    /// Premium shoppers: on desktop, from search, in office hours on working
    /// days, long sessions over many pages; the treatment lowers their
    /// conversion slightly, from 6.0% to 5.4%.
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Segment;
    /// let s = Segment::premium_shoppers();
    /// assert!(s.conversion[1] < s.conversion[0]); // the treatment hurts
    /// assert_eq!(s.devices[0], ("desktop", 0.85));
    /// ```
    pub fn premium_shoppers() -> Self {
        Segment::new("premium shoppers")
            .share(0.20)
            .devices(&[("desktop", 0.85), ("mobile", 0.1), ("tablet", 0.05)])
            .browsers(&[
                ("chrome", 0.5),
                ("safari", 0.25),
                ("edge", 0.15),
                ("firefox", 0.1),
            ])
            .traffic_sources(&[("search", 0.75), ("direct", 0.15), ("email", 0.1)])
            .returning(0.5)
            .sessions(NegativeBinomial {
                mean: 4.0,
                dispersion: 3.0,
            })
            .pages_per_session(LogNormal {
                median: 7.0,
                sigma: 0.4,
            })
            .avg_session_seconds(LogNormal {
                median: 420.0,
                sigma: 0.5,
            })
            .bounce_rate(Beta {
                alpha: 2.0,
                beta: 12.0,
            })
            .hours(OFFICE)
            .weekdays(WORKWEEK)
            .conversion(&[0.060, 0.054])
    }

    /// Tablet window browsers: on tablets in the evening and at weekends,
    /// many pages and long sessions but rarely buying (0.8% under both
    /// variants).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Segment;
    /// let s = Segment::tablet_browsers();
    /// assert_eq!(s.conversion, [0.008, 0.008]); // no treatment effect
    /// assert_eq!(s.devices[0], ("tablet", 0.75));
    /// ```
    pub fn tablet_browsers() -> Self {
        Segment::new("tablet browsers")
            .share(0.15)
            .devices(&[("tablet", 0.75), ("mobile", 0.15), ("desktop", 0.1)])
            .browsers(&[("safari", 0.6), ("chrome", 0.4)])
            .traffic_sources(&[
                ("search", 0.35),
                ("social", 0.35),
                ("direct", 0.2),
                ("email", 0.1),
            ])
            .returning(0.4)
            .sessions(NegativeBinomial {
                mean: 3.0,
                dispersion: 2.0,
            })
            .pages_per_session(LogNormal {
                median: 12.0,
                sigma: 0.4,
            })
            .avg_session_seconds(LogNormal {
                median: 600.0,
                sigma: 0.5,
            })
            .bounce_rate(Beta {
                alpha: 2.0,
                beta: 10.0,
            })
            .hours(EVENING)
            .weekdays(WEEKEND)
            .conversion(&[0.008, 0.008])
    }

    /// Loyal members: returning visitors from email with many sessions,
    /// before work and after dinner; they convert most (9.0%, 9.3% under
    /// the treatment).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Segment;
    /// let s = Segment::loyal_members();
    /// assert_eq!(s.returning, 0.97);
    /// assert_eq!(s.sessions.mean, 12.0);
    /// ```
    pub fn loyal_members() -> Self {
        Segment::new("loyal members")
            .share(0.20)
            .devices(&[("desktop", 0.45), ("mobile", 0.45), ("tablet", 0.1)])
            .traffic_sources(&[("email", 0.55), ("direct", 0.3), ("search", 0.15)])
            .returning(0.97)
            .sessions(NegativeBinomial {
                mean: 12.0,
                dispersion: 3.0,
            })
            .pages_per_session(LogNormal {
                median: 6.0,
                sigma: 0.4,
            })
            .avg_session_seconds(LogNormal {
                median: 300.0,
                sigma: 0.5,
            })
            .bounce_rate(Beta {
                alpha: 1.5,
                beta: 12.0,
            })
            .hours(MORNING_AND_EVENING)
            .weekdays(EVERY_DAY)
            .conversion(&[0.090, 0.093])
    }

    /// New explorers: first-time visitors from social media, one or two
    /// pages and mostly bouncing; they rarely convert (0.5%, 0.7% under the
    /// treatment).
    ///
    /// # Example
    /// ```
    /// use seg_datasets::Segment;
    /// let s = Segment::new_explorers();
    /// assert_eq!(s.returning, 0.05);
    /// assert!(s.bounce_rate.alpha > s.bounce_rate.beta); // mostly bouncing
    /// ```
    pub fn new_explorers() -> Self {
        Segment::new("new explorers")
            .share(0.20)
            .devices(&[("mobile", 0.6), ("desktop", 0.3), ("tablet", 0.1)])
            .traffic_sources(&[("social", 0.75), ("search", 0.15), ("paid", 0.1)])
            .returning(0.05)
            .sessions(NegativeBinomial {
                mean: 1.3,
                dispersion: 1.0,
            })
            .pages_per_session(LogNormal {
                median: 1.6,
                sigma: 0.5,
            })
            .avg_session_seconds(LogNormal {
                median: 35.0,
                sigma: 0.7,
            })
            .bounce_rate(Beta {
                alpha: 6.0,
                beta: 2.0,
            })
            .hours(DAYTIME)
            .weekdays(WEEKEND)
            .conversion(&[0.005, 0.007])
    }

    /// Set the relative share of the traffic (≥ 0).
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn share(mut self, share: f64) -> Self {
        self.share = share;
        self
    }

    /// Set the device weights.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn devices(mut self, weights: &[(&'static str, f64)]) -> Self {
        self.devices = weights.to_vec();
        self
    }

    /// Set the browser weights.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn browsers(mut self, weights: &[(&'static str, f64)]) -> Self {
        self.browsers = weights.to_vec();
        self
    }

    /// Set the country weights.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn countries(mut self, weights: &[(&'static str, f64)]) -> Self {
        self.countries = weights.to_vec();
        self
    }

    /// Set the traffic-source weights.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn traffic_sources(mut self, weights: &[(&'static str, f64)]) -> Self {
        self.traffic_sources = weights.to_vec();
        self
    }

    /// Set the probability of a returning visitor, in [0, 1].
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn returning(mut self, p: f64) -> Self {
        self.returning = p;
        self
    }

    /// Set the distribution of sessions.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn sessions(mut self, sessions: NegativeBinomial) -> Self {
        self.sessions = sessions;
        self
    }

    /// Set the distribution of mean pages per session.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn pages_per_session(mut self, pages: LogNormal) -> Self {
        self.pages_per_session = pages;
        self
    }

    /// Set the distribution of mean session duration in seconds.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn avg_session_seconds(mut self, seconds: LogNormal) -> Self {
        self.avg_session_seconds = seconds;
        self
    }

    /// Set the distribution of the bounce rate.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn bounce_rate(mut self, bounce: Beta) -> Self {
        self.bounce_rate = bounce;
        self
    }

    /// Set the weights of the hours 0 to 23.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn hours(mut self, weights: [f64; 24]) -> Self {
        self.hours = weights;
        self
    }

    /// Set the weights of the weekdays, Monday to Sunday.
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn weekdays(mut self, weights: [f64; 7]) -> Self {
        self.weekdays = weights;
        self
    }

    /// Set the conversion probability under each variant (variant 0 is the
    /// control).
    ///
    /// A consuming setter, checked when simulating; see the example on
    /// [`Segment`] for a chain of them.
    pub fn conversion(mut self, probabilities: &[f64]) -> Self {
        self.conversion = probabilities.to_vec();
        self
    }

    /// Check every parameter against `n_variants` variants; `index` is the
    /// segment's position, for the error.
    pub(crate) fn check(&self, index: usize, n_variants: usize) -> Result<()> {
        let invalid = |parameter: &'static str, element: Option<String>, value: String, reason| {
            Err(DatasetError::InvalidSegment {
                index,
                segment: self.name.clone(),
                parameter,
                element,
                value,
                reason,
            })
        };
        let bad =
            |parameter, value: f64, reason| invalid(parameter, None, value.to_string(), reason);
        if !(self.share.is_finite() && self.share >= 0.0) {
            return bad("share", self.share, "must be finite and >= 0");
        }
        for (parameter, categories) in [
            ("devices", &self.devices),
            ("browsers", &self.browsers),
            ("countries", &self.countries),
            ("traffic_sources", &self.traffic_sources),
        ] {
            if let Err(e) = check_categories(categories) {
                return invalid(parameter, e.element, e.value, e.reason);
            }
        }
        if !(0.0..=1.0).contains(&self.returning) {
            return bad(
                "returning",
                self.returning,
                "a probability must be in [0, 1]",
            );
        }
        let NegativeBinomial { mean, dispersion } = self.sessions;
        if !(1.0..=1e6).contains(&mean) {
            return bad("sessions.mean", mean, "must be in [1, 1e6]");
        }
        if !(dispersion.is_finite() && dispersion > 0.0) {
            return bad("sessions.dispersion", dispersion, "must be finite and > 0");
        }
        for (median_name, sigma_name, LogNormal { median, sigma }) in [
            (
                "pages_per_session.median",
                "pages_per_session.sigma",
                self.pages_per_session,
            ),
            (
                "avg_session_seconds.median",
                "avg_session_seconds.sigma",
                self.avg_session_seconds,
            ),
        ] {
            if !(median.is_finite() && median > 0.0) {
                return bad(median_name, median, "must be finite and > 0");
            }
            if !(0.0..=10.0).contains(&sigma) {
                return bad(sigma_name, sigma, "must be in [0, 10]");
            }
        }
        for (parameter, value) in [
            ("bounce_rate.alpha", self.bounce_rate.alpha),
            ("bounce_rate.beta", self.bounce_rate.beta),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return bad(parameter, value, "must be finite and > 0");
            }
        }
        for (parameter, weights) in [("hours", &self.hours[..]), ("weekdays", &self.weekdays[..])] {
            if let Err(e) = check_weights(weights) {
                return invalid(parameter, e.element, e.value, e.reason);
            }
        }
        if self.conversion.len() != n_variants {
            return invalid(
                "conversion",
                None,
                format!("{:?}", self.conversion),
                "needs one probability per variant",
            );
        }
        if let Some((v, p)) = self
            .conversion
            .iter()
            .enumerate()
            .find(|(_, p)| !(0.0..=1.0).contains(*p))
        {
            return invalid(
                "conversion",
                Some(v.to_string()),
                p.to_string(),
                "a probability must be in [0, 1]",
            );
        }
        Ok(())
    }
}

/// A failed check of a list: the element at fault (a name, a position or
/// `sum`; `None` for the whole list), the value and the reason.
#[derive(Debug)]
pub(crate) struct ListError {
    pub(crate) element: Option<String>,
    pub(crate) value: String,
    pub(crate) reason: &'static str,
}

impl ListError {
    fn new(element: Option<String>, value: String, reason: &'static str) -> Self {
        ListError {
            element,
            value,
            reason,
        }
    }
}

/// Check category names (non-empty, not reserved, distinct) and weights.
pub(crate) fn check_categories(categories: &[(&'static str, f64)]) -> Result<(), ListError> {
    if categories.is_empty() {
        return Err(ListError::new(
            None,
            "[]".into(),
            "needs at least one category",
        ));
    }
    for (i, &(name, weight)) in categories.iter().enumerate() {
        if name.is_empty() || RESERVED.contains(&name) {
            return Err(ListError::new(
                Some(i.to_string()),
                format!("`{name}`"),
                "a category name must be non-empty and not `<other>` or `<missing>`",
            ));
        }
        if categories[..i].iter().any(|&(other, _)| other == name) {
            return Err(ListError::new(
                Some(name.into()),
                format!("`{name}`"),
                "a category must be listed once",
            ));
        }
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(ListError::new(
                Some(name.into()),
                weight.to_string(),
                "a weight must be finite and >= 0",
            ));
        }
    }
    let weights: Vec<f64> = categories.iter().map(|&(_, w)| w).collect();
    check_weights(&weights)
}

/// Check weights: finite, ≥ 0, with a finite positive sum.
pub(crate) fn check_weights(weights: &[f64]) -> Result<(), ListError> {
    if let Some((i, w)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
    {
        return Err(ListError::new(
            Some(i.to_string()),
            w.to_string(),
            "a weight must be finite and >= 0",
        ));
    }
    let sum: f64 = weights.iter().sum();
    if !(sum.is_finite() && sum > 0.0) {
        return Err(ListError::new(
            Some("sum".into()),
            sum.to_string(),
            "weights must have a finite sum > 0",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planted() -> [Segment; 5] {
        [
            Segment::budget_hunters(),
            Segment::premium_shoppers(),
            Segment::tablet_browsers(),
            Segment::loyal_members(),
            Segment::new_explorers(),
        ]
    }

    #[test]
    fn planted_segments_are_valid() {
        for (i, s) in planted().iter().enumerate() {
            assert_eq!(s.check(i, 2), Ok(()), "{}", s.name);
        }
        assert_eq!(Segment::new("generic").check(0, 2), Ok(()));
    }

    #[test]
    fn treatment_helps_budget_hunters_and_hurts_premium_shoppers() {
        let [budget, premium, ..] = planted();
        assert!(budget.conversion[1] > 1.5 * budget.conversion[0]);
        assert!(premium.conversion[1] < premium.conversion[0]);
    }

    #[test]
    fn reserved_category_names_are_rejected() {
        let s = Segment::new("s").browsers(&[("chrome", 1.0), ("<other>", 1.0)]);
        let err = s.check(3, 2).unwrap_err();
        assert!(matches!(
            err,
            DatasetError::InvalidSegment { index: 3, parameter: "browsers", ref element, .. }
                if element.as_deref() == Some("1")
        ));
        assert_eq!(
            err.to_string(),
            "segment 3 (`s`): invalid browsers[1] = `<other>`: \
             a category name must be non-empty and not `<other>` or `<missing>`"
        );
    }

    #[test]
    fn duplicate_categories_are_rejected() {
        let s = Segment::new("s").devices(&[("mobile", 1.0), ("mobile", 1.0)]);
        assert!(s.check(0, 2).is_err());
    }

    #[test]
    fn weights_need_a_positive_sum() {
        assert!(check_weights(&[0.0, 0.0]).is_err());
        assert!(check_weights(&[f64::MAX, f64::MAX]).is_err());
        assert!(check_weights(&[0.0, 1e-300]).is_ok());
    }

    #[test]
    fn conversion_needs_one_probability_per_variant() {
        let err = Segment::new("s").check(0, 3).unwrap_err();
        assert!(err.to_string().contains("conversion"), "{err}");
        let err = Segment::new("s")
            .conversion(&[0.1, 1.5])
            .check(0, 2)
            .unwrap_err();
        assert!(err.to_string().contains("conversion[1]"), "{err}");
    }
}
