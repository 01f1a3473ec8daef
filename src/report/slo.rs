//! Judging SLOs on a point's replications, and the files CI reads: JUnit
//! XML (one test case per SLO and sweep point) and a Markdown summary.

use super::escape;
use crate::analysis::aggregate::at;
pub use crate::analysis::verdict::verdict;
use serde_json::Value;
use std::fmt::Write as _;

/// (passed, failed) over every point of a summary.
pub fn counts(summary: &Value) -> (usize, usize) {
    let mut pass = 0;
    let mut fail = 0;
    for p in summary["points"].as_array().into_iter().flatten() {
        for v in p["slo"].as_array().into_iter().flatten() {
            if v["verdict"] == "pass" {
                pass += 1;
            } else {
                fail += 1;
            }
        }
    }
    (pass, fail)
}

/// One line per SLO verdict, for the terminal.
pub fn verdict_lines(summary: &Value) -> String {
    let mut out = String::new();
    let name = summary["scenario"].as_str().unwrap_or_default();
    let swept = !summary["sweep"].is_null();
    for p in summary["points"].as_array().into_iter().flatten() {
        for v in p["slo"].as_array().into_iter().flatten() {
            let point = if swept {
                format!(" [{}]", p["label"].as_str().unwrap_or_default())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{} {name}{point}: {}: {} ({}{}; metric {})",
                if v["verdict"] == "pass" {
                    "PASS"
                } else {
                    "FAIL"
                },
                v["name"].as_str().unwrap_or_default(),
                v["comparison"].as_str().unwrap_or_default(),
                judged_on(v),
                mean_aside(v),
                v["metric"].as_str().unwrap_or_default(),
            );
        }
    }
    out
}

/// `judged on the mean` or `judged on the upper end of the 95% interval`.
fn judged_on(v: &Value) -> String {
    format!(
        "judged on the {}",
        v["judged_on"].as_str().unwrap_or_default()
    )
}

/// `; mean 42.13s` when the value judged is not the mean.
fn mean_aside(v: &Value) -> String {
    if v["judged_on"] == "mean" {
        String::new()
    } else {
        format!("; mean {}", v["mean_text"].as_str().unwrap_or_default())
    }
}

/// Every SLO verdict of `summaries`, one flat object each, in scenario,
/// point and SLO order: what `check --format json` prints for a CI step to
/// read first. `pass` is the verdict; `value` the number judged (the mean,
/// or an end of its interval), `bound` the objective as written.
pub fn verdicts(summaries: &[Value]) -> Value {
    let mut out = Vec::new();
    for s in summaries {
        for p in s["points"].as_array().into_iter().flatten() {
            for v in p["slo"].as_array().into_iter().flatten() {
                out.push(serde_json::json!({
                    "scenario": s["scenario"],
                    "point": p["label"],
                    "slo": v["name"],
                    "figure": v["metric"],
                    "value": v["judged"],
                    "value_text": v["judged_text"],
                    "judged_on": v["judged_on"],
                    "mean": v["mean"],
                    "bound": v["bound"],
                    "comparison": v["comparison"],
                    "replications": v["replications"],
                    "pass": v["verdict"] == "pass",
                }));
            }
        }
    }
    Value::Array(out)
}

/// The JUnit test case names of one point's verdicts: the SLO's name
/// (given, or its figure path), which a change of its bound leaves alone so
/// that CI dashboards keep the test's history; two SLOs of one name are
/// told apart by their direction (`max`, `min`), then by their order.
fn case_names(slos: &[Value]) -> Vec<String> {
    let base: Vec<String> = slos
        .iter()
        .map(|v| v["name"].as_str().unwrap_or_default().to_string())
        .collect();
    let with_direction: Vec<String> = slos
        .iter()
        .zip(&base)
        .map(|(v, n)| {
            if base.iter().filter(|b| *b == n).count() > 1 {
                let dir = if v["max"].is_null() { "min" } else { "max" };
                format!("{n} ({dir})")
            } else {
                n.clone()
            }
        })
        .collect();
    with_direction
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let k = with_direction[..i].iter().filter(|m| *m == n).count();
            if k > 0 {
                format!("{n} #{}", k + 1)
            } else {
                n.clone()
            }
        })
        .collect()
}

