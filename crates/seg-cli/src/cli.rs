//! The command line, declared with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Statistics for personalised A/B testing on CSV files and databases.
///
/// Every command prints a readable table, or one JSON object with --json.
/// Exit status: 0 on success, 2 on bad input, 74 when a disk or database
/// fails, 70 on an internal error (one line on stderr).
#[derive(Debug, Parser)]
#[command(name = "seg", version, propagate_version = true, after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// Print one JSON object on stdout instead of a table.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

const EXAMPLES: &str = "Examples:
  seg power proportions --baseline 0.05 --mde 0.1 --json
  seg srm --counts 5000,5100
  seg segment --data visitors.csv --model-out model.json --labels-out labels.csv
  seg state choose --db state.sqlite --experiment checkout --segment mobile";

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Clustering quality of given labels: silhouette, Davies-Bouldin, Calinski-Harabasz.
    #[command(
        after_help = "Example:\n  seg metrics --data x.csv --labels labels.csv --columns a,b --json"
    )]
    Metrics(MetricsArgs),
    /// Sample size per group for a two-group test.
    #[command(subcommand)]
    Power(PowerCommand),
    /// Sample-ratio mismatch: chi-square test of observed counts against intended ratios.
    #[command(
        after_help = "Examples:\n  seg srm --counts 5000,5100 --json\n  seg srm --counts 2480,2530,5010 --ratios 1,1,2 --json"
    )]
    Srm(SrmArgs),
    /// Adjusted p-values of a multiple-testing correction (statsmodels' multipletests).
    #[command(
        after_help = "Example:\n  seg adjust --method holm --pvalues 0.01,0.02,0.03,0.2 --json"
    )]
    Adjust(AdjustArgs),
    /// Two Beta posteriors: P(B > A), expected losses, 95% credible intervals.
    #[command(
        after_help = "Example (A: 120 of 1000 converted, B: 140 of 1000, uniform priors):\n  seg bayes --a 121,881 --b 141,861 --json"
    )]
    Bayes(BayesArgs),
    /// Discover segments: features, automatic k, quality gate, one saved model.
    #[command(
        after_help = "Example:\n  seg segment --data visitors.csv --k auto --k-min 2 --k-max 8 --seed 0 \\\n      --model-out model.json --labels-out labels.csv --plot scores.svg"
    )]
    Segment(SegmentArgs),
    /// Segments against an outcome never used to fit them: rates or means, χ² or ANOVA.
    #[command(
        after_help = "Example (Revenue: 0/1, true/false or yes/no gives rates and χ²; numbers give means and ANOVA):\n  seg profile --model model.json --data sessions.csv --outcome Revenue --json"
    )]
    Profile(ProfileArgs),
    /// Assign the rows of a CSV file to the segments of a saved model (streaming).
    #[command(
        after_help = "Example:\n  seg assign --model model.json --data new.csv --labels-out labels.csv --json"
    )]
    Assign(AssignArgs),
    /// Drift of a CSV file against a saved model's training data (streaming).
    #[command(after_help = "Example:\n  seg drift --model model.json --data this_week.csv --json")]
    Drift(DriftArgs),
    /// Feature schemas: `seg schema infer` drafts one from a CSV file.
    #[command(subcommand)]
    Schema(crate::schema::SchemaCommand),
    /// Thompson-sampling bandit state in SQLite (a path) or PostgreSQL (postgres://…).
    #[command(subcommand)]
    State(StateCommand),
    /// Off-policy evaluation: what a target policy would have earned, from a decision log.
    #[command(
        after_help = "Example (log: segment,variant,propensity,reward; policy: segment,variant,probability):\n  seg evaluate --log decisions.csv --policy best_per_segment.csv --alpha 0.05 --json"
    )]
    Evaluate(EvaluateArgs),
    /// The e-commerce walk-through on simulated traffic.
    #[command(
        after_help = "Examples:\n  seg demo --seed 1 --charts charts/\n  seg demo --visitors-per-month 5000 --json"
    )]
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EvaluateArgs {
    /// CSV decision log with columns segment, variant, propensity (in (0, 1]) and reward.
    #[arg(long, value_name = "L.csv")]
    pub(crate) log: PathBuf,
    /// CSV target policy with columns segment, variant, probability (a missing row is 0).
    #[arg(long, value_name = "P.csv")]
    pub(crate) policy: PathBuf,
    /// One minus the confidence level of the intervals.
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub(crate) alpha: f64,
}

