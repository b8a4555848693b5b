//! `seg metrics`, `seg power …`, `seg srm`, `seg adjust`, `seg bayes`.

use std::io::Write;

use segmentation::bandit::{BetaState, analytics};
use segmentation::power::{
    Alternative, Correction, Mde, MeanTest, MeanTestKind, ProportionMethod, ProportionTest,
    SampleSize, srm_test_at,
};
use segmentation::validate;
use serde::Serialize;

use crate::cli::{
    AchievedArgs, AdjustArgs, BayesArgs, Common, MdeArgs, MeansArgs, Method, MetricsArgs,
    ProportionsArgs, SrmArgs, TestKind,
};
use crate::csvio::{read_labels, read_matrix};
use crate::error::{CliError, Result, finite};
use crate::output::{Report, Table, emit, num};

/// The largest Beta shape accepted: above every total a store can hold
/// (i64::MAX ≈ 9.2e18), and within the range where P(B > A) is accurate to
/// 1e-6 (checked up to 1e20 against the exact value 1/2 of equal posteriors).
const MAX_SHAPE: f64 = 1e19;

/// Parses a comma-separated list with `parse`, naming the option on error.
pub(crate) fn parse_list<T>(
    parameter: &'static str,
    text: &str,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>> {
    if text.trim().is_empty() {
        return Err(CliError::arg(parameter, text, "is empty"));
    }
    text.split(',')
        .map(|item| {
            let item = item.trim();
            parse(item)
                .ok_or_else(|| CliError::arg(parameter, text, format!("{item:?} is not {what}")))
        })
        .collect()
}

fn parse_f64(item: &str) -> Option<f64> {
    item.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses `ALPHA,BETA` into a Beta state.
pub(crate) fn parse_beta(parameter: &'static str, text: &str) -> Result<BetaState> {
    let v = parse_list(parameter, text, "a finite number", parse_f64)?;
    let [a, b] = v[..] else {
        return Err(CliError::arg(
            parameter,
            text,
            "must be two numbers ALPHA,BETA",
        ));
    };
    if !(a > 0.0 && b > 0.0) {
        return Err(CliError::arg(parameter, text, "ALPHA and BETA must be > 0"));
    }
    if a > MAX_SHAPE || b > MAX_SHAPE {
        return Err(CliError::arg(
            parameter,
            text,
            "ALPHA and BETA must be at most 1e19",
        ));
    }
    Ok(BetaState::new(a, b)?)
}

// ---------------------------------------------------------------- metrics

#[derive(Debug, Serialize)]
struct MetricsReport {
    silhouette: f64,
    davies_bouldin: f64,
    calinski_harabasz: f64,
    n: usize,
    k: usize,
}

impl Report for MetricsReport {
    fn table(&self) -> String {
        let mut t = Table::kv();
        t.pair("silhouette", num(self.silhouette))
            .pair("davies_bouldin", num(self.davies_bouldin))
            .pair("calinski_harabasz", num(self.calinski_harabasz))
            .pair("n", self.n.to_string())
            .pair("k", self.k.to_string());
        t.render()
    }
}

pub(crate) fn metrics(args: &MetricsArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let (_, x) = read_matrix(&args.data, args.columns.as_deref())?;
    let labels = read_labels(&args.labels)?;
    if labels.len() != x.nrows() {
        return Err(CliError::Mismatch {
            reason: format!(
                "`{}` has {} labels but `{}` has {} data rows",
                args.labels.display(),
                labels.len(),
                args.data.display(),
                x.nrows()
            ),
        });
    }
    let mut distinct = labels.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let report = MetricsReport {
        silhouette: finite("silhouette", validate::silhouette_score(x.view(), &labels)?)?,
        davies_bouldin: finite(
            "Davies-Bouldin index",
            validate::davies_bouldin_score(x.view(), &labels)?,
        )?,
        calinski_harabasz: finite(
            "Calinski-Harabasz index",
            validate::calinski_harabasz_score(x.view(), &labels)?,
        )?,
        n: x.nrows(),
        k: distinct.len(),
    };
    emit(out, json, &report)
}

// ---------------------------------------------------------------- power

/// The result of `seg power proportions` and `seg power means`.
#[derive(Debug, Serialize)]
struct PowerReport {
    /// Control-group size, unrounded.
    n_per_group: f64,
    /// ⌈n_per_group⌉.
    n_per_group_ceil: u64,
    /// Units in all groups: ⌈n1⌉ + (variants − 1)·⌈ratio·n1⌉.
    total: u64,
    /// The α each comparison is planned with.
    alpha_per_comparison: f64,
    /// total / daily traffic, unrounded; null without --daily-traffic.
    days: Option<f64>,
}

impl Report for PowerReport {
    fn table(&self) -> String {
        let mut t = Table::kv();
        t.pair("n_per_group", num(self.n_per_group))
            .pair("n_per_group_ceil", self.n_per_group_ceil.to_string())
            .pair("total", self.total.to_string())
            .pair("alpha_per_comparison", num(self.alpha_per_comparison))
            .pair("days", self.days.map_or_else(|| "-".to_owned(), num));
        t.render()
    }
}

fn alternative(one_sided: bool) -> Alternative {
    if one_sided {
        Alternative::OneSided
    } else {
        Alternative::TwoSided
    }
}

/// Checks the options shared by both power commands; returns the correction.
fn check_common(c: &Common) -> Result<Correction> {
    let correction: Correction = c.correction.parse().map_err(|_| {
        CliError::arg(
            "correction",
            &c.correction,
            "unknown correction (bonferroni, sidak, holm, holm-sidak, hochberg, hommel, fdr_bh, fdr_by)",
        )
    })?;
    if c.comparisons == 0 {
        return Err(CliError::arg("comparisons", "0", "must be at least 1"));
    }
    if c.variants < 2 {
        return Err(CliError::arg(
            "variants",
            c.variants.to_string(),
            "must be at least 2 (control and one variant)",
        ));
    }
    if let Some(t) = c.daily_traffic
        && !(t.is_finite() && t > 0.0)
    {
        return Err(CliError::arg(
            "daily-traffic",
            t.to_string(),
            "must be a positive number",
        ));
    }
    Ok(correction)
}

fn power_report(c: &Common, alpha_c: f64, n: &SampleSize) -> Result<PowerReport> {
    finite("sample size", n.n1)?;
    finite("per-comparison alpha", alpha_c)?;
    let total = n
        .n1_ceil
        .saturating_add(n.n2_ceil.saturating_mul(c.variants.saturating_sub(1)));
    Ok(PowerReport {
        n_per_group: n.n1,
        n_per_group_ceil: n.n1_ceil,
        total,
        alpha_per_comparison: alpha_c,
        #[expect(
            clippy::cast_precision_loss,
            reason = "a unit count; days are approximate by nature"
        )]
        days: c
            .daily_traffic
            .map(|t| total as f64 / t)
            .map(|d| finite("duration in days", d))
            .transpose()?,
    })
}

