//! The cost section.

use super::*;

/// What a design costs a month: inter-region transfer, priced per GB by
/// source region from a dated table, overridable per region.
#[derive(Deserialize, JsonSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct CostFile {
    /// The price table: `aws` (the AWS price list of 2022-01, per source
    /// region), `gcp` or `azure` (their 2022 rates, by continent). Default:
    /// none, every source region priced by `transfer_per_gb`.
    pub prices: Option<String>,
    /// USD per GB (10^9 bytes) sent from a region to any other, by source
    /// region, over the table's (e.g. `{us-east-1: 0.02}`).
    pub transfer_per_gb: Option<BTreeMap<String, f64>>,
    /// USD per GB a region's app tier sends to users on the internet
    /// (responses), over the table's (e.g. `{eu-west-1: 0.09}`); the
    /// `azure` table has none, so each region serving users needs one.
    pub egress_per_gb: Option<BTreeMap<String, f64>>,
}
