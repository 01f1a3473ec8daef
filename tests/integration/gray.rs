//! Gray failures and retries (issue 27): an app tier that answers its
//! health checks but fails a share of its requests; retries amplify the
//! load it is offered as the closed form says.

use crate::common::{fig, series, summary, validate};

/// Users in a reading 1,000 times a second through a's app tier (the
/// primary in a, a replica in b with a failover and Route 53's fast
/// checks); a's app tier fails `share` of its requests for the whole
/// span; `retries` retries 10 ms apart.
fn gray(share: &str, retries: u32) -> String {
    format!(
        r#"
name: gray
seed: 4
duration: 60s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
network: {{intra_region: 1ms, links: [{{between: [a, b], delay: 20ms}}]}}
health_checks: {{preset: route53-fast, checkers: [b]}}
datasets:
  - name: d
    keys: 1000
    placement:
      single-primary: {{primary: a, replicas: [b], apply_time: 1ms, failover: {{}}}}
workload:
  - {{region: a, timeout: 1s, retries: {retries}, backoff: 10ms, rates: {{d: {{reads_per_s: 1000}}}}}}
failures:
  - {{region: a, error_share: {share}, at: 0s, duration: 60s}}
"#
    )
}

/// Retry amplification: each attempt fails independently with
/// probability p = 0.3 and a request is tried up to k + 1 = 3 times, so
/// it succeeds with probability 1 - p^3 = 97.3 % and costs
/// (1 - p^3) / (1 - p) = 1 + p + p^2 = 1.39 attempts: the app tier is
/// offered 1.39 times the base load, 30 % of it failed.
#[test]
fn retries_amplify_the_load_as_the_closed_form_says() {
    let (p, k) = (0.3f64, 2);
    let s = summary(&gray("0.3", k));
    let attempted = fig(&s, "clients.a.requests.attempted");
    let retried = fig(&s, "clients.a.requests.retried");
    let errors = fig(&s, "clients.a.requests.app_errors");
    let offered = (attempted + retried) / attempted;
    let want = (1.0 - p.powi(k as i32 + 1)) / (1.0 - p);
    assert!(
        (offered - want).abs() < 0.01,
        "{offered} attempts a request, want {want}"
    );
    assert!(
        (errors / (attempted + retried) - p).abs() < 0.01,
        "{errors}"
    );
    let availability = fig(&s, "clients.a.requests.availability");
    let want = 1.0 - p.powi(k as i32 + 1);
    assert!(
        (availability - want).abs() < 0.005,
        "{availability}, want {want}"
    );
}

/// A gray failure of half a's requests: the health checks still see a's
/// app tier answer, so nothing fails over and DNS moves nobody, and without
/// retries a's availability is 50 % (within sampling error) for the whole
/// span; the database's figures show no failover.
#[test]
fn a_gray_failure_triggers_no_failover_and_halves_availability() {
    let s = summary(&gray("0.5", 0));
    let availability = fig(&s, "clients.a.requests.availability");
    assert!((availability - 0.5).abs() < 0.01, "{availability}");
    assert_eq!(fig(&s, "datasets.d.failover.promotions"), 0.0);
    // A region outage of the same app tier is seen and failed over.
    let down = summary(&gray("0.5", 0).replace("error_share: 0.5, ", "service: database, "));
    assert!(fig(&down, "datasets.d.failover.promotions") >= 1.0);
}

/// Bad values: a share of 0, above 1 or not a number, with another kind,
/// or without a region: exit 2 with the line.
#[test]
fn bad_error_shares_are_refused_with_their_line() {
    for (share, words) in [
        ("0", "above 0 and at most 1"),
        ("1.5", "above 0 and at most 1"),
        ("lots", "error_share"),
        (
            "0.5, load_factor: 2",
            "this one gives load_factor and error_share",
        ),
    ] {
        let (code, err, _) = validate(&gray(share, 0));
        assert_eq!(code, Some(2), "{share}: {err}");
        assert!(err.contains(words), "{share}: {err}");
        assert!(err.contains("test.yaml:"), "{err}");
    }
    let (code, err, _) = validate(&gray("0.5", 0).replace("region: a, error_share", "error_share"));
    assert_eq!(code, Some(2), "{err}");
}

/// Jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): half
/// of a's requests fail at the app tier, one retry after a 100 ms backoff.
/// A request answered at once takes 4 ms (1 ms each way between client
/// and app tier, and app tier and database); one failed first is told
/// 2 ms in, waits, and takes 4 ms more: 6 ms plus the wait. From the
/// answered requests' mean latency, with n1 of them answered at once
/// (answered - (retried - failed)), the mean wait is
/// (mean x answered - 4 n1) / (answered - n1) - 6: 100 ms without jitter,
/// 50 with full jitter (uniform 0-100), 75 with equal (50 + uniform 0-50),
/// 200 with decorrelated (uniform 100-300); the slowest answer 6 ms past
/// the longest wait.
#[test]
fn jitter_draws_each_wait_as_its_kind_says() {
    for (jitter, wait, sd, longest) in [
        ("none", 100.0, 0.0, 100.0),
        ("full", 50.0, 28.9, 100.0),
        ("equal", 75.0, 14.4, 100.0),
        ("decorrelated", 200.0, 57.7, 300.0),
    ] {
        let yaml = gray("0.5", 1).replace(
            "backoff: 10ms,",
            &format!("backoff: 100ms, jitter: {jitter},"),
        );
        let s = summary(&yaml);
        let answered = fig(&s, "clients.a.read_latency.count");
        let retried = fig(&s, "clients.a.requests.retried");
        let failed = fig(&s, "clients.a.requests.failed");
        let at_once = answered - (retried - failed);
        let mean = fig(&s, "clients.a.read_latency.mean_ms");
        let got = (mean * answered - 4.0 * at_once) / (answered - at_once) - 6.0;
        // Four standard errors of a mean over the retried answers.
        let tolerance = 4.0 * sd / (answered - at_once).sqrt() + 0.05;
        assert!(
            (got - wait).abs() < tolerance,
            "{jitter}: mean wait {got} ms, want {wait}"
        );
        let max = fig(&s, "clients.a.read_latency.max_ms");
        assert!(
            max <= longest + 6.0 + 0.01 && max > longest + 6.0 - 1.0,
            "{jitter}: {max}"
        );
    }
    // A cap of the backoff itself: decorrelated waits are all 100 ms.
    let capped = summary(&gray("0.5", 1).replace(
        "backoff: 10ms,",
        "backoff: 100ms, max_backoff: 100ms, jitter: decorrelated,",
    ));
    assert_eq!(fig(&capped, "clients.a.read_latency.max_ms"), 106.0);
}

/// gRPC's retry throttling (gRFC A6): tokens start at max_tokens = 10,
/// each failed attempt takes one, each answered request gives back 0.1,
/// and a retry is made only while more than 5 remain. Every retry made
/// follows a failed attempt that took a token, and the tokens never go
/// below 0, so retries made <= 10 + 0.1 x answered requests. Under a gray
/// failure of 90 % of the requests with 3 retries each, unthrottled
/// clients offer 1 + 0.9 + 0.81 + 0.729 = 3.44 attempts a request; the
/// throttled ones stay within that bound and count what they held back.
#[test]
fn a_retry_throttle_bounds_the_retries_by_the_successes() {
    let base = gray("0.9", 3).replacen("duration: 60s", "warmup: 0s\nduration: 60s", 1);
    let open = summary(&base);
    let per = fig(&open, "clients.a.requests.retried") / fig(&open, "clients.a.requests.attempted");
    assert!((per - (0.9 + 0.81 + 0.729)).abs() < 0.02, "{per}");
    let throttled = summary(&base.replace(
        "backoff: 10ms,",
        "backoff: 10ms, retry_throttle: {max_tokens: 10, token_ratio: 0.1},",
    ));
    let retried = fig(&throttled, "clients.a.requests.retried");
    let answered = fig(&throttled, "clients.a.requests.succeeded");
    assert!(
        retried <= 10.0 + 0.1 * answered,
        "{retried} retries, {answered} answered"
    );
    assert!(retried > 0.0);
    assert!(fig(&throttled, "clients.a.requests.throttled") > 10_000.0);
}

/// Retry policy fields need retries, and sane numbers: exit 2 with the
/// line.
#[test]
fn bad_retry_policies_are_refused_with_their_line() {
    for (policy, words) in [
        ("jitter: full,", "`jitter` shapes retries"),
        ("jitter: uniform,", "unknown variant `uniform`"),
        ("max_backoff: 1ms,", "give at least the backoff"),
        (
            "retry_throttle: {max_tokens: 0, token_ratio: 0.1},",
            "max_tokens is 0",
        ),
        (
            "retry_throttle: {max_tokens: 10, token_ratio: 2},",
            "token_ratio is 2",
        ),
    ] {
        let retries = if policy.starts_with("jitter: full") {
            0
        } else {
            1
        };
        let yaml =
            gray("0.5", retries).replace("backoff: 10ms,", &format!("backoff: 10ms, {policy}"));
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{policy}: {err}");
        assert!(err.contains(words), "{policy}: {err}");
        assert!(err.contains("test.yaml:"), "{err}");
    }
}

/// Users in c behind a failover record (a, else b; TTL 1 s), app tiers
/// and copies in a and b; a's app tier fails at 20 s for the rest of the
/// span; Route 53's fast checks from c. `connections` is the routing
/// section's pooled connections ("" for none).
fn pooled(connections: &str) -> String {
    format!(
        r#"
name: pooled
seed: 6
duration: 250s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 20ms}}
    - {{between: [a, c], delay: 10ms}}
    - {{between: [b, c], delay: 30ms}}
health_checks: {{preset: route53-fast, checkers: [c]}}
routing: {{policy: failover, primary: a, secondary: b, ttl: 1s{connections}}}
datasets:
  - name: carts
    keys: 100
    placement:
      active-active: {{regions: [a, b], apply_time: 0ms}}
