//! Draws a [`Figure`] with plotters, to an SVG string and a PNG file.
//!
//! Text uses DejaVu Sans embedded in the binary (the `dejavu` crate), so
//! charts render identically on a machine without system fonts. Log and
//! "nines" axes are drawn on linear coordinates of transformed values, so
//! one code path serves every combination of scales.

use super::figure::{Figure, Marks, Panel, Scale, COAST};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

// Sized for a projector: at half zoom the smallest text is still 8 px.
const WIDTH: u32 = 1400;
const PANEL_HEIGHT: u32 = 440;
const TITLE_HEIGHT: u32 = 64;
const LEGEND_WIDTH: u32 = 300;
const FONT: &str = "sans-serif";
const TITLE_SIZE: u32 = 28;
const CAPTION_SIZE: u32 = 22;
const AXIS_SIZE: u32 = 19;
const TICK_SIZE: u32 = 17;
const LABEL_SIZE: u32 = 16;
const LEGEND_SIZE: u32 = 18;
/// Rows of the label strip above a plot with milestones or failures.
const STRIP_ROWS: i32 = 3;
/// Height of one row of that strip, in pixels.
const STRIP_ROW: i32 = 21;

/// A box of text drawn on a figure, in pixels: what the layout keeps apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    /// Left, top, right, bottom.
    pub rect: (i32, i32, i32, i32),
    /// The text.
    pub text: String,
}

impl Placed {
    /// Whether two boxes share any pixel.
    pub fn overlaps(&self, o: &Placed) -> bool {
        let (a, b) = (self.rect, o.rect);
        a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
    }
}

/// The width and height of `text` at `size`, in pixels.
fn text_size(text: &str, size: u32) -> (i32, i32) {
    let (w, h) = (FONT, size)
        .into_font()
        .box_size(text)
        .unwrap_or((text.chars().count() as u32 * size / 2, size));
    (w as i32, h.max(size) as i32)
}

/// A series' values under the pointer: its name and its points (pixel x,
/// pixel y, text).
type HoverSeries = (String, Vec<(i32, i32, String)>);

/// A label waiting for a place: near `anchor`, inside `bounds`.
struct Request {
    text: String,
    size: u32,
    color: RGBColor,
    anchor: (i32, i32),
    bounds: (i32, i32, i32, i32),
    /// Offsets from the anchor of the box's top-left corner to try, in
    /// order, as multiples of the box's own (width, height) plus pixels.
    tries: Vec<((f64, f64), (i32, i32))>,
    /// Pixels kept clear on each side (labels in a row read as one
    /// otherwise).
    gap: i32,
}

/// Where labels go: each at the first place near its anchor that is inside
/// its panel and overlaps no text already placed; a label with no such
/// place is left out rather than drawn over another.
#[derive(Default)]
struct Layout {
    placed: Vec<Placed>,
    requests: Vec<Request>,
    /// Lines drawn over another of the same shape, said in the legend
    /// column: (series, the one it hides under, panel number or none).
    under: Vec<(String, String, Option<usize>)>,
    /// Values the page shows under the pointer, per series: its name and
    /// its points (pixel x, pixel y, text).
    hover: Vec<HoverSeries>,
}

impl Layout {
    /// A box drawn as it is (a title, a legend entry).
    fn fixed(&mut self, rect: (i32, i32, i32, i32), text: &str) {
        self.placed.push(Placed {
            rect,
            text: text.to_string(),
        });
    }

    fn request(&mut self, r: Request) {
        if !r.text.trim().is_empty() {
            self.requests.push(r);
        }
    }

    /// Places every request; returns what to draw: (top-left, request).
    fn place(&mut self) -> Vec<((i32, i32), Request)> {
        let mut out = Vec::new();
        for r in std::mem::take(&mut self.requests) {
            let (w, h) = text_size(&r.text, r.size);
            let spot = r.tries.iter().find_map(|&((fx, fy), (dx, dy))| {
                let x = r.anchor.0 + (fx * w as f64) as i32 + dx;
                let y = r.anchor.1 + (fy * h as f64) as i32 + dy;
                let p = Placed {
                    rect: (x, y, x + w, y + h),
                    text: r.text.clone(),
                };
                let inside = x >= r.bounds.0
                    && y >= r.bounds.1
                    && x + w <= r.bounds.2
                    && y + h <= r.bounds.3;
                let g = r.gap;
                let padded = Placed {
                    rect: (x - g, y, x + w + g, y + h),
                    text: String::new(),
                };
                (inside && !self.placed.iter().any(|q| q.overlaps(&padded))).then_some(p)
            });
            if let Some(p) = spot {
                let at = (p.rect.0, p.rect.1);
                self.placed.push(p);
                out.push((at, r));
            }
        }
        out
    }
}

