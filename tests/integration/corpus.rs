//! A corpus of hostile inputs (issue 7): syntax, values, sizes, names,
//! overrides, output paths and shard files, built from the test scenario.
//! Every input goes through the binary bounded to 10 seconds and 2 GiB of
//! address space: each must exit 0, 1 or 2 (2 with a message), none 3, none
//! killed.

use crate::common::{regionsim, regionsim_limited, TWO_GIB, TWO_REGIONS};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Mutex;

/// One hostile input: files to write (name, bytes) and the arguments.
struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    args: Vec<String>,
}

/// Caps every run of the corpus: no case may take the machine.
const CAPS: [&str; 4] = ["--max-events", "5e6", "--max-memory", "1GiB"];

fn run_args(extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = ["run", "s.yaml", "-q", "--no-charts", "-o", "out"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    a.extend(CAPS.iter().map(|s| s.to_string()));
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn scenario_case(name: impl Into<String>, text: impl Into<Vec<u8>>) -> Case {
    Case {
        name: name.into(),
        files: vec![("s.yaml".into(), text.into())],
        args: run_args(&[]),
    }
}

fn replaced(name: &str, from: &str, to: &str) -> Case {
    assert!(TWO_REGIONS.contains(from), "`{from}` not in the base");
    scenario_case(name, TWO_REGIONS.replacen(from, to, 1))
}

fn appended(name: &str, tail: &str) -> Case {
    scenario_case(name, format!("{TWO_REGIONS}{tail}"))
}

fn syntax() -> Vec<Case> {
    let base = TWO_REGIONS.as_bytes();
    let mut out = Vec::new();
    for k in 1..40 {
        let cut = base.len() * k / 40;
        out.push(scenario_case(
            format!("truncated-{k}"),
            base[..cut].to_vec(),
        ));
    }
    let marks = [
        b':', b'-', b'[', b'{', b'"', b'\'', b'&', b'*', b'!', b'%', b'@', b'\t', 0u8, 0xff, b'|',
        b'>', b'#', b'?', b'`', b',',
    ];
    for (i, m) in marks.iter().enumerate() {
        let mut text = base.to_vec();
        let at = (i * 37 + 11) % text.len();
        text[at] = *m;
        out.push(scenario_case(format!("byte-{i}"), text));
    }
    let nest = |open: &str| format!("name: x\nduration: {}", open.repeat(100_000));
    let mut block = String::from("name: x\n");
    for d in 0..200 {
        block.push_str(&format!("{}k{d}:\n", "  ".repeat(d)));
    }
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let specials: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("blank", b"\n\n  \n".to_vec()),
        ("comments", b"# nothing\n# here\n".to_vec()),
        (
            "two-documents",
            format!("{TWO_REGIONS}---\n{TWO_REGIONS}").into_bytes(),
        ),
        ("unclosed-flow", b"name: [unclosed\n".to_vec()),
        ("lone-brace", b"{".to_vec()),
        ("lone-bracket", b"]".to_vec()),
        ("scalar-document", b"just a string\n".to_vec()),
        ("list-document", b"- 1\n- 2\n".to_vec()),
        (
            "bom",
            format!("\u{feff}{}", TWO_REGIONS.trim_start()).into_bytes(),
        ),
        ("crlf", TWO_REGIONS.replace('\n', "\r\n").into_bytes()),
        (
            "nul-in-value",
            TWO_REGIONS
                .replace("two-regions", "two\0regions")
                .into_bytes(),
        ),
        (
            "invalid-utf8",
            [&base[..40], &[0xc3, 0x28, 0xa0, 0xa1], &base[40..]].concat(),
        ),
        ("nested-brackets", nest("[").into_bytes()),
        ("nested-braces", nest("{").into_bytes()),
        ("deep-block", block.into_bytes()),
        ("alias-bomb", bomb.into_bytes()),
        (
            "unknown-alias",
            format!("{TWO_REGIONS}description: *nope\n").into_bytes(),
        ),
        (
            "unused-anchor",
            TWO_REGIONS
                .replace("keys: 100", "keys: &k 100")
                .into_bytes(),
        ),
        (
            "alias-reuse",
            TWO_REGIONS
                .replace("intra_region: 1ms", "intra_region: &d 1ms")
                .replace("delay: 38ms", "delay: *d")
                .into_bytes(),
        ),
        (
            "binary-tag",
            TWO_REGIONS
                .replace("keys: 100", "keys: !!binary aGVsbG8=")
                .into_bytes(),
        ),
        (
            "custom-tag",
            TWO_REGIONS
                .replace("keys: 100", "keys: !mine 100")
                .into_bytes(),
        ),
        (
            "merge-key",
            format!("x: &x {{seed: 4}}\n{}<<: *x\n", TWO_REGIONS.trim_start()).into_bytes(),
        ),
        (
            "complex-key",
            format!("{TWO_REGIONS}? [a, b]\n: 1\n").into_bytes(),
        ),
        (
            "document-end",
            format!("{TWO_REGIONS}...\ngarbage: [\n").into_bytes(),
        ),
        (
            "long-line",
            TWO_REGIONS
                .replace("two-regions", &"x".repeat(1 << 20))
                .into_bytes(),
        ),
        (
            "too-large",
            format!("{TWO_REGIONS}#{}\n", "x".repeat(9 << 20)).into_bytes(),
        ),
        (
            "million-nodes",
            format!(
                "{TWO_REGIONS}description: [{}]\n",
                vec!["1"; 1_100_000].join(",")
            )
            .into_bytes(),
        ),
        (
            "dup-top",
            format!("{TWO_REGIONS}duration: 5s\n").into_bytes(),
        ),
        (
            "dup-region-field",
            TWO_REGIONS
                .replace(
                    "{name: a, jurisdiction: US}",
                    "{name: a, jurisdiction: US, name: c}",
                )
                .into_bytes(),
        ),
        (
            "dup-rates",
            TWO_REGIONS
                .replace(
                    "      users: {writes_per_s: 50}",
                    "      users: {writes_per_s: 50}\n      users: {writes_per_s: 5}",
                )
                .into_bytes(),
        ),
        (
            "dup-in-dist",
            TWO_REGIONS
                .replace(
                    "delay: 38ms",
                    "delay: {uniform: {min: 1ms, min: 2ms, max: 3ms}}",
                )
                .into_bytes(),
        ),
        (
            "tab-indent",
            TWO_REGIONS
                .replace("    keys: 100", "\tkeys: 100")
                .into_bytes(),
        ),
        (
            "tab-after-colon",
            TWO_REGIONS.replace("keys: 100", "keys:\t100").into_bytes(),
        ),
        (
            "tab-in-flow",
            TWO_REGIONS
                .replace(
                    "{name: b, jurisdiction: EU}",
                    "{name: b,\tjurisdiction: EU}",
                )
                .into_bytes(),
        ),
    ];
    out.extend(specials.into_iter().map(|(n, t)| scenario_case(n, t)));
    out
}

fn values() -> Vec<Case> {
    let mut out = Vec::new();
    let mut each = |field: &str, from: &str, values: &[&str]| {
        for (i, v) in values.iter().enumerate() {
            let to = from.replacen(field_value(from), v, 1);
            out.push(replaced(&format!("{field}-{i}"), from, &to));
        }
    };
    each(
        "keys",
        "keys: 100",
        &[
            "0",
            "-1",
            "1.5",
            "4294967295",
            "4294967296",
            "1e20",
            "many",
            "null",
            "[]",
            "{}",
            "'100'",
            "100000001",
        ],
    );
    each(
        "writes",
        "users: {writes_per_s: 50}",
        &[
            "0", "-1", "1e308", ".nan", ".inf", "-.inf", "1e9", "1e-300", "fast", "null", "[1]",
        ],
    );
    each(
        "reads",
        "reads_per_s: 200",
        &["1e8", "99999999", "0.000001", "-0"],
    );
    each(
        "duration",
        "duration: 60s",
        &[
            "0ms",
            "-1s",
            "100000h",
            "8784h",
            "1e3ms",
            "1.5",
            "5",
            "10 parsecs",
            "99999999999999999999h",
            "0.0000000001ns",
            "1ns",
            "null",
        ],
    );
    each(
        "warmup",
        "warmup: 5s",
        &[
            "-5s",
            "1000000h",
            "8783h",
            "5",
            "null",
            "1.9999999999999999999s",
        ],
    );
    each(
        "seed",
        "seed: 3",
        &[
            "-1",
            "1e30",
            "x",
            "18446744073709551615",
            "18446744073709551616",
        ],
    );
    each(
        "apply",
        "apply_time: 0ms",
        &[
            "1000000h",
            "25h",
            "{pareto: {scale: 1ms, shape: 0.5}}",
            "{lognormal: {mu: 1000, sigma: 100}}",
            "{lognormal: {mu: 1, sigma: 30}}",
            "{normal: {mean: 0ms, stddev: 1ms}}",
            "{empirical: [[0, 1ms]]}",
            "{uniform: {min: 2ms, max: 1ms}}",
            "{weibull: {scale: 1ms, shape: 1e-300}}",
            "{weibull: {scale: 1ms, shape: 1e300}}",
            "{exponential: {mean: 0ms}}",
            "{gamma: {k: 1}}",
            "{constant: 1ms, extra: 2}",
            "{}",
            "[]",
            "1ms2ms",
            "-5ms",
            "{pareto: {scale: 1ms, shape: 1}}",
            "{lognormal: {median: 1ms, p99: 24h}}",
            "{empirical: [[0, 1ms], [50, 1ms], [100, 1ms]]}",
        ],
    );
    each(
        "link",
        "delay: 38ms",
        &[
            "0ms",
            "24h",
            "{pareto: {scale: 10ms, shape: 0.1}}",
            "{normal: {mean: 1ms, stddev: 1000h}}",
            "{lognormal: {median: 10ms, p99: 11ms, base: 9ms}}",
            "38",
        ],
    );
    each(
        "bounds",
        "staleness_bounds: [0ms, 50ms]",
        &[
            "staleness_bounds: []",
            "staleness_bounds: [0ms, 0ms]",
            "staleness_bounds: [-1ms]",
            "staleness_bounds: [1000000h]",
            "staleness_bounds: 5ms",
        ],
    );
    each(
        "intra",
        "intra_region: 1ms",
        &["0ns", "{uniform: {min: 0ms, max: 0ms}}", "25h"],
    );
    let rows: Vec<String> = (0..=2000)
        .map(|i| format!("[{}, {}us]", i as f64 / 20.0, i))
        .collect();
    out.push(replaced(
        "empirical-2001-rows",
        "apply_time: 0ms",
        &format!("apply_time: {{empirical: [{}]}}", rows.join(", ")),
    ));
    let many_bounds: Vec<String> = (0..40).map(|i| format!("{i}ms")).collect();
    out.push(replaced(
        "bounds-40",
        "staleness_bounds: [0ms, 50ms]",
        &format!("staleness_bounds: [{}]", many_bounds.join(", ")),
    ));
    for (i, tail) in [
        "bucket: 1ns\n",
        "bucket: 0ms\n",
        "bucket: 100h\n",
        "replications: 0\n",
        "replications: 10001\n",
        "replications: 1000000000\n",
        "replications: -1\n",
        "replications: 2.5\n",
        "network: {preset: nope}\n",
    ]
    .iter()
    .enumerate()
    {
        out.push(appended(&format!("setting-{i}"), tail));
    }
    for (i, coords) in [
        "lat: 91, lon: 0",
        "lat: 10",
        "lat: 0, lon: -181",
        "lat: .nan, lon: 0",
        "lat: x, lon: 0",
    ]
    .iter()
    .enumerate()
    {
        out.push(replaced(
            &format!("coords-{i}"),
            "{name: a, jurisdiction: US}",
            &format!("{{name: a, jurisdiction: US, {coords}}}"),
        ));
    }
    for (i, z) in ["0", "-1", "1e300", ".nan", "1e-300", "50", "x", "[1]"]
        .iter()
        .enumerate()
    {
        out.push(replaced(
            &format!("zipf-{i}"),
            "keys: 100",
            &format!("keys: 100\n    popularity: {{zipf: {z}}}"),
        ));
    }
    for (i, slo) in [
        "{metric: clients.b.stale_reads.0ms.share, max: -5%}",
        "{metric: clients.b.stale_reads.0ms.share, max: 200%}",
        "{metric: clients.b.read_latency.count, max: -1}",
        "{metric: clients.b.read_latency.p99_ms, max: .inf}",
        "{metric: clients.b.read_latency.p99_ms, max: 5 parsecs}",
        "{metric: clients.b.read_latency.p99_ms, max: 1ms, confidence: 0%}",
        "{metric: clients.b.read_latency.p99_ms, max: 1ms, confidence: 100%}",
        "{metric: clients.b.read_latency.p99_ms, max: 1ms, confidence: 2}",
        "{metric: clients.b.read_latency.p99_ms, max: 1ms, confidence: 95%}",
        "{metric: clients.b.nope, max: 1}",
        "{metric: clients.b, max: 1}",
        "{metric: read_latency.p99_ms, scope: {replica: b}, max: 1ms}",
        "{metric: clients.b.read_latency.p99_ms, max: 1ms}",
        "{metric: clients.b.read_latency.p99_ms, min: 2ms, max: 1ms}",
    ]
    .iter()
    .enumerate()
    {
        // Through `check`, which judges them (exit 1 when one fails).
        let mut case = appended(&format!("slo-{i}"), &format!("slo:\n  - {slo}\n"));
        case.args[0] = "check".into();
        out.push(case);
    }
    for (i, p) in [
        "{metrics: [clients.b.read_latency.p99_ms], relative_half_width: 1%, max_replications: 1000000000}",
        "{metrics: [clients.b.read_latency.p99_ms], relative_half_width: 1%, max_replications: 0}",
        "{metrics: [clients.b.read_latency.p99_ms], relative_half_width: 1%, batch: 0, max_replications: 4}",
        "{metrics: [clients.b.read_latency.p99_ms], relative_half_width: -1%, max_replications: 4}",
        "{metrics: [], relative_half_width: 1%, max_replications: 4}",
        "{metrics: [clients.b.read_latency.p99_ms], relative_half_width: 50%, max_replications: 4}",
    ]
    .iter()
    .enumerate()
    {
        out.push(appended(&format!("precision-{i}"), &format!("replications: 2\nprecision: {p}\n")));
    }
    out
}

/// The value part of `key: value` (or the whole text).
fn field_value(from: &str) -> &str {
    match from.rsplit_once(": ") {
        Some((_, v)) => v.trim_end_matches('}'),
        None => from,
    }
}

fn sizes() -> Vec<Case> {
    let mut out = Vec::new();
    let regions = |n: usize| {
        let mut s = String::from("name: many\nduration: 1s\nregions:\n");
        for i in 0..n {
            s.push_str(&format!(
                "  - {{name: r{i}, jurisdiction: EU, lat: {}, lon: {}}}\n",
                (i % 170) as f64 - 85.0,
                (i % 350) as f64 - 175.0
            ));
        }
        s.push_str("datasets:\n  - {name: d, keys: 10, placement: {single-primary: {primary: r0, replicas: [r1], apply_time: 1ms}}}\nworkload:\n  - {region: r1, rates: {d: {reads_per_s: 10, writes_per_s: 1}}}\n");
        s
    };
    out.push(scenario_case("regions-1000", regions(1000)));
    out.push(scenario_case("regions-1001", regions(1001)));
    out.push(scenario_case("regions-66000", regions(66_000)));
    let mut datasets = String::from(TWO_REGIONS.split("datasets:").next().unwrap());
    datasets.push_str("datasets:\n");
    for i in 0..101 {
        datasets.push_str(&format!("  - {{name: d{i}, keys: 10, placement: {{single-primary: {{primary: a, apply_time: 1ms}}}}}}\n"));
    }
    datasets.push_str("workload:\n  - {region: a, rates: {d0: {writes_per_s: 1}}}\n");
    out.push(scenario_case("datasets-101", datasets));
    out.push(replaced("keys-1e8", "keys: 100", "keys: 100000000"));
    out.push(replaced(
        "keys-1e8-zipf",
        "keys: 100",
        "keys: 100000000\n    popularity: {zipf: 0.9}",
    ));
    out.push(replaced("keys-2e7", "keys: 100", "keys: 20000000"));
    let values = |n: usize| {
        (1..=n)
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push(appended("sweep-1e12", &format!("sweep:\n  parameters:\n    seed: [{}]\n    datasets.users.keys: [{}]\n    replications: [{}]\n    workload.a.rates.users.writes_per_s: [{}]\n", values(1000), values(1000), values(1000), values(1000))));
    out.push(appended(
        "sweep-1e4",
        &format!("sweep:\n  parameters:\n    seed: [{}]\n", values(10_000)),
    ));
    out.push(appended(
        "sweep-1e5-values",
        &format!("sweep:\n  parameters:\n    seed: [{}]\n", values(100_000)),
    ));
    out.push(appended(
        "sweep-zip-1e4",
        &format!(
            "sweep:\n  mode: zip\n  parameters:\n    seed: [{}]\n    datasets.users.keys: [{}]\n",
            values(10_000),
            values(10_000)
        ),
    ));
    let slos: String = (0..2000)
        .map(|_| "  - {metric: clients.b.read_latency.p99_ms, max: 1s}\n")
        .collect();
    out.push(appended("slos-2000", &format!("slo:\n{slos}")));
    let links: String = (0..100_000)
        .map(|_| "    - {between: [a, b], delay: 1ms}\n")
        .collect();
    out.push(scenario_case(
        "links-1e5",
        TWO_REGIONS.replace("  links:\n", &format!("  links:\n{links}")),
    ));
    out.push(appended(
        "description-5mb",
        &format!("description: {}\n", "y".repeat(5 << 20)),
    ));
    out.push(replaced(
        "name-10k",
        "name: two-regions",
        &format!("name: {}", "n".repeat(10_000)),
    ));
    out.push(replaced("rates-max-day", "duration: 60s", "duration: 24h"));
    out
}

fn names() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, n) in [
        "index.html",
        "summary.md",
        "charts",
        "CHARTS",
        "shard-1-of-2.json",
        "''",
        "a/b",
        "..",
        ".hidden",
        &"x".repeat(65),
        &"x".repeat(300),
        "é",
        "'a b'",
        "-",
        "_",
        "a.b",
        "con",
        "\"a\\0b\"",
        ".regionsim-lock",
    ]
    .iter()
    .enumerate()
    {
        out.push(replaced(
            &format!("scenario-name-{i}"),
            "name: two-regions",
            &format!("name: {n}"),
        ));
    }
    for (i, n) in [
        "\"a,b\"",
        "'a\"b'",
        "\"a\\nb\"",
        "\"a|b\"",
        "'0'",
        "''",
        &"r".repeat(65),
        "é",
        "a.b",
        "'a b'",
        "'<script>'",
        "a",
        "A",
    ]
    .iter()
    .enumerate()
    {
        out.push(replaced(
            &format!("region-name-{i}"),
            "{name: b, jurisdiction: EU}",
            &format!("{{name: {n}, jurisdiction: EU}}"),
        ));
    }
    for (i, n) in [
        "\"u,s\"",
        "'u|s'",
        "'0'",
        "''",
        &"d".repeat(65),
        "a.b",
        "users",
        "'x y'",
    ]
    .iter()
    .enumerate()
    {
        out.push(replaced(
            &format!("dataset-name-{i}"),
            "  - name: users",
            &format!("  - name: {n}"),
        ));
    }
    for (i, j) in ["''", &"J".repeat(100), "\"\\n\"", "\"EU\\u0007\""]
        .iter()
        .enumerate()
    {
        out.push(replaced(
            &format!("jurisdiction-{i}"),
            "{name: b, jurisdiction: EU}",
            &format!("{{name: b, jurisdiction: {j}}}"),
        ));
    }
    for (i, other) in ["two-regions", "Two-Regions"].iter().enumerate() {
        out.push(Case {
            name: format!("same-name-{i}"),
            files: vec![
                ("s.yaml".into(), TWO_REGIONS.as_bytes().to_vec()),
                (
                    "t.yaml".into(),
                    TWO_REGIONS
                        .replace("name: two-regions", &format!("name: {other}"))
                        .into_bytes(),
                ),
            ],
            args: {
                let mut a = run_args(&[]);
                a.insert(2, "t.yaml".into());
                a
            },
        });
    }
    out
}

