//! Datasets and their placements: single-primary, active-active, geo-sharded; replication modes, commit paths, failover, read-your-writes.

use super::*;
use crate::scenario::file::{ReadConsistencyFile, SinglePrimaryPresetFile, SurviveFile};

/// Most servers of one station (an app tier's servers x concurrency).
pub const MAX_SERVERS: u64 = 100_000;

/// Most jobs one station's queue may hold.
pub const MAX_QUEUE_LIMIT: u32 = 10_000_000;

/// A station's capacity: `servers` (x `concurrency`) at least 1 and at most
/// [`MAX_SERVERS`], a queue limit within bounds. `at` is the section's path.
pub(super) fn capacity(
    servers: u32,
    concurrency: Option<u32>,
    service_time: &Dist,
    queue_limit: Option<u32>,
    shed: Option<Shed>,
    at: Vec<Seg>,
    check: &mut Checker,
) -> Option<Capacity> {
    let field = |name: &str| {
        let mut p = at.clone();
        p.push(Seg::Key(name.to_string()));
        p
    };
    let mut ok = true;
    if servers == 0 {
        check.error(
            field("servers"),
            "0 servers: a station needs at least one (omit the section for unlimited capacity)",
        );
        ok = false;
    }
    if concurrency == Some(0) {
        check.error(
            field("concurrency"),
            "concurrency 0: each server works on at least one request at once",
        );
        ok = false;
    }
    let total = u64::from(servers) * u64::from(concurrency.unwrap_or(1));
    if ok && total > MAX_SERVERS {
        check.error(
            at.clone(),
            format!("{total} servers in one station; the limit is {MAX_SERVERS}"),
        );
        ok = false;
    }
    if queue_limit.is_some_and(|q| q > MAX_QUEUE_LIMIT) {
        check.error(
            field("queue_limit"),
            format!("queue_limit above {MAX_QUEUE_LIMIT}; omit it for no limit"),
        );
        ok = false;
    }
    if service_time.mean_nanos() <= 0.0 {
        check.error(
            field("service_time"),
            "a service time of zero: omit the section for unlimited capacity",
        );
        ok = false;
    }
    ok.then(|| Capacity {
        servers: total as u32,
        service_time: service_time.clone(),
        queue_limit,
        shed: shed.unwrap_or_default(),
    })
}

