//! Service-level objectives written in a scenario: a metric path into the
//! report's figures, bounds with units, and how to judge replications.
//!
//! ```yaml
//! slo:
//!   - name: European reads stay fast      # optional
//!     metric: read_latency.p99_ms         # a path into the figures...
//!     scope: {client: eu-west-1}          # ...under this client region
//!     max: 50ms
//!     confidence: 95%                     # judge the interval's upper bound
//! ```

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use std::borrow::Cow;

pub use crate::units::Unit;
use crate::units::{round, scope};

/// A service-level objective.
#[derive(Deserialize, JsonSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct SloFile {
    /// A name for reports (default: the metric path).
    pub name: Option<String>,
    /// Dotted path into a point's figures (under `scope` if given), e.g.
    /// `clients.eu-west-1.read_latency.p99_ms`.
    pub metric: String,
    /// Where the metric is read.
    pub scope: Option<ScopeFile>,
    /// Upper bound: a duration for `*_ms`, a percentage for shares, a
    /// number for counts.
    #[schemars(with = "Option<Bound>")]
    pub max: Option<serde_yaml::Value>,
    /// Lower bound, in the same units as `max`.
    #[schemars(with = "Option<Bound>")]
    pub min: Option<serde_yaml::Value>,
    /// Judge the far end of this confidence interval (e.g. `95%`) instead
    /// of the mean; needs 2 or more replications.
    #[schemars(with = "Option<Bound>")]
    pub confidence: Option<serde_yaml::Value>,
}

/// A bound: a string with a unit or a plain number.
pub(super) struct Bound;

impl JsonSchema for Bound {
    fn schema_name() -> Cow<'static, str> {
        "Bound".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["string", "number"], "description": "50ms, 1s, 0.1%, 99.9% or a number"})
    }
}

/// Where a metric is read: a client region (and dataset), or a replica.
#[derive(Deserialize, JsonSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct ScopeFile {
    /// A client region: the path starts at `clients.REGION`.
    pub client: Option<String>,
    /// A dataset: with `client`, `clients.REGION.by_dataset.DATASET`; with
    /// `replica`, `datasets.DATASET.replicas.REGION`.
    pub dataset: Option<String>,
    /// A replica region (with `dataset`).
    pub replica: Option<String>,
}

/// A checked SLO.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// Its name (given, or the metric path).
    pub name: String,
    /// Full dotted path into a point's figures.
    pub metric: String,
    /// Unit of the figure.
    pub unit: Unit,
    /// Upper bound, in the figure's unit.
    pub max: Option<f64>,
    /// Lower bound, in the figure's unit.
    pub min: Option<f64>,
    /// Judge the interval's far end at this level instead of the mean.
    pub confidence: Option<f64>,
}

impl Slo {
    /// The bound as text: `<= 50ms`, `>= 99.9%`, `between 1 and 2`.
    pub fn bound_text(&self) -> String {
        match (self.min, self.max) {
            (Some(lo), Some(hi)) if lo == hi => format!("== {}", self.unit.show(hi)),
            (Some(lo), Some(hi)) => {
                format!("between {} and {}", self.unit.show(lo), self.unit.show(hi))
            }
            (None, Some(hi)) => format!("<= {}", self.unit.show(hi)),
            (Some(lo), None) => format!(">= {}", self.unit.show(lo)),
            (None, None) => unreachable!("an SLO has a bound"),
        }
    }

    /// What the verdict is judged on.
    pub fn judged_on(&self) -> String {
        match self.confidence {
            None => "mean".into(),
            Some(c) => {
                let end = match (self.min, self.max) {
                    (Some(_), Some(_)) => "whole",
                    (None, Some(_)) => "upper end of the",
                    _ => "lower end of the",
                };
                format!("{end} {}% interval", round(c * 100.0))
            }
        }
    }
}

