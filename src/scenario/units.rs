//! Durations with units (`38ms`, `1.5s`, `10m`) and distributions as the
//! scenario format writes them.

use super::limits::{MAX_DELAY, MAX_SPAN, MAX_TABLE_ROWS};
use crate::engine::{Dist, Duration};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

const UNITS: &str = "ns, us, ms, s, m, h or d";

/// `12.5ms` as (`12.5`, `ms`): the leading digits and dots, and the rest
/// trimmed.
pub fn split_number(text: &str) -> (&str, &str) {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    (&t[..split], t[split..].trim())
}

/// Parses a duration such as `38ms`, `1.5s`, `250us`, `10m` exactly (no
/// floating point), rounding below a nanosecond.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = split_number(t);
    if t.starts_with('-') {
        return Err(format!("`{text}`: durations cannot be negative"));
    }
    let scale: u128 = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" | "min" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        "d" => 86_400_000_000_000,
        "" => {
            // The value's own problem first (zero, past the limit).
            if let Ok(x) = number.parse::<f64>() {
                check_bandwidth(x, text)?;
            }
            return Err(format!(
                "`{text}` has no unit: write e.g. 38ms, 1.5s or 10m (units: {UNITS})"
            ));
        }
        other => return Err(format!("`{text}`: unknown unit `{other}` (units: {UNITS})")),
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 18
    {
        return Err(format!("`{text}` is not a duration like 38ms or 1.5s"));
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?
    };
    let frac_ns = if frac.is_empty() {
        0
    } else {
        let digits: u128 = frac.parse().expect("checked digits");
        let denom = 10u128.pow(frac.len() as u32);
        (digits * scale + denom / 2) / denom
    };
    let total = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_ns))
        .filter(|&n| n <= u128::from(u64::MAX / 2))
        .ok_or_else(|| format!("`{text}` is too large"))?;
    Ok(Duration::from_nanos(total as u64))
}

/// Written as the format reads it (`10s`), for defaults in the schema.
impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a duration with a unit, e.g. 38ms, 1.5s or 10m")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                parse_duration(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit: write e.g. {v}ms or {v}s (units: {UNITS})"
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "`{v}` is not a duration: write a non-negative number with a unit ({UNITS})"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "`{v}` has no unit: write e.g. {v}ms or {v}s (units: {UNITS})"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct UniformParams {
    min: Duration,
    max: Duration,
}
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NormalParams {
    mean: Duration,
    stddev: Duration,
}
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct LogNormalParams {
    #[serde(default)]
    base: Option<Duration>,
    median: Option<Duration>,
    p99: Option<Duration>,
    mu: Option<f64>,
    sigma: Option<f64>,
}
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExponentialParams {
    mean: Duration,
}
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ShiftedExponentialParams {
    base: Duration,
    extra_mean: Duration,
}
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ShapeParams {
    scale: Duration,
    shape: f64,
}

/// The kinds of distribution, as YAML keys.
pub const DIST_KINDS: &str = "constant, uniform, normal, lognormal, exponential, \
shifted_exponential, pareto, weibull, empirical";

impl<'de> Deserialize<'de> for Dist {
    /// A bare duration (`38ms`) is a constant; otherwise a one-key map naming
    /// the kind: `{lognormal: {median: 35ms, p99: 60ms}}`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_dist(d, MAX_DELAY, "a delay")
    }
}

/// A distribution of long times (between failures, to repair): like a
/// delay's, up to [`MAX_SPAN`] rather than one day.
#[derive(Clone, Debug)]
pub struct LongDist(pub Dist);

impl<'de> Deserialize<'de> for LongDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_dist(d, MAX_SPAN, "a time between failures or to repair").map(LongDist)
    }
}

impl JsonSchema for LongDist {
    fn schema_name() -> Cow<'static, str> {
        Dist::schema_name()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        Dist::json_schema(g)
    }
}

