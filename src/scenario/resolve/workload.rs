//! The workload: client loads, roaming, users, rate profiles, timeouts and retries.

use super::*;

pub(super) fn workload(
    raw: &ScenarioFile,
    names: &[String],
    regions: &[crate::scenario::Region],
    pair: &[Option<Dist>],
    check: &mut Checker,
) -> Vec<ClientLoad> {
    let n = names.len();
    let ds_names: Vec<String> = raw.datasets.iter().map(|d| d.name.clone()).collect();
    if raw.workload.is_empty() {
        check.error_unless_broken(yaml_path!["workload"], "list at least one client region");
    }
    let mut workload = Vec::new();
    let mut seen_regions = Vec::new();
    // The next user's number: regions' populations follow one another.
    let mut next_user: u64 = 0;
    // Each level's factors: (both, reads, writes).
    let factors = |load, read, write, at: &dyn Fn(&str) -> Vec<Seg>, check: &mut Checker| {
        (
            load_factor(load, at("load"), check),
            load_factor(read, at("read_load"), check),
            load_factor(write, at("write_load"), check),
        )
    };
    let global = factors(
        raw.load,
        raw.read_load,
        raw.write_load,
        &|k| yaml_path![k],
        check,
    );
    let by_dataset: Vec<(f64, f64, f64)> = raw
        .datasets
        .iter()
        .enumerate()
        .map(|(d, ds)| {
            factors(
                ds.load,
                ds.read_load,
                ds.write_load,
                &|k| yaml_path!["datasets", d, k],
                check,
            )
        })
        .collect();
    for (i, w) in raw.workload.iter().enumerate() {
        let regional = factors(
            w.load,
            w.read_load,
            w.write_load,
            &|k| yaml_path!["workload", i, k],
            check,
        );
        let Some(region) = check.region(names, &w.region, yaml_path!["workload", i, "region"])
        else {
            continue;
        };
        if seen_regions.contains(&region) {
            check.error(
                yaml_path!["workload", i, "region"],
                format!(
                    "workload for `{}` is given twice; merge the entries",
                    w.region
                ),
            );
        }
        seen_regions.push(region);
        let (timeout, retries, backoff) = patience(w, i, check);
        let (jitter, max_backoff, retry_throttle) = retry_policy(w, i, retries, check);
        let retry_budget = retry_budget(w, i, check);
        let hedge_after = w.hedge.map(|h| h.after);
        if let Some(after) = hedge_after {
            if after == Duration::ZERO || after > MAX_DELAY {
                check.error(
                    yaml_path!["workload", i, "hedge", "after"],
                    format!("hedge after is {after}; give a time above 0 and at most {MAX_DELAY} (the reads' p95 hedges about one in twenty)"),
                );
            }
        }
        if w.rates.is_empty() {
            check.error(
                yaml_path!["workload", i, "rates"],
                "give rates for at least one dataset, e.g. users: {reads_per_s: 100}",
            );
        }
        let start_utc = raw.start_utc.unwrap_or(Duration::ZERO);
        let coords = regions.get(usize::from(region.0)).and_then(|r| r.coords);
        let profile = w
            .profile
            .as_ref()
            .and_then(|p| rate_profile(p, i, coords, start_utc, raw.duration, check));
        let peak = profile.as_ref().map_or(1.0, Profile::max);
        let users = match w.users {
            None => None,
            Some(0) => {
                check.error(
                    yaml_path!["workload", i, "users"],
                    "users must be at least 1 (leave it out to not model users)",
                );
                None
            }
            Some(count) if next_user + count > MAX_USERS => {
                check.error(
                    yaml_path!["workload", i, "users"],
                    format!(
                        "{} users over the client regions so far; the limit is {MAX_USERS} (each costs memory in every run)",
                        next_user + count
                    ),
                );
                None
            }
            Some(count) => {
                let pool = UserPool {
                    first: next_user as u32,
                    count: count as u32,
                };
                next_user += count;
                Some(pool)
            }
        };
        let roaming = w
            .roaming
            .as_ref()
            .and_then(|r| roaming(r, i, region, names, w.users.is_some(), check));
        for (ds, rates) in &w.rates {
            let at = |k: &str| yaml_path!["workload", i, "rates", ds, k];
            let Some(d) = check.dataset(&ds_names, ds, yaml_path!["workload", i, "rates", ds])
            else {
                continue;
            };
            // The rates as simulated: every load factor that applies.
            let f = by_dataset[d];
            let both = global.0 * regional.0 * f.0;
            let (read_factor, write_factor) = (
                both * global.1 * regional.1 * f.1,
                both * global.2 * regional.2 * f.2,
            );
            let (reads_per_s, writes_per_s) = (
                rates.reads_per_s.map(|x| x * read_factor),
                rates.writes_per_s.map(|x| x * write_factor),
            );
            // Checked at the profile's peak: the highest rate simulated.
            for (key, rate, factor) in [
                ("reads_per_s", reads_per_s, read_factor),
                ("writes_per_s", writes_per_s, write_factor),
            ] {
                let scaled_note = if factor * peak == 1.0 {
                    String::new()
                } else {
                    format!(
                        " (after load factors of {} in all, the profile's peak included)",
                        factor * peak
                    )
                };
                match rate.map(|x| x * peak) {
                    Some(x) if !(x.is_finite() && x > 0.0) => check.error(
                        at(key),
                        format!("{key} must be a positive number of requests per second, got {x} (leave it out for none)"),
                    ),
                    Some(x) if x < MIN_RATE_PER_S => check.error(
                        at(key),
                        format!("{key} is {x:e}{scaled_note}; the least is {MIN_RATE_PER_S:e} requests per second (one in 11.6 days; leave it out for none)"),
                    ),
                    Some(x) if x > MAX_RATE_PER_S => check.error(
                        at(key),
                        format!("{key} is {x:e}{scaled_note}; the limit is {MAX_RATE_PER_S:e} requests per second per region and dataset (at 10^8 per second one simulated second already takes about 20 s)"),
                    ),
                    _ => {}
                }
            }
            if rates.reads_per_s.is_none() && rates.writes_per_s.is_none() {
                check.error(
                    yaml_path!["workload", i, "rates", ds.as_str()],
                    "give reads_per_s, writes_per_s or both",
                );
            }
            let access_delay = w.access_delay.clone().unwrap_or_else(|| {
                pair[usize::from(region.0) * (n + 1)]
                    .clone()
                    .unwrap_or_else(presets::intra_region_delay)
            });
            workload.push(ClientLoad {
                region,
                dataset: DatasetId(d as u16),
                access_delay,
                reads_per_s: reads_per_s.unwrap_or(0.0),
                writes_per_s: writes_per_s.unwrap_or(0.0),
                timeout,
                retries,
                backoff,
                jitter,
                max_backoff,
                deadline: w.deadline,
                retry_throttle,
                retry_budget,
                hedge_after,
                profile: profile.clone(),
                users,
                roaming: roaming.clone(),
            });
        }
    }
    workload
}

