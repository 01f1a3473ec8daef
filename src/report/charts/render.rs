//! Draws a [`Figure`] with plotters, to an SVG string and a PNG file.
//!
//! Text uses DejaVu Sans embedded in the binary (the `dejavu` crate), so
//! charts render identically on a machine without system fonts. Log and
//! "nines" axes are drawn on linear coordinates of transformed values, so
//! one code path serves every combination of scales.

use super::figure::{color, Figure, Marks, Panel, Scale};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

const WIDTH: u32 = 1100;
const PANEL_HEIGHT: u32 = 360;
const TITLE_HEIGHT: u32 = 50;
const LEGEND_WIDTH: u32 = 230;
const FONT: &str = "sans-serif";

/// Registers the embedded font once per process.
fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font shipped by the dejavu crate.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The pixel size of a figure.
pub fn size(fig: &Figure) -> (u32, u32) {
    (
        WIDTH,
        TITLE_HEIGHT + PANEL_HEIGHT * fig.panels.len().max(1) as u32,
    )
}

/// Position of `v` on an axis of `scale`; `None` when it cannot be drawn
/// (a non-positive value on a log axis).
fn position(scale: &Scale, v: f64) -> Option<f64> {
    let p = match scale {
        Scale::Linear | Scale::Categories(_) => v,
        Scale::Log if v > 0.0 => v.log10(),
        Scale::Log => return None,
        Scale::Nines => -(1.0 - v.min(0.99999)).log10(),
    };
    p.is_finite().then_some(p)
}

