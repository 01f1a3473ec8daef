//! Every type error of a file at once.
//!
//! serde stops at the first field of the wrong type, so a file with a
//! mistake in each section needed a run per mistake. When the whole file
//! does not read, each top-level section, and each item of a block list, is
//! read on its own from a copy of the file with every other line blanked:
//! lines and columns stay those of the file, and each problem is reported
//! where it is. The document is then repaired (the broken list items
//! removed) so that the checks that follow (regions that do not exist,
//! SLOs on figures that do not exist) run too, staying silent about names
//! that belong to the broken items.

use super::file::{
    CostFile, DatasetFile, FailureFile, HeadroomFile, HealthChecksFile, MetastabilityFile,
    NetworkFile, PrecisionFile, RegionFile, ResidencyRuleFile, RoutingFile, ScenarioFile,
    SessionsFile, SweepFile, WorkloadFile,
};
use super::locate::{Section, Tree};
use super::slo::SloFile;
use super::yaml_message;
use crate::engine::Duration;
use crate::error::Diagnostic;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;

/// What reading the sections found.
pub(super) struct Typed {
    /// Every type problem, located.
    pub diagnostics: Vec<Diagnostic>,
    /// The file without its broken list items, when only list items (or
    /// whole optional sections that nothing else refers to) were broken.
    pub repaired: Option<ScenarioFile>,
    /// Names (`name`, or a workload's `region`) of the broken items.
    pub broken: Vec<String>,
}

/// Reads a copy of the file with one section (or item) left.
type Reader = fn(&str) -> Result<(), serde_yaml::Error>;

fn typed<T: DeserializeOwned>(text: &str) -> Result<(), serde_yaml::Error> {
    serde_yaml::from_str::<BTreeMap<String, T>>(text).map(drop)
}

/// The reader of top-level field `key`, if it is one.
fn reader(key: &str) -> Option<Reader> {
    Some(match key {
        "name" | "description" => typed::<String>,
        "seed" => typed::<u64>,
        "duration" | "warmup" => typed::<Duration>,
        "replications" => typed::<u32>,
        "bucket" => typed::<Option<Duration>>,
        "staleness_bounds" => typed::<Vec<Duration>>,
        "availability_threshold" => typed::<Option<serde_yaml::Value>>,
        "load" | "read_load" | "write_load" => typed::<Option<f64>>,
        "start_utc" => typed::<Option<Duration>>,
        "regions" => typed::<Vec<RegionFile>>,
        "network" => typed::<NetworkFile>,
        "datasets" => typed::<Vec<DatasetFile>>,
        "workload" => typed::<Vec<WorkloadFile>>,
        "sweep" => typed::<SweepFile>,
        "slo" => typed::<Vec<SloFile>>,
        "precision" => typed::<PrecisionFile>,
        "failures" => typed::<Vec<FailureFile>>,
        "health_checks" => typed::<HealthChecksFile>,
        "routing" => typed::<RoutingFile>,
        "headroom" => typed::<HeadroomFile>,
        "sessions" => typed::<SessionsFile>,
        "residency" => typed::<Vec<ResidencyRuleFile>>,
        "cost" => typed::<CostFile>,
        "metastability" => typed::<MetastabilityFile>,
        _ => return None,
    })
}

/// Reads `text` as the type of top-level field `key`; a key that is not a
/// field is read as the whole format, which names the valid ones.
fn read_as(key: &str, text: &str) -> Result<(), serde_yaml::Error> {
    match reader(key) {
        Some(read) => read(text),
        None => serde_yaml::from_str::<ScenarioFile>(text).map(drop),
    }
}

/// List sections whose items can be dropped for the later checks.
const LISTS: [&str; 5] = ["regions", "datasets", "workload", "slo", "failures"];
/// Sections nothing else refers to, which the later checks can do without.
const OPTIONAL: [&str; 7] = [
    "slo",
    "precision",
    "sweep",
    "failures",
    "headroom",
    "sessions",
    "cost",
];

