//! The driver's k-means equals the library's: from the same start the same
//! centres (bit for bit on one partition, 1e-12 on several), the same
//! iterations, labels and inertia; the seedings land near the library's
//! fit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{blobs, context, first_rows, names, register_rows, relative};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::UInt32Type;
use seg_cluster::{Algorithm, Init, KMeans, PartialSums};
use seg_datafusion::{FitParams, Seeding, TableError};

fn library(x: &ndarray::Array2<f64>, start: &ndarray::Array2<f64>, tol: f64) -> KMeans {
    KMeans::params(start.nrows())
        .init(Init::Explicit(start.clone()))
        .algorithm(Algorithm::Lloyd)
        .n_init(1)
        .tol(tol)
        .fit(x.view())
        .expect("library fit")
}

async fn labels(
    ctx: &datafusion::prelude::SessionContext,
    centres: &ndarray::Array2<f64>,
    d: usize,
) -> Vec<usize> {
    let json = seg_datafusion::centres_json(centres.view());
    let cols = names(d).join(", ");
    // Row order: the table's single partition keeps it.
    let batches = ctx
        .sql(&format!("SELECT seg_nearest('{json}', {cols}) AS c FROM t"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    batches
        .iter()
        .flat_map(|b| {
            b.column(0)
                .as_primitive::<UInt32Type>()
                .values()
                .iter()
                .map(|&c| c as usize)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn one_partition_gives_the_library_centres_bit_for_bit() {
    let x = blobs(30_000, 6, 8, 11);
    let start = first_rows(&x, 8);
    for tol in [1e-4, 0.0] {
        let ctx = context(1);
        register_rows(&ctx, "t", &x, 1);
        let params = FitParams {
            seeding: Seeding::Centres(start.clone()),
            tol,
            ..FitParams::new(8)
        };
        let cols = names(6);
        let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
        let fit = seg_datafusion::fit(&ctx, "t", &cols, &params)
            .await
            .expect("fit");
        let model = library(&x, &start, tol);
        assert!(
            model.n_iter() >= 10,
            "a realistic fit: {} iterations",
            model.n_iter()
        );
        assert_eq!(fit.centres, model.centroids(), "tol {tol}");
        assert_eq!(
            (fit.n_iter, fit.converged),
            (model.n_iter(), model.converged()),
            "tol {tol}"
        );
        assert!(
            relative(fit.inertia, model.inertia()) < 1e-12,
            "{} vs {}",
            fit.inertia,
            model.inertia()
        );
        let labels = labels(&ctx, &fit.centres, 6).await;
        assert_eq!(labels, model.labels());
        let mut counts = vec![0u64; 8];
        model.labels().iter().for_each(|&l| counts[l] += 1);
        assert_eq!(fit.counts, counts);
        assert_eq!(fit.n_rows, 30_000);
    }
}

#[tokio::test]
async fn several_partitions_agree_with_the_library_to_1e_12() {
    let x = blobs(30_000, 6, 5, 12);
    let start = first_rows(&x, 5);
    let model = library(&x, &start, 1e-4);
    for partitions in [2, 4, 7] {
        let ctx = context(partitions);
        register_rows(&ctx, "t", &x, partitions);
        let params = FitParams {
            seeding: Seeding::Centres(start.clone()),
            ..FitParams::new(5)
        };
        let cols = names(6);
        let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
        let fit = seg_datafusion::fit(&ctx, "t", &cols, &params)
            .await
            .expect("fit");
        let worst = fit
            .centres
            .iter()
            .zip(model.centroids())
            .map(|(a, b)| relative(*a, *b))
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-12,
            "{partitions} partitions: worst relative difference {worst:e}"
        );
        assert_eq!(fit.n_iter, model.n_iter(), "{partitions} partitions");
        assert!(relative(fit.inertia, model.inertia()) < 1e-12);
    }
}

#[tokio::test]
async fn a_lloyd_step_in_sql_is_the_library_step() {
    let x = blobs(10_000, 3, 4, 13);
    let start = first_rows(&x, 4);
    let ctx = context(1);
    register_rows(&ctx, "t", &x, 1);
    let json = seg_datafusion::centres_json(start.view());
    let batches = ctx
        .sql(&format!(
            "SELECT seg_lloyd_step('{json}', x0, x1, x2) FROM t"
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let step = PartialSums::from_json(batches[0].column(0).as_string::<i32>().value(0)).unwrap();
    let mut expected = PartialSums::new(start.view()).unwrap();
    expected.accumulate(x.view()).unwrap();
    assert_eq!(step, expected);
}

#[tokio::test]
async fn seedings_land_near_the_library_fit_and_do_not_depend_on_partitioning() {
    let x = blobs(40_000, 4, 6, 14);
    let best = KMeans::params(6).seed(1).fit(x.view()).unwrap().inertia();
    let cols = names(4);
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    for seeding in [
        Seeding::parallel(),
        Seeding::Sample {
            sample_size: 5_000,
            n_init: 3,
        },
    ] {
        let mut fits = Vec::new();
        for partitions in [1, 3] {
            let ctx = context(partitions);
            register_rows(&ctx, "t", &x, partitions);
            let params = FitParams {
                seeding: seeding.clone(),
                seed: 5,
                ..FitParams::new(6)
            };
            fits.push(
                seg_datafusion::fit(&ctx, "t", &cols, &params)
                    .await
                    .expect("fit"),
            );
        }
        assert_eq!(
            fits[0].initial_centres, fits[1].initial_centres,
            "{seeding:?}"
        );
        let ratio = fits[0].inertia / best;
        println!(
            "{seeding:?}: inertia {:.1} = {ratio:.4} × the library's best of 1 k-means++ run; {} Lloyd passes",
            fits[0].inertia, fits[0].n_iter
        );
        assert!(ratio < 1.02, "{seeding:?}: {ratio}");
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_error() {
    let x = blobs(100, 2, 2, 15);
    let ctx = context(1);
    register_rows(&ctx, "t", &x, 1);
    let fit = |params: FitParams, cols: Vec<&'static str>| {
        let ctx = ctx.clone();
        async move { seg_datafusion::fit(&ctx, "t", &cols, &params).await }
    };
    let err = fit(FitParams::new(0), vec!["x0"]).await.unwrap_err();
    assert!(
        matches!(err, TableError::InvalidParameter { parameter: "k", .. }),
        "{err}"
    );
    let err = fit(FitParams::new(200), vec!["x0", "x1"])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TableError::TooFewRows {
                rows: 100,
                needed: 200,
                ..
            }
        ),
        "{err}"
    );
    let err = fit(FitParams::new(2), vec!["nope"]).await.unwrap_err();
    assert!(matches!(err, TableError::Query(_)), "{err}");
    let wrong_shape = FitParams {
        seeding: Seeding::Centres(ndarray::array![[0.0]]),
        ..FitParams::new(2)
    };
    let err = fit(wrong_shape, vec!["x0", "x1"]).await.unwrap_err();
    assert!(
        matches!(
            err,
            TableError::InvalidParameter {
                parameter: "centres",
                ..
            }
        ),
        "{err}"
    );
    for (sql, needle) in [
        (
            "SELECT seg_lloyd_step('[[0, 0]]', x0) FROM t",
            "1 feature columns for centres of 2 columns",
        ),
        (
            "SELECT seg_lloyd_step('[[0], [1, 2]]', x0) FROM t",
            "same length",
        ),
        ("SELECT seg_lloyd_step('not json', x0) FROM t", "JSON array"),
        ("SELECT seg_nearest('[[1e400]]', x0) FROM t", "JSON array"),
        (
            "SELECT seg_lloyd_step(CAST(x0 AS VARCHAR), x0) FROM t",
            "literal text",
        ),
        (
            "SELECT seg_nearest('[[0]]', CAST(x0 AS VARCHAR)) FROM t",
            "must be numeric",
        ),
        (
            "SELECT seg_lloyd_step('[[0]]', CASE WHEN x0 > 0 THEN x0 END) FROM t",
            "null values",
        ),
    ] {
        let result = match ctx.sql(sql).await {
            Ok(df) => df.collect().await.map(|_| ()),
            Err(e) => Err(e),
        };
        let message = result.expect_err(sql).to_string();
        assert!(message.contains(needle), "{sql}: {message}");
    }
}

#[tokio::test]
async fn both_seedings_find_separated_blobs() {
    let blobs = seg_datasets::Blobs::params(100_000, 8)
        .centres(5)
        .cluster_std(1.5)
        .seed(7)
        .generate()
        .unwrap();
    let ctx = context(4);
    register_rows(&ctx, "t", &blobs.x, 4);
    let cols = names(8);
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    for seeding in [
        Seeding::parallel(),
        Seeding::Sample {
            sample_size: 5_000,
            n_init: 3,
        },
    ] {
        for seed in 0..4 {
            let params = FitParams {
                seeding: seeding.clone(),
                seed,
                ..FitParams::new(5)
            };
            let fit = seg_datafusion::fit(&ctx, "t", &cols, &params)
                .await
                .unwrap();
            println!(
                "{seeding:?} seed {seed}: sizes {:?}, {} passes",
                fit.counts, fit.n_iter
            );
            assert!(
                fit.counts.iter().all(|&c| c.abs_diff(20_000) < 100),
                "{seeding:?}, seed {seed}: {:?}",
                fit.counts
            );
        }
    }
}
