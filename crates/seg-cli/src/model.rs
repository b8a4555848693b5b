//! `seg segment`, `seg assign`, `seg drift` (on `segmentation::pipeline`) and `seg demo` (on
//! `seg_demo`, whose scores-by-k chart `seg segment --plot` draws too).

use std::io::Write;
use std::path::{Path, PathBuf};

use segmentation::cluster::{DriftLevel, KScore, RetrainPolicy, Window};
use segmentation::features::{Schema, Value, read_csv};
use segmentation::pipeline::{Segmentation, Segmenter, describe_segments, numeric_schema};
use serde::Serialize;

use crate::cli::{AssignArgs, DemoArgs, DriftArgs, SegmentArgs};
use crate::csvio::{AtomicFile, LabelWriter, RecordRows, create_output, read_matrix, write_labels};
use crate::error::{CliError, Result, finite};
use crate::output::{Report, Table, emit, list, num};
use crate::profile::{SegmentRow, segment_rows, segments_table};
use crate::progress;

// ---------------------------------------------------------------- segment

#[derive(Debug, Serialize)]
struct ScoreRow {
    k: usize,
    silhouette: f64,
    davies_bouldin: f64,
    calinski_harabasz: f64,
    inertia: f64,
    min_cluster_share: f64,
}

impl From<&KScore> for ScoreRow {
    fn from(s: &KScore) -> Self {
        ScoreRow {
            k: s.k,
            silhouette: s.silhouette,
            davies_bouldin: s.davies_bouldin,
            calinski_harabasz: s.calinski_harabasz,
            inertia: s.inertia,
            min_cluster_share: s.min_cluster_share,
        }
    }
}

#[derive(Debug, Serialize)]
struct Quality {
    passed: bool,
    failed: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SegmentReport {
    k: usize,
    scores: Vec<ScoreRow>,
    reason: String,
    sizes: Vec<u64>,
    quality: Quality,
    model_version: u64,
    segments: Vec<SegmentRow>,
}

impl Report for SegmentReport {
    fn table(&self) -> String {
        let mut head = Table::kv();
        head.pair("k", self.k.to_string())
            .pair("reason", &self.reason)
            .pair("sizes", list(&self.sizes))
            .pair(
                "quality",
                if self.quality.passed {
                    "passed".to_owned()
                } else {
                    format!("failed: {}", self.quality.failed.join(", "))
                },
            )
            .pair("model_version", self.model_version.to_string());
        let mut t = Table::with_header([
            "k",
            "silhouette",
            "davies_bouldin",
            "calinski_harabasz",
            "inertia",
            "min_cluster_share",
        ]);
        for s in &self.scores {
            t.row([
                format!("{}{}", s.k, if s.k == self.k { " *" } else { "" }),
                num(s.silhouette),
                num(s.davies_bouldin),
                num(s.calinski_harabasz),
                num(s.inertia),
                num(s.min_cluster_share),
            ]);
        }
        format!(
            "{}\n{}\n{}",
            head.render(),
            t.render(),
            segments_table(&self.segments)
        )
    }
}

/// `auto` or a fixed k ≥ 2.
fn parse_k(text: &str) -> Result<Option<usize>> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    match text.parse::<usize>() {
        Ok(k) if k >= 2 => Ok(Some(k)),
        _ => Err(CliError::arg(
            "k",
            text,
            "must be `auto` or an integer of at least 2",
        )),
    }
}

/// The records of `--data`: through the schema when one is given, else
/// every column (or every column of `--columns`, the others ignored) as a
/// number (strictly: no missing or non-numeric cell).
fn training_records(args: &SegmentArgs) -> Result<(Schema, Vec<Vec<Value<'static>>>)> {
    match &args.schema {
        Some(path) => {
            let text =
                seg_artifact::read_to_string_bounded(path, seg_artifact::MAX_ARTIFACT_BYTES)?;
            let schema: Schema =
                serde_json::from_str(&text).map_err(|source| CliError::Schema {
                    path: path.clone(),
                    source,
                })?;
            let records = read_csv(&args.data, &schema).map_err(|source| CliError::Features {
                path: args.data.clone(),
                source,
            })?;
            if records.is_empty() {
                return Err(CliError::NoRows {
                    path: args.data.clone(),
                });
            }
            Ok((schema, records))
        }
        None => {
            let (names, x) = read_matrix(&args.data, args.columns.as_deref())
                .map_err(crate::schema::hint_schema)?;
            let schema = numeric_schema(&names)?;
            let records = x
                .rows()
                .into_iter()
                .map(|r| r.iter().map(|&v| Value::Number(v)).collect())
                .collect();
            Ok((schema, records))
        }
    }
}

