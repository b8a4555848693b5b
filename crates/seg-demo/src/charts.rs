//! SVG charts (plotters' SVG backend, no fonts: text is written as SVG
//! text and laid out by the viewer).
//!
//! [`scores_by_k`] draws the per-k scores of a choice of k; `seg segment
//! --plot` and the walk-through's `scores-by-k.svg` are both this chart.
//! The walk-through's other charts (`segments.svg`, `allocation.svg`,
//! `drift-psi.svg`) are drawn here too, with one legend style.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordusize;
use plotters::prelude::*;
use segmentation::cluster::KScore;

use crate::error::DemoError;

/// The drawing backend's error.
type DrawError = DrawingAreaErrorKind<std::io::Error>;

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

/// Draws one SVG image of `size` with `draw` on a white background and
/// returns its text; a drawing error becomes [`DemoError::Chart`] naming
/// `chart`.
fn svg(
    chart: &'static str,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), DrawError>,
) -> Result<String, DemoError> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present())
            .map_err(|e| DemoError::Chart {
                chart,
                source: Box::new(e),
            })?;
    }
    Ok(text)
}

/// The legend of a chart's labelled series: a framed, almost opaque box
/// at `position`, labels in `font_size`.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, font_size))
        .draw()
}

/// The legend key of a line series: a short thick line.
fn line_key(c: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
}

/// The legend key of a bar series: a small filled box.
fn box_key(c: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled())
}

/// The per-k scores of a choice of k as an SVG image: four panels
/// (silhouette, Davies-Bouldin, Calinski-Harabasz, inertia) against k,
/// the chosen k as a larger red point. Non-finite scores are left out.
///
/// # Errors
///
/// [`DemoError::Chart`] when the chart cannot be drawn.
///
/// # Example
///
/// ```
/// use seg_demo::charts::scores_by_k;
/// use segmentation::cluster::AutoK;
/// use segmentation::ndarray::Array2;
///
/// // Four groups of 50 points around the corners of a square.
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| {
///     let corner = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)][i % 4];
///     let jitter = ((i * 7 + j * 13) % 11) as f64 * 0.1;
///     if j == 0 { corner.0 + jitter } else { corner.1 + jitter }
/// });
/// let auto = AutoK::params().k_range(2..=6).seed(7).fit(x.view())?;
/// let selection = auto.selection();
/// let svg = scores_by_k(&selection.scores, selection.k)?;
/// assert!(svg.starts_with("<svg"));
/// assert!(svg.contains("Scores per k (chosen k = 4)"));
/// assert!(svg.contains("Davies-Bouldin"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scores_by_k(scores: &[KScore], chosen: usize) -> Result<String, DemoError> {
    type Metric = (&'static str, fn(&KScore) -> f64);
    let metrics: [Metric; 4] = [
        ("silhouette (higher is better)", |s| s.silhouette),
        ("Davies-Bouldin (lower is better)", |s| s.davies_bouldin),
        ("Calinski-Harabasz (higher is better)", |s| {
            s.calinski_harabasz
        }),
        ("inertia", |s| s.inertia),
    ];
    let k_lo = scores.iter().map(|s| s.k).min().unwrap_or(2);
    let k_hi = scores
        .iter()
        .map(|s| s.k)
        .max()
        .unwrap_or(k_lo)
        .max(k_lo + 1);
    svg("scores-by-k", (960, 720), |root| {
        let root = root.titled(&format!("Scores per k (chosen k = {chosen})"), (FONT, 22))?;
        for (panel, (title, value)) in root.split_evenly((2, 2)).iter().zip(metrics) {
            let points: Vec<(usize, f64)> = scores
                .iter()
                .map(|s| (s.k, value(s)))
                .filter(|(_, v)| v.is_finite())
                .collect();
            let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = if lo.is_finite() && hi.is_finite() {
                let pad = ((hi - lo) * 0.1).max(1e-9 * hi.abs().max(1.0));
                (lo - pad, hi + pad)
            } else {
                (0.0, 1.0)
            };
            let mut chart: ChartContext<'_, _, Cartesian2d<RangedCoordusize, _>> =
                ChartBuilder::on(panel)
                    .caption(title, (FONT, 16))
                    .margin(10)
                    .x_label_area_size(30)
                    .y_label_area_size(60)
                    .build_cartesian_2d(k_lo..k_hi, lo..hi)?;
            chart
                .configure_mesh()
                .x_desc("k")
                .x_labels(k_hi - k_lo + 1)
                .draw()?;
            chart.draw_series(LineSeries::new(points.iter().copied(), &color(0)))?;
            chart.draw_series(points.iter().map(|&(k, v)| {
                if k == chosen {
                    Circle::new((k, v), 6, color(3).filled())
                } else {
                    Circle::new((k, v), 3, color(0).filled())
                }
            }))?;
        }
        Ok(())
    })
}

/// One bar group per segment: conversion under control and treatment (%),
/// the segment's share in its label. Rows: name, share, control rate,
/// treatment rate.
pub(crate) fn segments(rows: &[(String, f64, f64, f64)]) -> Result<String, DemoError> {
    let top = rows.iter().map(|r| r.2.max(r.3)).fold(0.01f64, f64::max) * 100.0 * 1.3;
    let n = rows.len();
    let labels: Vec<String> = rows
        .iter()
        .map(|r| format!("{} ({:.0}%)", r.0, 100.0 * r.1))
        .collect();
    svg("segments", SIZE, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Segments: share of visitors and conversion by variant during the experiment",
                (FONT, 18),
            )
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..top)?;
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
            .draw()?;
        for (variant, c, offset) in [("control", CONTROL, -0.36), ("treatment", TREATMENT, 0.0)] {
            chart
                .draw_series(rows.iter().enumerate().map(|(i, r)| {
                    let y = 100.0 * if variant == "control" { r.2 } else { r.3 };
                    let x = i as f64 + offset;
                    Rectangle::new([(x, 0.0), (x + 0.34, y)], c.filled())
                }))?
                .label(variant)
                .legend(box_key(c));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 14)
    })
}

