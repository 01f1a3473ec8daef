//! Headroom search: the largest value of one numeric parameter (usually
//! `load`) at which every SLO of a scenario still holds.
//!
//! Each value tried is a whole point (every replication) run with the same
//! seed, so all of them see the same random streams (common random
//! numbers): the SLOs' metrics move with the parameter, not with noise, and
//! the search is as deterministic as a sweep. It assumes SLOs hold below a
//! boundary and break above it.
//!
//! Rounds of `points_per_round` values each, all run in parallel:
//! 1. from the file's value, doubling until some SLO breaks (halving if it
//!    already breaks there);
//! 2. then the bracket (largest value that holds, smallest that breaks) is
//!    cut into `points_per_round + 1` equal parts per round until its width
//!    is at most `precision` times its lower end (for an integer parameter,
//!    until the ends are 1 apart).
//!
//! The answer is the bracket: the headroom is its lower end, known to hold;
//! the boundary lies below its upper end, known to break. The number of
//! rounds depends only on the results, never on the threads.

use super::{all_keys, execute, Control, RunRecord};
use crate::error::{Diagnostic, Error, Result};
use crate::scenario::locate::Seg;
use crate::scenario::{plan_from_str, Plan, Set};
use serde::Serialize;
use serde_json::Value;
use serde_yaml::Value as Yaml;
use std::path::Path;

/// What to search for.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// Dotted path, as `--set` takes it (`load`, `workload.eu-west-1.load`).
    pub parameter: String,
    /// Stop when the bracket is at most this share of its lower end wide.
    pub precision: f64,
    /// Where to start (default: the file's value; 1 for an absent `load`).
    pub low: Option<f64>,
    /// The largest value to try (default: 1024 times the start).
    pub high: Option<f64>,
    /// Values tried per round, in parallel.
    pub points_per_round: usize,
}

/// Default precision: 2 % of the headroom.
pub const DEFAULT_PRECISION: f64 = 0.02;
/// Finest precision: a millionth of the headroom.
pub use crate::scenario::limits::MIN_HEADROOM_PRECISION as MIN_PRECISION;
/// Default values per round: one per core of a small machine.
pub const DEFAULT_POINTS_PER_ROUND: usize = 2;
/// Most values per round.
pub const MAX_POINTS_PER_ROUND: usize = 64;
/// Most rounds: doubling 60 times covers any start to any end.
const MAX_ROUNDS: usize = 200;

/// The file's `headroom:` section, read leniently: the command line wins
/// over it and [`check`] reports what is wrong with either.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FromFile {
    pub parameter: Option<(String, Vec<Seg>)>,
    pub precision: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub points_per_round: Option<usize>,
}

/// One SLO's verdict at one value.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Verdict {
    pub name: String,
    pub metric: String,
    pub bound: String,
    /// The bound in the metric's unit (the upper one, else the lower one).
    pub limit: Option<f64>,
    /// Mean over replications (`None`: no data).
    pub mean: Option<f64>,
    pub pass: bool,
    pub comparison: String,
}

/// One value tried.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Trial {
    pub value: f64,
    /// In which round of its search (from 1).
    pub round: usize,
    /// Every SLO held.
    pub pass: bool,
    pub verdicts: Vec<Verdict>,
}

/// One SLO over the search.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SloRange {
    pub name: String,
    pub metric: String,
    pub bound: String,
    /// Largest value tried at which it held.
    pub holds_up_to: Option<f64>,
    /// Smallest value tried at which it broke.
    pub breaks_at: Option<f64>,
}

/// What a search found for one scenario (or one sweep point of it).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Outcome {
    /// `base`, or the sweep point's label.
    pub point: String,
    pub parameter: String,
    /// The value the search started from.
    pub start: f64,
    /// The largest value tried at which every SLO held (`None`: none did).
    pub headroom: Option<f64>,
    /// The smallest value tried at which some SLO broke (`None`: every
    /// value up to `high` held).
    pub breaks_at: Option<f64>,
    /// Headroom over the start: `headroom / start`.
    pub headroom_factor: Option<f64>,
    /// Width of the final bracket over its lower end.
    pub precision: Option<f64>,
    /// The precision asked for.
    pub precision_target: f64,
    /// The SLO that broke first: of those broken at `breaks_at`, the one
    /// furthest past its bound.
    pub first_to_break: Option<String>,
    pub slos: Vec<SloRange>,
    /// Every value tried, in increasing order.
    pub trials: Vec<Trial>,
    pub rounds: usize,
    /// Runs made (values x replications).
    pub runs: usize,
    pub replications: u32,
    /// Runs a plain sweep would need for the same precision over the same
    /// range (from the start to the first value that broke, in steps of
    /// `precision`), for comparison.
    pub sweep_runs: Option<u64>,
    /// Why the search stopped short, if it did.
    pub note: Option<String>,
}

