//! Regions, their clocks, and the network between them.

use super::*;

pub(super) fn regions(raw: &ScenarioFile, check: &mut Checker) -> Vec<Region> {
    if raw.regions.is_empty() {
        check.error_unless_broken(yaml_path!["regions"], "list at least one region");
    }
    if raw.regions.len() > MAX_REGIONS {
        check.error(
            yaml_path!["regions"],
            format!("{} regions; the limit is {MAX_REGIONS}", raw.regions.len()),
        );
        return Vec::new();
    }
    let names: Vec<String> = raw.regions.iter().map(|r| r.name.clone()).collect();
    let preset = raw.network.preset.clone();
    if let Some(p) = &preset {
        if !presets::PRESETS.contains(&p.as_str()) {
            check.error(
                yaml_path!["network", "preset"],
                format!(
                    "unknown network preset `{p}`; presets: {}",
                    presets::PRESETS.join(", ")
                ),
            );
        }
    }
    let mut regions = Vec::new();
    for (i, r) in raw.regions.iter().enumerate() {
        if names[..i].contains(&r.name) {
            check.error(
                yaml_path!["regions", i, "name"],
                format!("region `{}` is listed twice", r.name),
            );
        }
        if let Some(problem) = name_problem(&r.name, false) {
            check.error(
                yaml_path!["regions", i, "name"],
                format!("region name: {problem}"),
            );
        }
        if r.jurisdiction.is_empty()
            || r.jurisdiction.chars().count() > MAX_NAME_CHARS
            || r.jurisdiction.chars().any(char::is_control)
        {
            check.error(
                yaml_path!["regions", i, "jurisdiction"],
                format!("a jurisdiction is a short code like EU or US (1 to {MAX_NAME_CHARS} characters, no control characters)"),
            );
        }
        let coords = match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    check.error(
                        yaml_path!["regions", i, "lat"],
                        format!("latitude {lat} is outside -90..90"),
                    );
                }
                if !(-180.0..=180.0).contains(&lon) {
                    check.error(
                        yaml_path!["regions", i, "lon"],
                        format!("longitude {lon} is outside -180..180"),
                    );
                }
                Some((lat, lon))
            }
            (None, None) => preset
                .as_deref()
                .and_then(|p| presets::preset_coords(p, &r.name)),
            _ => {
                check.error(
                    yaml_path!["regions", i],
                    "give both lat and lon, or neither",
                );
                None
            }
        };
        let app = r.app.as_ref().and_then(|a| {
            capacity(
                a.servers,
                a.concurrency,
                &a.service_time,
                a.queue_limit,
                a.shed,
                yaml_path!["regions", i, "app"],
                check,
            )
        });
        regions.push(Region {
            name: r.name.clone(),
            jurisdiction: r.jurisdiction.clone(),
            coords,
            app,
            clock: clock(r.clock.as_ref(), i, check),
            uncertainty: r.clock.as_ref().and_then(|c| c.uncertainty.clone()),
        });
    }
    regions
}

