//! One direction of flow: each top-level module of `src/` names only the
//! modules of the layers below it (read from its `crate::` paths), so the
//! import graph has no cycle. The order is the one `src/lib.rs` states.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may use any module before it, none after.
const LAYERS: &[&str] = &[
    "units", "stats", "error", "files", "console", "engine", "scenario", "metrics", "model",
    "analysis", "runner", "report", "commands",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules a line of code names through `crate::`: plain
/// paths (`crate::metrics::X`) and groups (`use crate::{engine::Time, scenario}`).
fn named(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            let mut first = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        first = true;
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 && first {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                    } else if !item.is_empty() {
                        out.push(item.clone());
                        first = false;
                    }
                }
            }
            if first && !item.is_empty() {
                out.push(item);
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
        rest = after;
    }
    out
}

/// Top-level module -> the top-level modules its code names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let uses = g.entry(module.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            for m in named(code) {
                if m != module {
                    uses.insert(m);
                }
            }
        }
    }
    g
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let g = graph();
    let mut wrong = Vec::new();
    for (module, uses) in &g {
        let Some(level) = LAYERS.iter().position(|l| l == module) else {
            wrong.push(format!(
                "`{module}` is not in the layer list (tests/integration/layers.rs, src/lib.rs)"
            ));
            continue;
        };
        for u in uses {
            match LAYERS.iter().position(|l| l == u) {
                Some(l) if l < level => {}
                Some(_) => wrong.push(format!("`{module}` uses `{u}`, a layer above it")),
                None => wrong.push(format!("`{module}` uses `{u}`, not a module of the list")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The list is the crate's: every layer exists.
    for l in LAYERS {
        assert!(g.contains_key(*l), "layer `{l}` has no source");
    }
}

#[test]
fn the_reader_sees_grouped_and_plain_paths() {
    assert_eq!(named("use crate::metrics::{A, B};"), ["metrics"]);
    assert_eq!(
        named("use crate::{engine::Time, scenario::{Scenario, Slo}, stats};"),
        ["engine", "scenario", "stats"]
    );
    assert_eq!(named("let x = crate::model::World::run(s, 0);"), ["model"]);
}
