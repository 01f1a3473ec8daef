//! Active-active: every copy takes writes and streams them to every other;
//! concurrent writes to one key conflict and are resolved.

use super::{nearest, Role, Strategy};
use crate::scenario::{
    Capacity, ClientLoad, DataType, Dataset, Failover, RegionId, Resolution, RywMitigation,
    Scenario,
};

/// An active-active placement.
#[derive(Clone, Debug)]
pub struct ActiveActive {
    /// The regions holding a copy, two or more, in file order.
    pub regions: Vec<RegionId>,
    /// How concurrent writes to one key are resolved.
    pub resolution: Resolution,
    /// Redis Enterprise Active-Active: the records' data type, which set
    /// the resolution.
    pub data_type: Option<DataType>,
    /// USD per million replicated write units (DynamoDB's), if billed.
    pub replicated_write_price: Option<f64>,
}

impl Strategy for ActiveActive {
    fn name(&self) -> &'static str {
        "active-active"
    }

    fn label(&self) -> &'static str {
        match (self.data_type, self.resolution) {
            (Some(DataType::String), Resolution::Lww) => "active-active (strings, lww)",
            (Some(DataType::Hash), Resolution::Lww) => "active-active (hash fields, lww)",
            (Some(DataType::Counter), Resolution::Merge) => "active-active (counters, merged)",
            (Some(DataType::Set), Resolution::Merge) => "active-active (sets, add-wins)",
            (_, Resolution::Lww) => "active-active (lww)",
            (_, Resolution::Merge) => "active-active (merge)",
        }
    }

    fn primary(&self) -> Option<RegionId> {
        None
    }

    fn regions(&self) -> Vec<RegionId> {
        self.regions.clone()
    }

    fn roles(&self) -> Vec<(RegionId, Role)> {
        self.regions.iter().map(|&r| (r, Role::Copy)).collect()
    }

    fn copies(&self) -> Vec<RegionId> {
        self.regions.clone()
    }

    fn copies_for_rule(&self, _rule: u16) -> Vec<RegionId> {
        self.regions.clone()
    }

    /// One from every copy to every other.
    fn streams(&self) -> Vec<(RegionId, RegionId)> {
        let r = &self.regions;
        r.iter()
            .flat_map(|&a| r.iter().filter(move |&&b| b != a).map(move |&b| (a, b)))
            .collect()
    }

    /// Each region's users write to their own region's copy, or the
    /// nearest.
    fn write_copy(&self, s: &Scenario, w: &ClientLoad) -> RegionId {
        nearest(w.region, &self.regions, &s.network)
    }

    fn writes_need_one_copy(&self) -> bool {
        false
    }

    fn carries(&self, s: &Scenario, w: &ClientLoad) -> Vec<(RegionId, RegionId)> {
        let from = self.write_copy(s, w);
        self.regions
            .iter()
            .filter(|&&r| r != from)
            .map(|&r| (from, r))
            .collect()
    }

    /// A message to every other copy (sent at commit).
    fn write_events(&self, _s: &Scenario, _w: &ClientLoad) -> f64 {
        self.regions.len() as f64 - 1.0
    }

    /// A read is served where it arrives.
    fn read_events(&self) -> f64 {
        0.0
    }

    /// Acknowledged at commit.
    fn ack_wait(&self, _s: &Scenario, _d: &Dataset, _w: &ClientLoad) -> (f64, f64) {
        (0.0, 0.0)
    }

    /// Each copy's last-writer-wins stamp of every key.
    fn state_bytes_per_key(&self) -> f64 {
        16.0 * self.regions.len() as f64
    }

    /// Every copy takes writes: nothing to fail over.
    fn failover(&self) -> Option<&Failover> {
        None
    }

    fn failover_target(&self) -> Option<RegionId> {
        None
    }

    fn commit(&self) -> Option<&Capacity> {
        None
    }

    fn read_your_writes(&self) -> Option<RywMitigation> {
        None
    }

    fn conflicts(&self) -> bool {
        true
    }

    fn semi_sync(&self) -> bool {
        false
    }

    fn reads_clocks(&self) -> bool {
        self.resolution == Resolution::Lww
    }

    /// Every copy takes writes: losing one stops none.
    fn lint_writes(&self, _s: &Scenario, _d: &Dataset, _writers: &[RegionId]) -> Option<String> {
        None
    }

    /// Two or more copies, each taking reads and writes.
    fn lint_outages(&self, _s: &Scenario, _d: &Dataset, _i: usize) -> Vec<String> {
        Vec::new()
    }
}
