//! A draft schema guessed from the columns of a CSV file.
//!
//! The file is read by the one CSV reader of the crate ([`CsvReader`]), so
//! quoting, trimming and the missing-value tokens (an empty cell, `NA`,
//! `N/A`, `null`, `none`) are those of [`crate::read_csv`] and of the `seg`
//! tool. Every data row is read once; a seeded reservoir sample of at most
//! [`InferParams::sample`] rows is kept, and the guesses are made on it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use crate::csv::CsvReader;
use crate::error::{FeatureError, Result};
use crate::scaler::{Scaler, quantile_sorted};
use crate::schema::{Categorical, FieldKind, MISSING, Numeric, OTHER, Schema, Unknown};

/// Rows sampled by default.
const DEFAULT_SAMPLE: usize = 10_000;
/// Categories kept per categorical field by default.
const DEFAULT_MAX_CATEGORIES: usize = 20;
/// Skewness above which a tail is heavy (log or clip).
const HEAVY_SKEWNESS: f64 = 2.0;
/// `max / median` above which non-negative values are logged.
const HEAVY_MAX_OVER_MEDIAN: f64 = 10.0;
/// Share of missing values from which a numeric field gets an indicator.
const INDICATOR_SHARE: f64 = 0.01;
/// Fewest values for "every value is distinct" to mean an identifier.
const MIN_IDENTIFIER_VALUES: usize = 10;
/// Most distinct integer codes of a column named like a category.
const MAX_CODES: usize = 100;
/// Share of numbers from which a text column is called "mostly numbers".
const MOSTLY_NUMBERS: f64 = 0.9;

/// Words of a column name that make integer codes categories
/// (`OperatingSystems`, `TrafficType`, `browser`, `region`, …).
const CODE_WORDS: [&str; 22] = [
    "type", "types", "code", "codes", "category", "class", "kind", "region", "country", "city",
    "browser", "system", "systems", "os", "platform", "device", "channel", "source", "language",
    "segment", "group", "zip",
];

const MONTH_NAMES: [&str; 25] = [
    "jan",
    "january",
    "feb",
    "february",
    "mar",
    "march",
    "apr",
    "april",
    "may",
    "jun",
    "june",
    "jul",
    "july",
    "aug",
    "august",
    "sep",
    "sept",
    "september",
    "oct",
    "october",
    "nov",
    "november",
    "dec",
    "december",
    "dez",
];

const WEEKDAY_NAMES: [&str; 17] = [
    "mon",
    "monday",
    "tue",
    "tues",
    "tuesday",
    "wed",
    "wednesday",
    "thu",
    "thurs",
    "thursday",
    "fri",
    "friday",
    "sat",
    "saturday",
    "sun",
    "sunday",
    "weekday",
];

/// The parameters of [`infer_schema`]: excluded columns, sample size, cap
/// on categories and the seed of the sample.
///
/// Defaults: no column excluded, a sample of 10,000 rows, at most 20
/// categories per categorical field, seed 0.
///
/// # Example
///
/// ```
/// use seg_features::InferParams;
///
/// let params = InferParams::new().exclude(["Revenue"]).sample(5_000).max_categories(10).seed(7);
/// assert_eq!(params.excluded(), ["Revenue"]);
/// assert_eq!((params.sample_size(), params.category_cap(), params.seed_value()), (5_000, 10, 7));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferParams {
    exclude: Vec<String>,
    sample: usize,
    max_categories: usize,
    seed: u64,
}

impl Default for InferParams {
    fn default() -> Self {
        InferParams::new()
    }
}

impl InferParams {
    /// The defaults: no exclusion, 10,000 sampled rows, 20 categories, seed 0.
    ///
    /// # Example
    /// ```
    /// let params = seg_features::InferParams::new();
    /// assert_eq!((params.sample_size(), params.category_cap()), (10_000, 20));
    /// ```
    pub fn new() -> Self {
        InferParams {
            exclude: Vec::new(),
            sample: DEFAULT_SAMPLE,
            max_categories: DEFAULT_MAX_CATEGORIES,
            seed: 0,
        }
    }

    /// Leaves these columns out of the schema (added to any excluded
    /// before), e.g. an outcome such as a purchase flag, which is profiled
    /// against the segments rather than used to find them. Each must be a
    /// column of the header.
    ///
    /// # Example
    /// ```
    /// let params = seg_features::InferParams::new().exclude(["id"]).exclude(["Revenue"]);
    /// assert_eq!(params.excluded(), ["id", "Revenue"]);
    /// ```
    pub fn exclude<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude.extend(columns.into_iter().map(Into::into));
        self
    }

    /// Guesses from a seeded uniform sample of at most `n` rows (reservoir
    /// sampling over the whole file; every row when the file has at most
    /// `n`). At least 1.
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_features::InferParams::new().sample(100).sample_size(), 100);
    /// ```
    pub fn sample(mut self, n: usize) -> Self {
        self.sample = n;
        self
    }

    /// Keeps at most `n` categories per categorical field
    /// ([`Categorical::max_categories`]); the others fold into `<other>`.
    /// At least 1.
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_features::InferParams::new().max_categories(5).category_cap(), 5);
    /// ```
    pub fn max_categories(mut self, n: usize) -> Self {
        self.max_categories = n;
        self
    }

    /// The seed of the reservoir sample (same seed, same guesses).
    ///
    /// # Example
    /// ```
    /// assert_eq!(seg_features::InferParams::new().seed(3).seed_value(), 3);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The excluded columns.
    ///
    /// See the example of [`InferParams`].
    pub fn excluded(&self) -> &[String] {
        &self.exclude
    }

    /// The largest number of sampled rows.
    ///
    /// See the example of [`InferParams`].
    pub fn sample_size(&self) -> usize {
        self.sample
    }

    /// The cap on the categories of a categorical field.
    ///
    /// See the example of [`InferParams`].
    pub fn category_cap(&self) -> usize {
        self.max_categories
    }

    /// The seed of the sample.
    ///
    /// See the example of [`InferParams`].
    pub fn seed_value(&self) -> u64 {
        self.seed
    }

    /// Checks the parameters.
    fn check(&self) -> Result<()> {
        if self.sample == 0 {
            return Err(FeatureError::InvalidParameter {
                parameter: "sample",
                value: "0".to_owned(),
                reason: "must be at least 1",
            });
        }
        if self.max_categories == 0 {
            return Err(FeatureError::InvalidParameter {
                parameter: "max_categories",
                value: "0".to_owned(),
                reason: "must be at least 1",
            });
        }
        Ok(())
    }
}

