//! The table printed after a run: what an architect reads first. Figures
//! are means over replications, with the 95 % interval half-width after
//! `±` when there are two or more.

use super::aggregate::at;
use serde_json::Value;
use std::fmt::Write as _;

/// (mean, half-width) of an aggregated figure.
fn estimate(v: Option<&Value>) -> Option<(f64, Option<f64>)> {
    let v = v?;
    let mean = v.get("mean")?.as_f64()?;
    let half = v.get("ci_high").and_then(Value::as_f64).map(|h| h - mean);
    Some((mean, half))
}

fn ms_text(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2}s", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.1}ms")
    } else {
        format!("{v:.2}ms")
    }
}

fn ms(v: Option<&Value>) -> String {
    match estimate(v) {
        None => "-".into(),
        Some((m, None)) => ms_text(m),
        Some((m, Some(h))) => format!("{}±{}", ms_text(m), ms_text(h).trim_end_matches("ms")),
    }
}

fn pct(v: Option<&Value>) -> String {
    match estimate(v) {
        None => "-".into(),
        Some((m, None)) => format!("{:.2}%", m * 100.0),
        Some((m, Some(h))) => format!("{:.2}±{:.2}%", m * 100.0, h * 100.0),
    }
}

fn rate(count: Option<&Value>, seconds: f64) -> String {
    match estimate(count) {
        None => "-".into(),
        Some((m, _)) => format!("{:.1}", m / seconds),
    }
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
const W: usize = 13;

fn client_row(label: &str, c: &Value, seconds: f64, bounds: &[String]) -> String {
    let cells = [
        rate(at(c, "read_latency.count"), seconds),
        ms(at(c, "read_latency.p50_ms")),
        ms(at(c, "read_latency.p99_ms")),
        rate(at(c, "write_latency.count"), seconds),
        ms(at(c, "write_latency.p50_ms")),
        ms(at(c, "write_latency.p99_ms")),
        ms(at(c, "write_latency.max_ms")),
    ];
    let mut row = format!("{label:<16}");
    for cell in cells {
        let _ = write!(row, " {cell:>W$}");
    }
    for b in bounds {
        let share = c
            .get("stale_reads")
            .and_then(|s| s.get(b))
            .and_then(|s| s.get("share"));
        let _ = write!(row, " {:>W$}", pct(share));
    }
    row
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
            " (mean ± 95 % CI half-width)"
        } else {
            ""
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
        let mut header = format!("{:<16}", "client region");
        for c in CLIENT_COLUMNS {
            let _ = write!(header, " {c:>W$}");
        }
        for b in &bounds {
            let _ = write!(header, " {:>W$}", format!("stale@{b}"));
        }
        let _ = writeln!(out, "{header}");
        let multi = f["datasets"].as_object().is_some_and(|d| d.len() > 1);
        for (name, c) in clients.into_iter().flatten() {
            let _ = writeln!(out, "{}", client_row(name, c, seconds, &bounds));
            if multi {
                for (ds, dc) in c["by_dataset"].as_object().into_iter().flatten() {
                    let _ = writeln!(
                        out,
                        "{}",
                        client_row(&format!("  {ds}"), dc, seconds, &bounds)
                    );
                }
            }
        }
        let mut replicas = Vec::new();
        for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
            for (region, r) in d["replicas"].as_object().into_iter().flatten() {
                let primary = d["primary"].as_str().unwrap_or_default();
                replicas.push((format!("{ds}@{region} (from {primary})"), r));
            }
        }
        let w = replicas
            .iter()
            .map(|(l, _)| l.len())
            .max()
            .unwrap_or(0)
            .max(7);
        let mut header = format!("{:<w$}", "replica");
        for c in [
            "lag p50",
            "lag p99",
            "lag p99.9",
            "lag max",
            "apply wait",
            "current max",
        ] {
            let _ = write!(header, " {c:>W$}");
        }
        let _ = writeln!(out, "{header}");
        for (label, r) in replicas {
            let mut row = format!("{label:<w$}");
            for path in [
                "lag.p50_ms",
                "lag.p99_ms",
                "lag.p999_ms",
                "lag.max_ms",
                "apply_wait.mean_ms",
                "current_lag_max_ms",
            ] {
                let _ = write!(row, " {:>W$}", ms(at(r, path)));
            }
            let _ = writeln!(out, "{row}");
        }
    }
    for w in s["warnings"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "warning: {}", w.as_str().unwrap_or_default());
    }
    out
}
