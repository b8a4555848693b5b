//! Declared schemas: named fields and how each is encoded.

use serde::{Deserialize, Serialize};

use crate::error::{FeatureError, Result};
use crate::scaler::Scaler;

/// The range of the transform's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Every output feature lies in [0, 1]: numeric fields must use
    /// [`Scaler::MinMax`] and are clamped to [0, 1] when a value falls outside
    /// the fitted range; cyclic features are mapped from [−1, 1] to [0, 1].
    #[default]
    Unit,
    /// No range is imposed: any scaler is allowed and cyclic features are
    /// the plain sine and cosine in [−1, 1].
    Raw,
}

/// How a numeric field is encoded.
///
/// Plain data: its parameters are checked when a [`Schema`] holding it is
/// built or loaded.
///
/// Applied in this order: impute a missing value with the fitted median,
/// optionally take the signed `log1p` (`sign(x)·ln(1 + |x|)`, which equals
/// `log1p` for the non-negative counts and durations it is meant for), clip
/// at fitted quantiles, then scale.
///
/// # Example
///
/// ```
/// use seg_features::{Numeric, Scaler};
///
/// let duration = Numeric::new(Scaler::MinMax).log1p().clip_quantiles(0.01, 0.99);
/// assert_eq!(duration.scaler(), Scaler::MinMax);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Numeric {
    #[serde(default)]
    scaler: Scaler,
    #[serde(default)]
    log1p: bool,
    #[serde(default)]
    clip_quantiles: Option<[f64; 2]>,
    #[serde(default)]
    missing_indicator: bool,
}

impl Default for Numeric {
    fn default() -> Self {
        Numeric::new(Scaler::MinMax)
    }
}

impl Numeric {
    /// A numeric field scaled with `scaler`, without log, clipping or
    /// missing indicator.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler};
    /// let n = Numeric::new(Scaler::Robust);
    /// assert_eq!(n.scaler(), Scaler::Robust);
    /// assert!(!n.uses_log1p() && n.quantiles().is_none() && !n.has_missing_indicator());
    /// ```
    pub fn new(scaler: Scaler) -> Self {
        Numeric {
            scaler,
            log1p: false,
            clip_quantiles: None,
            missing_indicator: false,
        }
    }

    /// Take the signed `log1p` before clipping and scaling (heavy tails).
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler, Schema, Value};
    /// let schema = Schema::builder()
    ///     .numeric("seconds", Numeric::new(Scaler::None).log1p())
    ///     .output(seg_features::Output::Raw)
    ///     .build()?;
    /// let records = [[Value::from(0.0)], [Value::from(std::f64::consts::E - 1.0)]];
    /// let x = schema.fit(&records)?.transform(&records)?;
    /// assert_eq!(x[[0, 0]], 0.0);
    /// assert!((x[[1, 0]] - 1.0).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log1p(mut self) -> Self {
        self.log1p = true;
        self
    }

    /// Clip at the fitted `lower` and `upper` quantiles (fractions in
    /// [0, 1], e.g. 0.01 and 0.99), computed after the log.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler, Schema, Value};
    /// let spec = Numeric::new(Scaler::MinMax).clip_quantiles(0.0, 0.5);
    /// assert_eq!(spec.quantiles(), Some([0.0, 0.5]));
    /// let schema = Schema::builder().numeric("x", spec).build()?;
    /// let records = [[Value::from(0.0)], [Value::from(1.0)], [Value::from(100.0)]];
    /// // Clipped at the median 1.0, so the outlier maps to 1 like the median.
    /// let x = schema.fit(&records)?.transform(&records)?;
    /// assert_eq!(x.column(0).to_vec(), [0.0, 1.0, 1.0]);
    /// assert!(Schema::builder().numeric("x", Numeric::new(Scaler::MinMax).clip_quantiles(0.5, 2.0)).build().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clip_quantiles(mut self, lower: f64, upper: f64) -> Self {
        self.clip_quantiles = Some([lower, upper]);
        self
    }

    /// Add a `<name>.missing` column that is 1 when the value was missing.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler, Schema, Value};
    /// let schema = Schema::builder()
    ///     .numeric("sessions", Numeric::new(Scaler::MinMax).missing_indicator())
    ///     .build()?;
    /// let records = [[Value::from(1.0)], [Value::Missing], [Value::from(3.0)]];
    /// let t = schema.fit(&records)?;
    /// assert_eq!(t.feature_names(), ["sessions", "sessions.missing"]);
    /// assert_eq!(t.transform(&records)?.column(1).to_vec(), [0.0, 1.0, 0.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn missing_indicator(mut self) -> Self {
        self.missing_indicator = true;
        self
    }

    /// The scaler.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler};
    /// assert_eq!(Numeric::new(Scaler::Standard).scaler(), Scaler::Standard);
    /// ```
    pub fn scaler(&self) -> Scaler {
        self.scaler
    }

    /// Whether the signed `log1p` is applied.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler};
    /// assert!(Numeric::new(Scaler::MinMax).log1p().uses_log1p());
    /// ```
    pub fn uses_log1p(&self) -> bool {
        self.log1p
    }

    /// The clipping quantiles, if any.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler};
    /// assert_eq!(Numeric::new(Scaler::MinMax).clip_quantiles(0.01, 0.99).quantiles(), Some([0.01, 0.99]));
    /// ```
    pub fn quantiles(&self) -> Option<[f64; 2]> {
        self.clip_quantiles
    }

    /// Whether a missing-indicator column is emitted.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Scaler};
    /// assert!(Numeric::new(Scaler::MinMax).missing_indicator().has_missing_indicator());
    /// ```
    pub fn has_missing_indicator(&self) -> bool {
        self.missing_indicator
    }
}

