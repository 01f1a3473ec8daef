//! The residency and sessions sections.

use super::*;

/// One residency rule: whose data (exactly one of `jurisdiction` and
/// `tenants`), its home region and the regions allowed to hold a copy.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidencyRuleFile {
    /// The users of every client region of this jurisdiction.
    pub jurisdiction: Option<String>,
    /// The users of the workload entries with one of these `tenant`s
    /// (before any jurisdiction rule).
    pub tenants: Option<Vec<String>>,
    /// Where their records live in a geo-sharded dataset; one of `allowed`.
    pub home: String,
    /// Regions where a copy of their records may come to rest.
    pub allowed: Vec<String>,
}

/// The session store.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionsFile {
    /// `regional` or `global`.
    pub store: SessionStoreFile,
    /// `global` only: time for a remote store to apply a replicated session
    /// write, after the one-way network delay (default 0).
    pub apply_time: Option<Dist>,
}

/// Where sessions are kept.
#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum SessionStoreFile {
    /// In the region whose app tier served the user's last request only.
    Regional,
    /// Replicated to every region.
    Global,
}
