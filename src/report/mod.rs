//! Reports: `NAME/summary.json`, `NAME/timeline.csv` and the terminal table.
//!
//! Every file is written to a temporary name and renamed into place, so an
//! interrupted run never leaves a half-written report. Key order is fixed
//! (scenario order for regions, datasets and bounds) and nothing depends on
//! the wall clock, so the same inputs give byte-identical files.

pub use crate::analysis::aggregate;
pub use crate::files::write_atomic;
pub mod charts;
pub mod export;
pub mod figure_list;
pub mod format;
pub mod headroom;
pub mod html;
mod incidents;
pub mod output;
pub mod slo;
mod stations;
mod summary;
mod table;

pub use summary::{summary, summary_owned, COMMON_RANDOM_NUMBERS};
pub use table::table;

use crate::error::{Error, Result};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// The staleness bounds (`0ms`, `500ms`...) reported in a point's figures,
/// in scenario order.
pub fn stale_bounds(figures: &Value) -> Vec<String> {
    figures["clients"]
        .as_object()
        .and_then(|c| c.values().next())
        .and_then(|c| c["stale_reads"].as_object())
        .map(|b| b.keys().cloned().collect())
        .unwrap_or_default()
}

/// Some client region of a point's figures `f` saw a request fail: tables
/// then show availability (their rates and latencies count successes).
pub fn some_request_failed(f: &Value) -> bool {
    f["clients"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, c)| {
            aggregate::at(c, "requests.availability.mean")
                .and_then(Value::as_f64)
                .is_some_and(|a| a < 1.0)
        })
}

/// A point's monthly bill in words, if its scenario prices it: `$130.1
/// a month: inter-region transfer $108.7, internet egress $21.4 (prices:
/// aws 2022-01; 730 hours at the measured rates)`, each part that is not
/// zero named.
pub fn cost_line(f: &Value) -> Option<String> {
    let cost = f.get("cost")?;
    let usd = |k: &str| format::estimate(format::Shown::Count, cost.get(k));
    let some = |k: &str| {
        aggregate::at(cost, &format!("{k}.mean"))
            .or_else(|| cost.get(k))
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
            > 0.0
    };
    let mut parts = vec![format!(
        "inter-region transfer ${}",
        usd("transfer_usd_per_month")
    )];
    if some("replicated_writes_usd_per_month") {
        parts.push(format!(
            "replicated writes ${}",
            usd("replicated_writes_usd_per_month")
        ));
    }
    if some("egress_usd_per_month") {
        parts.push(format!("internet egress ${}", usd("egress_usd_per_month")));
    }
    Some(format!(
        "${} a month: {} (prices: {}; 730 hours at the measured rates)",
        usd("total_usd_per_month"),
        parts.join(", "),
        cost["prices"].as_str().unwrap_or_default(),
    ))
}

/// What the metastability judgement of a point says, in a sentence:
/// whether its app tiers, commit paths and client regions came back to
/// their state before the first incident, and when. `None` without a
/// `metastability` section.
pub fn metastability_line(point: &Value) -> Option<String> {
    let m = point["figures"].get("metastability")?;
    let within = point["metastability"]["within_ms"].as_f64().unwrap_or(0.0);
    let mean = |v: &Value, k: &str| aggregate::at(v, &format!("{k}.mean")).and_then(Value::as_f64);
    let verdict = match mean(m, "metastable") {
        None => {
            "not known (no bucket before the first failure, or too short a span after the last)"
                .to_string()
        }
        Some(x) if point["replications"].as_u64().unwrap_or(1) > 1 => format!(
            "metastable in {} of replications",
            format::value(format::Shown::Share, x)
        ),
        Some(x) if x > 0.0 => "METASTABLE".to_string(),
        Some(_) => "back in time".to_string(),
    };
    let mut parts = Vec::new();
    for (group, label) in [
        ("app_tiers", "app tier"),
        ("commit", "commit"),
        ("clients", "clients"),
    ] {
        for (name, c) in m[group].as_object().into_iter().flatten() {
            let back = match mean(c, "back_after_ms") {
                Some(_) => format!(
                    "back after {}",
                    format::estimate(format::Shown::Duration, c.get("back_after_ms"))
                ),
                None => "not back".to_string(),
            };
            parts.push(format!("{label} {name} {back}"));
        }
    }
    Some(format!(
        "Metastability (back within {} of each failure's end?): {verdict}; {}",
        format::duration_ms(within),
        parts.join(", ")
    ))
}

/// What a point's runs did that its figures alone do not say in words:
/// a failover that could not promote its named target.
pub fn notes(f: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        let passed = aggregate::at(d, "failover.target_passed_over.mean")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        if passed > 0.0 {
            let text = |k: &str| d["failover"][k].as_str().unwrap_or_default().to_string();
            out.push(format!(
                "dataset `{ds}`: its failover target {} could not be promoted ({} promotion{} a run on average: its database was down, or it was the primary that failed); the most caught-up replica up was promoted instead{}",
                text("target"),
                format::value(format::Shown::Count, passed),
                if passed == 1.0 { "" } else { "s" },
                match text("promoted").as_str() {
                    "" => String::new(),
                    p => format!(" (first: {p})"),
                }
            ));
        }
    }
    let slowed: Vec<&str> = f["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["label"].as_str())
        .filter(|l| l.contains(" app x") && l.ends_with(" slower"))
        .collect();
    if !slowed.is_empty() {
        out.push(format!(
            "{}: requests that queued during the slowdown keep their slowed service after it ends, so the backlog it leaves drains at the slowed rate: an upper bound on its after-effect (README, slow_factor)",
            slowed.join(", ")
        ));
    }
    out
}