workload:
  - {{region: c, rates: {{carts: {{reads_per_s: 200}}}}}}
failures:
  - {{region: a, service: app, at: 20s, duration: 230s}}
"#
    )
}

/// Pooled connections with lifetime L = 100 s, 1,000 per client region,
/// of uniform ages: a connection moves only when it reopens, so after the
/// resolvers switch (within their 1 s TTL of the detection) the share
/// still sent to a falls as 1 - t/L: half moved about 50 s after the
/// detection and 95 % about 95 s after it (a binomial over 1,000
/// connections: a standard deviation of 1.6 s and 0.7 s); without pooled
/// connections the resolvers alone move everyone within the TTL.
#[test]
fn pooled_connections_move_off_a_failed_region_as_they_reopen() {
    let at = |s: &serde_json::Value, p: &str| {
        regionsim::report::aggregate::at(s, &format!("points.0.figures.incidents.0.{p}.mean"))
            .and_then(serde_json::Value::as_f64)
            .unwrap_or_else(|| panic!("no {p}"))
    };
    let s = summary(&pooled(", connections: {lifetime: 100s, per_region: 1000}"));
    let detected = at(&s, "detection_ms");
    let half = at(&s, "dns_50_ms") - detected;
    let most = at(&s, "dns_95_ms") - detected;
    assert!(
        (half - 50_000.0).abs() < 5_000.0,
        "half moved {half} ms after detection"
    );
    assert!(
        (most - 95_000.0).abs() < 3_000.0,
        "95 % moved {most} ms after detection"
    );
    let plain = summary(&pooled(""));
    let most = at(&plain, "dns_95_ms") - at(&plain, "detection_ms");
    assert!(most <= 1_000.0, "{most}");
    // Bad values exit 2 with the line.
    for (c, words) in [
        (", connections: {lifetime: 0s}", "lifetime is 0"),
        (
            ", connections: {lifetime: 10s, per_region: 0}",
            "per_region is 0",
        ),
        (", connections: {lifetime: 10s, size: 3}", "size"),
    ] {
        let (code, err, _) = validate(&pooled(c));
        assert_eq!(code, Some(2), "{c}: {err}");
        assert!(err.contains(words), "{c}: {err}");
    }
    let proxied =
        pooled(", connections: {lifetime: 10s}").replace("ttl: 1s", "preset: cloudflare-proxied");
    let (code, err, _) = validate(&proxied);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("would change nothing"), "{err}");
}

/// One app tier of 10 workers serving each request in 10 ms: capacity
/// mu = 1,000 a second. Its users send 700 a second (rho = 0.7: waits of
/// a few milliseconds), give up on an attempt after 200 ms and retry 3
/// times (10, 20, 40 ms apart); an attempt given up on still takes a
/// worker (the app tier does not know). `extra` goes into the workload
/// entry; `spike` is the failures section.
fn storm(extra: &str, spike: &str) -> String {
    format!(
        r#"
name: storm
seed: 1
warmup: 10s
duration: 120s
bucket: 5s
regions:
  - {{name: a, jurisdiction: X, app: {{servers: 10, service_time: 10ms}}}}
network: {{intra_region: 1ms}}
datasets:
  - name: d
    keys: 1000
    placement: {{single-primary: {{primary: a, apply_time: 1ms}}}}
workload:
  - {{region: a, timeout: 200ms, retries: 3, backoff: 10ms{extra}, rates: {{d: {{reads_per_s: 700}}}}}}
failures:
{spike}
"#
    )
}

const SPIKE: &str = "  - {region: a, load_factor: 2, at: 20s, duration: 10s}";

