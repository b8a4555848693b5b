//! Simulated web traffic with planted segments.
//!
//! Simulates 100,000 visitors of the five default segments with an A/B test
//! running, prints a sample of them with their true segment, the share and
//! per-variant conversion rate of every segment, the 20 features of the
//! web-visitor transform for the sample, what a drift does to the traffic
//! sources, and how long 1,000,000 visitors take to simulate.
//!
//! ```text
//! cargo run --release --example simulate
//! ```

use std::error::Error;
use std::time::Instant;

use segmentation::datasets::{SimulatedVisitor, TrafficSimulator};
use segmentation::features::web_visitor_schema;

const N: usize = 100_000;
const SEED: u64 = 2024;
const SAMPLE: usize = 8;

fn main() -> Result<(), Box<dyn Error>> {
    let sim = TrafficSimulator::default_segments().seed(SEED);
    let visitors = sim.simulate(N)?;
    let names: Vec<&str> = sim.segments().iter().map(|s| s.name.as_str()).collect();
    let variants = sim.variant_names();

    println!("{N} simulated visitors (seed {SEED}); the first {SAMPLE}:\n");
    print_sample(&visitors[..SAMPLE], &names, variants);

    println!("\nSegments: configured and observed share, conversion per variant (configured)\n");
    print_segments(&sim, &visitors, &names)?;

    let records: Vec<_> = visitors.iter().map(SimulatedVisitor::record).collect();
    let transformer = web_visitor_schema().fit(&records)?;
    let x = transformer.transform(&records[..SAMPLE])?;
    println!(
        "\nweb_visitor_schema(): {} features, for the sample (columns are visitors):\n",
        transformer.n_features()
    );
    print!("{:<28}", "feature");
    for i in 0..SAMPLE {
        print!("{i:>6}");
    }
    println!();
    for (j, name) in transformer.feature_names().iter().enumerate() {
        print!("{name:<28}");
        for i in 0..SAMPLE {
            print!("{:>6.2}", x[[i, j]]);
        }
        println!();
    }

    // Drift: a new traffic source shows up as `traffic_source=<other>`.
    let other = transformer.columns_of("traffic_source")?.end - 1;
    let drifted = sim.clone().drifted().simulate(N)?;
    let drifted: Vec<_> = drifted.iter().map(SimulatedVisitor::record).collect();
    let before = transformer.transform(&records)?.column(other).sum() / N as f64;
    let after = transformer.transform(&drifted)?.column(other).sum() / N as f64;
    println!(
        "\nDrift (a new source `tiktok`, shifted shares): {} {:.1}% -> {:.1}%",
        transformer.feature_names()[other],
        100.0 * before,
        100.0 * after
    );

    let big = 1_000_000;
    let start = Instant::now();
    let many = sim.simulate(big)?;
    let elapsed = start.elapsed();
    let conversions = many.iter().filter(|v| v.converted).count();
    println!(
        "\nSimulated {big} visitors in {:.3} s ({:.0} ns per visitor, {conversions} conversions)",
        elapsed.as_secs_f64(),
        elapsed.as_nanos() as f64 / big as f64
    );
    println!(
        "\nThe whole system on this traffic (segments, experiment plan, bandit, drift, retraining):\n\
         cargo run --release --example ecommerce"
    );
    Ok(())
}

/// The raw fields of a few visitors with their true segment.
fn print_sample(sample: &[SimulatedVisitor], names: &[&str], variants: &[String]) {
    println!(
        "{:>2} {:<17} {:<9} {:<8} {:<8} {:<3} {:<10} {:>4} {:>5} {:>6} {:>6} {:>4} {:>3} {:>3} {:>4}",
        "#",
        "segment",
        "variant",
        "device",
        "browser",
        "cty",
        "source",
        "sess",
        "pages",
        "secs",
        "bounce",
        "hour",
        "day",
        "ret",
        "conv"
    );
    for (i, v) in sample.iter().enumerate() {
        let w = &v.visitor;
        println!(
            "{:>2} {:<17} {:<9} {:<8} {:<8} {:<3} {:<10} {:>4} {:>5.1} {:>6.0} {:>6.2} {:>4} {:>3} {:>3} {:>4}",
            i,
            names[v.segment],
            variants[v.variant],
            w.device,
            w.browser,
            w.country,
            w.traffic_source,
            w.sessions,
            w.pages_per_session,
            w.avg_session_seconds,
            w.bounce_rate,
            w.hour,
            w.weekday,
            if w.returning { "yes" } else { "no" },
            if v.converted { "yes" } else { "no" },
        );
    }
}

/// Share and conversion rate per variant of every segment, observed and
/// configured.
fn print_segments(
    sim: &TrafficSimulator,
    visitors: &[SimulatedVisitor],
    names: &[&str],
) -> Result<(), Box<dyn Error>> {
    let shares = sim.segment_shares()?;
    let n_variants = sim.variant_names().len();
    // counts[segment][variant] = (visitors, conversions)
    let mut counts = vec![vec![(0_usize, 0_usize); n_variants]; names.len()];
    for v in visitors {
        let cell = &mut counts[v.segment][v.variant];
        cell.0 += 1;
        cell.1 += usize::from(v.converted);
    }
    print!("{:<17} {:>6} {:>8}", "segment", "share", "observed");
    for name in sim.variant_names() {
        print!(" {:>18}", format!("conv. {name}"));
    }
    println!();
    for (s, name) in names.iter().enumerate() {
        let n: usize = counts[s].iter().map(|c| c.0).sum();
        print!(
            "{name:<17} {:>5.1}% {:>7.1}%",
            100.0 * shares[s],
            100.0 * n as f64 / visitors.len() as f64
        );
        for (v, &(n, conv)) in counts[s].iter().enumerate() {
            let rate = if n == 0 { 0.0 } else { conv as f64 / n as f64 };
            let configured = sim.segments()[s].conversion[v];
            print!(
                " {:>18}",
                format!("{:.2}% ({:.2}%)", 100.0 * rate, 100.0 * configured)
            );
        }
        println!();
    }
    Ok(())
}