/// Workload entry `i`'s roaming, checked: a share from 0 to 1, known
/// regions other than its own, a delay within the limits, and users.
pub(super) fn roaming(
    r: &crate::scenario::file::RoamingFile,
    i: usize,
    region: RegionId,
    names: &[String],
    has_users: bool,
    check: &mut Checker,
) -> Option<Roaming> {
    let at = |k: &str| yaml_path!["workload", i, "roaming", k];
    let mut ok = true;
    if !has_users {
        check.error(
            yaml_path!["workload", i, "roaming"],
            "roaming moves users between regions: give the region's `users` too",
        );
        ok = false;
    }
    if !(r.share.is_finite() && (0.0..=1.0).contains(&r.share)) {
        check.error(
            at("share"),
            format!(
                "share is the part of each user's requests sent from elsewhere, 0 to 1, got {}",
                r.share
            ),
        );
        ok = false;
    }
    let listed: Vec<(usize, &str)> = match &r.to {
        serde_yaml::Value::String(s) => vec![(0, s.as_str())],
        serde_yaml::Value::Sequence(items) if !items.is_empty() => {
            let mut v = Vec::new();
            for (k, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => v.push((k, s)),
                    None => {
                        check.error(
                            yaml_path!["workload", i, "roaming", "to", k],
                            "a region name",
                        );
                        ok = false;
                    }
                }
            }
            v
        }
        _ => {
            check.error(
                at("to"),
                "give the region the users roam to, or a list of them",
            );
            return None;
        }
    };
    let mut to = Vec::new();
    for (k, name) in listed {
        let place = if matches!(r.to, serde_yaml::Value::String(_)) {
            at("to")
        } else {
            yaml_path!["workload", i, "roaming", "to", k]
        };
        let Some(t) = check.region(names, name, place.clone()) else {
            ok = false;
            continue;
        };
        if t == region || to.contains(&t) {
            check.error(
                place,
                format!("`{name}` is the users' own region or listed twice"),
            );
            ok = false;
        }
        to.push(t);
    }
    let delay = r.delay.unwrap_or(Duration::ZERO);
    if delay > MAX_DELAY {
        check.error(
            at("delay"),
            format!("delay is {delay}; the limit is {MAX_DELAY}"),
        );
        ok = false;
    }
    ok.then_some(Roaming {
        share: r.share,
        to,
        delay,
    })
}