/// What to do with a category that was not seen during fitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unknown {
    /// Encode as all zeros.
    #[default]
    Ignore,
    /// Encode in the `<other>` column (which then always exists).
    Other,
    /// Return [`FeatureError::UnknownCategory`].
    Error,
}

/// How a categorical field is one-hot encoded.
///
/// Plain data: its parameters are checked when a [`Schema`] holding it is
/// built or loaded.
///
/// Categories are learned at fit. Those seen fewer than `min_count` times,
/// and those beyond the `max_categories` most frequent, are folded into one
/// `<other>` column. Missing values get their own `<missing>` column when
/// the fitting data had any. Kept categories are ordered by name.
///
/// # Example
///
/// ```
/// use seg_features::{Categorical, Unknown};
///
/// let browser = Categorical::new().min_count(10).max_categories(4).unknown(Unknown::Other);
/// assert_eq!(browser.unknown_policy(), Unknown::Other);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Categorical {
    #[serde(default = "one")]
    min_count: usize,
    #[serde(default)]
    max_categories: Option<usize>,
    #[serde(default)]
    unknown: Unknown,
}

fn one() -> usize {
    1
}

impl Default for Categorical {
    fn default() -> Self {
        Categorical::new()
    }
}

impl Categorical {
    /// Keep every category seen at fit; unknown categories encode as zeros.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Unknown};
    /// let c = Categorical::new();
    /// assert_eq!((c.min_count_value(), c.max_categories_value()), (1, None));
    /// assert_eq!(c.unknown_policy(), Unknown::Ignore);
    /// ```
    pub fn new() -> Self {
        Categorical {
            min_count: 1,
            max_categories: None,
            unknown: Unknown::Ignore,
        }
    }

    /// Fold categories seen fewer than `n` times into `<other>` (default 1).
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Schema, Value};
    /// let schema = Schema::builder().categorical("browser", Categorical::new().min_count(2)).build()?;
    /// let records = [[Value::from("chrome")], [Value::from("chrome")], [Value::from("opera")]];
    /// let t = schema.fit(&records)?;
    /// assert_eq!(t.feature_names(), ["browser=chrome", "browser=<other>"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn min_count(mut self, n: usize) -> Self {
        self.min_count = n;
        self
    }

    /// Keep at most `n` categories (the most frequent; ties by name).
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Schema, Value};
    /// let schema = Schema::builder().categorical("browser", Categorical::new().max_categories(1)).build()?;
    /// let records = [[Value::from("safari")], [Value::from("chrome")], [Value::from("chrome")]];
    /// let t = schema.fit(&records)?;
    /// assert_eq!(t.feature_names(), ["browser=chrome", "browser=<other>"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_categories(mut self, n: usize) -> Self {
        self.max_categories = Some(n);
        self
    }

    /// The policy for categories not seen at fit (default
    /// [`Unknown::Ignore`]).
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Schema, Unknown, Value};
    /// let fit = |policy| -> Result<_, seg_features::FeatureError> {
    ///     let schema = Schema::builder().categorical("device", Categorical::new().unknown(policy)).build()?;
    ///     schema.fit(&[[Value::from("mobile")]])
    /// };
    /// let unseen = [[Value::from("watch")]];
    /// assert_eq!(fit(Unknown::Ignore)?.transform(&unseen)?.row(0).to_vec(), [0.0]);
    /// assert_eq!(fit(Unknown::Other)?.transform(&unseen)?.row(0).to_vec(), [0.0, 1.0]);
    /// assert!(fit(Unknown::Error)?.transform(&unseen).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unknown(mut self, policy: Unknown) -> Self {
        self.unknown = policy;
        self
    }

    /// The minimum count.
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_features::Categorical::new().min_count(5).min_count_value(), 5);
    /// ```
    pub fn min_count_value(&self) -> usize {
        self.min_count
    }

    /// The maximum number of kept categories, if any.
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_features::Categorical::new().max_categories(3).max_categories_value(), Some(3));
    /// ```
    pub fn max_categories_value(&self) -> Option<usize> {
        self.max_categories
    }

    /// The unknown-category policy.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, Unknown};
    /// assert_eq!(Categorical::new().unknown(Unknown::Error).unknown_policy(), Unknown::Error);
    /// ```
    pub fn unknown_policy(&self) -> Unknown {
        self.unknown
    }
}

