//! Seeded Monte Carlo checks of the calibration claims. Each test states
//! its Monte Carlo error: with R replications a rate near r has standard
//! error √(r(1 − r)/R).
//!
//! All simulations use `rand_pcg::Pcg64` with fixed seeds, so the numbers
//! printed (run with `--nocapture`) are reproducible bit for bit.

use rand::RngExt;
use rand::SeedableRng;
use rand_distr::{Binomial, Distribution, StandardNormal};
use rand_pcg::Pcg64;
use statrs::distribution::{ContinuousCDF, StudentsT};

use seg_power::{
    AsymptoticCs, ClassicalDesign, Decision, GroupSequential, Mde, MeanTest, Msprt, ProportionTest,
    SequentialSrm, SpendingFunction, adaptive_srm_test_at, srm_test_at,
};

/// Replications for the power checks: SE of a rate near 0.8 is 0.0028, so
/// the ±2 percentage-point tolerance is 7 standard errors.
const POWER_REPS: usize = 20_000;

fn se(rate: f64, reps: usize) -> f64 {
    (rate * (1.0 - rate) / reps as f64).sqrt()
}

#[test]
fn planned_n_for_proportions_reaches_target_power() {
    let (p1, power) = (0.10, 0.8);
    let mde = Mde::Relative(0.2);
    let test = ProportionTest::new(p1);
    let n = test.sample_size(mde, power).unwrap().n1_ceil;
    let p2 = p1 * 1.2;
    let z_crit = 1.959_963_984_540_054;
    let mut rng = Pcg64::seed_from_u64(20_240_601);
    let (b1, b2) = (Binomial::new(n, p1).unwrap(), Binomial::new(n, p2).unwrap());
    let mut rejections = 0;
    for _ in 0..POWER_REPS {
        let (x1, x2) = (b1.sample(&mut rng) as f64, b2.sample(&mut rng) as f64);
        let nf = n as f64;
        let pooled = (x1 + x2) / (2.0 * nf);
        let z = (x2 / nf - x1 / nf) / (pooled * (1.0 - pooled) * 2.0 / nf).sqrt();
        if z.abs() >= z_crit {
            rejections += 1;
        }
    }
    let rate = rejections as f64 / POWER_REPS as f64;
    eprintln!(
        "proportions: n = {n} per group, simulated power {rate:.4} (target {power}, SE {:.4})",
        se(rate, POWER_REPS)
    );
    assert!((rate - power).abs() <= 0.02, "simulated power {rate}");
}

#[test]
fn planned_n_for_t_test_reaches_target_power() {
    let (d, power) = (0.5, 0.9);
    let n = MeanTest::new()
        .sample_size(Mde::Absolute(d), power)
        .unwrap()
        .n1_ceil as usize;
    let df = (2 * n - 2) as f64;
    let crit = StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975);
    let mut rng = Pcg64::seed_from_u64(7);
    let mut rejections = 0;
    for _ in 0..POWER_REPS {
        let (mut s1, mut ss1, mut s2, mut ss2) = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..n {
            let x: f64 = rng.sample(StandardNormal);
            let y: f64 = d + rng.sample::<f64, _>(StandardNormal);
            s1 += x;
            ss1 += x * x;
            s2 += y;
            ss2 += y * y;
        }
        let nf = n as f64;
        let (m1, m2) = (s1 / nf, s2 / nf);
        let pooled_var = ((ss1 - nf * m1 * m1) + (ss2 - nf * m2 * m2)) / df;
        let t = (m2 - m1) / (pooled_var * 2.0 / nf).sqrt();
        if t.abs() >= crit {
            rejections += 1;
        }
    }
    let rate = rejections as f64 / POWER_REPS as f64;
    eprintln!(
        "t-test: n = {n} per group, simulated power {rate:.4} (target {power}, SE {:.4})",
        se(rate, POWER_REPS)
    );
    assert!((rate - power).abs() <= 0.02, "simulated power {rate}");
}

/// 10,000 A/A splits monitored at 100 looks of 1,000 units each. The
/// sequential test's false-alarm rate must stay at most α = 0.05 (Ville's
/// bound; SE at 0.05 is 0.0022), while repeating the fixed chi-square test
/// at every look is far above it.
#[test]
fn sequential_srm_false_alarm_rate_stays_below_alpha_over_100_looks() {
    let (reps, looks, batch, alpha) = (10_000usize, 100usize, 1_000u64, 0.05);
    let mut rng = Pcg64::seed_from_u64(42);
    let half = Binomial::new(batch, 0.5).unwrap();
    let (mut sequential_alarms, mut naive_alarms) = (0usize, 0usize);
    for _ in 0..reps {
        let mut srm = SequentialSrm::builder(&[0.5, 0.5])
            .threshold(alpha)
            .build()
            .unwrap();
        let mut counts = [0u64, 0u64];
        let (mut seq_flag, mut naive_flag) = (false, false);
        for _ in 0..looks {
            let a = half.sample(&mut rng);
            counts[0] += a;
            counts[1] += batch - a;
            seq_flag |= srm.update(&counts).unwrap().mismatch;
            naive_flag |= srm_test_at(&counts, &[0.5, 0.5], alpha).unwrap().mismatch;
        }
        sequential_alarms += usize::from(seq_flag);
        naive_alarms += usize::from(naive_flag);
    }
    let seq = sequential_alarms as f64 / reps as f64;
    let naive = naive_alarms as f64 / reps as f64;
    eprintln!(
        "SRM under H0, 100 looks: sequential false alarms {seq:.4}, repeated chi-square {naive:.4} (alpha {alpha})"
    );
    assert!(seq <= alpha, "sequential false-alarm rate {seq}");
    assert!(
        naive > 3.0 * alpha,
        "repeated chi-square should be far above alpha: {naive}"
    );
}

