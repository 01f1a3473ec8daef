//! Charts and index.html: every chart exists for every shipped scenario as
//! valid SVG and PNG of sensible size, shows the series it claims with
//! units on its axes, renders text from the embedded font, and the page is
//! well-formed, links only to files that exist and carries every verdict.

use crate::common::{regionsim, shipped_report, write, TWO_REGIONS};
use regionsim::report::charts::PALETTE;
use serde_json::Value;
use std::path::Path;

fn summary(out: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(out.join(name).join("summary.json")).unwrap()).unwrap()
}

/// (width, height) of an SVG document, checking that it parses as XML.
fn svg_size(path: &Path) -> (u32, u32) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc =
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let dim = |a: &str| root.attribute(a).and_then(|v| v.parse().ok()).unwrap();
    (dim("width"), dim("height"))
}

/// Decodes a PNG: (width, height, RGB(A) pixels, bytes per pixel).
fn png(path: &Path) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bpp = info.color_type.samples();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, bpp)
}

fn hex(c: (u8, u8, u8)) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

#[test]
fn every_chart_of_every_shipped_scenario_is_valid_svg_and_png() {
    let out = shipped_report();
    let expected: [(&str, &[&str]); 5] = [
        (
            "reference",
            &["latency-cdf", "replication-lag", "consistency", "topology"],
        ),
        (
            "apply-bottleneck",
            &["latency-cdf", "replication-lag", "consistency", "topology"],
        ),
        (
            "global-five-regions",
            &["latency-cdf", "replication-lag", "consistency", "topology"],
        ),
        (
            "apply-speed-sweep",
            &[
                "latency-cdf-p1",
                "latency-cdf-p4",
                "replication-lag-p1",
                "replication-lag-p4",
                "consistency-p2",
                "topology",
                "sweep-slo-1",
                "sweep-slo-2",
            ],
        ),
        (
            "replication-modes",
            &[
                "latency-cdf-p1",
                "latency-cdf-p4",
                "availability-p3",
                "availability-p4",
                "sweep-slo-1",
                "sweep-slo-2",
                "sweep-slo-3",
            ],
        ),
    ];
    for (name, charts) in expected {
        for stem in charts {
            let dir = out.join(name).join("charts");
            let (w, h) = svg_size(&dir.join(format!("{stem}.svg")));
            assert!(w >= 800 && h >= 300, "{name}/{stem}.svg is {w}x{h}");
            let (pw, ph, pixels, bpp) = png(&dir.join(format!("{stem}.png")));
            assert_eq!((pw, ph), (w, h), "{name}/{stem}: PNG and SVG sizes differ");
            // Text is drawn from the embedded font: the title area has dark pixels.
            let dark = (14..40u32)
                .flat_map(|y| (16..300u32).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let i = ((y * pw + x) as usize) * bpp;
                    pixels[i] < 80 && pixels[i + 1] < 80 && pixels[i + 2] < 80
                })
                .count();
            assert!(
                dark > 200,
                "{name}/{stem}.png: no title text ({dark} dark pixels)"
            );
        }
    }
    assert!(
        out.join("charts/comparison.svg").exists() && out.join("charts/comparison.png").exists()
    );
    // No chart that says nothing: every request of the reference succeeds.
    assert!(!out.join("reference/charts/availability.svg").exists());
}

