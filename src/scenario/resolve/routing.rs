//! DNS routing and health checks.

use super::*;

/// The shortest health-check interval and DNS TTL: each is a period of
/// events in every run.
pub(super) const MIN_PERIOD: Duration = Duration::from_secs(1);

/// Resolver groups per client region when a scenario does not say.
pub(super) const DEFAULT_GROUPS: u32 = 20;
/// Most resolver groups per client region.
pub(super) const MAX_GROUPS: u32 = 1_000;
/// Default DNS TTL: 60 s, the most Route 53 advises on health-checked
/// records (FACTS.md).
pub(super) const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// DNS routing, checked.
pub(super) fn routing(
    raw: &ScenarioFile,
    names: &[String],
    workload: &[ClientLoad],
    check: &mut Checker,
) -> Option<Routing> {
    let r = raw.routing.as_ref()?;
    let at = |k: &str| yaml_path!["routing", k];
    let listed = |check: &mut Checker, list: &[String], key: &str| -> Vec<RegionId> {
        let mut out = Vec::new();
        for (j, name) in list.iter().enumerate() {
            let p = yaml_path!["routing", key, j];
            if let Some(id) = check.region(names, name, p.clone()) {
                if out.contains(&id) {
                    check.error(p, format!("`{name}` is listed twice"));
                }
                out.push(id);
            }
        }
        out
    };
    let policy_key = |p: RoutingPolicyFile| match p {
        RoutingPolicyFile::Latency => "latency",
        RoutingPolicyFile::Geo => "geo",
        RoutingPolicyFile::Failover => "failover",
        RoutingPolicyFile::Weighted => "weighted",
        RoutingPolicyFile::Random => "random",
        RoutingPolicyFile::Proximity => "proximity",
        RoutingPolicyFile::Dynamic => "dynamic",
    };
    let only = |check: &mut Checker, key: &str, given: bool, policy: RoutingPolicyFile| {
        if given {
            check.error(
                at(key),
                format!(
                    "`{key}` belongs to another policy than `{}`",
                    policy_key(policy)
                ),
            );
        }
    };
    let (policy, default_endpoints) = match r.policy {
        RoutingPolicyFile::Latency
        | RoutingPolicyFile::Geo
        | RoutingPolicyFile::Proximity
        | RoutingPolicyFile::Dynamic
        | RoutingPolicyFile::Random => {
            only(check, "primary", r.primary.is_some(), r.policy);
            only(check, "secondary", r.secondary.is_some(), r.policy);
            only(check, "weights", !r.weights.is_empty(), r.policy);
            if r.policy != RoutingPolicyFile::Geo {
                only(check, "geo", !r.geo.is_empty(), r.policy);
            }
            let mut users: Vec<RegionId> = workload.iter().map(|w| w.region).collect();
            users.sort();
            users.dedup();
            let policy = if r.policy == RoutingPolicyFile::Geo {
                if r.geo.is_empty() {
                    check.error(
                        at("policy"),
                        "the geo policy needs a `geo:` map of client region to endpoint region",
                    );
                }
                let mut map = vec![None; names.len()];
                for (client, endpoint) in &r.geo {
                    let c =
                        check.region(names, client, yaml_path!["routing", "geo", client.as_str()]);
                    let e = check.region(
                        names,
                        endpoint,
                        yaml_path!["routing", "geo", client.as_str()],
                    );
                    if let (Some(c), Some(e)) = (c, e) {
                        map[usize::from(c.0)] = Some(e);
                    }
                }
                RoutingPolicy::Geo(map)
            } else if r.policy == RoutingPolicyFile::Dynamic {
                RoutingPolicy::Dynamic
            } else if r.policy == RoutingPolicyFile::Random {
                // Equal weights over the endpoints, set below once they
                // are known.
                RoutingPolicy::Weighted(Vec::new())
            } else {
                RoutingPolicy::Latency
            };
            (policy, users)
        }
        RoutingPolicyFile::Failover => {
            only(check, "weights", !r.weights.is_empty(), r.policy);
            only(check, "geo", !r.geo.is_empty(), r.policy);
            let p = r
                .primary
                .as_deref()
                .and_then(|n| check.region(names, n, at("primary")));
            let s2 = r
                .secondary
                .as_deref()
                .and_then(|n| check.region(names, n, at("secondary")));
            if r.primary.is_none() || r.secondary.is_none() {
                check.error(
                    at("policy"),
                    "the failover policy needs `primary` and `secondary` endpoint regions",
                );
                return None;
            }
            let (Some(p), Some(s2)) = (p, s2) else {
                return None;
            };
            if p == s2 {
                check.error(at("secondary"), "secondary must differ from primary");
            }
            (
                RoutingPolicy::Failover {
                    primary: p,
                    secondary: s2,
                },
                vec![p, s2],
            )
        }
        RoutingPolicyFile::Weighted => {
            only(check, "primary", r.primary.is_some(), r.policy);
            only(check, "secondary", r.secondary.is_some(), r.policy);
            only(check, "geo", !r.geo.is_empty(), r.policy);
            if r.weights.is_empty() {
                check.error(
                    at("policy"),
                    "the weighted policy needs `weights:`, endpoint region to weight",
                );
                return None;
            }
            let mut endpoints = Vec::new();
            let mut weights = Vec::new();
            for (name, &w) in &r.weights {
                let p = yaml_path!["routing", "weights", name.as_str()];
                if !(w.is_finite() && (0.0..=1e9).contains(&w)) {
                    check.error(
                        p.clone(),
                        format!("a weight is a number from 0 to 10^9, got {w}"),
                    );
                }
                if let Some(id) = check.region(names, name, p) {
                    endpoints.push(id);
                    weights.push(if w.is_finite() {
                        w.clamp(0.0, 1e9)
                    } else {
                        0.0
                    });
                }
            }
            if weights.iter().all(|&w| w == 0.0) && !weights.is_empty() {
                check.error(at("weights"), "every weight is 0: DNS would never answer; give at least one endpoint a weight above 0");
            }
            (RoutingPolicy::Weighted(weights), endpoints)
        }
    };
    let endpoints = match &r.endpoints {
        None => default_endpoints,
        Some(list) => {
            if matches!(
                r.policy,
                RoutingPolicyFile::Failover | RoutingPolicyFile::Weighted
            ) {
                check.error(at("endpoints"), "the endpoints of a failover policy are its primary and secondary, of a weighted one its weights' regions: leave endpoints out");
            }
            if list.is_empty() {
                check.error(at("endpoints"), "list at least one endpoint region");
            }
            listed(check, list, "endpoints")
        }
    };
    // Random steering: one weight per endpoint, all equal.
    let policy = match policy {
        RoutingPolicy::Weighted(w) if w.is_empty() => {
            RoutingPolicy::Weighted(vec![1.0; endpoints.len()])
        }
        p => p,
    };
    if let RoutingPolicy::Geo(map) = &policy {
        for (client, e) in map.iter().enumerate() {
            if let Some(e) = e {
                if !endpoints.contains(e) {
                    check.error(
                        yaml_path!["routing", "geo", names[client].as_str()],
                        format!("`{}` is not one of the endpoints", names[usize::from(e.0)]),
                    );
                }
            }
        }
    }
    let proxied = r.preset == Some(crate::scenario::file::RoutingPresetFile::CloudflareProxied);
    if proxied {
        for (k, given) in [
            ("ttl", r.ttl.is_some()),
            ("overstay", r.overstay.is_some()),
            ("resolver_groups", r.resolver_groups.is_some()),
        ] {
            if given {
                check.error(
                    at(k),
                    format!("`{k}` is about clients' DNS caches, and a proxied load balancer leaves them none (preset cloudflare-proxied): it would change nothing"),
                );
            }
        }
    }
    let ttl = r.ttl.unwrap_or(DEFAULT_TTL);
    if ttl < MIN_PERIOD || ttl > MAX_DELAY {
        check.error(
            at("ttl"),
            format!("ttl is {ttl}; give {MIN_PERIOD} to {MAX_DELAY} (every resolver group refreshes once a TTL)"),
        );
    }
    let groups = r.resolver_groups.unwrap_or(DEFAULT_GROUPS);
    if !(1..=MAX_GROUPS).contains(&groups) {
        check.error(
            at("resolver_groups"),
            format!("resolver_groups is {groups}; give 1 to {MAX_GROUPS}"),
        );
    }
    let (overstay_share, overstay) = match &r.overstay {
        None => (0.0, Duration::ZERO),
        Some(o) => {
            let share = match slo::percent(&o.share) {
                Ok(x) if (0.0..=1.0).contains(&x) => x,
                Ok(x) => {
                    check.error(
                        yaml_path!["routing", "overstay", "share"],
                        format!("share is a share of resolver groups from 0% to 100%, got {x}"),
                    );
                    0.0
                }
                Err(e) => {
                    check.error(yaml_path!["routing", "overstay", "share"], e);
                    0.0
                }
            };
            if o.by > MAX_DELAY {
                check.error(
                    yaml_path!["routing", "overstay", "by"],
                    format!("by is {}; the limit is {MAX_DELAY}", o.by),
                );
            }
            (share, o.by.min(MAX_DELAY))
        }
    };
    let connections = r.connections.and_then(|c| {
        let per_region = c.per_region.unwrap_or(100);
        let mut ok = true;
        if proxied {
            check.error(
                at("connections"),
                "a proxying load balancer (preset cloudflare-proxied) holds the clients' connections itself and moves them at once: pooled connections would change nothing",
            );
            ok = false;
        }
        if c.lifetime < MIN_PERIOD || c.lifetime > MAX_DELAY {
            check.error(
                yaml_path!["routing", "connections", "lifetime"],
                format!("lifetime is {}; give {MIN_PERIOD} to {MAX_DELAY}", c.lifetime),
            );
            ok = false;
        }
        if !(1..=10_000).contains(&per_region) {
            check.error(
                yaml_path!["routing", "connections", "per_region"],
                format!("per_region is {per_region}; give 1 to 10000 connections"),
            );
            ok = false;
        }
        if c.drain.is_some_and(|d| d > MAX_DELAY) {
            check.error(
                yaml_path!["routing", "connections", "drain"],
                format!("drain is {}; give 0s (all at once) to {MAX_DELAY}", c.drain.unwrap_or_default()),
            );
            ok = false;
        }
        let handshake = c.handshake.unwrap_or_default();
        if handshake > MAX_DELAY {
            check.error(
                yaml_path!["routing", "connections", "handshake"],
                format!("handshake is {handshake}; give 0s to {MAX_DELAY}"),
            );
            ok = false;
        } else if handshake > Duration::ZERO
            && !endpoints
                .iter()
                .any(|e| raw.regions.get(usize::from(e.0)).is_some_and(|r| r.app.is_some()))
        {
            check.error(
                yaml_path!["routing", "connections", "handshake"],
                "handshake is work on an app tier's workers, and no endpoint has an `app` section: it would change nothing",
            );
            ok = false;
        }
        ok.then_some(crate::scenario::Connections {
            lifetime: c.lifetime,
            per_region,
            drain: c.drain,
            handshake,
        })
    });
    if r.weigh_by_health {
        if !matches!(policy, RoutingPolicy::Weighted(_)) {
            check.error(
                at("weigh_by_health"),
                "weigh_by_health scales the weights of a `weighted` (or `random`) policy: this policy has none",
            );
        } else if raw.health_checks.is_none() {
            check.error(
                at("weigh_by_health"),
                "weigh_by_health follows the health checks' view of each endpoint, and there are none: add `health_checks`",
            );
        }
    }
    Some(Routing {
        weigh_by_health: r.weigh_by_health,
        policy,
        endpoints,
        ttl: ttl.clamp(Duration::from_nanos(1), MAX_DELAY),
        groups: groups.clamp(1, MAX_GROUPS),
        overstay_share,
        overstay,
        proxied,
        connections,
    })
}

