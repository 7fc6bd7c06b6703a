//! The semantic engine through the real binary: it never runs the analyzed repository's code
//! or tools, it falls back (and says so) when it cannot load, and `-v` explains every call it
//! leaves unresolved.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"));
    command.arg("cachelint").env("NO_COLOR", "1");
    command
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[cfg(unix)]
fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A service with one stale-dependent bug: `update_profile` evicts the profile only.
const SERVICE: &str = r#"
#[reads("user:<id>:profile")]
pub fn get_profile(id: u64) -> u64 { id }
#[reads("user:<id>:summary", depends_on = ["user:<id>:profile"])]
pub fn get_summary(id: u64) -> u64 { id }

pub struct Cache;
impl Cache {
    #[writes("user:<id>:profile")]
    pub fn evict_profile(&self, id: u64) { let _ = id; }
}

pub fn update_profile(cache: &Cache, id: u64) {
    cache.evict_profile(id);
}
"#;

/// A workspace whose `.cargo/config.toml` names a rustc wrapper and a rustc, whose
/// `rust-toolchain.toml` names a toolchain that does not exist here, with a build script and a
/// proc macro: each would leave a marker file in `markers` if it ran.
#[cfg(unix)]
fn hostile_workspace(dir: &Path) -> PathBuf {
    let markers = dir.join("markers");
    std::fs::create_dir_all(&markers).unwrap();
    let m = markers.display();
    executable(
        &dir.join("tools/wrapper.sh"),
        &format!("#!/bin/sh\ntouch '{m}/rustc-wrapper'\nexec \"$@\"\n"),
    );
    executable(
        &dir.join("tools/rustc.sh"),
        &format!("#!/bin/sh\ntouch '{m}/build-rustc'\nexec rustc \"$@\"\n"),
    );
    write(
        &dir.join("svc/.cargo/config.toml"),
        &format!(
            "[build]\nrustc-wrapper = '{w}'\nrustc = '{r}'\n",
            w = dir.join("tools/wrapper.sh").display(),
            r = dir.join("tools/rustc.sh").display()
        ),
    );
    write(
        &dir.join("svc/rust-toolchain.toml"),
        "[toolchain]\nchannel = \"nightly-2001-01-01\"\n",
    );
    write(
        &dir.join("svc/Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n\n\
         [dependencies]\npm = { path = \"pm\" }\n\n[workspace]\nmembers = [\".\", \"pm\"]\n",
    );
    write(
        &dir.join("svc/build.rs"),
        &format!("fn main() {{ std::fs::write(\"{m}/build-script\", \"\").unwrap(); }}\n"),
    );
    write(
        &dir.join("svc/pm/Cargo.toml"),
        "[package]\nname = \"pm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\n",
    );
    write(
        &dir.join("svc/pm/src/lib.rs"),
        &format!(
            "extern crate proc_macro;\nuse proc_macro::TokenStream;\n\
             #[proc_macro]\npub fn mark(_: TokenStream) -> TokenStream {{\n    \
             std::fs::write(\"{m}/proc-macro\", \"\").unwrap();\n    TokenStream::new()\n}}\n"
        ),
    );
    write(
        &dir.join("svc/src/lib.rs"),
        &format!("pm::mark!();\n{SERVICE}"),
    );
    markers
}

#[cfg(unix)]
#[test]
fn the_analyzed_repository_runs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let markers = hostile_workspace(tmp.path());
    let svc = tmp.path().join("svc");
    // From inside the repository, as a user would run it, and with a wrapper in the
    // environment too.
    let output = bin()
        .current_dir(&svc)
        .env("RUSTC_WRAPPER", tmp.path().join("tools/wrapper.sh"))
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    let left: Vec<String> = std::fs::read_dir(&markers)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "these ran: {left:?}\n{stderr}");
    assert!(
        stdout.contains("semantic engine"),
        "the engine loaded despite the hostile configuration:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("stale_dependent"), "{stdout}");
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
}

