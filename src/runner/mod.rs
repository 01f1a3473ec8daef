//! Runs: expands scenarios into (scenario, replication) runs, executes them
//! on a rayon pool and gathers the results in run order, so the output is
//! the same whatever the number of threads.

use crate::engine::Duration;
use crate::error::{Error, Result};
use crate::metrics::RunMetrics;
use crate::model::World;
use crate::scenario::Scenario;
use rayon::prelude::*;

/// Overrides from the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Replaces every scenario's seed.
    pub seed: Option<u64>,
    /// Replaces every scenario's replication count.
    pub replications: Option<u32>,
    /// Replaces every scenario's measured duration.
    pub duration: Option<Duration>,
}

impl Overrides {
    /// Applies the overrides to `s`.
    pub fn apply(&self, s: &mut Scenario) -> Result<()> {
        if let Some(seed) = self.seed {
            s.seed = seed;
        }
        if let Some(n) = self.replications {
            if n == 0 {
                return Err(Error::Usage("--replications must be at least 1".into()));
            }
            s.replications = n;
        }
        if let Some(d) = self.duration {
            if d == Duration::ZERO {
                return Err(Error::Usage("--duration must be above 0".into()));
            }
            s.duration = d;
            s.bucket = s.bucket.max(Duration::from_nanos(
                d.as_nanos().div_ceil(crate::scenario::MAX_BUCKETS),
            ));
        }
        Ok(())
    }
}

/// A scenario and every run of it.
pub struct ScenarioResult {
    /// The scenario as run (overrides applied).
    pub scenario: Scenario,
    /// One entry per replication, in order.
    pub runs: Vec<RunMetrics>,
    /// All runs pooled.
    pub pooled: RunMetrics,
}

/// Builds the thread pool for `threads` (all cores when `None`).
fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads:?} threads: {e}")))
}

/// Runs every replication of every scenario on `threads` threads.
pub fn run_all(scenarios: Vec<Scenario>, threads: Option<usize>) -> Result<Vec<ScenarioResult>> {
    let jobs: Vec<(usize, u64)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..u64::from(s.replications)).map(move |r| (i, r)))
        .collect();
    let metrics: Vec<RunMetrics> = pool(threads)?.install(|| {
        jobs.par_iter()
            .map(|&(i, r)| World::run(&scenarios[i], r))
            .collect()
    });
    let mut metrics = metrics.into_iter();
    Ok(scenarios
        .into_iter()
        .map(|scenario| {
            let runs: Vec<RunMetrics> = metrics
                .by_ref()
                .take(scenario.replications as usize)
                .collect();
            let mut pooled = runs[0].clone();
            for r in &runs[1..] {
                pooled.merge(r);
            }
            ScenarioResult {
                scenario,
                runs,
                pooled,
            }
        })
        .collect())
}

/// What `regionsim bench` measured.
#[derive(Clone, Debug)]
pub struct BenchReport {
    /// Events processed.
    pub events: u64,
    /// Wall-clock seconds for the run (model construction included).
    pub wall_s: f64,
    /// Peak resident memory of the process in KiB (Linux), if known.
    pub peak_rss_kib: Option<u64>,
}

impl BenchReport {
    /// Simulated events per wall-clock second.
    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.wall_s
    }
}

/// Runs replication 0 of `scenario` on the calling thread and measures it.
/// The wall clock is read here only, never by the model.
pub fn bench(scenario: &Scenario) -> BenchReport {
    let start = std::time::Instant::now();
    let m = World::run(scenario, 0);
    let wall_s = start.elapsed().as_secs_f64();
    BenchReport {
        events: m.events,
        wall_s,
        peak_rss_kib: peak_rss_kib(),
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