#[test]
fn charts_show_the_series_they_claim_with_units() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "s.yaml",
        &TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 2"),
    );
    let o = regionsim(tmp.path(), &["run", "s.yaml", "-o", "out", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let charts = tmp.path().join("out/two-regions/charts");
    let svg = |stem: &str| std::fs::read_to_string(charts.join(format!("{stem}.svg"))).unwrap();
    let lines = |text: &str, color: (u8, u8, u8)| {
        text.split("<polyline")
            .skip(1)
            .filter(|p| {
                p.split("/>")
                    .next()
                    .unwrap()
                    .contains(&format!("stroke=\"{}\"", hex(color)))
            })
            .count()
    };
    // Latency: region a writes only (writes panel), b reads and writes. A
    // polyline per panel it appears in, plus its legend entry.
    let cdf = svg("latency-cdf");
    assert_eq!(
        lines(&cdf, PALETTE[0]),
        2,
        "region a: writes curve + legend"
    );
    assert_eq!(
        lines(&cdf, PALETTE[1]),
        3,
        "region b: reads + writes curves + legend"
    );
    for unit in [
        "latency, send to receipt (ms, log scale)",
        "(percentile)",
        "99.9%",
    ] {
        assert!(cdf.contains(unit), "latency chart lacks `{unit}`");
    }
    // Lag: one replica (in b), a line in each panel in b's colour, and its
    // band (2 runs).
    let lag = svg("replication-lag");
    assert_eq!(
        lines(&lag, PALETTE[1]),
        3,
        "replica line in two panels + legend"
    );
    assert!(lag.contains("<polygon"), "confidence band drawn");
    for unit in [
        "current lag (ms)",
        "time since the warm-up ended (s)",
        "replication lag (ms, log scale)",
    ] {
        assert!(lag.contains(unit), "lag chart lacks `{unit}`");
    }
    // Stale reads over time: a panel per bound, a line per region that
    // reads (b; a only writes), in the region's colour.
    let consistency = svg("consistency");
    assert_eq!(lines(&consistency, PALETTE[0]), 0, "a reads nothing");
    // Nothing is 50 ms stale (writes land 38 ms after commit): no panel.
    assert_eq!(
        lines(&consistency, PALETTE[1]),
        2,
        "b in one panel + legend"
    );
    for text in [
        "Reads stale at T = 0ms, per client region",
        "(none stale at T = 50ms)",
        "reads missing a write 0ms+ old (%)",
    ] {
        assert!(
            consistency.contains(text),
            "consistency chart lacks `{text}`"
        );
    }
    // The staleness-age curve: b's curve, the declared bound 50ms marked.
    let age = svg("staleness-age");
    assert_eq!(lines(&age, PALETTE[1]), 2, "b's curve + legend");
    assert!(age.contains("staleness bound T (ms, log scale)") && age.contains("T = 50ms"));
    // Regions without coordinates: no topology figure.
    assert!(!charts.join("topology.svg").exists());
}

fn attr_links(node: roxmltree::Node) -> Vec<String> {
    node.descendants()
        .filter(|n| n.is_element())
        .flat_map(|n| {
            ["href", "src"]
                .into_iter()
                .filter_map(move |a| n.attribute(a))
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn index_html_is_valid_links_to_existing_files_and_has_every_verdict() {
    let out = shipped_report();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("index.html is not well-formed: {e}"));
    let ids: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("id"))
        .collect();
    let links = attr_links(doc.root());
    assert!(links.len() > 20, "{} links", links.len());
    for link in &links {
        assert!(!link.contains("://"), "network reference {link}");
        if let Some(anchor) = link.strip_prefix('#') {
            assert!(ids.contains(&anchor), "anchor {link} has no target");
        } else {
            assert!(out.join(link).exists(), "{link} does not exist");
        }
    }
    for name in [
        "reference",
        "apply-bottleneck",
        "global-five-regions",
        "apply-speed-sweep",
        "replication-modes",
    ] {
        assert!(ids.contains(&name), "no section for {name}");
        let s = summary(out, name);
        for p in s["points"].as_array().unwrap() {
            for v in p["slo"].as_array().unwrap() {
                let slo = v["name"].as_str().unwrap();
                let verdict = if v["verdict"] == "pass" {
                    "PASS"
                } else {
                    "FAIL"
                };
                let row = format!(
                    "<td class=\"name\">{}</td><td>{}</td>",
                    regionsim::report::escape(slo),
                    v["mean_text"].as_str().unwrap()
                );
                let at = html
                    .find(&row)
                    .unwrap_or_else(|| panic!("no verdict row for {slo}"));
                assert!(
                    html[at..].find(verdict).unwrap() < 300,
                    "{slo}: verdict not in its row"
                );
            }
        }
    }
    assert!(html.contains("2 of 8 SLOs fail") && html.contains("3 SLOs pass"));
    assert!(html.matches("<svg").count() > 20, "charts are inline");
}

#[test]
fn no_charts_skips_them() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    let o = regionsim(
        tmp.path(),
        &["run", "s.yaml", "-o", "out", "--quiet", "--no-charts"],
    );
    assert!(o.status.success());
    assert!(!tmp.path().join("out/two-regions/charts").exists());
    let html = std::fs::read_to_string(tmp.path().join("out/index.html")).unwrap();
    assert!(!html.contains("<svg") && html.contains("two-regions"));
}

/// Sweep charts: numbers and durations on a numeric axis (a distribution
/// varying in one parameter too), a zip sweep as one line against its
/// first parameter with the others in the legend and at each point.
#[test]
fn sweep_charts_use_numeric_axes_and_draw_zips_as_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = format!(
        "{}slo:\n  - {{metric: datasets.users.replicas.b.lag.p99_ms, max: 1s}}\nsweep:\n  mode: zip\n  parameters:\n    datasets.users.placement.single-primary.apply_time: [{{exponential: {{mean: 0.5ms}}}}, {{exponential: {{mean: 2ms}}}}, {{exponential: {{mean: 8ms}}}}]\n    workload.a.rates.users.writes_per_s: [10, 20, 40]\n",
        TWO_REGIONS.replace("duration: 60s", "duration: 10s")
    );
    write(tmp.path(), "s.yaml", &yaml);
    let o = regionsim(tmp.path(), &["run", "s.yaml", "-q", "-o", "out"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let svg =
        std::fs::read_to_string(tmp.path().join("out/two-regions/charts/sweep-slo-1.svg")).unwrap();
    assert!(
        svg.contains("apply_time: exponential mean (swept, ms, log scale)"),
        "numeric, log axis"
    );
    assert!(
        svg.contains("zipped with writes_per_s"),
        "legend names the zipped parameter"
    );
    assert!(
        svg.contains("writes_per_s=40"),
        "each point labelled with its other values"
    );
    // One line through the three points (plus the legend's sample).
    let lines = svg
        .split("<polyline")
        .skip(1)
        .filter(|p| {
            p.split("/>")
                .next()
                .unwrap()
                .contains(&format!("stroke=\"{}\"", hex(PALETTE[0])))
        })
        .count();
    assert_eq!(lines, 2, "a line, not dots");
}

/// The side-by-side chart covers every point (the worst of a sweep) and
/// turns to a log axis when the bars span more than 20x.
#[test]
fn side_by_side_shows_the_worst_point_on_a_log_axis_when_needed() {
    use regionsim::report::charts::{comparison, Scale};
    let scenario = |name: &str, lags: &[f64]| -> Value {
        let points: Vec<Value> = lags
            .iter()
            .map(|&l| {
                serde_json::json!({"figures": {
                    "clients": {"a": {"read_latency": {"p99_ms": {"mean": 10.0}},
                                      "write_latency": {"p99_ms": {"mean": 80.0}}}},
                    "datasets": {"d": {"replicas": {"b": {"lag": {"p99_ms": {"mean": l}}}}}}
                }})
            })
            .collect();
        serde_json::json!({"scenario": name, "points": points})
    };
    let f = comparison(&[
        scenario("calm", &[150.0]),
        scenario("overload", &[400.0, 33_000.0]),
    ])
    .unwrap();
    let lag = &f.panels[2];
    assert_eq!(lag.y.scale, Scale::Log);
    assert_eq!(lag.series[0].points, vec![(0.0, 150.0), (1.0, 33_000.0)]);
    assert_eq!(
        lag.x.scale,
        Scale::Categories(vec!["calm".into(), "overload (worst of 2 points)".into()])
    );
    // Within 20x: a linear axis from zero.
    assert_eq!(f.panels[1].y.scale, Scale::Linear);
    assert!(f.legend().is_empty(), "panel titles name the bars");
}

/// Every chart of every shipped scenario (and the side-by-side one): the
/// title, legend entries and labels are inside the image and no two of them
/// overlap; legend text is drawn (dark pixels in the legend column of the
/// PNG); and a region has one colour in every chart of the report.
#[test]
fn chart_text_fits_never_overlaps_and_regions_keep_their_colour() {
    use regionsim::report::charts::{self, render_layout};
    let out = shipped_report();
    let names = [
        "apply-bottleneck",
        "apply-speed-sweep",
        "global-five-regions",
        "reference",
        "replication-modes",
        "region-outage",
        "partition-us-eu",
        "app-everywhere-database-in-one",
        "year-of-failures",
    ];
    let summaries: Vec<Value> = names.iter().map(|n| summary(out, n)).collect();
    let colored = charts::with_region_colors(&summaries);
    let mut colour_of: std::collections::BTreeMap<String, usize> = Default::default();
    let mut figures: Vec<(String, charts::Figure)> = Vec::new();
    for s in &colored {
        let name = s["scenario"].as_str().unwrap().to_string();
        let regions: Vec<String> = s["regions"].as_object().unwrap().keys().cloned().collect();
        for (_, f) in charts::figures(s) {
            for series in f.panels.iter().flat_map(|p| &p.series) {
                if regions.contains(&series.name) {
                    let c = *colour_of.entry(series.name.clone()).or_insert(series.color);
                    assert_eq!(
                        c, series.color,
                        "{name}/{}: {} changes colour",
                        f.stem, series.name
                    );
                }
            }
            figures.push((name.clone(), f));
        }
    }
    assert!(colour_of.len() >= 8, "regions seen: {colour_of:?}");
    figures.push(("all".into(), charts::comparison(&colored).unwrap()));
    for (name, f) in &figures {
        let (w, h, boxes) = render_layout(f).unwrap();
        assert!(
            boxes.len() > f.legend().len(),
            "{name}/{}: the title and legend are laid out",
            f.stem
        );
        for b in &boxes {
            let (x0, y0, x1, y1) = b.rect;
            assert!(
                x0 >= 0 && y0 >= 0 && x1 <= w as i32 && y1 <= h as i32,
                "{name}/{}: `{}` at {:?} leaves the {w}x{h} image",
                f.stem,
                b.text,
                b.rect
            );
        }
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(
                    !a.overlaps(b),
                    "{name}/{}: `{}` {:?} overlaps `{}` {:?}",
                    f.stem,
                    a.text,
                    a.rect,
                    b.text,
                    b.rect
                );
            }
        }
    }
    // Legend text drawn: dark pixels beside each legend line in the PNG.
    let (pw, _, pixels, bpp) = png(&out.join("global-five-regions/charts/topology.png"));
    let dark = (40..330u32)
        .flat_map(|y| (pw - 250..pw - 20).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let i = ((y * pw + x) as usize) * bpp;
            pixels[i] < 80 && pixels[i + 1] < 80 && pixels[i + 2] < 80
        })
        .count();
    assert!(dark > 400, "legend text in the PNG: {dark} dark pixels");
}

