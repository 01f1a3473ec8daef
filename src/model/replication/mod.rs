//! The replication kit every placement strategy builds its streams from:
//! a [`Channel`] (the FIFO connection to the receiving copy, with the
//! link's bandwidth, and that copy's apply threads), a [`KeyedQueue`] (the
//! writes a copy has not applied, in commit order, chained per key so that
//! a read learns at once what it misses), and [`Acks`] (the k-th of n
//! acknowledgements: semi-sync's, a majority's, a quorum's W).
//!
//! A strategy decides which streams exist, when a write enters one, and
//! what an acknowledgement means; the kit does the parts every strategy
//! shares the same way, so that they cannot drift apart.

mod acks;
mod channel;
mod queue;
mod read_index;

pub use acks::Acks;
pub use channel::{Carried, Channel};
pub use queue::{dense, KeyState, KeyedQueue, Queued, DENSE_BUDGET, KEY_STATE_BYTES};
pub use read_index::{ReadIndex, ReadIndexes};