/// Places around a point: right, left, above, below, then further out.
fn around_point() -> Vec<((f64, f64), (i32, i32))> {
    let mut t = Vec::new();
    for k in 0..4 {
        let d = 8 + 14 * k;
        t.extend([
            ((0.0, -0.5), (d, 0)),
            ((-1.0, -0.5), (-d, 0)),
            ((0.0, -1.0), (d / 2, -d / 2 - 2)),
            ((0.0, 0.0), (d / 2, d / 2 + 2)),
            ((-1.0, -1.0), (-d / 2, -d / 2 - 2)),
            ((-1.0, 0.0), (-d / 2, d / 2 + 2)),
        ]);
    }
    t
}

/// Places in the label strip above a plot, for a label naming the vertical
/// line at the anchor (the plot's top edge): right of the line, then left
/// of it, row by row upwards.
fn strip_tries() -> Vec<((f64, f64), (i32, i32))> {
    let mut t = Vec::new();
    for k in 0..STRIP_ROWS {
        t.push(((0.0, -1.0), (4, -3 - STRIP_ROW * k)));
        t.push(((-1.0, -1.0), (-4, -3 - STRIP_ROW * k)));
    }
    t
}

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

/// Up to three significant digits, no trailing zeros; from 10,000 whole
/// numbers with thousands separators.
pub(super) fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 10_000.0 {
        return linear_tick(v, f64::INFINITY);
    }
    let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A linear axis's tick at `v` on an axis spanning `span`: as many
/// decimals as its ticks need to differ, so 99.90 and 99.95 do not both
/// read "100", and no more (99.96, not 99.960); whole numbers with
/// thousands separators (593,511, not 593511).
fn linear_tick(v: f64, span: f64) -> String {
    // The step plotters takes for at most eight ticks: the smallest 1, 2
    // or 5 times a power of ten that fits the span in seven steps.
    let least = span.abs() / 7.0;
    let step = if least.is_finite() && least > 0.0 {
        let decade = 10f64.powf(least.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * decade)
            .find(|&s| s >= least * (1.0 - 1e-9))
            .unwrap_or(10.0 * decade)
    } else {
        f64::INFINITY
    };
    let decimals = if step >= 1.0 || !step.is_finite() {
        0
    } else {
        ((-step.log10() - 1e-9).ceil() as usize).min(6)
    };
    if decimals > 0 {
        return format!("{v:.decimals$}");
    }
    let whole = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 && whole != "0" {
        out.insert(0, '-');
    }
    out
}

