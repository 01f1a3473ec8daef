//! Data residency: geo-sharded datasets, restricted data, violations
//! counted from where writes come to rest.

use crate::common::*;

/// EU users' records live in eu-west-1 and may be copied to eu-central-1;
/// US users' in us-east-1 and us-west-2. `profiles` is geo-sharded with
/// `eu_replicas` for the EU shard; each shard fails over to its replica.
/// Then `failures:` and `extra`.
fn geo(eu_replicas: &str, extra: &str) -> String {
    format!(
        "name: geo
seed: 11
warmup: 10s
duration: 3h
bucket: 5m
regions:
  - {{name: us-east-1, jurisdiction: US}}
  - {{name: us-west-2, jurisdiction: US}}
  - {{name: eu-west-1, jurisdiction: EU}}
  - {{name: eu-central-1, jurisdiction: EU}}
network: {{preset: aws}}
health_checks: {{interval: 5s, timeout: 2s, failure_threshold: 2}}
residency:
  - {{jurisdiction: EU, home: eu-west-1, allowed: [eu-west-1, eu-central-1]}}
  - {{jurisdiction: US, home: us-east-1, allowed: [us-east-1, us-west-2]}}
datasets:
  - name: profiles
    keys: 4000
    popularity: per-user
    placement:
      geo-sharded:
        apply_time: 1ms
        replicas: {{eu-west-1: {eu_replicas}, us-east-1: [us-west-2]}}
        failover: {{promotion_delay: 20s}}
workload:
  - {{region: us-east-1, users: 1000, timeout: 2s, retries: 2, rates: {{profiles: {{reads_per_s: 20, writes_per_s: 5}}}}}}
  - {{region: us-west-2, users: 1000, timeout: 2s, retries: 2, rates: {{profiles: {{reads_per_s: 20, writes_per_s: 5}}}}}}
  - {{region: eu-west-1, users: 1000, timeout: 2s, retries: 2, rates: {{profiles: {{reads_per_s: 20, writes_per_s: 5}}}}}}
  - {{region: eu-central-1, users: 1000, timeout: 2s, retries: 2, rates: {{profiles: {{reads_per_s: 20, writes_per_s: 5}}}}}}
{extra}"
    )
}

/// Every region fails at random (every 15 minutes on average, for 4), so
/// shards fail over back and forth.
const RANDOM_FAILURES: &str = "failures:
  - {region: eu-west-1, mtbf: {exponential: {mean: 15m}}, mttr: {exponential: {mean: 4m}}}
  - {region: eu-central-1, mtbf: {exponential: {mean: 15m}}, mttr: {exponential: {mean: 4m}}}
  - {region: us-east-1, mtbf: {exponential: {mean: 15m}}, mttr: {exponential: {mean: 4m}}}
  - {region: us-west-2, mtbf: {exponential: {mean: 15m}}, mttr: {exponential: {mean: 4m}}}
";

#[test]
fn a_correct_rule_is_never_broken_even_through_failovers() {
    let sum = summary(&geo(
        "[eu-central-1]",
        &format!("{RANDOM_FAILURES}sessions: {{store: regional}}\n"),
    ));
    // The shards failed over (so promotion moved data), and nothing came
    // to rest outside its allowed regions.
    assert!(fig(&sum, "datasets.profiles.failover.promotions") >= 4.0);
    assert!(fig(&sum, "datasets.profiles.writes.committed") > 100_000.0);
    assert_eq!(fig(&sum, "datasets.profiles.residency.violations"), 0.0);
    assert_eq!(fig(&sum, "residency.violations"), 0.0);
    assert_eq!(fig(&sum, "residency.session_violations"), 0.0);
    // Nobody roams: no read crossed a border.
    assert_eq!(fig(&sum, "residency.cross_border_reads"), 0.0);
}

