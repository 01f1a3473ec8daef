//! A scenario file with its `--set` overrides applied and its sweep
//! expanded into points, each a checked [`Scenario`].

use super::file::{ScenarioFile, SweepFile};
use super::locate::{yaml_path, Seg, Tree};
use super::variants::{self, Set};
use super::FigureShape;
use super::{
    limits, located_yaml_error, parse_file, read, read_tree, resolve_file, yaml_message,
    Popularity, Scenario, SweepMode,
};
use crate::error::{Diagnostic, Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Generated point labels longer than this become `point K`.
const MAX_LABEL_CHARS: usize = 48;

/// A scenario file with its overrides and sweep expanded into points.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The file.
    pub source: PathBuf,
    /// Its text, kept so that sharded runs can be merged elsewhere.
    pub text: String,
    /// Command-line overrides applied to every point.
    pub sets: Vec<Set>,
    /// The sweep, if the file has one.
    pub sweep: Option<Sweep>,
    /// One point without a sweep; otherwise one per combination.
    pub points: Vec<Point>,
}

/// The swept parameters.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// How parameters combine.
    pub mode: SweepMode,
    /// Dotted paths, in the file's order.
    pub parameters: Vec<String>,
}

/// One variant of a scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// `base` without a sweep; otherwise `param=value, ...`.
    pub label: String,
    /// (dotted path, value as written on one line, value) of each swept
    /// parameter.
    pub parameters: Vec<(String, String, serde_yaml::Value)>,
    /// The scenario at this point.
    pub scenario: Scenario,
}

impl Plan {
    /// Drops the key tables the runs built (see
    /// [`super::Popularity::release_table`]): called when the runs are over.
    pub fn release_tables(&self) {
        for p in &self.points {
            for d in &p.scenario.datasets {
                d.popularity.release_table();
            }
        }
    }

    /// The first point's scenario: name, description and settings shared
    /// by every point.
    pub fn base(&self) -> &Scenario {
        &self.points[0].scenario
    }

    /// The lint findings of every point: those of all points once, then
    /// each other once, naming the points that have it (`sweep point
    /// `apply_time=4ms`: ...`, `sweep points `a`, `b`: ...`). A knob that changes nothing in some points but matters in
    /// others (a region's clock that only one point's placement reads) is
    /// no mistake: it is reported only when it changes nothing anywhere.
    pub fn warnings(&self) -> Vec<String> {
        let all = |w: &String| self.points.iter().all(|p| p.scenario.warnings.contains(w));
        let idle = |w: &String| w.ends_with("it changes nothing here");
        let mut out: Vec<String> = self
            .base()
            .warnings
            .iter()
            .filter(|w| all(w))
            .cloned()
            .collect();
        // Each of the others once, with the points that have it.
        let mut seen: Vec<&String> = Vec::new();
        for p in &self.points {
            for w in p.scenario.warnings.iter().filter(|w| !all(w) && !idle(w)) {
                if seen.contains(&w) {
                    continue;
                }
                seen.push(w);
                let with: Vec<String> = self
                    .points
                    .iter()
                    .filter(|q| q.scenario.warnings.contains(w))
                    .map(|q| format!("`{}`", q.label))
                    .collect();
                let points = if with.len() == 1 { "point" } else { "points" };
                out.push(format!("sweep {points} {}: {w}", with.join(", ")));
            }
        }
        out
    }

    fn single(path: &Path, text: &str, sets: &[Set], scenario: Scenario) -> Plan {
        Plan {
            source: path.to_path_buf(),
            text: text.to_string(),
            sets: sets.to_vec(),
            sweep: None,
            points: vec![Point {
                label: "base".into(),
                parameters: Vec::new(),
                scenario,
            }],
        }
    }
}

/// Reads the scenario at `path`, applies `sets`, and expands its sweep;
/// `shape` gives the figures its SLOs and precision targets may name
/// (`metrics::figure_shape`).
pub fn load_plan(path: &Path, sets: &[Set], shape: FigureShape) -> Result<Plan> {
    plan_from_str(&read(path)?, path, sets, shape)
}

