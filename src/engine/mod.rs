//! The discrete-event engine: simulated time, the event queue and seeded
//! random streams. It knows nothing of regions or databases.
//!
//! A model implements [`Model`]; [`Simulation`] pops events in
//! `(time, insertion sequence)` order and hands each to the model, which may
//! schedule more. Simultaneous events therefore run in the order they were
//! scheduled, and no float ever orders events.
//!
//! ```
//! use regionsim::engine::{Duration, Model, Scheduler, Simulation, Time};
//!
//! /// Counts ticks, one every millisecond.
//! struct Ticker { ticks: u32 }
//! impl Model for Ticker {
//!     type Event = ();
//!     fn handle(&mut self, now: Time, _: (), sched: &mut Scheduler<()>) {
//!         self.ticks += 1;
//!         sched.schedule(now + Duration::from_millis(1), ());
//!     }
//! }
//!
//! let mut sim = Simulation::new(Ticker { ticks: 0 });
//! sim.scheduler().schedule(Time::ZERO, ());
//! sim.run_until(Time::ZERO + Duration::from_millis(10));
//! assert_eq!(sim.model().ticks, 11); // t = 0, 1, ..., 10 ms
//! ```

mod alias;
mod dist;
mod queue;
mod rng;
mod time;

pub use alias::{zipf_weights, AliasTable};
pub use dist::{Dist, MAX_SAMPLE};
pub use queue::{EventQueue, Scheduler, Timer};
pub use rng::{stream, stream_seed, SimRng};
pub use time::{Duration, Time};

/// Hints the CPU to load the cache line holding `value`. Changes no result;
/// used where the model knows an access is coming (a key drawn ahead).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads no value; `value` is a
    // valid reference anyway. SSE is part of the x86-64 baseline.
    #[allow(unused_unsafe)]
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A simulated world: receives each event at its time.
pub trait Model {
    /// The events of this model; one enum, dispatched by `match`. `Copy`:
    /// the queue hands out a copy of its top entry (see `queue`).
    type Event: Copy;
    /// Handles `event` at simulated time `now`; may schedule further events.
    fn handle(&mut self, now: Time, event: Self::Event, sched: &mut Scheduler<Self::Event>);

    /// Whether the loop should offer [`Model::prefetch`] the event likely
    /// to come next, before each event is handled (false: no cost beyond
    /// one predictable branch). Asked once per event.
    fn lookahead(&self) -> bool {
        false
    }

    /// Asks the processor for the state `event` will touch, while the
    /// current event is handled. Must change nothing.
    fn prefetch(&self, _event: &Self::Event) {}
}

/// A model and its scheduler: the run loop.
pub struct Simulation<M: Model> {
    model: M,
    sched: Scheduler<M::Event>,
}

impl<M: Model> Simulation<M> {
    /// A simulation at time zero with an empty queue.
    pub fn new(model: M) -> Self {
        Simulation {
            model,
            sched: Scheduler::new(),
        }
    }

    /// The scheduler, to seed initial events.
    pub fn scheduler(&mut self) -> &mut Scheduler<M::Event> {
        &mut self.sched
    }

    /// The model, to read its state.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, to set it up before the run.
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// The model and the scheduler together, to change the model's state
    /// between steps (a test that cuts a link at a chosen moment).
    pub fn parts(&mut self) -> (&mut M, &mut Scheduler<M::Event>) {
        (&mut self.model, &mut self.sched)
    }

    /// Processes one event; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        self.step_until(Time::NEVER)
    }

    /// Processes the next event if it is at or before `end`; false when
    /// there is none. Every loop goes through here, the one place events
    /// are popped, so the compiler inlines the queue and the handler into it.
    fn step_until(&mut self, end: Time) -> bool {
        match self.sched.pop_until(end) {
            Some((now, event)) => {
                if self.model.lookahead() {
                    if let Some(next) = self.sched.after_top() {
                        self.model.prefetch(next);
                    }
                }
                self.model.handle(now, event, &mut self.sched);
                true
            }
            None => false,
        }
    }

    /// Processes every event with a time at or before `end`; later events
    /// stay queued.
    pub fn run_until(&mut self, end: Time) {
        while self.step_until(end) {}
    }

    /// Processes events until the queue is empty.
    pub fn run_to_completion(&mut self) {
        while self.step() {}
    }

    /// Processes events until the queue is empty (true) or until
    /// `keep_going(events so far)`, asked after every `every` events,
    /// answers false (false). How a caller shows progress and enforces
    /// limits without a check on every event.
    pub fn run_checked(&mut self, every: u64, mut keep_going: impl FnMut(u64) -> bool) -> bool {
        // The same loop as `run_to_completion`, with one compare an event:
        // the compiler then inlines the model's handler here as it does
        // there (a nested loop made it a call, 20 instructions an event).
        let every = every.max(1);
        let mut next_check = self.events() + every;
        while self.step() {
            if self.events() >= next_check {
                if !keep_going(self.events()) {
                    return false;
                }
                next_check += every;
            }
        }
        true
    }

    /// Number of events processed so far.
    pub fn events(&self) -> u64 {
        self.sched.processed()
    }

    /// Consumes the simulation, returning the model.
    pub fn into_model(self) -> M {
        self.model
    }
}