/// The tick label of position `p` on an axis of `scale` whose drawn range
/// spans `span` positions.
fn tick(scale: &Scale, p: f64, span: f64) -> String {
    match scale {
        Scale::Linear => linear_tick(p, span),
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
    if *scale == Scale::Log && hi - lo < 1.0 {
        // Under a decade, the 1-2-5 labels could all fall outside (200 to
        // 600 ms showed only "200"): the whole decades around it instead.
        let (a, b) = (lo.floor(), hi.ceil());
        return (a, if b - a < 1.0 { a + 1.0 } else { b });
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
    let (r, g, b) = super::figure::rgb_of(i);
    RGBColor(r, g, b)
}

/// The unit an axis label names in its parentheses (`ms` of `replication
/// lag (ms, log scale)` and of `apply_time (swept, ms, log scale)`), if
/// any.
fn axis_unit(label: &str) -> &str {
    label
        .rsplit_once('(')
        .and_then(|(_, u)| u.strip_suffix(')'))
        .and_then(|u| {
            u.split(',')
                .map(str::trim)
                .find(|w| *w != "swept" && !w.ends_with("scale"))
        })
        .unwrap_or("")
}

/// A value on an axis as the page's pointer shows it: a category's name, a
/// percentile (`p99.9`), or the number with the axis's unit.
fn axis_value(axis: &super::figure::Axis, v: f64) -> String {
    match &axis.scale {
        Scale::Categories(names) => names
            .get(v.round().max(0.0) as usize)
            .cloned()
            .unwrap_or_default(),
        // Every nine kept: p99.95 is not p100.
        Scale::Nines => {
            let s = format!("{:.4}", 100.0 * v);
            format!("p{}", s.trim_end_matches('0').trim_end_matches('.'))
        }
        Scale::Linear | Scale::Log => match axis_unit(&axis.label) {
            "" | "percentile" | "degrees" => short(v),
            "%" => format!("{} %", short(v)),
            u => format!("{} {u}", short(v)),
        },
    }
}

/// What the pointer shows on a point of a panel: its x and y.
fn hover_text(p: &Panel, x: f64, y: f64) -> String {
    format!("{} \u{b7} {}", axis_value(&p.x, x), axis_value(&p.y, y))
}

/// The hover values of a figure as the SVG carries them in a
/// `<desc class="rs-hover">` the page's script reads: a line `#NAME` per
/// series, then a line `x y text` per point; empty without any.
fn hover_desc(series: &[HoverSeries]) -> String {
    if series.iter().all(|s| s.1.is_empty()) {
        return String::new();
    }
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut out = String::from("<desc class=\"rs-hover\">\n");
    for (name, points) in series.iter().filter(|s| !s.1.is_empty()) {
        out.push_str(&format!("#{}\n", escape(name)));
        for (x, y, t) in points {
            out.push_str(&format!("{x} {y} {}\n", escape(t)));
        }
    }
    out.push_str("</desc>\n");
    out
}

/// Whether two lines drawn through `a` and `b` (at the same x values) stay
/// within two pixels of each other everywhere; `pixel` maps a data point to
/// the picture.
fn same_path(
    a: &[(f64, f64)],
    b: &[(f64, f64)],
    pixel: impl Fn(f64, f64) -> Option<(i32, i32)>,
) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(p, q)| {
            p.0 == q.0
                && match (pixel(p.0, p.1), pixel(q.0, q.1)) {
                    (Some(u), Some(v)) => (u.1 - v.1).abs() <= 2,
                    (None, None) => true,
                    _ => false,
                }
        })
}