/// The treatment's allocation probability per day, one line per segment.
pub(crate) fn allocation(series: &[(String, Vec<f64>)]) -> Result<String, DemoError> {
    let days = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(2);
    svg("allocation", SIZE, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Thompson sampling: share of each segment's visitors sent to the treatment, by day",
                (FONT, 18),
            )
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(55)
            // Room on the right for the legend.
            .build_cartesian_2d(1.0..days as f64 * 1.2, 0.0..1.0)?;
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
            .draw()?;
        for (i, (name, values)) in series.iter().enumerate() {
            let c = color(i);
            let points: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .map(|(d, &p)| ((d + 1) as f64, p))
                .collect();
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(2)))?
                .label(name.as_str())
                .legend(line_key(c));
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight, 13)
    })
}

/// PSI per feature on traffic like the training month and after the
/// shift, as horizontal bars, with the 0.1 and 0.25 bands. Rows: feature,
/// PSI before, PSI after.
pub(crate) fn drift_psi(features: &[(String, f64, f64)]) -> Result<String, DemoError> {
    let n = features.len();
    let top = features.iter().map(|f| f.1.max(f.2)).fold(0.3f64, f64::max) * 1.1;
    let names: Vec<String> = features.iter().map(|f| f.0.clone()).collect();
    let size = (SIZE.0, SIZE.1.max(30 * n as u32 + 140));
    svg("drift-psi", size, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Drift: PSI per feature, a week like the training month against the week after the shift",
                (FONT, 18),
            )
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(190)
            .build_cartesian_2d(0.0..top, -0.5..(n as f64 - 0.5))?;
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
            .draw()?;
        for band in [0.1, 0.25] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(band, -0.5), (band, n as f64 - 0.5)],
                RGBColor(200, 0, 0).stroke_width(1),
            )))?;
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
                }))?
                .label(label)
                .legend(box_key(c));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 14)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chart_is_an_svg_image_with_its_labels() {
        let segments = segments(&[
            ("S1".into(), 0.6, 0.02, 0.03),
            ("S2".into(), 0.4, 0.01, 0.01),
        ])
        .expect("segments");
        assert!(segments.starts_with("<svg") && segments.contains("S1 (60%)"));
        assert!(segments.contains("treatment"));
        let allocation = allocation(&[("S1".into(), vec![0.5, 0.6, 0.7])]).expect("allocation");
        assert!(allocation.starts_with("<svg") && allocation.contains("S1"));
        let drift = drift_psi(&[("sessions".into(), 0.01, 0.3)]).expect("drift");
        assert!(drift.starts_with("<svg") && drift.contains("after the shift"));
    }

    #[test]
    fn charts_without_rows_are_still_drawn() {
        assert!(segments(&[]).is_ok());
        assert!(allocation(&[]).is_ok());
        assert!(drift_psi(&[]).is_ok());
        assert!(scores_by_k(&[], 2).is_ok());
    }
}
