//! Dated price tables for the cost model: what sending a GB from one
//! region to another costs. Each figure is from a source listed here and
//! in the README; prices change, so a table states its date and a scenario
//! may override any region's price (`cost.transfer_per_gb`).

/// The AWS table's date and source.
pub const AWS_DATE: &str = "2022-01";

/// Inter-region transfer out of each AWS region, USD per GB, to any other
/// region (AWS prices it by source region). From the skyplane project's
/// `aws_transfer_costs.csv` (skyplane-project/skyplane, taken from the AWS
/// price list), also summarised in FACTS.md.
const AWS_OUT_PER_GB: [(&str, f64); 23] = [
    ("us-east-1", 0.02),
    ("us-east-2", 0.02),
    ("us-west-1", 0.02),
    ("us-west-2", 0.02),
    ("us-gov-east-1", 0.03),
    ("ca-central-1", 0.02),
    ("eu-central-1", 0.02),
    ("eu-west-1", 0.02),
    ("eu-west-2", 0.02),
    ("eu-west-3", 0.02),
    ("eu-south-1", 0.02),
    ("eu-north-1", 0.02),
    ("af-south-1", 0.147),
    ("ap-east-1", 0.09),
    ("ap-south-1", 0.086),
    ("ap-northeast-1", 0.09),
    ("ap-northeast-2", 0.08),
    ("ap-northeast-3", 0.09),
    ("ap-southeast-1", 0.09),
    ("ap-southeast-2", 0.098),
    ("ap-southeast-3", 0.10),
    ("me-south-1", 0.1105),
    ("sa-east-1", 0.138),
];

/// The pairs AWS prices apart from their source region's rate: US East
/// (N. Virginia) and US East (Ohio), either way.
const AWS_PAIRS_PER_GB: [(&str, &str, f64); 2] = [
    ("us-east-1", "us-east-2", 0.01),
    ("us-east-2", "us-east-1", 0.01),
];

/// The price of a GB from AWS region `from` to `to` (different regions),
/// if the table knows `from`.
pub fn aws_transfer_per_gb(from: &str, to: &str) -> Option<f64> {
    if let Some(&(_, _, p)) = AWS_PAIRS_PER_GB
        .iter()
        .find(|(a, b, _)| *a == from && *b == to)
    {
        return Some(p);
    }
    AWS_OUT_PER_GB
        .iter()
        .find(|(r, _)| *r == from)
        .map(|&(_, p)| p)
}

/// The GCP and Azure tables' date (the same skyplane release).
pub const GCP_DATE: &str = "2022";
pub const AZURE_DATE: &str = "2022";

/// A GCP region's continent, from its name (`us-east1`: `us`).
fn gcp_continent(region: &str) -> Option<&str> {
    let (continent, rest) = region.split_once('-')?;
    (!rest.is_empty()).then_some(continent)
}

/// The price of a GB from GCP region `from` to `to` (premium tier), if
/// the table prices the pair. From the skyplane project's `gcp_pricing.py`
/// (GCP's network pricing, 2022): within a continent $0.01 in North
/// America, $0.02 in Europe, $0.05 in Asia, $0.08 in South America and
/// Australia; between continents $0.08, or $0.15 to or from Australia or
/// Jakarta (asia-southeast2).
pub fn gcp_transfer_per_gb(from: &str, to: &str) -> Option<f64> {
    let (a, b) = (gcp_continent(from)?, gcp_continent(to)?);
    let america = |c: &str| c == "us" || c == "northamerica";
    let known =
        |c: &str| america(c) || ["europe", "asia", "southamerica", "australia"].contains(&c);
    if !known(a) || !known(b) {
        return None;
    }
    if a == b || (america(a) && america(b)) {
        return Some(match a {
            "europe" => 0.02,
            "asia" => 0.05,
            "southamerica" | "australia" => 0.08,
            _ => 0.01,
        });
    }
    let far = |r: &str, c: &str| c == "australia" || r.starts_with("asia-southeast2");
    Some(if far(from, a) || far(to, b) {
        0.15
    } else {
        0.08
    })
}

