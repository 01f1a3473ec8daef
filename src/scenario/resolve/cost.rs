//! The cost section: a price for every pair of regions.

use super::*;

/// A price as the error shows it: huge ones in scientific notation.
fn shown(price: f64) -> String {
    if price.is_finite() && price.abs() >= 1e6 {
        format!("{price:e}")
    } else {
        format!("{price}")
    }
}

/// Most a GB may cost: $100 (a typo guard; providers charge cents).
const MAX_PER_GB: f64 = 100.0;

/// The prices of `raw.cost`, if it has one: the named table's, then each
/// override. Every region needs a price (a link it sends on is billed).
pub(super) fn cost(
    raw: &ScenarioFile,
    names: &[String],
    serving: &[RegionId],
    check: &mut Checker,
) -> Option<Cost> {
    let c = raw.cost.as_ref()?;
    let n = names.len();
    let table = match c.prices.as_deref() {
        None => None,
        Some(t) if crate::scenario::prices::TABLES.contains(&t) => Some(t),
        Some(other) => {
            check.error(
                yaml_path!["cost", "prices"],
                format!(
                    "unknown price table `{other}`; the tables: {} (or none, with transfer_per_gb for every region)",
                    crate::scenario::prices::TABLES.join(", ")
                ),
            );
            return None;
        }
    };
    let mut per_gb: Vec<Option<f64>> = vec![None; n * n];
    if let Some(t) = table {
        for a in 0..n {
            for b in 0..n {
                per_gb[a * n + b] =
                    crate::scenario::prices::transfer_per_gb(t, &names[a], &names[b]);
            }
        }
    }
    let mut overridden = false;
    for (a, price) in overrides(c.transfer_per_gb.as_ref(), "transfer_per_gb", names, check) {
        overridden = true;
        for b in 0..n {
            per_gb[usize::from(a.0) * n + b] = Some(price);
        }
    }
    let unpriced: Vec<&str> = (0..n)
        .filter(|&a| (0..n).any(|b| b != a && per_gb[a * n + b].is_none()))
        .map(|a| names[a].as_str())
        .collect();
    if !unpriced.is_empty() {
        let why = match table {
            Some(t) => format!("the `{t}` table does not know {}", unpriced.join(", ")),
            None => "no table is named".to_string(),
        };
        check.error(
            yaml_path!["cost"],
            format!(
                "no transfer price for {}: {why}; give cost.transfer_per_gb.{} (USD per GB it sends)",
                unpriced.join(", "),
                unpriced[0]
            ),
        );
        return None;
    }
    let egress = egress(c, table, names, serving, check)?;
    let overridden = overridden || c.egress_per_gb.as_ref().is_some_and(|m| !m.is_empty());
    let prices = match (table, overridden) {
        (Some(t), false) => format!("{t} {}", crate::scenario::prices::date(t)),
        (Some(t), true) => format!("{t} {} with overrides", crate::scenario::prices::date(t)),
        (None, _) => "the scenario's own".to_string(),
    };
    Some(Cost {
        per_gb: (0..n * n)
            .map(|i| {
                if i / n == i % n {
                    0.0
                } else {
                    per_gb[i].unwrap_or(0.0)
                }
            })
            .collect(),
        egress_per_gb: egress,
        prices,
    })
}

/// A map of region to price under `cost.KEY`: each region known and each
/// price within 0 to [`MAX_PER_GB`], or an error at its line.
fn overrides(
    map: Option<&BTreeMap<String, f64>>,
    key: &str,
    names: &[String],
    check: &mut Checker,
) -> Vec<(RegionId, f64)> {
    let mut out = Vec::new();
    for (region, &price) in map.into_iter().flatten() {
        let at = yaml_path!["cost", key, region.as_str()];
        if !(price.is_finite() && (0.0..=MAX_PER_GB).contains(&price)) {
            check.error(
                at,
                format!(
                    "a price per GB is 0 to {MAX_PER_GB} (USD), got {}",
                    shown(price)
                ),
            );
            continue;
        }
        if let Some(a) = check.region(names, region, at) {
            out.push((a, price));
        }
    }
    out
}

/// Internet egress prices per region: the table's, then each override;
/// every region whose app tier may serve users (`serving`) needs one.
fn egress(
    c: &crate::scenario::file::CostFile,
    table: Option<&str>,
    names: &[String],
    serving: &[RegionId],
    check: &mut Checker,
) -> Option<Vec<f64>> {
    let mut per_gb: Vec<Option<f64>> = names
        .iter()
        .map(|r| table.and_then(|t| crate::scenario::prices::internet_per_gb(t, r)))
        .collect();
    for (a, price) in overrides(c.egress_per_gb.as_ref(), "egress_per_gb", names, check) {
        per_gb[usize::from(a.0)] = Some(price);
    }
    let unpriced: Vec<&str> = serving
        .iter()
        .filter(|r| per_gb[usize::from(r.0)].is_none())
        .map(|r| names[usize::from(r.0)].as_str())
        .collect();
    if let Some(first) = unpriced.first() {
        let why = match table {
            Some(t) => format!(
                "the `{t}` table has no internet egress price for {}",
                if unpriced.len() == 1 { "it" } else { "them" }
            ),
            None => "no table is named".to_string(),
        };
        check.error(
            yaml_path!["cost"],
            format!(
                "no internet egress price for {}, whose app tier serves users: {why}; give cost.egress_per_gb.{first} (USD per GB it sends to users)",
                unpriced.join(", ")
            ),
        );
        return None;
    }
    Some(per_gb.into_iter().map(|p| p.unwrap_or(0.0)).collect())
}
