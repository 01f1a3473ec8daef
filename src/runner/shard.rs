//! Sharding: a deterministic share of all runs per process, and the file
//! a shard leaves for `regionsim merge`.
//!
//! Runs are numbered in their fixed order (plan, point, replication) and
//! shard I of N takes every run whose number is I-1 modulo N, which spreads
//! long and short scenarios evenly. A shard file carries the text of every
//! scenario file and the overrides, so `merge` rebuilds exactly the same
//! plans anywhere and renders the same bytes a single machine would have.

use super::{RunKey, RunRecord};
use crate::error::{Error, Result};
use crate::scenario::Plan;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` as given to `--shard`.
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("--shard {text}: write I/N with 1 <= I <= N, e.g. 2/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The keys of `all` that this shard runs.
    pub fn select(self, all: &[RunKey]) -> Vec<RunKey> {
        all.iter()
            .enumerate()
            .filter(|(k, _)| *k as u64 % u64::from(self.count) == u64::from(self.index - 1))
            .map(|(_, key)| *key)
            .collect()
    }

    /// The file name of this shard's output.
    pub fn file_name(self) -> String {
        format!("shard-{}-of-{}.json", self.index, self.count)
    }
}

/// One scenario file as it was read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Input {
    /// The path it was read from (names it in messages).
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

/// What a shard writes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardFile {
    /// `regionsim-shard/1`.
    pub format: String,
    /// This shard, 1-based.
    pub shard: u32,
    /// Number of shards.
    pub of: u32,
    /// Every scenario file of the invocation, in order.
    pub inputs: Vec<Input>,
    /// `--set` overrides as `PATH=VALUE`, in order.
    pub sets: Vec<String>,
    /// The runs this shard did.
    pub records: Vec<RunRecord>,
}

/// The format tag of shard files.
pub const FORMAT: &str = "regionsim-shard/1";

/// Largest shard file `merge` reads: 1 GiB (about 20,000 runs of a
/// mid-sized scenario).
pub const MAX_SHARD_BYTES: u64 = 1 << 30;

/// The shard files of one invocation, read and checked against each other.
#[derive(Debug)]
pub struct ShardSet {
    /// Every scenario file of the invocation, in order.
    pub inputs: Vec<Input>,
    /// Its `--set` overrides.
    pub sets: Vec<String>,
    /// Every run, in run order.
    pub records: Vec<RunRecord>,
    /// The file each record came from.
    pub origins: Vec<PathBuf>,
}

/// Reads every shard file in `paths` (files, or folders holding
/// `shard-*-of-*.json`) and checks that together they are one whole
/// invocation: the same inputs and overrides, every shard exactly once.
pub fn read_all(paths: &[PathBuf]) -> Result<ShardSet> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|source| Error::Read {
                    path: p.clone(),
                    source,
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "no shard files (shard-I-of-N.json) in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for f in files {
        let shard = read_one(&f)?;
        shards.push((f, shard));
    }
    combine(shards)
}

/// Checks that `shards` (each with the file it came from) are together one
/// whole invocation, and puts their records in run order.
pub fn combine(mut shards: Vec<(PathBuf, ShardFile)>) -> Result<ShardSet> {
    shards.sort_by_key(|(_, s)| s.shard);
    let Some((first_path, first)) = shards.first() else {
        return Err(Error::Usage("no shard files".into()));
    };
    let of = first.of;
    for (p, s) in &shards {
        if s.of != of || s.inputs != first.inputs || s.sets != first.sets {
            return Err(Error::Usage(format!(
                "{} and {} come from different invocations (scenario files, --set or shard count differ)",
                first_path.display(),
                p.display()
            )));
        }
    }
    let indices: Vec<u32> = shards.iter().map(|(_, s)| s.shard).collect();
    // At most ten missing shards are named (a count of billions is legal
    // in a file, and must not be enumerated).
    let missing: Vec<String> = (1..=of)
        .filter(|i| !indices.contains(i))
        .take(10)
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() || indices.len() != of as usize {
        let dup: Vec<String> = indices
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0].to_string())
            .collect();
        return Err(Error::Usage(format!(
            "need each of the {of} shards exactly once: missing [{}{}], duplicated [{}]",
            missing.join(", "),
            if of as usize - indices.len().min(of as usize) > missing.len() {
                ", ..."
            } else {
                ""
            },
            dup.join(", ")
        )));
    }
    let inputs = first.inputs.clone();
    let sets = first.sets.clone();
    let mut records: Vec<(PathBuf, RunRecord)> = shards
        .into_iter()
        .flat_map(|(p, s)| s.records.into_iter().map(move |r| (p.clone(), r)))
        .collect();
    records.sort_by_key(|(_, r)| r.key);
    let (origins, records) = records.into_iter().unzip();
    Ok(ShardSet {
        inputs,
        sets,
        records,
        origins,
    })
}

/// Reads one shard file, refusing one too large to be a shard before
/// reading all of it.
fn read_one(f: &Path) -> Result<ShardFile> {
    let text = crate::scenario::read_limited(f, MAX_SHARD_BYTES)?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: larger than {MAX_SHARD_BYTES} bytes, the limit for a shard file",
            f.display()
        ))
    })?;
    from_text(&text, f)
}

/// A shard file's text, parsed and checked on its own; `f` names it in
/// messages.
pub fn from_text(text: &str, f: &Path) -> Result<ShardFile> {
    let shard: ShardFile = serde_json::from_str(text)
        .map_err(|e| Error::Usage(format!("{}: not a regionsim shard file: {e}", f.display())))?;
    if shard.format != FORMAT {
        return Err(Error::Usage(format!(
            "{}: shard format `{}`, this regionsim reads `{FORMAT}`",
            f.display(),
            shard.format
        )));
    }
    if shard.of == 0 || shard.shard == 0 || shard.shard > shard.of {
        return Err(Error::Usage(format!(
            "{}: shard {} of {} is not a shard (1 <= shard <= of)",
            f.display(),
            shard.shard,
            shard.of
        )));
    }
    Ok(shard)
}

/// Checks every record of `set` against what `run` writes for its point:
/// the same figures in the same order, numbers where numbers belong (finite
/// and not negative), series of the point's length. The error names the
/// file, the run and the figure.
pub fn check_records(plans: &[Plan], set: &ShardSet) -> Result<()> {
    let mut shapes: Vec<((u32, u32), Value)> = Vec::new();
    for (record, origin) in set.records.iter().zip(&set.origins) {
        let k = record.key;
        let point = (k.plan, k.point);
        let shape = match shapes.iter().find(|(p, _)| *p == point) {
            Some((_, s)) => s,
            None => {
                let s = super::scenario_of(plans, k);
                shapes.push((point, crate::metrics::figure_shape(s)));
                &shapes[shapes.len() - 1].1
            }
        };
        if let Err(problem) = conforms(&record.figures, shape, "figures") {
            return Err(Error::Usage(format!(
                "{}: the run of scenario {} point {} replication {}: {problem}; the file is damaged or was edited (rerun that shard)",
                origin.display(),
                plans[k.plan as usize].base().name,
                k.point + 1,
                k.replication + 1
            )));
        }
    }
    Ok(())
}

/// Whether `v` has the structure of `shape` (figures of an empty run): the
/// same keys in order, arrays of the same length (a latency's
/// `quantiles_ms` is empty or whole), numbers where numbers are, numbers or
/// nulls where the shape has null (a figure of a run that recorded nothing).
fn conforms(v: &Value, shape: &Value, at: &str) -> std::result::Result<(), String> {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    let number = |v: &Value| v.as_f64().is_some_and(|x| x.is_finite() && x >= 0.0);
    match (shape, v) {
        // The links that carried traffic: some of the scenario's directed
        // pairs of regions, in its order.
        (Value::Object(want), Value::Object(got))
            if at == "figures.network"
                || (at.starts_with("figures.network.") && at.matches('.').count() == 2) =>
        {
            if let Some(k) = got.keys().find(|k| !want.contains_key(*k)) {
                return Err(format!("{at}.{k} is not a region of the scenario"));
            }
            let order = |k: &String| want.keys().position(|w| w == k);
            if !got.keys().map(order).is_sorted() {
                return Err(format!("{at}: the links are out of order"));
            }
            got.iter()
                .try_for_each(|(k, x)| conforms(x, &want[k], &format!("{at}.{k}")))
        }
        (Value::Object(want), Value::Object(got)) => {
            if let Some(k) = want.keys().find(|k| !got.contains_key(*k)) {
                return Err(format!("{at}.{k} is missing"));
            }
            if let Some(k) = got.keys().find(|k| !want.contains_key(*k)) {
                return Err(format!("{at}.{k} is not a figure regionsim writes"));
            }
            if !want.keys().eq(got.keys()) {
                return Err(format!("{at}: the figures are out of order"));
            }
            want.iter()
                .try_for_each(|(k, s)| conforms(&got[k], s, &format!("{at}.{k}")))
        }
        (Value::Array(want), Value::Array(got)) if want.first().is_some_and(Value::is_object) => {
            // A list of objects: the run's incidents (any number up to
            // the kept limit, each like the template), or one element per
            // element of the shape (failure windows, failovers).
            let variable = at == "figures.incidents";
            if variable && got.len() > crate::metrics::MAX_INCIDENTS {
                return Err(format!(
                    "{at} has {} elements, more than the {} a run keeps",
                    got.len(),
                    crate::metrics::MAX_INCIDENTS
                ));
            }
            if !variable && got.len() != want.len() {
                return Err(format!(
                    "{at} has {} elements, the scenario gives {}",
                    got.len(),
                    want.len()
                ));
            }
            got.iter().enumerate().try_for_each(|(i, x)| {
                let like = if variable { &want[0] } else { &want[i] };
                conforms(x, like, &format!("{at}.{i}"))
            })
        }
        (Value::Array(want), Value::Array(got)) => {
            let whole = crate::metrics::QUANTILE_LEVELS.len();
            let ok_len = got.len() == want.len()
                || (at.ends_with(".quantiles_ms") && (got.is_empty() || got.len() == whole));
            if !ok_len {
                return Err(format!(
                    "{at} has {} values, the scenario gives {}",
                    got.len(),
                    if at.ends_with(".quantiles_ms") {
                        whole
                    } else {
                        want.len()
                    }
                ));
            }
            got.iter()
                .enumerate()
                .try_for_each(|(i, x)| conforms(x, &Value::from(0), &format!("{at}.{i}")))
        }
        (Value::Number(_), x) if number(x) => {
            if at == "figures.events" && x.as_u64().is_none() {
                return Err(format!("{at} is not a whole number"));
            }
            Ok(())
        }
        (Value::Null, x) if x.is_null() || number(x) => Ok(()),
        // An empty text in a template stands for any text.
        (Value::String(want), Value::String(got)) if want == got || want.is_empty() => Ok(()),
        (Value::String(want), got) => Err(format!("{at} is {}, expected `{want}`", kind(got))),
        (Value::Number(_) | Value::Null, got) => Err(format!(
            "{at} is {}, not a non-negative number",
            match got {
                Value::Number(n) => n.to_string(),
                other => kind(other).to_string(),
            }
        )),
        (want, got) => Err(format!("{at} is {}, expected {}", kind(got), kind(want))),
    }
}

/// Writes `file` as `dir/shard-I-of-N.json`.
pub fn write(dir: &Path, file: &ShardFile) -> Result<PathBuf> {
    let shard = Shard {
        index: file.shard,
        count: file.of,
    };
    let path = dir.join(shard.file_name());
    let text = serde_json::to_string(file).expect("shard files serialize");
    crate::files::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_runs() {
        let keys: Vec<RunKey> = (0..10)
            .map(|r| RunKey {
                plan: 0,
                point: 0,
                replication: r,
            })
            .collect();
        let mut seen: Vec<RunKey> = (1..=3)
            .flat_map(|i| Shard { index: i, count: 3 }.select(&keys))
            .collect();
        seen.sort();
        assert_eq!(seen, keys);
        assert_eq!(Shard { index: 2, count: 3 }.select(&keys).len(), 3);
    }

    #[test]
    fn parses_i_of_n() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
