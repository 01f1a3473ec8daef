//! Users' reads and sessions: read-your-writes mitigations (holding a read, sending it to the primary), cross-border reads, and who sends each request.

use super::*;

/// Where a user's read is: request, attempt, time, the serving copy and
/// its oldest unapplied commit of the key.
#[derive(Clone, Copy)]
pub(super) struct Here {
    pub(super) req: u32,
    pub(super) attempt: u8,
    pub(super) now: Time,
    pub(super) oldest: Time,
    pub(super) server: ReadServer,
}

/// The read `r` of a user reaches copy `at.server`: with a session token,
/// the strategy answers what the copy does with a read that must see the
/// user's last write: serve it, hold it until the copy has applied the
/// write (`TokenWait`, within its bound), or send it on to the copy that
/// takes writes (`None`: answered later). Otherwise counts a cross-border
/// read of restricted data and returns what the per-user checks found.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn user_read(
    at: Here,
    r: &mut Request,
    s: &mut Source,
    placement: &super::super::placement::Placement,
    truth: &mut Truth,
    net: &mut Network,
    metrics: &mut RunMetrics,
    sched: &mut Scheduler<Event>,
) -> Option<u8> {
    use crate::scenario::RywMitigation as M;
    let token = matches!(s.ryw, Some(M::TokenWait(_) | M::TokenPrimary | M::Session));
    if token && matches!(at.server, ReadServer::Replica(_)) {
        if let Some(write) = truth.unseen_write(s.dataset, r.user, r.key, r.first_sent) {
            let hold = match s.ryw {
                Some(M::TokenWait(max)) => Some(max),
                Some(M::Session) => Some(super::super::placement::UNBOUNDED_HOLD),
                _ => None,
            };
            let measured = r.bucket != NOT_MEASURED;
            match placement.answer(at.server, r.key, write, at.now, hold) {
                Answer::Serve => {}
                Answer::HoldUntil(t) => {
                    // Just after the apply (whose event may come after
                    // this one's at the same time).
                    let t = t + Duration::from_nanos(1);
                    let first = !r.held;
                    r.held = true;
                    mitigated(r, at, t, HELD, measured && first, s.client, metrics, sched);
                    return None;
                }
                Answer::Forward => {
                    // On to the copy that takes writes, from this one.
                    let primary = placement.write_node(usize::from(s.shard), r.serve, net);
                    let link = net.link(r.node, primary);
                    if let Some(t) = net.transit(link, at.now, s.bytes_in, &mut s.rng_network) {
                        r.node = primary;
                        r.server = ReadServer::Primary;
                        mitigated(r, at, t, TO_PRIMARY, measured, s.client, metrics, sched);
                        return None;
                    }
                }
            }
        }
    }
    if let Some(res) = placement.residency() {
        if r.bucket != NOT_MEASURED && !res.allows(r.key, r.serve) {
            metrics.record_cross_border_read(usize::from(s.dataset));
        }
    }
    Some(truth.read(
        s.dataset,
        r.user,
        r.key,
        r.first_sent,
        at.now,
        at.oldest,
        placement,
        at.server,
    ))
}

/// Kinds of [`ClientMetrics::ryw_mitigated`](crate::metrics::ClientMetrics).
pub(super) const TO_PRIMARY: usize = 0;
pub(super) const HELD: usize = 1;

/// A mitigation sent read `r` on (`TO_PRIMARY`) or held it (`HELD`): it
/// reaches its node again at `t`.
#[allow(clippy::too_many_arguments)]
pub(super) fn mitigated(
    r: &mut Request,
    at: Here,
    t: Time,
    kind: usize,
    measured: bool,
    client: usize,
    metrics: &mut RunMetrics,
    sched: &mut Scheduler<Event>,
) {
    r.pending += 1;
    let (req, attempt) = (at.req, at.attempt);
    sched.schedule(t, event(ClientEvent::AtNode { req, attempt }));
    if measured {
        metrics.record_ryw_mitigated(client, kind);
    }
}

/// `read-your-writes: {primary_for: X}`: the read `r` of a user who had a
/// write of the dataset acknowledged less than X ago goes to the primary.
/// Returns the link from the app tier to where it goes.
#[inline(never)]
pub(super) fn primary_after_write(
    r: &mut Request,
    s: &Source,
    now: Time,
    placement: &super::super::placement::Placement,
    truth: &Truth,
    net: &Network,
    metrics: &mut RunMetrics,
) -> LinkId {
    let Some(crate::scenario::RywMitigation::PrimaryFor(x)) = s.ryw else {
        return s.to_node;
    };
    if r.server == ReadServer::Primary || !truth.wrote_within(s.dataset, r.user, now, x) {
        return s.to_node;
    }
    r.node = placement.write_node(usize::from(s.shard), s.serve, net);
    r.server = ReadServer::Primary;
    if r.bucket != NOT_MEASURED {
        metrics.record_ryw_mitigated(s.client, TO_PRIMARY);
    }
    net.link(s.serve, r.node)
}

/// Who of `s`'s users sends the request at `now`, and its key (the user's
/// own with per-user keys, else `key`); counts a session miss at the app
/// tier it goes to.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn attribute(
    s: &mut Source,
    pool: crate::scenario::UserPool,
    key: u32,
    now: Time,
    bucket: Option<usize>,
    users: &mut Users,
    net: &Network,
    metrics: &mut RunMetrics,
) -> (u32, u32) {
    let user = users.pick(
        pool,
        s.next_user,
        s.region,
        now,
        s.roam_delay,
        &mut s.rng_users,
    );
    let (miss, outside) = users.session(user, s.serve, now, net);
    if let Some(b) = bucket {
        if miss {
            metrics.record_session_miss(s.client, b);
        }
        metrics.record_session_residency(u64::from(outside));
    }
    (user, if s.per_user { user } else { key })
}