/// The kind of a field and its encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldKind {
    /// A number, imputed, optionally logged and clipped, then scaled.
    Numeric(Numeric),
    /// A category, one-hot encoded.
    Categorical(Categorical),
    /// A periodic number (hour of day: 24, weekday: 7, month: 12) encoded
    /// as sine and cosine of `2π·value / period`. A missing value encodes as
    /// the centre of the circle.
    Cyclic {
        /// The period, > 0.
        period: f64,
    },
    /// A flag encoded as 0/1; a missing flag is imputed with the fitted
    /// share of `true`.
    Boolean,
}

impl FieldKind {
    /// The kind's name, as used in error messages.
    ///
    /// # Example
    /// ```
    /// use seg_features::FieldKind;
    /// assert_eq!(FieldKind::Cyclic { period: 24.0 }.name(), "cyclic");
    /// assert_eq!(FieldKind::Boolean.name(), "boolean");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Numeric(_) => "numeric",
            FieldKind::Categorical(_) => "categorical",
            FieldKind::Cyclic { .. } => "cyclic",
            FieldKind::Boolean => "boolean",
        }
    }
}

/// A named field of a schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    name: String,
    kind: FieldKind,
}

impl Field {
    /// The field's name.
    ///
    /// # Example
    /// ```
    /// use seg_features::Schema;
    /// let schema = Schema::builder().boolean("returning").build()?;
    /// assert_eq!(schema.fields()[0].name(), "returning");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field's kind and encoding.
    ///
    /// # Example
    /// ```
    /// use seg_features::{FieldKind, Schema};
    /// let schema = Schema::builder().cyclic("hour", 24.0).build()?;
    /// assert_eq!(schema.fields()[0].kind(), &FieldKind::Cyclic { period: 24.0 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> &FieldKind {
        &self.kind
    }
}

/// A validated list of named fields and the output range.
///
/// Records are slices of [`crate::Value`] in the order of the fields. A
/// schema is plain data: it serialises to JSON and is validated again when
/// read back.
///
/// # Example
///
/// ```
/// use seg_features::{Categorical, Numeric, Scaler, Schema, Value};
///
/// let schema = Schema::builder()
///     .numeric("pages", Numeric::new(Scaler::MinMax).log1p())
///     .categorical("device", Categorical::new())
///     .cyclic("hour", 24.0)
///     .boolean("returning")
///     .build()?;
/// let records = vec![
///     vec![Value::from(3.0), Value::from("mobile"), Value::from(21.0), Value::from(false)],
///     vec![Value::from(12.0), Value::from("desktop"), Value::from(9.0), Value::from(true)],
/// ];
/// let transformer = schema.fit(&records)?;
/// assert_eq!(
///     transformer.feature_names(),
///     ["pages", "device=desktop", "device=mobile", "hour.sin", "hour.cos", "returning"]
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SchemaData", into = "SchemaData")]
pub struct Schema {
    fields: Vec<Field>,
    output: Output,
}

/// The serialised form of a schema, validated into a [`Schema`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SchemaData {
    #[serde(default)]
    output: Output,
    fields: Vec<Field>,
}