/// Azure regions by continent (the regions skyplane's `lookup_continent`
/// knows, 2022).
const AZURE_CONTINENTS: [(&str, &[&str]); 6] = [
    (
        "north-america",
        &[
            "eastus",
            "eastus2",
            "westus",
            "westus2",
            "westus3",
            "centralus",
            "northcentralus",
            "southcentralus",
            "westcentralus",
            "canadacentral",
            "canadaeast",
        ],
    ),
    (
        "europe",
        &[
            "northeurope",
            "westeurope",
            "uksouth",
            "ukwest",
            "francecentral",
            "germanywestcentral",
            "switzerlandnorth",
            "norwayeast",
            "swedencentral",
        ],
    ),
    (
        "asia",
        &[
            "eastasia",
            "southeastasia",
            "japaneast",
            "japanwest",
            "koreacentral",
            "centralindia",
            "southindia",
            "westindia",
        ],
    ),
    (
        "oceania",
        &["australiaeast", "australiasoutheast", "australiacentral"],
    ),
    ("middle-east", &["uaenorth"]),
    ("africa", &["southafricanorth"]),
];

/// The price of a GB from Azure region `from` to `to`, if the table
/// knows both. From the skyplane project's Azure pricing (Azure's
/// bandwidth pricing, 2022, below 10 TB a month): within North America or
/// Europe $0.02, within Asia, Oceania, the Middle East or Africa $0.08;
/// from North America or Europe to another continent $0.05, from the
/// others $0.08. (South America is left out: its regions are not in the
/// list; give their prices with `transfer_per_gb`.)
pub fn azure_transfer_per_gb(from: &str, to: &str) -> Option<f64> {
    let continent = |r: &str| {
        AZURE_CONTINENTS
            .iter()
            .find(|(_, rs)| rs.contains(&r))
            .map(|&(c, _)| c)
    };
    let (a, b) = (continent(from)?, continent(to)?);
    let west = |c: &str| c == "north-america" || c == "europe";
    Some(match (a == b, west(a)) {
        (true, true) => 0.02,
        (true, false) => 0.08,
        (false, true) => 0.05,
        (false, false) => 0.08,
    })
}

/// The price tables a scenario may name.
pub const TABLES: [&str; 3] = ["aws", "gcp", "azure"];

/// The price of a GB from `from` to `to` in `table`, and the table's date.
pub fn transfer_per_gb(table: &str, from: &str, to: &str) -> Option<f64> {
    match table {
        "aws" => aws_transfer_per_gb(from, to),
        "gcp" => gcp_transfer_per_gb(from, to),
        "azure" => azure_transfer_per_gb(from, to),
        _ => None,
    }
}

/// The date of `table`'s prices.
pub fn date(table: &str) -> &'static str {
    match table {
        "aws" => AWS_DATE,
        "gcp" => GCP_DATE,
        _ => AZURE_DATE,
    }
}

/// Data transfer out of each AWS region to the internet, USD per GB, the
/// first 10 TB a month: the `internet` rows of the same skyplane
/// `aws_transfer_costs.csv` (AWS price list, 2022-01).
const AWS_INTERNET_PER_GB: [(&str, f64); 26] = [
    ("af-south-1", 0.154),
    ("ap-east-1", 0.12),
    ("ap-northeast-1", 0.114),
    ("ap-northeast-2", 0.126),
    ("ap-northeast-3", 0.114),
    ("ap-south-1", 0.1093),
    ("ap-southeast-1", 0.12),
    ("ap-southeast-2", 0.114),
    ("ap-southeast-3", 0.132),
    ("ca-central-1", 0.09),
    ("eu-central-1", 0.09),
    ("eu-central-2", 0.09),
    ("eu-north-1", 0.09),
    ("eu-south-1", 0.09),
    ("eu-south-2", 0.09),
    ("eu-west-1", 0.09),
    ("eu-west-2", 0.09),
    ("eu-west-3", 0.09),
    ("me-central-1", 0.11),
    ("me-south-1", 0.117),
    ("sa-east-1", 0.15),
    ("us-east-1", 0.09),
    ("us-east-2", 0.09),
    ("us-gov-east-1", 0.155),
    ("us-west-1", 0.09),
    ("us-west-2", 0.09),
];

