//! Record counts: shards of raw records counted apart and merged give the
//! batch report's fields and verdict; hostile counts do not load; a bad
//! merge changes nothing.

#![cfg(all(feature = "pipeline", feature = "datasets"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use segmentation::cluster::Window;
use segmentation::datasets::{Drift, TrafficSimulator};
use segmentation::features::{Value, web_visitor_schema};
use segmentation::pipeline::{RecordCounts, Segmentation, Segmenter};

type Record = [Value<'static>; 11];

fn visitors(sim: TrafficSimulator, seed: u64, n: usize) -> Vec<Record> {
    sim.seed(seed)
        .simulate(n)
        .unwrap()
        .iter()
        .map(|v| v.record())
        .collect()
}

fn fitted() -> Segmentation {
    Segmenter::new(web_visitor_schema())
        .k(4)
        .seed(3)
        .fit(&visitors(TrafficSimulator::default_segments(), 1, 3_000))
        .unwrap()
}

#[test]
fn shards_merged_give_the_batch_fields_and_verdict() {
    let s = fitted();
    let batch = visitors(
        TrafficSimulator::default_segments().drift(Drift::tiktok()),
        2,
        3_000,
    );
    let window = Window::Tumbling { size: batch.len() };
    let mut merged = s.monitor(window).unwrap();
    for shard in batch.chunks(1_100) {
        let mut part = s.monitor(window).unwrap();
        shard.iter().for_each(|r| part.push(r).unwrap());
        let shipped: RecordCounts =
            serde_json::from_str(&serde_json::to_string(&part.counts().unwrap()).unwrap()).unwrap();
        merged.merge_counts(&shipped).unwrap();
    }
    let (got, want) = (merged.report().unwrap(), s.drift(&batch).unwrap());
    assert_eq!(got.fields, want.fields);
    assert_eq!((got.score, got.level), (want.score, want.level));
    assert!(got.fields.iter().any(|f| {
        f.new_categories
            .first()
            .is_some_and(|c| c.value == "tiktok")
    }));
}

#[test]
fn hostile_counts_do_not_load_and_bad_merges_change_nothing() {
    let s = fitted();
    let records = visitors(TrafficSimulator::default_segments(), 3, 10);
    let mut m = s.monitor(Window::Tumbling { size: 10 }).unwrap();
    m.push(&records[0]).unwrap();
    let good = serde_json::to_value(m.counts().unwrap()).unwrap();
    assert!(serde_json::from_value::<RecordCounts>(good.clone()).is_ok());
    let mut v = good.clone();
    v["fields"]["rows"] = 2.into();
    assert!(
        serde_json::from_value::<RecordCounts>(v).is_err(),
        "fields and segments count other rows"
    );
    let mut v = good.clone();
    v["fields"]["missing"] = serde_json::json!([1]);
    assert!(
        serde_json::from_value::<RecordCounts>(v).is_err(),
        "one entry per field"
    );
    let mut v = good.clone();
    v["fields"]["counts"][0][0] = (-1.0).into();
    assert!(
        serde_json::from_value::<RecordCounts>(v).is_err(),
        "a negative count"
    );
    let mut v = good.clone();
    v["fields"] = serde_json::Value::Null;
    let without_fields: RecordCounts = serde_json::from_value(v).unwrap();
    let before = m.counts().unwrap();
    assert!(
        m.merge_counts(&without_fields).is_err(),
        "raw fields on one side only"
    );
    let mut full = s.monitor(Window::Tumbling { size: 10 }).unwrap();
    records.iter().for_each(|r| full.push(r).unwrap());
    assert!(
        m.merge_counts(&full.counts().unwrap()).is_err(),
        "11 records in a window of 10"
    );
    assert_eq!(m.counts().unwrap(), before);
}
