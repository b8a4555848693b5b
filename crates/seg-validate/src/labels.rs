//! Labels mapped to dense cluster ids.

/// Labels mapped to dense ids `0..k`, ordered by original id (so permuting
/// ids permutes clusters, nothing else), with the size of each cluster.
#[derive(Debug, Clone)]
pub(crate) struct Dense {
    /// The original label ids, ascending.
    pub(crate) ids: Vec<usize>,
    pub(crate) labels: Vec<usize>,
    pub(crate) sizes: Vec<usize>,
}

impl Dense {
    pub(crate) fn k(&self) -> usize {
        self.sizes.len()
    }
}

/// Ids up to this many above twice the number of labels are mapped through
/// a table indexed by id; larger ids are sorted instead.
const TABLE_SLACK: usize = 1024;

/// Maps arbitrary label ids to `0..k`: through a table indexed by id when
/// every id is at most `2n + 1024` (O(n) time), otherwise by sorting the
/// distinct ids (O(n log n)). Memory is O(n) either way: a huge id such as
/// `usize::MAX` never sizes an allocation.
pub(crate) fn densify(labels: &[usize]) -> Dense {
    let max = labels.iter().copied().max().unwrap_or(0);
    // A slice of `usize` holds fewer than isize::MAX / 8 values: no overflow.
    let small = max <= 2 * labels.len() + TABLE_SLACK;
    let ids: Vec<usize> = if small {
        let mut seen = vec![false; max + 1];
        for &l in labels {
            seen[l] = true;
        }
        (0..=max).filter(|&l| seen[l]).collect()
    } else {
        let mut ids = labels.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut table = vec![0; if small { max + 1 } else { 0 }];
    for (c, &id) in ids.iter().enumerate().filter(|_| small) {
        table[id] = c;
    }
    // `ids` holds every label, so the search always succeeds.
    let index = |l: usize| {
        if small {
            table[l]
        } else {
            ids.binary_search(&l).unwrap_or_default()
        }
    };
    let mut sizes = vec![0; ids.len()];
    let labels = labels
        .iter()
        .map(|&l| {
            let c = index(l);
            sizes[c] += 1;
            c
        })
        .collect();
    Dense { ids, labels, sizes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_label_ids_are_sorted_not_tabled() {
        let dense = densify(&[usize::MAX, 3, usize::MAX, 0, usize::MAX - 1]);
        assert_eq!(dense.ids, [0, 3, usize::MAX - 1, usize::MAX]);
        assert_eq!(dense.labels, [3, 1, 3, 0, 2]);
        assert_eq!(dense.sizes, [1, 1, 1, 2]);
    }

    #[test]
    fn small_label_ids_keep_their_order() {
        let dense = densify(&[7, 2, 7, 5]);
        assert_eq!(dense.ids, [2, 5, 7]);
        assert_eq!(dense.labels, [2, 0, 2, 1]);
        assert_eq!(dense.sizes, [1, 1, 2]);
    }

    #[test]
    fn no_labels_give_no_clusters() {
        assert_eq!(densify(&[]).k(), 0);
    }
}
