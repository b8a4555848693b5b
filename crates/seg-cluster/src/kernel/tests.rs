//! The kernel chosen for the CPU against the portable one.

use super::nearest::{Assigned, Bounded, for_nearest};
use super::sums::{Distances, SetSums, Summed};
use super::*;

/// Small integers, so that many distances tie exactly.
fn grid(len: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % 5) as f64 - 2.0 + if state & 1 == 1 { 0.25 } else { 0.0 }
        })
        .collect()
}

/// The kernel chosen for this CPU (AVX-512 where present) finds the
/// same centres, ties included, and the same distance bits as the
/// generic kernel, for several groups of centres, rows left over
/// after the blocks of eight, and listed rows.
#[test]
fn dispatched_kernel_equals_the_generic_one() {
    let bits = |b: &[f64]| -> Vec<u64> { b.iter().map(|v| v.to_bits()).collect() };
    for (n, d, k) in [
        (37, 3, 5),
        (64, 16, 8),
        (29, 7, 9),
        (50, 1, 17),
        (8, 20, 2),
        (45, 8, 3),
        (27, 24, 12),
    ] {
        let rows = grid(n * d, (n * d * k) as u64);
        let centres = grid(k * d, 7 + k as u64);
        let packed = Packed::new(&centres, d);
        let listed: Vec<usize> = (0..n).filter(|i| i % 3 != 1).collect();
        for which in [None, Some(listed.as_slice())] {
            let (mut labels, mut bounds) = (vec![usize::MAX; n], vec![[0.0; 2]; n]);
            assign_bounded(&rows, which, &packed, &mut labels, &mut bounds);
            let mut generic = Bounded {
                labels: &mut vec![usize::MAX; n],
                bounds: &mut vec![[0.0; 2]; n],
                changed: 0,
            };
            for_nearest::<true>(&rows, d, which, &packed, true, &mut generic);
            assert_eq!(labels, generic.labels, "n {n} d {d} k {k}");
            let pair_bits = |b: &[[f64; 2]]| -> Vec<[u64; 2]> {
                b.iter().map(|v| v.map(f64::to_bits)).collect()
            };
            assert_eq!(pair_bits(&bounds), pair_bits(generic.bounds));
        }
        let (mut labels, mut best) = (vec![0; n], vec![0.0; n]);
        assign(&rows, &packed, &mut labels, &mut best);
        let mut generic = Assigned {
            labels: &mut vec![0; n],
            best: &mut vec![0.0; n],
        };
        for_nearest::<false>(&rows, d, None, &packed, true, &mut generic);
        assert_eq!(labels, generic.labels, "n {n} d {d} k {k}");
        assert_eq!(bits(&best), bits(generic.best));
        let (mut sums, mut counts) = (vec![0.0; k * d], vec![0; k]);
        let mut fused_labels = vec![0; n];
        let (_, distances) = assign_sums(&rows, &packed, &mut fused_labels, &mut sums, &mut counts);
        assert_eq!(labels, fused_labels);
        // The generic kernel row by row gives the same sums, inertia
        // and farthest rows; the inertia adds row i in lane i mod 8.
        let mut generic = Summed {
            labels: &mut vec![0; n],
            changed: 0,
            rows: &rows,
            sets: SetSums::new(k, d),
            distances: Distances::new(k),
        };
        for_nearest::<false>(&rows, d, None, &packed, true, &mut generic);
        let (mut generic_sums, mut generic_counts) = (vec![0.0; k * d], vec![0; k]);
        generic.sets.finish(&mut generic_sums, &mut generic_counts);
        assert_eq!(bits(&sums), bits(&generic_sums));
        assert_eq!(counts, generic_counts);
        let mut lanes = [0.0; LANES];
        for (i, b) in best.iter().enumerate() {
            lanes[i % LANES] += b;
        }
        let inertia: f64 = lanes.iter().sum();
        assert_eq!(distances.inertia().to_bits(), inertia.to_bits());
        assert_eq!(generic.distances.inertia().to_bits(), inertia.to_bits());
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| best[b].total_cmp(&best[a]));
        let far: Vec<(f64, usize, usize)> = order
            .iter()
            .take(k)
            .map(|&i| (best[i], i, labels[i]))
            .collect();
        assert_eq!(generic.distances.into_far(), far);
        assert_eq!(distances.into_far(), far);
        let (mut added, mut added_counts) = (vec![0.0; k * d], vec![0; k]);
        add_rows(&mut added, &mut added_counts, &rows, &labels);
        assert_eq!(sums, added);
        assert_eq!(counts, added_counts);
    }
}
