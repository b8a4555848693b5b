//! Hostile inputs for loaders, in the style of a fuzzer.
//!
//! [`hostile_json`] starts from a valid saved artifact and yields either
//! arbitrary bytes or the artifact after a few structured mutations: numbers
//! replaced by 0, −1, ±1e308, 1e-320, 2^53 + 1, −0 and more; arrays emptied,
//! shortened, lengthened or reordered; keys removed or added; values
//! replaced by null, strings, booleans or objects; `format` and
//! `format_version` changed; the text truncated. A loader under test must
//! return an error or a value that then works without panicking.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Number, Value};

/// One step of a path into a JSON document.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    At(usize),
}

fn paths(v: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                prefix.push(Step::Key(k.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::At(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(mut v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    for step in path {
        v = match step {
            Step::Key(k) => &mut v[k.as_str()],
            Step::At(i) => &mut v[*i],
        };
    }
    v
}

/// Numbers that break careless loaders.
const NASTY: [f64; 10] = [
    0.0,
    -1.0,
    1e308,
    -1e308,
    1e-320,
    9_007_199_254_740_993.0,
    -0.0,
    0.5,
    1.0,
    1e15,
];

fn number(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Applies mutation `kind` (any `u8`) at `node`, using `extra` for choices.
fn mutate(node: &mut Value, kind: u8, extra: usize) {
    match kind % 12 {
        0 | 1 => *node = number(NASTY[extra % NASTY.len()]),
        2 => *node = Value::from(u64::MAX - (extra as u64 % 3)),
        3 => *node = Value::from(-((extra % 1000) as i64) - 1),
        4 => match node {
            Value::Array(items) => items.clear(),
            Value::Object(map) => map.clear(),
            other => *other = Value::Array(Vec::new()),
        },
        5 => match node {
            Value::Array(items) if !items.is_empty() => {
                items.remove(extra % items.len());
            }
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(extra % map.len()).cloned();
                if let Some(key) = key {
                    map.remove(&key);
                }
            }
            other => *other = Value::Null,
        },
        6 => match node {
            Value::Array(items) if !items.is_empty() => {
                let copy = items[extra % items.len()].clone();
                items.push(copy);
            }
            Value::Array(items) => items.push(number(1.0)),
            Value::Object(map) => {
                map.insert("unexpected".into(), number(1.0));
            }
            other => *other = Value::Array(vec![other.clone(), other.clone()]),
        },
        7 => match node {
            Value::Array(items) if items.len() > 1 => {
                let n = items.len();
                items.swap(extra % n, (extra / n + 1) % n);
            }
            other => *other = Value::Bool(extra.is_multiple_of(2)),
        },
        8 => *node = Value::Null,
        9 => *node = Value::String(["", "x", "NaN", "inf", "-1", "\u{0}", "seg"][extra % 7].into()),
        10 => {
            if let Value::Object(map) = node {
                if map.contains_key("format") {
                    map.insert("format".into(), Value::String("other-format".into()));
                }
                if map.contains_key("format_version") {
                    map.insert(
                        "format_version".into(),
                        Value::from([0u64, 2, 999][extra % 3]),
                    );
                }
            } else {
                *node = Value::Object(Default::default());
            }
        }
        _ => {
            if let Value::Array(items) = node {
                // A long array: loaders must not trust lengths they were given.
                let fill = items.first().cloned().unwrap_or_else(|| number(0.0));
                items.extend(std::iter::repeat_n(fill, 1 + extra % 64));
            } else {
                *node = number(f64::from(extra as u32) * 1e-3);
            }
        }
    }
}

/// Applies `steps` mutations (node chosen by index, kind, extra choice) to
/// a copy of `valid`, then serialises it, truncated when `cut` says so.
fn apply(valid: &Value, steps: &[(Index, u8, usize)], cut: Option<Index>) -> String {
    let mut doc = valid.clone();
    for (at, kind, extra) in steps {
        let mut all = Vec::new();
        paths(&doc, &mut Vec::new(), &mut all);
        let path = &all[at.index(all.len())];
        mutate(node_mut(&mut doc, path), *kind, *extra);
    }
    let text = doc.to_string();
    match cut {
        Some(at) if !text.is_empty() => {
            let mut end = at.index(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_string()
        }
        _ => text,
    }
}

/// Cases per fuzz-style property: 2,000 in the test suite, or the number
/// in `PROPTEST_CASES` for a long run outside it (a fixed
/// `ProptestConfig::with_cases(n)` would ignore that variable).
pub fn hostile_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// Hostile texts derived from the valid artifact `valid`: arbitrary bytes
/// (read as UTF-8, lossily) one time in eight, otherwise one to four
/// structured mutations, truncated one time in eight.
pub fn hostile_json(valid: Value) -> impl Strategy<Value = String> {
    let mutated = (
        prop::collection::vec((any::<Index>(), any::<u8>(), any::<usize>()), 1..=4),
        prop::option::weighted(0.125, any::<Index>()),
    )
        .prop_map(move |(steps, cut)| apply(&valid, &steps, cut));
    let bytes = prop::collection::vec(any::<u8>(), 0..256)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned());
    prop_oneof![1 => bytes, 7 => mutated]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn mutations_change_the_document_and_stay_text() {
        let valid = serde_json::json!({
            "format": "seg-test", "format_version": 1,
            "values": [1.0, 2.0, 3.0], "nested": {"k": 2}
        });
        let original = valid.to_string();
        let mut runner = TestRunner::deterministic();
        let strategy = hostile_json(valid);
        let mut changed = 0;
        for _ in 0..500 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            if text != original {
                changed += 1;
            }
        }
        assert!(changed > 450, "only {changed} of 500 texts were mutated");
    }
}
