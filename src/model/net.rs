//! The network as a service: the one place that answers "a message sent
//! from X to Y at time t arrives when, if at all".
//!
//! Each directed link (including a region to itself) has its one-way delay
//! distribution from the scenario and a [`LinkState`]: up or down, a delay
//! factor, an added delay and a loss probability. A fault changes a link by
//! setting its state ([`Network::set_state`]), never by rebuilding what
//! uses it: every message reads the state at the moment it is sent.
//!
//! The network also counts what each link carries (messages, and payload
//! bytes: a message that carries a record counts the dataset's
//! `record_bytes`), for the traffic figures and a later cost model. Only
//! messages sent in the measured span are counted.
//!
//! It also knows which services of each region answer (a region outage
//! takes its app tier and database nodes down): a message reaches a node
//! that is down and is not answered. Callers ask [`Network::db_up`] and
//! [`Network::app_up`] when a message arrives.
//!
//! Randomness stays with the sender: every call takes the sender's stream,
//! and a nominal link draws exactly one delay sample from it. A degraded
//! link draws the same delay first, so two variants that differ in a link's
//! state see the same draws elsewhere (common random numbers).

use super::station::Station;
use crate::engine::{Dist, Duration, SimRng, Time, MAX_SAMPLE};
use crate::metrics::{StationStats, Traffic};
use crate::scenario::{RegionId, Scenario};
use rand::RngExt;

/// A directed link, `from * regions + to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkId(u32);

impl LinkId {
    /// Position in [`Network::traffic`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a link is doing. Faults change it; messages read it when sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkState {
    /// False: every message sent is lost (a partition or a cut).
    pub up: bool,
    /// Every sampled delay is multiplied by this (1: as the scenario says).
    pub delay_factor: f64,
    /// Added to every delay after the factor.
    pub added_delay: Duration,
    /// Probability that a message is lost (0 to 1).
    pub loss: f64,
}

impl LinkState {
    /// The link as the scenario describes it.
    pub const NOMINAL: LinkState = LinkState {
        up: true,
        delay_factor: 1.0,
        added_delay: Duration::ZERO,
        loss: 0.0,
    };
}

struct Link {
    delay: Dist,
    state: LinkState,
    /// `state == NOMINAL`: the hot path's one test.
    nominal: bool,
    traffic: Traffic,
    /// With a bandwidth: the transmitter replicated writes queue for, and
    /// nanoseconds per byte.
    transmitter: Option<(Station, f64)>,
}

/// Linux's minimum TCP retransmission timeout (`TCP_RTO_MIN`, 200 ms): the
/// wait before a lost message of a reliable connection is sent again.
pub const RTO_MIN: Duration = Duration::from_millis(200);
/// The RTO doubles with each retransmission of one message up to this
/// (`TCP_RTO_MAX`, 120 s).
pub const RTO_MAX: Duration = Duration::from_secs(120);
/// Retransmissions of one message before a reliable connection gives up
/// (Linux `tcp_retries2` default, 15); it then behaves as if the link were
/// down.
pub const MAX_RETRANSMISSIONS: u32 = 15;

/// Every link of a run, and which services of each region answer.
pub struct Network {
    regions: usize,
    links: Vec<Link>,
    /// Per region: its app tier answers.
    app_up: Vec<bool>,
    /// Per region: its database nodes answer.
    db_up: Vec<bool>,
    /// Per region: how many times slower its replicas apply writes.
    apply_factor: Vec<f64>,
    /// Per region, how many times slower its app tier serves (a slow gray
    /// failure).
    app_factor: Vec<f64>,
    /// Per region: how far a failure has stepped its clock, in ns.
    clock_step: Vec<f64>,
    /// Per region, the zones down (bit k - 1 for zone k).
    zones_down: Vec<u64>,
    /// Per region: the share of requests its app tier fails (a gray
    /// failure; 0 without one).
    error_share: Vec<f64>,
    /// Start of the measured span: traffic is counted from here.
    measure_from: Time,
    /// The dataset the messages sent now are for (set by whoever sends:
    /// a client request's, a strategy's), and per (link, dataset),
    /// `link * datasets + dataset`, the bytes sent that are inter-region
    /// transfer (users' own requests and responses aside).
    owner: usize,
    datasets: usize,
    billable: Vec<u64>,
}

