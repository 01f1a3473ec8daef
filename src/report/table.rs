//! The table printed after a run: what an architect reads first.

use super::summary::{ClientFigures, Latency, ReplicaFigures, Summary};
use std::fmt::Write as _;

fn ms(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(v) if v >= 1000.0 => format!("{:.2}s", v / 1000.0),
        Some(v) if v >= 10.0 => format!("{v:.1}ms"),
        Some(v) => format!("{v:.2}ms"),
    }
}

fn pct(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

fn rate(l: &Latency, seconds: f64) -> String {
    format!("{:.1}", l.count as f64 / seconds)
}

/// Renders a summary as a fixed-width table.
pub fn table(s: &Summary) -> String {
    let mut out = String::new();
    let runs = s.replications as f64;
    let _ = writeln!(
        out,
        "== {} == {} replication{}, {}s measured after {}s warm-up, {} events",
        s.scenario,
        s.replications,
        if s.replications == 1 { "" } else { "s" },
        s.duration_s,
        s.warmup_s,
        s.pooled.events
    );
    let bounds: Vec<String> = s
        .pooled
        .clients
        .0
        .first()
        .map(|(_, c)| c.stale_reads.0.iter().map(|(b, _)| b.clone()).collect())
        .unwrap_or_default();
    let mut header = format!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "client region",
        "reads/s",
        "read p50",
        "read p99",
        "writes/s",
        "write p50",
        "write p99",
        "write max"
    );
    for b in &bounds {
        let _ = write!(header, " {:>11}", format!("stale@{b}"));
    }
    let _ = writeln!(out, "{header}");
    let multi = s.pooled.datasets.0.len() > 1;
    for (name, c) in &s.pooled.clients.0 {
        let _ = writeln!(out, "{}", client_row(name, c, s.duration_s * runs));
        if multi {
            for (ds, dc) in &c.by_dataset.0 {
                let _ = writeln!(
                    out,
                    "{}",
                    client_row(&format!("  {ds}"), dc, s.duration_s * runs)
                );
            }
        }
    }
    let replicas: Vec<(String, &ReplicaFigures)> = s
        .pooled
        .datasets
        .0
        .iter()
        .flat_map(|(ds, d)| {
            d.replicas
                .0
                .iter()
                .map(move |(region, r)| (format!("{ds}@{region} (from {})", d.primary), r))
        })
        .collect();
    let w = replicas
        .iter()
        .map(|(l, _)| l.len())
        .max()
        .unwrap_or(0)
        .max(7);
    let _ = writeln!(
        out,
        "{:<w$} {:>9} {:>9} {:>9} {:>9} {:>11} {:>12}",
        "replica", "lag p50", "lag p99", "lag p99.9", "lag max", "apply wait", "current max"
    );
    for (label, r) in replicas {
        let _ = writeln!(
            out,
            "{:<w$} {:>9} {:>9} {:>9} {:>9} {:>11} {:>12}",
            label,
            ms(r.lag.p50_ms),
            ms(r.lag.p99_ms),
            ms(r.lag.p999_ms),
            ms(r.lag.max_ms),
            ms(r.apply_wait.mean_ms),
            ms(Some(r.current_lag_max_ms)),
        );
    }
    for w in &s.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

fn client_row(label: &str, c: &ClientFigures, seconds: f64) -> String {
    let mut row = format!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        label,
        rate(&c.read_latency, seconds),
        ms(c.read_latency.p50_ms),
        ms(c.read_latency.p99_ms),
        rate(&c.write_latency, seconds),
        ms(c.write_latency.p50_ms),
        ms(c.write_latency.p99_ms),
        ms(c.write_latency.max_ms),
    );
    for (_, st) in &c.stale_reads.0 {
        let _ = write!(row, " {:>11}", pct(st.share));
    }
    row
}
