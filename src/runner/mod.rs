//! Runs: every (scenario, sweep point, replication) of a set of plans,
//! executed on one rayon pool and gathered in run order, so the output is the
//! same whatever the number of threads or shards.

use crate::error::{Error, Result};
use crate::metrics::figures;
use crate::model::World;
use crate::scenario::limits::MAX_THREADS;
use crate::scenario::{Plan, Scenario};
pub mod baseline;
pub mod cost;
pub mod headroom;
pub mod precision;
pub mod shard;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Identifies one run: which plan, which sweep point, which replication.
/// Replication `r` of every point draws from the same random streams
/// (common random numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RunKey {
    /// Index of the plan (scenario file) in the invocation.
    pub plan: u32,
    /// Index of the sweep point in the plan.
    pub point: u32,
    /// Replication index; also the run index of every random stream.
    pub replication: u32,
}

/// What one run produced: its figures as JSON, ready to aggregate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    /// Which run.
    pub key: RunKey,
    /// [`crate::metrics::Figures`] of the run.
    pub figures: serde_json::Value,
}

/// Every run of `plans`, in order: plan, point, replication.
pub fn all_keys(plans: &[Plan]) -> Vec<RunKey> {
    let mut keys = Vec::new();
    for (p, plan) in plans.iter().enumerate() {
        for (i, point) in plan.points.iter().enumerate() {
            for r in 0..point.scenario.replications {
                keys.push(RunKey {
                    plan: p as u32,
                    point: i as u32,
                    replication: r,
                });
            }
        }
    }
    keys
}

/// The scenario a key runs.
pub fn scenario_of(plans: &[Plan], key: RunKey) -> &Scenario {
    &plans[key.plan as usize].points[key.point as usize].scenario
}

/// What all runs of an invocation share: the events simulated so far (for
/// progress), runs finished, and a limit that stops every run once passed.
#[derive(Debug)]
pub struct Control {
    events: AtomicU64,
    runs: AtomicU64,
    stopped: AtomicBool,
    max_events: u64,
    /// Resident bytes past which runs stop (the memory a run may use),
    /// and address space past which they stop (90 % of `RLIMIT_AS`, where
    /// an allocation would fail and abort the process).
    max_resident: Option<u64>,
    max_virtual: Option<u64>,
    /// Why runs stopped: the memory they had reached, if that was it.
    stopped_at_bytes: AtomicU64,
    /// The events the estimate said, and whether the runs were told they
    /// went past ten times it.
    estimate: AtomicU64,
    warned: AtomicBool,
}

impl Default for Control {
    fn default() -> Self {
        Control::new(None)
    }
}

impl Control {
    /// A control that stops runs once they have simulated more than
    /// `max_events` events together (never when `None`).
    pub fn new(max_events: Option<u64>) -> Control {
        Control {
            events: AtomicU64::new(0),
            runs: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            max_events: max_events.unwrap_or(u64::MAX),
            max_resident: None,
            max_virtual: cost::address_space_limit().map(|l| l / 10 * 9),
            stopped_at_bytes: AtomicU64::new(0),
            estimate: AtomicU64::new(u64::MAX),
            warned: AtomicBool::new(false),
        }
    }

    /// Also stops runs once the process holds more than `bytes` resident
    /// (`--max-memory`, or the memory available): a queue past saturation
    /// grows for as long as the overload lasts.
    pub fn with_memory_limit(mut self, bytes: Option<u64>) -> Control {
        self.max_resident = bytes;
        self
    }

    /// Also says on stderr, once, when the runs pass ten times `events`,
    /// the estimate they started from.
    pub fn with_estimate(self, events: f64) -> Control {
        self.estimate
            .store(events.max(1.0) as u64, Ordering::Relaxed);
        self
    }

