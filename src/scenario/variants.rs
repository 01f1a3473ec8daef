//! Variants of a scenario: `--set PATH=VALUE` overrides and `sweep:` points.
//!
//! Both edit the YAML tree before it is read into a scenario, so any field
//! can be overridden or swept the same way. A path is dotted: mapping keys
//! by name, list items by their `name` (regions, datasets), `region`
//! (workload entries) or index: `datasets.users.keys`,
//! `workload.eu-west-1.rates.users.writes_per_s`, `network.links.0.delay`.

use serde_yaml::{Mapping, Value};

/// One override: a dotted path and the YAML value to put there.
#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// Dotted path, e.g. `datasets.users.keys`.
    pub path: String,
    /// The value, parsed as YAML (`10`, `1.5s`, `{zipf: 1.1}`).
    pub value: Value,
}

impl Set {
    /// Parses `PATH=VALUE` as given on the command line.
    pub fn parse(arg: &str) -> Result<Set, String> {
        let (path, text) = arg.split_once('=').ok_or_else(|| {
            format!("--set {arg}: write PATH=VALUE, e.g. --set datasets.users.keys=5000")
        })?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(format!(
                "--set {arg}: `{path}` is not a dotted path like network.preset"
            ));
        }
        if let Err(e) = super::locate::Tree::read(text) {
            return Err(format!("--set {arg}: the value: {}", e.message));
        }
        let value: Value = serde_yaml::from_str(text)
            .map_err(|e| format!("--set {arg}: the value is not valid YAML: {e}"))?;
        Ok(Set {
            path: path.to_string(),
            value,
        })
    }

    /// `PATH=VALUE` as the user would write it.
    pub fn display(&self) -> String {
        format!("{}={}", self.path, compact(&self.value))
    }
}

/// A YAML value on one line: scalars as written, collections as flow YAML.
pub fn compact(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Sequence(items) => {
            format!(
                "[{}]",
                items.iter().map(compact).collect::<Vec<_>>().join(", ")
            )
        }
        Value::Mapping(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", compact(k), compact(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Tagged(t) => format!("{} {}", t.tag, compact(&t.value)),
    }
}

/// The shortest dotted suffix of each path that tells it from the others:
/// `writes_per_s`, or `eu-west-1.rates.users.writes_per_s` when several
/// end alike. For labels and axes of sweeps.
pub fn short_paths(paths: &[&str]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            let segs: Vec<&str> = p.split('.').collect();
            (1..=segs.len())
                .map(|k| segs[segs.len() - k..].join("."))
                .find(|suffix| {
                    paths
                        .iter()
                        .filter(|q| **q == suffix.as_str() || q.ends_with(&format!(".{suffix}")))
                        .count()
                        == 1
                })
                .unwrap_or_else(|| p.to_string())
        })
        .collect()
}

/// What identifies an item of a list in a path.
fn item_name(item: &Value) -> Option<String> {
    ["name", "region"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str).map(str::to_string))
}

/// The field `path` addresses in `doc`, with list items by index: two
/// paths address the same field exactly when their fields are equal
/// (`datasets.users.keys` and `datasets.0.keys` are both
/// `[datasets, 0, keys]`). Mapping keys that do not exist yet are kept as
/// written.
pub fn field(doc: &Value, path: &str) -> Result<Vec<String>, String> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    let mut node = Some(doc);
    for (i, seg) in segs.iter().copied().enumerate() {
        while let Some(Value::Tagged(t)) = node {
            node = Some(&t.value);
        }
        node = match node {
            Some(Value::Sequence(items)) => {
                let k = item_index(items, seg).ok_or_else(|| no_item(&segs[..i], seg, items))?;
                out.push(k.to_string());
                items.get(k)
            }
            Some(Value::Mapping(m)) => {
                out.push(seg.to_string());
                m.get(seg)
            }
            _ => {
                out.push(seg.to_string());
                None
            }
        };
    }
    Ok(out)
}

/// Where a path went wrong: `datasets` has no item `x`; its items are: ...
fn no_item(before: &[&str], seg: &str, items: &[Value]) -> String {
    let names: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(j, it)| item_name(it).unwrap_or_else(|| j.to_string()))
        .collect();
    format!(
        "{} has no item `{seg}`; its items are: {}",
        here(before),
        names.join(", ")
    )
}

