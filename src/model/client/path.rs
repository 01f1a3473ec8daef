//! One attempt's path: sent over the network to the node that serves it, answered back, given up, and counted towards recovery after a failure.

use super::*;

/// The copy in `node` that serves reads now (rare: roles changed under a
/// request in flight).
#[cold]
#[inline(never)]
pub(super) fn server_now(
    placement: &super::super::placement::Placement,
    key: u32,
    node: RegionId,
) -> Option<ReadServer> {
    placement.server_in(key, node)
}

/// `r` of source `s` is given up.
#[cold]
#[inline(never)]
pub(super) fn fail(r: &mut Request, s: &Source, metrics: &mut RunMetrics) {
    r.done = true;
    if r.bucket != NOT_MEASURED {
        let write = s.op == Op::Write;
        metrics.record_failure(s.client, r.bucket as usize, write);
        if r.first_sent >= metrics.incident_start {
            metrics.record_recovery(s.client, write, r.first_sent, None);
        }
    }
}

/// A request of `s` sent after the first failure succeeded at `at`.
#[cold]
#[inline(never)]
pub(super) fn recovered(r: &Request, s: &Source, at: Time, metrics: &mut RunMetrics) {
    metrics.record_recovery(s.client, s.op == Op::Write, r.first_sent, Some(at));
}

/// Sends the current attempt of request `req` (`r`, of source `s`) at `now`;
/// `app_queue`: the app tier it goes to has finite capacity; `to_node`: the
/// link from the app tier to `r.node` (the source's, unless a
/// read-your-writes mitigation sends the read elsewhere); `hedge`: it is
/// a hedge, which keeps the deadline of the attempt it hedges.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn send(
    req: u32,
    r: &mut Request,
    s: &mut Source,
    net: &mut Network,
    metrics: &mut RunMetrics,
    now: Time,
    sched: &mut Scheduler<Event>,
    app_queue: bool,
    to_node: LinkId,
    hedge: bool,
) {
    net.set_owner(s.dataset);
    let mut leaves = Some(now + s.access.sample(&mut s.rng_network));
    if s.serve != s.region {
        // DNS sent the user to another region's app tier.
        leaves =
            leaves.and_then(|t| net.transit_user(s.user_in, t, s.bytes_in, &mut s.rng_network));
    }
    let attempt = r.attempt;
    let arrives = if app_queue {
        // It queues for a worker there first (`World::on_at_app`).
        if let Some(at) = leaves {
            r.pending += 1;
            sched.schedule(at, event(ClientEvent::AtApp { req, attempt }));
        }
        leaves
    } else {
        let arrives = leaves.and_then(|t| net.transit(to_node, t, s.bytes_in, &mut s.rng_network));
        // The app tier that takes it is down: nobody forwards it.
        let arrives = arrives.filter(|_| net.app_up(s.serve));
        if let Some(at) = arrives {
            r.pending += 1;
            sched.schedule(at, event(ClientEvent::AtNode { req, attempt }));
        }
        arrives
    };
    if hedge {
        // It shares the deadline of the attempt it hedges (without a
        // timeout, a hedge lost on the way leaves the request to it).
        return;
    }
    match s.timeout {
        Some(t) => {
            r.deadline = now + t;
            r.timer = Some(sched.schedule_timer(r.deadline, event(ClientEvent::Deadline { req })));
        }
        None if arrives.is_none() => fail(r, s, metrics),
        None => {}
    }
    if let Some(after) = s.hedge_after {
        if !r.done {
            r.pending += 1;
            sched.schedule(now + after, event(ClientEvent::Hedge { req, attempt }));
        }
    }
}

/// The node responds to the current attempt of `r` (of source `s`) at
/// `now`; a read missed writes committed `stale` before it, if that is
/// `Some`.
/// `anomalies`: what the per-user checks found in a read ([`super::super::truth::RYW`],
/// [`super::super::truth::MONOTONIC`]). Returns when the response reached the user, if it
/// did in time.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn respond(
    r: &mut Request,
    s: &mut Source,
    net: &mut Network,
    metrics: &mut RunMetrics,
    now: Time,
    stale: Option<Duration>,
    anomalies: u8,
    sched: &mut Scheduler<Event>,
) -> Option<Time> {
    let (from_node, user_out) = if r.node == s.node && r.serve == s.serve {
        (s.from_node, s.user_out)
    } else {
        (net.link(r.node, r.serve), net.link(r.serve, s.region))
    };
    net.set_owner(s.dataset);
    let mut back = net.transit(from_node, now, s.bytes_out, &mut s.rng_network);
    if r.bucket != NOT_MEASURED && back.is_some() && net.app_up(r.serve) {
        // The app tier sends the response to the user: internet egress.
        metrics.record_egress(r.serve, s.dataset, s.bytes_out);
    }
    if r.serve != s.region {
        back = back.and_then(|t| net.transit_user(user_out, t, s.bytes_out, &mut s.rng_network));
    }
    let back = back
        .map(|t| t + s.access.sample(&mut s.rng_network))
        .filter(|_| net.app_up(r.serve));
    match back {
        Some(at) if at <= r.deadline => {
            r.done = true;
            if let Some((max, ratio)) = s.throttle {
                // An answered request gives back part of a token.
                s.tokens = (s.tokens + ratio).min(max);
            }
            if let Some(timer) = r.timer.take() {
                sched.cancel(timer);
            }
            if r.bucket != NOT_MEASURED {
                let b = r.bucket as usize;
                let latency = at.since(r.first_sent);
                match s.op {
                    Op::Read => {
                        metrics.record_read(s.client, b, latency, stale);
                        if anomalies != 0 {
                            metrics.record_anomalies(s.client, b, anomalies);
                        }
                    }
                    Op::Write => metrics.record_write(s.client, b, latency),
                }
                if r.first_sent >= metrics.incident_start {
                    recovered(r, s, at, metrics);
                }
            }
            return Some(at);
        }
        // Too late or lost: the deadline timer decides, or, without one,
        // the user waits for ever.
        _ if s.timeout.is_some() => {}
        _ => fail(r, s, metrics),
    }
    None
}
