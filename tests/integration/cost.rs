//! What a design costs a month: every link's measured bytes for 730 hours,
//! priced per GB by source region from a dated table.

use crate::common::{fig, summary, validate};

/// 1,000 writes a second of 1 KiB records from the primary `from` to two
/// replicas, priced by the `aws` table.
fn replicated(from: &str, to: [&str; 2], extra: &str) -> String {
    format!(
        r#"
name: cost
seed: 1
duration: 60s
regions:
  - {{name: {from}, jurisdiction: X}}
  - {{name: {}, jurisdiction: X}}
  - {{name: {}, jurisdiction: X}}
network: {{preset: aws}}
datasets:
  - name: d
    keys: 1000
    record_bytes: 1024
    placement:
      single-primary: {{primary: {from}, replicas: [{}, {}], apply_time: 0.1ms}}
workload:
  - {{region: {from}, rates: {{d: {{writes_per_s: 1000}}}}}}
cost: {{prices: aws{extra}}}
"#,
        to[0], to[1], to[0], to[1]
    )
}

/// A month is 730 hours; a GB is 10^9 bytes.
const MONTH_S: f64 = 730.0 * 3600.0;

/// Each replica's link carries 1,024 bytes per write; the bill is those
/// bytes for a month at the source region's price, exactly (and, for the
/// nominal 1,000 writes a second, 1,000 x 1,024 x 2 x 2,628,000 s / 10^9
/// x $0.02 = $107.6, within the run's Poisson noise). Moving the primary
/// to Singapore prices the same bytes at $0.09 a GB, as the table says.
#[test]
fn a_month_of_replication_costs_its_bytes_at_the_source_price() {
    for (from, to, price) in [
        ("us-east-1", ["eu-west-1", "ap-southeast-1"], 0.02),
        ("ap-southeast-1", ["eu-west-1", "us-east-1"], 0.09),
    ] {
        let s = summary(&replicated(from, to, ""));
        let mut bytes = 0.0;
        for r in to {
            let b = fig(&s, &format!("network.{from}.{r}.bytes_per_s"));
            let usd = fig(&s, &format!("network.{from}.{r}.usd_per_month"));
            assert!(
                (usd - b * MONTH_S / 1e9 * price).abs() < 1e-9,
                "{from}->{r}: {usd}"
            );
            bytes += b;
        }
        let total = fig(&s, "cost.transfer_usd_per_month");
        assert!(
            (total - bytes * MONTH_S / 1e9 * price).abs() < 1e-9,
            "{total}"
        );
        let nominal = 1000.0 * 1024.0 * 2.0 * MONTH_S / 1e9 * price;
        assert!((total / nominal - 1.0).abs() < 0.03, "{total} vs {nominal}");
        // Inside a region nothing is billed.
        assert_eq!(
            fig(&s, &format!("network.{from}.{from}.usd_per_month")),
            0.0
        );
    }
}

/// An override of a region's price wins over the table's, and changes the
/// bill in proportion; the prices say so.
#[test]
fn an_override_reprices_its_source_region() {
    let base = summary(&replicated(
        "us-east-1",
        ["eu-west-1", "ap-southeast-1"],
        "",
    ));
    let over = summary(&replicated(
        "us-east-1",
        ["eu-west-1", "ap-southeast-1"],
        ", transfer_per_gb: {us-east-1: 0.05}",
    ));
    let (a, b) = (
        fig(&base, "cost.transfer_usd_per_month"),
        fig(&over, "cost.transfer_usd_per_month"),
    );
    assert!((b / a - 2.5).abs() < 1e-9, "{a} -> {b}");
    let prices = regionsim::report::aggregate::at(&over, "points.0.figures.cost.prices")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string);
    assert_eq!(prices.as_deref(), Some("aws 2022-01 with overrides"));
}

