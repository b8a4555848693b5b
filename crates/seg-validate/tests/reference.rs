//! Every labeling of `testdata/reference/cluster_metrics.json` (scikit-learn
//! 1.9.1 on the standard-scaled iris data): silhouette (score and samples),
//! Davies-Bouldin, Calinski-Harabasz, within-cluster sum of squares,
//! adjusted Rand index and NMI against the true labels, to 1e-9 relative.

use ndarray::Array2;
use seg_validate::{
    adjusted_rand_index, calinski_harabasz_score, davies_bouldin_score, inertia,
    normalized_mutual_info, silhouette_samples, silhouette_score, simplified_silhouette_score,
};
use serde_json::Value as Json;

fn load() -> Json {
    seg_testdata::reference("cluster_metrics.json")
}

/// The iris features, standard-scaled with the population std.
fn scaled_iris() -> Array2<f64> {
    seg_testdata::iris_scaled()
}

fn labels(v: &Json) -> Vec<usize> {
    seg_testdata::usizes(v)
}

fn assert_close(got: f64, want: f64, what: &str) {
    let tol = 1e-9 * want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= tol.max(1e-15),
        "{what}: got {got:e}, want {want:e}"
    );
}

fn check_labeling(x: &Array2<f64>, truth: &[usize], case: &Json, what: &str) {
    let l = labels(&case["labels"]);
    assert_close(
        silhouette_score(x.view(), &l).unwrap(),
        case["silhouette"].as_f64().unwrap(),
        &format!("{what} silhouette"),
    );
    assert_close(
        davies_bouldin_score(x.view(), &l).unwrap(),
        case["davies_bouldin"].as_f64().unwrap(),
        &format!("{what} davies_bouldin"),
    );
    assert_close(
        calinski_harabasz_score(x.view(), &l).unwrap(),
        case["calinski_harabasz"].as_f64().unwrap(),
        &format!("{what} calinski_harabasz"),
    );
    assert_close(
        inertia(x.view(), &l).unwrap(),
        case["within_cluster_ss"].as_f64().unwrap(),
        &format!("{what} within_ss"),
    );
    assert_close(
        adjusted_rand_index(truth, &l).unwrap(),
        case["adjusted_rand"].as_f64().unwrap(),
        &format!("{what} ari"),
    );
    assert_close(
        normalized_mutual_info(truth, &l).unwrap(),
        case["nmi"].as_f64().unwrap(),
        &format!("{what} nmi"),
    );
    if let Some(samples) = case.get("silhouette_samples") {
        let want: Vec<f64> = serde_json::from_value(samples.clone()).unwrap();
        let got = silhouette_samples(x.view(), &l).unwrap();
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(*g, *w, &format!("{what} silhouette_samples[{i}]"));
        }
    }
}

#[test]
fn every_reference_labeling_matches_scikit_learn() {
    let reference = load();
    let iris = &reference["datasets"]["iris"];
    let x = scaled_iris();
    let truth = labels(&iris["true_labels"]["labels"]);
    check_labeling(&x, &truth, &iris["true_labels"], "true labels");
    let runs = iris["kmeans"].as_array().expect("k-means runs");
    assert_eq!(runs.len(), 7);
    for run in runs {
        check_labeling(&x, &truth, run, &format!("k = {}", run["k"]));
    }
}

#[test]
fn best_k_by_each_metric_matches() {
    let reference = load();
    let iris = &reference["datasets"]["iris"];
    let x = scaled_iris();
    let runs = iris["kmeans"].as_array().expect("runs");
    let score = |f: &dyn Fn(&[usize]) -> f64| -> Vec<(u64, f64)> {
        runs.iter()
            .map(|r| (r["k"].as_u64().unwrap(), f(&labels(&r["labels"]))))
            .collect()
    };
    let argmax = |v: Vec<(u64, f64)>| v.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
    let argmin = |v: Vec<(u64, f64)>| v.into_iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0;
    let best = &iris["best_k"];
    assert_eq!(
        argmax(score(&|l| silhouette_score(x.view(), l).unwrap())),
        best["silhouette_max"].as_u64().unwrap()
    );
    assert_eq!(
        argmin(score(&|l| davies_bouldin_score(x.view(), l).unwrap())),
        best["davies_bouldin_min"].as_u64().unwrap()
    );
    assert_eq!(
        argmax(score(&|l| calinski_harabasz_score(x.view(), l).unwrap())),
        best["calinski_harabasz_max"].as_u64().unwrap()
    );
    // The simplified silhouette picks the same k here.
    assert_eq!(
        argmax(score(&|l| simplified_silhouette_score(x.view(), l).unwrap())),
        best["silhouette_max"].as_u64().unwrap()
    );
}

#[test]
fn silhouette_is_within_1e_12_relative_of_scikit_learn_on_every_labeling() {
    let reference = load();
    let iris = &reference["datasets"]["iris"];
    let x = scaled_iris();
    let runs = iris["kmeans"].as_array().expect("k-means runs");
    let relative = |g: f64, w: f64| {
        if w == 0.0 {
            (g - w).abs()
        } else {
            (g - w).abs() / w.abs()
        }
    };
    let (mut scores, mut samples) = (0.0f64, 0.0f64);
    for case in runs.iter().chain([&iris["true_labels"]]) {
        let l = labels(&case["labels"]);
        let got = silhouette_score(x.view(), &l).unwrap();
        scores = scores.max(relative(got, case["silhouette"].as_f64().unwrap()));
        if let Some(want) = case.get("silhouette_samples") {
            let want: Vec<f64> = serde_json::from_value(want.clone()).unwrap();
            let got = silhouette_samples(x.view(), &l).unwrap();
            for (g, w) in got.into_iter().zip(want) {
                samples = samples.max(relative(g, w));
            }
        }
    }
    println!(
        "silhouette against scikit-learn: worst relative error {scores:.2e} (scores), \
         {samples:.2e} (samples)"
    );
    assert!(
        scores <= 1e-12 && samples <= 1e-12,
        "{scores:e}, {samples:e}"
    );
}