/// JUnit XML of a summary's SLO verdicts: one test suite per scenario, one
/// test case per SLO and sweep point, named by [`case_names`] (the bound is
/// in the case's message, never in its name). `None` when it has no SLOs.
pub fn junit(summary: &Value) -> Option<String> {
    let (pass, fail) = counts(summary);
    if pass + fail == 0 {
        return None;
    }
    let name = escape(summary["scenario"].as_str().unwrap_or_default());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"regionsim\" tests=\"{}\" failures=\"{fail}\">",
        pass + fail
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{fail}\" errors=\"0\" skipped=\"0\">",
        pass + fail
    );
    for p in summary["points"].as_array().into_iter().flatten() {
        let class = format!("{name}.{}", escape(p["label"].as_str().unwrap_or_default()));
        let slos = p["slo"].as_array().map(Vec::as_slice).unwrap_or_default();
        for (v, case) in slos.iter().zip(case_names(slos)) {
            let case = escape(&case);
            if v["verdict"] == "pass" {
                let objective = escape(&format!(
                    "{} ({}); metric {}",
                    v["comparison"].as_str().unwrap_or_default(),
                    judged_on(v),
                    v["metric"].as_str().unwrap_or_default()
                ));
                let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"{case}\">");
                let _ = writeln!(out, "      <system-out>{objective}</system-out>");
                let _ = writeln!(out, "    </testcase>");
            } else {
                let message = escape(&format!(
                    "{} ({} of {} replications{}); metric {}",
                    v["comparison"].as_str().unwrap_or_default(),
                    judged_on(v),
                    v["replications"],
                    mean_aside(v),
                    v["metric"].as_str().unwrap_or_default()
                ));
                let _ = writeln!(out, "    <testcase classname=\"{class}\" name=\"{case}\">");
                let _ = writeln!(
                    out,
                    "      <failure type=\"slo\" message=\"{message}\">{message}</failure>"
                );
                let _ = writeln!(out, "    </testcase>");
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    Some(out)
}

/// Text safe in a Markdown table cell: `|` escaped, line breaks as spaces.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn mean_ms(v: Option<&Value>) -> String {
    super::format::estimate(super::format::Shown::Duration, v)
}