fn overrides() -> Vec<Case> {
    let mut out = Vec::new();
    let deep = format!("seed={}", "[".repeat(100_000));
    let sets = [
        "sweep={parameters: {seed: [1, 2]}}",
        "sweep=[]",
        "sweep=5",
        "sweep={parameters: {}}",
        "sweep={mode: zip, parameters: {seed: [1], datasets.users.keys: [1, 2]}}",
        "sweep.parameters.seed=[1, 2]",
        "a..b=1",
        "=1",
        "x",
        "seed=-1",
        "seed=1e30",
        "datasets.nope.keys=1",
        "regions.5.name=x",
        "regions.0=5",
        "name=index.html",
        "name.x=1",
        "seed={a: 1, a: 2}",
        &deep,
        "seed=&a [*a]",
        "datasets.users.keys=4294967296",
        "workload.b.rates.users.reads_per_s=1e308",
        "duration=100000h",
        "replications=100000",
        "datasets.users=null",
        "datasets=[]",
        "regions=[]",
        "workload.0.region=zz",
        "network=5",
        "slo=[{metric: x, max: 1}]",
        "precision={metrics: [], relative_half_width: 1%, max_replications: 2}",
        "seed=",
        "description=\u{7}",
        "datasets.users.keys=[1, 2]",
        "sweep={parameters: {datasets.users.keys: [1, 2]}}",
    ];
    for (i, s) in sets.iter().enumerate() {
        out.push(Case {
            name: format!("set-{i}"),
            files: vec![("s.yaml".into(), TWO_REGIONS.as_bytes().to_vec())],
            args: run_args(&["--set", s]),
        });
    }
    // An override fighting the sweep of the file.
    out.push(Case {
        name: "set-vs-sweep".into(),
        files: vec![(
            "s.yaml".into(),
            format!("{TWO_REGIONS}sweep:\n  parameters:\n    datasets.users.keys: [10, 20]\n")
                .into_bytes(),
        )],
        args: run_args(&["--set", "datasets.users.keys=5"]),
    });
    let flags: [&[&str]; 16] = [
        &["--seed", "-1"],
        &["--seed", "1e30"],
        &["--replications", "0"],
        &["--replications", "100000"],
        &["-j", "0"],
        &["-j", "20000"],
        &["--shard", "0/1"],
        &["--shard", "5/4"],
        &["--shard", "1/0"],
        &["--shard", "x"],
        &["--max-memory", "lots"],
        &["--max-memory", "1B"],
        &["--max-events", "-1"],
        &["--max-events", "0"],
        &["--format", "xml"],
        &["--bogus"],
    ];
    for (i, f) in flags.iter().enumerate() {
        out.push(Case {
            name: format!("flag-{i}"),
            files: vec![("s.yaml".into(), TWO_REGIONS.as_bytes().to_vec())],
            args: run_args(f),
        });
    }
    out
}