/// An unknown table, a negative or absurd price, an unknown region, and a
/// region no table prices: exit 2 with the line.
#[test]
fn bad_prices_are_refused_with_their_line() {
    let base = replicated("us-east-1", ["eu-west-1", "ap-southeast-1"], "");
    let line = base.lines().position(|l| l.starts_with("cost:")).unwrap() + 1;
    for (extra, words) in [
        (", transfer_per_gb: {us-east-1: -0.02}", "0 to 100"),
        (", transfer_per_gb: {us-east-1: 5000}", "0 to 100"),
        (", transfer_per_gb: {mars: 0.02}", "unknown region `mars`"),
        (", transfer_per_gb: {us-east-1: cheap}", "transfer_per_gb"),
    ] {
        let (code, err, _) = validate(&replicated(
            "us-east-1",
            ["eu-west-1", "ap-southeast-1"],
            extra,
        ));
        assert_eq!(code, Some(2), "{extra}: {err}");
        assert!(
            err.contains(&format!("test.yaml:{line}:")),
            "{extra}: {err}"
        );
        assert!(err.contains(words), "{extra}: {err}");
    }
    let (code, err, _) = validate(&base.replace("prices: aws", "prices: oracle"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown price table `oracle`"), "{err}");
    // A region the table does not know needs a price of its own.
    let custom = base.replace("eu-west-1", "lab-1");
    let (code, err, _) = validate(&custom.replace("network: {preset: aws}", "network: {preset: aws, links: [{between: [us-east-1, lab-1], delay: 40ms}, {between: [lab-1, ap-southeast-1], delay: 90ms}]}"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no transfer price for lab-1"), "{err}");
    assert!(err.contains("cost.transfer_per_gb.lab-1"), "{err}");
}

/// The GCP and Azure tables price by continent: from us-east1, a GB to
/// us-west1 costs $0.01 and to europe-west1 $0.08; from Azure's eastus, to
/// westus2 $0.02 and to westeurope $0.05. Each link's bill is its bytes at
/// its pair's price, exactly.
#[test]
fn gcp_and_azure_tables_price_each_pair_by_continent() {
    for (table, from, near, far, near_price, far_price) in [
        ("gcp", "us-east1", "us-west1", "europe-west1", 0.01, 0.08),
        ("azure", "eastus", "westus2", "westeurope", 0.02, 0.05),
    ] {
        // Azure's table has no internet egress price: the file gives one.
        let egress = if table == "azure" {
            format!(", egress_per_gb: {{{from}: 0.087}}")
        } else {
            String::new()
        };
        let yaml = replicated(from, [near, far], "")
            .replace("prices: aws", &format!("prices: {table}{egress}"))
            .replace(
                "network: {preset: aws}",
                &format!(
                    "network: {{intra_region: 1ms, links: [{{between: [{from}, {near}], delay: 30ms}}, {{between: [{from}, {far}], delay: 40ms}}, {{between: [{near}, {far}], delay: 70ms}}]}}"
                ),
            );
        let s = summary(&yaml);
        let bill = |to: &str, price: f64| {
            let b = fig(&s, &format!("network.{from}.{to}.bytes_per_s"));
            let usd = fig(&s, &format!("network.{from}.{to}.usd_per_month"));
            assert!(
                (usd - b * MONTH_S / 1e9 * price).abs() < 1e-9,
                "{table} {to}: {usd}"
            );
            usd
        };
        let total = bill(near, near_price) + bill(far, far_price);
        let got = fig(&s, "cost.transfer_usd_per_month");
        assert!((got - total).abs() < 1e-9, "{table}: {got} vs {total}");
    }
}

/// Headroom on cost: with an SLO of $217.3 a month (twice the nominal
/// $108.6 bill), `regionsim headroom` finds the load at which the bill
/// crosses it, about 2 (the bill grows with the writes), to the asked
/// precision.
#[test]
fn headroom_finds_the_load_a_monthly_budget_allows() {
    let yaml = format!(
        "{}slo:\n  - {{name: transfer budget, metric: cost.transfer_usd_per_month, max: 217.3}}\n",
        replicated("us-east-1", ["eu-west-1", "ap-southeast-1"], "")
    );
    let dir = tempfile::tempdir().unwrap();
    let file = crate::common::write(dir.path(), "budget.yaml", &yaml);
    let j = crate::common::headroom(dir.path(), &file, "cost", &["--precision", "2%"]);
    let s = &j["searches"][0];
    let (lo, hi) = (
        s["headroom"].as_f64().unwrap(),
        s["breaks_at"].as_f64().unwrap(),
    );
    assert_eq!(s["first_to_break"], "transfer budget");
    assert!(
        (1.94..=2.06).contains(&lo) && hi <= lo * 1.02 + 1e-9,
        "({lo}, {hi}]"
    );
}

/// Users in `users` reading 1 KiB records 500 times a second from the app
/// tier DNS sends them to (`endpoint`), under `prices`.
fn served(users: &str, endpoint: &str, prices: &str) -> String {
    let other = if endpoint == "us-east-1" {
        "ap-southeast-1"
    } else {
        "us-east-1"
    };
    format!(
        r#"
name: egress
seed: 2
duration: 60s
regions:
  - {{name: us-east-1, jurisdiction: X}}
  - {{name: ap-southeast-1, jurisdiction: X}}
network: {{preset: aws}}
datasets:
  - name: d
    keys: 1000
    record_bytes: 1024
    placement:
      active-active: {{regions: [us-east-1, ap-southeast-1], apply_time: 0.1ms}}
workload:
  - {{region: {users}, rates: {{d: {{reads_per_s: 500}}}}}}
routing: {{policy: failover, primary: {endpoint}, secondary: {other}}}
cost: {{{prices}}}
"#
    )
}

/// Internet egress: each read's 1,024-byte response leaves its app tier
/// for the user, billed for a month at the app tier's region's price
/// (skyplane's `internet` rows of the AWS price list, 2022-01: $0.09 from
/// us-east-1, $0.12 from ap-southeast-1), exactly the reads answered x
/// 1,024 bytes. A user in Singapore served from Virginia crosses the
/// Pacific over the internet: the response is egress from Virginia, and
/// neither it nor the request is inter-region transfer; the only transfer
/// left is none (active-active reads are local, nothing is written).
#[test]
fn responses_to_users_bill_internet_egress_at_the_app_tiers_price() {
    for (users, endpoint, price) in [
        ("us-east-1", "us-east-1", 0.09),
        ("ap-southeast-1", "ap-southeast-1", 0.12),
        ("ap-southeast-1", "us-east-1", 0.09),
    ] {
        let s = summary(&served(users, endpoint, "prices: aws"));
        let reads = fig(&s, &format!("clients.{users}.read_latency.count"));
        let want = reads * 1024.0 / 60.0 * MONTH_S / 1e9 * price;
        let egress = fig(&s, "cost.egress_usd_per_month");
        assert!(
            (egress - want).abs() < 1e-9,
            "{users} via {endpoint}: {egress} vs {want}"
        );
        assert_eq!(
            fig(&s, "cost.transfer_usd_per_month"),
            0.0,
            "{users} via {endpoint}"
        );
        let total = fig(&s, "cost.total_usd_per_month");
        assert!((total - egress).abs() < 1e-9);
        if users != endpoint {
            // The link carries the users' traffic, billed as none of it.
            assert!(fig(&s, &format!("network.{endpoint}.{users}.bytes_per_s")) > 0.0);
            assert_eq!(
                fig(&s, &format!("network.{endpoint}.{users}.usd_per_month")),
                0.0
            );
        }
    }
    // An override wins; GCP's premium tier prices egress by region too.
    let s = summary(&served(
        "us-east-1",
        "us-east-1",
        "prices: aws, egress_per_gb: {us-east-1: 0.05}",
    ));
    let reads = fig(&s, "clients.us-east-1.read_latency.count");
    let want = reads * 1024.0 / 60.0 * MONTH_S / 1e9 * 0.05;
    assert!((fig(&s, "cost.egress_usd_per_month") - want).abs() < 1e-9);
}

/// The azure table has no internet egress prices: a region serving users
/// needs one of the file's, else exit 2 naming it; bad prices exit 2.
#[test]
fn unpriced_egress_is_refused_with_the_region() {
    let yaml = served("us-east-1", "us-east-1", "prices: aws")
        .replace("us-east-1", "eastus")
        .replace("ap-southeast-1", "southeastasia")
        .replace(
            "network: {preset: aws}",
            "network: {links: [{between: [eastus, southeastasia], delay: 100ms}]}",
        )
        .replace("prices: aws", "prices: azure");
    let (code, err, _) = validate(&yaml);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no internet egress price for eastus"), "{err}");
    assert!(err.contains("egress_per_gb.eastus"), "{err}");
    // Both endpoints serve users (the secondary when the primary is down).
    let priced = yaml.replace(
        "prices: azure",
        "prices: azure, egress_per_gb: {eastus: 0.087, southeastasia: 0.12}",
    );
    assert_eq!(validate(&priced).0, Some(0), "{}", validate(&priced).1);
    let (_, err, _) = validate(&yaml.replace(
        "prices: azure",
        "prices: azure, egress_per_gb: {eastus: 1e308, southeastasia: 0.12}",
    ));
    assert!(err.contains("got 1e308"), "{err}");
    for bad in ["-1", "lots", "1000"] {
        let y = yaml.replace(
            "prices: azure",
            &format!("prices: azure, egress_per_gb: {{eastus: {bad}}}"),
        );
        let (code, err, _) = validate(&y);
        assert_eq!(code, Some(2), "{bad}: {err}");
        assert!(err.contains("egress_per_gb"), "{bad}: {err}");
    }
}

/// A sweep's table of points gains the bill a month beside the swept
/// parameters (the terminal, summary.md and the page show it): here the
/// primary's price swept from $0.02 to $0.05 a GB bills 2.5 times as
/// much, each cell the point's `cost.total_usd_per_month`.
#[test]
fn a_priced_sweep_tabulates_each_points_bill() {
    let yaml = format!(
        "{}sweep:\n  parameters:\n    cost.transfer_per_gb.us-east-1: [0.02, 0.05]\n",
        replicated("us-east-1", ["eu-west-1", "ap-southeast-1"], "")
    );
    let s = crate::common::summary(&yaml);
    let rows = regionsim::report::format::sweep_rows(&s);
    assert_eq!(rows[0].last().map(String::as_str), Some("bill a month"));
    let total = |i: usize| {
        regionsim::report::aggregate::at(
            &s,
            &format!("points.{i}.figures.cost.total_usd_per_month.mean"),
        )
        .and_then(serde_json::Value::as_f64)
        .unwrap()
    };
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row.last().unwrap(), &format!("${:.1}", total(i)), "{row:?}");
    }
    assert!((total(1) / total(0) - 2.5).abs() < 1e-9);
    // Without a cost section there is no such column.
    let unpriced = crate::common::summary(&format!(
        "{}sweep:\n  parameters:\n    workload.us-east-1.rates.d.writes_per_s: [10, 20]\n",
        replicated("us-east-1", ["eu-west-1", "ap-southeast-1"], "")
            .replace("cost: {prices: aws}\n", "")
    ));
    let rows = regionsim::report::format::sweep_rows(&unpriced);
    assert!(
        !rows[0].iter().any(|h| h == "bill a month"),
        "{:?}",
        rows[0]
    );
}

/// The bill by dataset: whose messages and responses each byte was. One
/// dataset replicated from us-east-1 to two regions and written 1,000
/// times a second; another, kept in us-east-1, read 500 times a second
/// from Ireland, whose users' reads cross to Virginia's database.
/// The first's share is all the replication and none of the egress (a
/// write's acknowledgement carries no record); the second's is its
/// reads' app-tier-to-database traffic (the request there, the record
/// back, each at its source's price) and their egress from Ireland; the
/// shares add up to the design's bill exactly.
#[test]
fn the_bill_splits_by_dataset_and_adds_up() {
    let yaml = replicated("us-east-1", ["eu-west-1", "ap-southeast-1"], "").replace(
        "workload:\n",
        "  - name: e\n    keys: 100\n    record_bytes: 2048\n    placement:\n      single-primary: {primary: us-east-1, apply_time: 0.1ms}\nworkload:\n  - {region: eu-west-1, rates: {e: {reads_per_s: 500}}}\n",
    );
    let s = summary(&yaml);
    let c = |p: &str| fig(&s, &format!("cost.{p}"));
    for k in ["transfer", "replicated_writes", "egress", "total"] {
        let sum = c(&format!("datasets.d.{k}_usd_per_month"))
            + c(&format!("datasets.e.{k}_usd_per_month"));
        assert!(
            (sum - c(&format!("{k}_usd_per_month"))).abs() < 1e-9,
            "{k}: {sum}"
        );
    }
    assert_eq!(c("datasets.d.egress_usd_per_month"), 0.0);
    // d: every byte from us-east-1 to its replicas, at $0.02.
    let replication = (fig(&s, "network.us-east-1.eu-west-1.bytes_per_s")
        - fig(&s, "clients.eu-west-1.read_latency.count") * 2048.0 / 60.0)
        + fig(&s, "network.us-east-1.ap-southeast-1.bytes_per_s");
    let d = c("datasets.d.transfer_usd_per_month");
    assert!((d - replication * MONTH_S / 1e9 * 0.02).abs() < 1e-9, "{d}");
    // e: its reads' records back from Virginia to Ireland's app tier
    // (requests carry no bytes), and their egress from Ireland at $0.09.
    let reads = fig(&s, "clients.eu-west-1.read_latency.count");
    let e = c("datasets.e.transfer_usd_per_month");
    let want = reads * 2048.0 / 60.0 * MONTH_S / 1e9 * 0.02;
    assert!((e - want).abs() < 1e-9, "{e} vs {want}");
    let egress = c("datasets.e.egress_usd_per_month");
    let want = reads * 2048.0 / 60.0 * MONTH_S / 1e9 * 0.09;
    assert!((egress - want).abs() < 1e-9, "{egress} vs {want}");
}