#[derive(Debug, Args)]
pub(crate) struct MetricsArgs {
    /// CSV file of numeric columns with a header row.
    #[arg(long, value_name = "X.csv")]
    pub(crate) data: PathBuf,
    /// CSV file with one column `label` of non-negative integers, one per data row.
    #[arg(long, value_name = "L.csv")]
    pub(crate) labels: PathBuf,
    /// Columns of the data to use (default: all).
    #[arg(long, value_delimiter = ',', value_name = "a,b,...")]
    pub(crate) columns: Option<Vec<String>>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PowerCommand {
    /// Two conversion rates.
    #[command(
        after_help = "Examples:\n  seg power proportions --baseline 0.05 --mde 0.1\n  seg power proportions --baseline 0.05 --mde 0.005 --absolute --method unpooled --json\n  seg power proportions --baseline 0.05 --mde 0.1 --comparisons 3 --correction holm \\\n      --daily-traffic 20000 --variants 4 --json"
    )]
    Proportions(ProportionsArgs),
    /// Two means, with a standardized effect size (Cohen's d).
    #[command(
        after_help = "Example:\n  seg power means --effect-size 0.2 --power 0.9 --test t --json"
    )]
    Means(MeansArgs),
    /// Power achieved with a given group size (two means or Cohen's h).
    #[command(
        after_help = "Example:\n  seg power achieved --effect-size 0.2 --n-per-group 394 --test z --json"
    )]
    Achieved(AchievedArgs),
    /// Minimum detectable standardized effect with a given group size.
    #[command(
        after_help = "Example:\n  seg power mde --n-per-group 1000 --power 0.8 --test t --json"
    )]
    Mde(MdeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct Common {
    /// Significance level (of the whole family with --comparisons).
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub(crate) alpha: f64,
    /// Power, the probability of detecting the effect.
    #[arg(long, default_value_t = 0.8, allow_hyphen_values = true)]
    pub(crate) power: f64,
    /// Treatment group size over control group size.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    pub(crate) ratio: f64,
    /// One-sided test in the direction of the effect (α not halved).
    #[arg(long)]
    pub(crate) one_sided: bool,
    /// Number of comparisons in the family.
    #[arg(long, default_value_t = 1, value_name = "M")]
    pub(crate) comparisons: usize,
    /// Correction that plans the per-comparison α: bonferroni, sidak, holm (also holm-sidak,
    /// hochberg, hommel, fdr_bh, fdr_by).
    #[arg(long, default_value = "bonferroni")]
    pub(crate) correction: String,
    /// Units entering the experiment per day (gives `days`).
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub(crate) daily_traffic: Option<f64>,
    /// Number of groups including control (for `total` and `days`).
    #[arg(long, default_value_t = 2, value_name = "V")]
    pub(crate) variants: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Method {
    /// Pooled variance under H0, unpooled under H1 (R's power.prop.test).
    Pooled,
    /// Unpooled variance under both hypotheses.
    Unpooled,
    /// Cohen's h with statsmodels' NormalIndPower.
    #[value(name = "cohen-h")]
    CohenH,
}

#[derive(Debug, Args)]
pub(crate) struct ProportionsArgs {
    /// Control conversion rate, in (0, 1).
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    pub(crate) baseline: f64,
    /// Minimum detectable effect: relative lift (0.1 = +10 %), or absolute with --absolute.
    #[arg(long, value_name = "M", allow_hyphen_values = true)]
    pub(crate) mde: f64,
    /// Read --mde as an absolute difference of rates.
    #[arg(long)]
    pub(crate) absolute: bool,
    /// Variance model.
    #[arg(long, value_enum, default_value = "pooled")]
    pub(crate) method: Method,
    #[command(flatten)]
    pub(crate) common: Common,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum TestKind {
    /// Two-sample z-test (known variance).
    Z,
    /// Two-sample t-test (pooled variance).
    T,
}

#[derive(Debug, Args)]
pub(crate) struct MeansArgs {
    /// Standardized effect size d = difference / standard deviation.
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub(crate) effect_size: f64,
    /// z-test or t-test.
    #[arg(long, value_enum, default_value = "t")]
    pub(crate) test: TestKind,
    #[command(flatten)]
    pub(crate) common: Common,
}

#[derive(Debug, Args)]
pub(crate) struct AchievedArgs {
    /// Standardized effect size (Cohen's d, or Cohen's h with --test z).
    #[arg(long, value_name = "D", allow_hyphen_values = true)]
    pub(crate) effect_size: f64,
    /// Units in each group.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub(crate) n_per_group: f64,
    /// Significance level.
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub(crate) alpha: f64,
    /// z-test or t-test.
    #[arg(long, value_enum, default_value = "t")]
    pub(crate) test: TestKind,
    /// One-sided test.
    #[arg(long)]
    pub(crate) one_sided: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MdeArgs {
    /// Units in each group.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub(crate) n_per_group: f64,
    /// Significance level.
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub(crate) alpha: f64,
    /// Power.
    #[arg(long, default_value_t = 0.8, allow_hyphen_values = true)]
    pub(crate) power: f64,
    /// z-test or t-test.
    #[arg(long, value_enum, default_value = "t")]
    pub(crate) test: TestKind,
    /// One-sided test.
    #[arg(long)]
    pub(crate) one_sided: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SrmArgs {
    /// Observed units per group, comma-separated non-negative integers.
    #[arg(long, value_name = "N1,N2,...", allow_hyphen_values = true)]
    pub(crate) counts: String,
    /// Intended weight of each group, positive, normalised: 1,1,2 means 25%, 25%, 50%
    /// (default: equal).
    #[arg(long, value_name = "W1,W2,...", allow_hyphen_values = true)]
    pub(crate) ratios: Option<String>,
    /// p-value below which the split is a mismatch.
    #[arg(long, default_value_t = 0.001, allow_hyphen_values = true)]
    pub(crate) threshold: f64,
}

#[derive(Debug, Args)]
pub(crate) struct AdjustArgs {
    /// bonferroni, sidak, holm, holm-sidak, hochberg, hommel, fdr_bh or fdr_by.
    #[arg(long)]
    pub(crate) method: String,
    /// p-values, comma-separated, each in [0, 1].
    #[arg(long, value_name = "P1,P2,...", allow_hyphen_values = true)]
    pub(crate) pvalues: String,
    /// Level at which to reject.
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub(crate) alpha: f64,
}

#[derive(Debug, Args)]
pub(crate) struct BayesArgs {
    /// Beta posterior of variant A: ALPHA,BETA (e.g. 1 + successes, 1 + failures).
    #[arg(long, value_name = "ALPHA,BETA", allow_hyphen_values = true)]
    pub(crate) a: String,
    /// Beta posterior of variant B: ALPHA,BETA.
    #[arg(long, value_name = "ALPHA,BETA", allow_hyphen_values = true)]
    pub(crate) b: String,
}

#[derive(Debug, Args)]
pub(crate) struct SegmentArgs {
    /// CSV file of visitors with a header row.
    #[arg(long, value_name = "X.csv")]
    pub(crate) data: PathBuf,
    /// Feature schema (JSON of seg-features' Schema). Without it, every column (or every
    /// column of --columns) must be numeric and is scaled to [0, 1].
    #[arg(long, value_name = "S.json")]
    pub(crate) schema: Option<PathBuf>,
    /// Without a schema: the numeric columns to use, the others ignored (default: all).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "a,b,...",
        conflicts_with = "schema"
    )]
    pub(crate) columns: Option<Vec<String>>,
    /// Number of segments: `auto` or an integer ≥ 2.
    #[arg(long, default_value = "auto")]
    pub(crate) k: String,
    /// Smallest k tried by the automatic choice.
    #[arg(long, default_value_t = 2)]
    pub(crate) k_min: usize,
    /// Largest k tried by the automatic choice.
    #[arg(long, default_value_t = 8)]
    pub(crate) k_max: usize,
    /// Seed of every random choice (same seed, same model).
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Where to save the model (the transform and the segments, JSON).
    #[arg(long, value_name = "M.json")]
    pub(crate) model_out: PathBuf,
    /// Where to write each row's segment (CSV, header `label`).
    #[arg(long, value_name = "L.csv")]
    pub(crate) labels_out: Option<PathBuf>,
    /// Where to draw the scores of every k tried (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub(crate) plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ProfileArgs {
    /// A model saved by `seg segment`.
    #[arg(long, value_name = "M.json")]
    pub(crate) model: PathBuf,
    /// CSV file with the model's columns and the outcome column.
    #[arg(long, value_name = "X.csv")]
    pub(crate) data: PathBuf,
    /// The outcome column: binary (0/1, true/false, yes/no) or numeric.
    #[arg(long, value_name = "COL")]
    pub(crate) outcome: String,
}

#[derive(Debug, Args)]
pub(crate) struct AssignArgs {
    /// A model saved by `seg segment`.
    #[arg(long, value_name = "M.json")]
    pub(crate) model: PathBuf,
    /// CSV file with the model's columns.
    #[arg(long, value_name = "X.csv")]
    pub(crate) data: PathBuf,
    /// Where to write each row's segment (CSV, header `label`).
    #[arg(long, value_name = "L.csv")]
    pub(crate) labels_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DriftArgs {
    /// A model saved by `seg segment`.
    #[arg(long, value_name = "M.json")]
    pub(crate) model: PathBuf,
    /// CSV file with the model's columns.
    #[arg(long, value_name = "X.csv")]
    pub(crate) data: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum StateCommand {
    /// Create an experiment (again with the same variants: no change).
    #[command(
        after_help = "Examples:\n  seg state init --db state.sqlite --experiment checkout --variants control,green,blue\n  seg state init --db postgres://user@localhost/seg --experiment checkout --variants a,b --prior 1,1"
    )]
    Init(StateInitArgs),
    /// Add one batch of outcomes of a variant in a segment.
    #[command(
        after_help = "Example:\n  seg state record --db state.sqlite --experiment checkout --segment mobile \\\n      --variant green --successes 3 --failures 97"
    )]
    Record(StateRecordArgs),
    /// Choose a variant for a visitor of a segment by Thompson sampling.
    #[command(
        after_help = "Examples:\n  seg state choose --db state.sqlite --experiment checkout --segment mobile --seed 7 --json\n  seg state choose --db state.sqlite --experiment checkout --segment mobile --log --unit visitor-42 --json"
    )]
    Choose(StateChooseArgs),
    /// Join an outcome (0/1, revenue) to a decision logged by `choose --log`.
    #[command(
        after_help = "Example:\n  seg state reward --db state.sqlite --experiment checkout --decision 42 --reward 1 --json"
    )]
    Reward(StateRewardArgs),
    /// Off-policy evaluation of a target policy on the database's decision log (as `seg evaluate`).
    #[command(
        after_help = "Example (policy: segment,variant,probability):\n  seg state evaluate --db state.sqlite --experiment checkout --policy best_per_segment.csv --json"
    )]
    Evaluate(StateEvaluateArgs),
    /// Every state of an experiment and its number of recorded batches.
    #[command(
        after_help = "Example:\n  seg state show --db state.sqlite --experiment checkout --json"
    )]
    Show(StateShowArgs),
}

