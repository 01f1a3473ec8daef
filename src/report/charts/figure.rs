//! What a chart shows, independent of how it is drawn: a figure of stacked
//! panels sharing one legend. Chart functions build these from a summary;
//! `render` draws them to SVG and PNG.

/// Okabe-Ito colours (Color Universal Design), yellow last: it is the one
/// that reads poorly on white. Distinguishable with the common colour
/// vision deficiencies.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xD5, 0x5E, 0x00), // vermillion
    (0x56, 0xB4, 0xE9), // sky blue
    (0xCC, 0x79, 0xA7), // reddish purple
    (0x00, 0x00, 0x00), // black
    (0xF0, 0xE4, 0x42), // yellow
];

/// A neutral grey for context (outlines), outside the palette.
pub const GREY: usize = usize::MAX;
/// Greys from light to dark, for classes that must not look like regions.
pub const GREYS: [usize; 4] = [
    usize::MAX - 4,
    usize::MAX - 3,
    usize::MAX - 2,
    usize::MAX - 1,
];
/// The faint line of coastlines behind a map.
pub const COAST: usize = usize::MAX - 5;

/// The RGB of a colour index: the palette (wrapping), or one of the greys.
pub fn rgb_of(i: usize) -> (u8, u8, u8) {
    match i {
        GREY => (150, 150, 150),
        COAST => (205, 212, 220),
        i if GREYS.contains(&i) => {
            let k = GREYS.iter().position(|&g| g == i).unwrap_or(0) as u8;
            let v = 190 - 45 * k;
            (v, v, v)
        }
        i => color(i),
    }
}

/// The colour of palette entry `i` (wrapping).
pub fn color(i: usize) -> (u8, u8, u8) {
    PALETTE[i % PALETTE.len()]
}

/// How an axis maps values to positions.
#[derive(Clone, Debug, PartialEq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Logarithmic (values must be positive; others are dropped).
    Log,
    /// For quantile levels: position -log10(1 - q), so 90 %, 99 %, 99.9 %
    /// are evenly spaced and the tail is visible.
    Nines,
    /// Named positions 0, 1, 2... with these labels.
    Categories(Vec<String>),
}

/// An axis: its scale and its label, which carries the unit.
#[derive(Clone, Debug)]
pub struct Axis {
    /// e.g. `latency (ms, log scale)`.
    pub label: String,
    /// How values map to positions.
    pub scale: Scale,
    /// Include this value in the range (e.g. 0 for counts).
    pub include: Option<f64>,
}

impl Axis {
    /// A linear axis starting at zero.
    pub fn from_zero(label: impl Into<String>) -> Axis {
        Axis {
            label: label.into(),
            scale: Scale::Linear,
            include: Some(0.0),
        }
    }
    /// An axis with the given scale.
    pub fn new(label: impl Into<String>, scale: Scale) -> Axis {
        Axis {
            label: label.into(),
            scale,
            include: None,
        }
    }
}

/// One line (or set of bars) of data.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Legend entry; series of one name share a colour across panels.
    pub name: String,
    /// Palette index.
    pub color: usize,
    /// (x, y) points, in data units.
    pub points: Vec<(f64, f64)>,
    /// (x, low, high): a confidence band drawn behind the line.
    pub band: Vec<(f64, f64, f64)>,
    /// Labelled markers on the line, e.g. p99.
    pub markers: Vec<(f64, f64, String)>,
    /// Draw the markers' labels without their dots (a caption placed on
    /// the plot, like a zone's name).
    pub labels_only: bool,
}

/// A labelled reference line: an SLO bound, a failover milestone.
#[derive(Clone, Debug)]
pub struct RefLine {
    /// Position, in data units.
    pub at: f64,
    /// Text drawn next to it.
    pub label: String,
}

/// A shaded span of x: a failure window.
#[derive(Clone, Debug)]
pub struct Window {
    /// Start, in x data units.
    pub from: f64,
    /// End, in x data units.
    pub to: f64,
    /// Text drawn in it.
    pub label: String,
}

/// How a panel draws its series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marks {
    /// Lines through the points.
    Lines,
    /// Grouped bars at categorical x (one bar per series per category).
    Bars,
}

/// One plot area with its axes.
#[derive(Clone, Debug)]
pub struct Panel {
    /// Caption above the plot.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// The data.
    pub series: Vec<Series>,
    /// Horizontal reference lines (e.g. SLO bounds), at y values.
    pub hlines: Vec<RefLine>,
    /// Vertical reference lines (e.g. milestones), at x values.
    pub vlines: Vec<RefLine>,
    /// Shaded x spans (e.g. failures).
    pub windows: Vec<Window>,
    /// Lines or bars.
    pub marks: Marks,
    /// Whether the page shows each point's values under the pointer (not
    /// on a map, whose points are places).
    pub hover: bool,
}

impl Panel {
    /// A line panel with no data yet.
    pub fn lines(title: impl Into<String>, x: Axis, y: Axis) -> Panel {
        Panel {
            title: title.into(),
            x,
            y,
            series: Vec::new(),
            hlines: Vec::new(),
            vlines: Vec::new(),
            windows: Vec::new(),
            marks: Marks::Lines,
            hover: true,
        }
    }
}

/// A chart: a title, stacked panels and one legend beside them.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File name without extension, e.g. `latency-cdf`.
    pub stem: String,
    /// Title drawn on top.
    pub title: String,
    /// Panels, top to bottom.
    pub panels: Vec<Panel>,
}

impl Figure {
    /// The legend: each series name once, with its colour, in order.
    pub fn legend(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for s in self.panels.iter().flat_map(|p| &p.series) {
            if !s.name.is_empty() && !out.iter().any(|(n, _)| *n == s.name) {
                out.push((s.name.clone(), s.color));
            }
        }
        out
    }
}
