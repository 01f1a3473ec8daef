//! The table printed after a run: what an architect reads first. Figures
//! are means over replications, with their interval as [`super::format`]
//! writes it everywhere.

use super::aggregate::at;
use super::format::{estimate, Shown};
use serde_json::Value;
use std::fmt::Write as _;

fn ms(v: Option<&Value>) -> String {
    estimate(Shown::Duration, v)
}

fn pct(v: Option<&Value>) -> String {
    estimate(Shown::Share, v)
}

fn rate(count: Option<&Value>, seconds: f64) -> String {
    match count.and_then(|c| c.get("mean")).and_then(Value::as_f64) {
        None => "-".into(),
        Some(m) => format!("{:.1}", m / seconds),
    }
}

/// Rows as aligned text: the first column to the left, the others to the
/// right, each as wide as its widest cell.
fn aligned(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|t| t.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        for (c, cell) in r.iter().enumerate() {
            let w = width[c];
            if c == 0 {
                let _ = write!(out, "{cell:<w$}");
            } else {
                let _ = write!(out, "  {cell:>w$}");
            }
        }
        out.push('\n');
    }
    out
}

const CLIENT_COLUMNS: [&str; 7] = [
    "reads/s",
    "read p50",
    "read p99",
    "writes/s",
    "write p50",
    "write p99",
    "write max",
];
fn client_row(
    label: &str,
    c: &Value,
    seconds: f64,
    bounds: &[String],
    availability: bool,
    users: &[(&str, &str)],
) -> Vec<String> {
    let mut row = vec![
        label.to_string(),
        rate(at(c, "read_latency.count"), seconds),
        ms(at(c, "read_latency.p50_ms")),
        ms(at(c, "read_latency.p99_ms")),
        rate(at(c, "write_latency.count"), seconds),
        ms(at(c, "write_latency.p50_ms")),
        ms(at(c, "write_latency.p99_ms")),
        ms(at(c, "write_latency.max_ms")),
    ];
    if availability {
        row.push(pct(at(c, "requests.availability")));
    }
    for b in bounds {
        let share = c
            .get("stale_reads")
            .and_then(|s| s.get(b))
            .and_then(|s| s.get("share"));
        row.push(pct(share));
    }
    for (_, path) in users {
        row.push(pct(at(c, path)));
    }
    row
}

/// One row per dataset: its replication mode, writes, and how many were
/// acknowledged before any replica had them (and semi-sync fallbacks).
fn dataset_rows(f: &Value, seconds: f64) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "dataset",
        "replication",
        "commits/s",
        "acked unreplicated",
        "fallbacks",
        "fallen back",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect::<Vec<_>>()];
    let conflicts = super::has_conflicts(f);
    if conflicts {
        rows[0].extend(["conflicts/s".to_string(), "lost updates".to_string()]);
    }
    let residency = super::has_residency(f);
    if residency {
        rows[0].extend([
            "residency violations".to_string(),
            "cross-border reads".to_string(),
        ]);
    }
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        let count = |path: &str| {
            at(d, path)
                .and_then(|v| v.get("mean"))
                .and_then(Value::as_f64)
                .map_or("-".into(), |m| format!("{m:.1}"))
        };
        rows.push(vec![
            ds.clone(),
            d["replication"].as_str().unwrap_or_default().to_string(),
            rate(at(d, "writes.committed"), seconds),
            pct(at(d, "writes.unreplicated_share")),
            count("semi_sync.fallbacks"),
            pct(at(d, "semi_sync.fallback_share")),
        ]);
        if conflicts {
            let row = rows.last_mut().expect("just pushed");
            row.push(estimate(Shown::Count, at(d, "conflicts.conflicts_per_s")));
            row.push(pct(at(d, "conflicts.lost_update_share")));
        }
        if residency {
            let row = rows.last_mut().expect("just pushed");
            row.push(estimate(Shown::Count, at(d, "residency.violations")));
            row.push(estimate(
                Shown::Count,
                at(d, "residency.cross_border_reads"),
            ));
        }
    }
    rows
}