/// Draws panel `panel` (its number when the figure has several, for notes).
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    panel: Option<usize>,
    layout: &mut Layout,
) -> DrawResult<DB> {
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
    // More than four bands overlap into a grey mass: lines only then, and
    // the range fits the lines.
    let bands = p.series.iter().filter(|s| !s.band.is_empty()).count() <= 4;
    let ys = p
        .series
        .iter()
        .flat_map(|s| {
            let band: &[(f64, f64, f64)] = if bands { &s.band } else { &[] };
            s.points
                .iter()
                .map(|q| q.1)
                .chain(band.iter().flat_map(|b| [b.1.max(floor), b.2]))
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
    // A narrow band far from zero (availability from 99.95 % to 100 %) is
    // drawn relative to a round value below it: plotters finds its ticks
    // in floating point and, at 100 with steps of 0.01, lost the top one.
    let yoff = match p.y.scale {
        Scale::Linear => {
            let unit = 10f64.powf((y1 - y0).log10().floor() + 1.0);
            let off = (y0 / unit).floor() * unit;
            if off.is_finite() && off > 0.0 {
                off
            } else {
                0.0
            }
        }
        _ => 0.0,
    };
    let (y0, mut y1) = (y0 - yoff, y1 - yoff);
    let ypos = |v: f64| position(&p.y.scale, v).map(|q| q - yoff);
    if p.marks == Marks::Bars {
        // Room above the tallest bar for its value.
        y1 += (y1 - y0) * 0.08;
    }
    // Category names on the y axis get the room they need (tick labels
    // and the axis title beside them).
    let y_labels = match &p.y.scale {
        Scale::Categories(names) => names
            .iter()
            .map(|n| text_size(n, TICK_SIZE).0 + 24 + if p.y.label.is_empty() { 0 } else { 30 })
            .max()
            .unwrap_or(0)
            .max(96),
        _ => 96,
    };
    // Milestone and failure labels get a strip of their own between the
    // caption and the plot: inside the plot they sat on the lines.
    let strip = if p.vlines.is_empty() && p.windows.is_empty() {
        0
    } else {
        STRIP_ROWS * STRIP_ROW + 4
    };
    // Room on the right for half the last tick label (1,000,000 at the
    // end of a log axis was cut off).
    let inner = area.margin(14, 14, 14, 44).titled(
        &p.title,
        (FONT, CAPTION_SIZE).into_font().style(FontStyle::Bold),
    )?;
    let mut chart = ChartBuilder::on(&inner)
        .margin_top(strip)
        .x_label_area_size(62)
        .y_label_area_size(y_labels as u32)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let xfmt = |v: &f64| tick(&p.x.scale, *v, x1 - x0);
    let yfmt = |v: &f64| tick(&p.y.scale, *v + yoff, y1 - y0);
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
    // The y axis's title runs along the plot's height: smaller type, then
    // shortened (its unit kept), rather than cut off at the panel's edge.
    let (_, rows) = chart.plotting_area().get_pixel_range();
    let (y_desc, desc_size) = fitted_axis(&p.y.label, rows.end - rows.start - 8);
    if !y_desc.is_empty() {
        // Turned a quarter, centred on the plot's height at the panel's
        // left: kept apart from every other text like a label.
        let (w, h) = text_size(&y_desc, desc_size);
        let (left, _) = inner.get_base_pixel();
        let middle = (rows.start + rows.end) / 2;
        layout.fixed((left, middle - w / 2, left + h, middle + w / 2), &y_desc);
    }
    chart
        .configure_mesh()
        .x_desc(&p.x.label)
        .y_desc(&y_desc)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .x_labels(x_ticks)
        .y_labels(y_ticks)
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, desc_size))
        .max_light_lines(2)
        .light_line_style(RGBColor(242, 242, 242))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    let grey = RGBColor(110, 110, 110);
    // Labels stay inside the plot area, placed once every panel is drawn.
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let bounds = (xr.start, yr.start, xr.end, yr.end);
    let coord = chart.as_coord_spec().clone();
    let pixel = |x: f64, y: f64| coord.translate(&(x, y));
    // The strip above the plot, reaching a little past its sides.
    let strip_bounds = (bounds.0 - 40, bounds.1 - strip, bounds.2 + 40, bounds.1);
    for w in &p.windows {
        let (Some(a), Some(b)) = (position(&p.x.scale, w.from), position(&p.x.scale, w.to)) else {
            continue;
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(a, y0), (b, y1)],
            RGBColor(120, 120, 120).mix(0.15).filled(),
        )))?;
        layout.request(Request {
            text: w.label.trim().to_string(),
            size: LABEL_SIZE,
            color: grey,
            anchor: pixel(a, y1),
            bounds: strip_bounds,
            gap: 12,
            tries: strip_tries(),
        });
    }
    let n = p.series.len().max(1) as f64;
    for (k, s) in p.series.iter().enumerate() {
        let c = rgb(s.color);
        let pts = |v: &[(f64, f64)]| -> Vec<(f64, f64)> {
            v.iter()
                .filter_map(|&(x, y)| Some((position(&p.x.scale, x)?, ypos(y)?)))
                .collect()
        };
        if bands && !s.band.is_empty() {
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
                chart.draw_series(std::iter::once(Polygon::new(polygon, c.mix(0.1).filled())))?;
            }
        }
        match p.marks {
            Marks::Lines => {
                // A line within a pixel or two of an earlier one along its
                // whole length would vanish under it: drawn dashed over it,
                // and said beside the legend.
                let under = p.series[..k].iter().find(|e| {
                    !s.name.is_empty()
                        && !e.name.is_empty()
                        && e.name != s.name
                        && s.points.len() > 1
                        && same_path(&e.points, &s.points, |x, y| {
                            position(&p.x.scale, x)
                                .zip(ypos(y))
                                .map(|(x, y)| pixel(x, y))
                        })
                });
                // Each hidden line its own dash length, so two hidden under
                // one line both show.
                let dash = 14 + 10 * layout.under.iter().filter(|u| u.2 == panel).count() as u32;
                if let Some(e) = under {
                    layout.under.push((s.name.clone(), e.name.clone(), panel));
                }
                if p.hover && !s.name.is_empty() && !s.labels_only {
                    let mut kept: Vec<(i32, i32, String)> = Vec::new();
                    for &(x, y) in &s.points {
                        let at = position(&p.x.scale, x)
                            .zip(ypos(y))
                            .map(|(a, b)| pixel(a, b));
                        let Some(at) = at.filter(|_| x.is_finite() && y.is_finite()) else {
                            continue;
                        };
                        // Points within 4 px of the last one kept are one
                        // place under a pointer.
                        if kept
                            .last()
                            .is_some_and(|l| (l.0 - at.0).abs() < 4 && (l.1 - at.1).abs() < 4)
                        {
                            continue;
                        }
                        kept.push((at.0, at.1, hover_text(p, x, y)));
                    }
                    layout.hover.push((s.name.clone(), kept));
                }
                // A non-finite point breaks the line: one series can hold
                // several separate segments.
                for segment in s.points.split(|q| !(q.0.is_finite() && q.1.is_finite())) {
                    let line = pts(segment);
                    if line.len() == 1 && s.points.len() == 1 {
                        chart.draw_series(std::iter::once(Circle::new(line[0], 4, c.filled())))?;
                    } else if line.len() > 1 && under.is_some() {
                        chart.draw_series(DashedLineSeries::new(
                            line,
                            dash,
                            dash,
                            c.stroke_width(3),
                        ))?;
                    } else if line.len() > 1 {
                        let width = if s.color == COAST { 1 } else { 3 };
                        chart.draw_series(LineSeries::new(line, c.stroke_width(width)))?;
                    }
                }
            }
            Marks::Bars => {
                let width = 0.8 / n;
                for &(x, y) in &s.points {
                    let left = x - 0.4 + width * k as f64;
                    let base = ypos(0.0).unwrap_or(y0).max(y0);
                    if y.is_nan() {
                        // Nothing to measure here (no replica, no read):
                        // said, not left as an empty slot.
                        layout.request(Request {
                            text: "n/a".into(),
                            size: LABEL_SIZE,
                            color: BLACK,
                            anchor: pixel(left + width * 0.46, base),
                            bounds,
                            gap: 0,
                            tries: vec![((-0.5, -1.0), (0, -3))],
                        });
                        continue;
                    }
                    if let Some(top) = ypos(y) {
                        if p.hover && !s.name.is_empty() {
                            let at = pixel(left + width * 0.46, top);
                            layout
                                .hover
                                .push((s.name.clone(), vec![(at.0, at.1, hover_text(p, x, y))]));
                        }
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(left, base), (left + width * 0.92, top)],
                            c.filled(),
                        )))?;
                        // The value above the bar: small bars stay readable.
                        layout.request(Request {
                            text: short(y),
                            size: LABEL_SIZE,
                            color: BLACK,
                            anchor: pixel(left + width * 0.46, top),
                            bounds,
                            gap: 0,
                            tries: vec![((-0.5, -1.0), (0, -3)), ((-0.5, 0.0), (0, 3))],
                        });
                    }
                }
            }
        }
        for (x, y, label) in &s.markers {
            let (Some(px), Some(py)) = (position(&p.x.scale, *x), ypos(*y)) else {
                continue;
            };
            if !s.labels_only {
                chart.draw_series(std::iter::once(Circle::new((px, py), 5, c.filled())))?;
            }
            // Beyond three labelled curves the labels crowd: dots only.
            // Places (single points) always keep their labels.
            let curves = p
                .series
                .iter()
                .filter(|s| !s.markers.is_empty() && s.points.len() > 1 && !s.name.is_empty())
                .count();
            if curves <= 3 || s.points.len() <= 1 || s.name.is_empty() {
                layout.request(Request {
                    text: label.trim().to_string(),
                    size: LABEL_SIZE,
                    color: c,
                    anchor: pixel(px, py),
                    bounds,
                    gap: 0,
                    tries: around_point(),
                });
            }
        }
    }
    let black = RGBColor(30, 30, 30);
    for l in &p.hlines {
        let Some(y) = ypos(l.at) else {
            continue;
        };
        chart.draw_series(DashedLineSeries::new(
            vec![(x0, y), (x1, y)],
            8,
            5,
            black.stroke_width(2),
        ))?;
        // Above the line at its left end, else below it, else at its right.
        layout.request(Request {
            text: l.label.trim().to_string(),
            size: LABEL_SIZE,
            color: black,
            anchor: pixel(x0, y),
            bounds,
            gap: 0,
            tries: vec![
                ((0.0, -1.0), (8, -4)),
                ((0.0, 0.0), (8, 4)),
                ((-1.0, -1.0), (bounds.2 - bounds.0 - 8, -4)),
                ((-1.0, 0.0), (bounds.2 - bounds.0 - 8, 4)),
            ],
        });
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
        // A faint leader up through the strip to the label.
        let (bx, by) = area.get_base_pixel();
        let px = pixel(x, y1).0 - bx;
        area.draw(&PathElement::new(
            vec![(px, bounds.1 - strip - by), (px, bounds.1 - by)],
            grey.mix(0.35).stroke_width(1),
        ))?;
        layout.request(Request {
            text: l.label.trim().to_string(),
            size: LABEL_SIZE,
            color: grey,
            anchor: pixel(x, y1),
            bounds: strip_bounds,
            gap: 12,
            tries: strip_tries(),
        });
    }
    Ok(())
}

