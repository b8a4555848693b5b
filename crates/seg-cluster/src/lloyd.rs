//! Lloyd's algorithm: every pass assigns each row to its nearest centre and
//! moves the centres to the means ([`PartialSums`] steps), with
//! scikit-learn's stopping rules; and the final assignment shared with
//! Hamerly's algorithm.

use crate::input::{CHUNK, chunked, chunked2};
use crate::kernel::{self, Packed, squared_distance};
use crate::partial::PartialSums;

/// The outcome of one run from one set of initial centres.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) centres: Vec<f64>,
    pub(crate) labels: Vec<usize>,
    pub(crate) inertia: f64,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
    /// Rows whose distances to all centres were computed, over all passes
    /// (checked by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) full_assignments: usize,
}

/// One Lloyd step over all the data: labels written, partial sums merged
/// in chunk order; zero with them exactly when no label changed.
pub(crate) fn lloyd_step(
    data: &[f64],
    d: usize,
    centres: &[f64],
    labels: &mut [usize],
) -> (PartialSums, usize) {
    let mut step = PartialSums::empty(centres.to_vec(), d);
    let changed = step.add_step(data, labels);
    (step, changed)
}

/// The sum of squared shifts between two sets of centres.
pub(crate) fn squared_shift(old: &[f64], new: &[f64], d: usize) -> f64 {
    old.chunks_exact(d)
        .zip(new.chunks_exact(d))
        .map(|(a, b)| squared_distance(a, b))
        .sum()
}

/// The nearest centre of every row and its squared distance (the
/// kernels' distances; ties go to the lower index).
pub(crate) fn nearest_all(data: &[f64], d: usize, centres: &[f64]) -> (Vec<usize>, Vec<f64>) {
    let packed = Packed::new(centres, d);
    let n = data.len() / d;
    let (mut labels, mut best) = (vec![0; n], vec![0.0; n]);
    chunked2(data, d, &mut labels, &mut best, |_, rows, labels, best| {
        kernel::assign(rows, &packed, labels, best);
    });
    (labels, best)
}

/// The nearest centre of every row and the inertia, in one pass (the bits
/// of [`inertia_of`] on those labels).
pub(crate) fn assign_all(data: &[f64], d: usize, centres: &[f64]) -> (Vec<usize>, f64) {
    let (labels, best) = nearest_all(data, d, centres);
    (labels, best.chunks(CHUNK).map(kernel::lane_sum).sum())
}

/// The inertia of labelled rows against centres, summed in chunk order.
pub(crate) fn inertia_of(data: &[f64], d: usize, centres: &[f64], labels: &mut [usize]) -> f64 {
    let parts = chunked(data, d, labels, 1, |_, rows, labels| {
        kernel::assigned_distances(rows, centres, labels)
    });
    parts.iter().sum()
}

/// Lloyd's algorithm with scikit-learn's stopping rules.
pub(crate) fn lloyd(
    data: &[f64],
    d: usize,
    mut centres: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> Run {
    let n = data.len() / d;
    let mut labels = vec![usize::MAX; n];
    let (mut n_iter, mut converged, mut strict) = (max_iter, false, false);
    let mut inertia = None;
    for i in 0..max_iter {
        let (partial, changed) = lloyd_step(data, d, &centres, &mut labels);
        let new = partial.next_centres_flat();
        let shift = squared_shift(&centres, &new, d);
        // No label changed: the same sums give the same centres, whose
        // inertia the step has measured (unless an empty cluster moved).
        if changed == 0 && new == centres {
            inertia = Some(partial.inertia());
        }
        centres = new;
        if changed == 0 {
            (n_iter, converged, strict) = (i + 1, true, true);
            break;
        }
        if shift <= tol {
            (n_iter, converged) = (i + 1, true);
            break;
        }
    }
    Ended {
        centres,
        labels,
        n_iter,
        converged,
        strict,
        inertia,
        full_assignments: n.saturating_mul(n_iter),
    }
    .finish(data, d)
}

/// How a run's iterations ended, before the final assignment.
pub(crate) struct Ended {
    /// The last centres.
    pub(crate) centres: Vec<f64>,
    /// The labels of the last pass.
    pub(crate) labels: Vec<usize>,
    /// Passes made.
    pub(crate) n_iter: usize,
    /// Whether the run stopped before `max_iter`.
    pub(crate) converged: bool,
    /// Whether it stopped because no label changed: the labels already
    /// match the centres.
    pub(crate) strict: bool,
    /// The inertia of `labels` against `centres` when the last pass
    /// measured it.
    pub(crate) inertia: Option<f64>,
    /// Rows whose distances to all centres were computed.
    pub(crate) full_assignments: usize,
}

impl Ended {
    /// The final assignment (unless the labels already match the centres)
    /// and the inertia (unless known), with the bits of
    /// [`kernel::assigned_distances`] however it is measured.
    pub(crate) fn finish(self, data: &[f64], d: usize) -> Run {
        let Ended {
            centres,
            mut labels,
            n_iter,
            converged,
            strict,
            inertia,
            full_assignments,
        } = self;
        let inertia = match inertia {
            Some(inertia) if strict => inertia,
            _ if strict => inertia_of(data, d, &centres, &mut labels),
            _ => {
                let inertia;
                (labels, inertia) = assign_all(data, d, &centres);
                inertia
            }
        };
        Run {
            centres,
            labels,
            inertia,
            n_iter,
            converged,
            full_assignments,
        }
    }
}
