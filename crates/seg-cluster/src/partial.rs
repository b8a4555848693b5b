//! One Lloyd step as mergeable partial sums.

mod json;

pub use json::{PARTIAL_SUMS_FORMAT, PARTIAL_SUMS_FORMAT_VERSION};

/// The artifact named in the errors of saved partial sums.
pub(crate) const PARTIAL: &str = "partial sums";

use ndarray::{Array2, ArrayView2};

use crate::error::{ClusterError, Result};
use crate::input::{CHUNK, allocate, checked, chunked, find_non_finite, row_major};
use crate::kernel::{self, Packed};

/// The sufficient statistics of one Lloyd step over some rows: per-centre
/// sums and counts of the rows nearest to each centre, their inertia, and
/// the rows farthest from their centres (to relocate empty clusters).
///
/// A step over data split into shards is `accumulate` on each shard (on
/// any machine), [`merge`](Self::merge) of the partials, then
/// [`next_centres`](Self::next_centres) — so a distributed engine can run
/// k-means.
/// Rows are accumulated in blocks of [`CHUNK_ROWS`](Self::CHUNK_ROWS)
/// rows, each summed on its own and merged in order: shards of exactly
/// `CHUNK_ROWS` rows (the last may be shorter), merged in row order into
/// an empty `PartialSums`, give bit for bit the result of one pass over
/// all the data; other splits agree to rounding (floating-point addition
/// is not associative). [`KMeans`](crate::KMeans)'s Lloyd steps are
/// exactly this, in parallel or not.
///
/// # Example
///
/// ```
/// use ndarray::{Axis, Slice, array};
/// use seg_cluster::PartialSums;
///
/// let x = array![[0.0, 0.0], [0.0, 2.0], [10.0, 0.0], [10.0, 2.0]];
/// let centres = array![[1.0, 1.0], [9.0, 1.0]];
/// let mut left = PartialSums::new(centres.view())?;
/// left.accumulate(x.slice_axis(Axis(0), Slice::from(..2)))?;
/// let mut right = PartialSums::new(centres.view())?;
/// right.accumulate(x.slice_axis(Axis(0), Slice::from(2..)))?;
/// left.merge(&right)?;
/// assert_eq!(left.counts(), &[2, 2]);
/// assert_eq!(left.next_centres(), array![[0.0, 1.0], [10.0, 1.0]]);
/// assert_eq!(left.inertia(), 8.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(try_from = "json::PartialFile")]
pub struct PartialSums {
    d: usize,
    /// The centres the rows are assigned to, row-major.
    current: Vec<f64>,
    sums: Vec<f64>,
    counts: Vec<u64>,
    inertia: f64,
    far: Vec<Far>,
}

/// One chunk of a Lloyd step, before it is added in order: the farthest
/// rows are `(squared distance, row of the data, label)`, farthest first
/// (earlier rows first among equals).
struct Part {
    sums: Vec<f64>,
    counts: Vec<u64>,
    inertia: f64,
    far: Vec<(f64, usize, usize)>,
    changed: usize,
}

/// A row far from its centre: a candidate new centre for an empty cluster.
#[derive(Debug, Clone, PartialEq)]
struct Far {
    dist: f64,
    label: usize,
    row: Vec<f64>,
}

impl PartialSums {
    /// Rows per block of accumulation; see the type's documentation.
    pub const CHUNK_ROWS: usize = CHUNK;

