//! Users: who sends each request and where their session is. What each
//! has written and read, for the per-user consistency checks, is
//! [`super::truth`]'s.
//!
//! A client region's users are numbered `first .. first + count` (see
//! [`UserPool`]); each request of the region is sent by one of them, drawn
//! uniformly from the source's own stream. With `roaming`, a share of each
//! user's requests is sent from other regions; a user is never in two
//! regions less than the roaming `delay` apart (a request that would need
//! that is given to another user, redrawn up to [`REDRAWS`] times).
//!
//! # Sessions
//! Every request reads the user's session at the app tier that serves it,
//! and writes it back (a rolling session: token refresh, last seen). The
//! session store holds one session per user: `regional`, it is in the store
//! of the region that wrote it last only; `global`, it is also in every
//! other region's store once replicated (one-way delay of the link at the
//! time the session is looked up, plus the store's `apply_time`; a link
//! down is a session not there). A request that finds no current session
//! is a session miss (the user logs in again there). Each user's session
//! starts in their own region, written before the run (everywhere, for a
//! global store).
//!
use super::net::Network;
use crate::engine::{stream, Dist, Duration, SimRng, Time};
use crate::scenario::{RegionId, Scenario, UserPool};
use rand::RngExt;

/// Draws of another user when the one drawn cannot be in the region yet.
pub const REDRAWS: u32 = 8;

#[derive(Clone, Copy)]
struct UserState {
    /// Region the user sent their last request from, and when.
    at: RegionId,
    last: Time,
    /// Region whose store wrote the user's session last, and when
    /// (`Time::ZERO`: before the run).
    session: RegionId,
    written: Time,
}

/// The session store.
struct Store {
    global: bool,
    /// The residency rules sessions are held to, if any.
    residency: Option<std::sync::Arc<crate::scenario::Residency>>,
    apply_time: Dist,
    rng: SimRng,
}

/// Every user's state in one run.
pub(super) struct Users {
    state: Vec<UserState>,
    store: Option<Store>,
}

/// A user of `pool`, uniformly.
#[inline]
pub fn draw(pool: UserPool, rng: &mut SimRng) -> u32 {
    pool.first + rng.random_range(0..pool.count)
}

impl Users {
    /// The users of `scenario`, run `run` (none when it models none).
    pub fn new(scenario: &Scenario, run: u64) -> Users {
        let mut state = vec![
            UserState {
                at: RegionId(0),
                last: Time::ZERO,
                session: RegionId(0),
                written: Time::ZERO,
            };
            scenario.users as usize
        ];
        for w in &scenario.workload {
            let Some(pool) = w.users else { continue };
            for u in &mut state[pool.first as usize..(pool.first + pool.count) as usize] {
                u.at = w.region;
                u.session = w.region;
            }
        }
        Users {
            state,
            store: scenario.sessions.as_ref().map(|s| Store {
                global: s.global,
                residency: scenario.residency.clone(),
                apply_time: s.apply_time.clone(),
                rng: stream(scenario.seed, run, "sessions"),
            }),
        }
    }

    /// The user of `pool` who sends a request from `from` at `now`: `first`
    /// (drawn by [`draw`] one arrival early), or if they could not be there
    /// (see the module's roaming) others drawn from `rng`.
    #[inline]
    pub fn pick(
        &mut self,
        pool: UserPool,
        first: u32,
        from: RegionId,
        now: Time,
        delay: Duration,
        rng: &mut SimRng,
    ) -> u32 {
        let mut user = first;
        if delay > Duration::ZERO {
            for _ in 0..REDRAWS {
                let u = &self.state[user as usize];
                if u.at == from || u.last == Time::ZERO || now >= u.last + delay {
                    break;
                }
                user = draw(pool, rng);
            }
        }
        let u = &mut self.state[user as usize];
        u.at = from;
        u.last = now;
        user
    }

    /// Asks the processor for `user`'s state ahead of their request.
    #[inline]
    pub fn prefetch(&self, user: u32) {
        if let Some(u) = self.state.get(user as usize) {
            crate::engine::prefetch(u);
        }
    }

    /// `user`'s request reaches the app tier of `serve` at `now`: whether
    /// their session is not there (a miss; either way the request writes
    /// it there), and how many copies of that write come to rest outside
    /// the user's allowed regions.
    pub fn session(&mut self, user: u32, serve: RegionId, now: Time, net: &Network) -> (bool, u32) {
        let Some(store) = self.store.as_mut() else {
            return (false, 0);
        };
        let outside = store.residency.as_ref().map_or(0, |res| {
            let Some(rule) = res.rule_of(user) else {
                return 0;
            };
            let allowed = &res.rules[usize::from(rule)].allowed;
            if store.global {
                allowed.iter().filter(|&&a| !a).count() as u32
            } else {
                u32::from(!allowed[usize::from(serve.0)])
            }
        });
        let u = &mut self.state[user as usize];
        let present = u.session == serve
            || (store.global
                && (u.written == Time::ZERO || {
                    let link = net.link(u.session, serve);
                    net.arrival(link, u.written, &mut store.rng)
                        .map(|t| t + store.apply_time.sample(&mut store.rng))
                        .is_some_and(|t| t <= now)
                }));
        u.session = serve;
        u.written = now;
        (!present, outside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roaming_delay_keeps_a_user_in_one_place() {
        let s = crate::scenario::from_str(
            "name: n\nduration: 10s\nregions: [{name: a, jurisdiction: X}, {name: b, jurisdiction: X}]\n\
             network: {intra_region: 1ms, links: [{between: [a, b], delay: 40ms}]}\n\
             datasets: [{name: d, keys: 1, placement: {single-primary: {primary: a, apply_time: 1ms}}}]\n\
             workload: [{region: a, users: 1, roaming: {share: 0.5, to: b, delay: 1s}, rates: {d: {reads_per_s: 1}}}]\n",
            std::path::Path::new("n.yaml"), crate::metrics::figure_shape,
        )
        .unwrap();
        let mut users = Users::new(&s, 0);
        let pool = s.workload[0].users.unwrap();
        let mut rng = stream(1, 0, "t");
        let (a, b) = (RegionId(0), RegionId(1));
        let t = |ms| Time::ZERO + Duration::from_millis(ms);
        let second = Duration::from_secs(1);
        let first = draw(pool, &mut rng);
        assert_eq!(users.pick(pool, first, a, t(100), second, &mut rng), 0);
        assert_eq!(users.state[0].at, a);
        // One user only: redrawn to no avail, the request is still sent.
        let first = draw(pool, &mut rng);
        users.pick(pool, first, b, t(500), second, &mut rng);
        assert_eq!((users.state[0].at, users.state[0].last), (b, t(500)));
    }
}