    /// Why the runs stopped, for the message: the memory they had
    /// reached, if that was the reason.
    fn stop_reason(&self) -> String {
        match self.stopped_at_bytes.load(Ordering::Relaxed) {
            0 => format!(
                "stopped after {} simulated events: the runs went past --max-events {} (the estimate was lower; raise the limit or shorten the scenario)",
                self.events(),
                self.max_events
            ),
            bytes => format!(
                "stopped at {} of memory after {} simulated events, at the limit of {} (--max-memory, or the memory this process may use): a queue past saturation (an app tier or commit path without `queue_limit`, a replica applying slower than writes come) holds everything it cannot serve for as long as the overload lasts; give the station a queue_limit, lower the load, shorten the overload or the run, or raise --max-memory",
                cost::show_bytes(bytes as f64),
                cost::show_count(self.events() as f64),
                cost::show_bytes(self.max_resident.or(self.max_virtual).unwrap_or(bytes) as f64),
            ),
        }
    }

    /// Events simulated so far by all runs.
    pub fn events(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// Runs finished so far.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Counts `n` more events; false once the limit is passed.
    fn add(&self, n: u64) -> bool {
        let total = self.events.fetch_add(n, Ordering::Relaxed) + n;
        if total > self.max_events {
            self.stopped.store(true, Ordering::Relaxed);
        }
        if self.max_resident.is_some() || self.max_virtual.is_some() {
            if let Some((resident, virt)) = cost::memory_now() {
                let past = self.max_resident.is_some_and(|m| resident > m)
                    || self.max_virtual.is_some_and(|m| virt > m);
                if past {
                    self.stopped_at_bytes
                        .store(resident.max(1), Ordering::Relaxed);
                    self.stopped.store(true, Ordering::Relaxed);
                }
            }
        }
        let estimate = self.estimate.load(Ordering::Relaxed);
        if total / 10 > estimate && !self.warned.swap(true, Ordering::Relaxed) {
            crate::console::eprint_line(&format!(
                "warning: the runs have simulated {} events, more than ten times the {} estimated: it will take longer than announced (a queue past saturation, retries, or failures the estimate does not foresee)",
                cost::show_count(total as f64),
                cost::show_count(estimate as f64)
            ));
        }
        !self.stopped.load(Ordering::Relaxed)
    }
}

/// Runs one key on the calling thread, counting its events in `control`;
/// `None` if the control stopped it.
pub fn run_one(plans: &[Plan], key: RunKey, control: &Control) -> Option<RunRecord> {
    let s = scenario_of(plans, key);
    let mut counted = 0;
    let m = World::run_checked(s, u64::from(key.replication), |events| {
        let fresh = events - counted;
        counted = events;
        control.add(fresh)
    })?;
    if !control.add(m.events - counted) {
        return None;
    }
    control.runs.fetch_add(1, Ordering::Relaxed);
    Some(RunRecord {
        key,
        figures: serde_json::to_value(figures(s, &m)).expect("figures serialize"),
    })
}

/// Refuses a thread count of 0 or above [`MAX_THREADS`].
pub fn check_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) if n > MAX_THREADS => Err(Error::Usage(format!(
            "--threads {n}: at most {MAX_THREADS} (this machine has {} cores)",
            std::thread::available_parallelism().map_or(1, usize::from)
        ))),
        _ => Ok(()),
    }
}

/// Builds the thread pool for `threads` (all cores when `None`), never
/// more threads than `runs` can use.
pub fn pool(threads: Option<usize>, runs: usize) -> Result<rayon::ThreadPool> {
    check_threads(threads)?;
    let wanted =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    rayon::ThreadPoolBuilder::new()
        .num_threads(wanted.min(runs.max(1)))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {wanted} threads: {e}")))
}

/// Runs `keys` on `pool` and returns the records in the order of `keys`;
/// an error if `control` stopped them.
pub fn execute(
    plans: &[Plan],
    keys: &[RunKey],
    pool: &rayon::ThreadPool,
    control: &Control,
) -> Result<Vec<RunRecord>> {
    let records: Option<Vec<RunRecord>> = pool.install(|| {
        keys.par_iter()
            .map(|&key| run_one(plans, key, control))
            .collect()
    });
    records.ok_or_else(|| Error::Usage(control.stop_reason()))
}

