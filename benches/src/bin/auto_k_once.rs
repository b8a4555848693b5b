//! One timed run of `AutoK` (k in 2..=8, defaults) on the data of the
//! `auto_k` bench (1,000,000 × 20 blobs of spread 1.5, 6 true clusters),
//! printing the per-k table, the chosen k and the time, for a side-by-side
//! run with `compare/auto_k_sklearn.py` under `/usr/bin/time -v` (peak
//! memory):
//!
//! ```sh
//! cargo build --release -p segmentation-benches --features segmentation/parallel --bin auto_k_once
//! /usr/bin/time -v target/release/auto_k_once
//! (cd benches/compare && /usr/bin/time -v python auto_k_sklearn.py --threads 2)
//! ```

use std::time::Instant;

use segmentation::cluster::AutoK;
use segmentation_benches::blobs_with_spread;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (n, d, k) = (1_000_000, 20, 6);
    let (x, _) = blobs_with_spread(n, d, k, 1.5);
    println!(
        "data {n} x {d} ({:.0} MB), true k {k}, spread 1.5",
        (n * d * 8) as f64 / 1e6
    );
    let start = Instant::now();
    let fit = AutoK::params().fit(x.view())?;
    let seconds = start.elapsed().as_secs_f64();
    for s in &fit.selection().scores {
        println!(
            "  k={}: silhouette {:.4}  DB {:.4}  CH {:.1}  inertia {:.6e}  smallest share {:.3}  stability {:.3}",
            s.k,
            s.silhouette,
            s.davies_bouldin,
            s.calinski_harabasz,
            s.inertia,
            s.min_cluster_share,
            s.stability
        );
    }
    println!("reason: {}", fit.selection().reason);
    println!(
        "auto_k n{n}_d{d}: chosen k {}, {seconds:.3} s, final inertia {:.6e}",
        fit.selection().k,
        fit.model().inertia()
    );
    Ok(())
}