/// The part of a path already walked, for messages.
fn here(before: &[&str]) -> String {
    if before.is_empty() {
        "the top level".to_string()
    } else {
        format!("`{}`", before.join("."))
    }
}

/// The index of the item `seg` names in a list: a position, or an item's
/// `name` or `region`.
fn item_index(items: &[Value], seg: &str) -> Option<usize> {
    seg.parse::<usize>()
        .ok()
        .filter(|&k| k < items.len())
        .or_else(|| {
            items
                .iter()
                .position(|it| item_name(it).as_deref() == Some(seg))
        })
}

/// Puts `value` at `path` in `doc`, creating missing mapping keys (whether
/// they are valid is for the scenario reader to say, with the list of valid
/// keys). Errors say which part of the path does not exist and what does.
pub fn apply(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut node = doc;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        while let Value::Tagged(t) = node {
            node = &mut t.value;
        }
        match node {
            Value::Mapping(m) => {
                let key = Value::String((*seg).to_string());
                if last {
                    m.insert(key, value);
                    return Ok(());
                }
                node = m
                    .entry(key)
                    .or_insert_with(|| Value::Mapping(Mapping::new()));
            }
            Value::Sequence(items) => {
                let Some(k) = item_index(items, seg) else {
                    return Err(no_item(&segs[..i], seg, items));
                };
                if last {
                    items[k] = value;
                    return Ok(());
                }
                node = &mut items[k];
            }
            other => {
                return Err(format!(
                    "{} is a single value ({}), not a section: nothing can be set inside it",
                    here(&segs[..i]),
                    compact(other)
                ))
            }
        }
    }
    unreachable!("paths have at least one segment")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        serde_yaml::from_str(
            "name: x\nregions:\n  - {name: a}\n  - {name: b}\nworkload:\n  - region: b\n    rates: {users: {reads_per_s: 5}}\n",
        )
        .unwrap()
    }

    #[test]
    fn sets_by_key_name_region_and_index() {
        let mut d = doc();
        apply(&mut d, "name", "y".into()).unwrap();
        apply(&mut d, "regions.b.lat", 3.into()).unwrap();
        apply(&mut d, "regions.0.lon", 4.into()).unwrap();
        apply(&mut d, "workload.b.rates.users.reads_per_s", 9.into()).unwrap();
        apply(&mut d, "network.preset", "aws".into()).unwrap();
        assert_eq!(d["name"], "y");
        assert_eq!(d["regions"][1]["lat"], 3);
        assert_eq!(d["regions"][0]["lon"], 4);
        assert_eq!(d["workload"][0]["rates"]["users"]["reads_per_s"], 9);
        assert_eq!(d["network"]["preset"], "aws");
    }

    #[test]
    fn says_what_exists_when_a_path_does_not() {
        let mut d = doc();
        let e = apply(&mut d, "regions.c.lat", 1.into()).unwrap_err();
        assert!(
            e.contains("`regions` has no item `c`") && e.contains("a, b"),
            "{e}"
        );
        let e = apply(&mut d, "name.first", 1.into()).unwrap_err();
        assert!(e.contains("`name` is a single value"), "{e}");
    }

    #[test]
    fn short_paths_tell_parameters_apart() {
        assert_eq!(
            short_paths(&["datasets.users.keys", "workload.a.rates.users.writes_per_s"]),
            ["keys", "writes_per_s"]
        );
        assert_eq!(
            short_paths(&[
                "workload.a.rates.users.writes_per_s",
                "workload.b.rates.users.writes_per_s"
            ]),
            ["a.rates.users.writes_per_s", "b.rates.users.writes_per_s"]
        );
    }

    #[test]
    fn parses_command_line_sets() {
        let s = Set::parse("datasets.users.popularity={zipf: 1.1}").unwrap();
        assert_eq!(s.path, "datasets.users.popularity");
        assert_eq!(s.display(), "datasets.users.popularity={zipf: 1.1}");
        assert!(Set::parse("no-equals").is_err());
        assert!(Set::parse("a..b=1").is_err());
    }
}