/// Why a column is left out of an inferred schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exclusion {
    /// Named in [`InferParams::exclude`].
    Requested,
    /// A name that no field can have (empty, holding `=`, or a repeated
    /// header name).
    UnusableName,
    /// Every sampled value is missing.
    Empty,
    /// One value only (besides missing ones).
    Constant,
    /// Every value distinct: text, or integers (an id, a row number).
    Identifier,
    /// Text equal to `<other>` or `<missing>`, reserved for the encoder's
    /// own columns.
    ReservedText,
}

/// The guess for one column: a field kind, or left out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Guess {
    /// A field of the schema, with its encoding.
    Field(FieldKind),
    /// Left out of the schema.
    Excluded(Exclusion),
}

impl Guess {
    /// The kind's name (`numeric`, `categorical`, `cyclic`, `boolean`) or
    /// `excluded`.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Exclusion, FieldKind, Guess};
    /// assert_eq!(Guess::Field(FieldKind::Boolean).name(), "boolean");
    /// assert_eq!(Guess::Excluded(Exclusion::Constant).name(), "excluded");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Guess::Field(kind) => kind.name(),
            Guess::Excluded(_) => "excluded",
        }
    }

    /// The field kind, or `None` for an excluded column.
    ///
    /// # Example
    /// ```
    /// use seg_features::{Exclusion, FieldKind, Guess};
    /// assert_eq!(Guess::Field(FieldKind::Boolean).kind(), Some(&FieldKind::Boolean));
    /// assert_eq!(Guess::Excluded(Exclusion::Empty).kind(), None);
    /// ```
    pub fn kind(&self) -> Option<&FieldKind> {
        match self {
            Guess::Field(kind) => Some(kind),
            Guess::Excluded(_) => None,
        }
    }
}

/// The guess for one column of the header, and why.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ColumnGuess {
    /// The column's name in the header.
    pub column: String,
    /// The field kind or the exclusion.
    pub guess: Guess,
    /// Why, in one line (`numbers in [0, 27], skewed (…): log1p`).
    pub reason: String,
}

/// The result of [`infer_schema`]: the schema and the guess for every
/// column of the header, in header order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InferredSchema {
    /// The schema of the columns that are fields, in header order; it
    /// passed the checks of [`Schema`] and serialises to the JSON that
    /// `seg segment --schema` reads.
    pub schema: Schema,
    /// One guess per header column, in header order.
    pub columns: Vec<ColumnGuess>,
    /// Data rows read (the whole file).
    pub rows_read: u64,
    /// Rows in the sample the guesses were made on.
    pub rows_sampled: usize,
}

/// Guesses a draft [`Schema`] from the columns of a CSV file with a header
/// row, with a one-line reason per column.
///
/// The file is read once with the crate's CSV reader; a seeded reservoir
/// sample of at most [`InferParams::sample`] rows (uniform over the file;
/// every row of a smaller file) is kept and each column is guessed from
/// its sampled values, missing ones set aside. The rules, in order:
///
/// 1. **Excluded**: a column named in [`InferParams::exclude`]; a name no
///    field can have (empty, with `=`, or a repeated header name); a column
///    whose sampled values are all missing (*empty*) or all equal
///    (*constant*); an *identifier* (at least 10 values, every one
///    distinct, and text or integers, unless rule 3 makes them cyclic);
///    text holding the encoder's reserved `<other>` or `<missing>`.
/// 2. **Boolean**: every value one of the reader's boolean tokens —
///    `true`/`false`, `yes`/`no` (any case) or `1`/`0`. A numeric column of
///    only 0 and 1 is therefore a boolean: a flag, encoded 0/1 either way,
///    with a missing flag imputed by the share of ones rather than the
///    median. A column with `1.0`, `2` or `-1` is numeric.
/// 3. **Cyclic**, for numbers whose name says so (the name is split into
///    words at `_`, `-`, spaces and lower-to-upper case changes) and whose
///    range fits: a word `hour` or `hr` and values in [0, 24) → period 24;
///    `weekday`, `dow`, `wday` or `day of week` and integers in 0..=7 → 7;
///    `month` and integers in 0..=12 → 12; `minute` and values in [0, 60)
///    → 60. Month or weekday *names* (`Feb`, `June`, `Mon`) are text: the
///    schema reads text as categories and cannot map it to the numbers a
///    cyclic field needs, so they are categorical.
/// 4. **Categorical** for integer codes: integers with at most 100 distinct
///    values in a column named like a category (a word such as `type`,
///    `code`, `category`, `region`, `country`, `browser`, `system(s)`, `os`,
///    `device`, `channel`, `source`).
/// 5. **Numeric** when every value parses as a finite number, with the
///    [`Scaler::MinMax`] scaler (the one a [0, 1] output allows, the
///    default [`crate::Output`]) and:
///    - `log1p` for a skewed non-negative count or duration: minimum ≥ 0,
///      maximum > 1 (rates and shares in [0, 1] are not logged), and
///      skewness > 2 or maximum > 10 × median (median > 0);
///    - clipping at the 99th percentile, `[0, 0.99]`, when the skewness
///      (after the log, when logged) is still above 2, and at the 1st,
///      `[0.01, 1]`, when it is below −2;
///    - a missing indicator when at least 1% of the sampled values are
///      missing.
/// 6. **Categorical** otherwise (text): with
///    [`Categorical::max_categories`] set to [`InferParams::max_categories`]
///    always (the whole file may hold categories the sample missed), and
///    unknown categories sent to `<other>` when the sample already has
///    more categories than the cap. The reason names text that is mostly
///    numbers (a stray `?` for a missing value, say).
///
/// An outcome column (a purchase flag, revenue) is guessed like any other;
/// exclude it to segment on behaviour only.
///
/// A guess made on a sample can miss a rare value of the rest of the file
/// (a text cell in a column whose sampled values were all numbers): the
/// schema then fails to read that file, naming the cell; a larger sample
/// or an edit of the schema fixes it.
///
/// # Errors
///
/// [`FeatureError::Io`] when the file cannot be read, and the errors of
/// [`infer_schema_from_csv`].
///
/// # Example
///
/// ```
/// use seg_features::{infer_schema, read_csv, FieldKind, InferParams};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("visits.csv");
/// let mut text = String::from("visit_id,seconds,device,returning,hour\n");
/// for i in 0..40 {
///     let seconds = if i % 10 == 0 { 5000 } else { i * 3 };
///     let device = ["mobile", "desktop", "tablet"][i % 3];
///     text += &format!("{i},{seconds},{device},{},{}\n", i % 2 == 0, i % 24);
/// }
/// std::fs::write(&path, text)?;
///
/// let inferred = infer_schema(&path, &InferParams::new())?;
/// let kinds: Vec<&str> = inferred.columns.iter().map(|c| c.guess.name()).collect();
/// assert_eq!(kinds, ["excluded", "numeric", "categorical", "boolean", "cyclic"]);
/// assert!(inferred.columns[1].reason.contains("log1p"));
/// assert_eq!(inferred.schema.fields()[3].kind(), &FieldKind::Cyclic { period: 24.0 });
///
/// // The schema reads and fits the same file.
/// let records = read_csv(&path, &inferred.schema)?;
/// assert_eq!(inferred.schema.fit(&records)?.n_features(), 1 + 3 + 1 + 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn infer_schema(path: impl AsRef<Path>, params: &InferParams) -> Result<InferredSchema> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| FeatureError::Io {
        operation: "read",
        path: path.to_owned(),
        source,
    })?;
    let reader = CsvReader::new(std::io::BufReader::with_capacity(1 << 16, file))?;
    infer_schema_from_csv(reader, params)
}