pub(crate) fn proportions(args: &ProportionsArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let c = &args.common;
    let correction = check_common(c)?;
    let alpha_c = correction.per_comparison_alpha(c.alpha, c.comparisons)?;
    let method = match args.method {
        Method::Pooled => ProportionMethod::Pooled,
        Method::Unpooled => ProportionMethod::Unpooled,
        Method::CohenH => ProportionMethod::CohensH,
    };
    let mde = if args.absolute {
        Mde::Absolute(args.mde)
    } else {
        Mde::Relative(args.mde)
    };
    let n = ProportionTest::new(args.baseline)
        .alpha(alpha_c)
        .alternative(alternative(c.one_sided))
        .ratio(c.ratio)
        .method(method)
        .sample_size(mde, c.power)?;
    emit(out, json, &power_report(c, alpha_c, &n)?)
}

fn mean_kind(kind: TestKind) -> MeanTestKind {
    match kind {
        TestKind::Z => MeanTestKind::Z,
        TestKind::T => MeanTestKind::T,
    }
}

pub(crate) fn means(args: &MeansArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let c = &args.common;
    let correction = check_common(c)?;
    let alpha_c = correction.per_comparison_alpha(c.alpha, c.comparisons)?;
    let n = MeanTest::new()
        .alpha(alpha_c)
        .alternative(alternative(c.one_sided))
        .ratio(c.ratio)
        .test(mean_kind(args.test))
        .sample_size(Mde::Absolute(args.effect_size), c.power)?;
    emit(out, json, &power_report(c, alpha_c, &n)?)
}

