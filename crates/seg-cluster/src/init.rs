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
///
/// One pass over the rows per chosen centre: the pass that evaluates the
/// candidates of a step also lowers each row's distance to its nearest
/// centre by the centre chosen the step before (see
/// [`kernel::potentials`]); a draw lowers the distances of the one chunk
/// it scans first.
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
    // Squared distances to the nearest centre so far (but perhaps not yet
    // to `last`, the centre chosen last), and their sums per chunk (so
    // that a D² draw scans one chunk only).
    let mut closest = vec![f64::INFINITY; n];
    let mut last = first;
    let packed = Packed::new(&centres, d);
    let mut chunk_pot: Vec<f64> = chunked(data, d, &mut closest, 1, |_, rows, closest| {
        kernel::potentials(rows, d, closest, &packed)[0]
    });
    let mut pot: f64 = chunk_pot.iter().sum();
    for found in 1..k {
        if pot <= 0.0 {
            return Err(ClusterError::TooFewDistinctPoints { k, distinct: found });
        }
        // Chunks whose distances already account for `last`.
        let mut lowered = vec![found == 1; chunk_pot.len()];
        let newest = Packed::new(&rows_at(data, d, [last]), d);
        let mut ids = Vec::with_capacity(trials);
        for _ in 0..trials {
            let r = rng.random::<f64>() * pot;
            let (c, before) = draw_chunk(&chunk_pot, r);
            let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
            if !lowered[c] {
                let chunk = &data[rows.start * d..rows.end * d];
                kernel::potentials(chunk, d, &mut closest[rows.clone()], &newest);
                lowered[c] = true;
            }
            ids.push(rows.start + draw_row(&closest[rows], before, r));
        }
        // Lane 0: the centre chosen last; then the candidates.
        let lanes = Packed::new(
            &rows_at(data, d, std::iter::once(last).chain(ids.iter().copied())),
            d,
        );
        let per_chunk = chunked(data, d, &mut closest, 1, |_, rows, closest| {
            kernel::potentials(rows, d, closest, &lanes)
        });
        let totals: Vec<f64> = (1..=trials)
            .map(|t| per_chunk.iter().map(|p| p[t]).sum())
            .collect();
        let mut best = 0;
        for (t, &v) in totals.iter().enumerate() {
            if v < totals[best] {
                best = t;
            }
        }
        pot = totals[best];
        chunk_pot = per_chunk.iter().map(|p| p[1 + best]).collect();
        last = ids[best];
        centres.extend(rows_at(data, d, [last]));
    }
    Ok(centres)
}

/// The chunk in which the cumulative potential first exceeds `r` (a D²
/// draw), with the potential of the chunks before it; the last chunk with
/// a positive potential when rounding kept the running sum below `r`.
fn draw_chunk(chunk_pot: &[f64], r: f64) -> (usize, f64) {
    let mut acc = 0.0;
    for (c, &p) in chunk_pot.iter().enumerate() {
        if acc + p > r {
            return (c, acc);
        }
        acc += p;
    }
    let c = chunk_pot.iter().rposition(|&p| p > 0.0).unwrap_or(0);
    (c, chunk_pot[..c].iter().sum())
}

/// The row of one chunk (its distances `closest`, the potential `before`
/// of the chunks before it) at which the cumulative potential first
/// exceeds `r`; its last row with a positive distance when rounding kept
/// the running sum below `r`.
fn draw_row(closest: &[f64], mut acc: f64, r: f64) -> usize {
    let mut last_positive = 0;
    for (j, &v) in closest.iter().enumerate() {
        acc += v;
        if v > 0.0 {
            last_positive = j;
            if acc > r {
                return j;
            }
        }
    }
    last_positive
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

    /// Greedy k-means++ as defined: after each chosen centre, every row's
    /// distance to its nearest centre, then each draw a cumulative sum over
    /// all rows and each candidate's potential a sum over all rows.
    fn by_definition<R: Rng + ?Sized>(data: &[f64], d: usize, k: usize, rng: &mut R) -> Vec<usize> {
        let n = data.len() / d;
        let trials = 2 + (k as f64).ln().floor() as usize;
        let dist = |i: usize, j: usize| -> f64 {
            (0..d)
                .map(|m| (data[i * d + m] - data[j * d + m]).powi(2))
                .sum()
        };
        let mut chosen = vec![rng.random_range(0..n)];
        let mut closest: Vec<f64> = (0..n).map(|i| dist(i, chosen[0])).collect();
        for _ in 1..k {
            let pot: f64 = closest.iter().sum();
            let ids: Vec<usize> = (0..trials)
                .map(|_| {
                    let r = rng.random::<f64>() * pot;
                    let mut acc = 0.0;
                    (0..n)
                        .find(|&i| {
                            acc += closest[i];
                            closest[i] > 0.0 && acc > r
                        })
                        .expect("a row")
                })
                .collect();
            let potential = |c: usize| -> f64 { (0..n).map(|i| closest[i].min(dist(i, c))).sum() };
            let best = ids
                .iter()
                .copied()
                .fold((f64::INFINITY, 0), |(p, b), c| {
                    let q = potential(c);
                    if q < p { (q, c) } else { (p, b) }
                })
                .1;
            for (i, c) in closest.iter_mut().enumerate() {
                *c = c.min(dist(i, best));
            }
            chosen.push(best);
        }
        chosen
    }

    /// On small integer coordinates every distance and every sum is exact
    /// in any order, so the one-pass-per-centre seeding (chunked, lowering
    /// the distances by the last centre inside the next pass or a draw)
    /// must choose the rows the definition chooses.
    #[test]
    fn kmeans_plus_plus_chooses_the_rows_of_the_definition() {
        // Several chunks with a partial last one; k = 9 (4 candidates, one
        // lane group) and k = 600 (8 candidates and the last centre: two).
        for (n, d, k, seed) in [
            (3 * CHUNK + 123, 3, 9, 1),
            (2 * CHUNK + 5, 2, 600, 2),
            (37, 4, 5, 3),
        ] {
            let mut state = Pcg64Mcg::seed_from_u64(seed);
            let data: Vec<f64> = (0..n * d)
                .map(|_| state.random_range(0..40) as f64)
                .collect();
            let centres =
                kmeans_plus_plus(&data, d, k, &mut Pcg64Mcg::seed_from_u64(seed)).unwrap();
            let expected = by_definition(&data, d, k, &mut Pcg64Mcg::seed_from_u64(seed));
            let expected = rows_at(&data, d, expected);
            assert_eq!(centres, expected, "n = {n}, d = {d}, k = {k}");
        }
    }
}
