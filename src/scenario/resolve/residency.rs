//! Residency rules: whose records may rest where.

use super::*;

/// The residency rules, checked: exactly one of jurisdiction (one some
/// region has, one rule each) and tenants (ones the workload names), known
/// regions, and a home among the allowed regions. `None` without rules.
pub(super) fn residency(
    raw: &ScenarioFile,
    names: &[String],
    regions: &[crate::scenario::Region],
    workload: &[ClientLoad],
    check: &mut Checker,
) -> Option<Arc<Residency>> {
    if raw.residency.is_empty() {
        return None;
    }
    let tenants: Vec<&str> = raw
        .workload
        .iter()
        .filter_map(|w| w.tenant.as_deref())
        .collect();
    let mut rules = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, r) in raw.residency.iter().enumerate() {
        let at = |k: &str| yaml_path!["residency", i, k];
        let label = match (&r.jurisdiction, &r.tenants) {
            (Some(j), None) => {
                if !regions.iter().any(|g| &g.jurisdiction == j) {
                    let mut known: Vec<&str> =
                        regions.iter().map(|g| g.jurisdiction.as_str()).collect();
                    known.sort_unstable();
                    known.dedup();
                    check.error(
                        at("jurisdiction"),
                        format!(
                            "no region has jurisdiction `{j}`; the scenario's are: {}",
                            known.join(", ")
                        ),
                    );
                }
                j.clone()
            }
            (None, Some(ts)) if !ts.is_empty() => {
                for (k, t) in ts.iter().enumerate() {
                    if !tenants.contains(&t.as_str()) {
                        check.error(
                            yaml_path!["residency", i, "tenants", k],
                            format!("no workload entry has `tenant: {t}`"),
                        );
                    }
                }
                format!("tenants {}", ts.join(", "))
            }
            _ => {
                check.error(
                    yaml_path!["residency", i],
                    "give exactly one of `jurisdiction` (e.g. EU) and `tenants` (a list)",
                );
                continue;
            }
        };
        if seen.contains(&label) {
            check.error(
                yaml_path!["residency", i],
                format!("a second rule for {label}; merge them"),
            );
        }
        seen.push(label.clone());
        let mut allowed = vec![false; names.len()];
        for (k, a) in r.allowed.iter().enumerate() {
            if let Some(id) = check.region(names, a, yaml_path!["residency", i, "allowed", k]) {
                allowed[usize::from(id.0)] = true;
            }
        }
        if r.allowed.is_empty() {
            check.error(at("allowed"), "list the regions allowed to hold a copy");
        }
        let Some(home) = check.region(names, &r.home, at("home")) else {
            continue;
        };
        if !allowed[usize::from(home.0)] && !r.allowed.is_empty() {
            check.error(
                at("home"),
                format!(
                    "home `{}` is outside the rule's allowed regions ({}): the records would rest where they may not",
                    r.home,
                    r.allowed.join(", ")
                ),
            );
        }
        rules.push(ResidencyRule {
            label,
            home,
            allowed,
        });
    }
    if rules.len() != raw.residency.len() {
        return None;
    }
    // Each region's users: a tenant rule first, else their jurisdiction's.
    let mut owners: Vec<(u32, u32, Option<u16>)> = Vec::new();
    for w in workload {
        let Some(pool) = w.users else { continue };
        if owners.iter().any(|o| o.0 == pool.first) {
            // The region's other datasets: the same users.
            continue;
        }
        let name = &names[usize::from(w.region.0)];
        let tenant = raw
            .workload
            .iter()
            .find(|f| &f.region == name)
            .and_then(|f| f.tenant.as_deref());
        let jurisdiction = &regions[usize::from(w.region.0)].jurisdiction;
        let rule = raw
            .residency
            .iter()
            .position(|r| {
                tenant.is_some_and(|t| {
                    r.tenants
                        .as_ref()
                        .is_some_and(|ts| ts.iter().any(|x| x == t))
                })
            })
            .or_else(|| {
                raw.residency
                    .iter()
                    .position(|r| r.jurisdiction.as_ref() == Some(jurisdiction))
            });
        owners.push((pool.first, pool.count, rule.map(|r| r as u16)));
    }
    owners.sort_unstable_by_key(|o| o.0);
    Some(Arc::new(Residency { rules, owners }))
}
