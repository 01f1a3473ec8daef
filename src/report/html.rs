//! `index.html`: one self-contained page for a design review. Every
//! scenario with its description, SLO verdicts, headline tables and charts
//! (inline SVG, so the page makes no fetches and works from a laptop on a
//! projector), with links between scenarios and to the files behind it.
//! The markup is well-formed XML (tests parse it), and large type is used
//! throughout.

use super::aggregate::at;
use super::charts::Rendered;
use super::escape;
use super::format::{estimate, Shown};
use super::slo::counts;
use serde_json::Value;
use std::fmt::Write as _;

fn ms(v: Option<&Value>) -> String {
    estimate(Shown::Duration, v)
}

/// An aggregated share, as every report writes it.
pub(super) fn pct(v: Option<&Value>) -> String {
    estimate(Shown::Share, v)
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, sans-serif; font-size: 19px; line-height: 1.45;
       color: #111; max-width: 1280px; margin: 0 auto; padding: 0 24px 60px; }
h1 { font-size: 36px; margin-top: 28px; } h2 { font-size: 30px; margin-top: 56px;
       border-top: 4px solid #0072B2; padding-top: 16px; } h3 { font-size: 23px; margin-top: 28px; }
nav { background: #f3f6f9; padding: 12px 16px; border-radius: 6px; }
nav .item { display: inline-block; margin: 2px 32px 2px 0; white-space: nowrap; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums;
        font-size: 17px; display: block; max-width: 100%; overflow-x: auto; }
td { white-space: nowrap; }
th, td { padding: 5px 10px; border-bottom: 1px solid #d8dde3; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eef2f6; }
table.sweep td, table.sweep th { white-space: normal; text-align: left; min-width: 10em; }
table.sweep td:first-child { white-space: nowrap; min-width: 0; }
table.slo td { white-space: nowrap; } table.slo td.name, table.slo th.name { white-space: normal; text-align: left; }
.pass { color: #00684a; font-weight: bold; } .fail { color: #b3261e; font-weight: bold; }
.badge { padding: 2px 8px; border-radius: 4px; color: #fff; font-size: 16px; }
.badge.pass { background: #00684a; } .badge.fail { background: #b3261e; } .badge.none { background: #6b7480; }
figure { margin: 18px 0; } figure svg { width: 100%; height: auto; border: 1px solid #e3e7eb; }
figcaption { font-size: 16px; color: #444; }
.note { color: #444; font-size: 17px; } details summary { cursor: pointer; font-size: 21px; margin: 12px 0; }
.warning { background: #fff4e0; border-left: 5px solid #E69F00; padding: 6px 12px; margin: 6px 0; }
.rs-tip { position: absolute; display: none; background: #fff; border: 1px solid #8a939c; border-radius: 4px;
          padding: 4px 9px; font-size: 16px; pointer-events: none; box-shadow: 0 2px 6px rgba(0,0,0,.15); }
";

/// The page's one script: under the pointer, the value of the nearest
/// point of a chart (within 20 px), read from the chart's
/// `<desc class="rs-hover">` (`#SERIES` lines, each followed by its points'
/// `x y text` lines, in the SVG's pixels). No library and nothing fetched:
/// the page stays one self-contained file. Written without `<` and `&` so
/// the page stays well-formed XML too (its tests parse it so).
const HOVER_SCRIPT: &str = "(function () {
  var tip = document.createElement('div'); tip.className = 'rs-tip'; document.body.appendChild(tip);
  document.querySelectorAll('figure svg').forEach(function (svg) {
    var d = svg.querySelector('desc.rs-hover'); if (!d) return;
    var pts = [], name = '';
    d.textContent.trim().split('\\n').forEach(function (l) {
      if (l.charAt(0) === '#') { name = l.slice(1); return; }
      var a = l.indexOf(' '), b = l.indexOf(' ', a + 1);
      pts.push([+l.slice(0, a), +l.slice(a + 1, b), name + ': ' + l.slice(b + 1)]);
    });
    var dot = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
    dot.setAttribute('r', '7'); dot.setAttribute('fill', 'none'); dot.setAttribute('stroke', '#222');
    dot.setAttribute('stroke-width', '2'); dot.style.display = 'none'; svg.appendChild(dot);
    function hide() { tip.style.display = 'none'; dot.style.display = 'none'; }
    svg.addEventListener('mousemove', function (e) {
      var m = svg.getScreenCTM(); if (!m) return;
      var p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
      var best = null, bd = 400;
      for (var i = 0; pts.length > i; i++) {
        var dx = pts[i][0] - p.x, dy = pts[i][1] - p.y, dd = dx * dx + dy * dy;
        if (bd > dd) { bd = dd; best = pts[i]; }
      }
      if (!best) { hide(); return; }
      dot.setAttribute('cx', best[0]); dot.setAttribute('cy', best[1]); dot.style.display = '';
      tip.textContent = best[2]; tip.style.display = 'block';
      tip.style.left = (e.pageX + 14) + 'px'; tip.style.top = (e.pageY + 14) + 'px';
    });
    svg.addEventListener('mouseleave', hide);
  });
})();";

fn verdict_badge(summary: &Value) -> String {
    let (pass, fail) = counts(summary);
    if pass + fail == 0 {
        "<span class=\"badge none\">no SLOs</span>".into()
    } else if fail == 0 && pass == 1 {
        "<span class=\"badge pass\">its SLO passes</span>".into()
    } else if fail == 0 {
        format!("<span class=\"badge pass\">{pass} SLOs pass</span>")
    } else if pass + fail == 1 {
        "<span class=\"badge fail\">its SLO fails</span>".into()
    } else {
        format!(
            "<span class=\"badge fail\">{fail} of {} SLOs fail</span>",
            pass + fail
        )
    }
}

/// An inline chart with links to its files.
fn figure(out: &mut String, name: &str, r: &Rendered) {
    let svg = r.svg.trim_start_matches(|c| c != '<');
    let svg = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    let _ = writeln!(
        out,
        "<figure>{svg}<figcaption>{} (<a href=\"{name}/charts/{stem}.svg\">SVG</a>, <a href=\"{name}/charts/{stem}.png\">PNG</a>)</figcaption></figure>",
        escape(&r.title),
        name = escape(name),
        stem = escape(&r.stem),
    );
}

fn point_tables(out: &mut String, f: &Value) {
    let bounds = super::stale_bounds(f);
    let availability = super::some_request_failed(f);
    let _ = write!(
        out,
        "<table><tr><th>client region</th><th>read p50</th><th>read p99</th><th>write p50</th><th>write p99</th>"
    );
    if availability {
        let _ = write!(out, "<th>availability</th>");
    }
    for b in &bounds {
        let _ = write!(out, "<th>stale at {}</th>", escape(b));
    }
    let users = super::user_columns(f);
    for (h, _) in &users {
        let _ = write!(out, "<th>{h}</th>");
    }
    let _ = writeln!(out, "</tr>");
    for (region, c) in f["clients"].as_object().into_iter().flatten() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(region),
            ms(at(c, "read_latency.p50_ms")),
            ms(at(c, "read_latency.p99_ms")),
            ms(at(c, "write_latency.p50_ms")),
            ms(at(c, "write_latency.p99_ms")),
        );
        if availability {
            let _ = write!(out, "<td>{}</td>", pct(at(c, "requests.availability")));
        }
        for b in &bounds {
            let _ = write!(out, "<td>{}</td>", pct(c["stale_reads"][b].get("share")));
        }
        for (_, path) in &users {
            let _ = write!(out, "<td>{}</td>", pct(at(c, path)));
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</table>");
    let conflicts = super::has_conflicts(f);
    let _ = writeln!(
        out,
        "<table><tr><th>dataset</th><th>replication</th><th>acknowledged before any replica had it</th><th>semi-sync fallbacks</th><th>time fallen back</th>{}{}</tr>",
        if conflicts {
            "<th>conflicts/s</th><th>lost updates</th>"
        } else {
            ""
        },
        if super::has_residency(f) {
            "<th>residency violations</th><th>cross-border reads</th>"
        } else {
            ""
        }
    );
    let residency = super::has_residency(f);
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        let fallbacks = at(d, "semi_sync.fallbacks.mean")
            .and_then(Value::as_f64)
            .map_or("-".into(), |m| format!("{m:.1}"));
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(ds),
            escape(d["replication"].as_str().unwrap_or_default()),
            pct(at(d, "writes.unreplicated_share")),
            fallbacks,
            pct(at(d, "semi_sync.fallback_share")),
        );
        if conflicts {
            let _ = write!(
                out,
                "<td>{}</td><td>{}</td>",
                super::format::estimate(
                    super::format::Shown::Count,
                    at(d, "conflicts.conflicts_per_s")
                ),
                pct(at(d, "conflicts.lost_update_share")),
            );
        }
        if residency {
            let _ = write!(
                out,
                "<td>{}</td><td>{}</td>",
                super::format::estimate(super::format::Shown::Count, at(d, "residency.violations")),
                super::format::estimate(
                    super::format::Shown::Count,
                    at(d, "residency.cross_border_reads")
                ),
            );
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</table>");
    let _ = writeln!(
        out,
        "<table><tr><th>replica (from primary)</th><th>lag p50</th><th>lag p99</th><th>lag max</th><th>apply wait</th><th>apply thread busy</th><th>current lag max</th></tr>"
    );
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        for (region, r) in d["replicas"].as_object().into_iter().flatten() {
            let _ = writeln!(
                out,
                "<tr><td>{}@{} ({})</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(ds),
                escape(region),
                escape(&super::replica_source(d, region)),
                ms(at(r, "lag.p50_ms")),
                ms(at(r, "lag.p99_ms")),
                ms(at(r, "lag.max_ms")),
                ms(at(r, "apply_wait.mean_ms")),
                pct(at(r, "apply_utilisation")),
                ms(at(r, "current_lag_max_ms")),
            );
        }
    }
    let _ = writeln!(out, "</table>");
}

/// The incidents of a point, milestone by milestone (see
/// [`super::incidents::rows`]).
fn incident_table(out: &mut String, point: &Value, threshold: f64) {
    if let Some((header, body)) = super::incidents::rows(point, threshold).split_first() {
        text_table(out, "", header, body);
    }
}

/// A table of text cells under a header row.
/// A table of `header` and `body`; `class` styles it (`sweep`: long
/// text cells wrap, left-aligned).
fn text_table(out: &mut String, class: &str, header: &[String], body: &[Vec<String>]) {
    if class.is_empty() {
        let _ = write!(out, "<table><tr>");
    } else {
        let _ = write!(out, "<table class=\"{class}\"><tr>");
    }
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    let _ = writeln!(out, "</tr>");
    for r in body {
        let _ = write!(out, "<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", escape(c));
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</table>");
}

fn scenario_section(out: &mut String, s: &Value, charts: &[Rendered]) {
    let name = s["scenario"].as_str().unwrap_or_default();
    let n = s["replications"].as_u64().unwrap_or(1);
    let _ = writeln!(out, "<section id=\"{}\">", escape(name));
    let _ = writeln!(out, "<h2>{} {}</h2>", escape(name), verdict_badge(s));
    if let Some(d) = s["description"].as_str().filter(|d| !d.is_empty()) {
        let _ = writeln!(out, "<p>{}</p>", escape(d));
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">{} s measured after {} s warm-up; {n} replication{}{}; seed {}.{}</p>",
        s["duration_s"],
        s["warmup_s"],
        if n == 1 { "" } else { "s" },
        if n > 1 { format!("; {}", super::format::SPREAD_NOTE) } else { String::new() },
        s["seed"],
        match s["sweep"]["parameters"].as_array() {
            Some(p) => format!(
                " Sweep over {} ({} points); every point sees the same random streams, so differences come from the parameters.",
                escape(&p.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")),
                s["points"].as_array().map_or(0, Vec::len)
            ),
            None => String::new(),
        }
    );
    for w in s["warnings"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "<p class=\"warning\">{}</p>",
            escape(w.as_str().unwrap_or_default())
        );
    }
    let points: &[Value] = s["points"].as_array().map_or(&[], Vec::as_slice);
    let swept = !s["sweep"].is_null();
    let rows = super::format::sweep_rows(s);
    if let Some((header, body)) = rows.split_first() {
        let _ = writeln!(out, "<h3>Sweep points</h3>");
        text_table(out, "sweep", header, body);
    }
    let (pass, fail) = counts(s);
    if pass + fail > 0 {
        let _ = writeln!(out, "<h3>SLO verdicts</h3>");
        let _ = writeln!(
            out,
            "<table class=\"slo\"><tr>{}<th class=\"name\">SLO</th><th>mean</th><th>judged on</th><th>bound</th><th>verdict</th></tr>",
            if swept { "<th>point</th>" } else { "" }
        );
        for p in points {
            for v in p["slo"].as_array().into_iter().flatten() {
                let ok = v["verdict"] == "pass";
                let _ = writeln!(
                    out,
                    "<tr>{}<td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}: {}</td></tr>",
                    if swept { format!("<td>{}</td>", escape(p["label"].as_str().unwrap_or_default())) } else { String::new() },
                    escape(v["name"].as_str().unwrap_or_default()),
                    escape(v["mean_text"].as_str().unwrap_or_default()),
                    escape(v["judged_on"].as_str().unwrap_or_default()),
                    escape(v["bound"].as_str().unwrap_or_default()),
                    if ok { "pass" } else { "fail" },
                    if ok { "PASS" } else { "FAIL" },
                    escape(v["comparison"].as_str().unwrap_or_default()),
                );
            }
        }
        let _ = writeln!(out, "</table>");
    }
    for r in charts.iter().filter(|r| r.point.is_none()) {
        figure(out, name, r);
    }
    for (k, p) in points.iter().enumerate() {
        let mut body = String::new();
        point_tables(&mut body, &p["figures"]);
        if let Some(line) = super::cost_line(&p["figures"]) {
            let _ = writeln!(body, "<p>Cost: {}.</p>", escape(&line));
        }
        let threshold = s["availability_threshold"].as_f64().unwrap_or(0.99);
        if let Some((header, body_rows)) = super::stations::rows(&p["figures"]).split_first() {
            text_table(&mut body, "", header, body_rows);
        }
        if let Some(line) = super::metastability_line(p) {
            let _ = writeln!(body, "<p>{}.</p>", escape(&line));
        }
        incident_table(&mut body, p, threshold);
        for r in charts.iter().filter(|r| r.point == Some(k)) {
            figure(&mut body, name, r);
        }
        if swept {
            let _ = writeln!(
                out,
                "<details{}><summary>Point {}: {}</summary>{body}</details>",
                if k == 0 { " open=\"open\"" } else { "" },
                k + 1,
                escape(p["label"].as_str().unwrap_or_default())
            );
        } else {
            let _ = writeln!(out, "<h3>Figures</h3>{body}");
        }
    }
    let mut files = vec![
        "summary.json",
        "summary.md",
        "timeline.csv",
        "figures.csv",
        "estimates.csv",
        "buckets.csv",
    ];
    if pass + fail > 0 {
        files.push("junit.xml");
    }
    let links: Vec<String> = files
        .iter()
        .map(|f| format!("<a href=\"{}/{f}\">{f}</a>", escape(name)))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"note\">Files: {}. <a href=\"#top\">Back to the top</a>.</p>",
        links.join(", ")
    );
    let _ = writeln!(out, "</section>");
}

/// The page for `summaries`, with each scenario's rendered charts (empty
/// when charts are off) and the cross-scenario comparison.
pub fn index(
    summaries: &[Value],
    charts: &[Vec<Rendered>],
    comparison: Option<&Rendered>,
) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
    );
    let _ = writeln!(
        out,
        "<title>regionsim results</title>\n<style>{STYLE}</style>\n</head>\n<body id=\"top\">"
    );
    let _ = writeln!(out, "<h1>regionsim results</h1>");
    let (mut pass, mut fail) = (0, 0);
    for s in summaries {
        let (p, f) = counts(s);
        pass += p;
        fail += f;
    }
    let _ = writeln!(
        out,
        "<p>{} scenario{}. SLOs: <span class=\"pass\">{pass} passed</span>, <span class=\"{}\">{fail} failed</span>.</p>",
        summaries.len(),
        if summaries.len() == 1 { "" } else { "s" },
        if fail > 0 { "fail" } else { "pass" }
    );
    let _ = write!(out, "<nav>");
    for s in summaries {
        let name = escape(s["scenario"].as_str().unwrap_or_default());
        let _ = write!(
            out,
            "<span class=\"item\"><a href=\"#{name}\">{name}</a> {}</span>",
            verdict_badge(s)
        );
    }
    let _ = writeln!(out, "</nav>");
    if let Some(c) = comparison {
        let _ = writeln!(out, "<h2 id=\"comparison\">Side by side</h2>");
        let svg = c.svg.find("<svg").map_or(c.svg.as_str(), |i| &c.svg[i..]);
        let _ = writeln!(
            out,
            "<figure>{svg}<figcaption>{} (<a href=\"charts/{stem}.svg\">SVG</a>, <a href=\"charts/{stem}.png\">PNG</a>)</figcaption></figure>",
            escape(&c.title),
            stem = escape(&c.stem)
        );
    }
    for (i, s) in summaries.iter().enumerate() {
        scenario_section(&mut out, s, charts.get(i).map_or(&[], Vec::as_slice));
    }
    let _ = writeln!(out, "<script>{HOVER_SCRIPT}</script>\n</body>\n</html>");
    out
}

#[cfg(test)]
mod tests {
    use super::verdict_badge;
    use serde_json::json;

    #[test]
    fn a_badge_counts_its_verdicts_in_words() {
        let with = |verdicts: &[&str]| {
            let slo: Vec<_> = verdicts.iter().map(|v| json!({"verdict": v})).collect();
            verdict_badge(&json!({"points": [{"slo": slo}]}))
        };
        assert!(with(&[]).contains("no SLOs"));
        assert!(with(&["pass"]).contains(">its SLO passes<"));
        assert!(with(&["fail"]).contains(">its SLO fails<"));
        assert!(with(&["pass", "pass"]).contains(">2 SLOs pass<"));
        assert!(with(&["pass", "fail", "fail"]).contains(">2 of 3 SLOs fail<"));
    }
}
