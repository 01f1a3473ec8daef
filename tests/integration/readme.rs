//! The README's example scenario is a valid scenario that runs.

use crate::common::{fig, summary};

#[test]
fn readme_example_scenario_runs() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let yaml = &readme[start..start + readme[start..].find("```").unwrap()];
    // 20 s instead of 10 min, the failures' starts in seconds.
    let yaml = yaml
        .replace("\nduration: 10m", "\nduration: 20s")
        .replace("at: 2m", "at: 2s")
        .replace("at: 1m", "at: 1s")
        .replace("at: 8m", "at: 8s")
        .replace("at: 3m", "at: 3s")
        .replace("at: 4m", "at: 4s")
        .replace("at: 5m", "at: 5s")
        .replace("at: 6m", "at: 6s");
    let s = summary(&yaml);
    assert!(fig(&s, "clients.eu-west-1.read_latency.count") > 0.0);
    assert!(fig(&s, "clients.eu-west-1.write_latency.count") > 0.0);
    // The primary's region is down from 2 s: writes from the EU fail.
    assert!(fig(&s, "clients.eu-west-1.requests.failed") > 0.0);
}

/// The README's first example: every cell of its answers table is what
/// the shipped `b2c-global` run says, at the table's rounding.
#[test]
fn the_founding_design_answers_match_its_run() {
    use regionsim::report::aggregate::at;
    let readme = include_str!("../../README.md");
    let start = readme
        .find("<!-- b2c-global answers")
        .expect("the answers table");
    let end = readme.find("<!-- end of b2c-global answers -->").unwrap();
    let rows: Vec<Vec<&str>> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| variant"))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    let path = crate::common::shipped_report().join("b2c-global/summary.json");
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("the shipped run")).unwrap();
    let names = ["failover", "ttl-300", "writes-x2", "switchover"];
    for (i, (row, name)) in rows.iter().zip(names).enumerate() {
        assert_eq!(row[0], name);
        let f = |p: &str| {
            at(&s, &format!("points.{i}.figures.{p}.mean"))
                .and_then(serde_json::Value::as_f64)
                .unwrap_or_else(|| panic!("{name}: no {p}"))
        };
        let secs = |p: &str| format!("{:.1} s", f(p) / 1000.0);
        let pct = |p: &str| format!("{:.2} %", f(p) * 100.0);
        assert_eq!(
            row[1],
            format!(
                "{} / {}",
                secs("clients.us-east-1.recovery.read_rto_ms"),
                secs("clients.us-east-1.recovery.write_rto_ms")
            ),
            "{name}"
        );
        assert_eq!(
            row[2],
            format!("{:.0}", f("datasets.accounts.failover.lost_writes")),
            "{name}"
        );
        assert_eq!(
            row[3],
            format!(
                "{} / {}",
                pct("clients.eu-west-1.stale_reads.500ms.share"),
                pct("clients.ap-southeast-1.stale_reads.500ms.share")
            ),
            "{name}"
        );
        assert_eq!(
            row[4],
            format!("{:.0}", f("residency.violations")),
            "{name}"
        );
        assert_eq!(
            row[5],
            format!(
                "${:.0} (transfer ${:.1}, egress ${:.1})",
                f("cost.total_usd_per_month"),
                f("cost.transfer_usd_per_month"),
                f("cost.egress_usd_per_month")
            ),
            "{name}"
        );
        // The preset table's claim: the lag stays under a second (p99.9
        // 0.41-0.53 s over the points).
        for r in ["us-west-2", "eu-west-1", "ap-southeast-1"] {
            let p999 = f(&format!("datasets.accounts.replicas.{r}.lag.p999_ms"));
            assert!((405.0..535.0).contains(&p999), "{name} {r}: {p999}");
        }
        assert_eq!(f("datasets.eu_profiles.residency.cross_border_reads"), 0.0);
    }
    // The prose under the table, from the failover point (and the
    // switchover point's outage, its second incident).
    let said = |p: &str, text: &str| {
        let v = at(&s, &format!("points.{p}.mean"))
            .and_then(serde_json::Value::as_f64)
            .unwrap_or_else(|| panic!("no {p}"));
        let shown = if text.ends_with(" s") {
            format!("{:.0} s", v / 1000.0)
        } else if text.ends_with(" ms") {
            format!("{v:.0} ms")
        } else {
            format!("{:.1} %", v * 100.0)
        };
        assert_eq!(shown, text, "{p}");
        let prose = &readme[end..readme[end..].find("## Quick start").unwrap() + end];
        assert!(
            prose.replace('\n', " ").contains(text),
            "{text} not in the prose"
        );
    };
    said("0.figures.incidents.0.detection_ms", "29 s");
    said("0.figures.incidents.0.dns_95_ms", "84 s");
    said("0.figures.incidents.0.promotion_ms", "91 s");
    said("0.figures.incidents.0.first_write_ms", "96 s");
    said("0.figures.incidents.0.lost_window_ms", "118 ms");
    said(
        "0.figures.datasets.accounts.replicas.eu-west-1.lag.p99_ms",
        "358 ms",
    );
    said(
        "0.figures.datasets.accounts.replicas.ap-southeast-1.lag.p99_ms",
        "407 ms",
    );
    said("0.figures.clients.eu-west-1.stale_reads.0ms.share", "3.4 %");
    said(
        "3.figures.incidents.1.clients.us-east-1.read_rto_ms",
        "86 s",
    );
}
