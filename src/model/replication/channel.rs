//! One stream's way to its receiving copy: the link (FIFO, with its
//! bandwidth) and the copy's apply threads.

use super::super::net::{LinkId, Network};
use super::super::station::Station;
use crate::engine::{stream, Dist, Duration, SimRng, Time};
use crate::scenario::RegionId;

/// The FIFO connection from a sending copy to a receiving one, and the
/// receiving copy's apply threads. Messages arrive and are applied in the
/// order they are sent.
pub struct Channel {
    /// The receiving copy's region (whose apply slowdowns apply).
    pub to: RegionId,
    pub link: LinkId,
    /// The receiving copy's apply threads.
    pub apply: Station,
    rng_link: SimRng,
    rng_apply: SimRng,
    /// Arrival of the newest message sent.
    last_arrival: Time,
    /// When the newest message sent was applied: with several apply
    /// threads a write becomes visible only after every earlier one.
    last_applied: Time,
}

/// Where a message got to.
#[derive(Clone, Copy, Debug)]
pub struct Carried {
    /// Received by the copy.
    pub arrival: Time,
    /// Applied there (and visible).
    pub applied: Time,
    /// Waited for an apply thread.
    pub wait: Duration,
}

impl Channel {
    /// The channel named `name` (its random streams are
    /// `replication-link/NAME` and `apply-queue/NAME`) to `to` over `link`,
    /// applying with `threads` threads of service `apply_time`, measured
    /// over `span`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &str,
        (seed, run): (u64, u64),
        to: RegionId,
        link: LinkId,
        apply_time: &Dist,
        threads: usize,
        span: (Time, Time),
    ) -> Channel {
        let mut apply = Station::new(apply_time.clone(), threads, None);
        apply.measure(span.0, span.1);
        Channel {
            to,
            link,
            apply,
            rng_link: stream(seed, run, &format!("replication-link/{name}")),
            rng_apply: stream(seed, run, &format!("apply-queue/{name}")),
            last_arrival: Time::ZERO,
            last_applied: Time::ZERO,
        }
    }

    /// Sends a message of `bytes` at `now` and queues it for the apply
    /// threads. `queued`: it still needs the link's transmitter; otherwise
    /// its transmission has ended and it leaves now. `None`: the link does
    /// not deliver it now (down, or lost past every retransmission).
    #[inline]
    pub fn carry(
        &mut self,
        now: Time,
        bytes: u32,
        queued: bool,
        net: &mut Network,
    ) -> Option<Carried> {
        let at = if queued {
            net.send_queued(self.link, now, bytes, &mut self.rng_link)
        } else {
            net.deliver(self.link, now, bytes, &mut self.rng_link)
        }?;
        let arrival = at.max(self.last_arrival);
        self.last_arrival = arrival;
        let service = self
            .apply
            .admit(arrival, net.apply_factor(self.to), &mut self.rng_apply)
            .expect("an apply queue has no limit");
        // In order: not before the message ahead of it (the same time with
        // one thread).
        let applied = service.done.max(self.last_applied);
        self.last_applied = applied;
        Some(Carried {
            arrival,
            applied,
            wait: service.wait(arrival),
        })
    }

    /// The receiving copy lost, at `now`, what it had not applied (it went
    /// down, or its stream starts again): its apply threads drop their
    /// work, and what is sent next is ordered after `now` only.
    pub fn abandon(&mut self, now: Time) {
        self.apply.abandon(now);
        self.last_arrival = self.last_arrival.min(now);
        self.last_applied = self.last_applied.min(now);
    }
}
