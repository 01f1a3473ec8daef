//! The unit of every figure, declared in one table that SLO checking, the
//! tables, summary.md and the charts all read. Nothing guesses a unit from
//! a name: a figure added to [`crate::metrics::Figures`] without a row here fails
//! the test that walks every figure of every shipped scenario.

/// How a figure is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A duration in milliseconds; SLO bounds are durations (`50ms`, `1s`).
    Millis,
    /// A duration in seconds (downtime); SLO bounds are durations (`90s`).
    Seconds,
    /// A fraction from 0 to 1; bounds are percentages (`0.1%`) or fractions.
    Share,
    /// A count of things; bounds are plain numbers.
    Count,
    /// Things per second; bounds are plain numbers.
    PerSecond,
    /// US dollars a month; bounds are plain numbers (`max: 500`).
    UsdPerMonth,
}

/// Every figure leaf name, its unit and what it is. A leaf means the same
/// everywhere it appears (`p99_ms` of a latency, of a lag, of an apply
/// wait); what it is of is its place ([`GROUPS`]).
const UNITS: &[(&str, Unit, &str)] = &[
    // Distributions (`Latency`).
    ("mean_ms", Unit::Millis, "mean"),
    ("min_ms", Unit::Millis, "least value"),
    ("p50_ms", Unit::Millis, "median"),
    ("p90_ms", Unit::Millis, "90th percentile"),
    ("p99_ms", Unit::Millis, "99th percentile"),
    ("p999_ms", Unit::Millis, "99.9th percentile"),
    ("max_ms", Unit::Millis, "largest value"),
    ("count", Unit::Count, "number of values measured"),
    // Replicas.
    (
        "current_lag_max_ms",
        Unit::Millis,
        "largest lag a monitoring probe read at the end of a bucket",
    ),
    (
        "apply_utilisation",
        Unit::Share,
        "share of the span the apply threads were busy",
    ),
    // Stale reads at a bound.
    (
        "share",
        Unit::Share,
        "share of reads stale at the bound (missing a write committed at least that long before)",
    ),
    // Requests.
    (
        "attempted",
        Unit::Count,
        "requests sent in the measured span (each once, however many attempts)",
    ),
    ("succeeded", Unit::Count, "requests answered"),
    (
        "failed",
        Unit::Count,
        "requests never answered (timed out after every retry, or refused)",
    ),
    ("retried", Unit::Count, "attempts after the first"),
    (
        "app_errors",
        Unit::Count,
        "attempts an app tier failed under a gray failure",
    ),
    (
        "throttled",
        Unit::Count,
        "retries the client's retry throttle or budget did not make",
    ),
    (
        "hedged",
        Unit::Count,
        "hedges sent: reads sent a second time while the first attempt still waited",
    ),
    ("availability", Unit::Share, "succeeded / attempted"),
    (
        "read_availability",
        Unit::Share,
        "reads succeeded / attempted",
    ),
    (
        "write_availability",
        Unit::Share,
        "writes succeeded / attempted",
    ),
    // Availability over every region.
    (
        "overall",
        Unit::Share,
        "requests succeeded / attempted over every region",
    ),
    (
        "read",
        Unit::Share,
        "reads succeeded / attempted over every region",
    ),
    (
        "write",
        Unit::Share,
        "writes succeeded / attempted over every region",
    ),
    (
        "downtime_minutes_per_year",
        Unit::Count,
        "minutes a year below the availability threshold, at this run's rate",
    ),
    ("nines", Unit::Count, "availability as a number of nines"),
    (
        "lost_writes_per_year",
        Unit::Count,
        "acknowledged writes lost in failovers a year, at this run's rate",
    ),
    (
        "downtime_s",
        Unit::Seconds,
        "seconds of buckets below the availability threshold",
    ),
    (
        "incidents",
        Unit::Count,
        "failures that took availability below the threshold",
    ),
    // Writes at a primary.
    (
        "committed",
        Unit::Count,
        "writes committed in the measured span",
    ),
    (
        "unreplicated_acks",
        Unit::Count,
        "writes acknowledged before any replica had received them",
    ),
    (
        "unreplicated_share",
        Unit::Share,
        "unreplicated_acks / committed",
    ),
    (
        "fallbacks",
        Unit::Count,
        "times semi-sync fell back to async",
    ),
    (
        "fallback_share",
        Unit::Share,
        "share of the span spent fallen back to async",
    ),
    // Failovers.
    ("started", Unit::Count, "failovers started"),
    ("promotions", Unit::Count, "replicas promoted"),
    (
        "lost_writes",
        Unit::Count,
        "acknowledged writes a failover lost",
    ),
    (
        "lost_window_ms",
        Unit::Millis,
        "commit-time span of the writes a failover lost",
    ),
    (
        "split_brain_writes",
        Unit::Count,
        "writes a deposed, unfenced primary took",
    ),
    (
        "first_detection_ms",
        Unit::Millis,
        "time from the failure to the first detection",
    ),
    (
        "first_promotion_ms",
        Unit::Millis,
        "time from the failure to the first promotion",
    ),
    (
        "target_passed_over",
        Unit::Count,
        "failovers that could not promote the named target",
    ),
    // Chart marks: failure windows and failover milestones.
    (
        "start_ms",
        Unit::Millis,
        "start, from the start of the measured span",
    ),
    (
        "end_ms",
        Unit::Millis,
        "end, from the start of the measured span",
    ),
    (
        "dns_95_ms",
        Unit::Millis,
        "time until 95 % of resolvers followed DNS",
    ),
    ("promotion_ms", Unit::Millis, "time of the promotion"),
    // Incidents.
    ("failure_end_ms", Unit::Millis, "time the failure ended"),
    (
        "dns_50_ms",
        Unit::Millis,
        "time until half the resolvers followed DNS",
    ),
    (
        "dns_100_ms",
        Unit::Millis,
        "time until every resolver followed DNS",
    ),
    (
        "first_write_ms",
        Unit::Millis,
        "time of the first write that succeeded again",
    ),
    (
        "availability_back_ms",
        Unit::Millis,
        "time availability was back above the threshold",
    ),
    // Recovery.
    (
        "read_rto_ms",
        Unit::Millis,
        "time from a failure until reads succeed again (recovery time)",
    ),
    (
        "write_rto_ms",
        Unit::Millis,
        "time from a failure until writes succeed again (recovery time)",
    ),
    // DNS.
    (
        "detection_ms",
        Unit::Millis,
        "time until health checks detected the failure",
    ),
    (
        "converged_50_ms",
        Unit::Millis,
        "time until half the resolvers moved",
    ),
    (
        "converged_95_ms",
        Unit::Millis,
        "time until 95 % of resolvers moved",
    ),
    (
        "converged_100_ms",
        Unit::Millis,
        "time until every resolver moved",
    ),
    // Links.
    (
        "messages_per_s",
        Unit::PerSecond,
        "messages a second over the link",
    ),
    (
        "bytes_per_s",
        Unit::PerSecond,
        "bytes a second over the link",
    ),
    (
        "usd_per_month",
        Unit::UsdPerMonth,
        "what the link's bytes cost a month at its source region's price (users' own requests and responses, internet traffic, not counted)",
    ),
    // Cost.
    (
        "transfer_usd_per_month",
        Unit::UsdPerMonth,
        "inter-region transfer a month: every link's bytes at its source region's price, users' own traffic aside",
    ),
    (
        "egress_usd_per_month",
        Unit::UsdPerMonth,
        "internet egress a month: responses app tiers sent users, at the app tier's region's price",
    ),
    (
        "replicated_writes_usd_per_month",
        Unit::UsdPerMonth,
        "replicated write units a month, where a preset bills them (DynamoDB global tables)",
    ),
    (
        "total_usd_per_month",
        Unit::UsdPerMonth,
        "the month's bill: transfer, replicated writes and internet egress",
    ),
    // Leaderless quorums.
    (
        "read_repairs",
        Unit::Count,
        "newer versions read repair sent to replicas",
    ),
    (
        "hinted_writes",
        Unit::Count,
        "writes a stand-in took for a replica it could not reach",
    ),
    (
        "hints_handed_over",
        Unit::Count,
        "hinted writes handed over to their replica",
    ),
    (
        "anti_entropy_updates",
        Unit::Count,
        "replica versions anti-entropy brought up to date",
    ),
    (
        "conflict_failures",
        Unit::Count,
        "writes refused: another region's write of the key was still replicating",
    ),
    (
        "probes",
        Unit::Count,
        "probe reads answered this long after a write's commit",
    ),
    (
        "k_staleness",
        Unit::Share,
        "share of reads that returned one of the latest k committed versions (element k - 1)",
    ),
    // Active-active conflicts.
    (
        "conflicts",
        Unit::Count,
        "pairs of concurrent writes to one key",
    ),
    ("conflicts_per_s", Unit::PerSecond, "conflicts a second"),
    (
        "lost_updates",
        Unit::Count,
        "acknowledged writes that conflict resolution discarded",
    ),
    ("lost_update_share", Unit::Share, "lost_updates / committed"),
    // Residency.
    (
        "violations",
        Unit::Count,
        "writes that came to rest outside their owner's allowed regions",
    ),
    (
        "cross_border_reads",
        Unit::Count,
        "reads of restricted records served outside their allowed regions",
    ),
    (
        "session_violations",
        Unit::Count,
        "session copies at rest outside their user's allowed regions",
    ),
    // Stations (app tiers, commit paths, link transmitters).
    (
        "utilisation",
        Unit::Share,
        "share of the span the servers were busy",
    ),
    ("queue_length", Unit::Count, "mean requests waiting"),
    ("wait_ms", Unit::Millis, "mean wait for a server"),
    (
        "admitted_per_s",
        Unit::PerSecond,
        "requests admitted a second",
    ),
    ("rejected", Unit::Count, "requests shed by a full queue"),
    ("rejected_share", Unit::Share, "rejected / arrived"),
    // The run.
    ("events", Unit::Count, "simulated events"),
    // Series and lists (one element per bucket, quantile level or age).
    (
        "quantiles_ms",
        Unit::Millis,
        "value at each of the quantile levels (`quantile_levels`)",
    ),
    ("reads_per_s", Unit::PerSecond, "reads a second, per bucket"),
    (
        "writes_per_s",
        Unit::PerSecond,
        "writes a second, per bucket",
    ),
    (
        "current_lag_ms",
        Unit::Millis,
        "lag a monitoring probe reads, per bucket",
    ),
    (
        "utilisation_by_bucket",
        Unit::Share,
        "share of each bucket the servers were busy",
    ),
    (
        "offered_per_s_by_bucket",
        Unit::PerSecond,
        "jobs offered a second (every attempt that reached it, retries included), per bucket",
    ),
    (
        "queue_by_bucket",
        Unit::Count,
        "mean jobs waiting for a server (the backlog), per bucket",
    ),
    (
        "retries_per_s",
        Unit::PerSecond,
        "retries sent a second, per bucket",
    ),
    // Metastability.
    (
        "metastable",
        Unit::Share,
        "1 when not back at the state before the first failure within `within` of a failure's end (over replications: the share of them)",
    ),
    (
        "back_after_ms",
        Unit::Millis,
        "time from a failure's end until back at the state before the first failure (the latest over incidents)",
    ),
    (
        "state_back_ms",
        Unit::Millis,
        "time until every app tier, commit path and client region was back at its state before the first failure",
    ),
    (
        "stale_share_by_age",
        Unit::Share,
        "share of reads at least each age stale (`staleness_age_edges_ms`)",
    ),
    (
        "conflicts_per_s_by_bucket",
        Unit::PerSecond,
        "conflicts a second, per bucket",
    ),
    (
        "lost_updates_per_s_by_bucket",
        Unit::PerSecond,
        "lost updates a second, per bucket",
    ),
];