/// Internet egress out of GCP region `region`, premium tier, USD per GB:
/// skyplane's `gcp_pricing.py` (2022) for a destination outside Google's
/// network that is not in Australia: 0.19 from `asia-southeast1` and
/// Australia, 0.147 from `asia-northeast3`, 0.14 from `asia-southeast2`,
/// `asia-northeast1` and `asia-northeast2`, 0.12 from the others. `None`
/// for a name that is not a GCP region's (`continent-regionN`).
pub fn gcp_internet_per_gb(region: &str) -> Option<f64> {
    let continent = gcp_continent(region)?;
    let known = [
        "us",
        "northamerica",
        "europe",
        "asia",
        "southamerica",
        "australia",
    ];
    if !known.contains(&continent) {
        return None;
    }
    let rest = region.split_once('-').map_or("", |(_, r)| r);
    Some(match (continent, rest) {
        ("asia", "southeast1") | ("australia", _) => 0.19,
        ("asia", "northeast3") => 0.147,
        ("asia", "southeast2" | "northeast1" | "northeast2") => 0.14,
        _ => 0.12,
    })
}

/// The price of a GB sent from `region` to the internet in `table`
/// (`None`: the table has none; the azure table has no egress prices).
pub fn internet_per_gb(table: &str, region: &str) -> Option<f64> {
    match table {
        "aws" => AWS_INTERNET_PER_GB
            .iter()
            .find(|(r, _)| *r == region)
            .map(|&(_, p)| p),
        "gcp" => gcp_internet_per_gb(region),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aws_table_prices_by_source_with_the_virginia_ohio_exception() {
        assert_eq!(aws_transfer_per_gb("us-east-1", "eu-west-1"), Some(0.02));
        assert_eq!(aws_transfer_per_gb("us-east-1", "us-east-2"), Some(0.01));
        assert_eq!(aws_transfer_per_gb("us-east-2", "us-east-1"), Some(0.01));
        assert_eq!(
            aws_transfer_per_gb("ap-southeast-1", "us-east-1"),
            Some(0.09)
        );
        assert_eq!(aws_transfer_per_gb("sa-east-1", "us-east-1"), Some(0.138));
        assert_eq!(aws_transfer_per_gb("mars-1", "us-east-1"), None);
    }

    #[test]
    fn the_gcp_table_prices_by_continent() {
        assert_eq!(gcp_transfer_per_gb("us-east1", "us-west1"), Some(0.01));
        assert_eq!(
            gcp_transfer_per_gb("us-east1", "northamerica-northeast1"),
            Some(0.01)
        );
        assert_eq!(
            gcp_transfer_per_gb("europe-west1", "europe-west4"),
            Some(0.02)
        );
        assert_eq!(gcp_transfer_per_gb("asia-east1", "asia-south1"), Some(0.05));
        assert_eq!(gcp_transfer_per_gb("us-east1", "europe-west1"), Some(0.08));
        assert_eq!(
            gcp_transfer_per_gb("us-east1", "australia-southeast1"),
            Some(0.15)
        );
        assert_eq!(
            gcp_transfer_per_gb("asia-southeast2", "europe-west1"),
            Some(0.15)
        );
        assert_eq!(gcp_transfer_per_gb("me-west1", "us-east1"), None);
        assert_eq!(gcp_transfer_per_gb("eastus", "us-east1"), None);
    }

    #[test]
    fn the_azure_table_prices_by_continent() {
        assert_eq!(azure_transfer_per_gb("eastus", "westus2"), Some(0.02));
        assert_eq!(
            azure_transfer_per_gb("westeurope", "northeurope"),
            Some(0.02)
        );
        assert_eq!(azure_transfer_per_gb("eastus", "westeurope"), Some(0.05));
        assert_eq!(azure_transfer_per_gb("southeastasia", "eastus"), Some(0.08));
        assert_eq!(azure_transfer_per_gb("japaneast", "eastasia"), Some(0.08));
        assert_eq!(azure_transfer_per_gb("brazilsouth", "eastus"), None);
    }
}
