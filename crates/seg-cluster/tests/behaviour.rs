//! Behaviour on blobs: k-means++ against random initialisation, mini-batch
//! against full k-means, sharded partial sums, empty clusters, and pinned
//! seeded outputs (value stability: changing them is a CHANGELOG entry).

mod common;

use common::blobs;
use ndarray::{Array2, Axis, Slice, array};
use seg_cluster::*;

#[test]
fn kmeans_plus_plus_needs_fewer_iterations_than_random_init() {
    let x = blobs(2000, 5, 6, 30.0, 11);
    let (mut pp, mut random) = (0, 0);
    for seed in 0..20 {
        let fit = |init| {
            KMeans::params(6)
                .init(init)
                .n_init(1)
                .tol(0.0)
                .seed(seed)
                .fit(x.view())
                .unwrap()
        };
        pp += fit(Init::KMeansPlusPlus).n_iter();
        random += fit(Init::Random).n_iter();
    }
    assert!(pp < random, "k-means++ {pp} passes, random {random}");
}

#[test]
fn minibatch_inertia_is_close_to_full_kmeans() {
    let x = blobs(20_000, 8, 5, 10.0, 5);
    let full = KMeans::params(5).n_init(3).seed(1).fit(x.view()).unwrap();
    let mini = MiniBatchKMeans::params(5)
        .batch_size(512)
        .max_steps(300)
        .seed(1)
        .fit(x.view())
        .unwrap();
    assert!(
        mini.inertia() < full.inertia() * 1.01,
        "{} vs {}",
        mini.inertia(),
        full.inertia()
    );
    assert_eq!(mini.predict(x.view()).unwrap(), mini.labels());
    let saved = KMeans::from_json(&mini.model().to_json().unwrap()).unwrap();
    assert_eq!(&saved, mini.model());
}

#[test]
fn sharded_partial_sums_equal_one_pass() {
    let x = blobs(3 * PartialSums::CHUNK_ROWS + 123, 4, 3, 5.0, 2);
    let centres = x.slice_axis(Axis(0), Slice::from(..3)).to_owned();
    let mut whole = PartialSums::new(centres.view()).unwrap();
    let mut labels = vec![0; x.nrows()];
    whole.accumulate_with_labels(x.view(), &mut labels).unwrap();
    // Shards of CHUNK_ROWS rows merged in order, directly and after
    // travelling as JSON to another machine: bit for bit.
    let mut merged = PartialSums::new(centres.view()).unwrap();
    let mut received = PartialSums::new(centres.view()).unwrap();
    let rows = PartialSums::CHUNK_ROWS;
    for start in (0..x.nrows()).step_by(rows) {
        let end = (start + rows).min(x.nrows());
        let mut shard = PartialSums::new(centres.view()).unwrap();
        shard
            .accumulate(x.slice_axis(Axis(0), Slice::from(start..end)))
            .unwrap();
        merged.merge(&shard).unwrap();
        let json = shard.to_json().unwrap();
        received
            .merge(&PartialSums::from_json(&json).unwrap())
            .unwrap();
    }
    assert_eq!(merged, whole);
    assert_eq!(received, whole);
    // Any split: equal to rounding.
    let mut a = PartialSums::new(centres.view()).unwrap();
    a.accumulate(x.slice_axis(Axis(0), Slice::from(..1000)))
        .unwrap();
    let mut b = PartialSums::new(centres.view()).unwrap();
    b.accumulate(x.slice_axis(Axis(0), Slice::from(1000..)))
        .unwrap();
    a.merge(&b).unwrap();
    assert_eq!(a.counts(), whole.counts());
    for (p, q) in a.next_centres().iter().zip(whole.next_centres().iter()) {
        assert!((p - q).abs() < 1e-12 * q.abs().max(1.0));
    }
    // One Lloyd pass of KMeans is this step.
    let model = KMeans::params(3)
        .init(Init::Explicit(centres.clone()))
        .algorithm(Algorithm::Lloyd)
        .max_iter(1)
        .fit(x.view())
        .unwrap();
    assert_eq!(model.centroids(), whole.next_centres());
    assert_eq!(model.n_iter(), 1);
    assert!(!model.converged());
}

#[test]
fn empty_clusters_take_the_farthest_points() {
    // Centre 2 is far from everything: its cluster is empty after the
    // first assignment and takes the point farthest from its centre.
    let x = array![[0.0], [0.1], [0.2], [10.0], [10.1], [30.0]];
    let model = KMeans::params(3)
        .init(Init::Explicit(array![[0.0], [10.0], [1000.0]]))
        .tol(0.0)
        .fit(x.view())
        .unwrap();
    assert_eq!(model.labels(), &[0, 0, 0, 1, 1, 2]);
    assert_eq!(model.centroids()[[2, 0]], 30.0);
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
        let m = KMeans::params(3)
            .init(Init::Random)
            .n_init(5)
            .algorithm(algorithm)
            .fit(array![[1.0], [1.0], [1.0], [2.0], [3.0]].view())
            .unwrap();
        assert!(m.inertia() <= 1e-12, "{algorithm:?}: {}", m.inertia());
    }
}