pub(super) fn datasets(raw: &ScenarioFile, names: &[String], check: &mut Checker) -> Vec<Dataset> {
    let ds_names: Vec<String> = raw.datasets.iter().map(|d| d.name.clone()).collect();
    if raw.datasets.is_empty() {
        check.error_unless_broken(yaml_path!["datasets"], "list at least one dataset");
    }
    if raw.datasets.len() > MAX_DATASETS {
        check.error(
            yaml_path!["datasets"],
            format!(
                "{} datasets; the limit is {MAX_DATASETS}",
                raw.datasets.len()
            ),
        );
        return Vec::new();
    }
    let mut datasets = Vec::new();
    for (i, d) in raw.datasets.iter().enumerate() {
        if ds_names[..i].contains(&d.name) {
            check.error(
                yaml_path!["datasets", i, "name"],
                format!("dataset `{}` is listed twice", d.name),
            );
        }
        if let Some(problem) = name_problem(&d.name, false) {
            check.error(
                yaml_path!["datasets", i, "name"],
                format!("dataset name: {problem}"),
            );
        }
        if d.keys == 0 {
            check.error(yaml_path!["datasets", i, "keys"], "keys must be at least 1");
        } else if d.keys > MAX_KEYS {
            check.error(
                yaml_path!["datasets", i, "keys"],
                format!(
                    "{} keys; the limit is {MAX_KEYS} per dataset (each key costs 16 bytes at every replica, in every run)",
                    d.keys
                ),
            );
        }
        let popularity = match d.popularity {
            PopularityFile::Uniform => Popularity::Uniform,
            // Checked against the users once the workload is read.
            PopularityFile::PerUser => Popularity::PerUser,
            PopularityFile::Zipf(s) => {
                if !(s.is_finite() && s > 0.0) {
                    check.error(
                        yaml_path!["datasets", i, "popularity", "zipf"],
                        format!("the zipf exponent must be above 0 (typical: 0.7 to 1.2), got {s}"),
                    );
                    Popularity::Uniform
                } else {
                    // Built by the first run that needs it.
                    Popularity::Zipf {
                        s,
                        table: Arc::default(),
                    }
                }
            }
        };
        let record_bytes = d.record_bytes.unwrap_or(DEFAULT_RECORD_BYTES);
        if !(1..=MAX_RECORD_BYTES).contains(&record_bytes) {
            check.error(
                yaml_path!["datasets", i, "record_bytes"],
                format!(
                    "record_bytes is {record_bytes}; give 1 to {MAX_RECORD_BYTES} (64 MiB) bytes per record"
                ),
            );
        }
        let record_bytes = record_bytes.clamp(1, MAX_RECORD_BYTES) as u32;
        let sp = match &d.placement {
            PlacementFile::SinglePrimary(sp) => sp,
            PlacementFile::GeoSharded(g) => {
                // Shards are filled in from the residency rules
                // ([`geo_shards`]).
                if d.restricted == Some(false) {
                    check.error(
                        yaml_path!["datasets", i, "restricted"],
                        "a geo-sharded dataset is held to the residency rules: leave `restricted` out",
                    );
                }
                let at = |k: &str| yaml_path!["datasets", i, "placement", "geo-sharded", k];
                let mut replicas = Vec::new();
                for list in g.replicas.values() {
                    for r in list {
                        if let Some(id) = names.iter().position(|n| n == r) {
                            let id = RegionId(id as u16);
                            if !replicas.contains(&id) {
                                replicas.push(id);
                            }
                        }
                    }
                }
                let failover = g.failover.as_ref().and_then(|f| {
                    let kind = ("geo-sharded", FailoverDefaults::NONE);
                    failover(raw, f, names, &replicas, i, kind, check)
                });
                datasets.push(Dataset {
                    name: d.name.clone(),
                    keys: d.keys,
                    popularity,
                    apply_time: g.apply_time.clone(),
                    apply_threads: apply_threads(
                        g.apply_threads,
                        at("apply_threads"),
                        "replica",
                        check,
                    ),
                    record_bytes,
                    restricted: true,
                    // Shards are filled in from the residency rules
                    // ([`geo_shards`]).
                    placement: Placement::GeoSharded(GeoSharded {
                        shards: Vec::new(),
                        shard_of_rule: Vec::new(),
                        replicas,
                        failover,
                        shipping_delay: shipping_delay(
                            g.shipping_delay.as_ref(),
                            Replication::Async,
                        ),
                    }),
                });
                continue;
            }
            PlacementFile::ActiveActive(aa) => {
                if aa.replicated_write_price.is_some() && raw.cost.is_none() {
                    check.error(
                        yaml_path!["datasets", i, "placement", "active-active", "replicated_write_price"],
                        "replicated_write_price is billed in the monthly cost: add a top-level `cost:` section (e.g. cost: {prices: aws}), or leave it out",
                    );
                }
                if let Some(ds) = active_active(d, aa, i, names, popularity, record_bytes, check) {
                    datasets.push(ds);
                }
                continue;
            }
            PlacementFile::Leaderless(l) => {
                if let Some(ds) = leaderless(d, l, i, names, popularity, record_bytes, check) {
                    datasets.push(ds);
                }
                continue;
            }
            PlacementFile::Consensus(c) => {
                if let Some(ds) = consensus(d, c, i, names, popularity, record_bytes, check) {
                    datasets.push(ds);
                }
                continue;
            }
        };
        let at = |k: &str| yaml_path!["datasets", i, "placement", "single-primary", k];
        let primary = check.region(names, &sp.primary, at("primary"));
        let mut replicas = Vec::new();
        for (j, r) in sp.replicas.iter().enumerate() {
            let mut p = at("replicas");
            p.push(Seg::Index(j));
            if let Some(id) = check.region(names, r, p.clone()) {
                if Some(id) == primary {
                    check.error(
                        p,
                        format!("`{r}` is the primary; list only the other regions as replicas"),
                    );
                } else if replicas.contains(&id) {
                    check.error(p, format!("replica `{r}` is listed twice"));
                } else {
                    replicas.push(id);
                }
            }
        }
        let replication = replication(sp.replication, sp.replicas.len(), i, check);
        if sp.shipping_delay.is_some() && replication != Replication::Async {
            check.error(
                at("shipping_delay"),
                "shipping_delay is for async replication: under semi-sync and sync the primary sends each write at commit and waits for the replicas",
            );
        }
        let preset = sp.preset.map(|p| match p {
            SinglePrimaryPresetFile::AuroraGlobal => crate::scenario::services::aurora_global(),
        });
        let defaults = preset
            .as_ref()
            .map_or(FailoverDefaults::NONE, |a| FailoverDefaults {
                promotion_delay: a.promotion_delay,
                endpoint_ttl: a.endpoint_ttl,
            });
        let failover = sp.failover.as_ref().and_then(|f| {
            failover(
                raw,
                f,
                names,
                &replicas,
                i,
                ("single-primary", defaults),
                check,
            )
        });
        let switchover_delay = failover
            .as_ref()
            .map_or(defaults.promotion_delay, |f| f.promotion_delay);
        let apply_time = match (&sp.apply_time, &preset) {
            (Some(d), _) => d.clone(),
            (None, Some(p)) => p.apply_time.clone(),
            (None, None) => {
                check.error(
                    yaml_path!["datasets", i, "placement", "single-primary"],
                    "give apply_time (how long a replica takes to apply a write, e.g. apply_time: 2ms), or a preset (preset: aurora-global)",
                );
                Dist::constant(Duration::ZERO)
            }
        };
        // A preset's log delay is for its own (async) replication.
        let shipping = sp.shipping_delay.as_ref().or(preset
            .as_ref()
            .filter(|_| replication == Replication::Async)
            .map(|p| &p.shipping_delay));
        let consistency = read_consistency(sp, i, check);
        datasets.push(Dataset {
            name: d.name.clone(),
            keys: d.keys,
            popularity,
            apply_time,
            apply_threads: apply_threads(
                sp.apply_threads,
                yaml_path![
                    "datasets",
                    i,
                    "placement",
                    "single-primary",
                    "apply_threads"
                ],
                "replica",
                check,
            ),
            record_bytes,
            restricted: d.restricted.unwrap_or(false),
            placement: Placement::SinglePrimary(SinglePrimary {
                primary: primary.unwrap_or(RegionId(0)),
                replicas,
                replication,
                commit: sp.commit.as_ref().and_then(|c| {
                    capacity(
                        c.servers.unwrap_or(1),
                        None,
                        &c.service_time,
                        c.queue_limit,
                        None,
                        yaml_path!["datasets", i, "placement", "single-primary", "commit"],
                        check,
                    )
                }),
                failover,
                read_your_writes: match consistency {
                    Some(ReadConsistencyFile::Session) => Some(RywMitigation::Session),
                    _ => sp
                        .read_your_writes
                        .as_ref()
                        .and_then(|r| read_your_writes(r, i, check)),
                },
                shipping_delay: shipping_delay(shipping, replication),
                switchover_delay,
                // Set once the failures are read.
                switchover_planned: false,
                global_reads: consistency == Some(ReadConsistencyFile::Global),
            }),
        });
    }
    datasets
}