/// One-way delay of every ordered pair, row-major; `None` where nothing
/// gives one (already reported).
pub(super) fn network(
    raw: &ScenarioFile,
    regions: &[Region],
    check: &mut Checker,
) -> (Vec<Option<Dist>>, Vec<Option<f64>>) {
    let names: Vec<String> = regions.iter().map(|r| r.name.clone()).collect();
    let preset = raw.network.preset.clone();
    // Explicit links first, then the preset, then distance.
    let n = regions.len();
    let mut pair: Vec<Option<Dist>> = vec![None; n * n];
    let mut bandwidth: Vec<Option<f64>> = vec![None; n * n];
    let mut defined_at: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (i, link) in raw.network.links.iter().enumerate() {
        let ends: Option<(String, String, bool)> = match (&link.between, &link.from, &link.to) {
            (Some(b), None, None) if b.len() == 2 => Some((b[0].clone(), b[1].clone(), true)),
            (Some(_), None, None) => {
                check.error(
                    yaml_path!["network", "links", i, "between"],
                    "between takes exactly two regions, e.g. [us-east-1, eu-west-1]",
                );
                None
            }
            (None, Some(f), Some(t)) => Some((f.clone(), t.clone(), false)),
            _ => {
                check.error(
                    yaml_path!["network", "links", i],
                    "a link names either `between: [a, b]` (both directions) or `from` and `to` (one direction)",
                );
                None
            }
        };
        let Some((a, b, both)) = ends else { continue };
        if link.delay.is_none() && link.bandwidth.is_none() {
            check.error(
                yaml_path!["network", "links", i],
                "a link gives a `delay`, a `bandwidth` or both",
            );
            continue;
        }
        let key = if both { "between" } else { "from" };
        let ra = check.region(&names, &a, yaml_path!["network", "links", i, key]);
        let key_b = if both { "between" } else { "to" };
        let rb = check.region(&names, &b, yaml_path!["network", "links", i, key_b]);
        let (Some(ra), Some(rb)) = (ra, rb) else {
            continue;
        };
        let (ia, ib) = (usize::from(ra.0), usize::from(rb.0));
        if ia == ib {
            check.error(
                yaml_path!["network", "links", i],
                format!("a link joins two different regions; set `intra_delay` on region `{a}` for delay inside it"),
            );
            continue;
        }
        let directions: &[(usize, usize)] = if both {
            &[(ia, ib), (ib, ia)]
        } else {
            &[(ia, ib)]
        };
        for &(x, y) in directions {
            // A one-way override may refine a `between`; two of a kind clash.
            if let Some(&j) = defined_at.get(&(x, y)) {
                let earlier_between = raw.network.links[j].between.is_some();
                if earlier_between == both {
                    check.error(
                        yaml_path!["network", "links", i],
                        format!(
                            "the delay from {} to {} is already given by link {}",
                            names[x],
                            names[y],
                            j + 1
                        ),
                    );
                    continue;
                }
                if !both {
                    if link.delay.is_some() {
                        pair[x * n + y] = link.delay.clone();
                    }
                    if let Some(b) = link.bandwidth {
                        bandwidth[x * n + y] = Some(b.0);
                    }
                    defined_at.insert((x, y), i);
                }
                continue;
            }
            pair[x * n + y] = link.delay.clone();
            bandwidth[x * n + y] = link.bandwidth.map(|b| b.0);
            defined_at.insert((x, y), i);
        }
    }
    let default_intra = raw
        .network
        .intra_region
        .clone()
        .unwrap_or_else(presets::intra_region_delay);
    let mut missing = Vec::new();
    for x in 0..n {
        for y in 0..n {
            let slot = &mut pair[x * n + y];
            if slot.is_some() {
                continue;
            }
            if x == y {
                *slot = Some(
                    raw.regions[x]
                        .intra_delay
                        .clone()
                        .unwrap_or_else(|| default_intra.clone()),
                );
                continue;
            }
            let from_preset = preset
                .as_deref()
                .and_then(|p| presets::preset_median(p, &names[x], &names[y]));
            let median = from_preset.or_else(|| {
                Some(presets::distance_median(
                    regions[x].coords?,
                    regions[y].coords?,
                ))
            });
            match median {
                Some(m) => *slot = Some(presets::wan_delay(m)),
                None if x < y => missing.push(format!("{}-{}", names[x], names[y])),
                None => {}
            }
        }
    }
    if !missing.is_empty() && check.diagnostics.is_empty() {
        check.error(
            yaml_path!["network"],
            format!(
                "no delay for {}: add a link (`between: [a, b]`), use a preset that knows both regions ({}), or give both regions lat and lon",
                missing.join(", "),
                presets::PRESETS.join(", ")
            ),
        );
    }
    (pair, bandwidth)
}

/// Most a region's clock may be off: one hour (a typo guard).
pub(super) const MAX_CLOCK_OFFSET_MS: f64 = 3_600_000.0;
/// Most drift: 1 % (a free-running quartz is under 100 ppm).
pub(super) const MAX_DRIFT_PPM: f64 = 10_000.0;

/// A region's clock as (offset in ns, drift as a fraction).
pub(super) fn clock(
    c: Option<&crate::scenario::file::ClockFile>,
    i: usize,
    check: &mut Checker,
) -> (f64, f64) {
    let Some(c) = c else { return (0.0, 0.0) };
    let offset = c.offset_ms.unwrap_or(0.0);
    let drift = c.drift_ppm.unwrap_or(0.0);
    if !(offset.is_finite() && offset.abs() <= MAX_CLOCK_OFFSET_MS) {
        check.error(
            yaml_path!["regions", i, "clock", "offset_ms"],
            format!("clock offset_ms is {offset}; give -3600000 to 3600000 (one hour)"),
        );
    }
    if !(drift.is_finite() && drift.abs() <= MAX_DRIFT_PPM) {
        check.error(
            yaml_path!["regions", i, "clock", "drift_ppm"],
            format!("clock drift_ppm is {drift}; give -10000 to 10000"),
        );
    }
    (offset * 1e6, drift * 1e-6)
}
