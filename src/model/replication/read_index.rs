//! A read that asks the copy taking writes for its newest commit, then
//! waits until the serving copy has applied it (Raft's ReadIndex; a
//! consensus group's strong follower read, Aurora's GLOBAL read
//! consistency): its stage per request, kept by request slot.

use crate::engine::Time;

/// One such read in progress.
#[derive(Clone, Copy)]
pub struct ReadIndex {
    pub attempt: u8,
    /// When it reached the serving copy.
    pub start: Time,
    /// When the copy taking writes answered with its newest commit.
    pub index_at: Time,
    /// The serving copy has applied every write committed by then:
    /// answered.
    pub done: bool,
}

/// The reads in progress, by request slot.
#[derive(Default)]
pub struct ReadIndexes(Vec<Option<ReadIndex>>);

impl ReadIndexes {
    /// Request `req`'s read, the table grown to hold it.
    pub fn slot(&mut self, req: u32) -> &mut Option<ReadIndex> {
        let slot = req as usize;
        if self.0.len() <= slot {
            self.0.resize(slot + 1, None);
        }
        &mut self.0[slot]
    }

    /// Request `req`'s read will not be asked about again.
    pub fn forget(&mut self, req: u32) {
        if let Some(r) = self.0.get_mut(req as usize) {
            *r = None;
        }
    }
}