/// The file's lines with only `keep` (1-based, inclusive ranges) left.
fn only(lines: &[&str], keep: &[(usize, usize)]) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if keep.iter().any(|&(a, b)| (a..=b).contains(&(i + 1))) {
                *l
            } else {
                ""
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads every section of `source` on its own (see the module doc).
pub(super) fn check(source: &str, tree: &Tree, path: &Path) -> Typed {
    let lines = yaml_lines(source);
    let sections = tree.sections();
    let mut diagnostics = Vec::new();
    let mut broken_items: Vec<(String, usize)> = Vec::new();
    let mut broken_sections: Vec<String> = Vec::new();
    let located = |e: &serde_yaml::Error, message: String| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    for (i, sec) in sections.iter().enumerate() {
        let end = sections.get(i + 1).map_or(lines.len(), |n| n.line - 1);
        match block_items(&lines, sec, end) {
            Some(items) => {
                for (j, &(a, b)) in items.iter().enumerate() {
                    if let Err(e) =
                        read_as(&sec.key, &only(&lines, &[(sec.line, sec.line), (a, b)]))
                    {
                        if refers_elsewhere(&e) {
                            // Its alias's anchor is in another part of the
                            // file (the whole file's aliases were checked):
                            // it cannot be read on its own.
                            continue;
                        }
                        // The copy holds one item: its index reads as 0.
                        let message = yaml_message(&e).replacen(
                            &format!("{}[0]", sec.key),
                            &format!("{}[{j}]", sec.key),
                            1,
                        );
                        diagnostics.push(located(&e, message));
                        broken_items.push((sec.key.clone(), j));
                    }
                }
            }
            None => {
                if let Err(e) = read_as(&sec.key, &only(&lines, &[(sec.line, end)])) {
                    if refers_elsewhere(&e) {
                        continue;
                    }
                    diagnostics.push(located(&e, yaml_message(&e)));
                    broken_sections.push(sec.key.clone());
                }
            }
        }
    }
    let present: Vec<&str> = sections.iter().map(|s| s.key.as_str()).collect();
    for required in ["name", "duration", "regions", "datasets", "workload"] {
        if !present.contains(&required) && !sections.is_empty() {
            diagnostics.push(Diagnostic {
                file: path.to_path_buf(),
                line: sections[0].line,
                column: 1,
                message: format!("missing field `{required}`"),
            });
            broken_sections.push(required.to_string());
        }
    }
    let repairable = broken_sections
        .iter()
        .all(|k| OPTIONAL.contains(&k.as_str()))
        && broken_items
            .iter()
            .all(|(k, _)| LISTS.contains(&k.as_str()));
    let mut broken = Vec::new();
    let repaired = if repairable && !diagnostics.is_empty() {
        repair(source, &broken_items, &broken_sections, &mut broken)
    } else {
        None
    };
    Typed {
        diagnostics,
        repaired,
        broken,
    }
}

/// Whether reading a part of the file alone failed only because an alias
/// in it names an anchor defined in another part.
fn refers_elsewhere(e: &serde_yaml::Error) -> bool {
    e.to_string().contains("unknown anchor")
}

/// The lines of `source` as YAML numbers them: a line ends at `\n`, at
/// `\r\n` or at a lone `\r`. (Splitting at `\n` alone put a file with
/// lone `\r` breaks out of step with the line numbers the parser gives.)
fn yaml_lines(source: &str) -> Vec<&str> {
    let bytes = source.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' || bytes[i] == b'\r' {
            lines.push(&source[start..i]);
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    lines.push(&source[start..]);
    lines
}

/// The (first, last) line of each item of a block list section, or `None`
/// when the section is not a block list (a flow list shares lines).
fn block_items(lines: &[&str], sec: &Section, end: usize) -> Option<Vec<(usize, usize)>> {
    let starts = sec.items.as_ref()?;
    if starts.is_empty()
        || starts.iter().any(|&l| l <= sec.line)
        || starts.windows(2).any(|w| w[0] >= w[1])
    {
        return None;
    }
    // An item whose `-` stands alone on the line above its first key.
    let first_line = |l: usize| {
        if l >= 2 && lines.get(l - 2).is_some_and(|t| t.trim() == "-") {
            l - 1
        } else {
            l
        }
    };
    let starts: Vec<usize> = starts.iter().map(|&l| first_line(l)).collect();
    Some(
        starts
            .iter()
            .enumerate()
            .map(|(j, &a)| (a, starts.get(j + 1).map_or(end, |&n| n - 1)))
            .collect(),
    )
}

/// The document without its broken list items and optional sections, read
/// again; the broken items' names go to `broken`.
fn repair(
    source: &str,
    items: &[(String, usize)],
    sections: &[String],
    broken: &mut Vec<String>,
) -> Option<ScenarioFile> {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(source).ok()?;
    let map = doc.as_mapping_mut()?;
    for key in sections {
        map.remove(key.as_str());
    }
    for key in LISTS {
        let Some(list) = map
            .get_mut(key)
            .and_then(serde_yaml::Value::as_sequence_mut)
        else {
            continue;
        };
        let mut gone: Vec<usize> = items
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, j)| *j)
            .collect();
        gone.sort_unstable();
        for &j in gone.iter().rev() {
            if j < list.len() {
                let item = list.remove(j);
                for field in ["name", "region"] {
                    if let Some(n) = item.get(field).and_then(serde_yaml::Value::as_str) {
                        broken.push(n.to_string());
                    }
                }
            }
        }
    }
    serde_yaml::from_value(doc).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_where_yaml_ends_them() {
        assert_eq!(yaml_lines("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(yaml_lines("e:\r-\t"), ["e:", "-\t"]);
        assert_eq!(yaml_lines(""), [""]);
    }

    #[test]
    fn every_field_of_the_format_has_its_reader() {
        let schema = super::super::schema();
        for key in schema["properties"].as_object().unwrap().keys() {
            assert!(reader(key).is_some(), "field `{key}` has no reader");
        }
        assert!(reader("colour").is_none());
    }
}