pub(crate) fn segment(args: &SegmentArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let k = parse_k(&args.k)?;
    if k.is_none() {
        if args.k_min < 2 {
            return Err(CliError::arg(
                "k-min",
                args.k_min.to_string(),
                "must be at least 2",
            ));
        }
        if args.k_max < args.k_min {
            return Err(CliError::arg(
                "k-max",
                args.k_max.to_string(),
                format!("must be at least --k-min ({})", args.k_min),
            ));
        }
    }
    let (schema, records) = training_records(args)?;
    let segmenter = Segmenter::new(schema).seed(args.seed);
    let segmenter = match k {
        Some(k) => segmenter.k(k),
        None => segmenter.k_range(args.k_min..=args.k_max),
    };
    let spinner = progress::spinner("fitting segments");
    let segmentation = segmenter.fit(&records)?;
    let labels = segmentation.assign(&records)?;
    spinner.finish_and_clear();

    let mut sizes = vec![0_u64; segmentation.k()];
    for &l in &labels {
        if let Some(s) = sizes.get_mut(l) {
            *s += 1;
        }
    }
    let model = segmentation.model();
    let selection = model.selection();
    let quality = model.quality();
    let report = SegmentReport {
        k: segmentation.k(),
        scores: selection.scores.iter().map(ScoreRow::from).collect(),
        reason: selection.reason.clone(),
        sizes,
        quality: Quality {
            passed: quality.passed(),
            failed: quality.failed().map(|c| c.name().to_owned()).collect(),
        },
        model_version: segmentation.model_version(),
        segments: segment_rows(&describe_segments(
            segmentation.transformer().schema(),
            &records,
            &labels,
            segmentation.k(),
        )?),
    };

    // Every output is written to a temporary file first; they are renamed
    // only when all of them were written.
    let mut pending = vec![model_file(&args.model_out, &segmentation)?];
    if let Some(path) = &args.labels_out {
        pending.push(write_labels(path, &labels)?);
    }
    if let Some(path) = &args.plot {
        pending.push(plot_scores(path, &selection.scores, report.k)?);
    }
    for file in pending {
        file.commit()?;
    }
    emit(out, json, &report)
}

fn model_file(path: &Path, segmentation: &Segmentation) -> Result<AtomicFile> {
    let text = segmentation.to_json()?;
    let mut file = create_output(path)?;
    file.write_all(text.as_bytes())
        .map_err(|source| CliError::Io {
            path: path.to_owned(),
            operation: "write",
            source,
        })?;
    Ok(file)
}

/// Draws the per-k scores (`seg_demo`'s scores-by-k chart, four panels)
/// into an SVG file, not yet committed.
fn plot_scores(path: &Path, scores: &[KScore], chosen: usize) -> Result<AtomicFile> {
    let svg = seg_demo::charts::scores_by_k(scores, chosen).map_err(|source| CliError::Chart {
        path: path.to_owned(),
        source: Box::new(source),
    })?;
    let mut file = create_output(path)?;
    file.write_all(svg.as_bytes())
        .map_err(|source| CliError::Io {
            path: path.to_owned(),
            operation: "write",
            source,
        })?;
    Ok(file)
}

// ---------------------------------------------------------------- assign

fn load_model(path: &Path) -> Result<Segmentation> {
    Segmentation::load(path).map_err(|source| CliError::Model {
        path: path.to_owned(),
        source,
    })
}

#[derive(Debug, Serialize)]
struct AssignReport {
    n: u64,
    sizes: Vec<u64>,
}

impl Report for AssignReport {
    fn table(&self) -> String {
        let mut t = Table::with_header(["segment", "rows", "share"]);
        for (i, &s) in self.sizes.iter().enumerate() {
            #[expect(clippy::cast_precision_loss, reason = "a share for display")]
            let share = if self.n > 0 {
                s as f64 / self.n as f64
            } else {
                0.0
            };
            t.row([i.to_string(), s.to_string(), num(share)]);
        }
        t.row(["total".to_owned(), self.n.to_string(), String::new()]);
        t.render()
    }
}

