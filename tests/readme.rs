//! The README's rule table is the registry's, rule for rule.

use cachelint_analyzer::Level;
use cachelint_analyzer::rules::REGISTRY;

#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = include_str!("../README.md");
    let table: Vec<(String, String)> = readme
        .lines()
        .skip_while(|line| !line.starts_with("| rule | default |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].to_string())
        })
        .collect();
    let registry: Vec<(String, String)> = REGISTRY
        .iter()
        .map(|rule| {
            let level = match rule.default_level {
                Level::Error => "deny",
                Level::Warning => "warn",
            };
            (rule.name.to_string(), level.to_string())
        })
        .collect();
    assert_eq!(table, registry);
}

#[test]
fn readme_names_the_two_setup_commands_ci_runs() {
    let readme = include_str!("../README.md");
    let ci = include_str!("../.ci/run");
    assert!(readme.contains("cargo run --release -- cachelint examples/service"));
    assert!(readme.contains("cargo test --workspace"));
    assert!(ci.contains("cargo test --workspace"));
}
