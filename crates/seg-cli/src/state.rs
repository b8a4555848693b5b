//! `seg state init | record | choose | reward | show`: bandit state and the
//! decision log in SQLite or PostgreSQL.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::Path;

use rand::SeedableRng;
use segmentation::bandit::{
    BanditError, Batch, BetaState, Decision, DecisionLog, Experiment, OffPolicyEvaluator, Policy,
    Prior, SqliteStore, StateStore, ThompsonSampler, WarmStart,
};
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::cli::{
    Db, StateChooseArgs, StateEvaluateArgs, StateInitArgs, StateRecordArgs, StateRewardArgs,
    StateShowArgs,
};
use crate::error::{CliError, Result};
use crate::output::{Report, Table, emit, num};

/// True when `--db` names a PostgreSQL database rather than a SQLite file.
#[must_use]
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// `db` with the password of a URL replaced by `***`, for messages.
fn redacted(db: &str) -> String {
    if !is_postgres_url(db) {
        return db.to_owned();
    }
    let Some(scheme_end) = db.find("://").map(|i| i + 3) else {
        return db.to_owned();
    };
    let rest = &db[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &db[..scheme_end],
            &authority[..colon],
            &rest[at..]
        ),
        _ => db.to_owned(),
    }
}

/// A store of bandit state and its decision log.
pub(crate) trait Store: StateStore + DecisionLog {}

impl<T: StateStore + DecisionLog> Store for T {}

/// Opens the store named by `--db`: PostgreSQL for a `postgres://` or
/// `postgresql://` URL, a SQLite file otherwise. Only `create` may make a
/// new SQLite file.
pub(crate) fn open_store(db: &str, create: bool) -> Result<Box<dyn Store>> {
    if is_postgres_url(db) {
        return open_postgres(db);
    }
    let path = Path::new(db);
    if !create && !path.exists() {
        return Err(CliError::NoDatabase {
            path: path.to_owned(),
        });
    }
    Ok(Box::new(SqliteStore::open(path)?))
}

#[cfg(feature = "postgres")]
fn open_postgres(db: &str) -> Result<Box<dyn Store>> {
    segmentation::bandit::PostgresStore::connect(db)
        .map(|s| Box::new(s) as Box<dyn Store>)
        .map_err(|e| CliError::arg("db", redacted(db), crate::error::chain(&e)))
}

#[cfg(not(feature = "postgres"))]
fn open_postgres(db: &str) -> Result<Box<dyn Store>> {
    Err(CliError::arg(
        "db",
        redacted(db),
        "this build of seg has no PostgreSQL support (cargo feature `postgres`)",
    ))
}