/// Datasets with per-user keys need users in every region that uses them,
/// and a key per user; a session store needs users.
pub(super) fn users_fit(
    raw: &ScenarioFile,
    datasets: &[Dataset],
    workload: &[ClientLoad],
    check: &mut Checker,
) -> u32 {
    let total: u32 = {
        let mut pools: Vec<UserPool> = workload.iter().filter_map(|w| w.users).collect();
        pools.dedup();
        pools.iter().map(|p| p.count).sum()
    };
    for (d, ds) in datasets.iter().enumerate() {
        if !matches!(ds.popularity, Popularity::PerUser) {
            continue;
        }
        let at = yaml_path!["datasets", d, "popularity"];
        if let Some(w) = workload
            .iter()
            .find(|w| usize::from(w.dataset.0) == d && w.users.is_none())
        {
            let region = &raw.regions[usize::from(w.region.0)].name;
            check.error(
                at,
                format!("per-user keys need users: give `users` to the workload of `{region}`, which uses `{}`", ds.name),
            );
        } else if ds.keys < total {
            check.error(
                at,
                format!(
                    "per-user keys need a key per user: `{}` has {} keys for {total} users",
                    ds.name, ds.keys
                ),
            );
        }
    }
    for (d, ds) in datasets.iter().enumerate() {
        if ds.strategy().read_your_writes().is_none() {
            continue;
        }
        if let Some(w) = workload
            .iter()
            .find(|w| usize::from(w.dataset.0) == d && w.users.is_none())
        {
            let region = &raw.regions[usize::from(w.region.0)].name;
            let field = match ds.strategy().read_your_writes() {
                Some(crate::scenario::RywMitigation::Session) => "read_consistency",
                _ => "read_your_writes",
            };
            check.error(
                yaml_path!["datasets", d, "placement", "single-primary", field],
                format!("read-your-writes is per user: give `users` to the workload of `{region}`, which uses `{}`", ds.name),
            );
        }
    }
    if raw.sessions.is_some() && total == 0 {
        check.error(
            yaml_path!["sessions"],
            "sessions are per user: give the workload's regions `users`",
        );
    }
    total
}