/// A metastable failure (Huang et al., OSDI 2022), constructed. Alone,
/// 700 a second on a capacity of 1,000 is stable: every request answered.
/// A 10 s spike to 1,400 a second queues 400 a second: 4,000 requests, a
/// 4 s wait, far past the 200 ms timeout, so every attempt times out and
/// each request makes 4: 2,800 a second offered after the spike, above
/// the capacity, and the queue keeps growing: nothing is answered for the
/// rest of the run, long after the trigger ended (the spike ends at 30 s:
/// every 5 s bucket from 35 s on answers nothing). With gRPC's retry
/// throttle the retries stop once the tokens run low: 700 a second drain
/// the spike's 4,000 at 300 a second, in 13.3 s, so requests are answered
/// again by 45 s (the spike's end, the drain, a bucket) and every bucket
/// after is whole.
///
/// The detector (`metastability: {within: 60s}`) says which: without the
/// throttle, metastable, the app tier and the region never back; with it,
/// back 15 s after the spike's end (the drain ends at 43.3 s, inside the
/// bucket 40-45 s, which is still out: busy 3.3 s of 5 plus 70 % of the
/// rest, 90 %, above the 70 % before times 1.1 + 4 sqrt(2 / 3,500)).
#[test]
fn retries_without_a_budget_keep_a_station_down_after_the_spike() {
    let base = summary(&storm("", ""));
    let a = crate::common::availability_series(&base, "a");
    assert!(a.iter().all(|&x| x == 1.0));
    let judged = |yaml: String| yaml + "metastability: {within: 60s}\n";
    let open = summary(&judged(storm("", SPIKE)));
    let a = crate::common::availability_series(&open, "a");
    // Buckets of 5 s from the start of the measured span, which the
    // spike's `at` counts from too: it covers buckets 4 and 5; 35 s on is
    // bucket 7 on.
    assert!(a[..4].iter().all(|&x| x == 1.0), "{a:?}");
    assert!(a[7..].iter().all(|&x| x < 0.01), "{a:?}");
    let busy = series(&open, "app_tiers.a.utilisation_by_bucket");
    assert!(busy[7..].iter().all(|&x| x > 0.99), "{busy:?}");
    // Offered load stays above the capacity: every attempt times out, so
    // each request is sent 4 times, 2,800 a second; 2,100 of them retries.
    let offered = series(&open, "app_tiers.a.offered_per_s_by_bucket");
    for &x in &offered[8..] {
        assert!((x - 2_800.0).abs() < 0.04 * 2_800.0, "{offered:?}");
    }
    let retries = series(&open, "clients.a.timeline.retries_per_s");
    for &x in &retries[8..] {
        assert!((x - 2_100.0).abs() < 0.04 * 2_100.0, "{retries:?}");
    }
    // The backlog grows by 1,800 a second past the capacity: more waiting
    // in each bucket than the one before.
    let queue = series(&open, "app_tiers.a.queue_by_bucket");
    assert!(queue[8..].windows(2).all(|w| w[1] > w[0]), "{queue:?}");
    assert_eq!(fig(&open, "metastability.metastable"), 1.0);
    assert_eq!(fig(&open, "metastability.app_tiers.a.metastable"), 1.0);
    assert_eq!(fig(&open, "metastability.clients.a.metastable"), 1.0);
    assert!(open["points"][0]["figures"]["metastability"]["back_after_ms"].is_null());
    let throttle = ", retry_throttle: {max_tokens: 10, token_ratio: 0.1}";
    let throttled = summary(&judged(storm(throttle, SPIKE)));
    let t = crate::common::availability_series(&throttled, "a");
    // 45 s on is bucket 9 on.
    assert!(t[9..].iter().all(|&x| x > 0.99), "{t:?}");
    assert!(t[5] < 0.5, "the spike itself still hurts: {t:?}");
    assert_eq!(fig(&throttled, "metastability.metastable"), 0.0);
    assert_eq!(fig(&throttled, "metastability.back_after_ms"), 15_000.0);
    assert_eq!(
        fig(&throttled, "metastability.app_tiers.a.back_after_ms"),
        15_000.0
    );
    // From the incident's start (20 s): 10 s of spike and 15 s.
    assert_eq!(fig(&throttled, "incidents.0.state_back_ms"), 25_000.0);
}

/// The detector's settings each change its verdict: back 15 s after the
/// spike is metastable when the design must be back within 10 s; with a
/// tolerance of 50 % the app tier's bucket 40-45 s (busy 90 %, below 70 %
/// x (1.5 + 0.1)) already counts as back, so it is back after 10 s (the
/// buckets before, saturated, are not back however loose the tolerance),
/// while the region's requests still failed in it. A spike at
/// the start of the span leaves no state before it to come back to: not
/// known.
#[test]
fn the_detectors_settings_change_its_verdict() {
    let throttled = |settings: &str, spike: &str| {
        summary(
            &(storm(
                ", retry_throttle: {max_tokens: 10, token_ratio: 0.1}",
                spike,
            ) + &format!("metastability: {{{settings}}}\n")),
        )
    };
    let strict = throttled("within: 10s", SPIKE);
    assert_eq!(fig(&strict, "metastability.metastable"), 1.0);
    assert_eq!(fig(&strict, "metastability.back_after_ms"), 15_000.0);
    let loose = throttled("within: 60s, tolerance: 50%", SPIKE);
    assert_eq!(
        fig(&loose, "metastability.app_tiers.a.back_after_ms"),
        10_000.0
    );
    assert_eq!(fig(&loose, "metastability.back_after_ms"), 15_000.0);
    let early = throttled("within: 60s", &SPIKE.replace("at: 20s", "at: 0s"));
    let m = &early["points"][0]["figures"]["metastability"];
    assert!(m["metastable"].is_null(), "{m}");
    assert!(m["app_tiers"]["a"]["back_after_ms"].is_null(), "{m}");
    let text = regionsim::report::table(&early);
    assert!(text.contains("not known"), "{text}");
}