#[derive(Debug, Serialize)]
struct AchievedReport {
    power: f64,
}

impl Report for AchievedReport {
    fn table(&self) -> String {
        Table::kv().pair("power", num(self.power)).render()
    }
}

pub(crate) fn achieved(args: &AchievedArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let power = MeanTest::new()
        .alpha(args.alpha)
        .alternative(alternative(args.one_sided))
        .test(mean_kind(args.test))
        .power(Mde::Absolute(args.effect_size), args.n_per_group)?;
    emit(
        out,
        json,
        &AchievedReport {
            power: finite("power", power)?,
        },
    )
}

#[derive(Debug, Serialize)]
struct MdeReport {
    effect_size: f64,
}

impl Report for MdeReport {
    fn table(&self) -> String {
        Table::kv()
            .pair("effect_size", num(self.effect_size))
            .render()
    }
}

pub(crate) fn mde(args: &MdeArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let m = MeanTest::new()
        .alpha(args.alpha)
        .alternative(alternative(args.one_sided))
        .test(mean_kind(args.test))
        .mde(args.n_per_group, args.power)?;
    emit(
        out,
        json,
        &MdeReport {
            effect_size: m.cohens_d,
        },
    )
}

// ---------------------------------------------------------------- srm

#[derive(Debug, Serialize)]
struct SrmReport {
    statistic: f64,
    p_value: f64,
    mismatch: bool,
}

impl Report for SrmReport {
    fn table(&self) -> String {
        let mut t = Table::kv();
        t.pair("statistic", num(self.statistic))
            .pair("p_value", num(self.p_value))
            .pair("mismatch", self.mismatch.to_string());
        t.render()
    }
}

pub(crate) fn srm(args: &SrmArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let counts = parse_list("counts", &args.counts, "a non-negative integer", |s| {
        s.parse::<u64>().ok()
    })?;
    if counts.len() < 2 {
        return Err(CliError::arg(
            "counts",
            &args.counts,
            "need at least two groups",
        ));
    }
    let ratios = match &args.ratios {
        None => vec![1.0 / counts.len() as f64; counts.len()],
        Some(text) => {
            let r = parse_list("ratios", text, "a finite number", parse_f64)?;
            if r.len() != counts.len() {
                return Err(CliError::arg(
                    "ratios",
                    text,
                    format!("{} ratios for {} counts", r.len(), counts.len()),
                ));
            }
            if let Some(bad) = r.iter().find(|&&v| v <= 0.0) {
                return Err(CliError::arg(
                    "ratios",
                    text,
                    format!("{bad} is not a positive weight"),
                ));
            }
            // Weights: 1,1,2 means 25%, 25%, 50% (shares that sum to 1
            // stay what they are, up to rounding).
            let sum: f64 = r.iter().sum();
            if !sum.is_finite() {
                return Err(CliError::arg(
                    "ratios",
                    text,
                    "the weights must have a finite sum",
                ));
            }
            r.iter().map(|w| w / sum).collect()
        }
    };
    if !(args.threshold > 0.0 && args.threshold < 1.0) {
        return Err(CliError::arg(
            "threshold",
            args.threshold.to_string(),
            "must be in (0, 1)",
        ));
    }
    let test = srm_test_at(&counts, &ratios, args.threshold)?;
    emit(
        out,
        json,
        &SrmReport {
            statistic: finite("chi-square statistic", test.statistic)?,
            p_value: finite("p-value", test.p_value)?,
            mismatch: test.mismatch,
        },
    )
}