#[test]
fn duplicate_points_are_handled() {
    let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i % 4) * 5 + j) as f64);
    let model = KMeans::params(4).seed(3).fit(x.view()).unwrap();
    assert_eq!(model.inertia(), 0.0);
    assert!(model.converged());
}

#[test]
fn distances_agree_with_predictions() {
    let x = blobs(300, 3, 4, 10.0, 8);
    let model = KMeans::params(4).seed(2).fit(x.view()).unwrap();
    let all = model.distances(x.view()).unwrap();
    let mut one = [0.0; 4];
    for (row, dist) in x.rows().into_iter().zip(all.rows()) {
        model
            .distances_one(row.as_slice().unwrap(), &mut one)
            .unwrap();
        let label = model.predict_one(row.as_slice().unwrap()).unwrap();
        let nearest = (0..4).fold(0, |b, c| if one[c] < one[b] { c } else { b });
        assert_eq!(label, nearest);
        for (a, b) in one.iter().zip(dist) {
            assert!((a - b).abs() < 1e-12 * b.max(1.0));
        }
    }
}

/// Pinned output for seed 42 (rand_pcg Pcg64Mcg, rand 0.10): one Lloyd
/// pass from greedy k-means++ on structureless data, so the labels and
/// centroids reveal which rows k-means++ chose.
#[test]
fn seeded_kmeans_plus_plus_is_stable() {
    let x = Array2::from_shape_fn((30, 2), |(i, j)| {
        ((i * 37 + j * 91 + i * i * 13) % 101) as f64
    });
    let model = KMeans::params(4)
        .seed(42)
        .max_iter(1)
        .algorithm(Algorithm::Lloyd)
        .fit(x.view())
        .unwrap();
    let got = format!(
        "{:?} {:?}",
        model.labels(),
        model.centroids().iter().collect::<Vec<_>>()
    );
    let pinned = "[2, 3, 1, 1, 3, 2, 0, 0, 1, 0, 3, 3, 0, 3, 1, 3, 0, 3, 1, 3, 0, 3, 1, 3, 0, 3, 3, 0, 1, 0] [84.22222222222221, 74.22222222222221, 23.0, 13.0, 2.5, 93.5, 49.07142857142857, 39.07142857142857]";
    assert_eq!(got, pinned);
}

#[test]
fn auto_algorithm_runs_lloyd_below_32_clusters_and_hamerly_from_32() {
    let x = blobs(2_000, 3, 40, 1.5, 11);
    for k in [8, 32] {
        let fit = |algorithm| {
            KMeans::params(k)
                .seed(5)
                .algorithm(algorithm)
                .fit(x.view())
                .unwrap()
        };
        let (auto, lloyd, hamerly) = (
            fit(Algorithm::Auto),
            fit(Algorithm::Lloyd),
            fit(Algorithm::Hamerly),
        );
        // All three give the same fit bit for bit; Auto is one of them.
        for other in [&lloyd, &hamerly] {
            assert_eq!(auto.labels(), other.labels(), "k = {k}");
            assert_eq!(auto.centroids(), other.centroids(), "k = {k}");
            assert_eq!(auto.inertia().to_bits(), other.inertia().to_bits());
        }
    }
    assert_eq!(KMeans::params(8).fit(x.view()).unwrap().n_iter(), {
        KMeans::params(8)
            .algorithm(Algorithm::Lloyd)
            .fit(x.view())
            .unwrap()
            .n_iter()
    });
}

/// A fit's inertia has the bits of a `PartialSums` step over the data from
/// its centres, however the fit ended: Lloyd or Hamerly stopping because
/// no label changed (Lloyd's last step measured it), stopping at the
/// tolerance or at `max_iter` (a final assignment measured it), and
/// mini-batch k-means (a pass of its own).
#[test]
fn the_inertia_of_a_fit_is_the_inertia_of_a_step_from_its_centres() {
    let x = blobs(3 * PartialSums::CHUNK_ROWS + 77, 6, 5, 4.0, 3);
    let step_inertia = |centres: ndarray::ArrayView2<'_, f64>| {
        let mut p = PartialSums::new(centres).expect("centres");
        p.accumulate(x.view()).expect("data");
        p.inertia()
    };
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
        for (tol, max_iter) in [(0.0, 300), (1e-2, 300), (0.0, 2)] {
            let model = KMeans::params(5)
                .seed(1)
                .algorithm(algorithm)
                .tol(tol)
                .max_iter(max_iter)
                .fit(x.view())
                .expect("fit");
            assert_eq!(
                model.inertia().to_bits(),
                step_inertia(model.centroids()).to_bits(),
                "{algorithm:?}, tol {tol}, max_iter {max_iter}: {} iterations",
                model.n_iter()
            );
        }
    }
    let mini = MiniBatchKMeans::params(5)
        .seed(1)
        .fit(x.view())
        .expect("fit");
    assert_eq!(
        mini.inertia().to_bits(),
        step_inertia(mini.centroids()).to_bits()
    );
}
