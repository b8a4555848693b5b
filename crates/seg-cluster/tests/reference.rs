//! Every run of `testdata/reference/kmeans_fixed_init.json` (scikit-learn
//! 1.9.1 `KMeans(init=first k rows, n_init=1, algorithm="lloyd", tol=0,
//! max_iter=300)` on the standard-scaled iris data, k = 2..8): the same
//! labels and `n_iter`, centroids and inertia to 1e-9, for Lloyd and for
//! Hamerly.

use ndarray::{Array2, Axis, Slice};
use seg_cluster::{Algorithm, Init, KMeans};
use serde_json::Value as Json;

fn load() -> Json {
    seg_testdata::reference("kmeans_fixed_init.json")
}

/// The iris features, standard-scaled with the population std.
fn scaled_iris() -> Array2<f64> {
    seg_testdata::iris_scaled()
}

fn matrix(v: &Json) -> Array2<f64> {
    seg_testdata::matrix(v)
}

fn assert_close(got: f64, want: f64, what: &str) {
    let tol = 1e-9 * want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, want {want:e}"
    );
}

#[test]
fn lloyd_and_hamerly_match_scikit_learn_from_the_first_k_rows() {
    let reference = load();
    let iris = &reference["datasets"]["iris"];
    let x = scaled_iris();
    let runs = iris["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 7, "k = 2..8");
    for run in runs {
        let k = run["k"].as_u64().expect("k") as usize;
        let init = matrix(&run["init_centers"]);
        for (r, row) in init.rows().into_iter().enumerate() {
            for (a, b) in row.iter().zip(x.row(r)) {
                assert_close(*a, *b, &format!("k={k} scaled row {r}"));
            }
        }
        let want_labels: Vec<usize> =
            serde_json::from_value(run["labels"].clone()).expect("labels");
        let want_centres = matrix(&run["centers"]);
        let want_inertia = run["inertia"].as_f64().expect("inertia");
        let want_n_iter = run["n_iter"].as_u64().expect("n_iter") as usize;
        for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
            let what = format!("k={k} {algorithm:?}");
            let model = KMeans::params(k)
                .init(Init::Explicit(
                    x.slice_axis(Axis(0), Slice::from(..k)).to_owned(),
                ))
                .algorithm(algorithm)
                .tol(0.0)
                .max_iter(300)
                .fit(x.view())
                .expect("fit");
            assert_eq!(model.labels(), &want_labels[..], "{what} labels");
            assert_eq!(model.n_iter(), want_n_iter, "{what} n_iter");
            assert_eq!(
                model.converged(),
                run["converged"].as_bool().expect("converged")
            );
            assert_close(model.inertia(), want_inertia, &format!("{what} inertia"));
            for (g, w) in model.centroids().iter().zip(want_centres.iter()) {
                assert_close(*g, *w, &format!("{what} centroid"));
            }
            let sizes: Vec<usize> =
                serde_json::from_value(run["cluster_sizes"].clone()).expect("sizes");
            for (c, &size) in sizes.iter().enumerate() {
                assert_eq!(
                    model.labels().iter().filter(|&&l| l == c).count(),
                    size,
                    "{what} size {c}"
                );
            }
        }
    }
}