/// The rate profile of workload entry `i`, checked: exactly one kind,
/// factors from 0 to [`MAX_LOAD`] with a positive peak, times in order;
/// a diurnal profile needs the region's longitude or `utc_offset_hours`.
pub(super) fn rate_profile(
    p: &crate::scenario::file::ProfileFile,
    i: usize,
    coords: Option<(f64, f64)>,
    start_utc: Duration,
    span: Duration,
    check: &mut Checker,
) -> Option<Profile> {
    let at = |k: &str| yaml_path!["workload", i, "profile", k];
    let kinds: Vec<&str> = [
        ("diurnal", p.diurnal.is_some()),
        ("step", p.step.is_some()),
        ("burst", p.burst.is_some()),
        ("table", p.table.is_some()),
    ]
    .iter()
    .filter(|(_, g)| *g)
    .map(|(k, _)| *k)
    .collect();
    if kinds.len() != 1 {
        check.error(
            yaml_path!["workload", i, "profile"],
            format!(
                "a profile is exactly one of diurnal, step, burst or table; this one gives {}",
                if kinds.is_empty() {
                    "none".to_string()
                } else {
                    kinds.join(" and ")
                }
            ),
        );
        return None;
    }
    let mut ok = true;
    let mut factor = |x: f64, path: Vec<Seg>, check: &mut Checker| {
        if !(x.is_finite() && (0.0..=MAX_LOAD).contains(&x)) {
            check.error(
                path,
                format!("a profile factor multiplies the region's rates: give a number from 0 to {MAX_LOAD}, got {}", number(x)),
            );
            ok = false;
        }
    };
    let profile = if let Some(d) = &p.diurnal {
        let path = |k: &str| yaml_path!["workload", i, "profile", "diurnal", k];
        factor(d.peak, path("peak"), check);
        factor(d.trough, path("trough"), check);
        if d.peak <= 0.0 || d.trough > d.peak {
            check.error(
                path("trough"),
                format!(
                    "the trough ({}) must be at most the peak ({}), and the peak above 0",
                    d.trough, d.peak
                ),
            );
            ok = false;
        }
        if !(0.0..24.0).contains(&d.peak_hour) {
            check.error(
                path("peak_hour"),
                format!(
                    "peak_hour is a local hour from 0 to 24 (e.g. 20.5 for 20:30), got {}",
                    number(d.peak_hour)
                ),
            );
            ok = false;
        }
        let offset = match (d.utc_offset_hours, coords) {
            (Some(o), _) if (-12.0..=14.0).contains(&o) => o,
            (Some(o), _) => {
                check.error(
                    path("utc_offset_hours"),
                    format!("utc_offset_hours is from -12 to 14, got {}", number(o)),
                );
                ok = false;
                0.0
            }
            (None, Some((_, lon))) => (lon / 15.0).round(),
            (None, None) => {
                check.error(
                    yaml_path!["workload", i, "profile", "diurnal"],
                    "the region has no coordinates to tell its local time: give utc_offset_hours, or lat and lon for the region",
                );
                ok = false;
                0.0
            }
        };
        Profile::Diurnal {
            trough: d.trough,
            peak: d.peak,
            peak_hour: d.peak_hour,
            hour_at_start: (start_utc.as_secs_f64() / 3600.0 + offset).rem_euclid(24.0),
        }
    } else if let Some(s) = &p.step {
        factor(
            s.factor,
            yaml_path!["workload", i, "profile", "step", "factor"],
            check,
        );
        if s.at >= span {
            check.error(
                yaml_path!["workload", i, "profile", "step", "at"],
                format!("the step comes at {}, at or after the end of the measured span ({span}): it would change nothing", s.at),
            );
            ok = false;
        }
        Profile::Table(vec![(s.at, s.factor)])
    } else if let Some(b) = &p.burst {
        factor(
            b.factor,
            yaml_path!["workload", i, "profile", "burst", "factor"],
            check,
        );
        if b.at >= span {
            check.error(
                yaml_path!["workload", i, "profile", "burst", "at"],
                format!("the burst starts at {}, at or after the end of the measured span ({span}): it would change nothing", b.at),
            );
            ok = false;
        }
        if b.duration == Duration::ZERO {
            check.error(
                yaml_path!["workload", i, "profile", "burst", "duration"],
                "a burst's duration must be above 0, e.g. 5m",
            );
            ok = false;
        }
        Profile::Table(vec![(b.at, b.factor), (b.at + b.duration, 1.0)])
    } else {
        let points = p.table.clone().unwrap_or_default();
        if points.is_empty() || points.len() > MAX_PROFILE_POINTS {
            check.error(
                at("table"),
                format!(
                    "a table gives 1 to {MAX_PROFILE_POINTS} [time, factor] pairs, got {}",
                    points.len()
                ),
            );
            return None;
        }
        for (k, (_, f)) in points.iter().enumerate() {
            factor(
                *f,
                yaml_path!["workload", i, "profile", "table", k, 1],
                check,
            );
        }
        if points.windows(2).any(|w| w[1].0 <= w[0].0) {
            check.error(
                at("table"),
                "a table's times must increase from one pair to the next",
            );
            ok = false;
        }
        Profile::Table(points)
    };
    if ok && profile.max() <= 0.0 {
        check.error(
            yaml_path!["workload", i, "profile"],
            "the profile's factors are all 0: leave the rates out for no load",
        );
        ok = false;
    } else if ok && profile.max_within(span) <= 0.0 {
        check.error(
            yaml_path!["workload", i, "profile"],
            format!("the profile is 0 for the whole measured span ({span}): the region would send nothing (leave its rates out for no load)"),
        );
        ok = false;
    }
    ok.then_some(profile)
}