/// One search under way.
struct Search {
    point: String,
    /// Overrides of its point (the sweep's parameters), before the value.
    sets: Vec<Set>,
    start: f64,
    high: f64,
    integer: bool,
    trials: Vec<Trial>,
    done: Option<String>,
    replications: u32,
    /// Rounds in which it tried values (others may go on without it).
    rounds: usize,
    /// `high` is the most the file takes (the format's limit), and why.
    limit: Option<String>,
}

impl Search {
    fn lo(&self) -> Option<f64> {
        self.trials
            .iter()
            .filter(|t| t.pass)
            .map(|t| t.value)
            .reduce(f64::max)
    }

    fn hi(&self) -> Option<f64> {
        self.trials
            .iter()
            .filter(|t| !t.pass && self.lo().is_none_or(|lo| t.value > lo))
            .map(|t| t.value)
            .reduce(f64::min)
    }

    /// The values of the next round (empty: finished).
    fn propose(&mut self, k: usize, precision: f64) -> Vec<f64> {
        if self.done.is_some() {
            return Vec::new();
        }
        let fit = |x: f64| if self.integer { x.round() } else { x };
        let tried = |x: f64| self.trials.iter().any(|t| t.value == x);
        let mut out: Vec<f64> = match (self.lo(), self.hi()) {
            (None, None) => (0..k)
                .map(|i| fit(self.start * 2f64.powi(i as i32)).min(self.high))
                .collect(),
            (Some(lo), None) => {
                if lo >= self.high {
                    self.done = Some(match &self.limit {
                        Some(why) => format!(
                            "every SLO holds up to {}, the most the file takes ({why})",
                            show(self.high)
                        ),
                        None => format!(
                            "every SLO holds up to the highest value tried ({})",
                            show(self.high)
                        ),
                    });
                    return Vec::new();
                }
                (1..=k)
                    .map(|i| fit(lo * 2f64.powi(i as i32)).min(self.high))
                    .collect()
            }
            (None, Some(hi)) => {
                if let Some(note) = self.unmoved() {
                    self.done = Some(note);
                    return Vec::new();
                }
                let floor = if self.integer { 1.0 } else { self.start * 1e-6 };
                if hi <= floor {
                    self.done = Some(format!(
                        "some SLO breaks at every value tried, down to {}",
                        show(hi)
                    ));
                    return Vec::new();
                }
                (1..=k)
                    .map(|i| fit(hi / 2f64.powi(i as i32)).max(floor))
                    .collect()
            }
            (Some(lo), Some(hi)) => {
                let narrow = if self.integer {
                    hi - lo <= 1.0
                } else {
                    hi - lo <= precision * lo
                };
                if narrow {
                    return Vec::new();
                }
                (1..=k)
                    .map(|i| fit(lo + (hi - lo) * i as f64 / (k + 1) as f64))
                    .filter(|&x| x > lo && x < hi)
                    .collect()
            }
        };
        out.sort_by(f64::total_cmp);
        out.dedup();
        out.retain(|&x| !tried(x) && x.is_finite() && x > 0.0);
        if out.is_empty() && self.done.is_none() && self.hi().is_none() {
            self.done = Some("no new value left to try".into());
        }
        out
    }