/// Guesses a draft [`Schema`] from the rows of a [`CsvReader`] whose
/// header has been read; the rules are those of [`infer_schema`].
///
/// # Errors
///
/// [`FeatureError::InvalidParameter`] for a sample size or a category cap
/// of 0; [`FeatureError::CsvUnknownColumn`] for an excluded column that the
/// header lacks; [`FeatureError::EmptyInput`] for an input without data
/// rows (or without a header); the reader's errors
/// ([`FeatureError::CsvRowLength`], [`FeatureError::Csv`]), each naming the
/// line; [`FeatureError::NoUsableColumn`] when every column is excluded,
/// with every guess and its reason.
///
/// # Example
///
/// ```
/// use seg_features::{infer_schema_from_csv, CsvReader, FieldKind, InferParams};
///
/// let text = "plan,active,score\nfree,yes,1.5\npro,no,NA\nfree,YES,2.5\n";
/// let reader = CsvReader::new(text.as_bytes())?;
/// let inferred = infer_schema_from_csv(reader, &InferParams::new().exclude(["score"]))?;
/// assert_eq!(inferred.rows_read, 3);
/// assert_eq!(inferred.schema.fields().len(), 2);
/// assert_eq!(inferred.schema.fields()[1].kind(), &FieldKind::Boolean);
/// assert_eq!(inferred.columns[2].guess.name(), "excluded");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn infer_schema_from_csv<R: std::io::Read>(
    reader: CsvReader<R>,
    params: &InferParams,
) -> Result<InferredSchema> {
    params.check()?;
    let header = reader.header().to_vec();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(FeatureError::EmptyInput);
    }
    if let Some(absent) = params.exclude.iter().find(|c| !header.contains(c)) {
        return Err(FeatureError::CsvUnknownColumn {
            column: absent.clone(),
        });
    }

    // Columns excluded before reading; the others are read as text.
    let mut early: Vec<Option<(Exclusion, String)>> = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        let exclusion = if params.exclude.contains(name) {
            Some((Exclusion::Requested, "excluded on request".to_owned()))
        } else if name.is_empty() {
            Some((
                Exclusion::UnusableName,
                "the header names no column here".to_owned(),
            ))
        } else if name.contains('=') {
            Some((
                Exclusion::UnusableName,
                "a field name cannot hold `=`".to_owned(),
            ))
        } else {
            header[..i].iter().position(|h| h == name).map(|first| {
                (
                    Exclusion::UnusableName,
                    format!("the same name as column {}", first + 1),
                )
            })
        };
        early.push(exclusion);
    }
    let read: Vec<usize> = (0..header.len()).filter(|&i| early[i].is_none()).collect();
    if read.is_empty() {
        let columns = header
            .iter()
            .zip(early)
            .filter_map(|(name, e)| {
                e.map(|(exclusion, reason)| ColumnGuess {
                    column: name.clone(),
                    guess: Guess::Excluded(exclusion),
                    reason,
                })
            })
            .collect();
        return Err(FeatureError::NoUsableColumn { columns });
    }
    let text_schema = read
        .iter()
        .fold(Schema::builder(), |b, &i| {
            b.categorical(header[i].clone(), Categorical::new())
        })
        .build()?;
    let (rows_read, sample) = reservoir(reader, &text_schema, params)?;
    if rows_read == 0 {
        return Err(FeatureError::EmptyInput);
    }

    let mut columns = Vec::with_capacity(header.len());
    let mut builder = Schema::builder();
    let mut n_fields = 0;
    let mut position = 0;
    for (i, name) in header.iter().enumerate() {
        let (guess, reason) = match &early[i] {
            Some((exclusion, reason)) => (Guess::Excluded(*exclusion), reason.clone()),
            None => {
                let values: Vec<&str> = sample
                    .iter()
                    .filter_map(|row: &Vec<Option<String>>| {
                        row.get(position).and_then(Option::as_deref)
                    })
                    .collect();
                position += 1;
                guess_column(name, &values, sample.len(), params)
            }
        };
        if let Guess::Field(kind) = &guess {
            builder = builder.field(name.clone(), kind.clone());
            n_fields += 1;
        }
        columns.push(ColumnGuess {
            column: name.clone(),
            guess,
            reason,
        });
    }
    if n_fields == 0 {
        return Err(FeatureError::NoUsableColumn { columns });
    }
    Ok(InferredSchema {
        schema: builder.build()?,
        columns,
        rows_read,
        rows_sampled: sample.len(),
    })
}