/// The title at the largest size up to [`TITLE_SIZE`] that fits `width`,
/// shortened with an ellipsis if even 16 px does not.
fn fitted_title(title: &str, width: i32) -> (String, u32) {
    for size in (16..=TITLE_SIZE).rev().step_by(2) {
        if text_size(title, size).0 <= width {
            return (title.to_string(), size);
        }
    }
    let mut t: Vec<char> = title.chars().collect();
    while t.len() > 1 && text_size(&(t.iter().collect::<String>() + "…"), 16).0 > width {
        t.pop();
    }
    (t.into_iter().collect::<String>() + "…", 16)
}

/// A legend entry's text, shortened with an ellipsis to `width`.
/// An axis title that fits `room` pixels: at [`AXIS_SIZE`] or down to 14 px,
/// else at 14 px shortened with an ellipsis before its unit (the last
/// parenthesis), which it keeps.
fn fitted_axis(label: &str, room: i32) -> (String, u32) {
    for size in (14..=AXIS_SIZE).rev() {
        if text_size(label, size).0 <= room {
            return (label.to_string(), size);
        }
    }
    let (head, unit) = match label.rfind(" (") {
        Some(i) if label.ends_with(')') => label.split_at(i),
        _ => (label, ""),
    };
    let mut t: Vec<char> = head.chars().collect();
    let text = |t: &[char]| format!("{}…{unit}", t.iter().collect::<String>());
    while t.len() > 1 && text_size(&text(&t), 14).0 > room {
        t.pop();
    }
    (text(&t), 14)
}