/// Text made safe for XML and HTML, in element content and in quoted
/// attributes; control characters XML forbids are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes `contents` to `path`, creating its folder. Reports are written
/// into a new folder that replaces the old one only when complete
/// ([`output`]), so a file needs no rename of its own.
pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, contents).map_err(err)
}

/// Writes `v` to `path` as [`json_text`] would, streamed: the text of a
/// large model's summary (megabytes) is never held whole.
pub fn write_json(path: &Path, v: &Value) -> Result<()> {
    use std::io::Write as _;
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(err)?);
    serde_json::to_writer_pretty(&mut w, v).map_err(|e| err(e.into()))?;
    w.write_all(b"\n").map_err(err)?;
    w.into_inner().map_err(|e| err(e.into_error()))?;
    Ok(())
}

/// Pretty JSON, newline-terminated.
pub fn json_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialize");
    s.push('\n');
    s
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
/// break, quotes doubled.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The per-bucket series of every point (means over replications) as CSV:
/// request rates over all regions, then per client region its read rate
/// and stale share at each bound, then each replica's current lag.
pub fn timeline_csv(summary: &Value) -> String {
    let points: &[Value] = summary["points"].as_array().map_or(&[], Vec::as_slice);
    let Some(first) = points.first() else {
        return String::new();
    };
    let f = &first["figures"];
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    for (region, c) in f["clients"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, c)| charts::makes_reads(c))
    {
        columns.push((
            format!("reads_per_s@{region}"),
            vec![
                "clients".into(),
                region.clone(),
                "timeline".into(),
                "reads_per_s".into(),
            ],
        ));
        for b in c["timeline"]["stale_share"]
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys())
        {
            columns.push((
                format!("stale_share_{b}@{region}"),
                ["clients", region, "timeline", "stale_share", b]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ));
        }
    }
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        for region in d["replicas"].as_object().into_iter().flat_map(|o| o.keys()) {
            columns.push((
                format!("current_lag_ms_{ds}@{region}"),
                ["datasets", ds, "replicas", region, "current_lag_ms"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ));
        }
    }
    let mut out = String::from("point,bucket_start_s,reads_per_s,writes_per_s");
    for (name, _) in &columns {
        let _ = write!(out, ",{}", csv_field(name));
    }
    out.push('\n');
    let bucket_s = summary["bucket_s"].as_f64().unwrap_or(1.0);
    for p in points {
        let f = &p["figures"];
        let label = csv_field(p["label"].as_str().unwrap_or_default());
        let reads = f["timeline"].get("reads_per_s");
        let writes = f["timeline"].get("writes_per_s");
        let buckets = aggregate::series_len(reads);
        let series: Vec<Option<&Value>> = columns
            .iter()
            .map(|(_, path)| path.iter().try_fold(f, |node, k| node.get(k.as_str())))
            .collect();
        let mean = |v: Option<&Value>, i: usize| {
            aggregate::series_at(v, i)
                .0
                .map(|m| m.to_string())
                .unwrap_or_default()
        };
        for i in 0..buckets {
            let _ = write!(
                out,
                "{label},{},{},{}",
                bucket_s * i as f64,
                mean(reads, i),
                mean(writes, i)
            );
            for s in &series {
                let _ = write!(out, ",{}", mean(*s, i));
            }
            out.push('\n');
        }
    }
    out
}

/// Writes `NAME/summary.json`, `NAME/summary.md`, `NAME/timeline.csv` and,
/// when the scenario has SLOs, `NAME/junit.xml` under `dir`.
pub fn write_scenario(dir: &Path, summary: &Value) -> Result<()> {
    let folder = dir.join(summary["scenario"].as_str().unwrap_or("scenario"));
    write_json(&folder.join("summary.json"), summary)?;
    write_file(
        &folder.join("summary.md"),
        slo::markdown(summary).as_bytes(),
    )?;
    write_file(
        &folder.join("timeline.csv"),
        timeline_csv(summary).as_bytes(),
    )?;
    write_file(
        &folder.join("figures.csv"),
        export::figures_csv(summary).as_bytes(),
    )?;
    write_file(
        &folder.join("estimates.csv"),
        export::estimates_csv(summary).as_bytes(),
    )?;
    write_file(
        &folder.join("buckets.csv"),
        export::buckets_csv(summary).as_bytes(),
    )?;
    if let Some(xml) = slo::junit(summary) {
        write_file(&folder.join("junit.xml"), xml.as_bytes())?;
    }
    Ok(())
}

