//! The main example: the whole system on simulated e-commerce traffic.
//!
//! One month of the seed's first case (50,000 visitors a month, 2.5%
//! conversion) from the traffic simulator, then seven steps: the
//! features, the choice of k, the segments in original units, the quality
//! gate, an experiment plan per segment with honest numbers, a simulated
//! experiment with per-segment Thompson sampling (state in SQLite, SRM and
//! a sequential test at each daily look), and a traffic shift that is
//! detected and retrained into a new version. Charts (SVG) are written to
//! a folder named at the end.
//!
//! ```text
//! cargo run --release --example ecommerce
//! cargo run --release --example ecommerce -- --seed 7 --charts my-charts
//! ```

use std::error::Error;
use std::path::PathBuf;

use seg_demo::{DemoOptions, run};

fn main() -> Result<(), Box<dyn Error>> {
    let mut seed = 1;
    let mut charts = std::env::temp_dir().join("segmentation-ecommerce-charts");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = args.next().ok_or("--seed needs a number")?.parse()?,
            "--charts" => charts = PathBuf::from(args.next().ok_or("--charts needs a folder")?),
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: ecommerce [--seed N] [--charts FOLDER]"
                )
                .into());
            }
        }
    }
    let options = DemoOptions::new(seed).charts(&charts);
    let mut out = std::io::stdout().lock();
    let summary = run(&options, &mut out)?;
    println!(
        "\nOpen the charts in a browser: {}",
        summary
            .charts
            .first()
            .and_then(|p| p.parent())
            .unwrap_or(&charts)
            .display()
    );
    Ok(())
}
