//! Hamerly's exact acceleration of Lloyd's algorithm: bounds on the
//! distances skip most of the assignments, and the result is Lloyd's bit
//! for bit.

use crate::input::chunked2;
use crate::kernel::{self, Packed, squared_distance};
use crate::lloyd::{Ended, Run, lloyd_step, squared_shift};
use crate::partial::PartialSums;

/// Relative safety margin of Hamerly's skip test against rounding: a row
/// is skipped only when its upper bound is below its lower bound by more
/// than this (relative); the distances and bounds are accurate to ~1e-14.
const MARGIN: f64 = 1.0 + 1e-10;
/// Relative slack subtracted when a lower bound is lowered (the
/// subtraction of two nearly equal bounds loses relative accuracy).
const SLACK: f64 = 1e-12;

/// Half the distance from each centre to the nearest other centre.
fn half_separations(centres: &[f64], d: usize) -> Vec<f64> {
    let k = centres.len() / d;
    (0..k)
        .map(|a| {
            let ca = &centres[a * d..(a + 1) * d];
            (0..k)
                .filter(|&b| b != a)
                .map(|b| squared_distance(ca, &centres[b * d..(b + 1) * d]))
                .fold(f64::INFINITY, f64::min)
                .sqrt()
                * 0.5
        })
        .collect()
}

/// Hamerly's algorithm: Lloyd's passes, but a row is reassigned (all k
/// distances) only when its bounds cannot prove its centre is still the
/// nearest. Centre sums are recomputed in full in Lloyd's order, so the
/// result is Lloyd's bit for bit.
pub(crate) fn hamerly(
    data: &[f64],
    d: usize,
    mut centres: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> Run {
    let n = data.len() / d;
    let mut labels = vec![usize::MAX; n];
    // [upper bound on the distance to the own centre, lower bound on the
    // distance to any other centre].
    let mut bounds = vec![[0.0f64; 2]; n];
    let (mut n_iter, mut converged, mut strict) = (max_iter, false, false);
    let mut full = 0usize;
    // How far each centre moved in the last step, and the largest move
    // of any other centre than `c` (none before the first step).
    let mut moved: Vec<f64> = Vec::new();
    let mut top = (0.0f64, usize::MAX, 0.0f64);
    for i in 0..max_iter {
        let packed = Packed::new(&centres, d);
        let half = half_separations(&centres, d);
        let proto = PartialSums::empty(centres.clone(), d);
        // One pass per step: bounds moved with the centres, rows whose
        // bounds cannot prove their centre reassigned, then the sums in
        // Lloyd's order while the chunk is in cache.
        let parts = chunked2(
            data,
            d,
            &mut labels,
            &mut bounds,
            |_, rows, labels, bounds| {
                let mut part = proto.clone();
                let (changed, recomputed) = if i == 0 {
                    let c = kernel::assign_bounded(rows, None, &packed, labels, bounds);
                    (c, labels.len())
                } else {
                    let mut which = Vec::new();
                    for (j, (b, &a)) in bounds.iter_mut().zip(labels.iter()).enumerate() {
                        b[0] += moved[a];
                        let other = if a == top.1 { top.2 } else { top.0 };
                        if b[1].is_finite() {
                            b[1] = b[1] - other - (b[1] + other) * SLACK;
                        }
                        let z = b[1].max(half[a]);
                        if b[0] * MARGIN < z {
                            continue;
                        }
                        b[0] = squared_distance(
                            &rows[j * d..(j + 1) * d],
                            &centres[a * d..(a + 1) * d],
                        )
                        .sqrt();
                        if b[0] * MARGIN < z {
                            continue;
                        }
                        which.push(j);
                    }
                    let c = kernel::assign_bounded(rows, Some(&which), &packed, labels, bounds);
                    (c, which.len())
                };
                part.add_labelled(rows, labels);
                (part, changed, recomputed)
            },
        );
        let mut merged = proto.clone();
        let mut changed = 0;
        for (p, c, r) in &parts {
            merged.merge_unchecked(p);
            changed += c;
            full = full.saturating_add(*r);
        }
        if merged.has_empty() {
            // Relocation needs every row's distance: one Lloyd step (the
            // labels are already Lloyd's and do not change).
            merged = lloyd_step(data, d, &centres, &mut labels).0;
            full = full.saturating_add(n);
        }
        let new = merged.next_centres_flat();
        let shift = squared_shift(&centres, &new, d);
        moved = centres
            .chunks_exact(d)
            .zip(new.chunks_exact(d))
            .map(|(a, b)| squared_distance(a, b).sqrt())
            .collect();
        centres = new;
        if changed == 0 {
            (n_iter, converged, strict) = (i + 1, true, true);
            break;
        }
        if shift <= tol {
            (n_iter, converged) = (i + 1, true);
            break;
        }
        // The largest move, its centre, and the largest move of another.
        top = (0.0f64, usize::MAX, 0.0f64);
        for (c, &m) in moved.iter().enumerate() {
            if m > top.0 {
                top = (m, c, top.0);
            } else if m > top.2 {
                top.2 = m;
            }
        }
    }
    Ended {
        centres,
        labels,
        n_iter,
        converged,
        strict,
        inertia: None,
        full_assignments: full,
    }
    .finish(data, d)
}
#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    use super::*;
    use crate::lloyd::lloyd;
    use crate::testing::blobs;

    #[test]
    fn hamerly_computes_far_fewer_distances_than_lloyd() {
        let x = blobs(4000, 16, 8, 3);
        let data: Vec<f64> = x.iter().copied().collect();
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        // Random centres converge slowly: many passes to compare.
        let init = crate::init::random(&data, 16, 8, &mut rng);
        let lloyd = lloyd(&data, 16, init.clone(), 300, 0.0);
        let hamerly = hamerly(&data, 16, init, 300, 0.0);
        assert_eq!(lloyd.labels, hamerly.labels);
        assert_eq!(lloyd.centres, hamerly.centres);
        assert_eq!(lloyd.n_iter, hamerly.n_iter);
        assert!(lloyd.n_iter >= 3, "{}", lloyd.n_iter);
        assert!(
            hamerly.full_assignments * 3 < lloyd.full_assignments,
            "{} vs {}",
            hamerly.full_assignments,
            lloyd.full_assignments
        );
    }
}