impl Network {
    /// The links of `scenario`, all nominal.
    pub fn new(scenario: &Scenario) -> Network {
        let n = scenario.regions.len();
        let mut links = Vec::with_capacity(n * n);
        for from in 0..n {
            for to in 0..n {
                let delay = scenario
                    .network
                    .delay(RegionId(from as u16), RegionId(to as u16))
                    .clone();
                let transmitter = scenario
                    .network
                    .bandwidth(RegionId(from as u16), RegionId(to as u16))
                    .map(|bytes_per_s| {
                        let warmup = Time::ZERO + scenario.warmup;
                        let mut st = Station::new(Dist::constant(Duration::ZERO), 1, None);
                        st.measure(warmup, warmup + scenario.duration);
                        st.keep_stats(scenario.bucket);
                        (st, 1e9 / bytes_per_s)
                    });
                links.push(Link {
                    delay,
                    state: LinkState::NOMINAL,
                    nominal: true,
                    traffic: Traffic::default(),
                    transmitter,
                });
            }
        }
        Network {
            regions: n,
            links,
            app_up: vec![true; n],
            db_up: vec![true; n],
            apply_factor: vec![1.0; n],
            app_factor: vec![1.0; n],
            clock_step: vec![0.0; n],
            zones_down: vec![0; n],
            error_share: vec![0.0; n],
            measure_from: Time::ZERO + scenario.warmup,
            owner: 0,
            datasets: scenario.datasets.len().max(1),
            billable: vec![0; n * n * scenario.datasets.len().max(1)],
        }
    }

    /// The share of requests the app tier of `region` fails now.
    #[inline(always)]
    pub fn error_share(&self, region: RegionId) -> f64 {
        self.error_share[usize::from(region.0)]
    }

    /// A gray failure makes the app tier of `region` fail `share` of its
    /// requests from now on (0: none).
    pub fn set_error_share(&mut self, region: RegionId, share: f64) {
        self.error_share[usize::from(region.0)] = share;
    }

    /// The messages sent from now on are for dataset `d`.
    #[inline(always)]
    pub fn set_owner(&mut self, d: u16) {
        self.owner = usize::from(d);
    }

    /// Per (link, dataset), `link * datasets + dataset`: the bytes of
    /// inter-region transfer sent in the span.
    pub fn billable(&self) -> &[u64] {
        &self.billable
    }

    /// How many times slower the replicas in `region` apply writes now.
    #[inline]
    pub fn apply_factor(&self, region: RegionId) -> f64 {
        self.apply_factor[usize::from(region.0)]
    }

    /// How many times slower the app tier of `region` serves now.
    #[inline]
    pub fn app_factor(&self, region: RegionId) -> f64 {
        self.app_factor[usize::from(region.0)]
    }

    /// Whether a request (or a deep probe) reaching the app tier of
    /// `region` now is failed by its gray failures: one draw from `rng`,
    /// made only while some share of requests fails.
    #[inline]
    pub fn gray_error(&self, region: RegionId, rng: &mut SimRng) -> bool {
        let share = self.error_share(region);
        share > 0.0 && rng.random::<f64>() < share
    }

    /// Sets it.
    pub fn set_app_factor(&mut self, region: RegionId, factor: f64) {
        self.app_factor[usize::from(region.0)] = factor;
    }

    /// Sets how many times slower the replicas in `region` apply writes.
    pub fn set_apply_factor(&mut self, region: RegionId, factor: f64) {
        self.apply_factor[usize::from(region.0)] = factor;
    }

    /// How far a failure has stepped the clock of `region` now, in ns.
    #[inline]
    pub fn clock_step(&self, region: RegionId) -> f64 {
        self.clock_step[usize::from(region.0)]
    }

    /// Whether zone `zone` (from 1) of `region` is up.
    pub fn zone_up(&self, region: RegionId, zone: u8) -> bool {
        zone == 0 || self.zones_down[usize::from(region.0)] & (1 << (zone - 1)) == 0
    }

    /// Sets the zones of `region` that are down (bit k - 1 for zone k).
    pub fn set_zones_down(&mut self, region: RegionId, mask: u64) {
        self.zones_down[usize::from(region.0)] = mask;
    }

