//! The README's example scenario is a valid scenario that runs.

use crate::common::summary;

#[test]
fn readme_example_scenario_runs() {
    let readme = include_str!("../../README.md");
    let start = readme.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let yaml = &readme[start..start + readme[start..].find("```").unwrap()];
    let yaml = yaml.replace("duration: 10m", "duration: 20s");
    let s = summary(&yaml);
    let eu = s.pooled.clients.get("eu-west-1").unwrap();
    assert!(eu.read_latency.count > 0 && eu.write_latency.count > 0);
}
