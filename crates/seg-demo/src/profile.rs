//! Segments described in original units: what sets each one apart.

use std::collections::BTreeMap;

use segmentation::features::{FieldKind, Schema, Value};

/// One trait of a segment: a sentence and how far it is from the overall
/// population (larger sets the segment further apart).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Trait {
    pub text: String,
    pub score: f64,
}

/// A segment's size and the traits that set it apart, strongest first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    pub size: usize,
    pub share: f64,
    pub traits: Vec<Trait>,
}

/// A number as a person writes it: no more digits than it deserves.
pub(crate) fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The `q` quantile of sorted values (linear interpolation); 0 when empty.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n => {
            let h = q * (n - 1) as f64;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            let (a, b) = (sorted[lo.min(n - 1)], sorted[hi.min(n - 1)]);
            a + (b - a) * (h - lo as f64)
        }
    }
}

/// The profiles of `k` segments of `records` (labelled by `labels`), one
/// trait per numeric, categorical or boolean field (cyclic fields are
/// left out), strongest first:
///
/// - numeric: the segment's median against the overall median, scored by
///   their difference over the overall interquartile range;
/// - categorical: the category whose share rises most in the segment,
///   with both shares, scored by twice the rise;
/// - boolean: the share of `true` in the segment and overall, scored by
///   twice the difference.
pub(crate) fn profiles<R: AsRef<[Value<'static>]>>(
    schema: &Schema,
    records: &[R],
    labels: &[usize],
    k: usize,
) -> Vec<Profile> {
    let n = records.len().max(1);
    let mut sizes = vec![0usize; k];
    for &l in labels {
        if let Some(s) = sizes.get_mut(l) {
            *s += 1;
        }
    }
    let mut traits: Vec<Vec<Trait>> = vec![Vec::new(); k];
    for (f, field) in schema.fields().iter().enumerate() {
        let name = field.name();
        let values = records.iter().map(|r| r.as_ref().get(f));
        match field.kind() {
            FieldKind::Numeric(_) => {
                let mut all = Vec::new();
                let mut per: Vec<Vec<f64>> = vec![Vec::new(); k];
                for (v, &l) in values.zip(labels) {
                    if let Some(Value::Number(x)) = v {
                        all.push(*x);
                        if let Some(p) = per.get_mut(l) {
                            p.push(*x);
                        }
                    }
                }
                all.sort_by(f64::total_cmp);
                let median = quantile(&all, 0.5);
                let iqr = quantile(&all, 0.75) - quantile(&all, 0.25);
                let spread = if iqr > 0.0 { iqr } else { 1.0 };
                for (s, mut xs) in per.into_iter().enumerate() {
                    xs.sort_by(f64::total_cmp);
                    let m = quantile(&xs, 0.5);
                    traits[s].push(Trait {
                        text: format!("{name} {} (overall median {})", number(m), number(median)),
                        score: (m - median).abs() / spread,
                    });
                }
            }
            FieldKind::Categorical(_) => {
                let mut all: BTreeMap<&str, usize> = BTreeMap::new();
                let mut per: Vec<BTreeMap<&str, usize>> = vec![BTreeMap::new(); k];
                for (v, &l) in values.zip(labels) {
                    let text = match v {
                        Some(Value::Text(t)) => t.as_ref(),
                        _ => "<missing>",
                    };
                    *all.entry(text).or_default() += 1;
                    if let Some(p) = per.get_mut(l) {
                        *p.entry(text).or_default() += 1;
                    }
                }
                for (s, counts) in per.iter().enumerate() {
                    let size = sizes[s].max(1) as f64;
                    let best = counts
                        .iter()
                        .map(|(c, &m)| {
                            let overall = all.get(c).copied().unwrap_or(0) as f64 / n as f64;
                            (*c, m as f64 / size, overall)
                        })
                        .max_by(|a, b| (a.1 - a.2).total_cmp(&(b.1 - b.2)));
                    if let Some((c, share, overall)) = best {
                        traits[s].push(Trait {
                            text: format!(
                                "{name}={c} {:.0}% (overall {:.0}%)",
                                100.0 * share,
                                100.0 * overall
                            ),
                            score: 2.0 * (share - overall),
                        });
                    }
                }
            }
            FieldKind::Boolean => {
                let mut all = 0usize;
                let mut per = vec![0usize; k];
                for (v, &l) in values.zip(labels) {
                    if let Some(Value::Bool(true)) = v {
                        all += 1;
                        if let Some(p) = per.get_mut(l) {
                            *p += 1;
                        }
                    }
                }
                let overall = all as f64 / n as f64;
                for (s, &t) in per.iter().enumerate() {
                    let share = t as f64 / sizes[s].max(1) as f64;
                    traits[s].push(Trait {
                        text: format!(
                            "{name} {:.0}% (overall {:.0}%)",
                            100.0 * share,
                            100.0 * overall
                        ),
                        score: 2.0 * (share - overall).abs(),
                    });
                }
            }
            _ => {}
        }
    }
    traits
        .into_iter()
        .zip(sizes)
        .map(|(mut t, size)| {
            t.sort_by(|a, b| b.score.total_cmp(&a.score));
            Profile {
                size,
                share: size as f64 / n as f64,
                traits: t,
            }
        })
        .collect()
}
