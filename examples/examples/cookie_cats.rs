//! The Cookie Cats A/B test (mobile game, 90,189 players randomly given the
//! first gate at level 30 or 40; outcome: the player came back 7 days after
//! installing), analysed four ways:
//!
//! 1. **SRM**: is the 50/50 split what was intended (chi-square test, and
//!    the anytime-valid sequential SRM test over the replay)?
//! 2. **Two-proportion test** of 7-day retention (the pooled z-test, as a
//!    χ² of variant × retention), with 95% intervals.
//! 3. **Sequential replay**: the players in file order, a look every 2,000
//!    players, an mSPRT (always-valid p-value) against the naive repeated
//!    fixed-horizon test, which peeks.
//! 4. **Bandit replay** of Thompson sampling against a uniform split, and
//!    the posterior analytics.
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
//! The file is the first argument when given, else `cookie_cats.csv` in
//! `SEG_DATA_DIR` when set, else in `../shared/data/` beside the workspace.
//!
//! ```text
//! cargo run --release --example cookie_cats
//! cargo run --release --example cookie_cats -- path/to/cookie_cats.csv
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64;
use segmentation::bandit::analytics::{compare_pair, lift, stopping_rule, summary};
use segmentation::bandit::{BetaState, ThompsonSampler};
use segmentation::power::{Decision, Msprt, SequentialSrm, srm_test};
use segmentation::validate::segment_outcomes;

const FILE: &str = "cookie_cats.csv";
const VARIANTS: [&str; 2] = ["gate_30", "gate_40"];
const REPLAYS: u64 = 20;
/// Players between two looks of the sequential replay.
const LOOK_EVERY: usize = 2_000;

fn main() -> ExitCode {
    let Some(path) = segmentation_examples::data_path(FILE) else {
        eprintln!(
            "{FILE} not found. Pass its path as the first argument \
             (cargo run --release --example cookie_cats -- path/to/{FILE}), \
             put it in ../shared/data/ beside the workspace, or set SEG_DATA_DIR to its folder. \
             It is the Cookie Cats A/B test data (columns userid, version, sum_gamerounds, \
             retention_1, retention_7)."
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
    srm_and_test(&rows)?;
    sequential(&rows)?;
    println!("\n== 4. Bandit replay ({REPLAYS} seeded replays each)");
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

/// Sections 1 and 2: the split and the fixed-horizon test on all players.
fn srm_and_test(rows: &[(usize, bool)]) -> Result<(), Box<dyn Error>> {
    let mut n = [0u64; 2];
    for &(v, _) in rows {
        n[v] += 1;
    }
    let srm = srm_test(&n, &[0.5, 0.5])?;
    println!("\n== 1. Sample-ratio mismatch (intended 50/50)");
    println!(
        "gate_30 {} players, gate_40 {}: χ² = {:.2}, p = {:.4} → {}",
        n[0],
        n[1],
        srm.statistic,
        srm.p_value,
        if srm.mismatch {
            "MISMATCH (p < 0.001): do not trust the comparison"
        } else {
            "no mismatch at the 0.001 threshold"
        }
    );
    let labels: Vec<usize> = rows.iter().map(|r| r.0).collect();
    let retained: Vec<bool> = rows.iter().map(|r| r.1).collect();
    let test = segment_outcomes(&labels, &retained, 0.95)?;
    println!(
        "\n== 2. Two-proportion test of 7-day retention (pooled z-test, as χ² of variant × retention)"
    );
    for s in &test.segments {
        println!(
            "{}: {:.2}% retained (95% CI {:.2}–{:.2}%)",
            VARIANTS.get(s.label).copied().unwrap_or("?"),
            100.0 * s.rate,
            100.0 * s.ci_low,
            100.0 * s.ci_high
        );
    }
    println!(
        "z = {:.3}, χ² = {:.3} (df {}), two-sided p = {:.5}",
        test.chi_square.sqrt(),
        test.chi_square,
        test.df,
        test.p_value
    );
    Ok(())
}

/// Section 3: looks every 2,000 players in file order; the mSPRT's
/// always-valid p-value against the naive fixed-horizon p-value at each
/// look, and the sequential SRM test.
fn sequential(rows: &[(usize, bool)]) -> Result<(), Box<dyn Error>> {
    // Mixing variance: differences of about one point of retention.
    let mut msprt = Msprt::new(0.01f64.powi(2), 0.05)?;
    let mut srm = SequentialSrm::builder(&[0.5, 0.5]).build()?;
    let (mut n, mut x) = ([0u64; 2], [0u64; 2]);
    let (mut looks, mut naive_significant, mut first_naive) = (0usize, 0usize, None);
    let mut stop = None;
    let mut srm_alarm = None;
    println!(
        "\n== 3. Sequential replay: a look every {LOOK_EVERY} players in file order, α = 0.05"
    );
    println!(
        "{:>8} {:>10} {:>14} {:>16} {:>12}",
        "players", "diff (pt)", "mSPRT p", "naive z-test p", "SRM p"
    );
    for (i, &(v, r)) in rows.iter().enumerate() {
        n[v] += 1;
        x[v] += u64::from(r);
        let last = i + 1 == rows.len();
        if (i + 1) % LOOK_EVERY != 0 && !last {
            continue;
        }
        looks += 1;
        let look = msprt.update_proportions((n[1], x[1]), (n[0], x[0]))?;
        let s = srm.update(&n)?;
        if s.mismatch && srm_alarm.is_none() {
            srm_alarm = Some(i + 1);
        }
        let seen_labels: Vec<usize> = rows[..=i].iter().map(|r| r.0).collect();
        let seen: Vec<bool> = rows[..=i].iter().map(|r| r.1).collect();
        let naive = segment_outcomes(&seen_labels, &seen, 0.95)?.p_value;
        if naive < 0.05 {
            naive_significant += 1;
            first_naive.get_or_insert(i + 1);
        }
        if look.decision == Decision::StopEfficacy && stop.is_none() {
            stop = Some((i + 1, look.estimate));
        }
        if looks % 5 == 1 || last {
            println!(
                "{:>8} {:>+10.2} {:>14.4} {:>16.4} {:>12.4}",
                i + 1,
                100.0 * look.estimate,
                look.p_value,
                naive,
                s.p_value
            );
        }
    }
    match stop {
        Some((at, est)) => println!(
            "mSPRT: stops after {at} players (gate_30 − gate_40 = {:+.2} points), and its error rate stays 5% whatever the number of looks",
            100.0 * est
        ),
        None => println!("mSPRT: no stop at α = 0.05 over {looks} looks"),
    }
    println!(
        "naive fixed-horizon test at every look: p < 0.05 at {naive_significant} of {looks} looks{}; \
         stopping at the first such look is peeking, which inflates false positives well above 5%",
        first_naive.map_or(String::new(), |p| format!(" (first after {p} players)"))
    );
    println!(
        "sequential SRM: {}",
        srm_alarm.map_or("no mismatch at any look".to_owned(), |p| format!(
            "mismatch after {p} players"
        ))
    );
    Ok(())
}
