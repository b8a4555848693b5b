//! Offline replay of Thompson sampling on the Cookie Cats A/B test (mobile
//! game, 90,189 players randomly given the first gate at level 30 or 40;
//! reward: the player came back 7 days after installing).
//!
//! Replay method (Li, Chu, Langford & Wang 2011): the logged players are
//! streamed in a seeded random order; the policy picks a variant for each;
//! when it matches the logged variant the player's reward is revealed (and
//! the policy learns from it), otherwise the player is skipped. Because the
//! logging was uniformly random, the mean reward over the accepted players is
//! an unbiased estimate of the policy's reward per player. Thompson sampling
//! is compared with a uniform split over 20 replays, then the posterior
//! analytics of the full data are printed (credible intervals, lift,
//! P(B > A), expected losses and the stopping rule).
//!
//! The file is read from `SEG_DATA_DIR` when set, else from `../shared/data/`
//! beside the workspace.
//!
//! ```text
//! cargo run --release --example cookie_cats_bandit
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64;
use segmentation::bandit::analytics::{compare_pair, lift, stopping_rule, summary};
use segmentation::bandit::{BetaState, ThompsonSampler};

const FILE: &str = "cookie_cats.csv";
const VARIANTS: [&str; 2] = ["gate_30", "gate_40"];
const REPLAYS: u64 = 20;

fn main() -> ExitCode {
    let Some(path) = data_path() else {
        eprintln!(
            "{FILE} not found: put it in ../shared/data/ beside the workspace, or set SEG_DATA_DIR to its folder"
        );
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn data_path() -> Option<PathBuf> {
    let dir = std::env::var_os("SEG_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = dir.join(FILE);
    path.is_file().then_some(path)
}

/// (variant index, retained after 7 days) per player.
fn load(path: &PathBuf) -> Result<Vec<(usize, bool)>, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| format!("column {name} missing"))
    };
    let (version, retention) = (col("version")?, col("retention_7")?);
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let get = |c: usize| {
            fields
                .get(c)
                .map(|f| f.trim())
                .ok_or_else(|| format!("line {}: too few fields", i + 2))
        };
        let v = get(version)?;
        let variant = VARIANTS
            .iter()
            .position(|x| *x == v)
            .ok_or_else(|| format!("line {}: unknown version {v}", i + 2))?;
        let reward = match get(retention)? {
            "True" | "true" | "1" => true,
            "False" | "false" | "0" => false,
            other => return Err(format!("line {}: retention_7 = {other}", i + 2).into()),
        };
        rows.push((variant, reward));
    }
    Ok(rows)
}

struct Replay {
    accepted: usize,
    reward: usize,
    served: [usize; 2],
}

fn replay(rows: &[(usize, bool)], thompson: bool, seed: u64) -> Result<Replay, Box<dyn Error>> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.shuffle(&mut rng);
    let sampler = ThompsonSampler::new();
    let mut states = [BetaState::new(1.0, 1.0)?; 2];
    let mut out = Replay {
        accepted: 0,
        reward: 0,
        served: [0; 2],
    };
    for i in order {
        let (logged, reward) = rows[i];
        let choice = if thompson {
            sampler.choose(&states, &mut rng)?
        } else {
            usize::from(rand::RngExt::random_bool(&mut rng, 0.5))
        };
        if choice != logged {
            continue;
        }
        out.accepted += 1;
        out.served[choice] += 1;
        out.reward += usize::from(reward);
        states[choice].observe(u64::from(reward), u64::from(!reward));
    }
    Ok(out)
}

fn run(path: &PathBuf) -> Result<(), Box<dyn Error>> {
    let rows = load(path)?;
    println!(
        "Cookie Cats: {} players, reward = 7-day retention",
        rows.len()
    );
    println!("\nReplay evaluation ({REPLAYS} seeded replays each)");
    println!(
        "{:<18} {:>10} {:>20} {:>14}",
        "policy", "accepted", "reward/player ± s.e.", "gate_30 share"
    );
    for (name, thompson) in [("uniform split", false), ("Thompson sampling", true)] {
        let (mut acc, mut rew, mut g30) = (0.0, 0.0, 0.0);
        let mut per_replay = Vec::new();
        for seed in 0..REPLAYS {
            let r = replay(&rows, thompson, seed)?;
            let rate = r.reward as f64 / r.accepted.max(1) as f64;
            per_replay.push(rate);
            acc += r.accepted as f64;
            rew += rate;
            g30 += r.served[0] as f64 / r.accepted.max(1) as f64;
        }
        let n = REPLAYS as f64;
        let mean = rew / n;
        let sd = (per_replay.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        println!(
            "{name:<18} {:>10.0} {:>9.5} ± {:.5} {:>12.3}",
            acc / n,
            mean,
            sd / n.sqrt(),
            g30 / n
        );
    }

    let mut states = [BetaState::new(1.0, 1.0)?; 2];
    for &(v, r) in &rows {
        states[v].observe(u64::from(r), u64::from(!r));
    }
    println!("\nPosteriors on all players (prior Beta(1, 1)), 95% credible intervals");
    for (name, s) in VARIANTS.iter().zip(&states) {
        let sum = summary(s, 0.95)?;
        println!(
            "{name}: Beta({}, {}), mean {:.5}, [{:.5}, {:.5}]",
            s.alpha, s.beta, sum.mean, sum.lower, sum.upper
        );
    }
    let c = compare_pair(&states[1], &states[0])?;
    println!(
        "lift of gate_30 over gate_40: {:+.2}%",
        100.0 * lift(&states[1], &states[0])?
    );
    println!("P(gate_30 > gate_40) = {:.5}", c.prob_b_beats_a);
    println!(
        "expected loss: choosing gate_40 {:.6}, choosing gate_30 {:.6}",
        c.expected_loss_choosing_a, c.expected_loss_choosing_b
    );
    let d = stopping_rule(&states, 1e-3, 10_000, &mut Pcg64::seed_from_u64(0))?;
    println!(
        "stopping rule (expected loss < 0.001): stop = {}, choose {}",
        d.stop, VARIANTS[d.best]
    );
    Ok(())
}