/// A 50.5/49.5 split (a 1 % relative imbalance) monitored over 100 looks
/// of 10,000 units: by one million units the sequential test flags it at
/// the default threshold 0.001 in essentially every run.
#[test]
fn sequential_srm_detects_a_50_5_split_at_large_n() {
    let (reps, looks, batch) = (500usize, 100usize, 10_000u64);
    let mut rng = Pcg64::seed_from_u64(4242);
    let split = Binomial::new(batch, 0.505).unwrap();
    let mut detected = 0usize;
    let mut detection_n = Vec::new();
    for _ in 0..reps {
        let mut srm = SequentialSrm::builder(&[0.5, 0.5]).build().unwrap();
        let mut counts = [0u64, 0u64];
        for _ in 0..looks {
            let a = split.sample(&mut rng);
            counts[0] += a;
            counts[1] += batch - a;
            let look = srm.update(&counts).unwrap();
            if look.mismatch {
                detected += 1;
                detection_n.push(look.n);
                break;
            }
        }
    }
    detection_n.sort_unstable();
    let rate = detected as f64 / reps as f64;
    let median = detection_n.get(detection_n.len() / 2).copied().unwrap_or(0);
    eprintln!(
        "SRM 50.5/49.5: detected in {rate:.3} of runs by n = 1e6, median n at detection {median}"
    );
    assert!(rate >= 0.99, "detection rate {rate}");
}

/// 20,000 A/A experiments (known unit variance, 200 units per arm per
/// look) peeked at 10 times. Stopping at the first look with |z| ≥ 1.96
/// rejects far more often than α = 0.05; the Pocock and O'Brien-Fleming
/// group-sequential designs, the mSPRT and the asymptotic confidence
/// sequence stay at or below α within Monte Carlo error (SE at 0.05 is
/// 0.0015; we allow 3 SE).
#[test]
fn peeking_a_a_tests_ten_times() {
    let (reps, looks, batch, alpha) = (20_000usize, 10usize, 200.0f64, 0.05);
    let pocock = GroupSequential::classical(ClassicalDesign::Pocock, looks)
        .design()
        .unwrap();
    let obf = GroupSequential::spending(SpendingFunction::ObrienFleming, looks)
        .design()
        .unwrap();
    let cs = AsymptoticCs::tuned(alpha, 2.0 * batch * looks as f64).unwrap();
    let mut rng = Pcg64::seed_from_u64(1_000_003);
    let mut naive = 0usize;
    let mut gs_pocock = 0usize;
    let mut gs_obf = 0usize;
    let mut msprt = 0usize;
    let mut conf_seq = 0usize;
    for _ in 0..reps {
        let mut m = Msprt::new(0.1f64.powi(2), alpha).unwrap();
        let (mut sum_a, mut sum_b) = (0.0, 0.0);
        let mut flags = [false; 5];
        for k in 1..=looks {
            sum_a += batch.sqrt() * rng.sample::<f64, _>(StandardNormal);
            sum_b += batch.sqrt() * rng.sample::<f64, _>(StandardNormal);
            let n = batch * k as f64;
            let diff = sum_b / n - sum_a / n;
            let se = (2.0 / n).sqrt();
            let z = diff / se;
            flags[0] |= z.abs() >= 1.959_963_984_540_054;
            flags[1] |= pocock.decide(k, z).unwrap().decision == Decision::StopEfficacy;
            flags[2] |= obf.decide(k, z).unwrap().decision == Decision::StopEfficacy;
            flags[3] |= m.update(diff, se * se).unwrap().decision == Decision::StopEfficacy;
            let ci = cs
                .interval_difference((n, sum_a / n, 1.0), (n, sum_b / n, 1.0))
                .unwrap();
            flags[4] |= ci.decision == Decision::StopEfficacy;
        }
        naive += usize::from(flags[0]);
        gs_pocock += usize::from(flags[1]);
        gs_obf += usize::from(flags[2]);
        msprt += usize::from(flags[3]);
        conf_seq += usize::from(flags[4]);
    }
    let rate = |c: usize| c as f64 / reps as f64;
    let bound = alpha + 3.0 * se(alpha, reps);
    eprintln!(
        "A/A, 10 peeks: naive z {:.4}, Pocock {:.4}, OBF spending {:.4}, mSPRT {:.4}, asymptotic CS {:.4} (alpha {alpha}, bound {bound:.4})",
        rate(naive),
        rate(gs_pocock),
        rate(gs_obf),
        rate(msprt),
        rate(conf_seq)
    );
    assert!(
        rate(naive) > 0.15,
        "naive peeking should inflate the error: {}",
        rate(naive)
    );
    for (name, c) in [
        ("Pocock", gs_pocock),
        ("OBF", gs_obf),
        ("mSPRT", msprt),
        ("CS", conf_seq),
    ] {
        assert!(rate(c) <= bound, "{name}: {}", rate(c));
    }
}