/// Renders a scenario summary (see [`super::summary`]) as fixed-width text.
pub fn table(s: &Value) -> String {
    let mut out = String::new();
    let n = s["replications"].as_u64().unwrap_or(1);
    let seconds = s["duration_s"].as_f64().unwrap_or(1.0);
    let _ = writeln!(
        out,
        "== {} == {n} replication{}{}, {}s measured after {}s warm-up",
        s["scenario"].as_str().unwrap_or_default(),
        if n == 1 { "" } else { "s" },
        if n > 1 {
            format!(" ({})", super::format::SPREAD_NOTE)
        } else {
            String::new()
        },
        seconds,
        s["warmup_s"].as_f64().unwrap_or(0.0),
    );
    if let Some(sweep) = s["sweep"].as_object() {
        let params: Vec<&str> = sweep["parameters"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "sweep ({}) over {}; common random numbers: every point sees the same random streams",
            sweep["mode"].as_str().unwrap_or_default(),
            params.join(", ")
        );
    }
    for over in s["overrides"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "override: --set {}", over.as_str().unwrap_or_default());
    }
    let swept = !s["sweep"].is_null();
    for point in s["points"].as_array().into_iter().flatten() {
        let f = &point["figures"];
        if swept {
            let _ = writeln!(out, "-- {} --", point["label"].as_str().unwrap_or_default());
        }
        let clients = f["clients"].as_object();
        let bounds = super::stale_bounds(f);
        // Availability only where some request failed: rates and latencies
        // then count the requests that succeeded.
        let availability = super::some_request_failed(f);
        let mut header = vec!["client region".to_string()];
        header.extend(CLIENT_COLUMNS.iter().map(|c| c.to_string()));
        if availability {
            header.push("availability".into());
        }
        header.extend(bounds.iter().map(|b| format!("stale@{b}")));
        let users = super::user_columns(f);
        header.extend(users.iter().map(|(h, _)| h.to_string()));
        let mut rows = vec![header];
        let multi = f["datasets"].as_object().is_some_and(|d| d.len() > 1);
        for (name, c) in clients.into_iter().flatten() {
            rows.push(client_row(name, c, seconds, &bounds, availability, &users));
            if multi {
                for (ds, dc) in c["by_dataset"].as_object().into_iter().flatten() {
                    rows.push(client_row(
                        &format!("  {ds}"),
                        dc,
                        seconds,
                        &bounds,
                        availability,
                        &users,
                    ));
                }
            }
        }
        out.push_str(&aligned(&rows));
        out.push_str(&aligned(&dataset_rows(f, seconds)));
        let mut rows = vec![[
            "replica",
            "lag p50",
            "lag p99",
            "lag p99.9",
            "lag max",
            "apply wait",
            "apply busy",
            "current max",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()];
        for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
            for (region, r) in d["replicas"].as_object().into_iter().flatten() {
                let from = super::replica_source(d, region);
                let mut row = vec![format!("{ds}@{region} ({from})")];
                for path in [
                    "lag.p50_ms",
                    "lag.p99_ms",
                    "lag.p999_ms",
                    "lag.max_ms",
                    "apply_wait.mean_ms",
                ] {
                    row.push(ms(at(r, path)));
                }
                row.push(pct(at(r, "apply_utilisation")));
                row.push(ms(at(r, "current_lag_max_ms")));
                rows.push(row);
            }
        }
        out.push_str(&aligned(&rows));
        if let Some(line) = super::cost_line(f) {
            let _ = writeln!(out, "{line}");
        }
        out.push_str(&aligned(&super::stations::rows(f)));
        if let Some(line) = super::metastability_line(point) {
            let _ = writeln!(out, "{line}");
        }
        let threshold = s["availability_threshold"].as_f64().unwrap_or(0.99);
        out.push_str(&aligned(&super::incidents::rows(point, threshold)));
        for note in super::notes(f) {
            let _ = writeln!(out, "note: {note}");
        }
    }
    for w in s["warnings"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "warning: {}", w.as_str().unwrap_or_default());
    }
    out
}