/// Most pairs of a profile table.
pub(super) const MAX_PROFILE_POINTS: usize = 10_000;

/// Largest load factor: a thousand times the written rates.
pub(super) const MAX_LOAD: f64 = 1000.0;

/// A `load` factor at `path` (1 when left out): above 0, at most
/// [`MAX_LOAD`].
pub(super) fn load_factor(x: Option<f64>, path: Vec<Seg>, check: &mut Checker) -> f64 {
    match x {
        None => 1.0,
        Some(x) if x.is_finite() && x > 0.0 && x <= MAX_LOAD => x,
        Some(x) => {
            check.error(
                path,
                format!("load multiplies request rates: give a number above 0 and at most {MAX_LOAD}, got {} (leave a rate out for none)", number(x)),
            );
            1.0
        }
    }
}

/// Jitter, the backoff's cap and the retry throttle of workload entry
/// `i`: each goes with retries, the throttle's numbers within gRPC's
/// limits (max_tokens 1 to 1000, token_ratio above 0 and at most 1).
fn retry_policy(
    w: &WorkloadFile,
    i: usize,
    retries: u32,
    check: &mut Checker,
) -> (
    crate::scenario::Jitter,
    Option<Duration>,
    Option<(f64, f64)>,
) {
    let at = |k: &str| yaml_path!["workload", i, k];
    let given = [
        ("jitter", w.jitter.is_some()),
        ("max_backoff", w.max_backoff.is_some()),
        ("deadline", w.deadline.is_some()),
        ("retry_throttle", w.retry_throttle.is_some()),
        ("retry_budget", w.retry_budget.is_some()),
    ];
    for (k, g) in given {
        if g && retries == 0 {
            check.error(
                at(k),
                format!("`{k}` shapes retries, and this entry makes none: add `retries` (and a `timeout`), or leave `{k}` out"),
            );
        }
    }
    if let Some(m) = w.max_backoff {
        let backoff = w.backoff.unwrap_or(DEFAULT_BACKOFF);
        if m == Duration::ZERO || m > MAX_DELAY || m < backoff {
            check.error(
                at("max_backoff"),
                format!("max_backoff is {m}; give at least the backoff ({backoff}) and at most {MAX_DELAY}"),
            );
        }
    }
    if let Some(d) = w.deadline {
        if d == Duration::ZERO || d > MAX_DELAY {
            check.error(
                at("deadline"),
                format!("deadline is {d}; give a time above 0 and at most {MAX_DELAY}"),
            );
        }
    }
    let throttle = w.retry_throttle.and_then(|t| {
        let mut ok = true;
        if !(t.max_tokens.is_finite() && (1.0..=1000.0).contains(&t.max_tokens)) {
            check.error(
                yaml_path!["workload", i, "retry_throttle", "max_tokens"],
                format!(
                    "max_tokens is {}; give 1 to 1000 (gRPC's limits)",
                    t.max_tokens
                ),
            );
            ok = false;
        }
        if !(t.token_ratio.is_finite() && t.token_ratio > 0.0 && t.token_ratio <= 1.0) {
            check.error(
                yaml_path!["workload", i, "retry_throttle", "token_ratio"],
                format!(
                    "token_ratio is {}; give a number above 0 and at most 1",
                    t.token_ratio
                ),
            );
            ok = false;
        }
        ok.then_some((t.max_tokens, t.token_ratio))
    });
    (w.jitter.unwrap_or_default(), w.max_backoff, throttle)
}