/// Runs every key of `plans` on `threads` threads (all cores when `None`),
/// then further rounds for precision targets; records in key order.
pub fn run_all(plans: &[Plan], threads: Option<usize>) -> Result<Vec<RunRecord>> {
    let pool = pool(threads, all_keys(plans).len())?;
    run_rounds(plans, &pool, &Control::default(), &|_| {})
}

/// Runs every key of `plans`, then rounds of more replications until every
/// precision target is met or capped. `grow(n)` announces n more runs.
pub fn run_rounds(
    plans: &[Plan],
    pool: &rayon::ThreadPool,
    control: &Control,
    grow: &dyn Fn(u64),
) -> Result<Vec<RunRecord>> {
    let mut records = execute(plans, &all_keys(plans), pool, control)?;
    loop {
        let more = precision::next_round(plans, &records);
        if more.is_empty() {
            break;
        }
        grow(more.len() as u64);
        records.extend(execute(plans, &more, pool, control)?);
    }
    records.sort_by_key(|r| r.key);
    Ok(records)
}

/// What `regionsim bench` measured.
#[derive(Clone, Debug)]
pub struct BenchReport {
    /// Events processed.
    pub events: u64,
    /// Wall-clock seconds for the run (model construction included).
    pub wall_s: f64,
    /// CPU seconds this thread spent on the run (Linux; model
    /// construction included), if known: on a busy machine, the figure
    /// that does not count the time the thread waited.
    pub cpu_s: Option<f64>,
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
    let cpu = thread_cpu_s();
    let start = std::time::Instant::now();
    let m = World::run(scenario, 0);
    let wall_s = start.elapsed().as_secs_f64();
    BenchReport {
        events: m.events,
        wall_s,
        cpu_s: cpu.zip(thread_cpu_s()).map(|(a, b)| b - a),
        peak_rss_kib: peak_rss_kib(),
    }
}

/// Wall-clock seconds to run `keys` of `plans` on `threads` threads.
pub fn time_runs(plans: &[Plan], keys: &[RunKey], threads: usize) -> Result<f64> {
    let pool = pool(Some(threads), keys.len())?;
    let start = std::time::Instant::now();
    execute(plans, keys, &pool, &Control::default())?;
    Ok(start.elapsed().as_secs_f64())
}

/// One malloc arena for the whole process (glibc). Each thread that
/// allocates would otherwise get an arena of its own (up to eight per
/// core), and the pages freed in one are not reused by the others: the
/// shipped suite (`run scenarios`, two threads) peaked at 103 MiB, and at
/// 73-77 MiB with one arena, in the same time (the event loop allocates
/// nothing, so the runs do not contend for it). Called once, first thing
/// in `main`.
pub fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter, before any thread
    // is started.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Hands memory that is free but still held by the allocator back to the
/// system: what the runs freed, before the summaries and charts are built
/// (glibc keeps freed pages resident otherwise). Called between the phases
/// of a `run`; it changes no result.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it
    // touches no allocation in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// CPU seconds (user and system) the calling thread has used, if known.
fn thread_cpu_s() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage only writes the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        let ok = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) } == 0;
        let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        ok.then(|| s(u.ru_utime) + s(u.ru_stime))
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Peak resident memory of this process so far, in KiB (Linux `VmHWM`,
/// which starts afresh at exec), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_times_the_estimate_is_said_once_and_a_memory_limit_stops() {
        let c = Control::new(None).with_estimate(100.0);
        assert!(c.add(900));
        assert!(!c.warned.load(Ordering::Relaxed));
        assert!(c.add(200), "a warning does not stop the runs");
        assert!(c.warned.load(Ordering::Relaxed));
        // A limit below what the process already holds stops at once.
        let c = Control::new(None).with_memory_limit(Some(1));
        assert!(!c.add(1));
        assert!(
            c.stop_reason().starts_with("stopped at "),
            "{}",
            c.stop_reason()
        );
        let c = Control::new(Some(10));
        assert!(!c.add(11));
        assert!(c.stop_reason().contains("--max-events 10"));
    }
}