/// The unit a span of `max_ms` milliseconds reads best in on an axis, and
/// how many milliseconds make one: ms below 2 s, s below 2 min, min below
/// 2 h, h below 2 days, days beyond (a year reads 0 to 365 days, not 0 to
/// 31,536,000 s).
pub fn span_unit(max_ms: f64) -> (&'static str, f64) {
    const SECOND: f64 = 1e3;
    const MINUTE: f64 = 60.0 * SECOND;
    const HOUR: f64 = 60.0 * MINUTE;
    const DAY: f64 = 24.0 * HOUR;
    // Not a number reads as milliseconds.
    let m = if max_ms.is_nan() { 0.0 } else { max_ms.abs() };
    if m < 2.0 * SECOND {
        ("ms", 1.0)
    } else if m < 2.0 * MINUTE {
        ("s", SECOND)
    } else if m < 2.0 * HOUR {
        ("min", MINUTE)
    } else if m < 2.0 * DAY {
        ("h", HOUR)
    } else {
        ("days", DAY)
    }
}

/// What each group of figures is about, by the segment that names it.
const GROUPS: &[(&str, &str)] = &[
    (
        "read_latency",
        "read latency (from the user's request to the answer)",
    ),
    (
        "write_latency",
        "write latency (from the user's request to the acknowledgement)",
    ),
    (
        "lag",
        "replication lag (a write's commit to its apply here)",
    ),
    (
        "apply_wait",
        "a replicated write's wait for an apply thread",
    ),
    ("stale_reads", "reads at this staleness bound"),
    ("requests", "requests"),
    ("recovery", "recovery after a failure"),
    ("writes", "writes at the primary"),
    ("semi_sync", "semi-sync replication"),
    ("failover", "database failover"),
    ("conflicts", "concurrent writes"),
    ("quorum", "quorum reads"),
    ("t_visibility", "probe reads after a write's commit"),
    (
        "pairs",
        "from the first region's writes to the second's reads",
    ),
    ("residency", "data residency"),
    ("cost", "the monthly bill"),
    ("availability", "availability"),
    ("dns", "DNS failover"),
    ("incidents", "an incident"),
    ("failures", "a failure window"),
    ("failovers", "a failover's milestones"),
    ("commit", "the commit path"),
    ("app_tiers", "an app tier"),
    ("network", "a link"),
];