/// Reads every row and keeps a uniform sample of at most `params.sample`
/// (Algorithm R, seeded): the number of rows and the sampled rows' cells.
fn reservoir<R: std::io::Read>(
    reader: CsvReader<R>,
    schema: &Schema,
    params: &InferParams,
) -> Result<(u64, Vec<Vec<Option<String>>>)> {
    let mut records = reader.records(schema)?;
    let mut rng = Pcg64::seed_from_u64(params.seed);
    let mut sample: Vec<Vec<Option<String>>> = Vec::new();
    let mut seen: u64 = 0;
    let cells = |values: &[crate::Value<'_>]| -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| match v {
                crate::Value::Text(t) => Some(t.to_string()),
                _ => None,
            })
            .collect()
    };
    loop {
        let row = records.next_with(|_, values| {
            if sample.len() < params.sample {
                sample.push(cells(values));
            } else {
                let j = rng.random_range(0..=seen);
                if let Some(slot) = usize::try_from(j).ok().and_then(|j| sample.get_mut(j)) {
                    *slot = cells(values);
                }
            }
        })?;
        if row.is_none() {
            break;
        }
        seen += 1;
    }
    Ok((seen, sample))
}

/// The words of a column name, lowercase: split at non-alphanumeric
/// characters and where a lowercase letter or digit meets an uppercase one.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A number for a reason: at most four significant digits.
fn short(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let a = x.abs();
    if (1e-3..1e6).contains(&a) {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a digit count in 0..=6"
        )]
        let digits = (3.0 - a.log10().floor()).clamp(0.0, 6.0) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        format!("{x:.3e}")
    }
}

/// A percentage for a reason.
#[expect(clippy::cast_precision_loss, reason = "a share for a message")]
fn percent(part: usize, whole: usize) -> String {
    short(100.0 * part as f64 / whole.max(1) as f64) + "%"
}

/// Up to three examples of a column's texts, quoted.
fn examples<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = Vec::new();
    for v in values {
        let quoted = format!("{v:?}");
        if !out.contains(&quoted) {
            out.push(quoted);
        }
        if out.len() == 3 {
            break;
        }
    }
    out.join(", ")
}

/// The sample (population) skewness of `x`, 0 for a constant.
#[expect(clippy::cast_precision_loss, reason = "moments of a sample")]
fn skewness(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let (m2, m3) = x.iter().fold((0.0, 0.0), |(m2, m3), &v| {
        let d = v - mean;
        (m2 + d * d / n, m3 + d * d * d / n)
    });
    if m2 > 0.0 && m2.is_finite() {
        let s = m3 / m2.powf(1.5);
        if s.is_finite() { s } else { 0.0 }
    } else {
        0.0
    }
}

/// The guess for one column from its non-missing sampled `values` (the
/// sample has `n` rows).
fn guess_column(name: &str, values: &[&str], n: usize, params: &InferParams) -> (Guess, String) {
    let excluded = |e| Guess::Excluded(e);
    let missing = n - values.len();
    if values.is_empty() {
        return (
            excluded(Exclusion::Empty),
            format!("every value is missing ({n} sampled rows)"),
        );
    }
    let missing_note = if missing > 0 {
        format!(" ({} missing)", percent(missing, n))
    } else {
        String::new()
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    if counts.len() == 1 {
        return (
            excluded(Exclusion::Constant),
            format!("constant: every value is {:?}{missing_note}", values[0]),
        );
    }

    // Boolean tokens of the reader, of which at least two distinct meanings.
    let flag = |v: &str| match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    };
    let flags: Option<Vec<bool>> = values.iter().map(|v| flag(v)).collect();
    if let Some(flags) = flags {
        if flags.iter().all(|&f| f) || flags.iter().all(|&f| !f) {
            return (
                excluded(Exclusion::Constant),
                format!(
                    "constant flag: every value means {}{missing_note}",
                    flags[0]
                ),
            );
        }
        let numeric = values.iter().all(|v| *v == "0" || *v == "1");
        let reason = if numeric {
            format!("only 0 and 1: a flag{missing_note}")
        } else {
            format!(
                "only true/false, yes/no or 1/0 ({}): a flag{missing_note}",
                examples(
                    counts
                        .keys()
                        .copied()
                        .collect::<std::collections::BTreeSet<_>>()
                )
            )
        };
        return (Guess::Field(FieldKind::Boolean), reason);
    }

    let numbers: Vec<f64> = values
        .iter()
        .filter_map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    if numbers.len() == values.len() {
        return guess_numbers(name, numbers, n, missing, params);
    }
    guess_text(values, &counts, numbers.len(), params, &missing_note)
}

