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

/// The price tables a scenario may name.
pub const TABLES: [&str; 1] = ["aws"];

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
}