/// Members of keyed families: `{}` is the member's key.
const FAMILIES: &[(&str, &str)] = &[
    (
        "t_visibility",
        "share of probe reads {} after a write's commit that returned it",
    ),
    (
        "t_visibility_probes",
        "probe reads answered {} after a commit",
    ),
    ("stale_share", "share of reads stale at {}, per bucket"),
    ("anomalies_per_s", "{} a second, per bucket"),
];

/// Leaves whose meaning depends on their group.
const IN_GROUP: &[(&str, &str, &str)] = &[
    (
        "t_visibility",
        "share",
        "share of probe reads this long after a write's commit that returned it",
    ),
    ("stale_reads", "count", "reads stale at the bound"),
    ("read_latency", "count", "reads answered"),
    ("write_latency", "count", "writes acknowledged"),
    ("lag", "count", "writes applied at this copy"),
    ("apply_wait", "count", "writes applied at this copy"),
];

/// A one-line meaning of the figure at `path` (indices of a series or a
/// list left out): what its leaf is, of what, and whose.
pub fn describe(path: &str) -> String {
    let segs: Vec<&str> = path
        .split('.')
        .filter(|s| !s.bytes().all(|b| b.is_ascii_digit()) && *s != "N")
        .collect();
    let Some(&leaf) = segs.last() else {
        return String::new();
    };
    let parent = segs.len().checked_sub(2).and_then(|i| segs.get(i)).copied();
    let ancestors = &segs[..segs.len() - 1];
    let what = IN_GROUP
        .iter()
        .find(|(g, n, _)| *n == leaf && ancestors.contains(g))
        .map(|&(.., m)| m.to_string())
        .or_else(|| {
            UNITS
                .iter()
                .find(|(n, ..)| *n == leaf)
                .map(|&(.., m)| m.to_string())
        })
        .or_else(|| {
            // A member of a keyed family: the family says what it is.
            let (_, m) = FAMILIES.iter().find(|(f, _)| Some(*f) == parent)?;
            Some(m.replace("{}", leaf))
        })
        .unwrap_or_default();
    let group = segs[..segs.len() - 1]
        .iter()
        .rev()
        .find_map(|s| GROUPS.iter().find(|(g, _)| g == s))
        .map(|(_, m)| *m)
        .filter(|m| !what.starts_with(m));
    let scope = match segs.as_slice() {
        ["metastability", "app_tiers", r, ..] => format!("app tier of {r}"),
        ["metastability", "commit", d, ..] => format!("commit path of dataset {d}"),
        ["metastability", "clients", c, ..] => format!("users in {c}"),
        ["metastability", ..] => "every app tier, commit path and client region".to_string(),
        ["clients", c, "by_dataset", d, ..] => format!("users in {c}, dataset {d}"),
        ["clients", c, ..] => format!("users in {c}"),
        ["datasets", d, "replicas", r, ..] => format!("dataset {d}, copy in {r}"),
        ["datasets", d, ..] => format!("dataset {d}"),
        ["app_tiers", r, ..] => format!("app tier of {r}"),
        ["network", a, b, ..] => format!("link {a} -> {b}"),
        _ => String::new(),
    };
    let mut out = what;
    if let Some(g) = group {
        out = format!("{out}; {g}");
    }
    if !scope.is_empty() {
        out = format!("{out} ({scope})");
    }
    out
}