/// Bad settings of the detector exit 2 naming the line.
#[test]
fn bad_metastability_settings_are_refused_with_their_line() {
    for (settings, words) in [
        ("within: 0s", "within is 0"),
        ("within: 60s, tolerance: -5%", "tolerance is a share"),
        ("within: 60s, tolerance: lots", "tolerance"),
        ("within: 60s, patience: 3", "unknown field"),
        ("tolerance: 10%", "missing field `within`"),
    ] {
        let yaml = storm("", SPIKE) + &format!("metastability: {{{settings}}}\n");
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{settings}: {err}");
        assert!(err.contains(words), "{settings}: {err}");
        assert!(err.contains(":18:"), "{settings}: the line: {err}");
    }
    let (code, err, _) = validate(&(storm("", "") + "metastability: {within: 60s}\n"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("has none"), "{err}");
    // A list where a section is wanted: said in the file's words, not
    // the reader's type.
    let (code, err, _) = validate(&(storm("", SPIKE) + "metastability: [60s]\n"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("expected a mapping of its fields"), "{err}");
    assert!(!err.contains("MetastabilityFile"), "{err}");
}

/// A deadline across attempts: half of a's requests fail at the app tier
/// (told 2 ms in), 5 retries after 100 ms doubling. With a 250 ms
/// deadline the first retry starts at 102 ms, the second would start at
/// 304 ms, past it: two attempts at most, so a request succeeds with
/// probability 1 - p^2 = 75 % and is retried once with probability
/// p = 50 %; without the deadline, 1 - p^6 = 98.4 %.
#[test]
fn a_deadline_across_attempts_caps_the_retries() {
    let yaml =
        |extra: &str| gray("0.5", 5).replace("backoff: 10ms,", &format!("backoff: 100ms,{extra}"));
    let capped = summary(&yaml(" deadline: 250ms,"));
    let availability = fig(&capped, "clients.a.requests.availability");
    assert!((availability - 0.75).abs() < 0.01, "{availability}");
    let per =
        fig(&capped, "clients.a.requests.retried") / fig(&capped, "clients.a.requests.attempted");
    assert!((per - 0.5).abs() < 0.01, "{per}");
    let open = summary(&yaml(""));
    let availability = fig(&open, "clients.a.requests.availability");
    assert!(
        (availability - (1.0 - 0.5f64.powi(6))).abs() < 0.005,
        "{availability}"
    );
    let (code, err, _) = validate(&yaml(" deadline: 0s,"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("deadline is 0"), "{err}");
}

/// Users in a read 100 times a second through a's app tier (100 workers
/// of exactly 10 ms: no wait), b's app tier the other endpoint of latency
/// routing, one checker in b probing every 10 s with a 30 ms timeout (a
/// shallow probe's round trip is 10 ms, a deep one's 20 ms).
/// `failure` is the failures section, `probe` the health checks' probe.
fn slowed(failure: &str, probe: &str) -> String {
    format!(
        r#"
name: slowed
seed: 5
duration: 120s
regions:
  - {{name: a, jurisdiction: X, app: {{servers: 100, service_time: 10ms}}}}
  - {{name: b, jurisdiction: X, app: {{servers: 100, service_time: 10ms}}}}
network: {{intra_region: 1ms, links: [{{between: [a, b], delay: 5ms}}]}}
health_checks: {{checkers: [b], interval: 10s, timeout: 30ms, failure_threshold: 3{probe}}}
routing: {{policy: latency, endpoints: [a, b], ttl: 1s}}
datasets:
  - name: d
    keys: 1000
    placement:
      single-primary: {{primary: a, replicas: [b], apply_time: 1ms}}
workload:
  - {{region: a, timeout: 1s, rates: {{d: {{reads_per_s: 100}}}}}}
failures:
{failure}
"#
    )
}

const SLOW: &str = "  - {region: a, slow_factor: 5, at: 10s, duration: 200s}";

/// A slow gray failure: a's app tier serves every request 5 times slower,
/// 50 ms instead of 10 ms, with 100 workers for 100 requests a second
/// (utilisation 5 %: no wait), so the median read takes exactly 40 ms
/// more from the failure on, every request still answered. The shallow
/// probe (a liveness endpoint) never notices; the deep one waits for a
/// worker and is served in 50 ms, past its 30 ms timeout: the third
/// failed probe in a row, 20-30 s after the failure began (probes every
/// 10 s), sees a down, and DNS moves the users to b.
#[test]
fn a_slow_gray_failure_passes_shallow_checks_and_fails_deep_ones() {
    let quiet = summary(&slowed("", ""));
    let base = fig(&quiet, "clients.a.read_latency.p50_ms");
    let shallow = summary(&slowed(&SLOW.replace("at: 10s", "at: 0s"), ""));
    let slow = fig(&shallow, "clients.a.read_latency.p50_ms");
    assert!((slow - base - 40.0).abs() < 0.5, "{base} -> {slow}");
    assert_eq!(fig(&shallow, "clients.a.requests.availability"), 1.0);
    assert!(shallow["points"][0]["figures"]["incidents"][0]["detection_ms"].is_null());
    // The table says what a slow failure's backlog is.
    let text = regionsim::report::table(&shallow);
    assert!(
        text.contains("note: a app x5 slower: requests that queued"),
        "{text}"
    );
    let deep = summary(&slowed(SLOW, ", probe: deep"));
    let detected = fig(&deep, "incidents.0.detection_ms");
    assert!((20_000.0..30_100.0).contains(&detected), "{detected}");
    // Moved to b: its app tier serves a's users after the detection.
    let b = series(&deep, "app_tiers.b.utilisation_by_bucket");
    assert!(b.last().copied().unwrap_or(0.0) > 0.004, "{b:?}");
    // Without the failure the deep probe changes nothing users see.
    let calm = summary(&slowed("", ", probe: deep"));
    assert_eq!(
        fig(&calm, "clients.a.read_latency.p50_ms"),
        base,
        "a probe is one job in 10 s"
    );
}

/// A deep probe fails like a request under an error share: half of a's
/// requests failing is a down app tier for its checks (three failed
/// probes in a row come within the span), where shallow probes see it
/// healthy for ever.
#[test]
fn a_deep_probe_sees_an_error_share() {
    let errors = "  - {region: a, error_share: 0.5, at: 0s, duration: 200s}";
    let shallow = summary(&slowed(errors, ""));
    assert!(shallow["points"][0]["figures"]["incidents"][0]["detection_ms"].is_null());
    let deep = summary(&slowed(errors, ", probe: deep"));
    assert!(fig(&deep, "incidents.0.detection_ms") < 120_000.0);
}

/// Bad slow gray failures and probes exit 2 with the line.
#[test]
fn bad_slow_factors_and_probes_are_refused_with_their_line() {
    for (yaml, words) in [
        (
            slowed(&SLOW.replace("slow_factor: 5", "slow_factor: 0"), ""),
            "slow_factor multiplies",
        ),
        (
            slowed(
                &SLOW.replace("slow_factor: 5", "slow_factor: 5, error_share: 0.5"),
                "",
            ),
            "one of",
        ),
        (
            slowed(SLOW, "").replacen(", app: {servers: 100, service_time: 10ms}", "", 1),
            "has none",
        ),
        (slowed(SLOW, ", probe: medium"), "unknown variant"),
    ] {
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(words), "{words}: {err}");
        assert!(err.contains(".yaml:"), "{err}");
    }
}

/// Finagle's retry budget (20 % of requests, 10 a second, over 10 s):
/// with every attempt failing and 3 retries, an unbudgeted client sends 4
/// attempts a request; a budgeted one retries 200 a second (a fifth of
/// its 1,000 requests) plus its reserve, 100 retries a window, back every
/// 10 s as they expire: 12,000 + 6 x 100 over 60 s, 0.21 a request. Under
/// 10 % failures it retries 0.1 + 0.01 + 0.001 a request, inside the
/// budget, which then changes nothing.
#[test]
fn a_retry_budget_caps_retries_at_its_share_of_requests() {
    let budget = |share: &str| {
        gray(share, 3).replace(
            "backoff: 10ms,",
            "backoff: 10ms, retry_budget: {share: 20%, min_per_s: 10, ttl: 10s},",
        )
    };
    let per_request = |s: &serde_json::Value| {
        fig(s, "clients.a.requests.retried") / fig(s, "clients.a.requests.attempted")
    };
    let open = summary(&gray("1", 3));
    assert!(
        // Those sent in the last 70 ms (10 + 20 + 40) end with the run.
        (per_request(&open) - 3.0).abs() < 0.005,
        "{}",
        per_request(&open)
    );
    let capped = summary(&budget("1"));
    let r = per_request(&capped);
    assert!((r - 0.21).abs() < 0.005, "{r}");
    // A retry held back ends its request: 0.21 retries a request leave
    // at most 7 % with all three, so nearly every request met the limit.
    let held =
        fig(&capped, "clients.a.requests.throttled") / fig(&capped, "clients.a.requests.attempted");
    assert!((0.93..=1.0).contains(&held), "{held}");
    let light = summary(&budget("0.1"));
    let r = per_request(&light);
    assert!((r - 0.111).abs() < 0.005, "{r}");
    assert_eq!(fig(&light, "clients.a.requests.throttled"), 0.0);
    for (c, words) in [
        ("{share: 0%}", "share above 0%"),
        ("{share: 2000%}", "at most 1000%"),
        ("{ttl: 1500ms}", "whole seconds"),
        ("{ttl: 61s}", "whole seconds"),
        ("{min_per_s: -1}", "min_per_s is -1"),
        ("{shares: 20%}", "unknown field"),
    ] {
        let yaml = gray("1", 3).replace(
            "backoff: 10ms,",
            &format!("backoff: 10ms, retry_budget: {c},"),
        );
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{c}: {err}");
        assert!(err.contains(words), "{c}: {err}");
    }
    let none = gray("1", 0).replace("backoff: 10ms,", "backoff: 10ms, retry_budget: {},");
    let (code, err, _) = validate(&none);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("makes none"), "{err}");
}

/// a's users hold 1,000 pooled connections living an hour; a's app tier
/// fails at 30 s and checks from both regions see it at the next probe
/// (every 5 s, threshold 1); each resolver group answers b within its 1 s
/// TTL. Each connection's opening costs b's app tier (10 workers) a 50 ms
/// handshake. `drain` goes into the connections.
fn drained(drain: &str) -> String {
    format!(
        r#"
name: drain
seed: 6
duration: 120s
bucket: 5s
regions:
  - {{name: a, jurisdiction: X, app: {{servers: 10, service_time: 1ms}}}}
  - {{name: b, jurisdiction: X, app: {{servers: 10, service_time: 1ms}}}}
network: {{intra_region: 1ms, links: [{{between: [a, b], delay: 5ms}}]}}
health_checks: {{checkers: [a, b], interval: 5s, timeout: 1s, failure_threshold: 1, recovery_threshold: 1}}
routing:
  policy: latency
  endpoints: [a, b]
  ttl: 1s
  resolver_groups: 10
  connections: {{lifetime: 1h, per_region: 1000, handshake: 50ms{drain}}}
datasets:
  - name: d
    keys: 1000
    placement: {{single-primary: {{primary: b, replicas: [a], apply_time: 1ms}}}}
workload:
  - {{region: a, timeout: 2s, rates: {{d: {{reads_per_s: 100}}}}}}
failures:
  - {{region: a, service: app, at: 30s, duration: 300s}}
"#
    )
}

/// Connection draining and reconnect storms. Without draining, hour-long
/// connections never leave the dead app tier. Drained all at once, the
/// 1,000 connections reopen within the 1 s TTL of the moment DNS moved
/// and their handshakes put 50 s of work on b's 10 workers at once: the
/// k-th arrives at k x 1 ms and starts at k x 5 ms, 2,000 job-seconds of
/// waiting in all (4 ms x N^2 / 2), and the users' 100 requests a second
/// that follow them wait out the 5 s backlog too, about 500 x 2.5 s:
/// some 3,250 job-seconds. Drained over 60 s,
/// the same handshakes are 0.83 of a worker, nothing waits, and 95 % of
/// the connections have moved 57 s (0.95 x 60 s) after the answers did.
#[test]
fn drained_connections_reconnect_at_once_or_spread_by_their_jitter() {
    let waiting = |s: &serde_json::Value| -> f64 {
        series(s, "app_tiers.b.queue_by_bucket")
            .iter()
            .map(|q| q * 5.0)
            .sum()
    };
    let kept = summary(&drained(""));
    let a = crate::common::availability_series(&kept, "a");
    // Only those whose hour (of uniform ages) ends in the 90 s left move.
    assert!(a[8..].iter().all(|&x| x < 0.05), "hardly moved: {a:?}");
    let storm = summary(&drained(", drain: 0s"));
    let w = waiting(&storm);
    assert!((2_600.0..3_600.0).contains(&w), "{w} job-seconds waiting");
    let detected = fig(&storm, "incidents.0.detection_ms");
    let moved = fig(&storm, "incidents.0.dns_95_ms");
    assert!(moved - detected <= 1_100.0, "{detected} -> {moved}");
    let spread = summary(&drained(", drain: 60s"));
    let w = waiting(&spread);
    assert!(w < 5.0, "{w} job-seconds waiting");
    let moved = fig(&spread, "incidents.0.dns_95_ms") - fig(&spread, "incidents.0.detection_ms");
    assert!((54_000.0..=59_100.0).contains(&moved), "{moved}");
    // Bad values exit 2 with the line.
    for (c, words) in [(", drain: 25h", "drain is"), (", drain: soon", "drain")] {
        let (code, err, _) = validate(&drained(c));
        assert_eq!(code, Some(2), "{c}: {err}");
        assert!(err.contains(words), "{c}: {err}");
    }
    let long = drained("").replace("handshake: 50ms", "handshake: 25h");
    let (code, err, _) = validate(&long);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("handshake is 25h"), "{err}");
    let free = drained("").replace(", app: {servers: 10, service_time: 1ms}", "");
    let (code, err, _) = validate(&free);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("would change nothing"), "{err}");
}

