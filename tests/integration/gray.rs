//! Gray failures and retries (issue 27): an app tier that answers its
//! health checks but fails a share of its requests; retries amplify the
//! load it is offered as the closed form says.

use crate::common::{fig, summary, validate};

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