/// The unit of any number at `path` (see [`unit_of_number`]) as the long
/// exports and `regionsim figures` write it: `ms`, `s`, `share`, `count`,
/// `per_s`; empty for a number without one.
pub fn unit_word(path: &str) -> &'static str {
    match unit_of_number(path) {
        Some(Unit::Millis) => "ms",
        Some(Unit::Seconds) => "s",
        Some(Unit::Share) => "share",
        Some(Unit::Count) => "count",
        Some(Unit::PerSecond) => "per_s",
        Some(Unit::UsdPerMonth) => "usd_per_month",
        None => "",
    }
}

/// Families of figures keyed by a name the scenario chooses (a staleness
/// bound, an anomaly): their members have the family's unit.
const KEYED: &[(&str, Unit)] = &[
    // `timeline.stale_share.500ms`
    ("stale_share", Unit::Share),
    // `timeline.anomalies_per_s.read_your_writes`
    ("anomalies_per_s", Unit::PerSecond),
];

/// The unit of any number in a run's figures, an element of a series or a
/// list included: its figure's unit (the path without the element's
/// index), or its keyed family's.
pub fn unit_of_number(path: &str) -> Option<Unit> {
    let mut figure = path;
    while let Some((head, last)) = figure.rsplit_once('.') {
        if last.bytes().all(|b| b.is_ascii_digit()) {
            figure = head;
        } else {
            break;
        }
    }
    unit_of(figure).or_else(|| {
        let (family, _) = figure.rsplit_once('.')?;
        let name = family.rsplit('.').next().unwrap_or(family);
        KEYED.iter().find(|(n, _)| *n == name).map(|&(_, u)| u)
    })
}