/// The guess for a column of finite numbers.
fn guess_numbers(
    name: &str,
    mut x: Vec<f64>,
    n: usize,
    missing: usize,
    params: &InferParams,
) -> (Guess, String) {
    x.sort_unstable_by(f64::total_cmp);
    let (min, max) = (x[0], x[x.len() - 1]);
    let missing_note = if missing > 0 {
        format!(" ({} missing)", percent(missing, n))
    } else {
        String::new()
    };
    if min == max {
        return (
            Guess::Excluded(Exclusion::Constant),
            format!("constant: every value is {}{missing_note}", short(min)),
        );
    }
    let integers = x.iter().all(|v| v.fract() == 0.0);
    let distinct = 1 + x.windows(2).filter(|w| w[0] != w[1]).count();
    let range = format!("[{}, {}]", short(min), short(max));
    let words = words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    let joined: String = words.concat();
    let cyclic = if (has("hour") || has("hr")) && min >= 0.0 && max < 24.0 {
        Some((24.0, "hour of day"))
    } else if (has("weekday") || has("dow") || has("wday") || joined.contains("dayofweek"))
        && integers
        && min >= 0.0
        && max <= 7.0
    {
        Some((7.0, "day of week"))
    } else if has("month") && integers && min >= 0.0 && max <= 12.0 {
        Some((12.0, "month of year"))
    } else if has("minute") && min >= 0.0 && max < 60.0 {
        Some((60.0, "minute of hour"))
    } else {
        None
    };
    if let Some((period, what)) = cyclic {
        return (
            Guess::Field(FieldKind::Cyclic { period }),
            format!(
                "named like the {what}, values in {range}: cyclic with period {}{missing_note}",
                short(period)
            ),
        );
    }
    if integers && distinct == x.len() && x.len() >= MIN_IDENTIFIER_VALUES {
        return (
            Guess::Excluded(Exclusion::Identifier),
            format!(
                "an identifier: {} distinct integers in {} values",
                distinct,
                x.len()
            ),
        );
    }
    if let Some(word) = words.iter().find(|w| CODE_WORDS.contains(&w.as_str()))
        && integers
        && distinct <= MAX_CODES
    {
        return (
            Guess::Field(FieldKind::Categorical(categorical(distinct, params))),
            format!(
                "integer codes ({distinct} distinct) named like a category ({word:?}){}{missing_note}",
                cap_note(distinct, params)
            ),
        );
    }

    let skew = skewness(&x);
    let median = quantile_sorted(&x, 0.5).unwrap_or(min);
    let mut spec = Numeric::new(Scaler::MinMax);
    let mut reason = format!("numbers in {range}");
    let tail;
    let heavy_ratio = median > 0.0 && max > HEAVY_MAX_OVER_MEDIAN * median;
    if min >= 0.0 && max > 1.0 && (skew > HEAVY_SKEWNESS || heavy_ratio) {
        spec = spec.log1p();
        let why = if skew > HEAVY_SKEWNESS {
            format!("skewness {}", short(skew))
        } else {
            format!("max {} times the median", short(max / median))
        };
        let _ = write!(reason, ", non-negative and skewed ({why}): log1p");
        let logged: Vec<f64> = x.iter().map(|v| v.ln_1p()).collect();
        tail = skewness(&logged);
        if tail.abs() > HEAVY_SKEWNESS {
            let _ = write!(reason, ", still skewed after it ({})", short(tail));
        }
    } else {
        tail = skew;
        if tail.abs() > HEAVY_SKEWNESS {
            let _ = write!(reason, ", skewed ({})", short(tail));
            if min >= 0.0 && max <= 1.0 {
                reason.push_str(" within [0, 1], not logged");
            } else if min < 0.0 {
                reason.push_str(" with negative values, not logged");
            }
        }
    }
    if tail > HEAVY_SKEWNESS {
        spec = spec.clip_quantiles(0.0, 0.99);
        reason.push_str(": clipped at the 99th percentile");
    } else if tail < -HEAVY_SKEWNESS {
        spec = spec.clip_quantiles(0.01, 1.0);
        reason.push_str(": clipped at the 1st percentile");
    }
    #[expect(clippy::cast_precision_loss, reason = "a share of rows")]
    let share = missing as f64 / n as f64;
    if share >= INDICATOR_SHARE {
        spec = spec.missing_indicator();
        let _ = write!(reason, "; {} missing: indicator", percent(missing, n));
    } else if missing > 0 {
        let _ = write!(reason, "; {} missing: median", percent(missing, n));
    }
    (Guess::Field(FieldKind::Numeric(spec)), reason)
}

/// The guess for a column with some text that is not a number.
fn guess_text(
    values: &[&str],
    counts: &HashMap<&str, usize>,
    n_numbers: usize,
    params: &InferParams,
    missing_note: &str,
) -> (Guess, String) {
    if let Some(reserved) = [OTHER, MISSING].iter().find(|r| counts.contains_key(*r)) {
        return (
            Guess::Excluded(Exclusion::ReservedText),
            format!("holds the text {reserved:?}, reserved for the encoder's own columns"),
        );
    }
    let distinct = counts.len();
    if distinct == values.len() && values.len() >= MIN_IDENTIFIER_VALUES {
        return (
            Guess::Excluded(Exclusion::Identifier),
            format!(
                "an identifier: {} distinct texts in {} values (e.g. {})",
                distinct,
                values.len(),
                examples(values.iter().copied())
            ),
        );
    }
    // The most frequent texts first (ties by text), for the examples.
    let mut by_count: Vec<(&str, usize)> = counts.iter().map(|(k, v)| (*k, *v)).collect();
    by_count.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top = examples(by_count.iter().map(|(k, _)| *k));
    let all_in = |names: &[&str]| {
        counts
            .keys()
            .all(|v| names.contains(&v.to_lowercase().as_str()))
    };
    let cap = cap_note(distinct, params);
    let spec = categorical(distinct, params);
    let reason = if all_in(&MONTH_NAMES) {
        format!(
            "month names ({top}): categorical, since a schema reads text as categories \
             and cannot map it to the numbers 1-12 of a cyclic field{cap}{missing_note}"
        )
    } else if all_in(&WEEKDAY_NAMES) {
        format!(
            "weekday names ({top}): categorical, since a schema reads text as categories \
             and cannot map it to the numbers of a cyclic field{cap}{missing_note}"
        )
    } else {
        #[expect(clippy::cast_precision_loss, reason = "a share of values")]
        let mostly = n_numbers as f64 >= MOSTLY_NUMBERS * values.len() as f64;
        if mostly {
            let stray = examples(
                values
                    .iter()
                    .copied()
                    .filter(|v| v.parse::<f64>().map_or(true, |x| !x.is_finite())),
            );
            format!(
                "mostly numbers but {} of {} values are not ({stray}): categorical; \
                 make those cells empty to read the column as numbers{cap}{missing_note}",
                values.len() - n_numbers,
                values.len()
            )
        } else {
            format!("text, {distinct} distinct ({top}){cap}{missing_note}")
        }
    };
    (Guess::Field(FieldKind::Categorical(spec)), reason)
}