/// Parses `5%`, `0.1%` or a plain fraction.
pub fn percent(v: &serde_yaml::Value) -> Result<f64, String> {
    match v {
        serde_yaml::Value::String(s) if s.trim_end().ends_with('%') => s
            .trim_end()
            .trim_end_matches('%')
            .trim()
            .parse::<f64>()
            .map(|p| p / 100.0)
            .map_err(|_| format!("`{s}` is not a percentage like 0.1%")),
        serde_yaml::Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        other => Err(format!(
            "`{}` is not a percentage like 0.1% or a fraction like 0.001",
            super::variants::compact(other)
        )),
    }
}

/// A bound for a figure of `unit`, in that unit.
fn bound(unit: Unit, v: &serde_yaml::Value, metric: &str) -> Result<f64, String> {
    let text = super::variants::compact(v);
    let x = match unit {
        Unit::Millis | Unit::Seconds => {
            let d = match v {
                serde_yaml::Value::String(s) if !s.trim_end().ends_with('%') => super::parse_duration(s)?,
                _ => {
                    return Err(format!(
                        "`{metric}` is a duration: write the bound with a unit, e.g. 50ms or 1s, not `{text}`"
                    ))
                }
            };
            if unit == Unit::Seconds {
                d.as_secs_f64()
            } else {
                d.as_millis_f64()
            }
        }
        Unit::Share => {
            if matches!(v, serde_yaml::Value::String(s) if super::parse_duration(s).is_ok()) {
                return Err(format!("`{metric}` is a share: write the bound as a percentage like 0.1%, not `{text}`"));
            }
            percent(v)?
        }
        Unit::Count | Unit::PerSecond | Unit::UsdPerMonth => match v {
            serde_yaml::Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
            _ => {
                let what = match unit {
                    Unit::Count => "a count",
                    Unit::PerSecond => "a rate per second",
                    _ => "US dollars a month",
                };
                return Err(format!(
                "`{metric}` is a plain number ({what}): write the bound as a number, not `{text}`"
            ));
            }
        },
    };
    if !x.is_finite() {
        return Err(format!("`{text}` is not a finite bound"));
    }
    match unit {
        Unit::Share if !(0.0..=1.0).contains(&x) => Err(format!(
            "`{metric}` is a share between 0% and 100%; a bound of `{text}` can never be met or is always met"
        )),
        Unit::Count | Unit::PerSecond | Unit::Seconds | Unit::UsdPerMonth if x < 0.0 => Err(format!(
            "`{metric}` counts something and is never negative; a bound of `{text}` can never be met or is always met"
        )),
        _ => Ok(x),
    }
}