/// The unit of the figure at `path` (its last segment decides), `None` for
/// a path whose leaf is not a declared figure.
pub fn unit_of(path: &str) -> Option<Unit> {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    UNITS
        .iter()
        .find(|(name, ..)| *name == leaf)
        .map(|&(_, u, _)| u)
}

impl Unit {
    /// `value` (in this unit) as people write it.
    pub fn show(self, value: f64) -> String {
        match self {
            Unit::Millis if value >= 1000.0 => format!("{}s", round(value / 1000.0)),
            Unit::Millis => format!("{}ms", round(value)),
            Unit::Seconds => format!("{}s", round(value)),
            Unit::Share => format!("{}%", round(value * 100.0)),
            Unit::Count => round(value).to_string(),
            Unit::PerSecond => format!("{}/s", round(value)),
            Unit::UsdPerMonth => format!("${} a month", round(value)),
        }
    }

    /// The suffix of an axis of this unit, and the factor to it.
    pub fn axis(self) -> (&'static str, f64) {
        match self {
            Unit::Millis => ("ms", 1.0),
            Unit::Seconds => ("s", 1.0),
            Unit::Share => ("%", 100.0),
            Unit::Count => ("count", 1.0),
            Unit::PerSecond => ("per second", 1.0),
            Unit::UsdPerMonth => ("USD a month", 1.0),
        }
    }
}

