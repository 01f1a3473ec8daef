//! The README's example scenario is a valid scenario that runs.

use crate::common::{fig, summary};

#[test]
fn readme_example_scenario_runs() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let yaml = &readme[start..start + readme[start..].find("```").unwrap()];
    // 20 s instead of 10 min, the failures' starts in seconds.
    let yaml = yaml
        .replace("\nduration: 10m", "\nduration: 20s")
        .replace("at: 2m", "at: 2s")
        .replace("at: 1m", "at: 1s")
        .replace("at: 8m", "at: 8s")
        .replace("at: 3m", "at: 3s")
        .replace("at: 4m", "at: 4s")
        .replace("at: 5m", "at: 5s")
        .replace("at: 6m", "at: 6s");
    let s = summary(&yaml);
    assert!(fig(&s, "clients.eu-west-1.read_latency.count") > 0.0);
    assert!(fig(&s, "clients.eu-west-1.write_latency.count") > 0.0);
    // The primary's region is down from 2 s: writes from the EU fail.
    assert!(fig(&s, "clients.eu-west-1.requests.failed") > 0.0);
}