/// A toolchain whose sysroot has no `rust-src`: `RUSTC` names a `rustc` that reports an empty
/// sysroot.
#[cfg(unix)]
#[test]
fn without_rust_src_it_falls_back_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let sysroot = tmp.path().join("sysroot");
    std::fs::create_dir_all(sysroot.join("bin")).unwrap();
    let rustc = tmp.path().join("rustc.sh");
    executable(
        &rustc,
        &format!(
            "#!/bin/sh\nif [ \"$1\" = --print ] && [ \"$2\" = sysroot ]; then echo '{}'; exit 0; fi\nexec rustc \"$@\"\n",
            sysroot.display()
        ),
    );
    write(
        &tmp.path().join("svc/Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(&tmp.path().join("svc/src/lib.rs"), SERVICE);
    let output = bin()
        .current_dir(tmp.path().join("svc"))
        .env("RUSTC", &rustc)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(
        stderr.contains("warning: the semantic engine is unavailable")
            && stderr.contains("rustup component add rust-src"),
        "{stderr}"
    );
    assert!(stdout.contains("syntactic engine"), "{stdout}");
    // The syntactic resolution still finds the bug.
    assert!(stdout.contains("stale_dependent"), "{stdout}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn outside_a_cargo_package_it_falls_back_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("loose/lib.rs"), SERVICE);
    let output = bin().current_dir(tmp.path()).arg("loose").output().unwrap();
    let (stdout, stderr) = text(&output);
    assert!(stderr.contains("not inside a cargo package"), "{stderr}");
    assert!(stdout.contains("syntactic engine"), "{stdout}");
}

/// A method a derive generates (never expanded), named like an annotated one: `-v` lists the
/// call with why it is not followed, and does not guess it is `Cache::evict_profile`.
#[test]
fn verbose_lists_a_derive_generated_call_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("svc/Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(
        &tmp.path().join("svc/src/lib.rs"),
        &format!(
            "{SERVICE}\n#[derive(Debug, Evict)]\npub struct Session {{ id: u64 }}\n\n\
             pub fn logout(session: &Session, id: u64) {{\n    session.evict_profile(id);\n    \
             Session::evict_profile(id);\n}}\n"
        ),
    );
    let output = bin()
        .current_dir(tmp.path().join("svc"))
        .args(["-v", "--message-format", "short"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert!(!stdout.contains("`logout`"), "not guessed: {stdout}");
    for call in ["`.evict_profile(..)`", "`Session::evict_profile(..)`"] {
        let line = stderr
            .lines()
            .find(|l| l.contains(call) && l.contains("in `logout`"))
            .unwrap_or_else(|| panic!("{call} not listed:\n{stderr}"));
        assert!(
            line.contains("is not resolved")
                && line.contains("#[derive(Evict)]")
                && line.contains("proc macro"),
            "{line}"
        );
    }
    assert!(
        stderr.contains("note: the semantic engine resolved"),
        "{stderr}"
    );
}

/// Calls written in the arguments of a function-like proc macro (never expanded) are found and
/// resolved at its call site: `pm::all!(a(id), b(id))` calls both.
#[test]
fn calls_inside_proc_macro_arguments_are_resolved_at_the_call_site() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    write(
        &svc.join("Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\npm = { path = \"pm\" }\n\n[workspace]\nmembers = [\".\", \"pm\"]\n",
    );
    write(
        &svc.join("pm/Cargo.toml"),
        "[package]\nname = \"pm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\n",
    );
    write(
        &svc.join("pm/src/lib.rs"),
        "extern crate proc_macro;\nuse proc_macro::TokenStream;\n\
         #[proc_macro]\npub fn all(input: TokenStream) -> TokenStream { input }\n",
    );
    write(
        &svc.join("src/lib.rs"),
        &format!(
            "{SERVICE}\n#[writes(\"user:<id>:summary\")]\npub fn evict_summary(id: u64) {{ let _ = id; }}\n\n\
             pub fn rename(cache: &Cache, id: u64) {{\n    pm::all!(evict_summary(id), cache.evict_profile(id));\n}}\n\n\
             pub fn retitle(id: u64) {{\n    pm::all!(evict_summary(id));\n}}\n"
        ),
    );
    let output = bin()
        .current_dir(&svc)
        .args(["-v", "--message-format", "short"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    // `update_profile` is the one bug; `rename` reaches both writes: the path call resolves,
    // and the method call (receiver type unknown inside an unexpanded macro) is listed.
    let findings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("stale_dependent"))
        .collect();
    assert_eq!(findings.len(), 1, "{stdout}\n{stderr}");
    assert!(findings[0].contains("update_profile"), "{stdout}");
    assert!(
        stderr.contains("`.evict_profile(..)` is not resolved")
            && stderr.contains("`all!`, a proc macro that is never expanded"),
        "{stderr}"
    );
}

/// A two-member workspace: `reader` reads `session:<id>` and nothing in it writes the key;
/// `writer` (a sibling) evicts it, and has a bug of its own.
fn two_members(dir: &Path) {
    write(
        &dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"reader\", \"writer\"]\nresolver = \"2\"\n",
    );
    for name in ["reader", "writer"] {
        write(
            &dir.join(name).join("Cargo.toml"),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        );
    }
    write(
        &dir.join("reader/src/lib.rs"),
        "#[reads(\"session:<id>\")]\npub fn session(id: u64) -> u64 { id }\n",
    );
    write(
        &dir.join("writer/src/lib.rs"),
        &format!(
            "#[writes(\"session:<id>\")]\npub fn logout(id: u64) {{ let _ = id; }}\n{SERVICE}"
        ),
    );
}

#[test]
fn packages_select_what_is_reported_never_what_is_analyzed() {
    let tmp = tempfile::tempdir().unwrap();
    two_members(tmp.path());
    let run = |dir: &Path, args: &[&str]| {
        let output = bin()
            .current_dir(dir)
            .args(["--message-format", "short"])
            .args(args)
            .output()
            .unwrap();
        text(&output).0
    };
    // The sibling's eviction counts: `session:<id>` is covered, so `-p reader` is clean.
    let reader = run(tmp.path(), &["-p", "reader"]);
    assert!(!reader.contains("error["), "{reader}");
    // Run from the member's directory, cargo's way: the same.
    let from_dir = run(&tmp.path().join("reader"), &[]);
    assert!(!from_dir.contains("error["), "{from_dir}");
    // `-p writer` reports the writer's bug, and nothing of the reader's.
    let writer = run(tmp.path(), &["-p", "writer"]);
    assert!(
        writer.contains("writer/src/lib.rs") && writer.contains("stale_dependent"),
        "{writer}"
    );
    assert!(!writer.contains("reader/src/"), "{writer}");
    // A PATH inside a package: the whole workspace is analyzed, the PATH reported.
    let path = run(tmp.path(), &["reader/src"]);
    assert!(!path.contains("error["), "{path}");
}

/// The engine analyzes the code cargo compiles with the selected features: an invalidation
/// behind a feature counts only with it, and the finding without it says why.
#[test]
fn features_choose_the_analyzed_cfg() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    write(
        &svc.join("Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [features]\nredis-store = []\n\n[workspace]\n",
    );
    write(
        &svc.join("src/lib.rs"),
        "#[reads(\"session:<key>\")]\npub fn load(key: u64) -> u64 { key }\n\n\
         #[cfg(feature = \"redis-store\")]\npub mod redis_store {\n    \
         #[writes(\"session:<key>\")]\n    pub fn delete(key: u64) { let _ = key; }\n}\n\n\
         pub fn logout(key: u64) {\n    #[cfg(feature = \"redis-store\")]\n    redis_store::delete(key);\n}\n",
    );
    let run = |args: &[&str]| {
        let output = bin()
            .current_dir(&svc)
            .args(["--message-format", "json"])
            .args(args)
            .output()
            .unwrap();
        (output.status.code(), text(&output).0)
    };
    let (code, default) = run(&[]);
    assert_eq!(code, Some(1), "{default}");
    assert!(
        default.contains("uncovered_read")
            && default.contains("not compiled in the analyzed configuration")
            && default.contains("--features"),
        "{default}"
    );
    for flags in [&["--features", "redis-store"][..], &["--all-features"][..]] {
        let (code, out) = run(flags);
        assert_eq!(code, Some(0), "{flags:?}: {out}");
    }
    // `-v` says why the call in the switched-off statement is not followed.
    let output = bin().current_dir(&svc).arg("-v").output().unwrap();
    let (_, stderr) = text(&output);
    assert!(
        stderr.contains("`redis_store::delete(..)` is not resolved: it is under `#[cfg(feature = \"redis-store\")]`"),
        "{stderr}"
    );
}

/// The `stale_dependent` help names a helper to call only when it invalidates exactly the
/// dependent key; a wildcard purge that merely covers it is never prescribed.
#[test]
fn stale_dependent_help_never_prescribes_a_wildcard_purge() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    write(
        &svc.join("Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(
        &svc.join("src/lib.rs"),
        &format!(
            "{SERVICE}\n#[writes(\"user:<id>:*\", allow(broad_invalidation))]\n\
             pub fn purge_user(id: u64) {{ let _ = id; }}\n"
        ),
    );
    let output = bin()
        .current_dir(&svc)
        .args(["--message-format", "json"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    let help = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["message"]["code"]["code"] == "cachelint::stale_dependent")
        .flat_map(|m| {
            m["message"]["children"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|child| child["level"] == "help")
        .and_then(|child| child["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("a stale_dependent finding with help:\n{stdout}\n{stderr}"));
    assert!(!help.contains("purge_user"), "{help}");
    assert!(help.contains("in `update_profile` too"), "{help}");
}

/// A package cargo cannot read (a path dependency that does not exist): the run falls back and
/// the warning quotes why, instead of claiming the files are outside any package.
#[test]
fn an_unreadable_package_falls_back_with_cargos_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    write(
        &svc.join("Cargo.toml"),
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nnowhere = { path = \"../nowhere\" }\n\n[workspace]\n",
    );
    write(&svc.join("src/lib.rs"), SERVICE);
    let output = bin().current_dir(tmp.path()).arg("svc").output().unwrap();
    let (stdout, stderr) = text(&output);
    assert!(
        stderr.contains("warning: the semantic engine is unavailable: `cargo metadata` failed")
            && stderr.contains("nowhere"),
        "{stderr}"
    );
    assert!(stdout.contains("syntactic engine"), "{stdout}");
    assert!(stdout.contains("stale_dependent"), "{stdout}");
}