/// Four significant digits, for messages.
pub fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// Where the figures of one scope live in a run's figure tree, and so in
/// `summary.json`, SLO and precision paths, tables and charts: each prefix
/// is spelled here once (ending in a dot, before a figure's own path).
/// Whether the series at `figure` (a path without an element index) holds
/// one value per bucket of the measured span, as opposed to a curve over
/// quantile levels or staleness ages.
pub fn per_bucket(figure: &str) -> bool {
    let last = figure.rsplit('.').next().unwrap_or(figure);
    figure.starts_with("timeline.")
        || figure.contains(".timeline.")
        || last == "current_lag_ms"
        || last.ends_with("_by_bucket")
}

pub mod scope {
    /// The figures of the users of client region `c`.
    pub fn client(c: &str) -> String {
        format!("clients.{c}.")
    }

    /// The figures of the users of client region `c` on dataset `d`.
    pub fn client_dataset(c: &str, d: &str) -> String {
        format!("clients.{c}.by_dataset.{d}.")
    }

    /// The figures of dataset `d`.
    pub fn dataset(d: &str) -> String {
        format!("datasets.{d}.")
    }

    /// The figures of dataset `d`'s copy in region `r`.
    pub fn replica(d: &str, r: &str) -> String {
        format!("datasets.{d}.replicas.{r}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_not_a_duration_and_unknown_leaves_have_no_unit() {
        assert_eq!(unit_of("network.a.b.messages_per_s"), Some(Unit::PerSecond));
        assert_eq!(unit_of("read_latency.p99_ms"), Some(Unit::Millis));
        assert_eq!(unit_of("stale_reads.0ms.share"), Some(Unit::Share));
        assert_eq!(unit_of("session_misses_per_day"), None);
        assert_eq!(Unit::PerSecond.show(1234.5), "1235/s");
        assert_eq!(Unit::Millis.show(1500.0), "1.5s");
    }
}

#[cfg(test)]
mod meaning_tests {
    use super::*;

    #[test]
    fn an_axis_switches_unit_with_its_range() {
        assert_eq!(span_unit(0.0), ("ms", 1.0));
        assert_eq!(span_unit(1_999.0), ("ms", 1.0));
        assert_eq!(span_unit(2_000.0), ("s", 1e3));
        assert_eq!(span_unit(119_000.0), ("s", 1e3));
        assert_eq!(span_unit(120_000.0), ("min", 6e4));
        assert_eq!(span_unit(7_199_000.0), ("min", 6e4));
        assert_eq!(span_unit(7_200_000.0), ("h", 3.6e6));
        assert_eq!(span_unit(172_799_000.0), ("h", 3.6e6));
        assert_eq!(span_unit(172_800_000.0), ("days", 8.64e7));
        // A year: 365 days.
        let (u, f) = span_unit(365.0 * 8.64e7);
        assert_eq!((u, 365.0 * 8.64e7 / f), ("days", 365.0));
        assert_eq!(span_unit(f64::NAN), ("ms", 1.0));
    }

    #[test]
    fn a_figure_is_described_by_its_leaf_its_group_and_its_scope() {
        assert_eq!(
            describe("clients.b.read_latency.p99_ms"),
            "99th percentile; read latency (from the user's request to the answer) (users in b)"
        );
        assert_eq!(
            describe("clients.b.stale_reads.500ms.count"),
            "reads stale at the bound; reads at this staleness bound (users in b)"
        );
        assert_eq!(
            describe("clients.b.timeline.stale_share.500ms.7"),
            "share of reads stale at 500ms, per bucket (users in b)"
        );
        assert_eq!(
            describe("datasets.d.replicas.eu.lag.count"),
            "writes applied at this copy; replication lag (a write's commit to its apply here) (dataset d, copy in eu)"
        );
        assert_eq!(
            describe("failovers.N.detection_ms"),
            "time until health checks detected the failure; a failover's milestones"
        );
    }
}