/// The failover timeline draws each region's bar to its RTO, with the
/// incident's milestones; the recovery distribution of random failures
/// ends at 100 % of the incidents.
#[test]
fn incident_charts_draw_the_recovery_they_report() {
    use regionsim::report::charts;
    let out = shipped_report();
    let s = charts::with_region_colors(&[summary(out, "region-outage")]).remove(0);
    let point = &s["points"][0];
    let fig = charts::failover_timeline(&s, point).expect("a timeline");
    assert_eq!(fig.panels.len(), 1);
    let panel = &fig.panels[0];
    let inc = &point["figures"]["incidents"][0];
    for region in ["us-east-1", "us-west-2", "eu-west-1"] {
        let rto = inc["clients"][region]["write_rto_ms"]["mean"]
            .as_f64()
            .unwrap()
            / 1000.0;
        assert!(
            panel
                .series
                .iter()
                .any(|s| s.name == region && s.points.last().unwrap().0 == rto),
            "no bar of {region} ending at {rto}"
        );
    }
    let labels: Vec<&str> = panel.vlines.iter().map(|l| l.label.trim()).collect();
    // The milestones, then the SLOs' recovery objective (two SLOs of 60 s:
    // one line), where a region's bar must end.
    assert_eq!(
        labels,
        [
            "detected",
            "DNS 95 %",
            "promoted",
            "availability back",
            "SLO <= 60s"
        ]
    );
    assert_eq!(panel.vlines.last().unwrap().at, 60.0);
    assert!(charts::recovery_distribution(&s, point).is_none());
    let year = charts::with_region_colors(&[summary(out, "year-of-failures")]).remove(0);
    let point = &year["points"][0];
    assert!(charts::failover_timeline(&year, point).is_none());
    let fig = charts::recovery_distribution(&year, point).expect("distributions");
    for s in fig.panels.iter().flat_map(|p| &p.series) {
        assert_eq!(s.points.last().unwrap().1, 100.0, "{}", s.name);
        assert!(s.points.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}

/// A year of availability reads in days, and availabilities 0.01 % apart
/// read apart: no two tick labels of an axis are the same number.
#[test]
fn a_year_reads_in_days_and_close_values_read_apart() {
    let out = shipped_report();
    let svg =
        std::fs::read_to_string(out.join("year-of-failures/charts/availability.svg")).unwrap();
    assert!(
        svg.contains("time since the warm-up ended (days)"),
        "the x axis of a year is in days"
    );
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let numbers: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().replace(',', ""))
        .filter(|t| t.parse::<f64>().is_ok())
        .collect();
    let values: Vec<f64> = numbers.iter().map(|t| t.parse().unwrap()).collect();
    assert!(values.iter().all(|&v| v <= 400.0), "ticks: {numbers:?}");
    let mut seen = std::collections::BTreeSet::new();
    for t in &numbers {
        assert!(seen.insert(t.clone()), "tick `{t}` twice: {numbers:?}");
    }
    // The y ticks (availabilities near 100 %) show their decimals.
    assert!(numbers.iter().any(|t| t.starts_with("99.9")), "{numbers:?}");
}

/// Every shipped chart, as drawn: no tick label overlaps its neighbour on
/// any axis, categorical axes of 15 scenarios included. Tick labels are the
/// SVG's texts in a row (centred, same baseline: an x axis) or a column
/// (right-aligned, same x: a y axis); a label's width is estimated at 0.55
/// em a character, generous for the sans-serif the charts use.
/// A tick label: its position along its row or column, font size, text.
type Tick = (f64, f64, String);

#[test]
fn no_tick_label_overlaps_another_in_any_shipped_chart() {
    let out = shipped_report();
    let mut files = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "svg") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 50, "{} charts", files.len());
    let mut rows_seen = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        // (anchor, row or column key) -> (position along it, size, text)
        let mut groups: std::collections::BTreeMap<(String, String), Vec<Tick>> =
            Default::default();
        for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
            let label = n.text().unwrap_or_default().trim().to_string();
            if label.is_empty() {
                continue;
            }
            let num = |a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok());
            let (Some(x), Some(y), Some(size)) = (num("x"), num("y"), num("font-size")) else {
                continue;
            };
            match n.attribute("text-anchor") {
                Some("middle") => groups
                    .entry(("row".into(), y.to_string()))
                    .or_default()
                    .push((x, size, label)),
                Some("end") => groups
                    .entry(("column".into(), x.to_string()))
                    .or_default()
                    .push((y, size, label)),
                _ => {}
            }
        }
        for ((kind, _), mut items) in groups {
            if items.len() < 3 {
                continue;
            }
            rows_seen += 1;
            items.sort_by(|a, b| a.0.total_cmp(&b.0));
            for w in items.windows(2) {
                let ((p1, s1, t1), (p2, s2, t2)) = (&w[0], &w[1]);
                let apart = if kind == "row" {
                    let half = |t: &str, s: f64| t.chars().count() as f64 * s * 0.55 / 2.0;
                    p2 - half(t2, *s2) >= p1 + half(t1, *s1)
                } else {
                    p2 - p1 >= 0.8 * s1.max(*s2)
                };
                assert!(
                    apart,
                    "{}: tick `{t1}` overlaps `{t2}`",
                    f.strip_prefix(out).unwrap().display()
                );
            }
        }
    }
    assert!(rows_seen > 100, "{rows_seen} tick rows and columns checked");
}