/// A distribution whose values and mean stay under `limit` (`what` names
/// it in messages).
fn deserialize_dist<'de, D: Deserializer<'de>>(
    d: D,
    limit: Duration,
    what: &'static str,
) -> Result<Dist, D::Error> {
    {
        struct V {
            limit: Duration,
            what: &'static str,
        }
        impl<'de> Visitor<'de> for V {
            type Value = Dist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    f,
                    "a duration (38ms) or a distribution such as {{lognormal: {{median: 35ms, p99: 60ms}}}}"
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dist, E> {
                parse_duration(v)
                    .map(Dist::constant)
                    .and_then(|d| within_limits(d, self.limit, self.what))
                    .map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dist, E> {
                Duration::deserialize(de::value::U64Deserializer::<E>::new(v)).map(Dist::constant)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dist, E> {
                Duration::deserialize(de::value::F64Deserializer::<E>::new(v)).map(Dist::constant)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dist, A::Error> {
                let kind: String = map.next_key()?.ok_or_else(|| {
                    de::Error::custom(format!("name a distribution: {DIST_KINDS}"))
                })?;
                let built = match kind.as_str() {
                    "constant" => Ok(Dist::constant(map.next_value()?)),
                    "uniform" => {
                        let p: UniformParams = map.next_value()?;
                        Dist::uniform(p.min, p.max)
                    }
                    "normal" => {
                        let p: NormalParams = map.next_value()?;
                        Dist::normal(p.mean, p.stddev)
                    }
                    "lognormal" => {
                        let p: LogNormalParams = map.next_value()?;
                        match (p.median, p.p99, p.mu, p.sigma) {
                            (Some(m), Some(q), None, None) => {
                                Dist::lognormal_quantiles(p.base.unwrap_or_default(), m, q)
                            }
                            (None, None, Some(mu), Some(s)) if p.base.is_none() => {
                                Dist::lognormal_params(mu, s)
                            }
                            _ => Err("give either median and p99 (and optionally base), \
                                      or mu and sigma of ln(milliseconds)"
                                .into()),
                        }
                    }
                    "exponential" => {
                        let p: ExponentialParams = map.next_value()?;
                        Dist::shifted_exponential(Duration::ZERO, p.mean)
                    }
                    "shifted_exponential" => {
                        let p: ShiftedExponentialParams = map.next_value()?;
                        Dist::shifted_exponential(p.base, p.extra_mean)
                    }
                    "pareto" => {
                        let p: ShapeParams = map.next_value()?;
                        Dist::pareto(p.scale, p.shape)
                    }
                    "weibull" => {
                        let p: ShapeParams = map.next_value()?;
                        Dist::weibull(p.scale, p.shape)
                    }
                    "empirical" => {
                        let points: Vec<(f64, Duration)> = map.next_value()?;
                        if points.len() > MAX_TABLE_ROWS {
                            Err(format!(
                                "a table of {} rows; at most {MAX_TABLE_ROWS}",
                                points.len()
                            ))
                        } else {
                            Dist::empirical(&points)
                        }
                    }
                    other => {
                        return Err(de::Error::custom(format!(
                            "unknown distribution `{other}`; expected one of: {DIST_KINDS}"
                        )))
                    }
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a distribution is a map with one key (its kind); found `{extra}` after `{kind}`"
                    )));
                }
                built
                    .and_then(|d| within_limits(d, self.limit, self.what))
                    .map_err(|msg| de::Error::custom(format!("{kind}: {msg}")))
            }
        }
        d.deserialize_any(V { limit, what })
    }
}

/// Refuses a delay distribution whose values or mean exceed
/// [`MAX_DELAY`] (one day): nothing in a multi-region request path takes
/// that long, and a larger figure is a typo in a unit. A Pareto law with
/// an infinite mean (shape at most 1) is allowed, and warned about.
fn within_limits(d: Dist, max: Duration, what: &str) -> Result<Dist, String> {
    let limit = max.as_nanos() as f64;
    if d.largest_parameter_nanos() > limit {
        return Err(format!(
            "a parameter of {} is above the limit of {max} for {what} (a unit typo?)",
            Duration::from_nanos(d.largest_parameter_nanos() as u64)
        ));
    }
    let mean = d.mean_nanos();
    if mean.is_finite() && mean > limit {
        return Err(format!(
            "its mean is {:.3e} s, above the limit of {max} for {what}",
            mean / 1e9
        ));
    }
    Ok(d)
}

/// The pattern of a duration, for the JSON Schema.
const DURATION_PATTERN: &str = r"^\s*[0-9]*\.?[0-9]+\s*(ns|us|µs|ms|s|m|min|h|d)\s*$";

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration with a unit: ns, us, ms, s, m, h or d (38ms, 1.5s, 10m, 30d).",
        })
    }
}