pub(crate) fn assign(args: &AssignArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let segmentation = load_model(&args.model)?;
    let mut rows = RecordRows::open(&args.data, segmentation.transformer().schema())?;
    let mut labels = args
        .labels_out
        .as_deref()
        .map(LabelWriter::create)
        .transpose()?;
    let mut scratch = vec![0.0; segmentation.n_features()];
    let mut sizes = vec![0_u64; segmentation.k()];
    let data = args.data.clone();
    let mut assign_row = |line: u64, record: &[Value<'_>]| -> Result<()> {
        let label =
            segmentation
                .assign_one(record, &mut scratch)
                .map_err(|e| CliError::CsvRow {
                    path: data.clone(),
                    line,
                    reason: crate::error::chain(&e),
                })?;
        if let Some(s) = sizes.get_mut(label) {
            *s += 1;
        }
        if let Some(w) = labels.as_mut() {
            w.push(label)?;
        }
        Ok(())
    };
    let n = rows.stream("assigning", &mut assign_row)?;
    if let Some(w) = labels {
        w.finish()?.commit()?;
    }
    emit(out, json, &AssignReport { n, sizes })
}

// ---------------------------------------------------------------- drift

#[derive(Debug, Serialize)]
struct FeatureRow {
    name: String,
    psi: f64,
    expected_psi: f64,
    p_value: f64,
}

#[derive(Debug, Serialize)]
struct NewCategoryRow {
    value: String,
    share: f64,
}

#[derive(Debug, Serialize)]
struct FieldRow {
    name: String,
    kind: &'static str,
    psi: f64,
    expected_psi: f64,
    p_value: f64,
    missing_share: f64,
    baseline_missing_share: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_of_range_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_categories: Option<Vec<NewCategoryRow>>,
}

#[derive(Debug, Serialize)]
struct DriftOutput {
    features: Vec<FeatureRow>,
    fields: Vec<FieldRow>,
    assignment_psi: f64,
    distance_ratio: f64,
    score: f64,
    level: &'static str,
    retrain: bool,
    retrain_reason: Option<String>,
}

impl Report for DriftOutput {
    fn table(&self) -> String {
        let mut head = Table::kv();
        head.pair("score", num(self.score))
            .pair("level", self.level)
            .pair("retrain", if self.retrain { "yes" } else { "no" })
            .pair(
                "retrain_reason",
                self.retrain_reason.as_deref().unwrap_or("-"),
            )
            .pair("assignment_psi", num(self.assignment_psi))
            .pair("distance_ratio", num(self.distance_ratio));
        let mut fields = Table::with_header([
            "field",
            "kind",
            "psi",
            "expected_psi",
            "p_value",
            "missing",
            "new categories / out of range",
        ]);
        for f in &self.fields {
            let extra = match (&f.new_categories, f.out_of_range_share) {
                (Some(c), _) if !c.is_empty() => c
                    .iter()
                    .map(|c| format!("{} {:.1}%", c.value, 100.0 * c.share))
                    .collect::<Vec<_>>()
                    .join(", "),
                (_, Some(o)) => format!("{:.1}% out of range", 100.0 * o),
                _ => "-".to_owned(),
            };
            fields.row([
                f.name.clone(),
                f.kind.to_owned(),
                num(f.psi),
                num(f.expected_psi),
                format!("{:.2e}", f.p_value),
                format!("{:.1}%", 100.0 * f.missing_share),
                extra,
            ]);
        }
        let mut t = Table::with_header(["feature", "psi", "expected_psi", "p_value"]);
        for f in &self.features {
            t.row([
                f.name.clone(),
                num(f.psi),
                num(f.expected_psi),
                format!("{:.2e}", f.p_value),
            ]);
        }
        format!("{}\n{}\n{}", head.render(), fields.render(), t.render())
    }
}

fn level_name(level: DriftLevel) -> &'static str {
    match level {
        DriftLevel::Stable => "stable",
        DriftLevel::Moderate => "moderate",
        DriftLevel::Insufficient => "insufficient",
        _ => "significant",
    }
}