/// [`load_plan`] for text already read.
pub fn plan_from_str(source: &str, path: &Path, sets: &[Set], shape: FigureShape) -> Result<Plan> {
    // Editors on Windows may start a file with a byte-order mark; YAML
    // readers here would make it part of the first key.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let tree = read_tree(source, path)?;
    let raw = parse_file(source, &tree, path, shape)?;
    if sets.is_empty() && raw.sweep.is_none() {
        let scenario = resolve_file(raw, &tree, path, "", shape)?;
        return Ok(Plan::single(path, source, sets, scenario));
    }
    let mut doc: serde_yaml::Value =
        serde_yaml::from_str(source).map_err(|e| located_yaml_error(&e, path))?;
    let set_list = sets.iter().map(Set::display).collect::<Vec<_>>().join(" ");
    for set in sets {
        variants::apply(&mut doc, &set.path, set.value.clone())
            .map_err(|e| Error::Usage(format!("--set {}: {e}", set.display())))?;
    }
    // The sweep is read after the overrides, so that `--set sweep=...` and
    // `--set sweep.parameters.X=[...]` take effect.
    let sweep = doc
        .as_mapping_mut()
        .and_then(|m| m.remove("sweep"))
        .filter(|v| !v.is_null());
    let with_sets = |doc: serde_yaml::Value| -> Result<ScenarioFile> {
        reread(&doc).map_err(|e| match culprit(source, sets) {
            Some(set) => Error::Usage(format!("--set {}: {}", set.display(), yaml_message(&e))),
            None => located_yaml_error(&e, path),
        })
    };
    let Some(sweep) = sweep else {
        let context = format!("with --set {set_list}: ");
        let scenario = resolve_file(with_sets(doc)?, &tree, path, &context, shape)?;
        return Ok(Plan::single(path, source, sets, scenario));
    };
    // The file's own sweep was checked with the file; one that fails here
    // came from an override.
    let expansion = Expansion { tree: &tree, path };
    let sweep: SweepFile = serde_yaml::from_value(sweep).map_err(|e| {
        if sets.is_empty() {
            expansion.error(yaml_path!["sweep"], format!("sweep: {}", yaml_message(&e)))
        } else {
            Error::Usage(format!("--set {set_list}: sweep: {}", yaml_message(&e)))
        }
    })?;
    with_sets(doc.clone())?;
    let params = expansion.parameters(&sweep, &doc, sets)?;
    let combos = expansion.combinations(sweep.mode, &params, &doc)?;
    let short = variants::short_paths(&params.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>());
    let names = expansion.point_names(sweep.names.as_deref(), combos.len())?;
    let total = combos.len();
    let mut points = Vec::new();
    let mut problems = Vec::new();
    for (k, combo) in combos.into_iter().enumerate() {
        let mut point_doc = doc.clone();
        let mut parameters = Vec::new();
        let mut label = Vec::new();
        for (k, &i) in combo.iter().enumerate() {
            let (name, values) = &params[k];
            variants::apply(&mut point_doc, name, values[i].clone()).map_err(|e| {
                expansion.error(
                    yaml_path!["sweep", "parameters", name],
                    format!("sweep parameter `{name}`: {e}"),
                )
            })?;
            let text = variants::compact(&values[i]);
            label.push(format!("{}={text}", short[k]));
            parameters.push((name.clone(), text, values[i].clone()));
        }
        // Long generated labels give way to the point's number; the
        // parameters are in the report's table of points.
        let label = match &names {
            Some(n) => n[k].clone(),
            None if label.join(", ").chars().count() > MAX_LABEL_CHARS => {
                format!("point {}", k + 1)
            }
            None => label.join(", "),
        };
        let context = format!("sweep point `{label}`: ");
        let raw = match reread(&point_doc) {
            Ok(raw) => raw,
            Err(e) => {
                problems.push((
                    label,
                    expansion.diagnostic(yaml_path!["sweep", "parameters"], yaml_message(&e)),
                ));
                continue;
            }
        };
        match resolve_file(raw, &tree, path, &context, shape) {
            Ok(scenario) => points.push(Point {
                label,
                parameters,
                scenario,
            }),
            Err(Error::Invalid(d)) => problems.extend(d.into_iter().map(|mut d| {
                if let Some(rest) = d.message.strip_prefix(&context) {
                    d.message = rest.to_string();
                }
                (label.clone(), d)
            })),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(group_by_point(problems, total)));
    }
    share_key_tables(&mut points);
    Ok(Plan {
        source: path.to_path_buf(),
        text: source.to_string(),
        sets: sets.to_vec(),
        sweep: Some(Sweep {
            mode: sweep.mode,
            parameters: params.into_iter().map(|(p, _)| p).collect(),
        }),
        points,
    })
}

/// `doc` (the file with overrides or a sweep point applied) read as the
/// format, through its text: a plain scalar is read as the file's text
/// would be (`description: 2024` is text; a YAML value holds it as a
/// number, which no text field takes).
fn reread(doc: &serde_yaml::Value) -> std::result::Result<ScenarioFile, serde_yaml::Error> {
    let text = serde_yaml::to_string(doc)?;
    serde_yaml::from_str(&text)
}

