//! With the `parallel` feature, fits are bit for bit the same on rayon
//! pools of 1 and 2 threads (partial sums are merged in a fixed order).
#![cfg(feature = "parallel")]

mod common;

use common::blobs;
use seg_cluster::*;

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

#[test]
fn fits_are_identical_on_one_and_two_threads() {
    let x = blobs(3 * PartialSums::CHUNK_ROWS + 500, 6, 5, 8.0, 21);
    for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
        for init in [Init::KMeansPlusPlus, Init::Random] {
            let fit = || {
                KMeans::params(5)
                    .init(init.clone())
                    .n_init(2)
                    .algorithm(algorithm)
                    .seed(3)
                    .fit(x.view())
                    .unwrap()
            };
            let (one, two) = (on_threads(1, fit), on_threads(2, fit));
            assert_eq!(one, two, "{algorithm:?} {init:?}");
        }
    }
    let mini = || {
        MiniBatchKMeans::params(5)
            .batch_size(256)
            .max_steps(50)
            .seed(4)
            .fit(x.view())
            .unwrap()
    };
    assert_eq!(on_threads(1, mini), on_threads(2, mini));
    let model = on_threads(1, || KMeans::params(5).fit(x.view()).unwrap());
    assert_eq!(
        on_threads(1, || model.predict(x.view()).unwrap()),
        on_threads(2, || model.predict(x.view()).unwrap())
    );
}
