//! Thompson sampling: allocation probabilities, the additive floor, top-two.

use rand::SeedableRng;
use rand_pcg::Pcg64;
use seg_bandit_state::{BetaState, ThompsonSampler};
use statrs::function::beta::ln_beta;

/// P(p_B > p_A) for integer α_B (Evan Miller's closed form).
fn prob_b_beats_a(a: BetaState, b: BetaState) -> f64 {
    let mut total = 0.0;
    for i in 0..(b.alpha as u64) {
        let i = i as f64;
        total += (ln_beta(a.alpha + i, a.beta + b.beta)
            - (b.beta + i).ln()
            - ln_beta(1.0 + i, b.beta)
            - ln_beta(a.alpha, a.beta))
        .exp();
    }
    total
}

#[test]
fn allocation_of_two_variants_matches_the_exact_probability_to_be_best() {
    let a = BetaState::new(21.0, 181.0).unwrap();
    let b = BetaState::new(30.0, 170.0).unwrap();
    let exact = prob_b_beats_a(a, b);
    let mut rng = Pcg64::seed_from_u64(42);
    let alloc = ThompsonSampler::new()
        .allocation(&[a, b], 200_000, &mut rng)
        .unwrap();
    println!(
        "P(B best): exact {exact:.5}, Monte Carlo {:.5} ± {:.5}",
        alloc.probabilities[1], alloc.standard_errors[1]
    );
    assert!((alloc.probabilities[1] - exact).abs() < 5.0 * alloc.standard_errors[1]);
    assert!((alloc.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn chosen_frequencies_match_the_allocation() {
    let states = [
        BetaState::new(5.0, 95.0).unwrap(),
        BetaState::new(7.0, 93.0).unwrap(),
        BetaState::new(6.0, 94.0).unwrap(),
    ];
    for sampler in [
        ThompsonSampler::new(),
        ThompsonSampler::new().min_share(0.1).unwrap(),
        ThompsonSampler::new().top_two(0.5).unwrap(),
    ] {
        let mut rng = Pcg64::seed_from_u64(7);
        let alloc = sampler.allocation(&states, 100_000, &mut rng).unwrap();
        let n = 100_000;
        let mut counts = [0_u32; 3];
        for _ in 0..n {
            counts[sampler.choose(&states, &mut rng).unwrap()] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let share = f64::from(c) / f64::from(n);
            let p = alloc.probabilities[i];
            let se = (p * (1.0 - p) / f64::from(n)).sqrt() + alloc.standard_errors[i];
            println!("{sampler:?} variant {i}: chosen {share:.4}, allocation {p:.4}");
            assert!((share - p).abs() < 5.0 * se, "{sampler:?} variant {i}");
        }
    }
}

#[test]
fn minimum_share_is_an_additive_floor_not_clip_and_renormalise() {
    let states = [
        BetaState::new(2.0, 200.0).unwrap(),
        BetaState::new(20.0, 200.0).unwrap(),
        BetaState::new(18.0, 200.0).unwrap(),
    ];
    let floor = 0.1;
    let plain = ThompsonSampler::new()
        .allocation(&states, 50_000, &mut Pcg64::seed_from_u64(3))
        .unwrap();
    let floored = ThompsonSampler::new()
        .min_share(floor)
        .unwrap()
        .allocation(&states, 50_000, &mut Pcg64::seed_from_u64(3))
        .unwrap();
    for (p, q) in plain.probabilities.iter().zip(&floored.probabilities) {
        // p' = floor + (1 − V·floor)·p, exactly (same draws).
        assert!((q - (floor + (1.0 - 3.0 * floor) * p)).abs() < 1e-12);
        assert!(*q >= floor);
    }
    // The ratio of the two leading variants' excess over the floor is kept.
    let r_plain = plain.probabilities[1] / plain.probabilities[2];
    let r_floor = (floored.probabilities[1] - floor) / (floored.probabilities[2] - floor);
    assert!((r_plain - r_floor).abs() < 1e-9);
    println!(
        "plain {:?}, floored {:?}",
        plain.probabilities, floored.probabilities
    );
}

#[test]
fn top_two_serves_the_runner_up_when_the_leader_is_clear() {
    let states = [
        BetaState::new(1.0, 1e6).unwrap(),
        BetaState::new(9e5, 1e5).unwrap(),
        BetaState::new(5e5, 5e5).unwrap(),
    ];
    let mut rng = Pcg64::seed_from_u64(5);
    let alloc = ThompsonSampler::new()
        .top_two(0.7)
        .unwrap()
        .allocation(&states, 20_000, &mut rng)
        .unwrap();
    assert!((alloc.probabilities[1] - 0.7).abs() < 0.02, "{alloc:?}");
    assert!((alloc.probabilities[2] - 0.3).abs() < 0.02, "{alloc:?}");
}

#[test]
fn choices_are_reproducible_with_a_seeded_rng() {
    let states = [
        BetaState::new(3.0, 9.0).unwrap(),
        BetaState::new(4.0, 8.0).unwrap(),
    ];
    let s = ThompsonSampler::new();
    let run = |seed| {
        let mut rng = Pcg64::seed_from_u64(seed);
        (0..50)
            .map(|_| s.choose(&states, &mut rng).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(11), run(11));
}

#[test]
fn huge_and_tiny_shapes_sample_without_panic() {
    let states = [
        BetaState::new(1e9, 1e9).unwrap(),
        BetaState::new(1e-300, 1e-300).unwrap(),
        BetaState::new(1e300, 1.0).unwrap(),
    ];
    let mut rng = Pcg64::seed_from_u64(9);
    for s in [
        ThompsonSampler::new(),
        ThompsonSampler::new().top_two(0.5).unwrap(),
    ] {
        for _ in 0..1_000 {
            assert!(s.choose(&states, &mut rng).unwrap() < 3);
        }
        let a = s.allocation(&states, 1_000, &mut rng).unwrap();
        assert!(a.probabilities.iter().all(|p| (0.0..=1.0).contains(p)));
    }
}

#[test]
fn plain_thompson_allocation_is_the_monte_carlo_probability_to_be_best() {
    // Same draws in the same order, ties to the lower index: the allocation
    // of plain Thompson sampling is `probability_best`, bit for bit.
    let states = [
        BetaState::new(12.5, 90.0).unwrap(),
        BetaState::new(15.0, 88.0).unwrap(),
        BetaState::new(14.0, 91.5).unwrap(),
    ];
    let alloc = ThompsonSampler::new()
        .allocation(&states, 20_000, &mut Pcg64::seed_from_u64(9))
        .unwrap();
    let best = seg_bandit_state::analytics::probability_best(
        &states,
        20_000,
        &mut Pcg64::seed_from_u64(9),
    )
    .unwrap();
    assert_eq!(alloc.probabilities, best.prob_best);
    assert!(best.prob_best.iter().all(|p| *p > 0.05));
}