    /// Empty partial sums for a step from `current_centres` (k × d): rows
    /// will be assigned to these centres, and
    /// [`next_centres`](Self::next_centres) gives the centres after the
    /// step.
    ///
    /// # Errors
    ///
    /// [`ClusterError::EmptyInput`] for no centres or no columns,
    /// [`ClusterError::NonFinite`] naming the centre (row) and column.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    ///
    /// let p = PartialSums::new(array![[0.0], [1.0]].view())?;
    /// assert_eq!(p.counts(), &[0, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(current_centres: ArrayView2<'_, f64>) -> Result<Self> {
        let data = checked(&current_centres)?;
        Ok(Self::empty(data.into_owned(), current_centres.ncols()))
    }

    /// Partial sums of nothing, for checked row-major centres.
    pub(crate) fn empty(current: Vec<f64>, d: usize) -> Self {
        let k = current.len() / d;
        PartialSums {
            d,
            sums: vec![0.0; k * d],
            counts: vec![0; k],
            current,
            inertia: 0.0,
            far: Vec::new(),
        }
    }

    /// Assigns each row of `x` to its nearest centre and adds it to the
    /// sums.
    ///
    /// # Errors
    ///
    /// [`ClusterError::DimensionMismatch`] when `x` has another number of
    /// columns than the centres, [`ClusterError::NonFinite`] naming row
    /// (within `x`) and column, [`ClusterError::Overflow`] when a sum or the
    /// inertia overflows to infinity (values too large to square),
    /// [`ClusterError::RowCountOverflow`] when the row counts would exceed
    /// `u64::MAX`, [`ClusterError::OutOfMemory`] when non-contiguous input
    /// (such as a broadcast view) is too large to copy. `self` is unchanged
    /// on error.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    ///
    /// let mut p = PartialSums::new(array![[0.0], [10.0]].view())?;
    /// p.accumulate(array![[1.0], [2.0], [9.0]].view())?;
    /// assert_eq!(p.counts(), &[2, 1]);
    /// assert_eq!(p.sums()[[0, 0]], 3.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accumulate(&mut self, x: ArrayView2<'_, f64>) -> Result<()> {
        if x.ncols() != self.d {
            return Err(ClusterError::DimensionMismatch {
                expected: self.d,
                got: x.ncols(),
            });
        }
        let mut labels = allocate(x.nrows())?;
        labels.resize(x.nrows(), 0);
        self.accumulate_with_labels(x, &mut labels)
    }

    /// [`accumulate`](Self::accumulate), also writing the label (nearest
    /// centre, ties to the lowest index) of each row to `labels`.
    ///
    /// # Errors
    ///
    /// As [`accumulate`](Self::accumulate), and
    /// [`ClusterError::LengthMismatch`] unless `labels` has one entry per
    /// row.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    ///
    /// let mut p = PartialSums::new(array![[0.0], [10.0]].view())?;
    /// let mut labels = [0; 3];
    /// p.accumulate_with_labels(array![[1.0], [5.0], [9.0]].view(), &mut labels)?;
    /// assert_eq!(labels, [0, 0, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accumulate_with_labels(
        &mut self,
        x: ArrayView2<'_, f64>,
        labels: &mut [usize],
    ) -> Result<()> {
        if x.ncols() != self.d {
            return Err(ClusterError::DimensionMismatch {
                expected: self.d,
                got: x.ncols(),
            });
        }
        if labels.len() != x.nrows() {
            return Err(ClusterError::LengthMismatch {
                parameter: "labels",
                expected: x.nrows(),
                got: labels.len(),
            });
        }
        self.check_rows(x.nrows() as u64)?;
        let data = row_major(&x)?;
        let mut total = self.clone();
        total.add_step(&data, labels);
        // A NaN or infinity in the data makes its cluster's sum
        // non-finite: the data is read once, and searched only then.
        if !total.is_finite() {
            find_non_finite(&data, self.d)?;
            return Err(ClusterError::Overflow);
        }
        *self = total;
        Ok(())
    }

    /// [`ClusterError::RowCountOverflow`] if `more` rows would take the
    /// total beyond `u64::MAX` (then no single count can overflow).
    fn check_rows(&self, more: u64) -> Result<()> {
        self.n_samples()
            .checked_add(more)
            .map(drop)
            .ok_or(ClusterError::RowCountOverflow)
    }

    /// Whether the sums and the inertia are finite (what JSON can hold).
    fn is_finite(&self) -> bool {
        self.inertia.is_finite() && self.sums.iter().all(|v| v.is_finite())
    }

    /// One Lloyd step over the row-major `data` against these centres,
    /// added chunk by chunk in order; labels written. Returns zero
    /// exactly when no label changed.
    pub(crate) fn add_step(&mut self, data: &[f64], labels: &mut [usize]) -> usize {
        let packed = Packed::new(&self.current, self.d);
        let parts = chunked(data, self.d, labels, 1, |first, rows, labels| {
            self.chunk(first, rows, &packed, labels)
        });
        parts
            .into_iter()
            .map(|part| self.add_part(part, data))
            .sum()
    }

    /// One chunk of a step (its first row is `first`); labels written.
    fn chunk(&self, first: usize, rows: &[f64], packed: &Packed, labels: &mut [usize]) -> Part {
        let k = self.counts.len();
        let (mut sums, mut counts) = (vec![0.0; k * self.d], vec![0; k]);
        let (changed, distances) =
            kernel::assign_sums(rows, packed, labels, &mut sums, &mut counts);
        let inertia = distances.inertia();
        let far = distances.into_far();
        let far = far
            .into_iter()
            .map(|(dist, i, c)| (dist, first + i, c))
            .collect();
        Part {
            sums,
            counts,
            inertia,
            far,
            changed,
        }
    }

    /// Adds one chunk's part (rows copied from `data` only for the
    /// farthest rows kept); returns its count of label changes.
    fn add_part(&mut self, part: Part, data: &[f64]) -> usize {
        for (s, o) in self.sums.iter_mut().zip(&part.sums) {
            *s += o;
        }
        for (c, o) in self.counts.iter_mut().zip(&part.counts) {
            *c += o;
        }
        self.inertia += part.inertia;
        let d = self.d;
        for (dist, i, label) in part.far {
            if self.far.len() < self.counts.len() || self.far.last().is_some_and(|f| dist > f.dist)
            {
                self.insert_far(Far {
                    dist,
                    label,
                    row: data[i * d..(i + 1) * d].to_vec(),
                });
            }
        }
        part.changed
    }

    /// Adds rows with known labels to the sums and counts.
    pub(crate) fn add_labelled(&mut self, rows: &[f64], labels: &[usize]) {
        kernel::add_rows(&mut self.sums, &mut self.counts, rows, labels);
    }

    /// Inserts after every entry at least as far (earlier rows win ties)
    /// and keeps the k farthest.
    fn insert_far(&mut self, far: Far) {
        let at = self.far.partition_point(|f| f.dist >= far.dist);
        if at < self.counts.len() {
            self.far.insert(at, far);
            self.far.truncate(self.counts.len());
        }
    }

    /// Adds the partial sums of other rows (accumulated against the same
    /// centres). Merge partials in row order for results independent of
    /// the split; see the type's documentation.
    ///
    /// # Errors
    ///
    /// [`ClusterError::CentresMismatch`] when `other` was made from other
    /// centres, [`ClusterError::RowCountOverflow`] when the row counts
    /// would exceed `u64::MAX`, [`ClusterError::Overflow`] when a sum or
    /// the inertia would overflow to infinity. `self` is unchanged on
    /// error.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    ///
    /// let c = array![[0.0], [10.0]];
    /// let mut a = PartialSums::new(c.view())?;
    /// a.accumulate(array![[1.0]].view())?;
    /// let mut b = PartialSums::new(c.view())?;
    /// b.accumulate(array![[9.0]].view())?;
    /// a.merge(&b)?;
    /// assert_eq!(a.n_samples(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&mut self, other: &PartialSums) -> Result<()> {
        if self.d != other.d || self.current != other.current {
            return Err(ClusterError::CentresMismatch);
        }
        self.check_rows(other.n_samples())?;
        let mut total = self.clone();
        total.merge_unchecked(other);
        if !total.is_finite() {
            return Err(ClusterError::Overflow);
        }
        *self = total;
        Ok(())
    }

    pub(crate) fn merge_unchecked(&mut self, other: &PartialSums) {
        for (s, o) in self.sums.iter_mut().zip(&other.sums) {
            *s += o;
        }
        for (c, o) in self.counts.iter_mut().zip(&other.counts) {
            *c += o;
        }
        self.inertia += other.inertia;
        for f in &other.far {
            if self.far.len() < self.counts.len()
                || self.far.last().is_some_and(|l| f.dist > l.dist)
            {
                self.insert_far(f.clone());
            }
        }
    }

    /// The next centres, after this step: the mean of each cluster's rows. As in
    /// scikit-learn, each empty cluster (in index order) takes the
    /// farthest remaining row from its centre, moved out of its cluster
    /// (only from clusters with more than one row); a cluster left empty
    /// keeps its centre.
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    ///
    /// // Centre 1 is far from every row: its cluster is empty and takes
    /// // the row farthest from centre 0.
    /// let mut p = PartialSums::new(array![[0.0], [100.0]].view())?;
    /// p.accumulate(array![[-1.0], [0.0], [3.0]].view())?;
    /// assert_eq!(p.counts(), &[3, 0]);
    /// assert_eq!(p.next_centres(), array![[-0.5], [3.0]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "k × d values by construction and checked on load"
    )]
    pub fn next_centres(&self) -> Array2<f64> {
        Array2::from_shape_vec((self.counts.len(), self.d), self.next_centres_flat())
            .expect("the sums hold k × d values (by construction and checked on load)")
    }

    /// [`next_centres`](Self::next_centres), row-major.
    pub(crate) fn next_centres_flat(&self) -> Vec<f64> {
        let d = self.d;
        let k = self.counts.len();
        let (mut sums, mut counts) = (self.sums.clone(), self.counts.clone());
        let mut candidates = self.far.iter();
        for e in (0..k).filter(|&c| self.counts[c] == 0) {
            let Some(f) = candidates.find(|f| counts[f.label] > 1) else {
                break;
            };
            for (s, v) in sums[f.label * d..(f.label + 1) * d].iter_mut().zip(&f.row) {
                *s -= v;
            }
            counts[f.label] -= 1;
            sums[e * d..(e + 1) * d].copy_from_slice(&f.row);
            counts[e] = 1;
        }
        for (c, (centre, &count)) in sums.chunks_exact_mut(d).zip(&counts).enumerate() {
            if count > 0 {
                // scikit-learn's `_average_centers`: times the reciprocal.
                let alpha = 1.0 / count as f64;
                centre.iter_mut().for_each(|v| *v *= alpha);
            } else {
                centre.copy_from_slice(&self.current[c * d..(c + 1) * d]);
            }
        }
        sums
    }

    pub(crate) fn has_empty(&self) -> bool {
        self.counts.contains(&0)
    }

    /// Rows accumulated per centre.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    /// let mut p = PartialSums::new(array![[0.0], [10.0]].view())?;
    /// p.accumulate(array![[1.0], [2.0], [9.0]].view())?;
    /// assert_eq!(p.counts(), [2, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Sums of the rows accumulated per centre, k × d.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    /// let mut p = PartialSums::new(array![[0.0], [10.0]].view())?;
    /// p.accumulate(array![[1.0], [2.0], [9.0]].view())?;
    /// assert_eq!(p.sums(), array![[3.0], [9.0]]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "k × d values by construction and checked on load"
    )]
    pub fn sums(&self) -> ArrayView2<'_, f64> {
        ArrayView2::from_shape((self.counts.len(), self.d), &self.sums)
            .expect("the sums hold k × d values (by construction and checked on load)")
    }

    /// The sum of squared distances of the accumulated rows to their
    /// nearest centres.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    /// let mut p = PartialSums::new(array![[0.0], [10.0]].view())?;
    /// p.accumulate(array![[1.0], [2.0], [9.0]].view())?;
    /// assert_eq!(p.inertia(), 1.0 + 4.0 + 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Rows accumulated.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    /// let mut p = PartialSums::new(array![[0.0], [10.0]].view())?;
    /// assert_eq!(p.n_samples(), 0);
    /// p.accumulate(array![[1.0], [2.0], [9.0]].view())?;
    /// assert_eq!(p.n_samples(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_samples(&self) -> u64 {
        // The total fits in u64: checked on load, accumulate and merge.
        self.counts.iter().fold(0, |a: u64, &c| a.saturating_add(c))
    }

    /// The centres the rows are assigned to (k × d): those given to
    /// [`new`](Self::new).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::PartialSums;
    /// let centres = array![[0.0], [10.0]];
    /// let mut p = PartialSums::new(centres.view())?;
    /// p.accumulate(array![[1.0], [9.0]].view())?;
    /// assert_eq!(p.current_centres(), centres); // next_centres() has the new ones
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "k × d values by construction and checked on load"
    )]
    pub fn current_centres(&self) -> ArrayView2<'_, f64> {
        ArrayView2::from_shape((self.counts.len(), self.d), &self.current)
            .expect("the current centres hold k × d values (by construction and checked on load)")
    }
}