/// Which field of an SLO a problem is in, for locating it.
pub type Problem = (&'static str, String);

/// The full figure path an SLO entry names (its scope, then its metric).
pub fn metric_path(f: &SloFile) -> Result<String, Problem> {
    let prefix = match &f.scope {
        None => String::new(),
        Some(ScopeFile { client: Some(c), dataset: None, replica: None }) => scope::client(c),
        Some(ScopeFile { client: Some(c), dataset: Some(d), replica: None }) => {
            scope::client_dataset(c, d)
        }
        Some(ScopeFile { client: None, dataset: Some(d), replica: Some(r) }) => {
            scope::replica(d, r)
        }
        Some(ScopeFile { client: None, dataset: Some(d), replica: None }) => scope::dataset(d),
        Some(_) => {
            return Err((
                "scope",
                "a scope is {client: R}, {client: R, dataset: D}, {dataset: D, replica: R} or {dataset: D}".into(),
            ))
        }
    };
    Ok(format!("{prefix}{}", f.metric.trim()))
}

/// Checks one SLO entry; errors name the field they are about.
pub fn resolve(f: &SloFile, replications: u32) -> Result<Slo, Problem> {
    let metric = metric_path(f)?;
    let unit = crate::units::unit_of(&metric).ok_or_else(|| {
        (
            "metric",
            format!("metric `{metric}` is not a number with a unit"),
        )
    })?;
    let max = f
        .max
        .as_ref()
        .map(|v| bound(unit, v, &metric))
        .transpose()
        .map_err(|e| ("max", e))?;
    let min = f
        .min
        .as_ref()
        .map(|v| bound(unit, v, &metric))
        .transpose()
        .map_err(|e| ("min", e))?;
    if max.is_none() && min.is_none() {
        return Err((
            "metric",
            format!("SLO on `{metric}` needs `max:`, `min:` or both"),
        ));
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            return Err((
                "min",
                format!("min ({}) is above max ({})", unit.show(lo), unit.show(hi)),
            ));
        }
    }
    let confidence = f
        .confidence
        .as_ref()
        .map(|v| {
            let c = percent(v)?;
            if !(0.5..1.0).contains(&c) {
                return Err(format!("confidence must be at least 50% and below 100%, e.g. 95%, got {}", super::variants::compact(v)));
            }
            if replications < 2 {
                return Err("an interval needs at least 2 replications: set `replications: 2` or more, or drop `confidence`".into());
            }
            Ok(c)
        })
        .transpose()
        .map_err(|e| ("confidence", e))?;
    Ok(Slo {
        name: f.name.clone().unwrap_or_else(|| metric.clone()),
        metric,
        unit,
        max,
        min,
        confidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(yaml: &str) -> Result<Slo, Problem> {
        resolve(&serde_yaml::from_str(yaml).unwrap(), 3)
    }

    #[test]
    fn scopes_expand_to_paths_and_bounds_take_units() {
        let s =
            slo("{metric: read_latency.p99_ms, scope: {client: eu-west-1}, max: 1.5s}").unwrap();
        assert_eq!(s.metric, "clients.eu-west-1.read_latency.p99_ms");
        assert_eq!(s.max, Some(1500.0));
        assert_eq!(s.bound_text(), "<= 1.5s");
        let s =
            slo("{metric: stale_reads.500ms.share, scope: {client: a, dataset: users}, max: 0.1%}")
                .unwrap();
        assert_eq!(
            s.metric,
            "clients.a.by_dataset.users.stale_reads.500ms.share"
        );
        assert!((s.max.unwrap() - 0.001).abs() < 1e-15);
        let s =
            slo("{metric: lag.count, scope: {dataset: d, replica: b}, min: 10, confidence: 95%}")
                .unwrap();
        assert_eq!(s.metric, "datasets.d.replicas.b.lag.count");
        assert_eq!(s.confidence, Some(0.95));
        assert_eq!(s.judged_on(), "lower end of the 95% interval");
    }

    #[test]
    fn unit_mismatches_are_refused() {
        assert_eq!(
            slo("{metric: clients.a.read_latency.p99_ms, max: 5%}")
                .unwrap_err()
                .0,
            "max"
        );
        assert_eq!(
            slo("{metric: clients.a.read_latency.p99_ms, max: 20}")
                .unwrap_err()
                .0,
            "max"
        );
        assert_eq!(
            slo("{metric: clients.a.stale_reads.0ms.share, max: 20ms}")
                .unwrap_err()
                .0,
            "max"
        );
        assert_eq!(
            slo("{metric: clients.a.read_latency.count, min: 5ms}")
                .unwrap_err()
                .0,
            "min"
        );
        assert_eq!(slo("{metric: x_ms}").unwrap_err().0, "metric");
        assert_eq!(
            slo("{metric: clients.a.stale_reads.0ms.share, max: -5%}")
                .unwrap_err()
                .0,
            "max"
        );
        assert_eq!(
            slo("{metric: clients.a.stale_reads.0ms.share, min: 101%}")
                .unwrap_err()
                .0,
            "min"
        );
        assert_eq!(
            slo("{metric: clients.a.read_latency.count, max: -1}")
                .unwrap_err()
                .0,
            "max"
        );
        assert_eq!(
            slo("{metric: read_latency.p99_ms, max: 1ms, confidence: 120%}")
                .unwrap_err()
                .0,
            "confidence"
        );
        assert_eq!(
            slo("{metric: x, scope: {replica: b}, max: 1}")
                .unwrap_err()
                .0,
            "scope"
        );
        let one = resolve(
            &serde_yaml::from_str("{metric: events, max: 1, confidence: 95%}").unwrap(),
            1,
        );
        assert_eq!(one.unwrap_err().0, "confidence");
    }
}