    /// An SLO that failed at every value tried, down to an eighth of the
    /// start, with its metric within 10 % of where it was at the start (or
    /// no data at either): it does not move with the parameter, so no
    /// value makes every SLO hold (searching lower would only find one
    /// where too few requests make a fluke).
    fn unmoved(&self) -> Option<String> {
        let start = self.trials.iter().find(|t| t.value == self.start)?;
        let low = self
            .trials
            .iter()
            .min_by(|a, b| a.value.total_cmp(&b.value))?;
        if low.value > self.start / 8.0 || self.trials.iter().any(|t| t.pass) {
            return None;
        }
        let i = (0..start.verdicts.len()).find(|&i| {
            self.trials.iter().all(|t| !t.verdicts[i].pass)
                && match (start.verdicts[i].mean, low.verdicts[i].mean) {
                    (Some(a), Some(b)) => (a - b).abs() <= 0.1 * a.abs().max(b.abs()),
                    (None, None) => true,
                    _ => false,
                }
        })?;
        let v = |t: &Trial| t.verdicts[i].comparison.clone();
        Some(format!(
            "`{}` fails at every value tried, from {} down to {}, and does not move with the parameter ({} at the start, {} at {}): no value makes it hold",
            start.verdicts[i].name,
            show(self.start),
            show(low.value),
            v(start),
            v(low),
            show(low.value)
        ))
    }