pub(crate) fn drift(args: &DriftArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let segmentation = load_model(&args.model)?;
    let mut rows = RecordRows::open(&args.data, segmentation.transformer().schema())?;
    // One window over the whole file: the report equals the batch report
    // (without the Kolmogorov-Smirnov tests, which need every raw value).
    let mut monitor = segmentation.monitor(Window::Tumbling { size: usize::MAX })?;
    let data = args.data.clone();
    let mut push = |line: u64, record: &[Value<'_>]| -> Result<()> {
        monitor.push(record).map_err(|e| CliError::CsvRow {
            path: data.clone(),
            line,
            reason: crate::error::chain(&e),
        })
    };
    rows.stream("measuring drift", &mut push)?;
    let drift = monitor.report()?;
    let policy = RetrainPolicy::default();
    let retrain = drift.decide(&policy).is_retrain();
    let report = DriftOutput {
        features: drift
            .segments
            .features()
            .map(|(name, f)| FeatureRow {
                name: name.to_owned(),
                psi: f.psi,
                expected_psi: f.expected_psi,
                p_value: f.p_value,
            })
            .collect(),
        fields: drift
            .fields
            .iter()
            .map(|f| FieldRow {
                name: f.name.clone(),
                kind: f.kind,
                psi: f.test.psi,
                expected_psi: f.test.expected_psi,
                p_value: f.test.p_value,
                missing_share: f.missing_share,
                baseline_missing_share: f.baseline_missing_share,
                out_of_range_share: f.out_of_range_share,
                new_categories: matches!(f.kind, "categorical").then(|| {
                    f.new_categories
                        .iter()
                        .map(|c| NewCategoryRow {
                            value: c.value.clone(),
                            share: c.share,
                        })
                        .collect()
                }),
            })
            .collect(),
        assignment_psi: finite("assignment PSI", drift.segments.report.assignment_psi)?,
        distance_ratio: finite("distance ratio", drift.segments.report.distance_ratio)?,
        score: finite("drift score", drift.score)?,
        level: level_name(drift.level),
        retrain,
        retrain_reason: drift.retrain_reason(&policy),
    };
    emit(out, json, &report)
}

// ---------------------------------------------------------------- demo

#[derive(Debug, Serialize)]
struct DemoReport {
    visitors: usize,
    k: usize,
    k_reason: String,
    quality_passed: bool,
    agreement_with_planted: f64,
    overall_n_per_variant: u64,
    events: u64,
    srm_mismatches: usize,
    drift_score_before: f64,
    drift_score: f64,
    drift_level: &'static str,
    retrained: bool,
    model_version: u64,
    new_version: Option<u64>,
    state_file: String,
    charts: Vec<String>,
    /// Every step's results, as the narrative prints them.
    walk: seg_demo::WalkReport,
}

impl Report for DemoReport {
    fn table(&self) -> String {
        let mut t = Table::kv();
        t.pair("visitors", self.visitors.to_string())
            .pair("k", self.k.to_string())
            .pair(
                "quality gate",
                if self.quality_passed {
                    "passed"
                } else {
                    "failed"
                },
            )
            .pair(
                "agreement with planted segments (ARI)",
                num(self.agreement_with_planted),
            )
            .pair(
                "n per variant (overall)",
                self.overall_n_per_variant.to_string(),
            )
            .pair("recorded batches", self.events.to_string())
            .pair("SRM mismatches", self.srm_mismatches.to_string())
            .pair(
                "drift score before / after shift",
                format!(
                    "{} / {}",
                    num(self.drift_score_before),
                    num(self.drift_score)
                ),
            )
            .pair("drift level", self.drift_level)
            .pair(
                "retrained",
                match self.new_version {
                    Some(v) if self.retrained => format!("yes: model version {v}"),
                    _ => "no".to_owned(),
                },
            )
            .pair("bandit state", &self.state_file);
        for chart in &self.charts {
            t.pair("chart", chart);
        }
        format!("\n{}", t.render())
    }
}

pub(crate) fn demo(args: &DemoArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    use seg_demo::{DemoOptions, walk};
    let mut options = DemoOptions::new(args.seed).visitors_per_month(args.visitors_per_month);
    if let Some(dir) = &args.charts {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Io {
            path: dir.clone(),
            operation: "create",
            source,
        })?;
        options = options.charts(dir.clone());
    }
    if let Some(dir) = &args.state_dir {
        options = options.state_dir(dir.clone());
    }
    // The narrative goes to stdout with the table; with --json only the
    // summary object (with every step's results under `walk`) is printed.
    let walked = walk(&options)?;
    if !json {
        write!(out, "{walked}").map_err(|source| CliError::Io {
            path: PathBuf::from("<stdout>"),
            operation: "write",
            source,
        })?;
    }
    let summary = walked.summary();
    let report = DemoReport {
        visitors: summary.visitors,
        k: summary.k,
        k_reason: summary.k_reason.clone(),
        quality_passed: summary.quality_passed,
        agreement_with_planted: summary.agreement_with_planted,
        overall_n_per_variant: summary.overall_n_per_variant,
        events: summary.events,
        srm_mismatches: summary.srm_mismatches,
        drift_score_before: summary.drift_score_before,
        drift_score: summary.drift_score,
        drift_level: level_name(summary.drift_level),
        retrained: summary.retrained,
        model_version: summary.model_version,
        new_version: summary.new_version,
        state_file: summary.state_file.display().to_string(),
        charts: summary
            .charts
            .iter()
            .map(|c| c.display().to_string())
            .collect(),
        walk: walked,
    };
    emit(out, json, &report)
}