/// The map names each copy by its placement's role (a shard's home, a
/// shard's replica, a primary, an active-active copy), outlines where each
/// residency rule lets its data rest, draws a map again for a sweep point
/// that moves a copy, and says which copies no write reached.
#[test]
fn maps_name_roles_outline_rules_and_redraw_for_points_that_move_copies() {
    use regionsim::report::charts;
    let out = shipped_report();
    let s = charts::with_region_colors(&[summary(out, "eu-residency")]).remove(0);
    let roles = |k: usize, ds: &str| s["points"][k]["figures"]["datasets"][ds]["roles"].clone();
    assert_eq!(
        roles(0, "profiles"),
        serde_json::json!({"eu-west-1": "EU shard home", "us-east-1": "US shard home", "us-west-2": "US shard replica"})
    );
    assert_eq!(
        roles(1, "profiles")["us-east-1"],
        "US shard home; EU shard replica"
    );
    assert_eq!(roles(0, "catalog")["us-east-1"], "primary");
    assert_eq!(roles(0, "catalog")["eu-central-1"], "replica");
    assert_eq!(
        s["residency"][0],
        serde_json::json!({"rule": "EU", "home": "eu-west-1", "allowed": ["eu-west-1", "eu-central-1"]})
    );
    let maps = charts::topology(&s);
    let stems: Vec<&str> = maps.iter().map(|f| f.stem.as_str()).collect();
    assert_eq!(stems, ["topology", "topology-p2"]);
    let label_of = |fig: &charts::Figure, region: &str| -> String {
        fig.panels[0]
            .series
            .iter()
            .find(|s| s.name == region)
            .map(|s| s.markers[0].2.clone())
            .unwrap()
    };
    assert_eq!(
        label_of(&maps[1], "us-east-1"),
        "us-east-1 [US]: profiles US shard home; EU shard replica, catalog primary"
    );
    // The catalog takes no writes here: its replicas say so.
    assert!(label_of(&maps[0], "eu-central-1").contains("catalog replica (no write reached it)"));
    // The EU rule's outline holds Ireland and Frankfurt, not Virginia.
    let eu = maps[0].panels[0]
        .series
        .iter()
        .find(|s| {
            s.markers
                .first()
                .is_some_and(|m| m.2 == "EU data may rest here")
        })
        .expect("an outline of the EU rule");
    let (xs, ys): (Vec<f64>, Vec<f64>) = eu.points.iter().copied().unzip();
    let inside = |region: &str| {
        let (lon, lat) = (
            s["regions"][region]["lon"].as_f64().unwrap(),
            s["regions"][region]["lat"].as_f64().unwrap(),
        );
        lon > xs.iter().copied().fold(f64::INFINITY, f64::min)
            && lon < xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            && lat > ys.iter().copied().fold(f64::INFINITY, f64::min)
            && lat < ys.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    assert!(inside("eu-west-1") && inside("eu-central-1") && !inside("us-east-1"));
    // Active-active copies are called so; a map without rules outlines
    // nothing.
    let aa = charts::with_region_colors(&[summary(out, "active-active-lww-skew")]).remove(0);
    let map = &charts::topology(&aa)[0];
    assert!(label_of(map, "us-east-1").contains("active-active copy"));
    assert!(map.panels[0].series.iter().all(|s| !s.labels_only));
    // Links take the shorter way round: no drawn piece spans more than
    // half the globe (Oregon to Tokyo crosses the Pacific).
    let global = charts::with_region_colors(&[summary(out, "global-five-regions")]).remove(0);
    for s in &charts::topology(&global)[0].panels[0].series {
        if s.name.starts_with("link") {
            for w in s.points.windows(2) {
                // NaN breaks between links compare false: they pass.
                let span = (w[0].0 - w[1].0).abs();
                assert!(span.is_nan() || span <= 180.0, "{}: {w:?}", s.name);
            }
        }
    }
}

/// A replica no write reached is not drawn as a flat zero lag, and the
/// chart says so; a line hidden under another is drawn dashed and named.
#[test]
fn idle_replicas_and_hidden_lines_are_said() {
    use regionsim::report::charts;
    let out = shipped_report();
    let s = charts::with_region_colors(&[summary(out, "region-outage")]).remove(0);
    let point = &s["points"][0];
    let fig = charts::replication_lag(&s, point).unwrap();
    assert!(
        fig.panels[0]
            .title
            .ends_with("(no write reached us-east-1)"),
        "{}",
        fig.panels[0].title
    );
    assert!(fig
        .panels
        .iter()
        .flat_map(|p| &p.series)
        .all(|s| s.name != "us-east-1"));
    // us-west-2's and eu-west-1's availability are within a pixel all along.
    let fig = charts::availability(&s, point).unwrap();
    let (_, _, boxes) = charts::render_layout(&fig).unwrap();
    let texts: Vec<&str> = boxes.iter().map(|b| b.text.as_str()).collect();
    assert!(texts.contains(&"eu-west-1 (dashed) runs"), "{texts:?}");
    assert!(texts.contains(&"on us-west-2"), "{texts:?}");
    // Random failures strike at a different moment in each replication:
    // a year's availability marks no milestone of a mean incident.
    let year = charts::with_region_colors(&[summary(out, "year-of-failures")]).remove(0);
    let fig = charts::availability(&year, &year["points"][0]).unwrap();
    assert!(fig.panels[0].vlines.is_empty());
}

/// The page shows values under the pointer from data each chart carries
/// (no library, nothing fetched: one script, inline), those values are the
/// summary's, and the page stays a few megabytes.
#[test]
fn the_page_shows_the_summarys_values_under_the_pointer_and_stays_small() {
    let out = shipped_report();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(html.matches("<script>").count(), 1, "one inline script");
    assert!(!html.contains("<script src") && !html.contains("<link"));
    assert!(
        html.contains("desc.rs-hover"),
        "the script reads the charts' values"
    );
    // Sized for mail and a review: today 5.49 MB for the 20 scenarios,
    // close to the limit: the next chart or point needs room made (5.0
    // MB for 18 before retry-storm and pooled-clients; 4.0
    // MB for 17 before the four-point, four-region b2c-global; 3.2 MB for
    // 15 before the quorum sweep and the survive-a-region sweep, about
    // 0.3-0.5 MB each; 4.1 MB for 15 before the charts were compacted,
    // without values under the pointer).
    assert!(html.len() < 5_500_000, "index.html is {} bytes", html.len());
    // Reference's read latency curves: at p99 the pointer reads each
    // region's p99 from the summary (three significant digits).
    let s = summary(out, "reference");
    let levels: Vec<f64> = s["quantile_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let k = levels.iter().position(|&l| l == 0.99).unwrap();
    let svg = std::fs::read_to_string(out.join("reference/charts/latency-cdf.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let desc = doc
        .descendants()
        .find(|n| n.has_tag_name("desc") && n.attribute("class") == Some("rs-hover"))
        .expect("hover values")
        .text()
        .unwrap();
    let mut regions = 0;
    for (region, c) in s["points"][0]["figures"]["clients"].as_object().unwrap() {
        let Some(q) = c["read_latency"]["quantiles_ms"]["mean"].as_array() else {
            continue;
        };
        let p99 = q[k].as_f64().unwrap();
        // The region's first series (reads), its p99 line.
        let block = desc
            .split(&format!("#{region}\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no hover series {region}"));
        let line = block
            .lines()
            .find(|l| l.ends_with(" \u{b7} p99"))
            .unwrap_or_else(|| panic!("{region}: no p99 point"));
        let shown: f64 = line.split(' ').nth(2).unwrap().parse().unwrap();
        assert!(
            (shown - p99).abs() <= p99 * 0.005,
            "{region}: pointer reads {shown} ms, summary p99 {p99}"
        );
        regions += 1;
    }
    assert_eq!(regions, 3);
}

/// An SLO is drawn on the chart of the metric it judges: a latency
/// quantile's bound as a marker at (bound, level) on the CDF, an
/// availability floor as a line on the availability chart.
#[test]
fn slo_objectives_are_drawn_on_the_charts_they_judge() {
    use regionsim::report::charts;
    let out = shipped_report();
    let s = charts::with_region_colors(&[summary(out, "reference")]).remove(0);
    let fig = charts::latency_cdf(&s, &s["points"][0]).unwrap();
    let marks: Vec<(f64, f64, String)> = fig.panels[0]
        .series
        .iter()
        .flat_map(|s| s.markers.clone())
        .filter(|m| m.2.contains("SLO"))
        .collect();
    assert_eq!(
        marks,
        [(60.0, 0.99, " SLO <= 60ms: p99 eu-west-1".to_string())]
    );
    let s = charts::with_region_colors(&[summary(out, "app-everywhere-database-in-one")]).remove(0);
    let fig = charts::availability(&s, &s["points"][0]).unwrap();
    let lines: Vec<(f64, &str)> = fig.panels[0]
        .hlines
        .iter()
        .map(|l| (l.at, l.label.trim()))
        .collect();
    assert_eq!(lines, [(99.0, "SLO >= 99%: eu-west-1")]);
    // A stale share's bound on its staleness bound's panel.
    let s = charts::with_region_colors(&[summary(out, "apply-speed-sweep")]).remove(0);
    let fig = charts::consistency(&s, &s["points"][3]).unwrap();
    let panel = fig
        .panels
        .iter()
        .find(|p| p.title.contains("T = 500ms"))
        .unwrap();
    let lines: Vec<(f64, &str)> = panel
        .hlines
        .iter()
        .map(|l| (l.at, l.label.trim()))
        .collect();
    assert_eq!(lines, [(0.5, "SLO <= 0.5% over the run: eu-west-1")]);
}
