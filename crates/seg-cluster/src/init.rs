//! Initial centres: greedy k-means++, random rows, or given centres.

use ndarray::Array2;
use rand::{Rng, RngExt};

use crate::error::{ClusterError, Result};
use crate::input::{CHUNK, chunked};
use crate::kernel::{self, Packed};

/// How the initial centres of a k-means run are chosen.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Init {
    /// Greedy k-means++ (the default): the first centre is a uniformly
    /// random row; each next one is the best, by the potential
    /// (inertia) it leaves, of `2 + ⌊ln k⌋` rows drawn with probability
    /// proportional to their squared distance to the nearest centre so far
    /// (D² weighting), as scikit-learn does.
    ///
    /// # References
    ///
    /// Arthur, D., Vassilvitskii, S. (2007). k-means++: the advantages of
    /// careful seeding. *Proceedings of the 18th ACM-SIAM Symposium on
    /// Discrete Algorithms (SODA)*, 1027–1035.
    KMeansPlusPlus,
    /// k rows drawn uniformly without replacement (distinct row indices,
    /// as scikit-learn's `init="random"`).
    Random,
    /// The given `k × d` centres (one run: `n_init` is ignored).
    Explicit(Array2<f64>),
}

/// k initial centres as `init` says: greedy k-means++ or k random rows of
/// `data` (n × d row-major, at least k distinct rows), or the explicit
/// centres copied. The one initialisation of both fits.
pub(crate) fn initial_centres<R: Rng + ?Sized>(
    init: &Init,
    data: &[f64],
    d: usize,
    k: usize,
    rng: &mut R,
) -> Result<Vec<f64>> {
    match init {
        Init::KMeansPlusPlus => kmeans_plus_plus(data, d, k, rng),
        Init::Random => Ok(random(data, d, k, rng)),
        Init::Explicit(c) => Ok(c.iter().copied().collect()),
    }
}

/// `n` rows of `data` chosen by index, row-major.
fn rows_at(data: &[f64], d: usize, idx: impl IntoIterator<Item = usize>) -> Vec<f64> {
    idx.into_iter()
        .flat_map(|i| data[i * d..(i + 1) * d].iter().copied())
        .collect()
}

/// k distinct random rows.
pub(crate) fn random<R: Rng + ?Sized>(data: &[f64], d: usize, k: usize, rng: &mut R) -> Vec<f64> {
    let n = data.len() / d;
    rows_at(data, d, rand::seq::index::sample(rng, n, k))
}

/// Greedy k-means++ on `data` (n × d row-major). Fails when the data has
/// fewer than k distinct rows (the potential reaches 0 first).
pub(crate) fn kmeans_plus_plus<R: Rng + ?Sized>(
    data: &[f64],
    d: usize,
    k: usize,
    rng: &mut R,
) -> Result<Vec<f64>> {
    let n = data.len() / d;
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first = rng.random_range(0..n);
    let mut centres = rows_at(data, d, [first]);
    // Squared distances to the nearest centre so far, and their sums per
    // chunk (so that a D² draw scans one chunk only).
    let mut closest = vec![0.0; n];
    let infinite = vec![f64::INFINITY; CHUNK];
    let packed = Packed::new(&centres, d);
    let mut chunk_pot: Vec<f64> = chunked(data, d, &mut closest, 1, |_, rows, closest| {
        kernel::potentials(rows, d, &infinite[..closest.len()], &packed, closest)[0]
    });
    let mut pot: f64 = chunk_pot.iter().sum();
    let mut distances = vec![0.0; n * trials];
    for found in 1..k {
        if pot <= 0.0 {
            return Err(ClusterError::TooFewDistinctPoints { k, distinct: found });
        }
        let ids: Vec<usize> = (0..trials)
            .map(|_| draw(&closest, &chunk_pot, rng.random::<f64>() * pot))
            .collect();
        let candidates = Packed::new(&rows_at(data, d, ids.iter().copied()), d);
        let per_chunk = chunked(data, d, &mut distances, trials, |first, rows, out| {
            let end = (first + CHUNK).min(n);
            kernel::potentials(rows, d, &closest[first..end], &candidates, out)
        });
        let totals: Vec<f64> = (0..trials)
            .map(|t| per_chunk.iter().map(|p| p[t]).sum())
            .collect();
        let mut best = 0;
        for (t, &v) in totals.iter().enumerate() {
            if v < totals[best] {
                best = t;
            }
        }
        pot = totals[best];
        chunk_pot = per_chunk.iter().map(|p| p[best]).collect();
        let distances = &distances;
        chunked(data, d, &mut closest, 1, |first, _, closest| {
            let rows = distances[first * trials..].chunks_exact(trials);
            for (c, dist) in closest.iter_mut().zip(rows) {
                if dist[best] < *c {
                    *c = dist[best];
                }
            }
        });
        centres.extend(rows_at(data, d, [ids[best]]));
    }
    Ok(centres)
}

/// The first row whose cumulative potential exceeds `r` (a D² draw),
/// scanning the per-chunk potentials and then one chunk.
fn draw(closest: &[f64], chunk_pot: &[f64], r: f64) -> usize {
    let mut acc = 0.0;
    for (c, &p) in chunk_pot.iter().enumerate() {
        if acc + p > r {
            let start = c * CHUNK;
            let chunk = &closest[start..(start + CHUNK).min(closest.len())];
            let mut last_positive = None;
            for (j, &v) in chunk.iter().enumerate() {
                acc += v;
                if v > 0.0 {
                    last_positive = Some(start + j);
                    if acc > r {
                        return start + j;
                    }
                }
            }
            // Rounding: the running sum stayed below the chunk's total.
            if let Some(j) = last_positive {
                return j;
            }
        }
        acc += p;
    }
    closest.iter().rposition(|&v| v > 0.0).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    use super::*;
    use crate::testing::blobs;

    #[test]
    fn kmeans_plus_plus_picks_distinct_rows_of_the_data() {
        let x = blobs(500, 3, 5, 9);
        let data: Vec<f64> = x.iter().copied().collect();
        let mut rng = Pcg64Mcg::seed_from_u64(4);
        let c = kmeans_plus_plus(&data, 3, 5, &mut rng).unwrap();
        for centre in c.chunks_exact(3) {
            assert!(data.chunks_exact(3).any(|r| r == centre));
        }
        assert_eq!(crate::input::distinct_up_to(&c, 3, 5), 5);
    }
}