    /// Steps the clock of `region` by `ns` from now (0: back to normal).
    pub fn set_clock_step(&mut self, region: RegionId, ns: f64) {
        self.clock_step[usize::from(region.0)] = ns;
    }

    /// The mean one-way delay of `link` when nominal, in nanoseconds.
    pub fn mean_delay(&self, link: LinkId) -> f64 {
        self.links[link.index()].delay.mean_nanos()
    }

    /// The link from `from` to `to`.
    pub fn link(&self, from: RegionId, to: RegionId) -> LinkId {
        LinkId((usize::from(from.0) * self.regions + usize::from(to.0)) as u32)
    }

    /// Whether the app tier of `region` answers.
    #[inline]
    pub fn app_up(&self, region: RegionId) -> bool {
        self.app_up[usize::from(region.0)]
    }

    /// Whether the database nodes of `region` answer.
    #[inline]
    pub fn db_up(&self, region: RegionId) -> bool {
        self.db_up[usize::from(region.0)]
    }

    /// Sets which services of `region` answer.
    pub fn set_services(&mut self, region: RegionId, app_up: bool, db_up: bool) {
        self.app_up[usize::from(region.0)] = app_up;
        self.db_up[usize::from(region.0)] = db_up;
    }

    /// The region at the receiving end of `link`.
    pub fn to(&self, link: LinkId) -> RegionId {
        RegionId((link.index() % self.regions) as u16)
    }

    /// The state of `link`.
    pub fn state(&self, link: LinkId) -> LinkState {
        self.links[link.index()].state
    }

    /// Sets the state of `link`; messages sent from now on meet it.
    pub fn set_state(&mut self, link: LinkId, state: LinkState) {
        let l = &mut self.links[link.index()];
        l.state = LinkState {
            delay_factor: state.delay_factor.max(0.0),
            loss: state.loss.clamp(0.0, 1.0),
            ..state
        };
        l.nominal = l.state == LinkState::NOMINAL;
    }

    /// When a message of `bytes` payload bytes sent on `link` at `now`
    /// arrives, or `None` if it is lost. One delay draw from `rng` on a
    /// nominal link.
    #[inline(always)]
    pub fn transit(
        &mut self,
        link: LinkId,
        now: Time,
        bytes: u32,
        rng: &mut SimRng,
    ) -> Option<Time> {
        self.carry::<false>(link, now, bytes, rng)
    }

    /// [`Network::transit`] for a user's request or response between the
    /// user's region and another region's app tier: counted as the
    /// link's traffic, and as users' (internet, not inter-region transfer).
    #[inline]
    pub fn transit_user(
        &mut self,
        link: LinkId,
        now: Time,
        bytes: u32,
        rng: &mut SimRng,
    ) -> Option<Time> {
        self.carry::<true>(link, now, bytes, rng)
    }

    /// A message on `link`: counted (a user's as users' bytes, anyone
    /// else's as its dataset's transfer), then its arrival.
    #[inline(always)]
    fn carry<const USER: bool>(
        &mut self,
        link: LinkId,
        now: Time,
        bytes: u32,
        rng: &mut SimRng,
    ) -> Option<Time> {
        let measure = now >= self.measure_from;
        if measure && !USER {
            self.billable[link.index() * self.datasets + self.owner] += u64::from(bytes);
        }
        let l = &mut self.links[link.index()];
        if measure {
            l.traffic.messages += 1;
            l.traffic.bytes += u64::from(bytes);
            if USER {
                l.traffic.user_bytes += u64::from(bytes);
            }
        }
        let delay = l.delay.sample(rng);
        if l.nominal {
            return Some(now + delay);
        }
        degraded(&l.state, now, delay, rng)
    }

    /// When a message sent on `link` at `sent` arrives, with the link as it
    /// is now (`None`: down, or lost), without counting it as traffic: for
    /// what the model looks up after the fact (a replicated session).
    pub fn arrival(&self, link: LinkId, sent: Time, rng: &mut SimRng) -> Option<Time> {
        let l = &self.links[link.index()];
        let delay = l.delay.sample(rng);
        if l.nominal {
            return Some(sent + delay);
        }
        degraded(&l.state, sent, delay, rng)
    }