impl TryFrom<SchemaData> for Schema {
    type Error = FeatureError;

    fn try_from(data: SchemaData) -> Result<Self> {
        Schema::new(data.fields, data.output)
    }
}

impl From<Schema> for SchemaData {
    fn from(schema: Schema) -> Self {
        SchemaData {
            output: schema.output,
            fields: schema.fields,
        }
    }
}

/// Reserved texts of the encoder's own categorical columns.
pub(crate) const OTHER: &str = "<other>";
pub(crate) const MISSING: &str = "<missing>";

impl Schema {
    /// Starts a schema; fields are added in output order.
    ///
    /// The builder's methods chain; [`SchemaBuilder::build`] validates.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Categorical, FieldKind, Numeric, Output, Scaler, Schema};
    /// let schema = Schema::builder()
    ///     .numeric("pages", Numeric::new(Scaler::Standard))
    ///     .categorical("device", Categorical::new())
    ///     .cyclic("weekday", 7.0)
    ///     .boolean("returning")
    ///     .field("bounce", FieldKind::Numeric(Numeric::new(Scaler::Robust)))
    ///     .output(Output::Raw)
    ///     .build()?;
    /// assert_eq!(schema.fields().len(), 5);
    /// assert_eq!(schema.output(), Output::Raw);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::default()
    }

    fn new(fields: Vec<Field>, output: Output) -> Result<Self> {
        if fields.is_empty() {
            return Err(FeatureError::EmptySchema);
        }
        for (i, field) in fields.iter().enumerate() {
            if field.name.is_empty() || field.name.contains('=') {
                return Err(FeatureError::InvalidFieldName {
                    name: field.name.clone(),
                });
            }
            if fields[..i].iter().any(|f| f.name == field.name) {
                return Err(FeatureError::DuplicateField {
                    name: field.name.clone(),
                });
            }
            check_kind(&field.name, &field.kind, output)?;
        }
        Ok(Schema { fields, output })
    }

    /// The fields, in record order.
    ///
    /// # Example
    /// ```
    /// use seg_features::Schema;
    /// let schema = Schema::builder().boolean("a").cyclic("b", 12.0).build()?;
    /// let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The output range.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Output, Schema};
    /// assert_eq!(Schema::builder().boolean("a").build()?.output(), Output::Unit);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn output(&self) -> Output {
        self.output
    }

    /// The position of the field called `name`.
    ///
    /// # Errors
    ///
    /// [`FeatureError::UnknownField`] when no field has that name.
    ///
    /// # Example
    /// ```
    /// use seg_features::Schema;
    /// let schema = Schema::builder().boolean("a").boolean("b").build()?;
    /// assert_eq!(schema.index_of("b")?, 1);
    /// assert!(schema.index_of("c").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| FeatureError::UnknownField {
                name: name.to_owned(),
            })
    }

    /// Builds a record in field order from `(name, value)` pairs; fields
    /// not named are [`crate::Value::Missing`].
    ///
    /// # Errors
    ///
    /// [`FeatureError::UnknownField`] for a name the schema does not
    /// declare, [`FeatureError::DuplicateField`] for a name given twice.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_features::{Schema, Value};
    ///
    /// let schema = Schema::builder().cyclic("hour", 24.0).boolean("returning").build()?;
    /// let record = schema.record([("returning", Value::from(true))])?;
    /// assert_eq!(record, [Value::Missing, Value::Bool(true)]);
    /// assert!(schema.record([("browser", Value::from("chrome"))]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record<'a, 'n>(
        &self,
        pairs: impl IntoIterator<Item = (&'n str, crate::Value<'a>)>,
    ) -> Result<Vec<crate::Value<'a>>> {
        let mut record = vec![crate::Value::Missing; self.fields.len()];
        let mut seen = vec![false; self.fields.len()];
        for (name, value) in pairs {
            let i = self.index_of(name)?;
            if std::mem::replace(&mut seen[i], true) {
                return Err(FeatureError::DuplicateField {
                    name: name.to_owned(),
                });
            }
            record[i] = value;
        }
        Ok(record)
    }
}

fn invalid(
    field: &str,
    parameter: &'static str,
    value: String,
    reason: &'static str,
) -> FeatureError {
    FeatureError::InvalidFieldParameter {
        field: field.to_owned(),
        parameter,
        value,
        reason,
    }
}