/// A Markdown summary of one scenario: SLO verdicts, then headline figures
/// per point. Suitable for a CI job summary.
pub fn markdown(summary: &Value) -> String {
    let mut out = String::new();
    let name = summary["scenario"].as_str().unwrap_or_default();
    let (pass, fail) = counts(summary);
    let _ = writeln!(out, "## {name}\n");
    if let Some(d) = summary["description"].as_str().filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "{d}\n");
    }
    let n = summary["replications"].as_u64().unwrap_or(1);
    let _ = writeln!(
        out,
        "{} s measured after {} s warm-up, {n} replication{}{}.\n",
        summary["duration_s"],
        summary["warmup_s"],
        if n == 1 { "" } else { "s" },
        if n > 1 {
            format!("; {}", super::format::SPREAD_NOTE)
        } else {
            String::new()
        }
    );
    let rows = super::format::sweep_rows(summary);
    if let Some((header, body)) = rows.split_first() {
        let _ = writeln!(
            out,
            "| {} |",
            header
                .iter()
                .map(|h| md_cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for r in body {
            let _ = writeln!(
                out,
                "| {} |",
                r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
            );
        }
        out.push('\n');
    }
    if pass + fail > 0 {
        let _ = writeln!(out, "**SLOs: {pass} passed, {fail} failed.**\n");
        let _ = writeln!(out, "| point | SLO | mean | judged on | bound | verdict |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for p in summary["points"].as_array().into_iter().flatten() {
            for v in p["slo"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} {} |",
                    md_cell(p["label"].as_str().unwrap_or_default()),
                    md_cell(v["name"].as_str().unwrap_or_default()),
                    md_cell(v["mean_text"].as_str().unwrap_or_default()),
                    v["judged_on"].as_str().unwrap_or_default(),
                    md_cell(v["bound"].as_str().unwrap_or_default()),
                    if v["verdict"] == "pass" {
                        "✅ pass:"
                    } else {
                        "❌ fail:"
                    },
                    md_cell(v["comparison"].as_str().unwrap_or_default()),
                );
            }
        }
        out.push('\n');
    }
    for p in summary["points"].as_array().into_iter().flatten() {
        let f = &p["figures"];
        if !summary["sweep"].is_null() {
            let _ = writeln!(
                out,
                "### {}\n",
                md_cell(p["label"].as_str().unwrap_or_default())
            );
        }
        let bounds = super::stale_bounds(f);
        let mut header =
            String::from("| client region | read p50 | read p99 | write p50 | write p99 |");
        let mut rule = String::from("|---|---|---|---|---|");
        for b in &bounds {
            let _ = write!(header, " stale at {b} |");
            rule.push_str("---|");
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for (region, c) in f["clients"].as_object().into_iter().flatten() {
            let _ = write!(
                out,
                "| {} | {} | {} | {} | {} |",
                md_cell(region),
                mean_ms(at(c, "read_latency.p50_ms")),
                mean_ms(at(c, "read_latency.p99_ms")),
                mean_ms(at(c, "write_latency.p50_ms")),
                mean_ms(at(c, "write_latency.p99_ms")),
            );
            for b in &bounds {
                let text = super::html::pct(c["stale_reads"][b].get("share"));
                let _ = write!(out, " {text} |");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "\n| replica | lag p50 | lag p99 | lag max |");
        let _ = writeln!(out, "|---|---|---|---|");
        for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
            for (region, r) in d["replicas"].as_object().into_iter().flatten() {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    md_cell(&format!("{ds}@{region}")),
                    mean_ms(at(r, "lag.p50_ms")),
                    mean_ms(at(r, "lag.p99_ms")),
                    mean_ms(at(r, "lag.max_ms")),
                );
            }
        }
        out.push('\n');
        if let Some(line) = super::cost_line(f) {
            let _ = writeln!(out, "{}.\n", capitalised(&line));
        }
        let threshold = summary["availability_threshold"].as_f64().unwrap_or(0.99);
        if super::some_request_failed(f) {
            let _ = writeln!(
                out,
                "Availability {} (reads {}, writes {}); {} below {} (one-second slots after each incident's start).\n",
                super::html::pct(at(f, "availability.overall")),
                super::html::pct(at(f, "availability.read")),
                super::html::pct(at(f, "availability.write")),
                super::format::estimate(
                    super::format::Shown::Count,
                    at(f, "availability.downtime_s")
                ) + " s",
                super::format::value(super::format::Shown::Share, threshold),
            );
        }
        if let Some(line) = super::metastability_line(p) {
            let _ = writeln!(out, "{}.\n", md_cell(&line));
        }
        for rows in [
            super::stations::rows(f),
            super::incidents::rows(p, threshold),
        ] {
            if let Some((header, body)) = rows.split_first() {
                let cells =
                    |r: &[String]| r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ");
                let _ = writeln!(out, "| {} |", cells(header));
                let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
                for r in body {
                    let _ = writeln!(out, "| {} |", cells(r));
                }
                out.push('\n');
            }
        }
        for note in super::notes(f) {
            let _ = writeln!(out, "> note: {}\n", md_cell(&note));
        }
    }
    for w in summary["warnings"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "> warning: {}", w.as_str().unwrap_or_default());
    }
    out
}

/// `text` with its first letter in capitals.
fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