fn outputs() -> Vec<Case> {
    let long = "o".repeat(300);
    [
        "a-file",
        "/dev/null",
        "/proc/regionsim/x",
        "",
        ".",
        "..",
        long.as_str(),
        "new/nested/dir",
        "mine",
        "/",
    ]
    .iter()
    .enumerate()
    .map(|(i, o)| {
        let mut args = run_args(&[]);
        let at = args.iter().position(|a| a == "out").unwrap();
        args[at] = o.to_string();
        Case {
            name: format!("output-{i}"),
            files: vec![
                ("s.yaml".into(), TWO_REGIONS.as_bytes().to_vec()),
                ("a-file".into(), b"x".to_vec()),
                ("mine/notes.txt".into(), b"keep".to_vec()),
            ],
            args,
        }
    })
    .collect()
}

fn shards(good: &Value, text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    let merge = |name: String, files: Vec<(String, Vec<u8>)>| Case {
        name,
        files,
        args: ["merge", "shards", "-q", "--no-charts", "-o", "merged"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let one = |name: &str, bytes: Vec<u8>| {
        merge(
            name.into(),
            vec![("shards/shard-1-of-1.json".into(), bytes)],
        )
    };
    for k in 1..12 {
        out.push(one(
            &format!("shard-truncated-{k}"),
            text.as_bytes()[..text.len() * k / 12].to_vec(),
        ));
    }
    for (n, t) in [
        ("shard-not-json", "this is not json".to_string()),
        ("shard-empty", String::new()),
        ("shard-object", "{}".into()),
        ("shard-array", "[]".into()),
        ("shard-null", "null".into()),
        ("shard-nested", "[".repeat(100_000)),
        (
            "shard-huge-number",
            text.replacen("\"events\":", "\"events\":1e400,\"x\":", 1),
        ),
    ] {
        out.push(one(n, t.into_bytes()));
    }
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "format",
            Box::new(|v| v["format"] = "regionsim-shard/9".into()),
        ),
        ("shard-0", Box::new(|v| v["shard"] = 0.into())),
        ("shard-2-of-1", Box::new(|v| v["shard"] = 2.into())),
        ("of-0", Box::new(|v| v["of"] = 0.into())),
        ("of-huge", Box::new(|v| v["of"] = 4_000_000_000u64.into())),
        ("inputs-empty", Box::new(|v| v["inputs"] = json!([]))),
        (
            "input-changed",
            Box::new(|v| {
                let t = v["inputs"][0]["text"]
                    .as_str()
                    .unwrap()
                    .replace("keys: 100", "keys: 200");
                v["inputs"][0]["text"] = t.into();
            }),
        ),
        (
            "input-more-buckets",
            Box::new(|v| {
                let t = v["inputs"][0]["text"]
                    .as_str()
                    .unwrap()
                    .replace("duration: 60s", "duration: 90s");
                v["inputs"][0]["text"] = t.into();
            }),
        ),
        (
            "input-invalid",
            Box::new(|v| v["inputs"][0]["text"] = "name: [".into()),
        ),
        (
            "input-dup-key",
            Box::new(|v| {
                v["inputs"][0]["text"] =
                    format!("{}seed: 9\n", v["inputs"][0]["text"].as_str().unwrap()).into()
            }),
        ),
        (
            "input-bomb",
            Box::new(|v| {
                v["inputs"][0]["text"] = format!(
                    "{}description: {}\n",
                    v["inputs"][0]["text"].as_str().unwrap(),
                    "[".repeat(50_000)
                )
                .into()
            }),
        ),
        ("sets-bad", Box::new(|v| v["sets"] = json!(["x"]))),
        ("sets-seed", Box::new(|v| v["sets"] = json!(["seed=2"]))),
        (
            "sets-deep",
            Box::new(|v| v["sets"] = json!([format!("seed={}", "[".repeat(100_000))])),
        ),
        ("records-empty", Box::new(|v| v["records"] = json!([]))),
        (
            "record-twice",
            Box::new(|v| {
                let r = v["records"][0].clone();
                v["records"].as_array_mut().unwrap().push(r);
            }),
        ),
        (
            "record-key-plan-5",
            Box::new(|v| v["records"][0]["key"]["plan"] = 5.into()),
        ),
        (
            "record-key-negative",
            Box::new(|v| v["records"][0]["key"]["replication"] = (-1).into()),
        ),
        (
            "events-text",
            Box::new(|v| v["records"][0]["figures"]["events"] = "abc".into()),
        ),
        (
            "events-float",
            Box::new(|v| v["records"][0]["figures"]["events"] = 1.5.into()),
        ),
        (
            "figures-empty",
            Box::new(|v| v["records"][0]["figures"] = json!({})),
        ),
        (
            "figures-null",
            Box::new(|v| v["records"][0]["figures"] = Value::Null),
        ),
        (
            "timeline-short",
            Box::new(|v| {
                v["records"][0]["figures"]["timeline"]["reads_per_s"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "timeline-long",
            Box::new(|v| {
                v["records"][0]["figures"]["timeline"]["writes_per_s"]
                    .as_array_mut()
                    .unwrap()
                    .push(1.into());
            }),
        ),
        (
            "timeline-text",
            Box::new(|v| v["records"][0]["figures"]["timeline"]["reads_per_s"][3] = "x".into()),
        ),
        (
            "extra-figure",
            Box::new(|v| v["records"][0]["figures"]["clients"]["b"]["extra"] = 1.into()),
        ),
        (
            "missing-figure",
            Box::new(|v| {
                v["records"][0]["figures"]["clients"]["b"]
                    .as_object_mut()
                    .unwrap()
                    .remove("read_latency");
            }),
        ),
        (
            "negative-share",
            Box::new(|v| {
                v["records"][0]["figures"]["clients"]["b"]["stale_reads"]["0ms"]["share"] =
                    (-1).into()
            }),
        ),
        (
            "object-for-number",
            Box::new(|v| {
                v["records"][0]["figures"]["clients"]["b"]["read_latency"]["count"] =
                    json!({"a": 1})
            }),
        ),
        (
            "quantiles-huge",
            Box::new(|v| {
                v["records"][0]["figures"]["clients"]["b"]["read_latency"]["quantiles_ms"] =
                    json!(vec![1.0; 100_000])
            }),
        ),
        (
            "quantiles-empty",
            Box::new(|v| {
                v["records"][0]["figures"]["clients"]["b"]["read_latency"]["quantiles_ms"] =
                    json!([])
            }),
        ),
        (
            "primary-changed",
            Box::new(|v| v["records"][0]["figures"]["datasets"]["users"]["primary"] = "b".into()),
        ),
        (
            "clients-reordered",
            Box::new(|v| {
                let c = v["records"][0]["figures"]["clients"]
                    .as_object()
                    .unwrap()
                    .clone();
                let mut m = serde_json::Map::new();
                for (k, x) in c.into_iter().rev() {
                    m.insert(k, x);
                }
                v["records"][0]["figures"]["clients"] = Value::Object(m);
            }),
        ),
        (
            "p50-null",
            Box::new(|v| {
                v["records"][0]["figures"]["clients"]["b"]["read_latency"]["p50_ms"] = Value::Null
            }),
        ),
        (
            "lag-huge",
            Box::new(|v| {
                v["records"][0]["figures"]["datasets"]["users"]["replicas"]["b"]["lag"]["max_ms"] =
                    1e300.into()
            }),
        ),
    ];
    for (n, edit) in edits {
        let mut v = good.clone();
        edit(&mut v);
        out.push(one(&format!("shard-{n}"), serde_json::to_vec(&v).unwrap()));
    }
    let half = |i: u64, of: u64| {
        let mut v = good.clone();
        v["shard"] = i.into();
        v["of"] = of.into();
        serde_json::to_vec(&v).unwrap()
    };
    out.push(merge(
        "shards-duplicated".into(),
        vec![
            ("shards/shard-1-of-2.json".into(), half(1, 2)),
            ("shards/shard-1-of-2b.json".into(), half(1, 2)),
        ],
    ));
    out.push(merge(
        "shards-mixed-counts".into(),
        vec![
            ("shards/shard-1-of-2.json".into(), half(1, 2)),
            ("shards/shard-2-of-3.json".into(), half(2, 3)),
        ],
    ));
    out.push(merge(
        "shards-missing".into(),
        vec![("shards/shard-1-of-3.json".into(), half(1, 3))],
    ));
    out.push(merge(
        "shards-none".into(),
        vec![("shards/notes.txt".into(), b"x".to_vec())],
    ));
    out
}

#[test]
fn hostile_inputs_exit_0_1_or_2_within_10_s_and_2_gib() {
    let tmp = tempfile::tempdir().unwrap();
    // A real shard file to corrupt.
    std::fs::write(tmp.path().join("s.yaml"), TWO_REGIONS).unwrap();
    let o = regionsim(
        tmp.path(),
        &["run", "s.yaml", "-q", "--shard", "1/1", "-o", "shard0"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(tmp.path().join("shard0/shard-1-of-1.json")).unwrap();
    let good: Value = serde_json::from_str(&text).unwrap();
    let mut cases = Vec::new();
    for (kind, list) in [
        ("syntax", syntax()),
        ("values", values()),
        ("sizes", sizes()),
        ("names", names()),
        ("overrides", overrides()),
        ("outputs", outputs()),
        ("shards", shards(&good, &text)),
    ] {
        assert!(list.len() >= 10, "{kind}: only {} cases", list.len());
        cases.extend(list);
    }
    assert!(cases.len() >= 300, "only {} hostile inputs", cases.len());
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    let counts = Mutex::new([0usize; 3]);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(case) = cases.get(i) else { break };
                let dir = tmp.path().join(format!("case-{i}"));
                for (name, bytes) in &case.files {
                    let p = dir.join(name);
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(p, bytes).unwrap();
                }
                let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
                let o = regionsim_limited(&dir, &args, 10.0, TWO_GIB);
                let ok = match o.code {
                    Some(c @ 0..=2) => {
                        counts.lock().unwrap()[c as usize] += 1;
                        c != 2 || o.stderr.contains("error")
                    }
                    _ => false,
                };
                if !ok || o.timed_out {
                    failures.lock().unwrap().push(format!(
                        "{}: exit {:?} after {:.1} s{}: {}",
                        case.name,
                        o.code,
                        o.secs,
                        if o.timed_out { " (timed out)" } else { "" },
                        o.stderr.chars().take(300).collect::<String>()
                    ));
                }
                let _ = std::fs::remove_dir_all(&dir);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} inputs misbehaved:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let [ok, slo, bad] = counts.into_inner().unwrap();
    eprintln!(
        "{} hostile inputs: {ok} exit 0, {slo} exit 1, {bad} exit 2",
        cases.len()
    );
    assert!(bad > ok, "most hostile inputs should be refused");
}

/// The corpus as files, for the fuzzers' seed corpora: with
/// `REGIONSIM_DUMP_CORPUS=DIR`, writes every scenario input under DIR.
#[test]
fn dump_corpus_for_fuzzing() {
    let Some(dir) = std::env::var_os("REGIONSIM_DUMP_CORPUS") else {
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    for c in syntax().into_iter().chain(values()).chain(names()) {
        for (_, bytes) in c.files.iter().filter(|(n, _)| n == "s.yaml") {
            if bytes.len() < 65_536 {
                std::fs::write(dir.join(format!("{}.yaml", c.name)), bytes).unwrap();
            }
        }
    }
}
