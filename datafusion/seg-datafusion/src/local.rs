//! The last step of k-means|| on the driver: weighted k-means++ and
//! weighted Lloyd over the few candidates (Spark MLlib's `LocalKMeans`).

use ndarray::{Array2, ArrayView2};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use seg_validate::squared_distance;

use crate::error::{Result, TableError};

/// Lloyd passes over the candidates (Spark: 30).
const LOCAL_ITERATIONS: usize = 30;

/// Runs of k-means++ and Lloyd over the candidates, the best kept (Spark
/// makes one; the candidates are few, so more runs cost little next to a
/// pass over the table, and one unlucky draw no longer merges two
/// clusters).
const LOCAL_RUNS: u64 = 10;

/// k centres from weighted candidates: the best, by weighted cost, of
/// [`LOCAL_RUNS`] runs of k-means++ (each next centre drawn with
/// probability ∝ weight · d²) and weighted Lloyd passes.
pub(crate) fn weighted_kmeans(
    points: ArrayView2<'_, f64>,
    weights: &[f64],
    k: usize,
    seed: u64,
) -> Result<Array2<f64>> {
    let rows: Vec<&[f64]> = points
        .rows()
        .into_iter()
        .zip(weights)
        .filter(|(_, w)| **w > 0.0)
        .filter_map(|(r, _)| r.to_slice())
        .collect();
    let w: Vec<f64> = weights.iter().copied().filter(|w| *w > 0.0).collect();
    let d = points.ncols();
    let mut best: Option<(f64, Array2<f64>)> = None;
    for run in 0..LOCAL_RUNS {
        let centres = one_run(&rows, &w, d, k, seed.wrapping_add(run))?;
        let cost: f64 = points
            .rows()
            .into_iter()
            .zip(weights)
            .filter_map(|(r, w)| {
                let r = r.to_slice()?;
                let nearest = centres
                    .rows()
                    .into_iter()
                    .filter_map(|c| c.to_slice().map(|c| squared_distance(r, c)))
                    .fold(f64::INFINITY, f64::min);
                Some(w * nearest)
            })
            .sum();
        if best.as_ref().is_none_or(|(b, _)| cost < *b) {
            best = Some((cost, centres));
        }
    }
    best.map(|(_, c)| c)
        .ok_or_else(|| TableError::InvalidResult {
            reason: "no local run of k-means||".to_string(),
        })
}

/// One run of weighted k-means++ and Lloyd over the candidates: `rows`
/// (each of `d` values) are those of positive weight, `w` their weights.
fn one_run(rows: &[&[f64]], w: &[f64], d: usize, k: usize, seed: u64) -> Result<Array2<f64>> {
    if rows.len() < k {
        return Err(TableError::TooFewRows {
            what: "k-means|| (distinct candidates)",
            rows: rows.len() as u64,
            needed: k as u64,
        });
    }
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let draw = |rng: &mut Pcg64Mcg, mass: &[f64]| {
        let total: f64 = mass.iter().sum();
        let mut target = rng.random::<f64>() * total;
        for (i, m) in mass.iter().enumerate() {
            if target < *m {
                return i;
            }
            target -= m;
        }
        mass.iter().rposition(|m| *m > 0.0).unwrap_or(0)
    };
    let mut centres: Vec<Vec<f64>> = vec![rows[draw(&mut rng, w)].to_vec()];
    let mut nearest: Vec<f64> = rows
        .iter()
        .map(|r| squared_distance(r, &centres[0]))
        .collect();
    while centres.len() < k {
        let mass: Vec<f64> = nearest.iter().zip(w).map(|(d2, w)| d2 * w).collect();
        let next = if mass.iter().sum::<f64>() > 0.0 {
            draw(&mut rng, &mass)
        } else {
            centres.len()
        };
        let c = rows[next].to_vec();
        for (n, r) in nearest.iter_mut().zip(rows) {
            *n = n.min(squared_distance(r, &c));
        }
        centres.push(c);
    }
    for _ in 0..LOCAL_ITERATIONS {
        let mut sums = vec![vec![0.0; d]; k];
        let mut mass = vec![0.0; k];
        for (r, wi) in rows.iter().zip(w) {
            let c = (0..k)
                .map(|c| (squared_distance(r, &centres[c]), c))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(0, |t| t.1);
            sums[c].iter_mut().zip(*r).for_each(|(s, v)| *s += wi * v);
            mass[c] += wi;
        }
        let mut moved = false;
        for ((centre, sum), m) in centres.iter_mut().zip(&sums).zip(&mass) {
            if *m > 0.0 {
                let mean: Vec<f64> = sum.iter().map(|s| s / m).collect();
                moved |= mean != *centre;
                *centre = mean;
            }
        }
        if !moved {
            break;
        }
    }
    Array2::from_shape_vec((k, d), centres.concat()).map_err(|e| TableError::InvalidResult {
        reason: e.to_string(),
    })
}
