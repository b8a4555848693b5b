//! The sample-ratio-mismatch test under adaptive allocation, on a
//! Thompson-sampling experiment: every day the sampler's allocation is
//! computed from the posteriors of the data so far, each visitor's variant
//! is drawn from it, and the day's counts and allocation are logged.
//!
//! - Nothing wrong: the adaptive test (`power::adaptive_srm_test_at`)
//!   flags at its nominal rate; the fixed-ratio test against equal ratios
//!   (`power::srm_test_at` on the totals) flags in most runs, since the
//!   bandit moves the split on purpose.
//! - A real mismatch (a share of one variant's visitors lost before they
//!   are logged): the adaptive test catches it in most runs.
//!
//! The default run is short; the calibration over 2,000 runs per setting
//! is `#[ignore]`d and runs in release:
//! `cargo test --release -p segmentation --test adaptive_srm -- --ignored --nocapture`.

#![cfg(all(feature = "power", feature = "bandit"))]

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use segmentation::bandit::{BetaState, ThompsonSampler};
use segmentation::power::{adaptive_srm_test_at, srm_test_at};

const DAYS: usize = 28;
const VISITORS_PER_DAY: usize = 1_000;
/// Monte Carlo draws of each day's allocation (the visitors are drawn from
/// the estimated allocation, which is the one logged, so its Monte Carlo
/// error does not bias the test).
const DRAWS: usize = 1_000;
const MIN_SHARE: f64 = 0.05;

/// A lost share of one variant's visitors (never logged, outcomes unseen).
#[derive(Debug, Clone, Copy)]
struct Loss {
    variant: usize,
    share: f64,
}

/// Alarm counts over the runs of one setting.
#[derive(Debug, Default)]
struct Alarms {
    runs: usize,
    adaptive_001: usize,
    adaptive_05: usize,
    pearson_05: usize,
    fixed_001: usize,
    fixed_05: usize,
}

impl Alarms {
    fn rate(&self, k: usize) -> f64 {
        k as f64 / self.runs as f64
    }

    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} runs; adaptive {:.4} at 0.001, {:.4} at 0.05; \
             Pearson against E {:.4} at 0.05; fixed ratio {:.4} at 0.001, {:.4} at 0.05",
            self.runs,
            self.rate(self.adaptive_001),
            self.rate(self.adaptive_05),
            self.rate(self.pearson_05),
            self.rate(self.fixed_001),
            self.rate(self.fixed_05),
        );
    }
}

/// One 28-day experiment; returns the daily counts and allocations.
fn experiment(
    rates: &[f64],
    loss: Option<Loss>,
    rng: &mut Pcg64,
) -> (Vec<Vec<u64>>, Vec<Vec<f64>>) {
    let sampler = ThompsonSampler::new().min_share(MIN_SHARE).unwrap();
    let v = rates.len();
    let mut states = vec![BetaState::default(); v];
    let mut observed = Vec::with_capacity(DAYS);
    let mut allocations = Vec::with_capacity(DAYS);
    for _ in 0..DAYS {
        let allocation = sampler
            .allocation(&states, DRAWS, rng)
            .unwrap()
            .probabilities;
        let mut counts = vec![0_u64; v];
        let mut successes = vec![0_u64; v];
        for _ in 0..VISITORS_PER_DAY {
            let u: f64 = rng.random();
            let mut variant = v - 1;
            let mut cumulative = 0.0;
            for (i, p) in allocation.iter().enumerate() {
                cumulative += p;
                if u < cumulative {
                    variant = i;
                    break;
                }
            }
            let converted = rng.random::<f64>() < rates[variant];
            if let Some(l) = loss
                && l.variant == variant
                && rng.random::<f64>() < l.share
            {
                continue;
            }
            counts[variant] += 1;
            successes[variant] += u64::from(converted);
        }
        for ((state, &n), &s) in states.iter_mut().zip(&counts).zip(&successes) {
            state.observe(s, n - s);
        }
        observed.push(counts);
        allocations.push(allocation);
    }
    (observed, allocations)
}