/// One region: reads cross 1 ms to the app tier (1,000 workers, service
/// exponential with mean 10 ms: nobody waits), 1 ms to the database and
/// 2 ms back, so a read takes 4 ms + X, X ~ Exp(10 ms). `hedge` goes into
/// the workload entry.
fn hedged(hedge: &str) -> String {
    format!(
        r#"
name: hedged
seed: 8
duration: 120s
regions:
  - {{name: a, jurisdiction: X, app: {{servers: 1000, service_time: {{exponential: {{mean: 10ms}}}}}}}}
network: {{intra_region: 1ms}}
datasets:
  - name: d
    keys: 1000
    placement: {{single-primary: {{primary: a, apply_time: 1ms}}}}
workload:
  - {{region: a, timeout: 1s{hedge}, rates: {{d: {{reads_per_s: 200}}}}}}
"#
    )
}

/// Hedged reads ("The Tail at Scale"): a second attempt 30 ms after the
/// first, the first answer winning. The first is still unanswered at
/// 30 ms when 2 ms + X1 > 30 ms: e^(-2.8) = 6.08 % of reads are hedged.
/// A read then takes 4 ms + min(X1, 30 ms + X2): past 30 ms both must be
/// slow, P(> t) = e^(-t/10) e^(-(t - 30)/10), so its p99 is 4 + (30 +
/// 10 ln 100) / 2 = 42.0 ms, against 4 + 10 ln 100 = 50.1 ms unhedged.
#[test]
fn hedged_reads_cut_the_tail_as_the_order_statistics_say() {
    let plain = summary(&hedged(""));
    let p99 = fig(&plain, "clients.a.read_latency.p99_ms");
    assert!((p99 - 50.05).abs() < 2.5, "{p99}");
    assert_eq!(fig(&plain, "clients.a.requests.hedged"), 0.0);
    let h = summary(&hedged(", hedge: {after: 30ms}"));
    let p99 = fig(&h, "clients.a.read_latency.p99_ms");
    assert!((p99 - 42.03).abs() < 1.5, "{p99}");
    let share = fig(&h, "clients.a.requests.hedged") / fig(&h, "clients.a.requests.attempted");
    assert!((share - (-2.8f64).exp()).abs() < 0.006, "{share}");
    assert_eq!(fig(&h, "clients.a.requests.availability"), 1.0);
    // A hedge is not a retry: it spends none of them.
    assert_eq!(fig(&h, "clients.a.requests.retried"), 0.0);
    // Bad hedges exit 2 with the line.
    for (yaml, words) in [
        (hedged(", hedge: {after: 0s}"), "hedge after is 0"),
        (hedged(", hedge: {after: 30ms, times: 2}"), "unknown field"),
        (
            hedged(", hedge: {after: 30ms}").replace("reads_per_s", "writes_per_s"),
            "sends none",
        ),
        (
            hedged(", hedge: {after: 30ms}").replace(
                "{single-primary: {primary: a, apply_time: 1ms}}",
                "{leaderless: {replicas: [a], w: 1, r: 1}}",
            ),
            "cannot be hedged",
        ),
    ] {
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{words}: {err}");
        assert!(err.contains(words), "{words}: {err}");
    }
}