/// An active-active dataset: two or more regions, each listed once.
pub(super) fn active_active(
    d: &crate::scenario::file::DatasetFile,
    aa: &crate::scenario::file::ActiveActiveFile,
    i: usize,
    names: &[String],
    popularity: Popularity,
    record_bytes: u32,
    check: &mut Checker,
) -> Option<Dataset> {
    let at = |k: &str| yaml_path!["datasets", i, "placement", "active-active", k];
    let regions =
        region_list(&aa.regions, at("regions"), Some("copy"), names, check).unwrap_or_default();
    if aa.regions.len() < 2 {
        check.error(
            at("regions"),
            "active-active needs two or more regions (with one, use single-primary)",
        );
        return None;
    }
    let apply_threads = apply_threads(aa.apply_threads, at("apply_threads"), "copy", check);
    use crate::scenario::file::ActiveActivePresetFile as P;
    use crate::scenario::services;
    let redis = aa.preset == Some(P::RedisActiveActive);
    if aa.data_type.is_some() && !redis {
        check.error(
            at("data_type"),
            "data_type picks Redis Enterprise Active-Active's resolution per type: add preset: redis-active-active (or set `resolution` yourself)",
        );
    }
    let data_type = redis.then(|| aa.data_type.unwrap_or(DataType::String));
    let resolution = aa
        .resolution
        .or(data_type.map(services::redis_resolution))
        .unwrap_or_default();
    let apply_time = match (&aa.apply_time, aa.preset) {
        (Some(d), _) => d.clone(),
        (None, Some(_)) => services::active_active_apply(),
        (None, None) => {
            check.error(
                yaml_path!["datasets", i, "placement", "active-active"],
                "give apply_time (how long a copy takes to apply a replicated write, e.g. apply_time: 1ms), or a preset (redis-active-active, dynamodb-global)",
            );
            Dist::constant(Duration::ZERO)
        }
    };
    let price = aa
        .replicated_write_price
        .or((aa.preset == Some(P::DynamodbGlobal))
            .then_some(services::DYNAMODB_REPLICATED_WRITE_USD));
    if let Some(x) = aa.replicated_write_price {
        if !(x.is_finite() && (0.0..=1000.0).contains(&x)) {
            check.error(
                at("replicated_write_price"),
                format!("replicated_write_price is USD per million replicated writes: give 0 to 1000, got {}", super::failures::number(x)),
            );
        }
    }
    if regions.len() < 2 {
        return None;
    }
    Some(Dataset {
        name: d.name.clone(),
        keys: d.keys,
        popularity,
        apply_time,
        apply_threads,
        record_bytes,
        restricted: d.restricted.unwrap_or(false),
        placement: Placement::ActiveActive(ActiveActive {
            regions,
            resolution,
            data_type,
            replicated_write_price: price,
        }),
    })
}

