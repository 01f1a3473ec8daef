//! `summary.json`: the figures of a scenario, pooled over its replications
//! and per run. Durations are in milliseconds, shares are fractions (0.01 is
//! 1 %). Maps keep scenario order.

use crate::engine::Duration;
use crate::metrics::{ClientMetrics, DurationStats, RunMetrics};
use crate::runner::ScenarioResult;
use crate::scenario::Scenario;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// A map that serializes in insertion order.
#[derive(Clone, Debug, Default)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<T> Ordered<T> {
    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The whole summary of one scenario.
#[derive(Serialize, Clone, Debug)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub replications: u32,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub bucket_s: f64,
    pub warnings: Vec<String>,
    /// The regions as simulated.
    pub regions: Ordered<RegionInfo>,
    /// All replications pooled.
    pub pooled: Figures,
    /// Each replication on its own.
    pub runs: Vec<Figures>,
}

/// A region's jurisdiction and coordinates (from the file or a preset).
#[derive(Serialize, Clone, Debug)]
pub struct RegionInfo {
    pub jurisdiction: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The figures of one run, or of the pooled runs.
#[derive(Serialize, Clone, Debug)]
pub struct Figures {
    pub events: u64,
    /// Per client region.
    pub clients: Ordered<ClientFigures>,
    /// Per dataset.
    pub datasets: Ordered<DatasetFigures>,
}

/// What the users of one region saw.
#[derive(Serialize, Clone, Debug)]
pub struct ClientFigures {
    pub read_latency: Latency,
    pub write_latency: Latency,
    /// Per staleness bound (`0ms`, `500ms`...).
    pub stale_reads: Ordered<StaleReads>,
    /// The same figures per dataset the region used (empty inside).
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub by_dataset: Ordered<ClientFigures>,
}

/// Count and share of stale reads at one bound.
#[derive(Serialize, Clone, Debug)]
pub struct StaleReads {
    pub count: u64,
    /// Of all reads from the region (0 when it made none).
    pub share: f64,
}

/// A duration distribution, in milliseconds. Quantiles are within 0.1 %;
/// count, mean, min and max are exact. `null` when nothing was recorded.
#[derive(Serialize, Clone, Debug)]
pub struct Latency {
    pub count: u64,
    pub mean_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

impl Latency {
    fn of(s: &DurationStats) -> Latency {
        let ms = |d: Option<Duration>| d.map(Duration::as_millis_f64);
        Latency {
            count: s.count(),
            mean_ms: s.mean_ns().map(|x| x / 1e6),
            min_ms: ms(s.min()),
            p50_ms: ms(s.quantile(0.5)),
            p90_ms: ms(s.quantile(0.9)),
            p99_ms: ms(s.quantile(0.99)),
            p999_ms: ms(s.quantile(0.999)),
            max_ms: ms(s.max()),
        }
    }
}

/// One dataset.
#[derive(Serialize, Clone, Debug)]
pub struct DatasetFigures {
    pub primary: String,
    /// Per replica region.
    pub replicas: Ordered<ReplicaFigures>,
}

/// One replica.
#[derive(Serialize, Clone, Debug)]
pub struct ReplicaFigures {
    /// Apply time at the replica minus commit time at the primary.
    pub lag: Latency,
    /// Wait in the replica's apply queue.
    pub apply_wait: Latency,
    /// Largest sampled current lag.
    pub current_lag_max_ms: f64,
    /// Current lag at the end of each bucket (mean over pooled runs).
    pub current_lag_ms: Vec<f64>,
}

fn client_figures(s: &Scenario, c: &ClientMetrics) -> ClientFigures {
    let reads = c.reads.count();
    let stale = s
        .staleness_bounds
        .iter()
        .zip(&c.stale_reads)
        .map(|(b, &count)| {
            let share = if reads == 0 {
                0.0
            } else {
                count as f64 / reads as f64
            };
            (b.to_string(), StaleReads { count, share })
        })
        .collect();
    ClientFigures {
        read_latency: Latency::of(&c.reads),
        write_latency: Latency::of(&c.writes),
        stale_reads: Ordered(stale),
        by_dataset: Ordered(Vec::new()),
    }
}

fn figures(s: &Scenario, m: &RunMetrics) -> Figures {
    let clients = s
        .regions
        .iter()
        .enumerate()
        .filter_map(|(r, region)| {
            let mut all = ClientMetrics::new(s.staleness_bounds.len());
            let mut by_dataset = Vec::new();
            for (d, ds) in s.datasets.iter().enumerate() {
                let c = m.client(r, d);
                if c.reads.count() + c.writes.count() > 0 {
                    all.merge(c);
                    by_dataset.push((ds.name.clone(), client_figures(s, c)));
                }
            }
            if by_dataset.is_empty() {
                return None;
            }
            let mut f = client_figures(s, &all);
            f.by_dataset = Ordered(by_dataset);
            Some((region.name.clone(), f))
        })
        .collect();
    let datasets = s
        .datasets
        .iter()
        .zip(&m.replicas)
        .map(|(d, reps)| {
            let replicas = d
                .replicas
                .iter()
                .zip(reps)
                .map(|(r, rm)| {
                    let series: Vec<f64> = (0..rm.current_lag_ns.len())
                        .map(|i| rm.current_lag(i).as_millis_f64())
                        .collect();
                    (
                        s.regions[usize::from(r.0)].name.clone(),
                        ReplicaFigures {
                            lag: Latency::of(&rm.lag),
                            apply_wait: Latency::of(&rm.apply_wait),
                            current_lag_max_ms: series.iter().copied().fold(0.0, f64::max),
                            current_lag_ms: series,
                        },
                    )
                })
                .collect();
            (
                d.name.clone(),
                DatasetFigures {
                    primary: s.regions[usize::from(d.primary.0)].name.clone(),
                    replicas: Ordered(replicas),
                },
            )
        })
        .collect();
    Figures {
        events: m.events,
        clients: Ordered(clients),
        datasets: Ordered(datasets),
    }
}

/// The summary of a scenario's runs.
pub fn summarize(r: &ScenarioResult) -> Summary {
    let s = &r.scenario;
    Summary {
        scenario: s.name.clone(),
        description: s.description.clone(),
        seed: s.seed,
        replications: s.replications,
        warmup_s: s.warmup.as_secs_f64(),
        duration_s: s.duration.as_secs_f64(),
        bucket_s: s.bucket.as_secs_f64(),
        warnings: s.warnings.clone(),
        regions: Ordered(
            s.regions
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        RegionInfo {
                            jurisdiction: r.jurisdiction.clone(),
                            lat: r.coords.map(|c| c.0),
                            lon: r.coords.map(|c| c.1),
                        },
                    )
                })
                .collect(),
        ),
        pooled: figures(s, &r.pooled),
        runs: r.runs.iter().map(|m| figures(s, m)).collect(),
    }
}