impl JsonSchema for Dist {
    fn schema_name() -> Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let one = |kind: &str, params: Schema, text: &str| {
            json_schema!({
                "type": "object",
                "properties": { kind: params },
                "required": [kind],
                "additionalProperties": false,
                "description": text,
            })
        };
        let duration = g.subschema_for::<Duration>();
        let table = json_schema!({
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "array",
                "prefixItems": [{"type": "number", "minimum": 0, "maximum": 100}, duration.clone()],
                "items": false,
                "minItems": 2,
            },
        });
        json_schema!({
            "description": "A delay distribution: a duration (constant) or a one-key map naming the kind.",
            "oneOf": [
                duration.clone(),
                one("constant", duration.clone(), "Always this value."),
                one("uniform", g.subschema_for::<UniformParams>(), "Uniform between min and max."),
                one("normal", g.subschema_for::<NormalParams>(), "Normal, truncated at 0."),
                one("lognormal", g.subschema_for::<LogNormalParams>(),
                    "base plus a lognormal term: either median and p99 of the whole, or mu and sigma of ln(ms)."),
                one("exponential", g.subschema_for::<ExponentialParams>(), "Exponential with this mean."),
                one("shifted_exponential", g.subschema_for::<ShiftedExponentialParams>(),
                    "base plus an exponential of mean extra_mean."),
                one("pareto", g.subschema_for::<ShapeParams>(), "Pareto with minimum scale and tail index shape."),
                one("weibull", g.subschema_for::<ShapeParams>(), "Weibull."),
                one("empirical", table, "Quantile table [[percentile, value], ...] from 0 to 100, linear in between."),
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_exactly() {
        let cases = [
            ("38ms", 38_000_000),
            ("1.5s", 1_500_000_000),
            ("10m", 600_000_000_000),
            ("250us", 250_000),
            ("0.1ms", 100_000),
            ("2h", 7_200_000_000_000),
            ("0ms", 0),
            (".5s", 500_000_000),
        ];
        for (text, ns) in cases {
            assert_eq!(parse_duration(text), Ok(Duration::from_nanos(ns)), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in ["38", "-5ms", "5 parsecs", "ms", "1.2.3s", "1e3ms", ""] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

/// A link's bandwidth in bytes per second, written with its unit:
/// `100Mbit/s`, `1Gbps`, `50MB/s`, `1000B/s` (a bare number could be bytes
/// or bits, and is refused). Decimal prefixes (k = 1000); `KiB/s`,
/// `MiB/s`, `GiB/s` are binary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bandwidth(pub f64);

const BANDWIDTH_UNITS: &str =
    "B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s, bit/s, kbit/s, Mbit/s, Gbit/s, kbps, Mbps, Gbps";

/// The most a link may carry: 1 Pbit/s (a typo guard; no WAN link is near).
pub const MAX_BANDWIDTH: f64 = 1.25e14;

/// Parses a bandwidth with a unit into bytes per second.
pub fn parse_bandwidth(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("`{text}`: a bandwidth cannot be negative"));
    }
    let (number, unit) = split_number(t);
    let bytes: f64 = match unit {
        "B/s" => 1.0,
        "kB/s" | "KB/s" => 1e3,
        "MB/s" => 1e6,
        "GB/s" => 1e9,
        "KiB/s" => 1024.0,
        "MiB/s" => 1024.0 * 1024.0,
        "GiB/s" => 1024.0 * 1024.0 * 1024.0,
        "bit/s" | "bps" => 1.0 / 8.0,
        "kbit/s" | "kbps" => 1e3 / 8.0,
        "Mbit/s" | "Mbps" => 1e6 / 8.0,
        "Gbit/s" | "Gbps" => 1e9 / 8.0,
        "" => {
            // The value's own problem first (zero, past the limit).
            if let Ok(x) = number.parse::<f64>() {
                check_bandwidth(x, text)?;
            }
            return Err(format!(
                "bandwidth `{text}` has no unit: bytes or bits? Write e.g. {text}B/s or {text}bit/s, 100Mbit/s, 50MB/s (units: {BANDWIDTH_UNITS})"
            ));
        }
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (units: {BANDWIDTH_UNITS})"
            ))
        }
    };
    let x: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a bandwidth like 100Mbit/s"))?;
    check_bandwidth(x * bytes, text)
}

fn check_bandwidth(bytes_per_s: f64, text: &str) -> Result<f64, String> {
    if !(bytes_per_s.is_finite() && bytes_per_s > 0.0) {
        return Err(format!(
            "bandwidth `{text}`: give a rate above zero, e.g. 100Mbit/s (omit the field for no limit)"
        ));
    }
    if bytes_per_s > MAX_BANDWIDTH {
        return Err(format!(
            "bandwidth `{text}` is above the limit of 1 Pbit/s (a unit typo?)"
        ));
    }
    Ok(bytes_per_s)
}

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bandwidth;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a bandwidth, e.g. 100Mbit/s, 1Gbps or 50MB/s")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bandwidth, E> {
                parse_bandwidth(v).map(Bandwidth).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bandwidth, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bandwidth, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bandwidth, E> {
                // Bytes or bits? A bare number is a typo as often as not.
                parse_bandwidth(&v.to_string())
                    .map(Bandwidth)
                    .map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Bandwidth {
    fn schema_name() -> Cow<'static, str> {
        "Bandwidth".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A rate with its unit: 100Mbit/s, 1Gbps, 50MB/s, 10MiB/s, 1000B/s.",
        })
    }
}