/// b's users, weighted 1:1 between a's and b's app tiers; four checkers
/// (a, b, x, y), healthy while 18 % see a target up; x and y cut off
/// from a for the whole span. `weigh` goes into the routing section.
fn degraded(weigh: &str) -> String {
    format!(
        r#"
name: degraded
seed: 9
duration: 120s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: x, jurisdiction: X}}
  - {{name: y, jurisdiction: X}}
network: {{intra_region: 1ms, links: [{{between: [a, b], delay: 5ms}}, {{between: [a, x], delay: 5ms}}, {{between: [a, y], delay: 5ms}}, {{between: [b, x], delay: 5ms}}, {{between: [b, y], delay: 5ms}}, {{between: [x, y], delay: 5ms}}]}}
health_checks: {{checkers: [a, b, x, y], interval: 1s, timeout: 500ms, failure_threshold: 1}}
routing: {{policy: weighted, weights: {{a: 1, b: 1}}, ttl: 1s{weigh}}}
datasets:
  - name: d
    keys: 1000
    placement: {{single-primary: {{primary: b, apply_time: 1ms}}}}
workload:
  - {{region: b, timeout: 1s, rates: {{d: {{reads_per_s: 500}}}}}}
failures:
  - {{partition: [[x, y], [a]], at: 0s, duration: 200s}}