/// The group-sequential design keeps its power: at the drift θ that
/// solve_power returns, simulated trials stop for efficacy at the target
/// rate (±2 pp; SE 0.0021 at 0.9 with 20,000 replications).
#[test]
fn group_sequential_power_holds_in_simulation() {
    let (reps, looks) = (20_000usize, 5usize);
    let d = GroupSequential::spending(SpendingFunction::ObrienFleming, looks)
        .design()
        .unwrap();
    let p = d.solve_power(0.9).unwrap();
    let mut rng = Pcg64::seed_from_u64(99);
    let mut hits = 0usize;
    for _ in 0..reps {
        let mut s = 0.0;
        for k in 1..=looks {
            let dt = 1.0 / looks as f64;
            s += p.theta * dt + dt.sqrt() * rng.sample::<f64, _>(StandardNormal);
            let z = s / (k as f64 * dt).sqrt();
            let look = d.decide(k, z).unwrap();
            if look.decision.stops() {
                hits += usize::from(look.decision == Decision::StopEfficacy && z > 0.0);
                break;
            }
        }
    }
    let rate = hits as f64 / reps as f64;
    eprintln!(
        "OBF K = 5 at theta = {:.4}: simulated power {rate:.4} (target 0.9)",
        p.theta
    );
    assert!((rate - 0.9).abs() <= 0.02);
}

/// One multinomial draw of `n` visitors over the probabilities `p`, by
/// conditional binomials.
fn multinomial(n: u64, p: &[f64], rng: &mut Pcg64) -> Vec<u64> {
    let mut left = n;
    let mut mass = 1.0;
    let mut out = Vec::with_capacity(p.len());
    for (i, &q) in p.iter().enumerate() {
        let x = if i + 1 == p.len() || left == 0 {
            left
        } else {
            let share = (q / mass).clamp(0.0, 1.0);
            Binomial::new(left, share).unwrap().sample(rng)
        };
        out.push(x);
        left -= x;
        mass -= q;
    }
    out
}

#[test]
fn adaptive_srm_keeps_its_level_where_pearson_against_e_is_conservative() {
    // 28 days of 1,000 visitors; the split moves from thirds to
    // (0.05, 0.05, 0.9) halfway, as a bandit converging. Under H0:
    // - the quadratic form is χ²(2): rate within 3 SE of α = 0.05;
    // - Pearson's χ² against the same E is under-dispersed (its mean is
    //   2 − 0.34 here): rate more than 3 SE below α;
    // - the fixed-ratio test against the average split of the first day
    //   (thirds) fires in every run.
    const REPS: usize = 4_000;
    let alpha = 0.05;
    let schedule: Vec<[f64; 3]> = (0..28)
        .map(|d| {
            if d < 14 {
                [1.0 / 3.0; 3]
            } else {
                [0.05, 0.05, 0.9]
            }
        })
        .collect();
    let mut rng = Pcg64::seed_from_u64(20_261_207);
    let (mut quadratic, mut pearson, mut fixed) = (0, 0, 0);
    let mut pearson_sum = 0.0;
    for _ in 0..REPS {
        let observed: Vec<Vec<u64>> = schedule
            .iter()
            .map(|p| multinomial(1_000, p, &mut rng))
            .collect();
        let t = adaptive_srm_test_at(&observed, &schedule, alpha).unwrap();
        quadratic += usize::from(t.mismatch);
        pearson += usize::from(t.pearson_p_value < alpha);
        pearson_sum += t.pearson_statistic;
        let totals: Vec<u64> = (0..3)
            .map(|g| observed.iter().map(|o| o[g]).sum())
            .collect();
        fixed += usize::from(srm_test_at(&totals, &[1.0; 3], alpha).unwrap().mismatch);
    }
    let rate = |k: usize| k as f64 / REPS as f64;
    let band = 3.0 * se(alpha, REPS);
    eprintln!(
        "adaptive SRM under H0 ({REPS} runs, α = {alpha}, 3 SE = {band:.4}): quadratic form {:.4}, \
         Pearson against E {:.4} (mean statistic {:.3} of df 2), fixed ratio {:.4}",
        rate(quadratic),
        rate(pearson),
        pearson_sum / REPS as f64,
        rate(fixed)
    );
    assert!(
        (rate(quadratic) - alpha).abs() <= band,
        "{}",
        rate(quadratic)
    );
    assert!(rate(pearson) < alpha - band, "{}", rate(pearson));
    assert!(pearson_sum / (REPS as f64) < 2.0 - 0.25);
    assert_eq!(fixed, REPS);
}