/// A leaderless dataset: one or more regions, each listed once, and
/// quorums of 1 to N.
pub(super) fn leaderless(
    d: &crate::scenario::file::DatasetFile,
    l: &crate::scenario::file::LeaderlessFile,
    i: usize,
    names: &[String],
    popularity: Popularity,
    record_bytes: u32,
    check: &mut Checker,
) -> Option<Dataset> {
    let at = |k: &str| yaml_path!["datasets", i, "placement", "leaderless", k];
    let replicas =
        region_list(&l.replicas, at("replicas"), Some("replica"), names, check).unwrap_or_default();
    if l.replicas.is_empty() {
        check.error(at("replicas"), "leaderless needs one or more replicas");
        return None;
    }
    let n = l.replicas.len();
    use crate::scenario::limits::{MAX_BOUNDS, MAX_DELAY, MAX_QUORUM_REPLICAS};
    if n > MAX_QUORUM_REPLICAS {
        check.error(
            at("replicas"),
            format!("{n} replicas; a leaderless dataset has at most {MAX_QUORUM_REPLICAS}"),
        );
        return None;
    }
    use crate::scenario::file::{ConcurrentWritesFile, LeaderlessPresetFile};
    let strong = l.preset == Some(LeaderlessPresetFile::DynamodbStrong);
    if strong && n != 3 {
        check.error(
            at("replicas"),
            format!("{n} replicas; DynamoDB's multi-Region strong consistency takes exactly three regions (two and a witness is not modelled: give the witness's region as a third replica)"),
        );
        return None;
    }
    let given = |k: &str, v: Option<u32>, check: &mut Checker| match (v, strong) {
        (Some(v), _) => Some(v),
        // A majority of the three: a write is in two regions before it is
        // acknowledged (RPO 0), a strong read asks two.
        (None, true) => Some(2),
        (None, false) => {
            check.error(
                yaml_path!["datasets", i, "placement", "leaderless"],
                format!(
                    "give {k} (a quorum of 1 to N replicas), or a preset (preset: dynamodb-strong)"
                ),
            );
            None
        }
    };
    let (w, r) = (given("w", l.w, check), given("r", l.r, check));
    let mut quorum = |k: &str, v: u32, what: &str| -> u16 {
        if (1..=n as u32).contains(&v) {
            v as u16
        } else {
            check.error(
                at(k),
                format!("{k} is {v}; give 1 to N = {n} (the replicas listed) {what}"),
            );
            1
        }
    };
    let w = w.map_or(1, |w| quorum("w", w, "acknowledgements a write waits for"));
    let r = r.map_or(1, |r| quorum("r", r, "answers a read waits for"));
    let apply_threads = apply_threads(l.apply_threads, at("apply_threads"), "replica", check);
    let delays = l
        .delays
        .as_ref()
        .map_or_else(QuorumDelays::default, |d| QuorumDelays {
            write: d.write.clone(),
            ack: d.ack.clone(),
            read: d.read.clone(),
            response: d.response.clone(),
        });
    // With `delays.write` the write delay W is the whole way to an applied
    // write: apply threads would be a knob that does nothing.
    let apply_time = match (&l.apply_time, &delays.write) {
        (Some(a), None) => a.clone(),
        (None, None) if strong => crate::scenario::services::active_active_apply(),
        (None, Some(_)) => Dist::constant(Duration::ZERO),
        (Some(_), Some(_)) => {
            check.error(
                at("apply_time"),
                "delays.write is the whole delay until a replica has applied a write: leave apply_time out, or delays.write",
            );
            Dist::constant(Duration::ZERO)
        }
        (None, None) => {
            check.error(
                at("replicas"),
                "give apply_time (how long a replica takes to apply a write), or delays.write",
            );
            Dist::constant(Duration::ZERO)
        }
    };
    if delays.write.is_some() && l.apply_threads.is_some() {
        check.error(
            at("apply_threads"),
            "delays.write is the whole delay until a replica has applied a write: with it there are no apply threads; leave apply_threads out",
        );
    }
    let mut probes = l.t_visibility.clone().unwrap_or_default();
    probes.sort();
    probes.dedup();
    let probes_at = yaml_path!["datasets", i, "placement", "leaderless", "t_visibility"];
    if probes.len() != l.t_visibility.as_ref().map_or(0, Vec::len) {
        check.error(probes_at.clone(), "t_visibility lists a time twice");
    }
    if probes.len() > MAX_BOUNDS {
        check.error(
            probes_at.clone(),
            format!("{} probe times; the limit is {MAX_BOUNDS}", probes.len()),
        );
    }
    if probes.iter().any(|&p| p > MAX_DELAY) {
        check.error(
            probes_at,
            format!("a probe time is above {MAX_DELAY}, the longest delay a scenario may give"),
        );
    }
    if l.anti_entropy == Some(Duration::ZERO) {
        check.error(
            at("anti_entropy"),
            "anti_entropy is the time between two syncs: give more than 0, e.g. 10m (leave it out for none)",
        );
    }
    if replicas.len() != n {
        return None;
    }
    Some(Dataset {
        name: d.name.clone(),
        keys: d.keys,
        popularity,
        apply_time,
        apply_threads,
        record_bytes,
        restricted: d.restricted.unwrap_or(false),
        placement: Placement::Leaderless(Leaderless {
            replicas,
            w,
            r,
            delays,
            probes,
            read_repair: l.read_repair.unwrap_or(false),
            anti_entropy: l.anti_entropy.filter(|&a| a > Duration::ZERO),
            sloppy_quorum: l.sloppy_quorum.unwrap_or(false),
            fail_concurrent: match l.concurrent_writes {
                Some(c) => c == ConcurrentWritesFile::Fail,
                None => strong,
            },
        }),
    })
}

/// Apply (or log) threads per copy: 1 to the limit, 1 when not given.
fn apply_threads(given: Option<u32>, at: Vec<Seg>, per: &str, check: &mut Checker) -> u32 {
    match given {
        None => 1,
        Some(n) if (1..=MAX_APPLY_THREADS).contains(&n) => n,
        Some(n) => {
            check.error(
                at,
                format!("apply_threads is {n}; give 1 to {MAX_APPLY_THREADS} threads per {per}"),
            );
            1
        }
    }
}