fn check_kind(name: &str, kind: &FieldKind, output: Output) -> Result<()> {
    match kind {
        FieldKind::Numeric(spec) => {
            if output == Output::Unit && spec.scaler != Scaler::MinMax {
                return Err(invalid(
                    name,
                    "scaler",
                    format!("{:?}", spec.scaler),
                    "a [0, 1] output needs the min_max scaler (use Output::Raw for others)",
                ));
            }
            if let Some([lo, hi]) = spec.clip_quantiles {
                let ok = (0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi) && lo < hi;
                if !ok {
                    return Err(invalid(
                        name,
                        "clip_quantiles",
                        format!("[{lo}, {hi}]"),
                        "need 0 <= lower < upper <= 1",
                    ));
                }
            }
        }
        FieldKind::Categorical(spec) => {
            if spec.min_count == 0 {
                return Err(invalid(name, "min_count", "0".into(), "must be at least 1"));
            }
            if spec.max_categories == Some(0) {
                return Err(invalid(
                    name,
                    "max_categories",
                    "0".into(),
                    "must be at least 1",
                ));
            }
        }
        FieldKind::Cyclic { period } => {
            if !(period.is_finite() && *period > 0.0) {
                return Err(invalid(
                    name,
                    "period",
                    period.to_string(),
                    "must be finite and > 0",
                ));
            }
        }
        FieldKind::Boolean => {}
    }
    Ok(())
}

/// Collects fields for a [`Schema`]; [`SchemaBuilder::build`] validates.
#[derive(Debug, Clone, Default)]
pub struct SchemaBuilder {
    fields: Vec<Field>,
    output: Output,
}

impl SchemaBuilder {
    /// Adds a field of any kind.
    ///
    /// See the chain example on [`Schema::builder`].
    pub fn field(mut self, name: impl Into<String>, kind: FieldKind) -> Self {
        self.fields.push(Field {
            name: name.into(),
            kind,
        });
        self
    }

    /// Adds a numeric field.
    ///
    /// See the chain example on [`Schema::builder`].
    pub fn numeric(self, name: impl Into<String>, spec: Numeric) -> Self {
        self.field(name, FieldKind::Numeric(spec))
    }

    /// Adds a categorical field.
    ///
    /// See the chain example on [`Schema::builder`].
    pub fn categorical(self, name: impl Into<String>, spec: Categorical) -> Self {
        self.field(name, FieldKind::Categorical(spec))
    }

    /// Adds a cyclic field with the given period (24 for hours, 7 for
    /// weekdays, 12 for months).
    ///
    /// The period is checked by [`build`](Self::build); see the chain example
    /// on [`Schema::builder`].
    pub fn cyclic(self, name: impl Into<String>, period: f64) -> Self {
        self.field(name, FieldKind::Cyclic { period })
    }

    /// Adds a boolean field.
    ///
    /// See the chain example on [`Schema::builder`].
    pub fn boolean(self, name: impl Into<String>) -> Self {
        self.field(name, FieldKind::Boolean)
    }

    /// Sets the output range (default [`Output::Unit`]).
    ///
    /// # Example
    /// ```
    /// use seg_features::{Numeric, Output, Scaler, Schema};
    /// // A [0, 1] output needs MinMax scaling; a raw output allows any scaler.
    /// let standard = || Schema::builder().numeric("x", Numeric::new(Scaler::Standard));
    /// assert!(standard().build().is_err());
    /// assert!(standard().output(Output::Raw).build().is_ok());
    /// ```
    pub fn output(mut self, output: Output) -> Self {
        self.output = output;
        self
    }

    /// Validates the fields.
    ///
    /// # Errors
    ///
    /// [`FeatureError::EmptySchema`], [`FeatureError::DuplicateField`],
    /// [`FeatureError::InvalidFieldName`], or
    /// [`FeatureError::InvalidFieldParameter`] naming the field and parameter
    /// (a non-positive period, quantiles outside [0, 1], a non-MinMax
    /// scaler with a [0, 1] output, …).
    ///
    /// # Example
    /// ```
    /// use seg_features::Schema;
    /// assert!(Schema::builder().boolean("a").build().is_ok());
    /// assert!(Schema::builder().build().is_err()); // no field
    /// assert!(Schema::builder().boolean("a").boolean("a").build().is_err()); // duplicate
    /// assert!(Schema::builder().cyclic("hour", 0.0).build().is_err()); // period
    /// ```
    pub fn build(self) -> Result<Schema> {
        Schema::new(self.fields, self.output)
    }
}
