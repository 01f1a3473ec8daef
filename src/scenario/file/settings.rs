//! Scenario-wide settings of the file: headroom, precision, sweeps.

use super::*;

/// A headroom search (`regionsim headroom`); its options override these.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadroomFile {
    /// A numeric field as `--set` addresses it (default `load`).
    pub parameter: Option<String>,
    /// Stop when the answer is known this closely, relative (default 2%).
    #[schemars(with = "Option<crate::scenario::slo::Bound>")]
    pub precision: Option<serde_yaml::Value>,
    /// Start here (default: the file's value; 1 for an absent `load`).
    pub low: Option<f64>,
    /// Try nothing above this (default: 1024 times the start).
    pub high: Option<f64>,
    /// Values tried per round, run in parallel (default 2).
    pub points_per_round: Option<u32>,
}

/// Metastability: after each incident, whether every app tier, commit
/// path and client region came back to its state before the first failure
/// of the span, and how long after the failure ended.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetastabilityFile {
    /// Not back this long after the failure ended: stuck, e.g. `60s`.
    pub within: Duration,
    /// How far above its pre-failure level a bucket's load (attempts,
    /// jobs offered, utilisation, failed requests) may be and still count
    /// as back, on top of four Poisson standard deviations (default `10%`).
    #[schemars(with = "Option<crate::scenario::slo::Bound>")]
    pub tolerance: Option<serde_yaml::Value>,
}

/// A precision target: replications are added in batches until the 95 %
/// interval of every named figure is narrow enough, or the cap is reached.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecisionFile {
    /// Figure paths, as in SLOs (e.g. `clients.eu-west-1.read_latency.p99_ms`).
    pub metrics: Vec<String>,
    /// Largest acceptable half-width of the 95 % interval relative to the
    /// mean, e.g. `2%`.
    #[schemars(with = "crate::scenario::slo::Bound")]
    pub relative_half_width: serde_yaml::Value,
    /// Replications added per round (default: `replications`).
    pub batch: Option<u32>,
    /// Never more replications than this.
    pub max_replications: u32,
}

/// `sweep:`: dotted paths and the values each takes.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// `product` (every combination, default) or `zip` (i-th values together).
    #[serde(default)]
    pub mode: SweepMode,
    /// Dotted path (e.g. `datasets.users.keys`) to its list of values.
    #[schemars(with = "BTreeMap<String, Vec<serde_json::Value>>")]
    pub parameters: serde_yaml::Mapping,
    /// Optional short names of the points, in order (letters, digits, `-`,
    /// `_`, `.`): they label the points in tables, charts and files. A
    /// number is taken as its text (`names: [1, 2]`).
    #[serde(default, deserialize_with = "scalar_texts")]
    #[schemars(with = "Option<Vec<NameText>>")]
    pub names: Option<Vec<String>>,
}

/// A name written as a string or a number.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)] // describes the schema only
pub(super) enum NameText {
    Text(String),
    Number(f64),
}

/// A list of names, numbers read as their text: the same from the file's
/// text and from a YAML value (an override), where a number would not
/// otherwise become a string.
pub(super) fn scalar_texts<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    use serde::de::Error;
    let Some(values) = Option::<Vec<serde_yaml::Value>>::deserialize(d)? else {
        return Ok(None);
    };
    values
        .into_iter()
        .map(|v| match v {
            serde_yaml::Value::String(s) => Ok(s),
            serde_yaml::Value::Number(n) => Ok(n.to_string()),
            other => Err(D::Error::custom(format!(
                "a name must be text or a number, got {}",
                crate::scenario::variants::compact(&other)
            ))),
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// How sweep parameters combine into points.
#[derive(Deserialize, JsonSchema, Default, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SweepMode {
    /// Every combination (the last parameter varies fastest).
    #[default]
    Product,
    /// The i-th values of every parameter together.
    Zip,
}

pub(super) fn default_seed() -> u64 {
    1
}
pub(super) fn default_replications() -> u32 {
    1
}
pub(super) fn default_bounds() -> Vec<Duration> {
    vec![Duration::ZERO]
}
