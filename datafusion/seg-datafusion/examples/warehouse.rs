//! The segmentation where the data lives: a week of visits lands as
//! Parquet files, and a data team asks its questions in SQL with the
//! segmentation's functions registered on a DataFusion context.
//!
//! ```sh
//! cargo run --release --example warehouse            # in datafusion/
//! cargo run --release --example warehouse -- DIR     # keep the files in DIR
//! ```

use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use seg_datafusion::{FitParams, OutcomeCell, Seeding};
use seg_datasets::{Blobs, Drift, TrafficSimulator};
use seg_features::{WEB_VISITOR_FIELDS, web_visitor_schema};
use segmentation::pipeline::Segmenter;

/// Variants of the experiment.
const VARIANTS: [&str; 2] = ["control", "green_button"];

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let kept = std::env::args().nth(1);
    let temp = tempfile::tempdir()?;
    let dir = kept.as_deref().map_or(temp.path(), Path::new);
    std::fs::create_dir_all(dir)?;
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(4));
    seg_datafusion::register(&ctx);

    // Last month's visitors train the segmentation, on one machine.
    let month = TrafficSimulator::default_segments()
        .seed(1)
        .simulate(20_000)?;
    let records: Vec<_> = month.iter().map(|v| v.record()).collect();
    let segmentation = Segmenter::new(web_visitor_schema())
        .k_range(2..=8)
        .seed(3)
        .fit(&records)?;
    let model = dir.join("segmentation.json");
    segmentation.save(&model)?;
    println!(
        "Trained on 20,000 visitors: k = {}, saved to {}\n",
        segmentation.k(),
        model.display()
    );

    // This week's visits land in the warehouse as Parquet files, one per
    // day; from day 4 a new traffic source brings 10% of the visitors.
    let visits = dir.join("visits");
    for day in 1..=7 {
        let sim = if day >= 4 {
            TrafficSimulator::default_segments()
                .drift(Drift::new().new_traffic_source("tiktok", 0.1))
        } else {
            TrafficSimulator::default_segments()
        };
        let batch = day_of_visits(sim.seed(100 + day as u64).simulate(3_000)?, day)?;
        ctx.read_batch(batch)?
            .write_parquet(
                visits
                    .join(format!("day={day}.parquet"))
                    .to_str()
                    .ok_or("path")?,
                DataFrameWriteOptions::new(),
                None,
            )
            .await?;
    }
    ctx.register_parquet(
        "visits",
        visits.to_str().ok_or("path")?,
        ParquetReadOptions::default(),
    )
    .await?;
    let m = model.display();
    let fields = field_list();

    println!("1. The segments of the week's visitors:\n");
    let sql = format!(
        "SELECT seg_segment('{m}', {fields}) AS segment, count(*) AS visitors FROM visits GROUP BY 1 ORDER BY 1"
    );
    println!("{sql}\n");
    ctx.sql(&sql).await?.show().await?;

    println!("\n2. Conversions per segment × variant, as bandit evidence and SRM checks:\n");
    let sql = format!(
        "SELECT seg_segment('{m}', {fields}) AS segment, variant, seg_outcome(converted) AS outcome \
         FROM visits GROUP BY 1, 2 ORDER BY 1, 2"
    );
    println!("{sql}\n");
    let cells = OutcomeCell::from_batches(&ctx.sql(&sql).await?.collect().await?)?;
    for cell in &cells {
        let batch = cell.to_bandit_batch(1_700_000_000)?;
        println!(
            "segment {} {:<13} {:>5} visitors, {:>4} conversions ({:.2}%) → Beta evidence +{}/+{}",
            cell.segment,
            cell.variant,
            cell.n,
            cell.sum,
            100.0 * cell.mean.unwrap_or(0.0),
            batch.successes(),
            batch.failures()
        );
    }
    let mut segments: Vec<&str> = cells.iter().map(|c| c.segment.as_str()).collect();
    segments.dedup();
    for segment in segments {
        let counts = OutcomeCell::counts(&cells, segment, &VARIANTS);
        let srm = seg_power::srm_test(&counts, &[1.0, 1.0])?;
        println!(
            "segment {segment}: split {counts:?}, SRM p = {:.3}{}",
            srm.p_value,
            if srm.mismatch { " (mismatch!)" } else { "" }
        );
    }

    println!("\n3. This week's drift against the model (days 4 to 7):\n");
    let sql = format!("SELECT seg_drift('{m}', {fields}) AS drift FROM visits WHERE day >= 4");
    println!("{sql}\n");
    let batches = ctx.sql(&sql).await?.collect().await?;
    let text = datafusion::arrow::array::AsArray::as_string::<i32>(batches[0].column(0))
        .value(0)
        .to_string();
    let drift: serde_json::Value = serde_json::from_str(&text)?;
    println!(
        "level {}, score {:.3}",
        drift["level"],
        drift["score"].as_f64().unwrap_or(f64::NAN)
    );
    for field in drift["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["significant"] == true)
    {
        let new: Vec<String> = field["new_categories"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{} at {:.1}%",
                    c["value"],
                    100.0 * c["share"].as_f64().unwrap_or(0.0)
                )
            })
            .collect();
        println!(
            "field {}: PSI {:.3}, new categories: {}",
            field["name"],
            field["test"]["psi"].as_f64().unwrap_or(f64::NAN),
            new.join(", ")
        );
    }

    println!(
        "\n4. k-means over a numeric feature table: k chosen on a sample, fitted by k-means|| and Lloyd passes in SQL:\n"
    );
    let blobs = Blobs::params(200_000, 8)
        .centres(5)
        .cluster_std(1.5)
        .seed(7)
        .generate()?;
    let names: Vec<String> = (0..8).map(|j| format!("f{j}")).collect();
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(n, DataType::Float64, false))
            .collect::<Vec<_>>(),
    ));
    let columns: Vec<ArrayRef> = blobs
        .x
        .columns()
        .into_iter()
        .map(|c| Arc::new(datafusion::arrow::array::Float64Array::from(c.to_vec())) as ArrayRef)
        .collect();
    let features = dir.join("features.parquet");
    ctx.read_batch(RecordBatch::try_new(schema, columns)?)?
        .write_parquet(
            features.to_str().ok_or("path")?,
            DataFrameWriteOptions::new(),
            None,
        )
        .await?;
    ctx.register_parquet(
        "features",
        features.to_str().ok_or("path")?,
        ParquetReadOptions::default(),
    )
    .await?;
    let cols: Vec<&str> = names.iter().map(String::as_str).collect();
    let auto = seg_datafusion::choose_k(
        &ctx,
        "features",
        &cols,
        20_000,
        1,
        &seg_cluster::AutoK::params(),
    )
    .await?;
    println!("{}", auto.selection().reason);
    let k = auto.selection().k;
    let fit = seg_datafusion::fit(
        &ctx,
        "features",
        &cols,
        &FitParams {
            seeding: Seeding::parallel(),
            ..FitParams::new(k)
        },
    )
    .await?;
    println!(
        "k = {k} over {} rows: {} seeding queries, {} Lloyd passes (converged: {}), inertia {:.1}, sizes {:?}",
        fit.n_rows, fit.seeding_queries, fit.n_iter, fit.converged, fit.inertia, fit.counts
    );
    Ok(())
}

/// The schema's fields as SQL column names.
fn field_list() -> String {
    WEB_VISITOR_FIELDS
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A day of visits: the raw fields, the variant shown, the conversion and
/// the day.
fn day_of_visits(
    visitors: Vec<seg_datasets::SimulatedVisitor>,
    day: i32,
) -> Result<RecordBatch, Box<dyn Error>> {
    let records: Vec<_> = visitors.iter().map(|v| v.record()).collect();
    let base = seg_datafusion::record_batch(&web_visitor_schema(), &records)?;
    let variant: StringArray = visitors
        .iter()
        .map(|v| Some(VARIANTS[v.variant % 2]))
        .collect();
    let converted: BooleanArray = visitors.iter().map(|v| Some(v.converted)).collect();
    let days = Int32Array::from(vec![day; visitors.len()]);
    let mut fields: Vec<Field> = base
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend([
        Field::new("variant", DataType::Utf8, false),
        Field::new("converted", DataType::Boolean, false),
        Field::new("day", DataType::Int32, false),
    ]);
    let mut columns = base.columns().to_vec();
    columns.extend([
        Arc::new(variant) as ArrayRef,
        Arc::new(converted),
        Arc::new(days),
    ]);
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}
