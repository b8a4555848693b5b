//! The Cookie Cats A/B test (90,189 players, gate at level 30 vs 40): a real
//! sample-ratio-mismatch case. The data set lives outside the repository
//! (`../shared/data/` or `SEG_DATA_DIR`); without it the tests print why and
//! skip, except under `SEG_REQUIRE_DATA=1` (CI), where its absence fails.

use seg_power::{Mde, ProportionTest, SequentialSrm, srm_test};

struct Player {
    gate_40: bool,
    retention_7: bool,
}

fn load() -> Option<Vec<Player>> {
    let path = seg_testdata::data_file("cookie_cats.csv")?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} unreadable: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("column present")
    };
    let (version, ret7) = (col("version"), col("retention_7"));
    let players = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            Player {
                gate_40: fields[version] == "gate_40",
                retention_7: fields[ret7] == "True",
            }
        })
        .collect();
    Some(players)
}

#[test]
fn cookie_cats_split_is_not_a_mismatch_at_0_001_but_is_at_0_01() {
    let Some(players) = load() else { return };
    let gate_40 = players.iter().filter(|p| p.gate_40).count() as u64;
    let gate_30 = players.len() as u64 - gate_40;
    assert_eq!((gate_30, gate_40), (44_700, 45_489));
    let t = srm_test(&[gate_30, gate_40], &[0.5, 0.5]).unwrap();
    eprintln!(
        "cookie_cats SRM: chi2 = {:.6}, p = {:.6e}, mismatch at 0.001: {}",
        t.statistic, t.p_value, t.mismatch
    );
    // χ² = (44700 − 45094.5)²·2/45094.5; p = erfc(√(χ²/2)).
    let expected_stat = 2.0 * (44_700.0f64 - 45_094.5).powi(2) / 45_094.5;
    assert!((t.statistic - expected_stat).abs() < 1e-9);
    assert!((t.p_value - 0.008_607_987_810_836_262).abs() < 1e-12);
    assert!(!t.mismatch && t.p_value < 0.01);
}

#[test]
fn cookie_cats_sequential_srm_replay_in_file_order() {
    let Some(players) = load() else { return };
    // Replay the players in file order, looking every 1,000 players.
    let mut srm = SequentialSrm::builder(&[0.5, 0.5]).build().unwrap();
    let mut counts = [0u64, 0u64];
    let mut last = None;
    for (i, p) in players.iter().enumerate() {
        counts[usize::from(p.gate_40)] += 1;
        if (i + 1) % 1_000 == 0 || i + 1 == players.len() {
            last = Some(srm.update(&counts).unwrap());
        }
    }
    let last = last.expect("looks happened");
    eprintln!(
        "cookie_cats sequential SRM: {} looks, ln BF = {:.3}, anytime-valid p = {:.4}",
        last.look, last.log_bayes_factor, last.p_value
    );
    // The imbalance (p = 0.0086 once at the end) is far from the 0.001
    // anytime-valid threshold, which pays for unlimited looks.
    assert!(!last.mismatch);
    assert!(last.p_value > 0.001 && last.p_value <= 1.0);
}

#[test]
fn cookie_cats_retention_difference_power() {
    let Some(players) = load() else { return };
    let (mut n, mut r) = ([0f64; 2], [0f64; 2]);
    for p in &players {
        let g = usize::from(p.gate_40);
        n[g] += 1.0;
        r[g] += f64::from(u8::from(p.retention_7));
    }
    let (p30, p40) = (r[0] / n[0], r[1] / n[1]);
    // 7-day retention: 19.0 % at gate 30, 18.2 % at gate 40.
    assert!(
        (p30 - 0.190_2).abs() < 5e-4 && (p40 - 0.182_0).abs() < 5e-4,
        "{p30} {p40}"
    );
    let test = ProportionTest::new(p30).ratio(n[1] / n[0]);
    let power = test.power(Mde::Absolute(p40 - p30), n[0]).unwrap();
    let needed = test.sample_size(Mde::Absolute(p40 - p30), 0.8).unwrap();
    eprintln!(
        "cookie_cats retention_7: {p30:.4} vs {p40:.4}; power at the observed n = {power:.3}; n for 80 % = {}",
        needed.n1_ceil
    );
    // The experiment was large enough to detect its own observed effect.
    assert!(power > 0.8);
    assert!((needed.n1_ceil as f64) < n[0]);
}
