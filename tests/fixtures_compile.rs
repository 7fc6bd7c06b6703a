//! Every fixture meant to be valid Rust, and the bundled example service, compile against the
//! real `cachelint` macros: the analyzer's scenarios are code a user could actually write.
//! Each fixture is a cargo workspace of its own (the analyzer reports on a PATH but analyzes
//! its whole workspace, so fixtures must not share one); they share one target directory.

use std::path::Path;
use std::process::Command;

/// `cargo check --workspace` on one standalone workspace, in `target/fixtures`.
fn check(manifest: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "check",
            "--quiet",
            "--locked",
            "--workspace",
            "--manifest-path",
        ])
        .arg(root.join(manifest))
        .env("CARGO_TARGET_DIR", root.join("target/fixtures"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo check --manifest-path {manifest}` failed (if the lock file is stale after a \
         dependency change, run `cargo generate-lockfile --manifest-path {manifest}`):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Fixtures that are invalid Rust on purpose.
const INVALID: &[&str] = &["invalid_key_fires", "parse_error_fires"];

#[test]
fn fixtures_and_the_example_service_compile() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut fixtures: Vec<String> = std::fs::read_dir(root.join("fixtures"))
        .expect("fixtures/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            root.join("fixtures")
                .join(name)
                .join("Cargo.toml")
                .is_file()
        })
        .filter(|name| !INVALID.contains(&name.as_str()))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() > 20, "fixtures found: {fixtures:?}");
    for name in fixtures {
        check(&format!("fixtures/{name}/Cargo.toml"));
    }
    check("examples/service/Cargo.toml");
}