    /// [`Network::deliver`] for a message that needs the link's bandwidth
    /// (a replicated write): with a limit, it waits for the messages queued
    /// before it, takes `bytes` / bandwidth to send, then travels. Messages
    /// must be offered in time order (each at the event that sends it).
    #[inline]
    pub fn send_queued(
        &mut self,
        link: LinkId,
        now: Time,
        bytes: u32,
        rng: &mut SimRng,
    ) -> Option<Time> {
        let sent = if self.links[link.index()].state.up {
            self.transmission_end(link, now, bytes)
        } else {
            now
        };
        self.deliver(link, sent, bytes, rng)
    }

    /// Whether `link` has a bandwidth limit (a transmitter replicated
    /// writes queue for).
    pub fn has_transmitter(&self, link: LinkId) -> bool {
        self.links[link.index()].transmitter.is_some()
    }

    /// A message of `bytes` offered to `link`'s transmitter at `now` (in
    /// time order): when its transmission ends, after the messages
    /// offered before it; `now` without a bandwidth limit.
    pub fn transmission_end(&mut self, link: LinkId, now: Time, bytes: u32) -> Time {
        match self.links[link.index()].transmitter.as_mut() {
            Some((st, ns_per_byte)) => {
                let tx = Duration::from_nanos((f64::from(bytes) * *ns_per_byte).ceil() as u64);
                st.admit_for(now, tx).done
            }
            None => now,
        }
    }

    /// The transmitter of `link` stops at `now` (the link or its sender
    /// went down): what it was sending did not leave.
    pub fn abandon_transmission(&mut self, link: LinkId, now: Time) {
        if let Some((st, _)) = self.links[link.index()].transmitter.as_mut() {
            st.abandon(now);
        }
    }

    /// Per link, its transmitter's statistics (`None`: no bandwidth limit).
    pub fn transmit_stats(&self) -> Vec<Option<StationStats>> {
        self.links
            .iter()
            .map(|l| {
                l.transmitter
                    .as_ref()
                    .and_then(|(st, _)| st.stats().cloned())
            })
            .collect()
    }

    /// When a message of a reliable connection (TCP) sent on `link` at
    /// `now` arrives: a lost message is sent again after the retransmission
    /// timeout, doubling from [`RTO_MIN`] to [`RTO_MAX`]. `None` when the
    /// link is down or [`MAX_RETRANSMISSIONS`] were lost.
    #[inline]
    pub fn deliver(
        &mut self,
        link: LinkId,
        now: Time,
        bytes: u32,
        rng: &mut SimRng,
    ) -> Option<Time> {
        if let Some(at) = self.transit(link, now, bytes, rng) {
            return Some(at);
        }
        self.retransmit(link, now, bytes, rng)
    }

    #[cold]
    #[inline(never)]
    fn retransmit(
        &mut self,
        link: LinkId,
        now: Time,
        bytes: u32,
        rng: &mut SimRng,
    ) -> Option<Time> {
        if !self.links[link.index()].state.up {
            return None;
        }
        let mut sent = now;
        let mut rto = RTO_MIN;
        for _ in 0..MAX_RETRANSMISSIONS {
            sent += rto;
            if let Some(at) = self.transit(link, sent, bytes, rng) {
                return Some(at);
            }
            rto = (rto + rto).min(RTO_MAX);
        }
        None
    }

    /// What every link carried, indexed by [`LinkId::index`].
    pub fn traffic(&self) -> Vec<Traffic> {
        self.links.iter().map(|l| l.traffic).collect()
    }
}

