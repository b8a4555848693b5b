//! The ready-made web-visitor schema.

use crate::scaler::Scaler;
use crate::schema::{Categorical, Numeric, Schema, Unknown};
use crate::value::Value;

/// The fields of [`web_visitor_schema`], in record order.
pub const WEB_VISITOR_FIELDS: [&str; 11] = [
    "sessions",
    "pages_per_session",
    "avg_session_seconds",
    "bounce_rate",
    "device",
    "browser",
    "country",
    "hour",
    "weekday",
    "traffic_source",
    "returning",
];

/// A schema for web visitors: behaviour, device, browser, geography, time
/// of day and week, traffic source and returning/new, all in [0, 1].
///
/// | field                 | kind        | encoding                                   | columns |
/// |-----------------------|-------------|--------------------------------------------|---------|
/// | `sessions`            | numeric     | `log1p`, clipped at the 99th percentile, MinMax | 1  |
/// | `pages_per_session`   | numeric     | `log1p`, clipped at the 99th percentile, MinMax | 1  |
/// | `avg_session_seconds` | numeric     | `log1p`, clipped at the 99th percentile, MinMax | 1  |
/// | `bounce_rate`         | numeric     | MinMax (a share in [0, 1])                 | 1       |
/// | `device`              | categorical | up to 3 (desktop, mobile, tablet); unknown → zeros | ≤ 3 |
/// | `browser`             | categorical | the most common one + `<other>`            | 2       |
/// | `country`             | categorical | the home market + `<other>`                | 2       |
/// | `hour`                | cyclic 24   | sin, cos                                   | 2       |
/// | `weekday`             | cyclic 7    | sin, cos (0 = Monday)                      | 2       |
/// | `traffic_source`      | categorical | the 3 most common + `<other>`              | 4       |
/// | `returning`           | boolean     | 0/1                                        | 1       |
///
/// That is 20 features when fitted on traffic with three devices and no
/// missing categories (a categorical field with missing values at fit adds
/// a `<missing>` column). Unknown browsers, countries and traffic sources
/// go to `<other>`, so a new traffic source shows up there.
///
/// # Example
///
/// ```
/// use seg_features::{web_visitor_schema, WebVisitor};
///
/// let visitors = [
///     WebVisitor { sessions: 1.0, pages_per_session: 2.0, avg_session_seconds: 40.0, bounce_rate: 1.0,
///         device: "mobile", browser: "safari", country: "us", hour: 21.0, weekday: 5.0,
///         traffic_source: "social", returning: false },
///     WebVisitor { sessions: 7.0, pages_per_session: 9.0, avg_session_seconds: 420.0, bounce_rate: 0.1,
///         device: "desktop", browser: "chrome", country: "de", hour: 10.0, weekday: 1.0,
///         traffic_source: "search", returning: true },
/// ];
/// let records: Vec<_> = visitors.iter().map(WebVisitor::record).collect();
/// let transformer = web_visitor_schema().fit(&records)?;
/// assert!(transformer.feature_names().contains(&"traffic_source=<other>".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn web_visitor_schema() -> Schema {
    let heavy = Numeric::new(Scaler::MinMax)
        .log1p()
        .clip_quantiles(0.0, 0.99);
    let top = |n| Categorical::new().max_categories(n).unknown(Unknown::Other);
    let [
        sessions,
        pages,
        seconds,
        bounce,
        device,
        browser,
        country,
        hour,
        weekday,
        source,
        returning,
    ] = WEB_VISITOR_FIELDS;
    let schema = Schema::builder()
        .numeric(sessions, heavy)
        .numeric(pages, heavy)
        .numeric(seconds, heavy)
        .numeric(bounce, Numeric::new(Scaler::MinMax))
        .categorical(device, Categorical::new().max_categories(3))
        .categorical(browser, top(1))
        .categorical(country, top(1))
        .cyclic(hour, 24.0)
        .cyclic(weekday, 7.0)
        .categorical(source, top(3))
        .boolean(returning)
        .build();
    match schema {
        Ok(schema) => schema,
        Err(e) => unreachable!("the web-visitor schema is valid: {e}"),
    }
}

/// One web visitor in the fields of [`web_visitor_schema`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WebVisitor<'a> {
    /// Sessions in the look-back window (≥ 1).
    pub sessions: f64,
    /// Mean pages viewed per session.
    pub pages_per_session: f64,
    /// Mean session duration in seconds.
    pub avg_session_seconds: f64,
    /// Share of sessions that bounced (one page, no interaction), in [0, 1].
    pub bounce_rate: f64,
    /// `desktop`, `mobile` or `tablet`.
    pub device: &'a str,
    /// Browser family, e.g. `chrome`.
    pub browser: &'a str,
    /// Country code, e.g. `us`.
    pub country: &'a str,
    /// Local hour of the visit, in [0, 24).
    pub hour: f64,
    /// Day of the week, 0 = Monday … 6 = Sunday.
    pub weekday: f64,
    /// Traffic source, e.g. `search`, `social`, `paid`, `email`.
    pub traffic_source: &'a str,
    /// Whether the visitor has been seen before.
    pub returning: bool,
}

impl<'a> WebVisitor<'a> {
    /// The visitor as a record of [`web_visitor_schema`], borrowing its
    /// text.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Value, WebVisitor};
    /// let v = WebVisitor {
    ///     sessions: 3.0, pages_per_session: 4.5, avg_session_seconds: 120.0, bounce_rate: 0.2,
    ///     device: "mobile", browser: "safari", country: "uk", hour: 21.0, weekday: 5.0,
    ///     traffic_source: "social", returning: true,
    /// };
    /// let record = v.record();
    /// assert_eq!(record[4], Value::from("mobile"));
    /// assert_eq!(record[10], Value::Bool(true));
    /// // It fits the web-visitor schema's field order.
    /// let t = seg_features::web_visitor_schema().fit(&[record])?;
    /// assert_eq!(t.transform(&[v.record()])?.ncols(), t.n_features());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(&self) -> [Value<'a>; 11] {
        [
            Value::Number(self.sessions),
            Value::Number(self.pages_per_session),
            Value::Number(self.avg_session_seconds),
            Value::Number(self.bounce_rate),
            Value::from(self.device),
            Value::from(self.browser),
            Value::from(self.country),
            Value::Number(self.hour),
            Value::Number(self.weekday),
            Value::from(self.traffic_source),
            Value::Bool(self.returning),
        ]
    }
}
