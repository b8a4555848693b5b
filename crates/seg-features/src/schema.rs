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
    pub fn new(scaler: Scaler) -> Self {
        Numeric {
            scaler,
            log1p: false,
            clip_quantiles: None,
            missing_indicator: false,
        }
    }

    /// Take the signed `log1p` before clipping and scaling (heavy tails).
    pub fn log1p(mut self) -> Self {
        self.log1p = true;
        self
    }

    /// Clip at the fitted `lower` and `upper` quantiles (fractions in
    /// [0, 1], e.g. 0.01 and 0.99), computed after the log.
    pub fn clip_quantiles(mut self, lower: f64, upper: f64) -> Self {
        self.clip_quantiles = Some([lower, upper]);
        self
    }

    /// Add a `<name>.missing` column that is 1 when the value was missing.
    pub fn missing_indicator(mut self) -> Self {
        self.missing_indicator = true;
        self
    }

    /// The scaler.
    pub fn scaler(&self) -> Scaler {
        self.scaler
    }

    /// Whether the signed `log1p` is applied.
    pub fn uses_log1p(&self) -> bool {
        self.log1p
    }

    /// The clipping quantiles, if any.
    pub fn quantiles(&self) -> Option<[f64; 2]> {
        self.clip_quantiles
    }

    /// Whether a missing-indicator column is emitted.
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
    pub fn new() -> Self {
        Categorical {
            min_count: 1,
            max_categories: None,
            unknown: Unknown::Ignore,
        }
    }

    /// Fold categories seen fewer than `n` times into `<other>` (default 1).
    pub fn min_count(mut self, n: usize) -> Self {
        self.min_count = n;
        self
    }

    /// Keep at most `n` categories (the most frequent; ties by name).
    pub fn max_categories(mut self, n: usize) -> Self {
        self.max_categories = Some(n);
        self
    }

    /// The policy for categories not seen at fit (default
    /// [`Unknown::Ignore`]).
    pub fn unknown(mut self, policy: Unknown) -> Self {
        self.unknown = policy;
        self
    }

    /// The minimum count.
    pub fn min_count_value(&self) -> usize {
        self.min_count
    }

    /// The maximum number of kept categories, if any.
    pub fn max_categories_value(&self) -> Option<usize> {
        self.max_categories
    }

    /// The unknown-category policy.
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
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field's kind and encoding.
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
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The output range.
    pub fn output(&self) -> Output {
        self.output
    }

    /// The position of the field called `name`.
    ///
    /// # Errors
    ///
    /// [`FeatureError::UnknownField`] when no field has that name.
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
    FeatureError::InvalidParameter {
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
    pub fn field(mut self, name: impl Into<String>, kind: FieldKind) -> Self {
        self.fields.push(Field {
            name: name.into(),
            kind,
        });
        self
    }

    /// Adds a numeric field.
    pub fn numeric(self, name: impl Into<String>, spec: Numeric) -> Self {
        self.field(name, FieldKind::Numeric(spec))
    }

    /// Adds a categorical field.
    pub fn categorical(self, name: impl Into<String>, spec: Categorical) -> Self {
        self.field(name, FieldKind::Categorical(spec))
    }

    /// Adds a cyclic field with the given period (24 for hours, 7 for
    /// weekdays, 12 for months).
    pub fn cyclic(self, name: impl Into<String>, period: f64) -> Self {
        self.field(name, FieldKind::Cyclic { period })
    }

    /// Adds a boolean field.
    pub fn boolean(self, name: impl Into<String>) -> Self {
        self.field(name, FieldKind::Boolean)
    }

    /// Sets the output range (default [`Output::Unit`]).
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
    /// [`FeatureError::InvalidParameter`] naming the field and parameter
    /// (a non-positive period, quantiles outside [0, 1], a non-MinMax
    /// scaler with a [0, 1] output, …).
    pub fn build(self) -> Result<Schema> {
        Schema::new(self.fields, self.output)
    }
}