/// Up to three significant digits, no trailing zeros.
fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The tick label of position `p` on an axis of `scale`.
fn tick(scale: &Scale, p: f64) -> String {
    match scale {
        Scale::Linear => short(p),
        // Label only 1-2-5 steps; the other ticks are light grid lines.
        Scale::Log => {
            let decade = 10f64.powf(p.floor());
            [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * decade)
                .find(|v| (v.log10() - p).abs() < 0.012)
                .map(short)
                .unwrap_or_default()
        }
        // Integer positions are 0 %, 90 %, 99 %, 99.9 %...
        Scale::Nines => {
            let i = p.round();
            if (p - i).abs() > 0.02 || i < 0.0 {
                return String::new();
            }
            let decimals = (i as usize).saturating_sub(2);
            format!("{:.decimals$}%", 100.0 * (1.0 - 10f64.powf(-i)))
        }
        Scale::Categories(names) => {
            let i = p.round();
            if (p - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// The drawn range of one axis: every position the panel uses, padded.
fn range(scale: &Scale, values: impl Iterator<Item = f64>, include: Option<f64>) -> (f64, f64) {
    if let Scale::Categories(names) = scale {
        return (-0.6, names.len().max(1) as f64 - 0.4);
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for p in values.chain(include).filter_map(|v| position(scale, v)) {
        lo = lo.min(p);
        hi = hi.max(p);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        let pad = if hi.abs() > 1e-9 { hi.abs() * 0.1 } else { 1.0 };
        // A flat line on an axis from zero stays above zero.
        let floor = include.and_then(|v| position(scale, v));
        return match floor {
            Some(f) if f >= lo - 1e-9 => (f, hi + pad),
            _ => (lo - pad, hi + pad),
        };
    }
    let pad = (hi - lo) * 0.05;
    let lo = if include.and_then(|v| position(scale, v)) == Some(lo) {
        lo
    } else {
        lo - pad
    };
    (lo, hi + pad)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn rgb(i: usize) -> RGBColor {
    if i == super::figure::GREY {
        return RGBColor(150, 150, 150);
    }
    let (r, g, b) = color(i);
    RGBColor(r, g, b)
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> DrawResult<DB> {
    let xs = p
        .series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(|q| q.0)
                .chain(s.band.iter().map(|b| b.0))
        })
        .chain(p.vlines.iter().map(|l| l.at))
        .chain(p.windows.iter().flat_map(|w| [w.from, w.to]));
    let floor = if p.y.include == Some(0.0) {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    let ys = p
        .series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(|q| q.1)
                .chain(s.band.iter().flat_map(|b| [b.1.max(floor), b.2]))
        })
        .chain(p.hlines.iter().map(|l| l.at));
    let (x0, x1) = range(&p.x.scale, xs, p.x.include);
    let (y0, y1) = range(
        &p.y.scale,
        ys,
        match (&p.marks, &p.y.scale) {
            (Marks::Bars, Scale::Linear) => Some(0.0),
            _ => p.y.include,
        },
    );
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, (FONT, 19).into_font().style(FontStyle::Bold))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(78)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let xfmt = |v: &f64| tick(&p.x.scale, *v);
    let yfmt = |v: &f64| tick(&p.y.scale, *v);
    // Tick counts that make plotters step by 0.1 decade (labels at 1-2-5)
    // or, over wide ranges, by half decades (labels at powers of ten), and
    // by whole nines.
    let ticks = |scale: &Scale, span: f64| match scale {
        Scale::Categories(n) => n.len() * 4 + 1,
        Scale::Log if span > 2.5 => (span * 2.0).ceil() as usize,
        Scale::Log => (span * 10.0).ceil() as usize,
        Scale::Nines => span.ceil() as usize + 1,
        Scale::Linear => 8,
    };
    let x_ticks = ticks(&p.x.scale, x1 - x0);
    let y_ticks = ticks(&p.y.scale, y1 - y0);
    chart
        .configure_mesh()
        .x_desc(&p.x.label)
        .y_desc(&p.y.label)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .x_labels(x_ticks)
        .y_labels(y_ticks)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .max_light_lines(2)
        .light_line_style(RGBColor(242, 242, 242))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    let grey = RGBColor(110, 110, 110);
    for w in &p.windows {
        let (Some(a), Some(b)) = (position(&p.x.scale, w.from), position(&p.x.scale, w.to)) else {
            continue;
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(a, y0), (b, y1)],
            RGBColor(120, 120, 120).mix(0.15).filled(),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            w.label.clone(),
            (a, y1),
            (FONT, 13).into_font().color(&grey),
        )))?;
    }
    let n = p.series.len().max(1) as f64;
    for (k, s) in p.series.iter().enumerate() {
        let c = rgb(s.color);
        let pts = |v: &[(f64, f64)]| -> Vec<(f64, f64)> {
            v.iter()
                .filter_map(|&(x, y)| Some((position(&p.x.scale, x)?, position(&p.y.scale, y)?)))
                .collect()
        };
        if !s.band.is_empty() {
            // Axes from zero hold quantities that cannot be negative: a
            // t-interval reaching below zero is drawn to zero.
            let lower = pts(&s
                .band
                .iter()
                .map(|b| (b.0, b.1.max(floor)))
                .collect::<Vec<_>>());
            let upper = pts(&s.band.iter().map(|b| (b.0, b.2)).collect::<Vec<_>>());
            let polygon: Vec<(f64, f64)> =
                lower.into_iter().chain(upper.into_iter().rev()).collect();
            if polygon.len() >= 3 {
                chart.draw_series(std::iter::once(Polygon::new(polygon, c.mix(0.18).filled())))?;
            }
        }
        match p.marks {
            Marks::Lines => {
                // A non-finite point breaks the line: one series can hold
                // several separate segments.
                for segment in s.points.split(|q| !(q.0.is_finite() && q.1.is_finite())) {
                    let line = pts(segment);
                    if line.len() == 1 && s.points.len() == 1 {
                        chart.draw_series(std::iter::once(Circle::new(line[0], 4, c.filled())))?;
                    } else if line.len() > 1 {
                        chart.draw_series(LineSeries::new(line, c.stroke_width(2)))?;
                    }
                }
            }
            Marks::Bars => {
                let width = 0.8 / n;
                for &(x, y) in &s.points {
                    let left = x - 0.4 + width * k as f64;
                    let base = position(&p.y.scale, 0.0).unwrap_or(y0).max(y0);
                    if let Some(top) = position(&p.y.scale, y) {
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(left, base), (left + width * 0.92, top)],
                            c.filled(),
                        )))?;
                        // The value above the bar: small bars stay readable.
                        let style = (FONT, 13)
                            .into_font()
                            .color(&BLACK)
                            .pos(Pos::new(HPos::Center, VPos::Bottom));
                        chart.draw_series(std::iter::once(
                            EmptyElement::at((left + width * 0.46, top))
                                + Text::new(short(y), (0, -3), style),
                        ))?;
                    }
                }
            }
        }
        for (x, y, label) in &s.markers {
            let (Some(px), Some(py)) = (position(&p.x.scale, *x), position(&p.y.scale, *y)) else {
                continue;
            };
            // Labels in the right third grow leftwards, so they stay inside.
            let right = px > x0 + (x1 - x0) * 0.62;
            let (anchor, dx) = if right {
                (HPos::Right, -7)
            } else {
                (HPos::Left, 7)
            };
            let style = (FONT, 13)
                .into_font()
                .color(&c)
                .pos(Pos::new(anchor, VPos::Center));
            // Beyond three labelled curves the labels collide: dots only.
            // Unnamed series (places on a map) always keep their labels.
            let curves = p
                .series
                .iter()
                .filter(|s| !s.markers.is_empty() && !s.name.is_empty())
                .count();
            let text = if curves > 3 && !s.name.is_empty() {
                ""
            } else {
                label.trim()
            };
            // Curves close together: stagger their labels by series.
            let dy = -13 * (k as i32 % 3);
            chart.draw_series(std::iter::once(
                EmptyElement::at((px, py))
                    + Circle::new((0, 0), 4, c.filled())
                    + Text::new(text.to_string(), (dx, dy), style),
            ))?;
        }
    }
    let black = RGBColor(30, 30, 30);
    for l in &p.hlines {
        let Some(y) = position(&p.y.scale, l.at) else {
            continue;
        };
        chart.draw_series(DashedLineSeries::new(
            vec![(x0, y), (x1, y)],
            8,
            5,
            black.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((x0, y))
                + Text::new(
                    l.label.trim().to_string(),
                    (8, -18),
                    (FONT, 13).into_font().color(&black),
                ),
        ))?;
    }
    for l in &p.vlines {
        let Some(x) = position(&p.x.scale, l.at) else {
            continue;
        };
        chart.draw_series(DashedLineSeries::new(
            vec![(x, y0), (x, y1)],
            6,
            4,
            grey.stroke_width(1),
        ))?;
        // Text on the side of the line with more room.
        let (anchor, dx) = if x < x0 + (x1 - x0) * 0.5 {
            (HPos::Left, 6)
        } else {
            (HPos::Right, -6)
        };
        let style = (FONT, 12)
            .into_font()
            .color(&grey)
            .pos(Pos::new(anchor, VPos::Top));
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y1)) + Text::new(l.label.trim().to_string(), (dx, 6), style),
        ))?;
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(fig: &Figure, root: DrawingArea<DB, Shift>) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let (title, body) = root.split_vertically(TITLE_HEIGHT);
    title.draw_text(
        &fig.title,
        &(FONT, 22).into_font().style(FontStyle::Bold).color(&BLACK),
        (16, 14),
    )?;
    // A figure without legend entries uses the whole width.
    let legend_width = if fig.legend().is_empty() {
        0
    } else {
        LEGEND_WIDTH
    };
    let (plots, legend) = body.split_horizontally(w - legend_width);
    let areas = plots.split_evenly((fig.panels.len().max(1), 1));
    for (area, panel) in areas.iter().zip(&fig.panels) {
        draw_panel(area, panel)?;
    }
    // The legend lives in its own column, so it never covers data.
    for (i, (name, c)) in fig.legend().iter().enumerate() {
        let y = 40 + 24 * i as i32;
        legend.draw(&PathElement::new(
            vec![(8, y), (38, y)],
            rgb(*c).stroke_width(4),
        ))?;
        let mut label = name.clone();
        if label.chars().count() > 26 {
            label = label.chars().take(25).collect::<String>() + "…";
        }
        legend.draw_text(&label, &(FONT, 14).into_font().color(&BLACK), (46, y - 8))?;
    }
    root.present()?;
    Ok(())
}