/// The first of `sets` after which `source` no longer reads as the format:
/// the override to blame for a problem (`None`: none is).
fn culprit<'s>(source: &str, sets: &'s [Set]) -> Option<&'s Set> {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(source).ok()?;
    if let Some(m) = doc.as_mapping_mut() {
        m.remove("sweep");
    }
    sets.iter().find(|set| {
        let mut next = doc.clone();
        if variants::apply(&mut next, &set.path, set.value.clone()).is_err() {
            return true;
        }
        let fails = reread(&next).is_err();
        doc = next;
        fails
    })
}

/// The problems of a sweep's points, each said once: a problem every point
/// has (an SLO on a figure the scenario lacks) without naming points, one
/// that some points have naming them (`sweep points `a`, `b`: ...`), in the
/// order they were first found.
fn group_by_point(problems: Vec<(String, Diagnostic)>, points: usize) -> Vec<Diagnostic> {
    let mut groups: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    for (label, d) in problems {
        match groups.iter_mut().find(|(g, _)| {
            (g.line, g.column, &g.message, &g.file) == (d.line, d.column, &d.message, &d.file)
        }) {
            Some((_, labels)) => {
                if !labels.contains(&label) {
                    labels.push(label)
                }
            }
            None => groups.push((d, vec![label])),
        }
    }
    groups
        .into_iter()
        .map(|(mut d, labels)| {
            if labels.len() < points {
                let names: Vec<String> = labels.iter().map(|l| format!("`{l}`")).collect();
                let s = if labels.len() == 1 { "" } else { "s" };
                d.message = format!("sweep point{s} {}: {}", names.join(", "), d.message);
            }
            d
        })
        .collect()
}

/// Locates the problems of a sweep in its file.
struct Expansion<'a> {
    tree: &'a Tree,
    path: &'a Path,
}

/// Each swept path with its values.
type Parameters = Vec<(String, Vec<serde_yaml::Value>)>;