/// What a health-check preset sets, each overridable.
pub(super) struct HealthPreset {
    pub(super) interval: Duration,
    pub(super) timeout: Duration,
    pub(super) failure_threshold: u32,
    pub(super) healthy_share: f64,
}

/// The checks of `preset` (none: Route 53's defaults). Route 53
/// (Developer Guide, FACTS.md): every 30 s (fast: 10 s), an HTTP probe
/// failed without a connection in 4 s, unhealthy after 3 in a row,
/// healthy while more than 18 % of checkers say so. Cloudflare Load
/// Balancing (its monitor API's defaults, FACTS.md): every 60 s, a 5 s
/// timeout and 2 retries made at once (a check fails after 15 s), marked
/// unhealthy at the first failed check (`consecutive_down` 0), an origin
/// healthy by the majority of the monitoring regions.
pub(super) fn health_preset(
    preset: Option<crate::scenario::file::HealthPresetFile>,
) -> HealthPreset {
    use crate::scenario::file::HealthPresetFile as P;
    match preset {
        None | Some(P::Route53) => HealthPreset {
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_PROBE_TIMEOUT,
            failure_threshold: DEFAULT_THRESHOLD,
            healthy_share: DEFAULT_HEALTHY_SHARE,
        },
        Some(P::Route53Fast) => HealthPreset {
            interval: Duration::from_secs(10),
            ..health_preset(None)
        },
        Some(P::Cloudflare) => HealthPreset {
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(15),
            failure_threshold: 1,
            healthy_share: 0.5,
        },
    }
}