/// The figure as an SVG document.
pub fn svg(fig: &Figure) -> Result<String, String> {
    fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size(fig)).into_drawing_area();
        draw(fig, root).map_err(|e| format!("{}: {e}", fig.stem))?;
    }
    Ok(out)
}

/// The figure as a PNG file at `path`.
pub fn png(fig: &Figure, path: &Path) -> Result<(), String> {
    fonts();
    let root = BitMapBackend::new(path, size(fig)).into_drawing_area();
    draw(fig, root).map_err(|e| format!("{}: {e}", fig.stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_as_values() {
        assert_eq!(tick(&Scale::Log, 2.0), "100");
        assert_eq!(tick(&Scale::Log, 0.5), "");
        assert_eq!(tick(&Scale::Log, 0.7), "5");
        assert_eq!(tick(&Scale::Nines, 2.0), "99%");
        assert_eq!(tick(&Scale::Nines, 3.0), "99.9%");
        assert_eq!(tick(&Scale::Nines, 4.0), "99.99%");
        assert_eq!(tick(&Scale::Nines, 0.0), "0%");
        let cats = Scale::Categories(vec!["a".into(), "b".into()]);
        assert_eq!(tick(&cats, 1.0), "b");
        assert_eq!(tick(&cats, 0.5), "");
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(0.01234), "0.0123");
    }
}
