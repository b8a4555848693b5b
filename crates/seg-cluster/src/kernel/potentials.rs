//! The k-means++ trials: the potential each candidate centre would leave,
//! in the same pass that lowers every row's distance to its nearest centre
//! by the centre chosen last.

use super::{LANES, POINTS, Packed, group_distances, min};

/// One pass of greedy k-means++ over `rows`. `centres[0]` is the centre
/// chosen last: `closest[i]` (the squared distance of row i to its nearest
/// centre so far) first becomes `min(closest[i], ‖row − centres[0]‖²)`.
/// Returns, for each of `centres`, the sum over the rows of
/// `min(closest, ‖row − centre‖²)`: the potential (inertia) it would leave
/// (for `centres[0]`, the potential of the centres so far).
///
/// Lowering `closest` here, instead of in a pass of its own after the best
/// candidate is known, reads the rows once per chosen centre and keeps no
/// per-candidate distances; the distance to `centres[0]` is one more lane
/// of the vector that holds the candidates' distances.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx2+fma",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
pub(crate) fn potentials(
    rows: &[f64],
    d: usize,
    closest: &mut [f64],
    centres: &Packed,
) -> Vec<f64> {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    let n_groups = centres.k.div_ceil(LANES);
    // One set of lane sums per point slot: independent additions.
    let mut pot = vec![[[0.0f64; LANES]; POINTS]; n_groups];
    let row = |i: usize| &rows[i * d..(i + 1) * d];
    let n = closest.len();
    let full = n / POINTS * POINTS;
    // Group 0 comes first: its lane 0 lowers `closest` before any sum.
    let mut add =
        |i: usize, p: usize, g: usize, dist: &[f64; LANES], pot: &mut [[[f64; LANES]; POINTS]]| {
            if g == 0 {
                closest[i] = min(closest[i], dist[0]);
            }
            let near = closest[i];
            for l in 0..LANES {
                pot[g][p][l] += min(near, dist[l]);
            }
        };
    for j in (0..full).step_by(POINTS) {
        let points = [row(j), row(j + 1), row(j + 2), row(j + 3)];
        for (g, group) in centres.groups().enumerate() {
            let acc = group_distances(&points, group, fused);
            for (p, dist) in acc.iter().enumerate() {
                add(j + p, p, g, dist, &mut pot);
            }
        }
    }
    for j in full..n {
        for (g, group) in centres.groups().enumerate() {
            let [dist] = group_distances(&[row(j)], group, fused);
            add(j, 0, g, &dist, &mut pot);
        }
    }
    (0..centres.k)
        .map(|c| {
            let (g, l) = (c / LANES, c % LANES);
            pot[g].iter().map(|p| p[l]).sum()
        })
        .collect()
}