/// Writes every scenario's charts under `dir/NAME/charts/` and the
/// cross-scenario comparison under `dir/charts/`.
///
/// The summaries carry the page's region-to-colour map while the charts are
/// drawn (added, then taken out again: a copy of every summary, runs and
/// all, was 70 MiB of the shipped suite's peak).
pub fn write_charts(
    dir: &Path,
    summaries: &mut [Value],
) -> Result<(Vec<Vec<charts::Rendered>>, Option<charts::Rendered>)> {
    use rayon::prelude::*;
    let colors = charts::region_colors(summaries);
    for s in summaries.iter_mut() {
        s["region_colors"] = colors.clone();
    }
    let drawn = summaries
        .par_iter()
        .map(|s| {
            let name = s["scenario"].as_str().unwrap_or("scenario");
            charts::write_scenario_charts(&dir.join(name).join("charts"), s)
        })
        .collect::<Result<Vec<_>>>()
        .and_then(|per| {
            Ok((
                per,
                charts::write_comparison(&dir.join("charts"), summaries)?,
            ))
        });
    for s in summaries.iter_mut() {
        if let Some(o) = s.as_object_mut() {
            o.remove("region_colors");
        }
    }
    drawn
}

/// Writes `summary.md` of every scenario under `dir`: what a CI job puts in
/// its step summary.
pub fn write_index(dir: &Path, summaries: &[Value]) -> Result<()> {
    let mut md = String::from("# regionsim results\n\n");
    let (mut pass, mut fail) = (0, 0);
    for s in summaries {
        let (p, f) = slo::counts(s);
        pass += p;
        fail += f;
    }
    if pass + fail > 0 {
        let _ = writeln!(
            md,
            "SLOs: **{pass} passed, {fail} failed** across {} {}.\n",
            summaries.len(),
            if summaries.len() == 1 {
                "scenario"
            } else {
                "scenarios"
            }
        );
    }
    for s in summaries {
        md.push_str(&slo::markdown(s));
        md.push('\n');
    }
    write_file(&dir.join("summary.md"), md.as_bytes())
}

/// The per-user columns of the client tables of point figures `f`:
/// (header, path of the share under a client), those the scenario has.
pub fn user_columns(f: &Value) -> Vec<(&'static str, &'static str)> {
    let first = f["clients"]
        .as_object()
        .and_then(|c| c.values().next())
        .map(|c| &c["users"]);
    let Some(users) = first.filter(|u| !u.is_null()) else {
        return Vec::new();
    };
    let mut columns = vec![
        ("RYW", "users.read_your_writes.share"),
        ("non-monotonic", "users.monotonic_reads.share"),
    ];
    if !users["session_misses"].is_null() {
        columns.push(("session miss", "users.session_misses.share"));
    }
    columns
}

/// Whether some dataset of the point figures `f` is held to residency
/// rules.
pub fn has_residency(f: &Value) -> bool {
    f["datasets"]
        .as_object()
        .is_some_and(|d| d.values().any(|d| !d["residency"].is_null()))
}

/// The placement strategy of the dataset figures `d` (`single-primary`,
/// `active-active`, `geo-sharded`), as the figures say.
pub fn placement_of(d: &Value) -> &str {
    d["placement"].as_str().unwrap_or_default()
}

/// How replica `region` of the dataset figures `d` gets its writes, for
/// tables: from the primary, from its shard's home, from the other copies,
/// or (the primary's own slot) after a failover deposed it.
pub fn replica_source(d: &Value, region: &str) -> String {
    let primary = d["primary"].as_str().unwrap_or_default();
    match placement_of(d) {
        "geo-sharded" => "from its shard's home".to_string(),
        "active-active" => "from the other copies".to_string(),
        "single-primary" if region == primary => "after a failover".to_string(),
        "single-primary" => format!("from {primary}"),
        // Figures of a strategy this report does not know yet: say so.
        other => format!("by {other} replication"),
    }
}

/// Whether some dataset of the point figures `f` is active-active (has
/// conflict figures).
pub fn has_conflicts(f: &Value) -> bool {
    f["datasets"]
        .as_object()
        .is_some_and(|d| d.values().any(|d| !d["conflicts"].is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The figures say the strategy: no guess from the label or from an
    /// empty primary (a geo-sharded dataset has no single primary either).
    #[test]
    fn a_replica_source_follows_the_placement_the_figures_state() {
        let sp = json!({"placement": "single-primary", "primary": "us-east-1"});
        assert_eq!(replica_source(&sp, "eu-west-1"), "from us-east-1");
        assert_eq!(replica_source(&sp, "us-east-1"), "after a failover");
        let aa = json!({"placement": "active-active", "primary": ""});
        assert_eq!(replica_source(&aa, "eu-west-1"), "from the other copies");
        let geo = json!({"placement": "geo-sharded", "primary": "", "replication": "async"});
        assert_eq!(
            replica_source(&geo, "eu-central-1"),
            "from its shard's home"
        );
        let next = json!({"placement": "leaderless", "primary": ""});
        assert_eq!(replica_source(&next, "a"), "by leaderless replication");
    }
}