impl Expansion<'_> {
    fn diagnostic(&self, at: Vec<Seg>, message: String) -> Diagnostic {
        let (line, column) = self.tree.locate(&at);
        Diagnostic {
            file: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    fn error(&self, at: Vec<Seg>, message: String) -> Error {
        Error::Invalid(vec![self.diagnostic(at, message)])
    }

    /// The parameters and their values, checked: names are dotted paths,
    /// values non-empty lists, no two parameters (and no parameter and an
    /// override) address the same field.
    fn parameters(
        &self,
        sweep: &SweepFile,
        doc: &serde_yaml::Value,
        sets: &[Set],
    ) -> Result<Parameters> {
        let mut params: Parameters = Vec::new();
        let mut fields: Vec<Vec<String>> = Vec::new();
        for (k, v) in &sweep.parameters {
            let key_text = variants::compact(k);
            let at = yaml_path!["sweep", "parameters", &key_text];
            let Some(name) = k.as_str().map(str::to_string) else {
                return Err(self.error(
                    at,
                    format!("sweep parameter `{key_text}` is not a dotted path to a field, e.g. datasets.users.keys"),
                ));
            };
            if name.split('.').any(str::is_empty) {
                return Err(self.error(
                    at,
                    format!("sweep parameter `{name}` is not a dotted path to a field, e.g. datasets.users.keys"),
                ));
            }
            let values = match v.as_sequence() {
                Some(values) if !values.is_empty() => values.clone(),
                _ => {
                    return Err(self.error(
                        at,
                        format!("sweep parameter `{name}` needs a non-empty list of values, e.g. [1ms, 2ms]"),
                    ))
                }
            };
            let field = variants::field(doc, &name)
                .map_err(|e| self.error(at.clone(), format!("sweep parameter `{name}`: {e}")))?;
            for ((other, _), other_field) in params.iter().zip(&fields) {
                if let Some(how) = overlap(other_field, &field) {
                    return Err(self.error(
                        at,
                        format!("sweep parameters `{other}` and `{name}` {how}; every point would carry both labels but only one value would count. Sweep one of them"),
                    ));
                }
            }
            for set in sets {
                let set_field = variants::field(doc, &set.path).unwrap_or_default();
                if is_prefix(&field, &set_field) {
                    return Err(Error::Usage(format!(
                        "--set {} is overwritten at every point by sweep parameter `{name}`; drop the --set, or override the sweep with --set 'sweep.parameters.{name}=[...]'",
                        set.display()
                    )));
                }
            }
            params.push((name, values));
            fields.push(field);
        }
        if params.is_empty() {
            return Err(self.error(
                yaml_path!["sweep", "parameters"],
                "sweep needs at least one parameter".into(),
            ));
        }
        Ok(params)
    }

    /// The names given to the points, checked: one per point, distinct,
    /// usable in file names.
    fn point_names(&self, names: Option<&[String]>, points: usize) -> Result<Option<Vec<String>>> {
        let Some(names) = names else {
            return Ok(None);
        };
        let at = yaml_path!["sweep", "names"];
        if names.len() != points {
            return Err(self.error(
                at,
                format!(
                    "sweep names: {} names for {points} points; give one name per point, in order",
                    names.len()
                ),
            ));
        }
        for (i, n) in names.iter().enumerate() {
            let ok = !n.is_empty()
                && n.chars().count() <= super::limits::MAX_NAME_CHARS
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                return Err(self.error(
                    yaml_path!["sweep", "names", i],
                    format!(
                        "sweep name `{}` must be 1 to 64 letters, digits, `-`, `_` or `.`",
                        n.escape_debug()
                    ),
                ));
            }
            if names[..i].contains(n) {
                return Err(self.error(
                    yaml_path!["sweep", "names", i],
                    format!("sweep name `{n}` is given twice"),
                ));
            }
        }
        Ok(Some(names.to_vec()))
    }

    /// The value index of each parameter at each point, checked against
    /// the limits before any point is built.
    fn combinations(
        &self,
        mode: SweepMode,
        params: &Parameters,
        doc: &serde_yaml::Value,
    ) -> Result<Vec<Vec<usize>>> {
        let at = yaml_path!["sweep", "parameters"];
        let count: u64 = match mode {
            SweepMode::Zip => {
                let n = params[0].1.len();
                if let Some((name, v)) = params.iter().find(|(_, v)| v.len() != n) {
                    return Err(self.error(
                        yaml_path!["sweep", "parameters", name],
                        format!(
                            "mode zip pairs the i-th values of every parameter: `{name}` has {} values, `{}` has {n}",
                            v.len(),
                            params[0].0
                        ),
                    ));
                }
                n as u64
            }
            SweepMode::Product => params
                .iter()
                .try_fold(1u64, |acc, (_, v)| acc.checked_mul(v.len() as u64))
                .unwrap_or(u64::MAX),
        };
        if count > limits::MAX_POINTS {
            return Err(self.error(
                at,
                format!(
                    "the sweep has {} points; the limit is {}. Sweep fewer values, or split the study into several files",
                    if count == u64::MAX { "more than 10^19".to_string() } else { count.to_string() },
                    limits::MAX_POINTS
                ),
            ));
        }
        let regions = doc
            .get("regions")
            .and_then(serde_yaml::Value::as_sequence)
            .map_or(0, Vec::len) as u64;
        let per_point = self.tree.nodes() + regions * regions;
        if count.saturating_mul(per_point) > limits::MAX_SWEEP_WORK {
            return Err(self.error(
                at,
                format!(
                    "{count} points of a model this size ({} YAML nodes, {regions} regions) is more than regionsim expands in one file ({} points x (nodes + regions^2)); sweep fewer values",
                    self.tree.nodes(),
                    limits::MAX_SWEEP_WORK
                ),
            ));
        }
        Ok(match mode {
            SweepMode::Zip => (0..count as usize).map(|i| vec![i; params.len()]).collect(),
            SweepMode::Product => params.iter().fold(vec![Vec::new()], |acc, (_, values)| {
                acc.iter()
                    .flat_map(|c| {
                        (0..values.len()).map(move |i| {
                            let mut c = c.clone();
                            c.push(i);
                            c
                        })
                    })
                    .collect()
            }),
        })
    }
}

/// How two fields (as [`variants::field`] paths) overlap, if they do.
fn overlap(a: &[String], b: &[String]) -> Option<&'static str> {
    if a == b {
        Some("set the same field")
    } else if is_prefix(a, b) || is_prefix(b, a) {
        Some("set a field and a part of it")
    } else {
        None
    }
}

fn is_prefix(short: &[String], long: &[String]) -> bool {
    short.len() <= long.len() && long[..short.len()] == *short
}

/// Points whose datasets have the same keys and Zipf exponent share one
/// (lazily built) key table.
fn share_key_tables(points: &mut [Point]) {
    use super::KeyTable;
    let mut seen: Vec<(u32, u64, KeyTable)> = Vec::new();
    for p in points {
        for d in &mut p.scenario.datasets {
            if let Popularity::Zipf { s, table } = &mut d.popularity {
                let id = (d.keys, s.to_bits());
                match seen.iter().find(|(k, b, _)| (*k, *b) == id) {
                    Some((_, _, shared)) => *table = Arc::clone(shared),
                    None => seen.push((id.0, id.1, Arc::clone(table))),
                }
            }
        }
    }
}