fn fitted_legend(name: &str, width: i32) -> String {
    if text_size(name, LEGEND_SIZE).0 <= width {
        return name.to_string();
    }
    let mut t: Vec<char> = name.chars().collect();
    while t.len() > 1 && text_size(&(t.iter().collect::<String>() + "…"), LEGEND_SIZE).0 > width {
        t.pop();
    }
    t.into_iter().collect::<String>() + "…"
}

fn draw<DB: DrawingBackend>(
    fig: &Figure,
    root: DrawingArea<DB, Shift>,
    layout: &mut Layout,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let (title, body) = root.split_vertically(TITLE_HEIGHT);
    let (text, size) = fitted_title(&fig.title, w as i32 - 32);
    let (tw, th) = text_size(&text, size);
    title.draw_text(
        &text,
        &(FONT, size)
            .into_font()
            .style(FontStyle::Bold)
            .color(&BLACK),
        (16, 16),
    )?;
    layout.fixed((16, 16, 16 + tw, 16 + th), &text);
    // A figure without legend entries uses the whole width.
    let legend_entries = fig.legend();
    let legend_width = if legend_entries.is_empty() {
        0
    } else {
        LEGEND_WIDTH
    };
    let (plots, legend) = body.split_horizontally(w - legend_width);
    let areas = plots.split_evenly((fig.panels.len().max(1), 1));
    let several = fig.panels.len() > 1;
    for (i, (area, panel)) in areas.iter().zip(&fig.panels).enumerate() {
        draw_panel(area, panel, several.then_some(i + 1), layout)?;
    }
    // The legend lives in its own column, so it never covers data.
    let (lx, ly) = legend.get_base_pixel();
    for (i, (name, c)) in legend_entries.iter().enumerate() {
        let y = 44 + 30 * i as i32;
        legend.draw(&PathElement::new(
            vec![(8, y), (40, y)],
            rgb(*c).stroke_width(5),
        ))?;
        let label = fitted_legend(name, LEGEND_WIDTH as i32 - 60);
        let (lw, lh) = text_size(&label, LEGEND_SIZE);
        legend.draw_text(
            &label,
            &(FONT, LEGEND_SIZE).into_font().color(&BLACK),
            (48, y - lh / 2),
        )?;
        layout.fixed(
            (lx + 48, ly + y - lh / 2, lx + 48 + lw, ly + y - lh / 2 + lh),
            &label,
        );
    }
    // Lines hidden under another, below the legend.
    let mut y = 44 + 30 * legend_entries.len() as i32;
    for (name, other, panel) in std::mem::take(&mut layout.under) {
        let lines = [
            format!("{name} (dashed) runs"),
            match panel {
                Some(k) => format!("on {other} in panel {k}"),
                None => format!("on {other}"),
            },
        ];
        for line in lines {
            let text = fitted_legend(&line, LEGEND_WIDTH as i32 - 20);
            let (tw, th) = text_size(&text, LABEL_SIZE);
            legend.draw_text(
                &text,
                &(FONT, LABEL_SIZE).into_font().color(&RGBColor(70, 70, 70)),
                (8, y),
            )?;
            layout.fixed((lx + 8, ly + y, lx + 8 + tw, ly + y + th), &text);
            y += th + 2;
        }
        y += 8;
    }
    for ((x, y), r) in layout.place() {
        // A light halo keeps a label readable over lines and grid.
        let (w, h) = text_size(&r.text, r.size);
        root.draw(&Rectangle::new(
            [(x - 2, y - 1), (x + w + 2, y + h + 1)],
            WHITE.mix(0.78).filled(),
        ))?;
        let style = (FONT, r.size)
            .into_font()
            .color(&legible(r.color))
            .pos(Pos::new(HPos::Left, VPos::Top));
        root.draw(&Text::new(r.text, (x, y), style))?;
    }
    root.present()?;
    Ok(())
}

