//! The SVG charts of the walk-through (plotters' SVG backend, no fonts:
//! text is written as SVG text and laid out by the viewer).

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::error::DemoError;

const SIZE: (u32, u32) = (900, 520);
const FONT: &str = "sans-serif";
const CONTROL: RGBColor = RGBColor(120, 144, 156);
const TREATMENT: RGBColor = RGBColor(230, 126, 34);
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A drawing error as [`DemoError::Chart`] naming the file.
fn failed<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> DemoError + use<E> {
    let path = path.to_path_buf();
    move |e| DemoError::Chart {
        path: path.clone(),
        reason: e.to_string(),
    }
}

/// Silhouette and Davies-Bouldin index by k, the chosen k marked.
pub(super) fn scores_by_k(
    dir: &Path,
    scores: &[(usize, f64, f64)],
    chosen: usize,
) -> Result<PathBuf, DemoError> {
    let path = dir.join("scores-by-k.svg");
    let err = failed(&path);
    let root = SVGBackend::new(&path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let lo = scores.iter().map(|s| s.0).min().unwrap_or(2) as f64 - 0.5;
    let hi = scores.iter().map(|s| s.0).max().unwrap_or(8) as f64 + 0.5;
    let top = scores.iter().map(|s| s.1.max(s.2)).fold(1.0f64, f64::max) * 1.35;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Choosing k: silhouette (higher is better) and Davies-Bouldin (lower is better); k = {chosen} chosen"),
            (FONT, 18),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(lo..hi, 0.0..top)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc("k (number of segments)")
        .y_desc("score")
        .x_labels(scores.len())
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()
        .map_err(&err)?;
    let chosen_x = chosen as f64;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(chosen_x - 0.3, 0.0), (chosen_x + 0.3, top)],
            RGBColor(255, 235, 160).filled(),
        )))
        .map_err(&err)?;
    type Pick = fn(&(usize, f64, f64)) -> f64;
    let series: [(&str, RGBColor, Pick); 2] = [
        ("silhouette", color(0), |s| s.1),
        ("Davies-Bouldin", color(3), |s| s.2),
    ];
    for (name, c, value) in series {
        let points: Vec<(f64, f64)> = scores.iter().map(|s| (s.0 as f64, value(s))).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))
            .map_err(&err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled())))
            .map_err(&err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(&err)?;
    root.present().map_err(&err)?;
    Ok(dir.join("scores-by-k.svg"))
}

/// One bar group per segment: conversion under control and treatment (%),
/// the segment's share in its label.
pub(super) fn segments(dir: &Path, rows: &[(String, f64, f64, f64)]) -> Result<PathBuf, DemoError> {
    let path = dir.join("segments.svg");
    let err = failed(&path);
    let root = SVGBackend::new(&path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let top = rows.iter().map(|r| r.2.max(r.3)).fold(0.01f64, f64::max) * 100.0 * 1.3;
    let n = rows.len();
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} ({:.0}%)", r.0, 100.0 * r.1))
        .collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Segments: share of visitors and conversion by variant during the experiment",
            (FONT, 18),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..top)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("segment (share of visitors)")
        .y_desc("conversion, %")
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(&err)?;
    for (variant, c, offset) in [("control", CONTROL, -0.36), ("treatment", TREATMENT, 0.0)] {
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let y = 100.0 * if variant == "control" { r.2 } else { r.3 };
                let x = i as f64 + offset;
                Rectangle::new([(x, 0.0), (x + 0.34, y)], c.filled())
            }))
            .map_err(&err)?
            .label(variant)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(&err)?;
    root.present().map_err(&err)?;
    Ok(dir.join("segments.svg"))
}

/// The treatment's allocation probability per day, one line per segment.
pub(super) fn allocation(dir: &Path, series: &[(String, Vec<f64>)]) -> Result<PathBuf, DemoError> {
    let path = dir.join("allocation.svg");
    let err = failed(&path);
    let root = SVGBackend::new(&path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let days = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(2);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Thompson sampling: share of each segment's visitors sent to the treatment, by day",
            (FONT, 18),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(55)
        // Room on the right for the legend.
        .build_cartesian_2d(1.0..days as f64 * 1.2, 0.0..1.0)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_label_formatter(&|x| {
            if *x <= days as f64 {
                format!("{x:.0}")
            } else {
                String::new()
            }
        })
        .x_desc("day")
        .y_desc("treatment allocation")
        .draw()
        .map_err(&err)?;
    for (i, (name, values)) in series.iter().enumerate() {
        let c = color(i);
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .map(|(d, &p)| ((d + 1) as f64, p))
            .collect();
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))
            .map_err(&err)?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::MiddleRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()
        .map_err(&err)?;
    root.present().map_err(&err)?;
    Ok(dir.join("allocation.svg"))
}

/// PSI per feature on traffic like the training month and after the
/// shift, as horizontal bars, with the 0.1 and 0.25 bands.
pub(super) fn drift_psi(dir: &Path, features: &[(String, f64, f64)]) -> Result<PathBuf, DemoError> {
    let path = dir.join("drift-psi.svg");
    let err = failed(&path);
    let root = SVGBackend::new(
        &path,
        (SIZE.0, SIZE.1.max(30 * features.len() as u32 + 140)),
    )
    .into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let n = features.len();
    let top = features.iter().map(|f| f.1.max(f.2)).fold(0.3f64, f64::max) * 1.1;
    let names: Vec<String> = features.iter().map(|f| f.0.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Drift: PSI per feature, a week like the training month against the week after the shift",
            (FONT, 18),
        )
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(190)
        .build_cartesian_2d(0.0..top, -0.5..(n as f64 - 0.5))
        .map_err(&err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("population stability index (0.1: moderate, 0.25: significant)")
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 {
                names.get(n - 1 - i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(&err)?;
    for band in [0.1, 0.25] {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(band, -0.5), (band, n as f64 - 0.5)],
                RGBColor(200, 0, 0).stroke_width(1),
            )))
            .map_err(&err)?;
    }
    for (label, c, pick, offset) in [
        ("before the shift", CONTROL, 0usize, 0.02),
        ("after the shift", TREATMENT, 1usize, -0.38),
    ] {
        chart
            .draw_series(features.iter().enumerate().map(|(i, f)| {
                let y = (n - 1 - i) as f64 + offset;
                let v = if pick == 0 { f.1 } else { f.2 };
                Rectangle::new([(0.0, y), (v, y + 0.36)], c.filled())
            }))
            .map_err(&err)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(&err)?;
    root.present().map_err(&err)?;
    Ok(dir.join("drift-psi.svg"))
}