/// Route 53's defaults (FACTS.md): a probe every 30 s, failed when not
/// answered within 4 s (HTTP: the connection must be made in 4 s), a
/// target unhealthy after 3 failures in a row, healthy while more than
/// 18 % of checkers see it so.
pub(super) const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
pub(super) const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(4);
pub(super) const DEFAULT_THRESHOLD: u32 = 3;
pub(super) const DEFAULT_HEALTHY_SHARE: f64 = 0.18;
/// Route 53 takes 1 to 10 failures in a row.
pub(super) const MAX_THRESHOLD: u32 = 10;

/// The health checks, checked.
pub(super) fn health_checks(
    raw: &ScenarioFile,
    names: &[String],
    check: &mut Checker,
) -> Option<HealthChecks> {
    let h = raw.health_checks.as_ref()?;
    let at = |k: &str| yaml_path!["health_checks", k];
    let checkers = match &h.checkers {
        None => (0..names.len()).map(|r| RegionId(r as u16)).collect(),
        Some(list) => {
            if list.is_empty() {
                check.error(
                    at("checkers"),
                    "list at least one checker region, or leave checkers out for every region",
                );
            }
            let mut out = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let p = yaml_path!["health_checks", "checkers", j];
                if let Some(r) = check.region(names, name, p.clone()) {
                    if out.contains(&r) {
                        check.error(p, format!("checker `{name}` is listed twice"));
                    }
                    out.push(r);
                }
            }
            out
        }
    };
    let preset = health_preset(h.preset);
    let interval = h.interval.unwrap_or(preset.interval);
    if interval < MIN_PERIOD || interval > MAX_DELAY {
        check.error(
            at("interval"),
            format!("interval is {interval}; give {MIN_PERIOD} to {MAX_DELAY} (Route 53 probes every 10 s or 30 s; each probe is events in every run)"),
        );
    }
    let timeout = h.timeout.unwrap_or(preset.timeout.min(interval));
    if timeout == Duration::ZERO || timeout > interval {
        check.error(
            at("timeout"),
            format!("timeout is {timeout}; give a time above 0 and at most the interval ({interval}): a probe is answered or failed before the next one"),
        );
    }
    let mut threshold = |k: &str, v: Option<u32>, default: u32| {
        let n = v.unwrap_or(default);
        if !(1..=MAX_THRESHOLD).contains(&n) {
            check.error(
                at(k),
                format!("{k} is {n}; give 1 to {MAX_THRESHOLD} probes in a row (Route 53's range)"),
            );
        }
        n.clamp(1, MAX_THRESHOLD)
    };
    let failure_threshold = threshold(
        "failure_threshold",
        h.failure_threshold,
        preset.failure_threshold,
    );
    let recovery_threshold = threshold(
        "recovery_threshold",
        h.recovery_threshold,
        failure_threshold,
    );
    let healthy_share = match h.healthy_share.as_ref().map(slo::percent) {
        None => preset.healthy_share,
        Some(Ok(x)) if x > 0.0 && x <= 1.0 => x,
        Some(Ok(x)) => {
            check.error(
                at("healthy_share"),
                format!("healthy_share is a share of checkers above 0% and at most 100%, got {x}"),
            );
            DEFAULT_HEALTHY_SHARE
        }
        Some(Err(e)) => {
            check.error(at("healthy_share"), e);
            DEFAULT_HEALTHY_SHARE
        }
    };
    Some(HealthChecks {
        checkers,
        interval,
        timeout,
        failure_threshold,
        recovery_threshold,
        healthy_share,
        deep: h.probe == Some(crate::scenario::file::ProbePathFile::Deep),
    })
}