fn simulate(rates: &[f64], loss: Option<Loss>, runs: usize, seed: u64) -> Alarms {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut alarms = Alarms {
        runs,
        ..Alarms::default()
    };
    let equal = vec![1.0; rates.len()];
    for _ in 0..runs {
        let (observed, allocations) = experiment(rates, loss, &mut rng);
        let totals: Vec<u64> = (0..rates.len())
            .map(|g| observed.iter().map(|o| o[g]).sum())
            .collect();
        let a = adaptive_srm_test_at(&observed, &allocations, 0.05).unwrap();
        alarms.adaptive_05 += usize::from(a.p_value < 0.05);
        alarms.adaptive_001 += usize::from(a.p_value < 0.001);
        alarms.pearson_05 += usize::from(a.pearson_p_value < 0.05);
        let f = srm_test_at(&totals, &equal, 0.05).unwrap();
        alarms.fixed_05 += usize::from(f.p_value < 0.05);
        alarms.fixed_001 += usize::from(f.p_value < 0.001);
    }
    alarms
}

/// Three binomial standard errors of a rate `r` over `runs` runs.
fn three_se(r: f64, runs: usize) -> f64 {
    3.0 * (r * (1.0 - r) / runs as f64).sqrt()
}

/// Asserts the calibration claims on a run of the no-mismatch setting.
#[track_caller]
fn assert_calibrated(a: &Alarms) {
    let band = three_se(0.05, a.runs);
    let rate = a.rate(a.adaptive_05);
    assert!(
        (rate - 0.05).abs() <= band,
        "adaptive false-alarm rate {rate} at 0.05 outside 0.05 ± {band}"
    );
    let rate = a.rate(a.adaptive_001);
    assert!(
        rate <= 0.001 + three_se(0.001, a.runs).max(1.0 / a.runs as f64),
        "adaptive false-alarm rate {rate} at 0.001"
    );
    assert!(a.rate(a.pearson_05) <= 0.05 + band, "Pearson against E");
    assert!(
        a.rate(a.fixed_05) > 0.5,
        "fixed ratio at 0.05: {}",
        a.rate(a.fixed_05)
    );
}

#[test]
fn thompson_sampling_keeps_the_adaptive_test_at_its_level_while_fixed_ratios_fire() {
    let a = simulate(&[0.05, 0.06], None, 120, 1);
    a.report("2 variants, no mismatch");
    assert_calibrated(&a);
    let a = simulate(&[0.05, 0.055, 0.06], None, 60, 3);
    a.report("3 variants, no mismatch");
    assert_calibrated(&a);
}

#[test]
fn adaptive_test_catches_a_lost_share_of_one_variant() {
    let loss = Loss {
        variant: 1,
        share: 0.06,
    };
    let a = simulate(&[0.05, 0.06], Some(loss), 40, 2);
    a.report("2 variants, 6 % of variant 1 lost");
    assert!(a.rate(a.adaptive_05) > 0.5, "{}", a.rate(a.adaptive_05));
}

/// The 2,000-run calibration. A lost share s of a variant served with
/// probability p shifts its count by about s·p(1 − p)·N against a standard
/// deviation of √(Σₜ Nₜ pₜ(1 − pₜ)): once Thompson sampling serves the
/// better variant to ~90 %, 3 % is at the edge of what any SRM test can
/// see in 28,000 visitors, so the "most runs" claim is made at 6 % (at
/// 0.05) and 10 % (at both thresholds), and 3 % is only required to be
/// seen above the level and at least as often as by Pearson's χ² against E.
#[test]
#[ignore = "2,000 runs per setting: run in release"]
fn thompson_sampling_calibration_over_2000_runs() {
    const RUNS: usize = 2_000;
    for (seed, rates) in [(11, &[0.05, 0.06][..]), (12, &[0.05, 0.055, 0.06][..])] {
        let v = rates.len();
        let a = simulate(rates, None, RUNS, seed);
        a.report(&format!("{v} variants, no mismatch"));
        assert_calibrated(&a);
        assert!(a.rate(a.fixed_001) > 0.5, "fixed ratio at 0.001");
        for (k, share) in [0.03, 0.06, 0.10].into_iter().enumerate() {
            let loss = Loss { variant: 1, share };
            let m = simulate(rates, Some(loss), RUNS, seed + 100 * (k as u64 + 1));
            m.report(&format!(
                "{v} variants, {} % of variant 1 lost",
                share * 100.0
            ));
            assert!(m.adaptive_05 >= m.pearson_05, "adaptive vs Pearson");
            let caught = m.rate(m.adaptive_05);
            if share < 0.05 {
                assert!(caught > 0.05 + three_se(0.05, RUNS), "{caught}");
            } else {
                assert!(caught > 0.5, "{caught}");
            }
            if share >= 0.1 {
                assert!(m.rate(m.adaptive_001) > 0.5, "{}", m.rate(m.adaptive_001));
            }
        }
    }
}