"#
    )
}

/// A degraded endpoint: half its checkers (x and y, cut off from it) see
/// a down, half see it up, above the 18 % that keeps it healthy. With
/// full weights b's users still split 1:1; weighing by health gives a
/// weight 1 x 2/4 against b's 1, so a takes 1/3 of them, two thirds of
/// what it took (requests from b to a's app tier, a second).
#[test]
fn weighing_by_health_shifts_traffic_off_a_degraded_endpoint() {
    let to_a = |s: &serde_json::Value| fig(s, "network.b.a.messages_per_s");
    let full = summary(&degraded(""));
    let weighed = summary(&degraded(", weigh_by_health: true"));
    let ratio = to_a(&weighed) / to_a(&full);
    assert!((ratio - 2.0 / 3.0).abs() < 0.03, "{ratio}");
    // Nothing is down: every request is answered either way.
    assert_eq!(fig(&weighed, "clients.b.requests.availability"), 1.0);
    for (yaml, words) in [
        (
            degraded(", weigh_by_health: true").replace("policy: weighted, weights: {a: 1, b: 1}", "policy: latency"),
            "has none",
        ),
        (
            degraded(", weigh_by_health: true").replace(
                "health_checks: {checkers: [a, b, x, y], interval: 1s, timeout: 500ms, failure_threshold: 1}\n",
                "",
            ),
            "add `health_checks`",
        ),
        (degraded(", weigh_by_health: 3"), "weigh_by_health"),
    ] {
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{words}: {err}");
        assert!(err.contains(words), "{words}: {err}");
    }
}