#[derive(Debug, Args)]
pub(crate) struct Db {
    /// SQLite file path, or a PostgreSQL URL (postgres://… or postgresql://…).
    #[arg(long, value_name = "D")]
    pub(crate) db: String,
    /// Experiment name.
    #[arg(long, value_name = "E")]
    pub(crate) experiment: String,
}

#[derive(Debug, Args)]
pub(crate) struct StateInitArgs {
    #[command(flatten)]
    pub(crate) db: Db,
    /// Variant names, comma-separated, control first.
    #[arg(long, value_name = "a,b,c")]
    pub(crate) variants: String,
    /// Beta prior of every variant: ALPHA,BETA (default 1,1 for a new experiment; when
    /// omitted for an existing one, only the variants are compared).
    #[arg(long, value_name = "ALPHA,BETA", allow_hyphen_values = true)]
    pub(crate) prior: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct StateRecordArgs {
    #[command(flatten)]
    pub(crate) db: Db,
    /// Segment name (created on first use with its warm-start prior).
    #[arg(long, value_name = "S")]
    pub(crate) segment: String,
    /// Variant name.
    #[arg(long, value_name = "V")]
    pub(crate) variant: String,
    /// Successes in this batch (non-negative integer).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub(crate) successes: String,
    /// Failures in this batch (non-negative integer).
    #[arg(long, value_name = "M", allow_hyphen_values = true)]
    pub(crate) failures: String,
    /// Caller's timestamp stored with the batch (default: now, Unix seconds).
    #[arg(long, allow_hyphen_values = true)]
    pub(crate) timestamp: Option<i64>,
    /// Pseudo-count cap of the warm-start prior of a new segment.
    #[arg(long, default_value_t = 10.0, allow_hyphen_values = true)]
    pub(crate) warm_start_cap: f64,
}

#[derive(Debug, Args)]
pub(crate) struct StateChooseArgs {
    #[command(flatten)]
    pub(crate) db: Db,
    /// Segment name (an unseen segment uses its warm-start prior).
    #[arg(long, value_name = "S")]
    pub(crate) segment: String,
    /// Seed for a reproducible choice (default: fresh entropy).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Monte Carlo draws for the allocation probabilities.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) draws: usize,
    /// Pseudo-count cap of the warm-start prior of an unseen segment.
    #[arg(long, default_value_t = 10.0, allow_hyphen_values = true)]
    pub(crate) warm_start_cap: f64,
    /// Log the decision (segment, variant, propensity, allocation, policy,
    /// time) in the database's decision log; the variant is then drawn from
    /// the computed allocation, so the logged propensity is the probability
    /// used.
    #[arg(long)]
    pub(crate) log: bool,
    /// With --log: the unit (visitor) id stored with the decision.
    #[arg(long, value_name = "ID", requires = "log")]
    pub(crate) unit: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct StateRewardArgs {
    #[command(flatten)]
    pub(crate) db: Db,
    /// The decision id printed by `seg state choose --log`.
    #[arg(long, value_name = "ID")]
    pub(crate) decision: u64,
    /// The outcome: 0/1 or any finite number (e.g. revenue); recorded once.
    #[arg(long, value_name = "R", allow_hyphen_values = true)]
    pub(crate) reward: String,
}

#[derive(Debug, Args)]
pub(crate) struct StateEvaluateArgs {
    #[command(flatten)]
    pub(crate) db: Db,
    /// CSV target policy with columns segment, variant, probability (a missing row is 0).
    #[arg(long, value_name = "P.csv")]
    pub(crate) policy: PathBuf,
    /// One minus the confidence level of the intervals.
    #[arg(long, default_value_t = 0.05, allow_hyphen_values = true)]
    pub(crate) alpha: f64,
}

#[derive(Debug, Args)]
pub(crate) struct StateShowArgs {
    #[command(flatten)]
    pub(crate) db: Db,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Folder for the SVG charts (none by default).
    #[arg(long, value_name = "DIR")]
    pub(crate) charts: Option<PathBuf>,
    /// Folder for the demo's SQLite state (default: a new temporary folder).
    #[arg(long, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
    /// Simulated visitors per month (at least 3,000; fewer run faster).
    #[arg(long, default_value_t = 50_000, value_name = "N")]
    pub(crate) visitors_per_month: usize,
}