fn check_name(parameter: &'static str, name: &str) -> Result<()> {
    if name.is_empty() {
        Err(CliError::arg(parameter, name, "must not be empty"))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------- init

#[derive(Debug, Serialize)]
struct InitReport {
    experiment: String,
    variants: Vec<String>,
    prior: [f64; 2],
    created: bool,
}

impl Report for InitReport {
    fn table(&self) -> String {
        let mut t = Table::kv();
        t.pair("experiment", &self.experiment)
            .pair("variants", self.variants.join(", "))
            .pair(
                "prior",
                format!("Beta({}, {})", num(self.prior[0]), num(self.prior[1])),
            )
            .pair(
                "created",
                if self.created {
                    "yes"
                } else {
                    "no (already there, same variants)"
                },
            );
        t.render()
    }
}

pub(crate) fn init(args: &StateInitArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let Db { db, experiment } = &args.db;
    check_name("experiment", experiment)?;
    let variants: Vec<String> = args
        .variants
        .split(',')
        .map(|v| v.trim().to_owned())
        .collect();
    if let Some(empty) = variants.iter().position(String::is_empty) {
        return Err(CliError::arg(
            "variants",
            &args.variants,
            format!("variant {} is empty", empty + 1),
        ));
    }
    let given = args
        .prior
        .as_deref()
        .map(|text| crate::stats::parse_beta("prior", text))
        .transpose()?
        .map(|p| Prior::new(p.alpha, p.beta))
        .transpose()?;
    // Checks the names (non-empty, distinct) before touching the database.
    let definition = Experiment::new(
        experiment.clone(),
        variants.iter().cloned(),
        given.unwrap_or_default(),
    )?;
    let mut store = open_store(db, true)?;
    // Without --prior, an existing experiment with the same variants is
    // accepted whatever its prior.
    let existing = match store.experiment(experiment) {
        Ok(existing) => Some(existing),
        Err(BanditError::UnknownExperiment { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let (created, prior) = match existing {
        Some(existing) if given.is_none() && existing.variants() == definition.variants() => {
            (false, existing.prior())
        }
        Some(existing) => {
            existing.check_same_as(&definition)?;
            (false, existing.prior())
        }
        None => (store.create_experiment(&definition)?, definition.prior()),
    };
    emit(
        out,
        json,
        &InitReport {
            experiment: experiment.clone(),
            variants,
            prior: [prior.alpha(), prior.beta()],
            created,
        },
    )
}

// ---------------------------------------------------------------- record

#[derive(Debug, Serialize)]
struct RecordReport {
    experiment: String,
    segment: String,
    variant: String,
    successes: u64,
    failures: u64,
    seq: u64,
    new_segment: bool,
}

impl Report for RecordReport {
    fn table(&self) -> String {
        let mut t = Table::kv();
        t.pair("experiment", &self.experiment)
            .pair("segment", &self.segment)
            .pair("variant", &self.variant)
            .pair("successes", self.successes.to_string())
            .pair("failures", self.failures.to_string())
            .pair("event", self.seq.to_string())
            .pair("new segment", if self.new_segment { "yes" } else { "no" });
        t.render()
    }
}

/// A non-negative integer count.
fn parse_count(parameter: &'static str, text: &str) -> Result<u64> {
    let t = text.trim();
    if t.starts_with('-') && t.len() > 1 {
        return Err(CliError::arg(
            parameter,
            text,
            "counts must not be negative",
        ));
    }
    t.parse::<u64>()
        .ok()
        .filter(|&v| v <= segmentation::bandit::MAX_BATCH_COUNT)
        .ok_or_else(|| {
            CliError::arg(
                parameter,
                text,
                "must be an integer in 0..=9223372036854775807",
            )
        })
}

/// The priors of a new segment: warm start from the other segments.
fn new_segment_priors(
    store: &mut dyn StateStore,
    experiment: &Experiment,
    cap: f64,
) -> Result<Vec<Prior>> {
    let states = store.all_states(experiment.name())?;
    let warm = WarmStart::new(cap).map_err(|_| {
        CliError::arg(
            "warm-start-cap",
            cap.to_string(),
            "must be a finite number > 0",
        )
    })?;
    Ok(warm.priors(experiment, &states)?)
}

fn now_unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub(crate) fn record(args: &StateRecordArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let Db { db, experiment } = &args.db;
    check_name("experiment", experiment)?;
    check_name("segment", &args.segment)?;
    check_name("variant", &args.variant)?;
    let successes = parse_count("successes", &args.successes)?;
    let failures = parse_count("failures", &args.failures)?;
    let batch = Batch::new(
        args.segment.clone(),
        args.variant.clone(),
        successes,
        failures,
        args.timestamp.unwrap_or_else(now_unix_seconds),
    )?;
    let mut store = open_store(db, false)?;
    let definition = store.experiment(experiment)?;
    definition.variant_index(&args.variant)?;
    let new_segment = match store.segment_states(experiment, &args.segment) {
        Ok(_) => false,
        Err(BanditError::UnknownSegment { .. }) => {
            let priors = new_segment_priors(store.as_mut(), &definition, args.warm_start_cap)?;
            // Concurrent first uses race here: the first creation wins, the others are no-ops.
            store.create_segment(experiment, &args.segment, &priors)?
        }
        Err(e) => return Err(e.into()),
    };
    let event = store.record(experiment, &batch)?;
    emit(
        out,
        json,
        &RecordReport {
            experiment: experiment.clone(),
            segment: args.segment.clone(),
            variant: args.variant.clone(),
            successes,
            failures,
            seq: event.seq,
            new_segment,
        },
    )
}

// ---------------------------------------------------------------- choose

/// Variant names with their probabilities, serialised as a JSON object in
/// the experiment's variant order.
#[derive(Debug)]
struct Probabilities(Vec<(String, f64)>);

impl Serialize for Probabilities {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Debug, Serialize)]
struct ChooseReport {
    variant: String,
    probabilities: Probabilities,
    /// With `--log`: the logged decision's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<u64>,
    /// With `--log`: the probability the variant was served with.
    #[serde(skip_serializing_if = "Option::is_none")]
    propensity: Option<f64>,
}

impl Report for ChooseReport {
    fn table(&self) -> String {
        let mut t = Table::with_header(["variant", "probability", "chosen"]);
        for (name, p) in &self.probabilities.0 {
            t.row([
                name.clone(),
                num(*p),
                if *name == self.variant {
                    "*".to_owned()
                } else {
                    String::new()
                },
            ]);
        }
        let mut text = t.render();
        if let (Some(id), Some(p)) = (self.decision, self.propensity) {
            text.push_str(&format!("\ndecision {id} logged, propensity {}\n", num(p)));
        }
        text
    }
}

/// A seed from the operating system's randomness (through the standard
/// library's randomly keyed hasher), for unseeded choices.
fn entropy_seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}

pub(crate) fn choose(args: &StateChooseArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let Db { db, experiment } = &args.db;
    check_name("experiment", experiment)?;
    check_name("segment", &args.segment)?;
    if args.draws == 0 || args.draws > segmentation::bandit::MAX_DRAWS {
        return Err(CliError::arg(
            "draws",
            args.draws.to_string(),
            "must be in 1..=100000000",
        ));
    }
    let mut store = open_store(db, false)?;
    let definition = store.experiment(experiment)?;
    let states: Vec<BetaState> = match store.segment_states(experiment, &args.segment) {
        Ok(states) => states.iter().map(|s| s.state).collect(),
        Err(BanditError::UnknownSegment { .. }) => {
            new_segment_priors(store.as_mut(), &definition, args.warm_start_cap)?
                .iter()
                .map(Prior::state)
                .collect()
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(unit) = &args.unit {
        check_name("unit", unit)?;
    }
    let mut rng = rand_pcg::Pcg64::seed_from_u64(args.seed.unwrap_or_else(entropy_seed));
    let sampler = ThompsonSampler::new();
    let names = definition.variants();
    let (chosen, allocation, logged) = if args.log {
        // A logged decision is drawn from the computed allocation, so that
        // its propensity is the probability actually used.
        let allocation = sampler.allocation(&states, args.draws, &mut rng)?;
        let chosen = allocation.draw(&mut rng);
        let version = format!("seg {}; draws={}", env!("CARGO_PKG_VERSION"), args.draws);
        let policy = Policy::new("thompson", version)?;
        let mut decision = Decision::served(
            args.segment.as_str(),
            names,
            &allocation,
            chosen,
            policy,
            now_unix_seconds(),
        )?;
        if let Some(unit) = &args.unit {
            decision = decision.with_unit(unit.as_str())?;
        }
        let id = store.record_decision(experiment, &decision)?;
        (chosen, allocation, Some((id, decision.propensity())))
    } else {
        let chosen = sampler.choose(&states, &mut rng)?;
        let allocation = sampler.allocation(&states, args.draws, &mut rng)?;
        (chosen, allocation, None)
    };
    let report = ChooseReport {
        variant: names.get(chosen).cloned().unwrap_or_default(),
        probabilities: Probabilities(
            names
                .iter()
                .cloned()
                .zip(allocation.probabilities)
                .collect(),
        ),
        decision: logged.map(|(id, _)| id),
        propensity: logged.map(|(_, p)| p),
    };
    emit(out, json, &report)
}

// ---------------------------------------------------------------- evaluate

/// Decisions read per query of the log.
const DECISION_PAGE: usize = 10_000;

/// `seg state evaluate`: `seg evaluate` on the store's decision log (every
/// logged decision, a decision without a reward counting as reward 0 — no
/// conversion —, and every period batch).
pub(crate) fn evaluate(args: &StateEvaluateArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let Db { db, experiment } = &args.db;
    check_name("experiment", experiment)?;
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(CliError::arg(
            "alpha",
            args.alpha.to_string(),
            "must be in (0, 1)",
        ));
    }
    let policy = crate::evaluate::read_policy(&args.policy)?;
    let mut store = open_store(db, false)?;
    let mut evaluator = OffPolicyEvaluator::new(&policy);
    let mut after = 0;
    loop {
        let page = store.decisions_since(experiment, after, DECISION_PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for logged in &page {
            let d = &logged.decision;
            evaluator.push(
                d.segment(),
                d.variant(),
                d.propensity(),
                logged.reward.unwrap_or(0.0),
            )?;
        }
    }
    for b in store.period_batches(experiment)? {
        evaluator.push_batch(
            b.segment(),
            b.variant(),
            b.propensity(),
            b.count(),
            b.reward_sum(),
            b.reward_sum_squares(),
        )?;
    }
    let source = Path::new(db.as_str());
    let source = if is_postgres_url(db) {
        std::path::PathBuf::from(redacted(db))
    } else {
        source.to_path_buf()
    };
    let report = crate::evaluate::finish(&evaluator, args.alpha, &source, &args.policy)?;
    emit(out, json, &crate::evaluate::EvaluateReport(report))
}

// ---------------------------------------------------------------- reward

#[derive(Debug, Serialize)]
struct RewardReport {
    experiment: String,
    decision: u64,
    reward: f64,
}

impl Report for RewardReport {
    fn table(&self) -> String {
        format!(
            "experiment  {}\ndecision    {}\nreward      {}\n",
            self.experiment,
            self.decision,
            num(self.reward)
        )
    }
}

pub(crate) fn reward(args: &StateRewardArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let Db { db, experiment } = &args.db;
    check_name("experiment", experiment)?;
    let reward: f64 = args
        .reward
        .trim()
        .parse()
        .ok()
        .filter(|r: &f64| r.is_finite())
        .ok_or_else(|| CliError::arg("reward", args.reward.clone(), "must be a finite number"))?;
    let mut store = open_store(db, false)?;
    store.record_reward(experiment, args.decision, reward)?;
    emit(
        out,
        json,
        &RewardReport {
            experiment: experiment.clone(),
            decision: args.decision,
            reward,
        },
    )
}

// ---------------------------------------------------------------- show

#[derive(Debug, Serialize)]
struct StateRow {
    segment: String,
    variant: String,
    alpha: f64,
    beta: f64,
    successes: u64,
    failures: u64,
}

#[derive(Debug, Serialize)]
struct ShowReport {
    experiment: String,
    variants: Vec<String>,
    states: Vec<StateRow>,
    events: u64,
}

impl Report for ShowReport {
    fn table(&self) -> String {
        let mut head = Table::kv();
        head.pair("experiment", &self.experiment)
            .pair("variants", self.variants.join(", "))
            .pair("events", self.events.to_string());
        let mut t = Table::with_header([
            "segment",
            "variant",
            "alpha",
            "beta",
            "successes",
            "failures",
        ]);
        for s in &self.states {
            t.row([
                s.segment.clone(),
                s.variant.clone(),
                num(s.alpha),
                num(s.beta),
                s.successes.to_string(),
                s.failures.to_string(),
            ]);
        }
        format!("{}\n{}", head.render(), t.render())
    }
}

pub(crate) fn show(args: &StateShowArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let Db { db, experiment } = &args.db;
    check_name("experiment", experiment)?;
    let mut store = open_store(db, false)?;
    let definition = store.experiment(experiment)?;
    let states = store.all_states(experiment)?;
    let events = store.event_count(experiment)?;
    let report = ShowReport {
        experiment: experiment.clone(),
        variants: definition.variants().to_vec(),
        states: states
            .into_iter()
            .map(|s| StateRow {
                alpha: s.state.alpha,
                beta: s.state.beta,
                segment: s.segment,
                variant: s.variant,
                successes: s.successes,
                failures: s.failures,
            })
            .collect(),
        events,
    };
    emit(out, json, &report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_are_recognised_and_passwords_redacted() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(!is_postgres_url("state.sqlite"));
        assert_eq!(
            redacted("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redacted("postgres://u@h:5432/db"), "postgres://u@h:5432/db");
    }

    #[test]
    fn negative_and_fractional_counts_are_errors() {
        assert!(parse_count("successes", "-1").is_err());
        assert!(parse_count("successes", "1.5").is_err());
        assert!(parse_count("successes", "9223372036854775808").is_err());
        assert_eq!(parse_count("successes", "42").ok(), Some(42));
    }
}