#[test]
fn a_mistaken_replica_breaks_the_rule_once_per_write_it_receives() {
    let sum = summary(&geo("[eu-central-1, us-east-1]", ""));
    let violations = fig(&sum, "datasets.profiles.residency.violations");
    // Every EU write of the span that reached us-east-1: the replica's lag
    // is recorded once for each.
    let replicated = fig(&sum, "datasets.profiles.replicas.us-east-1.lag.count");
    assert!(replicated > 30_000.0, "{replicated}");
    assert_eq!(violations, replicated);
    // The scenario says so before it runs.
    let s = scenario(&geo("[eu-central-1, us-east-1]", ""));
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("EU users get a copy in us-east-1")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn a_global_dataset_and_sessions_hold_eu_data_where_it_may_not_be() {
    // The same users, their records in one single-primary dataset in
    // us-east-1 with a replica in eu-west-1: every EU write commits in the
    // US and every US write is applied in the EU.
    let yaml = geo("[eu-central-1]", "sessions: {store: global}\n").replace(
        "    popularity: per-user\n    placement:\n      geo-sharded:\n        apply_time: 1ms\n        replicas: {eu-west-1: [eu-central-1], us-east-1: [us-west-2]}\n        failover: {promotion_delay: 20s}\n",
        "    popularity: per-user\n    restricted: true\n    placement:\n      single-primary: {primary: us-east-1, replicas: [eu-west-1], apply_time: 1ms}\n",
    );
    let sum = summary(&yaml);
    let committed = fig(&sum, "datasets.profiles.writes.committed");
    let violations = fig(&sum, "datasets.profiles.residency.violations");
    // Half the writers are European (committed in us-east-1), half
    // American (applied in eu-west-1): one violation per write.
    assert_eq!(violations, committed);
    // A global session store puts each user's session in the two regions
    // of the other jurisdiction at every request.
    let requests: f64 = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]
        .iter()
        .map(|r| fig(&sum, &format!("clients.{r}.requests.attempted")))
        .sum();
    assert_eq!(fig(&sum, "residency.session_violations"), 2.0 * requests);
}

#[test]
fn failing_eu_data_over_to_a_us_region_breaks_the_rule() {
    // The EU shard's only replica is in us-east-1; its home fails for ten
    // minutes and the shard fails over there.
    let sum = summary(&geo(
        "[us-east-1]",
        "failures: [{region: eu-west-1, at: 30m, duration: 10m}]\n",
    ));
    assert_eq!(fig(&sum, "datasets.profiles.failover.promotions"), 1.0);
    let violations = fig(&sum, "datasets.profiles.residency.violations");
    let replicated = fig(&sum, "datasets.profiles.replicas.us-east-1.lag.count");
    // Every EU write replicated to us-east-1 before, and every one
    // committed there once it is the shard's primary: there is no
    // failback, so from the promotion (about 30 s after the failure) to
    // the end, 2.5 hours at 10 writes/s, less the 10 minutes eu-west-1's
    // own users (5/s) were down with their region: 86,700.
    let committed_there = violations - replicated;
    assert!(
        (85_000.0..88_400.0).contains(&committed_there),
        "{violations} violations, {replicated} replicated"
    );
}

