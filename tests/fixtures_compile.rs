//! Every fixture meant to be valid Rust, and the bundled example service, compile against the
//! real `cachelint` macros: the analyzer's scenarios are code a user could actually write.
//! (`fixtures/Cargo.toml` excludes the fixtures that are invalid on purpose.)

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

#[test]
fn fixtures_and_the_example_service_compile() {
    check("fixtures/Cargo.toml");
    check("examples/service/Cargo.toml");
}