/// `c` darkened, keeping its hue, until text in it has a contrast of at
/// least 4.5:1 on white (WCAG AA): the palette's yellow and sky blue are
/// fine as lines but too faint as small type.
fn legible(c: RGBColor) -> RGBColor {
    fn lum(c: RGBColor) -> f64 {
        let ch = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(c.0) + 0.7152 * ch(c.1) + 0.0722 * ch(c.2)
    }
    let mut out = c;
    let mut k = 1.0;
    while 1.05 / (lum(out) + 0.05) < 4.5 && k > 0.05 {
        k *= 0.9;
        let dim = |v: u8| (f64::from(v) * k).round() as u8;
        out = RGBColor(dim(c.0), dim(c.1), dim(c.2));
    }
    out
}

/// The figure as an SVG document.
pub fn svg(fig: &Figure) -> Result<String, String> {
    svg_with_layout(fig).map(|(svg, _)| svg)
}

/// The figure as an SVG document, and every box of text the layout placed
/// (the title, legend entries, labels), for checks that none overlap.
pub fn svg_with_layout(fig: &Figure) -> Result<(String, Vec<Placed>), String> {
    fonts();
    let mut out = String::new();
    let mut layout = Layout::default();
    {
        let root = SVGBackend::with_string(&mut out, size(fig)).into_drawing_area();
        draw(fig, root, &mut layout).map_err(|e| format!("{}: {e}", fig.stem))?;
    }
    let mut svg = super::compact::compact(&out);
    if let Some(end) = svg.rfind("</svg>") {
        svg.insert_str(end, &hover_desc(&layout.hover));
    }
    Ok((svg, layout.placed))
}