/// The regions of a list at `at`: each known, and, with `once` (what a
/// region holds one of, for the error), each once. `None` if any is not.
fn region_list(
    list: &[String],
    at: Vec<Seg>,
    once: Option<&str>,
    names: &[String],
    check: &mut Checker,
) -> Option<Vec<RegionId>> {
    let mut out: Vec<RegionId> = Vec::new();
    let mut ok = true;
    for (j, r) in list.iter().enumerate() {
        let mut p = at.clone();
        p.push(Seg::Index(j));
        match check.region(names, r, p.clone()) {
            Some(id) if once.is_some() && out.contains(&id) => {
                let what = once.unwrap_or_default();
                check.error(
                    p,
                    format!("region `{r}` is listed twice (one {what} per region)"),
                );
                ok = false;
            }
            Some(id) => out.push(id),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// A consensus group's members as its file gives them, or as its
/// survival goal places them: (voters, non-voters, witnesses).
type Members = (Vec<RegionId>, Vec<RegionId>, Vec<RegionId>);

/// The members a survival goal places for `leader` over `regions`
/// (CockroachDB's: zone, 3 voters at home and a non-voter in each other
/// region; region, 2 voters at home, 3 over the others in turn, a
/// non-voter in each left without one).
fn survival_members(goal: SurviveFile, leader: RegionId, regions: &[RegionId]) -> Members {
    let others: Vec<RegionId> = regions.iter().copied().filter(|&r| r != leader).collect();
    match goal {
        SurviveFile::Zone => (vec![leader; 3], others, Vec::new()),
        SurviveFile::Region => {
            let mut voters = vec![leader; 2];
            voters.extend(others.iter().cycle().take(3));
            voters[2..].sort_by_key(|r| others.iter().position(|o| o == r));
            let non_voters = others
                .iter()
                .copied()
                .filter(|r| !voters.contains(r))
                .collect();
            (voters, non_voters, Vec::new())
        }
    }
}

/// A consensus group: voters (a region may hold several, in its zones),
/// non-voters and witnesses, or a survival goal that places them; a
/// leader among the voters.
#[allow(clippy::too_many_arguments)]
pub(super) fn consensus(
    d: &crate::scenario::file::DatasetFile,
    c: &crate::scenario::file::ConsensusFile,
    i: usize,
    names: &[String],
    popularity: Popularity,
    record_bytes: u32,
    check: &mut Checker,
) -> Option<Dataset> {
    use crate::scenario::limits::{MAX_DELAY, MAX_QUORUM_REPLICAS};
    let at = |k: &str| yaml_path!["datasets", i, "placement", "consensus", k];
    let leader_region = check.region(names, &c.leader, at("leader"));
    let members: Option<Members> = match (c.survive, &c.voters) {
        (Some(goal), _) => {
            let placed = [
                ("voters", c.voters.is_some()),
                ("non_voters", c.non_voters.is_some()),
                ("witnesses", c.witnesses.is_some()),
            ];
            for (k, given) in placed {
                if given {
                    check.error(
                        at(k),
                        format!("`survive` places the members: give either `survive` (with `regions`) or `{k}`, not both"),
                    );
                }
            }
            let Some(list) = &c.regions else {
                check.error(
                    at("survive"),
                    "`survive` needs `regions`: the database's regions, the leader's among them",
                );
                return None;
            };
            let regions = region_list(list, at("regions"), Some("entry"), names, check)?;
            let leader = leader_region?;
            if !regions.contains(&leader) {
                check.error(
                    at("regions"),
                    format!(
                        "the leader `{}` is not among the regions: list it",
                        c.leader
                    ),
                );
                return None;
            }
            if goal == SurviveFile::Region && regions.len() < 3 {
                check.error(
                    at("regions"),
                    format!(
                        "{} region(s): surviving a region takes at least 3 (a majority outside any one)",
                        regions.len()
                    ),
                );
                return None;
            }
            (placed.iter().all(|(_, given)| !given))
                .then(|| survival_members(goal, leader, &regions))
        }
        (None, None) => {
            check.error(
                at("voters"),
                "a consensus group needs `voters` (or a `survive` goal with `regions`)",
            );
            return None;
        }
        (None, Some(voters)) => {
            if c.regions.is_some() {
                check.error(
                    at("regions"),
                    "`regions` goes with `survive`; with `voters`, list non-voters under `non_voters`",
                );
            }
            let voters = region_list(voters, at("voters"), None, names, check);
            let non_voters = region_list(
                c.non_voters.as_deref().unwrap_or_default(),
                at("non_voters"),
                None,
                names,
                check,
            );
            let witnesses = region_list(
                c.witnesses.as_deref().unwrap_or_default(),
                at("witnesses"),
                None,
                names,
                check,
            );
            match (voters, non_voters, witnesses) {
                (Some(v), Some(n), Some(w)) => Some((v, n, w)),
                _ => None,
            }
        }
    };
    let (voters, non_voters, witnesses) = members?;
    if voters.is_empty() {
        let what = if witnesses.is_empty() {
            "a consensus group needs one or more voters"
        } else {
            "witnesses only: a witness stores no data and never leads; give one or more voters"
        };
        check.error(at("voters"), what);
        return None;
    }
    let all = voters.len() + non_voters.len() + witnesses.len();
    if all > MAX_QUORUM_REPLICAS {
        check.error(
            at(if c.survive.is_some() {
                "regions"
            } else {
                "voters"
            }),
            format!("{all} members; a consensus group has at most {MAX_QUORUM_REPLICAS}"),
        );
        return None;
    }
    let leader = leader_region?;
    let Some(leader) = voters.iter().position(|&v| v == leader) else {
        let what = if witnesses.contains(&leader) || non_voters.contains(&leader) {
            "holds a witness or a non-voter, which never leads"
        } else {
            "is not one of the voters"
        };
        check.error(
            at("leader"),
            format!("the leader `{}` {what}: list it under voters", c.leader),
        );
        return None;
    };
    let apply_threads = apply_threads(c.apply_threads, at("apply_threads"), "voter", check);
    use crate::scenario::file::ConsensusPresetFile as P;
    let preset = c.preset.map(|p| match p {
        P::Spanner => crate::scenario::services::spanner(),
        P::Cockroachdb => crate::scenario::services::cockroachdb(),
    });
    let apply_time = match (&c.apply_time, &preset) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => p.apply_time.clone(),
        (None, None) => {
            check.error(
                yaml_path!["datasets", i, "placement", "consensus"],
                "give apply_time (how long a voter takes to persist an entry, e.g. apply_time: 1ms), or a preset (preset: spanner or cockroachdb)",
            );
            Dist::constant(Duration::ZERO)
        }
    };
    let lease = c.lease.or(preset.as_ref().and_then(|p| p.lease));
    if c.global_lead.is_some() && c.reads != Some(crate::scenario::file::ConsensusReadsFile::Global)
    {
        check.error(
            at("global_lead"),
            "global_lead is how far in the future a global table's writes are stamped: it goes with `reads: global`, and changes nothing here",
        );
    }
    if c.read_staleness.is_some()
        && c.reads != Some(crate::scenario::file::ConsensusReadsFile::AsOf)
    {
        check.error(
            at("read_staleness"),
            "read_staleness is how old an `as-of` read's state is: it goes with `reads: as-of`, and changes nothing here",
        );
    }
    if c.read_staleness
        .is_some_and(|l| l == Duration::ZERO || l > MAX_DELAY)
    {
        check.error(
            at("read_staleness"),
            format!("read_staleness is above 0 and at most {MAX_DELAY}"),
        );
    }
    if c.global_lead
        .is_some_and(|l| l == Duration::ZERO || l > MAX_DELAY)
    {
        check.error(
            at("global_lead"),
            format!("global_lead is above 0 and at most {MAX_DELAY}"),
        );
    }
    if c.lease.is_some_and(|l| l > MAX_DELAY) {
        check.error(
            at("lease"),
            format!("a lease above {MAX_DELAY}, the longest delay a scenario may give"),
        );
    }
    Some(Dataset {
        name: d.name.clone(),
        keys: d.keys,
        popularity,
        apply_time,
        apply_threads,
        record_bytes,
        restricted: d.restricted.unwrap_or(false),
        placement: Placement::Consensus(Consensus {
            voters,
            non_voters,
            witnesses,
            leader,
            reads: c.reads.unwrap_or_default(),
            election_timeout: c
                .election_timeout
                .clone()
                .or_else(|| preset.as_ref().map(|p| p.election_timeout.clone()))
                .unwrap_or_else(|| {
                    Dist::uniform(Duration::from_millis(150), Duration::from_millis(300))
                        .expect("a valid range")
                }),
            lease,
            commit_wait: c
                .commit_wait
                .or(preset.as_ref().map(|p| p.commit_wait))
                .unwrap_or(false),
            uncertainty: preset.and_then(|p| p.uncertainty),
            global_lead: c.global_lead,
            read_staleness: c
                .read_staleness
                .unwrap_or(crate::scenario::services::COCKROACH_FOLLOWER_READ),
        }),
    })
}

/// Commit wait waits out the clock uncertainty of the voters' regions:
/// an error where none has one (the knob would do nothing).
pub(super) fn commit_waits(datasets: &[Dataset], regions: &[Region], check: &mut Checker) {
    for (i, d) in datasets.iter().enumerate() {
        let Placement::Consensus(c) = &d.placement else {
            continue;
        };
        if c.commit_wait
            && c.uncertainty.is_none()
            && c.voters
                .iter()
                .all(|v| regions[usize::from(v.0)].uncertainty.is_none())
        {
            check.error(
                yaml_path!["datasets", i, "placement", "consensus", "commit_wait"],
                "commit wait waits out the leader's clock uncertainty, and no voter's region has one: give `clock: {uncertainty: ...}` (Spanner's is 1 to 7 ms) to the voters' regions",
            );
        }
    }
}

/// The shipping delay of an async dataset; none when it is always zero
/// (every write is sent at commit, with no event of its own).
pub(super) fn shipping_delay(d: Option<&Dist>, replication: Replication) -> Option<Dist> {
    d.filter(|d| replication == Replication::Async && d.mean_nanos() > 0.0)
        .cloned()
}

/// Dataset `i`'s `read_consistency`, checked against what else the file
/// says: `session` and `global` are read-your-writes mitigations of their
/// own, and act at replicas only.
fn read_consistency(
    sp: &crate::scenario::file::SinglePrimaryFile,
    i: usize,
    check: &mut Checker,
) -> Option<ReadConsistencyFile> {
    let c = sp.read_consistency?;
    let at = yaml_path![
        "datasets",
        i,
        "placement",
        "single-primary",
        "read_consistency"
    ];
    if c == ReadConsistencyFile::Eventual {
        return Some(c);
    }
    if sp.read_your_writes.is_some() {
        check.error(
            at,
            "read_consistency: session or global already keeps users' reads from missing their writes: leave out read_your_writes, or the read_consistency",
        );
        return None;
    }
    if sp.replicas.is_empty() {
        check.error(
            at,
            "read_consistency acts on reads at replicas, and this dataset has none: it changes nothing here",
        );
        return None;
    }
    Some(c)
}

/// The default longest wait of `read_your_writes: {token: wait}`.
pub(super) const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(1);

/// Dataset `i`'s read-your-writes mitigation: exactly one kind, positive
/// durations within the limits.
pub(super) fn read_your_writes(
    r: &crate::scenario::file::ReadYourWritesFile,
    i: usize,
    check: &mut Checker,
) -> Option<RywMitigation> {
    use crate::scenario::file::TokenFile;
    let here = yaml_path![
        "datasets",
        i,
        "placement",
        "single-primary",
        "read_your_writes"
    ];
    let at = |k: &str| {
        let mut p = here.clone();
        p.push(Seg::Key(k.to_string()));
        p
    };
    let positive = |d: Duration, k: &str, check: &mut Checker| {
        if d == Duration::ZERO || d > MAX_DELAY {
            check.error(
                at(k),
                format!("{k} is {d}; give a duration above 0 and at most {MAX_DELAY}"),
            );
            false
        } else {
            true
        }
    };
    if r.max_wait.is_some() && r.token != Some(TokenFile::Wait) {
        check.error(
            at("max_wait"),
            "max_wait bounds `token: wait`: add it, or leave max_wait out",
        );
        return None;
    }
    match (r.primary_for, r.token) {
        (Some(d), None) => {
            positive(d, "primary_for", check).then_some(RywMitigation::PrimaryFor(d))
        }
        (None, Some(TokenFile::Wait)) => {
            let d = r.max_wait.unwrap_or(DEFAULT_MAX_WAIT);
            positive(d, "max_wait", check).then_some(RywMitigation::TokenWait(d))
        }
        (None, Some(TokenFile::Primary)) => Some(RywMitigation::TokenPrimary),
        _ => {
            check.error(
                here,
                "give exactly one of `primary_for: 2s` (read from the primary after one's own write) and `token: wait` or `token: primary` (a session token)",
            );
            None
        }
    }
}

/// Default promotion delay: 30 s ("secondary promotion in under a minute",
/// Aurora Global Database; FACTS.md).
pub(super) const DEFAULT_PROMOTION: Duration = Duration::from_secs(30);
/// Default wait of an operator who starts a manual failover: 5 minutes.
pub(super) const DEFAULT_OPERATOR: Duration = Duration::from_secs(300);
/// Default time for a deposed primary to resynchronise and rejoin.
pub(super) const DEFAULT_RESYNC: Duration = Duration::from_secs(300);

/// The failover of dataset `i`, whose replicas are `replicas`.
pub(super) fn failover(
    raw: &ScenarioFile,
    f: &FailoverFile,
    names: &[String],
    replicas: &[RegionId],
    i: usize,
    (kind, defaults): (&str, FailoverDefaults),
    check: &mut Checker,
) -> Option<Failover> {
    let at = |k: &str| yaml_path!["datasets", i, "placement", kind, "failover", k];
    let here = yaml_path!["datasets", i, "placement", kind, "failover"];
    if raw.health_checks.is_none() {
        check.error(
            here.clone(),
            "failover acts on what health checks detect: add a top-level `health_checks:` section, e.g. health_checks: {interval: 10s, failure_threshold: 3}",
        );
    }
    if replicas.is_empty() {
        check.error(
            here,
            "failover needs a replica to promote; this dataset has none",
        );
        return None;
    }
    for (k, v) in [
        ("promotion_delay", f.promotion_delay),
        ("operator_delay", f.operator_delay),
        ("resync", f.resync),
        ("endpoint_ttl", f.endpoint_ttl),
    ] {
        if let Some(d) = v {
            if d > MAX_DELAY {
                check.error(at(k), format!("{k} is {d}; the limit is {MAX_DELAY}"));
            }
        }
    }
    if f.operator_delay.is_some() && f.mode == FailoverMode::Automatic {
        check.error(
            at("operator_delay"),
            "operator_delay is the wait of a manual failover: add mode: manual, or leave it out",
        );
    }
    let target = match &f.target {
        // A geo-sharded dataset's targets are its shards' (`geo_shards`).
        _ if kind == "geo-sharded" => None,
        None => None,
        Some(TargetFile::PerShard(_)) => {
            check.error(
                at("target"),
                "a target per shard is for geo-sharded datasets: name one region",
            );
            return None;
        }
        Some(TargetFile::Region(name)) => {
            let r = check.region(names, name, at("target"))?;
            match replicas.iter().position(|&x| x == r) {
                Some(j) => Some(j),
                None => {
                    check.error(
                        at("target"),
                        format!("failover target `{name}` holds no replica of this dataset; its replicas are in: {}",
                            replicas.iter().map(|r| names[usize::from(r.0)].as_str()).collect::<Vec<_>>().join(", ")),
                    );
                    return None;
                }
            }
        }
    };
    Some(Failover {
        operator_delay: match f.mode {
            FailoverMode::Automatic => Duration::ZERO,
            FailoverMode::Manual => f.operator_delay.unwrap_or(DEFAULT_OPERATOR).min(MAX_DELAY),
        },
        mode: f.mode,
        promotion_delay: f
            .promotion_delay
            .unwrap_or(defaults.promotion_delay)
            .min(MAX_DELAY),
        target,
        fencing: f.fencing.unwrap_or(true),
        resync: f.resync.unwrap_or(DEFAULT_RESYNC).min(MAX_DELAY),
        endpoint_ttl: f
            .endpoint_ttl
            .unwrap_or(defaults.endpoint_ttl)
            .min(MAX_DELAY),
    })
}

/// What a failover takes when its fields are not given: a preset's
/// values, or the defaults.
#[derive(Clone, Copy)]
pub(super) struct FailoverDefaults {
    pub(super) promotion_delay: Duration,
    pub(super) endpoint_ttl: Duration,
}

impl FailoverDefaults {
    /// No preset: a promotion takes 30 s; app tiers follow it at once.
    pub(super) const NONE: FailoverDefaults = FailoverDefaults {
        promotion_delay: DEFAULT_PROMOTION,
        endpoint_ttl: Duration::ZERO,
    };
}

/// Payload of a record when a dataset does not say: 1 KiB.
pub(super) const DEFAULT_RECORD_BYTES: u64 = 1024;

/// The replication mode of dataset `i`, which lists `replicas` replicas.
pub(super) fn replication(
    raw: ReplicationFile,
    replicas: usize,
    i: usize,
    check: &mut Checker,
) -> Replication {
    let at = |k: &[&str]| {
        let mut p = yaml_path!["datasets", i, "placement", "single-primary", "replication"];
        p.extend(k.iter().map(|s| Seg::Key(s.to_string())));
        p
    };
    match raw {
        ReplicationFile::Async => Replication::Async,
        ReplicationFile::Sync => {
            if replicas == 0 {
                check.error(
                    at(&[]),
                    "sync replication waits for every replica, and this dataset has none: list replicas, or use async",
                );
            }
            Replication::Sync
        }
        ReplicationFile::SemiSync(ss) => {
            if replicas == 0 {
                check.error(
                    at(&[]),
                    "semi-sync waits for replicas to acknowledge, and this dataset has none: list replicas, or use async",
                );
            } else if ss.acks == 0 || ss.acks as usize > replicas {
                check.error(
                    at(&["semi-sync", "acks"]),
                    format!(
                        "acks is {}; semi-sync waits for 1 to {replicas} replicas here (the dataset lists {replicas})",
                        ss.acks
                    ),
                );
            }
            if ss.timeout == Duration::ZERO || ss.timeout > MAX_DELAY {
                check.error(
                    at(&["semi-sync", "timeout"]),
                    format!(
                        "timeout is {}; give a wait above 0 and at most {MAX_DELAY} (MySQL's default is 10s)",
                        ss.timeout
                    ),
                );
            }
            Replication::SemiSync {
                acks: ss.acks.clamp(1, u32::from(u16::MAX)) as u16,
                timeout: ss.timeout,
            }
        }
    }
}

/// Restricted datasets need rules and users; a geo-sharded one gets a
/// shard per home of the rules, needs per-user keys and a rule for every
/// user, and lists replicas only for homes.
pub(super) fn geo_shards(
    raw: &ScenarioFile,
    datasets: &mut [Dataset],
    workload: &[ClientLoad],
    residency: Option<&Residency>,
    names: &[String],
    users: u32,
    check: &mut Checker,
) {
    for (i, d) in datasets.iter_mut().enumerate() {
        if !d.restricted {
            continue;
        }
        let geo = match &raw.datasets[i].placement {
            PlacementFile::GeoSharded(g) => Some(g),
            _ => None,
        };
        let here = if geo.is_some() {
            yaml_path!["datasets", i, "placement", "geo-sharded"]
        } else {
            yaml_path!["datasets", i, "restricted"]
        };
        let Some(res) = residency else {
            // Rules that did not resolve have been reported.
            if raw.residency.is_empty() {
                check.error(
                    here,
                    "restricted data is held to residency rules: add a top-level `residency:` list, e.g. [{jurisdiction: EU, home: eu-west-1, allowed: [eu-west-1, eu-central-1]}]",
                );
            }
            continue;
        };
        if users == 0 {
            check.error(
                here,
                "record k belongs to user k: give the workload's regions `users`",
            );
            continue;
        }
        let Some(g) = geo else { continue };
        let Placement::GeoSharded(placement) = &mut d.placement else {
            continue;
        };
        if !matches!(d.popularity, Popularity::PerUser) {
            check.error(
                yaml_path!["datasets", i, "popularity"],
                "a geo-sharded dataset routes each request to its user's home: give it `popularity: per-user`",
            );
        }
        if let Some(&(first, _, _)) = res.owners.iter().find(|o| o.2.is_none()) {
            let region = workload
                .iter()
                .find(|w| w.users.is_some_and(|p| p.first == first))
                .map_or("?", |w| names[usize::from(w.region.0)].as_str());
            check.error(
                here.clone(),
                format!("the users of `{region}` fall under no residency rule: a geo-sharded dataset needs a home for everyone (add a rule for its jurisdiction)"),
            );
        }
        let mut shards: Vec<Shard> = Vec::new();
        for rule in &res.rules {
            if !shards.iter().any(|s| s.home == rule.home) {
                shards.push(Shard {
                    home: rule.home,
                    replicas: Vec::new(),
                    target: None,
                });
            }
        }
        placement.shard_of_rule = res
            .rules
            .iter()
            .map(|r| shards.iter().position(|s| s.home == r.home).unwrap_or(0) as u16)
            .collect();
        for (home, list) in &g.replicas {
            let at = yaml_path![
                "datasets",
                i,
                "placement",
                "geo-sharded",
                "replicas",
                home.as_str()
            ];
            let Some(h) = check.region(names, home, at.clone()) else {
                continue;
            };
            let Some(shard) = shards.iter_mut().find(|s| s.home == h) else {
                check.error(
                    at,
                    format!("`{home}` is no residency rule's home: replicas are listed per home"),
                );
                continue;
            };
            for (k, r) in list.iter().enumerate() {
                let mut p = at.clone();
                p.push(Seg::Index(k));
                if let Some(id) = check.region(names, r, p.clone()) {
                    if id == h || shard.replicas.contains(&id) {
                        check.error(p, format!("`{r}` is the shard's home or listed twice"));
                    } else {
                        shard.replicas.push(id);
                    }
                }
            }
        }
        if let Some(t) = g.failover.as_ref().and_then(|f| f.target.as_ref()) {
            shard_targets(t, &mut shards, names, i, check);
        }
        placement.shards = shards;
    }
}

/// A geo-sharded dataset's failover `target`: a region (every shard with
/// a replica there promotes it; some shard must have one), or per home the
/// region of one of that shard's replicas.
pub(super) fn shard_targets(
    target: &TargetFile,
    shards: &mut [Shard],
    names: &[String],
    i: usize,
    check: &mut Checker,
) {
    let at = yaml_path![
        "datasets",
        i,
        "placement",
        "geo-sharded",
        "failover",
        "target"
    ];
    let replicas_of = |s: &Shard| {
        s.replicas
            .iter()
            .map(|r| names[usize::from(r.0)].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match target {
        TargetFile::Region(name) => {
            let Some(r) = check.region(names, name, at.clone()) else {
                return;
            };
            let mut any = false;
            for s in shards.iter_mut() {
                s.target = s.replicas.iter().position(|&x| x == r);
                any |= s.target.is_some();
            }
            if !any {
                check.error(
                    at,
                    format!("failover target `{name}` holds no shard's replica: name a region listed under `replicas`, or one per shard ({{HOME: REGION}})"),
                );
            }
        }
        TargetFile::PerShard(map) => {
            for (home, name) in map {
                let mut here = at.clone();
                here.push(Seg::Key(home.clone()));
                let Some(h) = check.region(names, home, here.clone()) else {
                    continue;
                };
                let Some(shard) = shards.iter_mut().find(|s| s.home == h) else {
                    check.error(
                        here,
                        format!("`{home}` is no shard's home: targets are named per home"),
                    );
                    continue;
                };
                let Some(r) = check.region(names, name, here.clone()) else {
                    continue;
                };
                shard.target = shard.replicas.iter().position(|&x| x == r);
                if shard.target.is_none() {
                    check.error(
                        here,
                        format!(
                            "`{name}` holds no replica of the shard at `{home}`; its replicas are: {}",
                            if shard.replicas.is_empty() { "none".to_string() } else { replicas_of(shard) }
                        ),
                    );
                }
            }
        }
    }
}

/// Most apply threads per replica (MySQL's `replica_parallel_workers`
/// goes to 1024; past a few dozen, more threads only add contention).
pub(super) const MAX_APPLY_THREADS: u32 = 64;
