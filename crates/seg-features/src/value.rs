//! Raw values of a visitor record.

use std::borrow::Cow;

use crate::error::{FeatureError, Result};

/// One raw value of a record, before any transform.
///
/// A record is a slice of values in the order of the schema's fields. Text
/// is a [`Cow`], so records can borrow their categories from a request or a
/// CSV line (`Value<'a>`) or own them (`Value<'static>`).
///
/// # Example
///
/// ```
/// use seg_features::Value;
///
/// let record = [Value::from(3.0), Value::from("chrome"), Value::from(true), Value::Missing];
/// assert_eq!(record[1].kind(), "text");
/// assert!(record[3].is_missing());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// No value was observed.
    Missing,
    /// A number (numeric and cyclic fields).
    Number(f64),
    /// A category (categorical fields).
    Text(Cow<'a, str>),
    /// A flag (boolean fields).
    Bool(bool),
}

impl Value<'_> {
    /// The name of this value's kind, as used in error messages:
    /// `missing`, `number`, `text` or `bool`.
    ///
    /// # Example
    /// ```
    /// use seg_features::Value;
    /// assert_eq!(Value::from(1.5).kind(), "number");
    /// assert_eq!(Value::from("x").kind(), "text");
    /// assert_eq!(Value::Missing.kind(), "missing");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Missing => "missing",
            Value::Number(_) => "number",
            Value::Text(_) => "text",
            Value::Bool(_) => "bool",
        }
    }

    /// Whether the value is [`Value::Missing`].
    ///
    /// # Example
    /// ```
    /// use seg_features::Value;
    /// assert!(Value::Missing.is_missing());
    /// assert!(Value::from(None::<f64>).is_missing());
    /// assert!(!Value::from(false).is_missing());
    /// ```
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// A copy that owns its text.
    ///
    /// # Example
    /// ```
    /// use seg_features::Value;
    /// let owned: Value<'static> = {
    ///     let text = String::from("mobile");
    ///     Value::from(text.as_str()).into_owned()
    /// };
    /// assert_eq!(owned, Value::from("mobile"));
    /// ```
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Missing => Value::Missing,
            Value::Number(x) => Value::Number(x),
            Value::Text(s) => Value::Text(Cow::Owned(s.into_owned())),
            Value::Bool(b) => Value::Bool(b),
        }
    }
}

impl From<f64> for Value<'_> {
    fn from(x: f64) -> Self {
        Value::Number(x)
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Text(Cow::Owned(s))
    }
}

impl<T: Into<Value<'static>>> From<Option<T>> for Value<'static> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Missing, Into::into)
    }
}

/// The number of a numeric or cyclic field's value: `None` when missing.
pub(crate) fn number_of(value: &Value<'_>, row: usize, field: &str) -> Result<Option<f64>> {
    match value {
        Value::Number(x) if x.is_finite() => Ok(Some(*x)),
        Value::Number(x) => Err(FeatureError::NonFinite {
            row,
            field: field.to_owned(),
            value: *x,
        }),
        Value::Missing => Ok(None),
        other => Err(wrong_kind(row, field, "number", other)),
    }
}

pub(crate) fn wrong_kind(
    row: usize,
    field: &str,
    expected: &'static str,
    got: &Value<'_>,
) -> FeatureError {
    FeatureError::WrongKind {
        row,
        field: field.to_owned(),
        expected,
        got: got.kind(),
    }
}

/// Checks that there is at least one record and that each has one value
/// per field.
pub(crate) fn check_lengths<'v, R: AsRef<[Value<'v>]>>(
    records: &[R],
    n_fields: usize,
) -> Result<()> {
    if records.is_empty() {
        return Err(FeatureError::EmptyInput);
    }
    match records
        .iter()
        .enumerate()
        .find(|(_, r)| r.as_ref().len() != n_fields)
    {
        Some((row, r)) => Err(FeatureError::RecordLength {
            row,
            expected: n_fields,
            got: r.as_ref().len(),
        }),
        None => Ok(()),
    }
}