/// The figure as a PNG file at `path`. Drawn into an RGB buffer and encoded
/// with the `png` crate (plotters' own encoder would pull in the whole
/// `image` crate, a third of a cold build, for one format).
pub fn png(fig: &Figure, path: &Path) -> Result<(), String> {
    fonts();
    let (w, h) = size(fig);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(fig, root, &mut Layout::default()).map_err(|e| format!("{}: {e}", fig.stem))?;
    }
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| format!("{}: {e}", fig.stem))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| format!("{}: {e}", fig.stem))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_colours_are_legible_on_white() {
        // Okabe-Ito yellow is 1.3:1 on white; as text it is darkened.
        let y = legible(RGBColor(0xF0, 0xE4, 0x42));
        assert!(y.0 < 0xA0 && y.0 > 0x60 && y.0 > y.2, "{y:?}");
        // Blue (5.0:1) and black stay as they are.
        let b = RGBColor(0x00, 0x72, 0xB2);
        assert_eq!(legible(b), b);
        assert_eq!(legible(BLACK), BLACK);
    }

    #[test]
    fn the_pointer_reads_values_in_the_axes_units() {
        use super::super::figure::Axis;
        assert_eq!(axis_unit("replication lag (ms, log scale)"), "ms");
        assert_eq!(
            axis_unit("apply_time: exponential mean (swept, ms, log scale)"),
            "ms"
        );
        assert_eq!(axis_unit("availability (%)"), "%");
        assert_eq!(axis_unit("client region"), "");
        let mut p = Panel::lines(
            "",
            Axis::new("time since the warm-up ended (min)", Scale::Linear),
            Axis::new("availability (%)", Scale::Linear),
        );
        assert_eq!(hover_text(&p, 2.5, 99.2), "2.5 min \u{b7} 99.2 %");
        p.x = Axis::new("latency (ms, log scale)", Scale::Log);
        p.y = Axis::new("reads at or below (percentile)", Scale::Nines);
        assert_eq!(hover_text(&p, 78.26, 0.999), "78.3 ms \u{b7} p99.9");
        assert_eq!(hover_text(&p, 1.0, 0.9995), "1 ms \u{b7} p99.95");
        assert_eq!(hover_text(&p, 1.0, 0.5), "1 ms \u{b7} p50");
        p.x = Axis::new(
            "",
            Scale::Categories(vec!["reference".into(), "ttl-60".into()]),
        );
        assert_eq!(hover_text(&p, 1.0, 0.999), "ttl-60 \u{b7} p99.9");
        let desc = hover_desc(&[("a<b".into(), vec![(1, 2, "3 ms \u{b7} p50".into())])]);
        assert_eq!(
            desc,
            "<desc class=\"rs-hover\">\n#a&lt;b\n1 2 3 ms \u{b7} p50\n</desc>\n"
        );
        assert_eq!(hover_desc(&[]), "");
    }

    #[test]
    fn axis_titles_fit_their_axis_and_keep_their_unit() {
        fonts();
        let label = "reads missing a write committed T or more before (%)";
        assert_eq!(fitted_axis(label, 2000), (label.to_string(), AXIS_SIZE));
        let wide = text_size(label, AXIS_SIZE).0;
        let (_, size) = fitted_axis(label, wide - 30);
        assert!((14..AXIS_SIZE).contains(&size));
        let (short, size) = fitted_axis(label, 200);
        assert_eq!(size, 14);
        assert!(short.ends_with("… (%)"), "{short}");
        assert!(text_size(&short, 14).0 <= 200);
    }

    #[test]
    fn ticks_read_as_values() {
        assert_eq!(tick(&Scale::Log, 2.0, 3.0), "100");
        assert_eq!(tick(&Scale::Log, 0.5, 3.0), "");
        assert_eq!(tick(&Scale::Log, 0.7, 3.0), "5");
        assert_eq!(tick(&Scale::Nines, 2.0, 3.0), "99%");
        assert_eq!(tick(&Scale::Nines, 3.0, 3.0), "99.9%");
        assert_eq!(tick(&Scale::Nines, 4.0, 3.0), "99.99%");
        assert_eq!(tick(&Scale::Nines, 0.0, 3.0), "0%");
        // Linear: the decimals the axis needs, separators past 999.
        assert_eq!(tick(&Scale::Linear, 99.95, 0.2), "99.95");
        assert_eq!(tick(&Scale::Linear, 100.0, 0.2), "100.00");
        assert_eq!(tick(&Scale::Linear, 99.96, 0.0515), "99.96");
        assert_eq!(tick(&Scale::Linear, 2.5, 3.0), "2.5");
        assert_eq!(tick(&Scale::Linear, 2.0, 4.0), "2");
        assert_eq!(tick(&Scale::Linear, 593_511.0, 700_000.0), "593,511");
        assert_eq!(tick(&Scale::Linear, -1234.0, 5000.0), "-1,234");
        assert_eq!(tick(&Scale::Linear, 0.2, 1.0), "0.2");
        assert_eq!(tick(&Scale::Linear, 40.0, 100.0), "40");
        let cats = Scale::Categories(vec!["a".into(), "b".into()]);
        assert_eq!(tick(&cats, 1.0, 2.0), "b");
        assert_eq!(tick(&cats, 0.5, 2.0), "");
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(593_511.0), "593,511");
        assert_eq!(short(0.01234), "0.0123");
    }
}