/// A categorical encoding capped at the parameters' number of categories,
/// with unknown categories in `<other>` when `distinct` is over the cap.
fn categorical(distinct: usize, params: &InferParams) -> Categorical {
    let spec = Categorical::new().max_categories(params.max_categories);
    if distinct > params.max_categories {
        spec.unknown(Unknown::Other)
    } else {
        spec
    }
}

/// The reason's note on the cap, when `distinct` is over it.
fn cap_note(distinct: usize, params: &InferParams) -> String {
    if distinct > params.max_categories {
        format!(
            ": the {} most frequent kept, the others in <other>",
            params.max_categories
        )
    } else {
        String::new()
    }
}

/// The columns of a [`FeatureError::NoUsableColumn`], with their reasons.
pub(crate) fn describe(columns: &[ColumnGuess]) -> String {
    columns
        .iter()
        .map(|c| format!("`{}` {}", c.column, c.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Infers from `text` written to a temporary file.
    fn infer_with(text: &str, params: &InferParams) -> Result<InferredSchema> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, text).unwrap();
        infer_schema(&path, params)
    }

    fn infer(text: &str) -> InferredSchema {
        infer_with(text, &InferParams::new()).unwrap()
    }

    /// A CSV of one column `name` with `cells`, and a second varied column
    /// so that the schema is never empty.
    fn column(name: &str, cells: &[&str]) -> String {
        let mut text = format!("{name},other\n");
        for (i, cell) in cells.iter().enumerate() {
            text += &format!("{cell},{}\n", i % 2);
        }
        text
    }

    fn guess_of(name: &str, cells: &[&str]) -> ColumnGuess {
        infer(&column(name, cells)).columns[0].clone()
    }

    fn numeric_spec(guess: &ColumnGuess) -> Numeric {
        match &guess.guess {
            Guess::Field(FieldKind::Numeric(spec)) => *spec,
            other => panic!("{other:?}: {}", guess.reason),
        }
    }

    fn strings(values: impl IntoIterator<Item = impl ToString>) -> Vec<String> {
        values.into_iter().map(|v| v.to_string()).collect()
    }

    fn refs(values: &[String]) -> Vec<&str> {
        values.iter().map(String::as_str).collect()
    }

    #[test]
    fn names_split_into_words_at_separators_and_case_changes() {
        assert_eq!(words("TrafficType"), ["traffic", "type"]);
        assert_eq!(words("day_of_week"), ["day", "of", "week"]);
        assert_eq!(words("visit-hour 2"), ["visit", "hour", "2"]);
        assert_eq!(words("OperatingSystems"), ["operating", "systems"]);
        assert_eq!(words("hourUTC"), ["hour", "utc"]);
    }

    #[test]
    fn text_true_false_and_yes_no_are_boolean() {
        for cells in [
            &["TRUE", "false", "True", "FALSE"][..],
            &["yes", "no", "No", ""],
            &["yes", "0", "true", "1"],
        ] {
            let g = guess_of("flag", cells);
            assert_eq!(g.guess, Guess::Field(FieldKind::Boolean), "{cells:?}");
        }
    }

    #[test]
    fn numeric_zero_one_is_boolean_but_decimal_or_other_integers_are_numeric() {
        let g = guess_of("clicked", &["0", "1", "1", "0"]);
        assert_eq!(g.guess, Guess::Field(FieldKind::Boolean));
        assert!(g.reason.contains("0 and 1"), "{}", g.reason);
        for cells in [
            &["0.0", "1.0", "1.0"][..],
            &["0", "1", "2"],
            &["-1", "0", "1"],
        ] {
            assert_eq!(guess_of("x", cells).guess.name(), "numeric", "{cells:?}");
        }
    }

    #[test]
    fn a_single_flag_value_is_constant() {
        let g = guess_of("flag", &["true", "TRUE", "yes"]);
        assert_eq!(g.guess, Guess::Excluded(Exclusion::Constant));
    }

    #[test]
    fn skewed_non_negative_counts_get_log1p_and_symmetric_numbers_do_not() {
        // Skewness > 2.
        let mut seconds = strings((0..30).map(|i| i % 5));
        seconds.push("900".into());
        let spec = numeric_spec(&guess_of("seconds", &refs(&seconds)));
        assert!(spec.uses_log1p());
        assert_eq!(spec.scaler(), Scaler::MinMax);
        // max > 10 × median without a large skewness.
        let pages = strings([1, 1, 2, 2, 2, 3, 25, 20, 22]);
        let g = guess_of("pages", &refs(&pages));
        assert!(numeric_spec(&g).uses_log1p(), "{}", g.reason);
        assert!(g.reason.contains("times the median"), "{}", g.reason);
        // Symmetric: no log, no clip.
        let plain = strings((0..30).map(|i| 10 + i % 7));
        let spec = numeric_spec(&guess_of("score", &refs(&plain)));
        assert_eq!(spec, Numeric::new(Scaler::MinMax));
    }

    #[test]
    fn skewed_rates_in_the_unit_interval_are_clipped_not_logged() {
        let mut rates = strings((0..60).map(|i| f64::from(i % 3) / 100.0));
        rates.push("0.9".into());
        let g = guess_of("bounce_rate", &refs(&rates));
        let spec = numeric_spec(&g);
        assert!(!spec.uses_log1p(), "{}", g.reason);
        assert_eq!(spec.quantiles(), Some([0.0, 0.99]));
    }

    #[test]
    fn skewed_values_with_negatives_are_clipped_on_the_side_of_the_tail() {
        let mut left = strings((0..60).map(|i| i % 3));
        left.push("-500".into());
        let g = guess_of("balance", &refs(&left));
        let spec = numeric_spec(&g);
        assert!(!spec.uses_log1p());
        assert_eq!(spec.quantiles(), Some([0.01, 1.0]), "{}", g.reason);
    }

    #[test]
    fn heavy_tails_left_after_the_log_are_clipped() {
        let mut counts = vec!["0"; 200];
        counts.extend(["1", "5000", "3"]);
        let g = guess_of("informational", &counts);
        let spec = numeric_spec(&g);
        assert!(spec.uses_log1p());
        assert_eq!(spec.quantiles(), Some([0.0, 0.99]), "{}", g.reason);
    }

    #[test]
    fn a_missing_indicator_from_one_percent_missing() {
        let mut cells = strings((0..150).map(|i| i % 10));
        cells[3] = "NA".into();
        let g = guess_of("visits", &refs(&cells));
        assert!(!numeric_spec(&g).has_missing_indicator(), "{}", g.reason);
        cells[4] = String::new();
        let g = guess_of("visits", &refs(&cells));
        assert!(numeric_spec(&g).has_missing_indicator(), "{}", g.reason);
        assert!(g.reason.contains("missing: indicator"), "{}", g.reason);
    }

    #[test]
    fn hours_weekdays_months_and_minutes_by_name_and_range_are_cyclic() {
        let cyclic = |name: &str, values: Vec<String>| guess_of(name, &refs(&values)).guess;
        let period = |p| Guess::Field(FieldKind::Cyclic { period: p });
        assert_eq!(
            cyclic("hour", strings((0..30).map(|i| i % 24))),
            period(24.0)
        );
        assert_eq!(
            cyclic("visit_hour", strings([0.5, 23.5, 12.0])),
            period(24.0)
        );
        assert_eq!(
            cyclic("DayOfWeek", strings((0..30).map(|i| 1 + i % 7))),
            period(7.0)
        );
        assert_eq!(
            cyclic("weekday", strings((0..30).map(|i| i % 7))),
            period(7.0)
        );
        assert_eq!(
            cyclic("month", strings((0..30).map(|i| 1 + i % 12))),
            period(12.0)
        );
        assert_eq!(
            cyclic("minute", strings((0..30).map(|i| 2 * i))),
            period(60.0)
        );
        assert_eq!(cyclic("hour", strings(0..24)), period(24.0));
        // Named so, but out of range: numeric.
        assert_eq!(
            cyclic("hours_online", strings([1, 30, 300])).name(),
            "numeric"
        );
        assert_eq!(cyclic("month", strings([1, 13, 40])).name(), "numeric");
        // In range but not named so: numeric.
        assert_eq!(
            cyclic("SpecialDay", strings([0, 1, 3, 6])).name(),
            "numeric"
        );
    }

    #[test]
    fn month_names_are_categorical_with_the_reason() {
        let g = guess_of("Month", &["Feb", "Mar", "May", "June", "Jul", "Nov", "Dec"]);
        assert_eq!(g.guess.name(), "categorical");
        assert!(g.reason.starts_with("month names"), "{}", g.reason);
        let g = guess_of("day", &["Mon", "Tue", "sunday"]);
        assert!(g.reason.starts_with("weekday names"), "{}", g.reason);
    }

    #[test]
    fn integer_codes_named_like_a_category_are_categorical() {
        let codes = strings((0..40).map(|i| 1 + i % 8));
        let g = guess_of("OperatingSystems", &refs(&codes));
        assert_eq!(
            g.guess,
            Guess::Field(FieldKind::Categorical(
                Categorical::new().max_categories(20)
            ))
        );
        assert!(g.reason.contains("\"systems\""), "{}", g.reason);
        // The same codes under another name are numbers.
        assert_eq!(guess_of("pages", &refs(&codes)).guess.name(), "numeric");
    }

    #[test]
    fn text_is_categorical_and_high_cardinality_is_capped() {
        let g = guess_of("device", &["mobile", "desktop", "mobile", "tablet"]);
        assert_eq!(
            g.guess,
            Guess::Field(FieldKind::Categorical(
                Categorical::new().max_categories(20)
            ))
        );
        let mut cities = strings((0..30).map(|i| format!("city{}", i % 25)));
        cities.push("city0".into());
        let params = InferParams::new().max_categories(5);
        let inferred = infer_with(&column("city", &refs(&cities)), &params).unwrap();
        let g = &inferred.columns[0];
        assert_eq!(
            g.guess,
            Guess::Field(FieldKind::Categorical(
                Categorical::new().max_categories(5).unknown(Unknown::Other)
            ))
        );
        assert!(
            g.reason.contains("the 5 most frequent kept"),
            "{}",
            g.reason
        );
    }

    #[test]
    fn text_that_is_mostly_numbers_says_which_cells_are_not() {
        let mut cells = strings((0..20).map(|i| i % 5));
        cells[5] = "?".into();
        let g = guess_of("amount", &refs(&cells));
        assert_eq!(g.guess.name(), "categorical");
        assert!(
            g.reason.contains("mostly numbers") && g.reason.contains("\"?\""),
            "{}",
            g.reason
        );
    }

    #[test]
    fn identifiers_are_excluded_but_distinct_decimals_are_numeric() {
        let ids = strings(1000..1012);
        let g = guess_of("visitor", &refs(&ids));
        assert_eq!(
            g.guess,
            Guess::Excluded(Exclusion::Identifier),
            "{}",
            g.reason
        );
        let keys = strings((0..12).map(|i| format!("k{i}")));
        let g = guess_of("key", &refs(&keys));
        assert_eq!(g.guess, Guess::Excluded(Exclusion::Identifier));
        let amounts = strings((0..12).map(|i| f64::from(i) + 0.25));
        assert_eq!(guess_of("amount", &refs(&amounts)).guess.name(), "numeric");
        // Too few values to call them an identifier.
        assert_eq!(guess_of("n", &["1", "2", "3"]).guess.name(), "numeric");
    }

    #[test]
    fn constant_and_empty_columns_are_excluded() {
        let g = guess_of("site", &["shop", "shop", "", "shop"]);
        assert_eq!(g.guess, Guess::Excluded(Exclusion::Constant));
        assert!(
            g.reason.contains("\"shop\"") && g.reason.contains("25% missing"),
            "{}",
            g.reason
        );
        let g = guess_of("v", &["2", "2.0", "2"]);
        assert_eq!(g.guess, Guess::Excluded(Exclusion::Constant));
        let g = guess_of("notes", &["", "NA", "null", "None"]);
        assert_eq!(g.guess, Guess::Excluded(Exclusion::Empty));
    }

    #[test]
    fn reserved_texts_are_excluded() {
        let g = guess_of("browser", &["chrome", "<other>", "safari"]);
        assert_eq!(g.guess, Guess::Excluded(Exclusion::ReservedText));
    }

    #[test]
    fn excluded_columns_are_left_out_and_must_exist() {
        let text = "a,b,Revenue\n1,x,TRUE\n2,y,FALSE\n3,x,TRUE\n";
        let inferred = infer_with(text, &InferParams::new().exclude(["Revenue"])).unwrap();
        assert_eq!(
            inferred.columns[2].guess,
            Guess::Excluded(Exclusion::Requested)
        );
        assert_eq!(inferred.schema.fields().len(), 2);
        match infer_with(text, &InferParams::new().exclude(["revenue"])) {
            Err(FeatureError::CsvUnknownColumn { column }) => assert_eq!(column, "revenue"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unusable_names_are_excluded_with_the_reason() {
        let text = "a,,b=c,a,d\n1,2,3,4,x\n2,3,4,5,y\n";
        let inferred = infer(text);
        let kinds: Vec<_> = inferred.columns.iter().map(|c| c.guess.clone()).collect();
        let unusable = Guess::Excluded(Exclusion::UnusableName);
        assert_eq!(kinds[1..4], [unusable.clone(), unusable.clone(), unusable]);
        assert!(inferred.columns[3].reason.contains("column 1"));
        let names: Vec<_> = inferred.schema.fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, ["a", "d"]);
    }

    #[test]
    fn no_usable_column_is_an_error_listing_the_reasons() {
        let err =
            infer_with("id,site\n1,a\n2,a\n", &InferParams::new().exclude(["id"])).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, FeatureError::NoUsableColumn { ref columns } if columns.len() == 2));
        assert!(
            message.contains("`id` excluded on request") && message.contains("`site` constant"),
            "{message}"
        );
        let err = infer_with("a,b\n", &InferParams::new().exclude(["a", "b"])).unwrap_err();
        assert!(
            matches!(err, FeatureError::NoUsableColumn { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn an_input_without_rows_or_header_is_empty() {
        assert!(matches!(
            infer_with("a,b\n", &InferParams::new()),
            Err(FeatureError::EmptyInput)
        ));
        assert!(matches!(
            infer_with("", &InferParams::new()),
            Err(FeatureError::EmptyInput)
        ));
    }

    #[test]
    fn a_ragged_row_is_an_error_naming_its_line() {
        let err = infer_with("a,b\n1,2\n3\n", &InferParams::new()).unwrap_err();
        assert!(
            matches!(err, FeatureError::CsvRowLength { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_sample_or_cap_of_zero_is_rejected() {
        for params in [
            InferParams::new().sample(0),
            InferParams::new().max_categories(0),
        ] {
            assert!(matches!(
                infer_with("a\n1\n", &params),
                Err(FeatureError::InvalidParameter { .. })
            ));
        }
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_the_path() {
        let path = Path::new("/nonexistent/seg-features/visitors.csv");
        match infer_schema(path, &InferParams::new()) {
            Err(FeatureError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_sample_is_bounded_seeded_and_reads_every_row() {
        // 1,000 rows; the value 7 appears only in row 0 of column `rare`.
        let mut text = String::from("n,rare\n");
        for i in 0..1000 {
            text += &format!("{},{}\n", i % 10, if i == 0 { 7 } else { i % 2 });
        }
        let params = InferParams::new().sample(50).seed(3);
        let a = infer_with(&text, &params).unwrap();
        assert_eq!((a.rows_read, a.rows_sampled), (1000, 50));
        assert_eq!(a, infer_with(&text, &params).unwrap());
        // Uniform over the file: across seeds, the sampled rows come from
        // the whole file, not only its start (row 0 is in about 5% of them).
        let boolean = (0..40)
            .filter(|&seed| {
                let g = infer_with(&text, &params.clone().seed(seed)).unwrap();
                g.columns[1].guess == Guess::Field(FieldKind::Boolean)
            })
            .count();
        assert!(boolean >= 30, "{boolean} of 40 samples missed row 0");
        let all = infer_with(&text, &InferParams::new()).unwrap();
        assert_eq!(all.rows_sampled, 1000);
        assert_eq!(all.columns[1].guess.name(), "numeric");
    }

    #[test]
    fn quoted_cells_and_missing_tokens_are_read_as_the_csv_reader_does() {
        let text = "device,pages\n\"smart, tv\",1\nN/A,2\n\" mobile \",NULL\nmobile,4\n";
        let inferred = infer(text);
        assert_eq!(inferred.columns[0].guess.name(), "categorical");
        assert!(
            inferred.columns[0].reason.contains("2 distinct"),
            "{}",
            inferred.columns[0].reason
        );
        assert!(inferred.columns[1].reason.contains("25% missing"));
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<InferParams>();
        check::<InferredSchema>();
        check::<ColumnGuess>();
        check::<FeatureError>();
    }
}