/// Hedged reads need reads, and reads that are not coordinated under
/// their request's name (a second attempt would take over the first's
/// quorum or read index).
pub(super) fn hedges(
    raw: &ScenarioFile,
    names: &[String],
    datasets: &[crate::scenario::Dataset],
    workload: &[ClientLoad],
    check: &mut Checker,
) {
    for (i, w) in raw.workload.iter().enumerate() {
        if w.hedge.is_none() {
            continue;
        }
        let at = yaml_path!["workload", i, "hedge"];
        let mine = workload
            .iter()
            .filter(|l| names.get(usize::from(l.region.0)) == Some(&w.region));
        let mut reads = false;
        for l in mine {
            if l.reads_per_s <= 0.0 {
                continue;
            }
            reads = true;
            let Some(d) = datasets.get(usize::from(l.dataset.0)) else {
                continue;
            };
            if d.strategy().reads_coordinated() {
                check.error(
                    at.clone(),
                    format!("dataset `{}` coordinates each read (a quorum, a read index or an as-of read), one attempt at a time: its reads cannot be hedged", d.name),
                );
            }
        }
        if !reads {
            check.error(
                at,
                "hedging sends reads a second time, and this entry sends none (writes are not hedged: a second write is not idempotent)",
            );
        }
    }
}

/// Finagle's defaults (`RetryBudget()`): 20 % of requests, 10 a second,
/// over 10 s.
const DEFAULT_BUDGET: (f64, f64, u32) = (0.2, 10.0, 10);

/// The retry budget of workload entry `i`, within Finagle's limits (share
/// above 0 and at most 1000 %, ttl 1 to 60 s) and whole seconds.
fn retry_budget(w: &WorkloadFile, i: usize, check: &mut Checker) -> Option<(f64, f64, u32)> {
    let b = w.retry_budget.as_ref()?;
    let at = |k: &str| yaml_path!["workload", i, "retry_budget", k];
    let (mut share, mut min, mut ttl) = DEFAULT_BUDGET;
    match b.share.as_ref().map(slo::percent) {
        None => {}
        Some(Ok(x)) if x > 0.0 && x <= 10.0 => share = x,
        Some(Ok(x)) => check.error(
            at("share"),
            format!(
                "retry_budget share is {}; give a share above 0% and at most 1000%, e.g. 20%",
                x * 100.0
            ),
        ),
        Some(Err(e)) => check.error(at("share"), format!("retry_budget share: {e}")),
    }
    if let Some(m) = b.min_per_s {
        if m.is_finite() && (0.0..=1e6).contains(&m) {
            min = m;
        } else {
            check.error(
                at("min_per_s"),
                format!("retry_budget min_per_s is {m}; give 0 to 1000000 retries a second"),
            );
        }
    }
    if let Some(t) = b.ttl {
        let whole = t.as_nanos() % 1_000_000_000 == 0;
        if whole && (1..=60).contains(&(t.as_nanos() / 1_000_000_000)) {
            ttl = (t.as_nanos() / 1_000_000_000) as u32;
        } else {
            check.error(
                at("ttl"),
                format!(
                    "retry_budget ttl is {t}; give whole seconds from 1s to 60s (Finagle's limits)"
                ),
            );
        }
    }
    Some((share, min, ttl))
}

/// Wait before a first retry when a workload entry does not say.
pub(super) const DEFAULT_BACKOFF: Duration = Duration::from_millis(100);

/// Timeout, retries and backoff of workload entry `i`.
pub(super) fn patience(
    w: &WorkloadFile,
    i: usize,
    check: &mut Checker,
) -> (Option<Duration>, u32, Duration) {
    let at = |k: &str| yaml_path!["workload", i, k];
    if let Some(t) = w.timeout {
        if t == Duration::ZERO || t > MAX_DELAY {
            check.error(
                at("timeout"),
                format!("timeout is {t}; give a wait above 0 and at most {MAX_DELAY}, or leave it out to wait for ever"),
            );
        }
    }
    let retries = w.retries.unwrap_or(0);
    if retries > MAX_RETRIES {
        check.error(
            at("retries"),
            format!("retries is {retries}; the limit is {MAX_RETRIES} (with the wait doubling each time, more is a retry storm, not a policy)"),
        );
    } else if retries > 0 && w.timeout.is_none() {
        check.error(
            at("retries"),
            "retries need a timeout: without one an attempt is never given up; add e.g. timeout: 2s",
        );
    }
    let backoff = w.backoff.unwrap_or(DEFAULT_BACKOFF);
    if backoff > MAX_DELAY {
        check.error(
            at("backoff"),
            format!("backoff is {backoff}; the limit is {MAX_DELAY}"),
        );
    }
    (w.timeout, retries.min(MAX_RETRIES), backoff.min(MAX_DELAY))
}
