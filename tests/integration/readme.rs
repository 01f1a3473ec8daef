//! The README's example scenario is a valid scenario that runs.

use crate::common::{fig, summary};

#[test]
fn readme_example_scenario_runs() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let yaml = &readme[start..start + readme[start..].find("```").unwrap()];
    let yaml = yaml.replace("duration: 10m", "duration: 20s");
    let s = summary(&yaml);
    assert!(fig(&s, "clients.eu-west-1.read_latency.count") > 0.0);
    assert!(fig(&s, "clients.eu-west-1.write_latency.count") > 0.0);
}