#[test]
fn a_tenant_rule_comes_before_the_jurisdiction_rule() {
    // eu-west-1's users belong to tenant acme, whose contract allows the
    // US: their records in us-east-1 are no longer violations.
    let global = |tenant: &str, rule: &str| {
        geo("[eu-central-1]", "")
            .replace("residency:\n", &format!("residency:\n{rule}"))
            .replace(
                "    popularity: per-user\n    placement:\n      geo-sharded:\n        apply_time: 1ms\n        replicas: {eu-west-1: [eu-central-1], us-east-1: [us-west-2]}\n        failover: {promotion_delay: 20s}\n",
                "    popularity: per-user\n    restricted: true\n    placement:\n      single-primary: {primary: us-east-1, apply_time: 1ms}\n",
            )
            .replace("{region: eu-west-1, users: 1000,", &format!("{{region: eu-west-1, users: 1000, {tenant}"))
    };
    let plain = summary(&global("", ""));
    let acme = summary(&global(
        "tenant: acme,",
        "  - {tenants: [acme], home: us-east-1, allowed: [us-east-1, eu-west-1]}\n",
    ));
    let writes =
        |s: &serde_json::Value, r: &str| fig(s, &format!("clients.{r}.write_latency.count"));
    // Without the tenant rule every EU write commits where it may not;
    // with it, only eu-central-1's. (Writes are counted by send time,
    // violations by commit time: a few cross the end of the warm-up.)
    let close = |a: f64, b: f64| (a - b).abs() <= 5.0;
    let (v, w) = (
        fig(&plain, "datasets.profiles.residency.violations"),
        writes(&plain, "eu-west-1") + writes(&plain, "eu-central-1"),
    );
    assert!(close(v, w) && v > 50_000.0, "{v} violations, {w} EU writes");
    let (v, w) = (
        fig(&acme, "datasets.profiles.residency.violations"),
        writes(&acme, "eu-central-1"),
    );
    assert!(close(v, w), "{v} violations, {w} writes from eu-central-1");
}

#[test]
fn rules_that_hold_no_dataset_are_pointed_out() {
    // The same users and rules, the dataset not restricted.
    let yaml = geo("[eu-central-1]", "").replace(
        "    popularity: per-user\n    placement:\n      geo-sharded:\n        apply_time: 1ms\n        replicas: {eu-west-1: [eu-central-1], us-east-1: [us-west-2]}\n        failover: {promotion_delay: 20s}\n",
        "    popularity: per-user\n    placement:\n      single-primary: {primary: us-east-1, replicas: [eu-west-1], apply_time: 1ms}\n",
    );
    let s = scenario(&yaml);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("no dataset is `restricted`") && w.contains("change nothing")),
        "{:?}",
        s.warnings
    );
    // Restricting it makes them count.
    let s = scenario(&yaml.replace(
        "    popularity: per-user\n",
        "    popularity: per-user\n    restricted: true\n",
    ));
    assert!(!s.warnings.iter().any(|w| w.contains("no dataset is")));
}

/// The founding design: EU records in eu-west-1 only (a shard with no
/// replica: nothing to fail over to, and nothing outside its home), US
/// records in us-east-1 failing over to us-west-2, named as the US shard's
/// target. It loads (with a warning naming the shard that cannot fail
/// over) and runs through a US outage: the US shard is promoted, the EU
/// shard stays where it is, and no EU record comes to rest outside the EU.
#[test]
fn the_founding_design_loads_and_keeps_eu_records_home_through_a_us_failover() {
    let yaml = geo(
        "[]",
        "failures:\n  - {region: us-east-1, at: 10m, duration: 20m}\n",
    )
    .replace("duration: 3h", "duration: 1h")
    .replace(
        "failover: {promotion_delay: 20s}",
        "failover: {promotion_delay: 20s, target: {us-east-1: us-west-2}}",
    );
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "f.yaml", &yaml);
    let o = regionsim(tmp.path(), &["validate", "f.yaml"]);
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("the shard at eu-west-1 has no replica"),
        "{out}"
    );
    let s = summary(&yaml);
    assert_eq!(fig(&s, "datasets.profiles.failover.promotions"), 1.0);
    assert_eq!(fig(&s, "datasets.profiles.residency.violations"), 0.0);
    assert_eq!(fig(&s, "residency.violations"), 0.0);
    // EU users never lost their home; US writes came back after the
    // promotion, at us-west-2.
    assert_eq!(fig(&s, "clients.eu-west-1.requests.failed"), 0.0);
    assert!(fig(&s, "clients.us-west-2.recovery.write_rto_ms") < 60_000.0);
    // A target of a shard that has no replica there is refused.
    let bad = yaml.replace("{us-east-1: us-west-2}", "{eu-west-1: eu-central-1}");
    write(tmp.path(), "bad.yaml", &bad);
    let o = regionsim(tmp.path(), &["validate", "bad.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("holds no replica of the shard at `eu-west-1`; its replicas are: none"),
        "{err}"
    );
}
