//! The report of a headroom search: the printed table, headroom.md,
//! headroom.json and a chart of the SLO that broke first against the
//! parameter, the boundary marked.

use super::charts::{Axis, Figure, Panel, RefLine, Scale, Series, Window};
use crate::runner::headroom::{show, Outcome};
use std::fmt::Write as _;

/// The outcome as lines of text (the table and summary.md share them).
pub fn text(scenario: &str, o: &Outcome) -> String {
    let mut out = String::new();
    let point = if o.point == "base" {
        String::new()
    } else {
        format!(" [{}]", o.point)
    };
    let _ = writeln!(
        out,
        "== {scenario}{point}: headroom of `{}` ==",
        o.parameter
    );
    let bracket = match (o.headroom, o.breaks_at) {
        (Some(lo), Some(hi)) => format!(
            "every SLO holds at {p} = {} and some breaks at {}: the boundary is in ({}, {}], known to {:.1}% (asked {}%); headroom x{} over the start ({})",
            show(lo),
            show(hi),
            show(lo),
            show(hi),
            o.precision.unwrap_or(0.0) * 100.0,
            show(o.precision_target * 100.0),
            show(o.headroom_factor.unwrap_or(0.0)),
            show(o.start),
            p = o.parameter,
        ),
        (Some(lo), None) => format!(
            "every SLO holds at every value tried, up to {} = {}",
            o.parameter,
            show(lo)
        ),
        (None, Some(hi)) => format!(
            "some SLO breaks at every value tried, down to {} = {}",
            o.parameter,
            show(hi)
        ),
        (None, None) => "nothing was tried".into(),
    };
    let _ = writeln!(out, "{bracket}");
    if let Some(first) = &o.first_to_break {
        let _ = writeln!(out, "first to break: {first}");
    }
    if let Some(note) = &o.note {
        let _ = writeln!(out, "note: {note}");
    }
    let _ = writeln!(
        out,
        "{} runs in {} rounds ({} values x {} replication{}, common random numbers){}",
        o.runs,
        o.rounds,
        o.trials.len(),
        o.replications,
        if o.replications == 1 { "" } else { "s" },
        o.sweep_runs.map_or(String::new(), |n| format!(
            "; a plain sweep at this precision over [{}, {}] would take {n}",
            show(o.start),
            show(o.breaks_at.unwrap_or(o.start))
        )),
    );
    let name_w = o
        .slos
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let _ = writeln!(
        out,
        "{:<name_w$}  {:>12}  {:>12}",
        "SLO", "holds up to", "breaks at"
    );
    for s in &o.slos {
        let _ = writeln!(
            out,
            "{:<name_w$}  {:>12}  {:>12}",
            s.name,
            s.holds_up_to.map_or("-".into(), show),
            s.breaks_at.map_or("-".into(), show)
        );
    }
    let _ = writeln!(out, "{:>12}  {:<6}  SLOs", o.parameter, "all");
    for t in &o.trials {
        let broken: Vec<&str> = t
            .verdicts
            .iter()
            .filter(|v| !v.pass)
            .map(|v| v.name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "{:>12}  {:<6}  {}",
            show(t.value),
            if t.pass { "hold" } else { "break" },
            if broken.is_empty() {
                String::new()
            } else {
                format!("broken: {}", broken.join("; "))
            }
        );
    }
    out
}

/// The metric of the SLO that broke first (or of the first SLO) against
/// the parameter: one point per value tried, the bound as a line, the
/// bracket shaded.
pub fn chart(scenario: &str, o: &Outcome, stem: &str) -> Option<Figure> {
    let k = o
        .first_to_break
        .as_ref()
        .and_then(|n| o.slos.iter().position(|s| &s.name == n))
        .unwrap_or(0);
    let slo = o.slos.get(k)?;
    let (unit, scale) =
        crate::metrics::unit_of(&slo.metric).map_or(("", 1.0), crate::metrics::Unit::axis);
    let words = super::charts::metric_words(&slo.metric);
    let mut series = Series {
        name: words.clone(),
        color: 0,
        ..Series::default()
    };
    for t in &o.trials {
        if let Some(m) = t.verdicts.get(k).and_then(|v| v.mean) {
            series.points.push((t.value, m * scale));
            series.markers.push((
                t.value,
                m * scale,
                if t.pass { String::new() } else { "x".into() },
            ));
        }
    }
    if series.points.is_empty() {
        return None;
    }
    let label = if unit.is_empty() {
        words
    } else {
        format!("{words} ({unit})")
    };
    // A metric that explodes past the boundary (a lag past saturation)
    // spans decades: on a log axis the values near the bound stay visible.
    let ys: Vec<f64> = series.points.iter().map(|p| p.1).collect();
    let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ys.iter().copied().fold(0.0, f64::max);
    let y = if lo > 0.0 && hi / lo > 100.0 {
        Axis::new(format!("{label}, log scale"), Scale::Log)
    } else {
        Axis::from_zero(label)
    };
    let mut p = Panel::lines(
        format!("First to break: {} ({})", slo.name, slo.bound),
        Axis::from_zero(o.parameter.clone()),
        y,
    );
    if let Some(limit) = o.trials.first().and_then(|t| t.verdicts.get(k)?.limit) {
        p.hlines.push(RefLine {
            at: limit * scale,
            label: format!(" bound {}", slo.bound),
        });
    }
    if let (Some(lo), Some(hi)) = (o.headroom, o.breaks_at) {
        p.windows.push(Window {
            from: lo,
            to: hi,
            label: format!(" boundary: {} to {}", show(lo), show(hi)),
        });
        p.vlines.push(RefLine {
            at: lo,
            label: format!(" headroom {}", show(lo)),
        });
    }
    p.series.push(series);
    let point = if o.point == "base" {
        String::new()
    } else {
        format!(" [{}]", o.point)
    };
    Some(Figure {
        stem: stem.into(),
        title: format!("{scenario}: headroom of {}{point}", o.parameter),
        panels: vec![p],
    })
}