    fn outcome(&self, parameter: &str, precision: f64) -> Outcome {
        let mut trials = self.trials.clone();
        trials.sort_by(|a, b| a.value.total_cmp(&b.value));
        let (lo, hi) = (self.lo(), self.hi());
        let slos: Vec<SloRange> = trials
            .first()
            .map(|t| {
                t.verdicts
                    .iter()
                    .enumerate()
                    .map(|(i, v)| SloRange {
                        name: v.name.clone(),
                        metric: v.metric.clone(),
                        bound: v.bound.clone(),
                        holds_up_to: trials
                            .iter()
                            .filter(|t| t.verdicts[i].pass)
                            .map(|t| t.value)
                            .reduce(f64::max),
                        breaks_at: trials
                            .iter()
                            .filter(|t| !t.verdicts[i].pass)
                            .map(|t| t.value)
                            .reduce(f64::min),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let first_to_break = hi.and_then(|h| {
            let t = trials.iter().find(|t| t.value == h)?;
            t.verdicts
                .iter()
                .filter(|v| !v.pass)
                .max_by(|a, b| overshoot(a).total_cmp(&overshoot(b)))
                .map(|v| v.name.clone())
        });
        let sweep_runs = match (lo, hi) {
            (Some(_), Some(h)) if h > self.start => {
                let steps = if self.integer {
                    h - self.start
                } else {
                    ((h / self.start).ln() / (1.0 + precision).ln()).ceil()
                };
                Some((steps.max(1.0) as u64 + 1) * u64::from(self.replications))
            }
            _ => None,
        };
        Outcome {
            point: self.point.clone(),
            parameter: parameter.to_string(),
            start: self.start,
            headroom: lo,
            breaks_at: hi,
            headroom_factor: lo.map(|l| l / self.start),
            precision: lo.zip(hi).map(|(l, h)| (h - l) / l),
            precision_target: precision,
            first_to_break,
            slos,
            runs: trials.len() * self.replications as usize,
            trials,
            rounds: self.rounds,
            replications: self.replications,
            sweep_runs,
            note: self.done.clone(),
        }
    }
}

/// How far past its bound a broken SLO is, as a ratio (for ranking).
fn overshoot(v: &Verdict) -> f64 {
    match (v.mean, v.limit) {
        (Some(m), Some(l)) if l != 0.0 => (m / l).abs().max((l / m).abs()),
        (Some(_), _) => f64::INFINITY,
        _ => 0.0,
    }
}

/// A number as people write it: no trailing zeros.
pub fn show(x: f64) -> String {
    let r = crate::metrics::round(x);
    if r == r.trunc() && r.abs() < 1e15 {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// Reads the `headroom:` section of `doc`, already checked with the rest
/// of the file (its values in range, its fields known); the parameter
/// with its place in the file, for messages.
fn read_section(doc: &Yaml) -> FromFile {
    let Some(section) = doc.get("headroom").filter(|v| !v.is_null()) else {
        return FromFile::default();
    };
    let number = |k: &str| section.get(k).and_then(Yaml::as_f64);
    FromFile {
        parameter: section.get("parameter").and_then(Yaml::as_str).map(|p| {
            (
                p.to_string(),
                vec![Seg::Key("headroom".into()), Seg::Key("parameter".into())],
            )
        }),
        precision: section
            .get("precision")
            .and_then(|v| crate::scenario::slo::percent(v).ok()),
        low: number("low"),
        high: number("high"),
        points_per_round: section
            .get("points_per_round")
            .and_then(Yaml::as_u64)
            .map(|n| n as usize),
    }
}

/// The value at dotted `path` in `doc` (list items by index, `name` or
/// `region`) and its place for messages; `None` if some part is absent.
fn lookup<'a>(doc: &'a Yaml, path: &str) -> (Option<&'a Yaml>, Vec<Seg>) {
    let mut node = Some(doc);
    let mut segs = Vec::new();
    for seg in path.split('.') {
        node = match node {
            Some(Yaml::Sequence(items)) => {
                let k = seg
                    .parse::<usize>()
                    .ok()
                    .filter(|&k| k < items.len())
                    .or_else(|| {
                        items.iter().position(|it| {
                            ["name", "region"]
                                .iter()
                                .any(|key| it.get(key).and_then(Yaml::as_str) == Some(seg))
                        })
                    });
                match k {
                    Some(k) => {
                        segs.push(Seg::Index(k));
                        items.get(k)
                    }
                    None => None,
                }
            }
            Some(Yaml::Mapping(m)) => {
                segs.push(Seg::Key(seg.to_string()));
                m.get(seg)
            }
            _ => None,
        };
    }
    (node, segs)
}

/// Loads the scenario (every problem of the file, its `headroom:` section
/// included, reported at its place), checks the search and finds where it
/// starts: (plan, spec, start, integer). A parameter that is not a number
/// in the file is reported at its place (or at `headroom.parameter` when
/// the section named it).
pub fn check(
    text: &str,
    path: &Path,
    sets: &[Set],
    cli: &Spec,
    cli_given: (bool, bool, bool),
) -> Result<(Plan, Spec, f64, bool)> {
    let plan = plan_from_str(text, path, sets, crate::metrics::figure_shape)?;
    let source = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = crate::scenario::read_tree(source, path)?;
    let mut doc: Yaml = serde_yaml::from_str(source)
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    for set in sets {
        crate::scenario::variants::apply(&mut doc, &set.path, set.value.clone())
            .map_err(|e| Error::Usage(format!("--set {}: {e}", set.display())))?;
    }
    // After the overrides: `--set headroom.precision=5%` is the section's.
    let file = read_section(&doc);
    let (parameter_given, precision_given, points_given) = cli_given;
    let (parameter, named_at) = if parameter_given {
        (cli.parameter.clone(), None)
    } else {
        match &file.parameter {
            Some((p, at)) => (p.clone(), Some(at.clone())),
            None => (cli.parameter.clone(), None),
        }
    };
    let located = |at: &[Seg], message: String| -> Error {
        let (line, column) = tree.locate(at);
        Error::Invalid(vec![Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            message,
        }])
    };
    let (value, at) = lookup(&doc, &parameter);
    let (start, integer) = match value {
        // Written as a whole number: an integer field (a count of
        // servers) only if the format refuses a fraction there (`load: 1`
        // is a factor like any other).
        Some(v) if v.is_u64() || v.is_i64() => {
            let x = v.as_f64().unwrap_or(0.0);
            let mut with = sets.to_vec();
            with.push(Set {
                path: parameter.clone(),
                value: Yaml::from(x + 0.5),
            });
            (
                x,
                plan_from_str(text, path, &with, crate::metrics::figure_shape).is_err(),
            )
        }
        Some(v) if v.is_f64() => (v.as_f64().unwrap_or(0.0), false),
        Some(v) => {
            let shown = crate::scenario::variants::compact(v);
            let message = format!(
                "headroom parameter `{parameter}` is `{shown}`, not a number: the search needs a numeric field such as load, a rate or a count of servers"
            );
            return Err(match &named_at {
                Some(a) => located(a, message),
                None => located(&at, message),
            });
        }
        None if parameter == "load" || parameter.ends_with(".load") => (1.0, false),
        None => {
            let message = format!(
                "headroom parameter `{parameter}` is not in the file: give a field it has (e.g. load, workload.REGION.rates.DATASET.reads_per_s) or write it in the file"
            );
            return Err(match &named_at {
                Some(a) => located(a, message),
                None => Error::Usage(message),
            });
        }
    };
    let start = cli.low.or(file.low).unwrap_or(start);
    if !(start.is_finite() && start > 0.0) {
        return Err(Error::Usage(format!(
            "headroom: the search starts at {start}; give --low above 0"
        )));
    }
    let high = cli.high.or(file.high).unwrap_or(start * 1024.0);
    if high <= start {
        return Err(Error::Usage(format!(
            "headroom: high ({}) must be above the start ({})",
            show(high),
            show(start)
        )));
    }
    let precision = if precision_given {
        cli.precision
    } else {
        file.precision.unwrap_or(cli.precision)
    };
    if !(MIN_PRECISION..=0.5).contains(&precision) {
        return Err(Error::Usage(format!(
            "headroom precision {}: give {}% to 50%, e.g. 2% (finer than a millionth, the values tried stop being different numbers)",
            if precision > 0.0 && precision < 1e-3 {
                format!("{precision:e}")
            } else {
                format!("{}%", show(precision * 100.0))
            },
            show(MIN_PRECISION * 100.0)
        )));
    }
    let k = if points_given {
        cli.points_per_round
    } else {
        file.points_per_round.unwrap_or(cli.points_per_round)
    };
    if !(1..=MAX_POINTS_PER_ROUND).contains(&k) {
        return Err(Error::Usage(format!(
            "headroom points per round {k}: give 1 to {MAX_POINTS_PER_ROUND}"
        )));
    }
    Ok((
        plan,
        Spec {
            parameter,
            precision,
            low: Some(start),
            high: Some(high),
            points_per_round: k,
        },
        start,
        integer,
    ))
}

/// The overrides that make point `point` of `plan` a plain scenario.
fn point_sets(plan: &Plan, point: usize) -> Vec<Set> {
    if plan.sweep.is_none() {
        return Vec::new();
    }
    let mut sets = vec![Set {
        path: "sweep".into(),
        value: Yaml::Null,
    }];
    for (path, _, value) in &plan.points[point].parameters {
        sets.push(Set {
            path: path.clone(),
            value: value.clone(),
        });
    }
    sets
}

/// The largest value in `[ok, bad)` that `valid` accepts (`ok` is
/// accepted, `bad` is not), to a part in a billion (integers: exactly).
fn largest_valid(ok: f64, bad: f64, integer: bool, valid: impl Fn(f64) -> bool) -> f64 {
    let (mut ok, mut bad) = (ok, bad);
    for _ in 0..100 {
        let mid = if integer {
            ((ok + bad) / 2.0).floor()
        } else {
            (ok + bad) / 2.0
        };
        if mid <= ok || mid >= bad || (bad - ok) <= ok * 1e-9 {
            break;
        }
        if valid(mid) {
            ok = mid;
        } else {
            bad = mid;
        }
    }
    // Limits are round numbers: the bisection creeps up to 999.9999...
    // of a limit of 1000, which is itself accepted.
    (1..=12)
        .map(|digits| round_up(ok, digits))
        .filter(|&r| r > ok && r < bad)
        .find(|&r| valid(r))
        .unwrap_or(ok)
}

/// `x` rounded up to `digits` significant digits.
fn round_up(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).ceil() / scale
}

/// Runs the search on every point of `plan` (loaded with `sets`);
/// `budget` sees each round's plans before they run (to announce them and
/// refuse a round past the limits).
#[allow(clippy::too_many_arguments)]
pub fn search(
    plan: &Plan,
    sets: &[Set],
    spec: &Spec,
    start: f64,
    integer: bool,
    pool: &rayon::ThreadPool,
    control: &Control,
    shard: Option<super::shard::Shard>,
    budget: &mut dyn FnMut(usize, &[Plan]) -> Result<()>,
) -> Result<Vec<Outcome>> {
    let (text, path) = (plan.text.as_str(), plan.source.as_path());
    if plan.base().slos.is_empty() {
        return Err(Error::Usage(format!(
            "{}: headroom needs SLOs to hold: add an `slo:` section (e.g. a lag or latency bound)",
            path.display()
        )));
    }
    // A shard searches every N-th point: each search is independent and
    // deterministic, so shards give exactly the searches one process would.
    let mine =
        |i: usize| shard.is_none_or(|s| i as u64 % u64::from(s.count) == u64::from(s.index - 1));
    let mut searches: Vec<Search> = (0..plan.points.len())
        .filter(|&i| mine(i))
        .map(|i| Search {
            point: plan.points[i].label.clone(),
            sets: point_sets(plan, i),
            start,
            high: spec.high.unwrap_or(start * 1024.0),
            integer,
            trials: Vec::new(),
            done: None,
            replications: plan.points[i].scenario.replications,
            rounds: 0,
            limit: None,
        })
        .collect();
    let mut rounds = 0;
    while rounds < MAX_ROUNDS {
        let proposals: Vec<(usize, f64)> = searches
            .iter_mut()
            .enumerate()
            .flat_map(|(i, s)| {
                let values = s.propose(spec.points_per_round, spec.precision);
                if !values.is_empty() {
                    s.rounds += 1;
                }
                values.into_iter().map(move |x| (i, x))
            })
            .collect();
        if proposals.is_empty() {
            break;
        }
        rounds += 1;
        let load = |point: &[Set], x: f64| {
            let mut all: Vec<Set> = sets.to_vec();
            all.extend(point.iter().cloned());
            all.push(Set {
                path: spec.parameter.clone(),
                value: if integer {
                    Yaml::from(x as u64)
                } else {
                    Yaml::from(x)
                },
            });
            plan_from_str(text, path, &all, crate::metrics::figure_shape)
        };
        let mut plans: Vec<Plan> = Vec::new();
        let mut kept: Vec<(usize, f64)> = Vec::new();
        for (i, x) in proposals {
            let point = searches[i].sets.clone();
            match load(&point, x) {
                Ok(p) => {
                    plans.push(p);
                    kept.push((i, x));
                }
                Err(Error::Invalid(d)) if x > start && searches[i].limit.is_none() => {
                    // Past a limit of the format (load at most 1000...):
                    // the search goes up to the most the file takes.
                    let why = d.first().map(|d| d.message.clone()).unwrap_or_default();
                    let valid = |v: f64| load(&point, v).is_ok();
                    let top = largest_valid(start, x, integer, valid);
                    searches[i].high = top;
                    searches[i].limit = Some(format!("at {} = {}: {why}", spec.parameter, show(x)));
                    let fresh = !searches[i].trials.iter().any(|t| t.value == top)
                        && !kept.contains(&(i, top));
                    if top > start && fresh {
                        plans.push(load(&point, top)?);
                        kept.push((i, top));
                    }
                }
                Err(Error::Invalid(d)) => {
                    return Err(Error::Invalid(
                        d.into_iter()
                            .map(|mut d| {
                                d.message =
                                    format!("at {} = {}: {}", spec.parameter, show(x), d.message);
                                d
                            })
                            .collect(),
                    ))
                }
                Err(other) => return Err(other),
            }
        }
        let proposals = kept;
        if plans.is_empty() {
            continue;
        }
        budget(rounds, &plans)?;
        let keys = all_keys(&plans);
        let records = execute(&plans, &keys, pool, control)?;
        for (p, &(i, x)) in proposals.iter().enumerate() {
            let runs: Vec<&Value> = records
                .iter()
                .filter(|r| r.key.plan as usize == p)
                .map(|r: &RunRecord| &r.figures)
                .collect();
            let verdicts: Vec<Verdict> = plans[p]
                .base()
                .slos
                .iter()
                .map(|slo| {
                    let v = crate::analysis::verdict::verdict(slo, &runs);
                    Verdict {
                        name: slo.name.clone(),
                        metric: slo.metric.clone(),
                        bound: slo.bound_text(),
                        limit: slo.max.or(slo.min),
                        mean: v["mean"].as_f64(),
                        pass: v["verdict"] == "pass",
                        comparison: v["comparison"].as_str().unwrap_or_default().to_string(),
                    }
                })
                .collect();
            let round = searches[i].rounds;
            searches[i].trials.push(Trial {
                value: x,
                round,
                pass: verdicts.iter().all(|v| v.pass),
                verdicts,
            });
        }
    }
    Ok(searches
        .iter()
        .map(|s| s.outcome(&spec.parameter, spec.precision))
        .collect())
}