/// The fate of a message on a link that is not nominal, its delay already
/// drawn.
#[cold]
#[inline(never)]
fn degraded(state: &LinkState, now: Time, delay: Duration, rng: &mut SimRng) -> Option<Time> {
    if !state.up || (state.loss > 0.0 && rng.random::<f64>() < state.loss) {
        return None;
    }
    let scaled = (delay.as_nanos() as f64 * state.delay_factor)
        .round()
        .min(MAX_SAMPLE.as_nanos() as f64);
    Some(now + Duration::from_nanos(scaled as u64) + state.added_delay)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn network() -> Network {
        let s = crate::scenario::from_str(
            "name: n\nduration: 10s\nwarmup: 1s\nregions: [{name: a, jurisdiction: X}, {name: b, jurisdiction: X}]\n\
             network: {intra_region: 1ms, links: [{between: [a, b], delay: 40ms}]}\n\
             datasets: [{name: d, keys: 1, placement: {single-primary: {primary: a, apply_time: 1ms}}}]\n\
             workload: [{region: a, rates: {d: {reads_per_s: 1}}}]\n",
            std::path::Path::new("n.yaml"), crate::metrics::figure_shape,
        )
        .unwrap();
        Network::new(&s)
    }

    #[test]
    fn a_nominal_link_takes_its_delay_and_counts_measured_messages() {
        let mut net = network();
        let mut rng = stream(1, 0, "t");
        let ab = net.link(RegionId(0), RegionId(1));
        let t = Time::ZERO + Duration::from_secs(2);
        assert_eq!(
            net.transit(ab, t, 100, &mut rng),
            Some(t + Duration::from_millis(40))
        );
        // Before the measured span: delivered, not counted.
        net.transit(ab, Time::ZERO, 100, &mut rng);
        let aa = net.link(RegionId(0), RegionId(0));
        assert_eq!(
            net.transit(aa, t, 0, &mut rng),
            Some(t + Duration::from_millis(1))
        );
        let traffic = net.traffic();
        assert_eq!(
            traffic[ab.index()],
            Traffic {
                messages: 1,
                bytes: 100,
                user_bytes: 0
            }
        );
        assert_eq!(
            traffic[aa.index()],
            Traffic {
                messages: 1,
                bytes: 0,
                user_bytes: 0
            }
        );
    }

    #[test]
    fn state_changes_what_the_next_message_meets() {
        let mut net = network();
        let mut rng = stream(1, 0, "t");
        let ab = net.link(RegionId(0), RegionId(1));
        let t = Time::ZERO;
        net.set_state(
            ab,
            LinkState {
                delay_factor: 2.5,
                added_delay: Duration::from_millis(5),
                ..LinkState::NOMINAL
            },
        );
        assert_eq!(
            net.transit(ab, t, 0, &mut rng),
            Some(t + Duration::from_millis(105))
        );
        net.set_state(
            ab,
            LinkState {
                up: false,
                ..LinkState::NOMINAL
            },
        );
        assert_eq!(net.transit(ab, t, 0, &mut rng), None);
        assert_eq!(net.deliver(ab, t, 0, &mut rng), None);
        net.set_state(ab, LinkState::NOMINAL);
        assert_eq!(
            net.transit(ab, t, 0, &mut rng),
            Some(t + Duration::from_millis(40))
        );
    }

    #[test]
    fn loss_drops_its_share_and_a_reliable_connection_retransmits() {
        let mut net = network();
        let mut rng = stream(1, 0, "t");
        let ab = net.link(RegionId(0), RegionId(1));
        net.set_state(
            ab,
            LinkState {
                loss: 0.25,
                ..LinkState::NOMINAL
            },
        );
        let n = 40_000;
        let lost = (0..n)
            .filter(|_| net.transit(ab, Time::ZERO, 0, &mut rng).is_none())
            .count();
        // Binomial(40000, 0.25): sd 87; 5 sd either side.
        assert!((lost as f64 - 10_000.0).abs() < 435.0, "{lost}");
        // A reliable message is late by whole RTOs: 40ms, 240ms, 640ms...
        let mut late = [0u32; 3];
        for _ in 0..n {
            let at = net.deliver(ab, Time::ZERO, 0, &mut rng).unwrap();
            match at.as_nanos() / 1_000_000 {
                40 => late[0] += 1,
                240 => late[1] += 1,
                640 => late[2] += 1,
                _ => {}
            }
        }
        // P = 0.75, 0.1875, 0.046875 of 40000: 30000, 7500, 1875.
        assert!((late[0] as f64 - 30_000.0).abs() < 500.0, "{late:?}");
        assert!((late[1] as f64 - 7_500.0).abs() < 400.0, "{late:?}");
        assert!((late[2] as f64 - 1_875.0).abs() < 220.0, "{late:?}");
        net.set_state(
            ab,
            LinkState {
                loss: 1.0,
                ..LinkState::NOMINAL
            },
        );
        assert_eq!(net.deliver(ab, Time::ZERO, 0, &mut rng), None);
    }
}