// ---------------------------------------------------------------- adjust

#[derive(Debug, Serialize)]
struct AdjustReport {
    adjusted: Vec<f64>,
    reject: Vec<bool>,
}

impl Report for AdjustReport {
    fn table(&self) -> String {
        let mut t = Table::with_header(["i", "adjusted", "reject"]);
        for (i, (a, r)) in self.adjusted.iter().zip(&self.reject).enumerate() {
            t.row([i.to_string(), num(*a), r.to_string()]);
        }
        t.render()
    }
}

pub(crate) fn adjust(args: &AdjustArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let correction: Correction = args.method.parse().map_err(|_| {
        CliError::arg(
            "method",
            &args.method,
            "unknown correction (bonferroni, sidak, holm, holm-sidak, hochberg, hommel, fdr_bh, fdr_by)",
        )
    })?;
    let pvalues = parse_list("pvalues", &args.pvalues, "a number", |s| {
        s.parse::<f64>().ok()
    })?;
    if let Some(bad) = pvalues.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(CliError::arg(
            "pvalues",
            &args.pvalues,
            format!("{bad} is not in [0, 1]"),
        ));
    }
    let adjusted = correction.adjust(&pvalues, args.alpha)?;
    emit(
        out,
        json,
        &AdjustReport {
            adjusted: adjusted.adjusted,
            reject: adjusted.reject,
        },
    )
}

// ---------------------------------------------------------------- bayes

#[derive(Debug, Serialize)]
struct Posterior {
    mean: f64,
    ci_low: f64,
    ci_high: f64,
}

#[derive(Debug, Serialize)]
struct BayesReport {
    prob_b_beats_a: f64,
    expected_loss_a: f64,
    expected_loss_b: f64,
    a: Posterior,
    b: Posterior,
}

impl Report for BayesReport {
    fn table(&self) -> String {
        let mut t = Table::kv();
        t.pair("prob_b_beats_a", num(self.prob_b_beats_a))
            .pair("expected_loss_a", num(self.expected_loss_a))
            .pair("expected_loss_b", num(self.expected_loss_b));
        let mut p = Table::with_header(["variant", "mean", "ci_low (2.5%)", "ci_high (97.5%)"]);
        for (name, s) in [("a", &self.a), ("b", &self.b)] {
            p.row([name.to_owned(), num(s.mean), num(s.ci_low), num(s.ci_high)]);
        }
        format!("{}\n{}", t.render(), p.render())
    }
}

fn posterior(s: &BetaState) -> Result<Posterior> {
    Ok(Posterior {
        mean: finite("posterior mean", s.mean())?,
        ci_low: finite("credible interval", analytics::quantile(s, 0.025)?)?,
        ci_high: finite("credible interval", analytics::quantile(s, 0.975)?)?,
    })
}

pub(crate) fn bayes(args: &BayesArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let a = parse_beta("a", &args.a)?;
    let b = parse_beta("b", &args.b)?;
    let pair = analytics::compare_pair(&a, &b)?;
    let report = BayesReport {
        prob_b_beats_a: finite("P(B > A)", pair.prob_b_beats_a)?,
        expected_loss_a: finite("expected loss", pair.expected_loss_choosing_a)?,
        expected_loss_b: finite("expected loss", pair.expected_loss_choosing_b)?,
        a: posterior(&a)?,
        b: posterior(&b)?,
    };
    emit(out, json, &report)
}
