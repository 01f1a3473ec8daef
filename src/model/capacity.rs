//! Finite capacity where requests queue: each region's app tier and each
//! dataset's commit path at its primary, as [stations](super::station).
//! (A replica's apply path is its replication stream's; a link's bandwidth
//! is the [network](super::net)'s.)
//!
//! A request reaches its app tier, waits for one of `servers x concurrency`
//! workers, is served, and only then goes on to the database; a write
//! reaches the primary, waits for a commit server, and commits when served.
//! A full queue sheds the job: `reject` tells the user at once (the error's
//! way back is not simulated) and the client retries after its backoff;
//! `timeout` drops it and the client's timeout decides.
//!
//! Without an `app` or `commit` section nothing here exists and requests
//! take the path they took before capacity was modelled: no extra events,
//! no extra draws.

use super::station::Station;
use crate::engine::{SimRng, Time};
use crate::metrics::StationStats;
use crate::scenario::{RegionId, Scenario, Shed};

/// A station and the stream its service times come from.
pub(super) struct Queue {
    pub station: Station,
    pub shed: Shed,
    rng: SimRng,
}

impl Queue {
    fn new(c: &crate::scenario::Capacity, name: &str, scenario: &Scenario, run: u64) -> Queue {
        let mut station = Station::new(
            c.service_time.clone(),
            c.servers as usize,
            c.queue_limit.map(|q| q as usize),
        );
        let warmup = Time::ZERO + scenario.warmup;
        station.measure(warmup, warmup + scenario.duration);
        station.keep_stats(scenario.bucket);
        Queue {
            station,
            shed: c.shed,
            rng: crate::engine::stream(scenario.seed, run, name),
        }
    }

    /// Offers a job arriving at `now`: when it is done, or `None` if shed.
    #[inline]
    pub fn admit(&mut self, now: Time) -> Option<Time> {
        self.admit_slowed(now, 1.0)
    }

    /// A job of `service` (a connection's handshake) arriving at `now`:
    /// it takes a worker, or is shed.
    pub fn admit_work(&mut self, now: Time, service: crate::engine::Duration) {
        self.station.admit_work(now, service);
    }

    /// [`Queue::admit`], served `factor` times slower (a slow gray
    /// failure).
    #[inline]
    pub fn admit_slowed(&mut self, now: Time, factor: f64) -> Option<Time> {
        self.station
            .admit(now, factor, &mut self.rng)
            .map(|s| s.done)
    }
}

/// Every app tier and commit path of a run.
pub(super) struct Stations {
    regions: usize,
    /// Per region, its app tier (`None`: infinite).
    pub app: Vec<Option<Queue>>,
    /// Any region has an app tier: the request path's one test.
    pub any_app: bool,
    /// Per dataset x region, the commit path of the dataset's database node
    /// there (whichever is primary uses its own).
    commit: Vec<Option<Queue>>,
}

impl Stations {
    pub fn new(scenario: &Scenario, run: u64) -> Stations {
        let app: Vec<Option<Queue>> = scenario
            .regions
            .iter()
            .map(|r| {
                r.app
                    .as_ref()
                    .map(|c| Queue::new(c, &format!("app/{}", r.name), scenario, run))
            })
            .collect();
        let mut commit = Vec::new();
        for d in &scenario.datasets {
            for r in &scenario.regions {
                commit.push(d.strategy().commit().map(|c| {
                    Queue::new(c, &format!("commit/{}/{}", d.name, r.name), scenario, run)
                }));
            }
        }
        Stations {
            regions: scenario.regions.len(),
            any_app: app.iter().any(Option::is_some),
            app,
            commit,
        }
    }

    /// The app tier of `region`, if it has finite capacity.
    #[inline]
    pub fn app(&mut self, region: RegionId) -> Option<&mut Queue> {
        self.app[usize::from(region.0)].as_mut()
    }

    /// The commit path of dataset `d`'s node in `region`, if finite.
    #[inline]
    pub fn commit(&mut self, d: u16, region: RegionId) -> Option<&mut Queue> {
        self.commit[usize::from(d) * self.regions + usize::from(region.0)].as_mut()
    }

    /// `region`'s services stopped at `now`: what their stations held is
    /// dropped.
    pub fn down(&mut self, region: RegionId, app: bool, db: bool, now: Time) {
        if app {
            if let Some(q) = self.app(region) {
                q.station.abandon(now);
            }
        }
        if db {
            for d in 0..self.commit.len() / self.regions.max(1) {
                if let Some(q) = self.commit(d as u16, region) {
                    q.station.abandon(now);
                }
            }
        }
    }

    /// Per region, its app tier's statistics.
    pub fn app_stats(&self) -> Vec<Option<StationStats>> {
        self.app
            .iter()
            .map(|q| q.as_ref().and_then(|q| q.station.stats().cloned()))
            .collect()
    }

    /// Per dataset, its commit paths' statistics summed over its nodes.
    pub fn commit_stats(&self) -> Vec<Option<StationStats>> {
        self.commit
            .chunks(self.regions.max(1))
            .map(|nodes| {
                nodes
                    .iter()
                    .flatten()
                    .filter_map(|q| q.station.stats())
                    .fold(None, |sum: Option<StationStats>, s| {
                        Some(match sum {
                            None => s.clone(),
                            Some(t) => t.merged(s),
                        })
                    })
            })
            .collect()
    }
}
