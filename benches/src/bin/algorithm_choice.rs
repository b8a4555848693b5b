//! The measurement behind `Algorithm::Auto`: median time of whole
//! k-means++ fits (seed 0, one start) with Lloyd and with Hamerly on
//! overlapping blobs whose fits take many iterations, over k and d.
//!
//! ```sh
//! cargo run --release -p segmentation-benches --features segmentation/parallel --bin algorithm_choice
//! ```

use std::time::Instant;

use segmentation::cluster::{Algorithm, KMeans};
use segmentation_benches::blobs_with_spread;

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("n, d, k, spread: iterations, Lloyd ms, Hamerly ms, Hamerly / Lloyd");
    let n = 100_000;
    for d in [2, 8, 20, 50] {
        for k in [4, 8, 16, 32, 64] {
            // Spread grows with sqrt(d) so that clusters overlap alike.
            let spread = 1.8 * (d as f64).sqrt();
            let (x, _) = blobs_with_spread(n, d, k, spread);
            let fit = |algorithm| {
                KMeans::params(k)
                    .seed(0)
                    .algorithm(algorithm)
                    .fit(x.view())
                    .expect("fit")
            };
            let iterations = fit(Algorithm::Lloyd).n_iter();
            let lloyd = median_ms(|| drop(fit(Algorithm::Lloyd)));
            let hamerly = median_ms(|| drop(fit(Algorithm::Hamerly)));
            println!(
                "{n}, {d}, {k}, {spread:.1}: {iterations}, {lloyd:.2}, {hamerly:.2}, {:.2}",
                hamerly / lloyd
            );
        }
    }
    Ok(())
}
