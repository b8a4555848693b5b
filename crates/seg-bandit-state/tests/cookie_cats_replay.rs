//! Offline replay (Li et al. 2011) of Thompson sampling against a uniform
//! split on the Cookie Cats A/B test, reward = 7-day retention. Skipped with
//! a message when the data file is absent (a failure under
//! `SEG_REQUIRE_DATA=1`).

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use seg_bandit_state::analytics::compare_pair;
use seg_bandit_state::{BetaState, ThompsonSampler};

fn load() -> Option<Vec<(usize, bool)>> {
    let path = seg_testdata::data_file("cookie_cats.csv")?;
    let text = std::fs::read_to_string(path).expect("cookie_cats.csv is readable");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let version = header
        .iter()
        .position(|h| *h == "version")
        .expect("version column");
    let ret = header
        .iter()
        .position(|h| *h == "retention_7")
        .expect("retention_7 column");
    Some(
        lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (usize::from(f[version] == "gate_40"), f[ret] == "True")
            })
            .collect(),
    )
}

/// Mean reward per accepted player of one replay.
fn replay(rows: &[(usize, bool)], thompson: bool, seed: u64) -> f64 {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.shuffle(&mut rng);
    let sampler = ThompsonSampler::new();
    let mut states = [BetaState::new(1.0, 1.0).unwrap(); 2];
    let (mut accepted, mut reward) = (0_u64, 0_u64);
    for i in order {
        let (logged, r) = rows[i];
        let choice = if thompson {
            sampler.choose(&states, &mut rng).unwrap()
        } else {
            usize::from(rng.random_bool(0.5))
        };
        if choice == logged {
            accepted += 1;
            reward += u64::from(r);
            states[choice].observe(u64::from(r), u64::from(!r));
        }
    }
    reward as f64 / accepted as f64
}

#[test]
fn thompson_sampling_beats_a_uniform_split_in_replay() {
    let Some(rows) = load() else {
        return;
    };
    assert_eq!(rows.len(), 90_189);
    let replays = 5;
    let ts: f64 = (0..replays).map(|s| replay(&rows, true, s)).sum::<f64>() / replays as f64;
    let uniform: f64 = (0..replays).map(|s| replay(&rows, false, s)).sum::<f64>() / replays as f64;
    println!("replay reward per player: Thompson {ts:.5}, uniform {uniform:.5}");
    assert!(ts > uniform, "{ts} vs {uniform}");

    let mut states = [BetaState::new(1.0, 1.0).unwrap(); 2];
    for &(v, r) in &rows {
        states[v].observe(u64::from(r), u64::from(!r));
    }
    // gate_30 retains better: P(gate_30 > gate_40) ≈ 0.999
    let c = compare_pair(&states[1], &states[0]).unwrap();
    println!("P(gate_30 > gate_40) = {}", c.prob_b_beats_a);
    assert!(c.prob_b_beats_a > 0.99);
}
