//! Loading a cargo workspace into rust-analyzer's database without running anything the
//! analyzed repository controls.
//!
//! What runs: `cargo metadata` (of the workspace and of the toolchain's `rust-src`) and
//! `rustc --print …` queries, all of the toolchain cachelint itself runs under. What never
//! runs: build scripts, proc macros, `cargo check`, a `rustc-wrapper` or `rustc` that the
//! repository's `.cargo/config.toml` or the environment names, and a toolchain that the
//! repository's `rust-toolchain(.toml)` file names.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use ra_ap_ide_db::RootDatabase;
use ra_ap_load_cargo::{LoadCargoConfig, ProcMacroServerChoice, load_workspace};
use ra_ap_paths::AbsPathBuf;
use ra_ap_project_model::{
    CargoConfig, CargoFeatures, ProjectManifest, ProjectWorkspace, ProjectWorkspaceKind,
    RustLibSource, TargetKind,
};
use ra_ap_vfs::Vfs;
use rustc_hash::FxHashMap;

/// Why the semantic engine could not load; the run falls back to syntactic resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The running toolchain has no `rust-src` component.
    NoRustSrc { toolchain: String },
    /// No toolchain could be queried (`rustc` missing or failing).
    NoToolchain(String),
    /// The analyzed files are not inside a cargo package.
    NotCargo,
    /// `cargo metadata` failed.
    Metadata(String),
    /// `cargo metadata` could not resolve the dependencies (sources not fetched, offline).
    Dependencies(String),
    /// Loading failed for another reason.
    Load(String),
}

impl Unavailable {
    /// One line: what went wrong and what fixes it.
    pub fn message(&self) -> String {
        match self {
            Unavailable::NoRustSrc { toolchain } => format!(
                "the toolchain `{toolchain}` has no `rust-src` component; \
                 run `rustup component add rust-src`"
            ),
            Unavailable::NoToolchain(why) => {
                format!("cannot query the Rust toolchain ({why}); is `rustc` on PATH?")
            }
            Unavailable::NotCargo => {
                "the analyzed files are not inside a cargo package (no `Cargo.toml` above them)"
                    .to_owned()
            }
            Unavailable::Metadata(why) => format!("`cargo metadata` failed: {why}"),
            Unavailable::Dependencies(why) => {
                format!("the dependencies' sources are missing ({why}); run `cargo fetch`")
            }
            Unavailable::Load(why) => format!("cannot load the workspace: {why}"),
        }
    }
}

/// The toolchain cachelint analyzes with: the one it runs under, never one the analyzed
/// repository's `rust-toolchain` file names.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// `rustup`'s name for it (`stable-x86_64-unknown-linux-gnu`), when rustup manages it.
    pub name: Option<String>,
    /// `rustc --print sysroot`.
    pub sysroot: PathBuf,
}

impl Toolchain {
    /// Finds the toolchain from a neutral directory (so that no `rust-toolchain` file of the
    /// analyzed tree applies): `RUSTUP_TOOLCHAIN` when set (rustup's proxies set it for the
    /// tools they start), else rustup's default.
    pub fn current() -> Result<Toolchain, Unavailable> {
        let neutral = std::env::temp_dir();
        let name = match std::env::var("RUSTUP_TOOLCHAIN") {
            Ok(name) if !name.is_empty() => Some(name),
            _ => Command::new("rustup")
                .args(["show", "active-toolchain"])
                .current_dir(&neutral)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .split_whitespace()
                        .next()
                        .map(str::to_owned)
                }),
        };
        let mut command = Command::new(rustc_program());
        command.args(["--print", "sysroot"]).current_dir(&neutral);
        scrub(&mut command, name.as_deref());
        let output = command
            .output()
            .map_err(|e| Unavailable::NoToolchain(e.to_string()))?;
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            return Err(Unavailable::NoToolchain(first_line(&err)));
        }
        let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        Ok(Toolchain { name, sysroot })
    }

    /// The root `Cargo.toml` of the workspace `manifest` belongs to, as cargo sees it (run
    /// with [`Toolchain::cargo_env`]); `manifest` itself when cargo cannot tell.
    pub fn workspace_manifest(&self, manifest: &Path) -> PathBuf {
        let cargo = self.bin("cargo").unwrap_or_else(|| PathBuf::from("cargo"));
        let mut command = Command::new(cargo);
        command
            .args(["locate-project", "--workspace", "--message-format", "plain"])
            .arg("--manifest-path")
            .arg(manifest)
            .current_dir(std::env::temp_dir());
        command.envs(self.cargo_env());
        command
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| manifest.to_path_buf())
    }

    /// Where the standard library's sources are, if `rust-src` is installed.
    pub fn rust_src(&self) -> Option<PathBuf> {
        let library = self.sysroot.join("lib/rustlib/src/rust/library");
        library.join("core/src/lib.rs").is_file().then_some(library)
    }

    fn bin(&self, tool: &str) -> Option<PathBuf> {
        let path = self.sysroot.join("bin").join(tool);
        path.is_file().then_some(path)
    }

    /// The environment every cargo or rustc invocation gets: this toolchain's own binaries,
    /// and no wrapper from the analyzed repository's config or the environment.
    pub fn cargo_env(&self) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if let Some(name) = &self.name {
            env.push(("RUSTUP_TOOLCHAIN".to_owned(), name.clone()));
        }
        if let Some(rustc) = self.bin("rustc") {
            let rustc = rustc.display().to_string();
            env.push(("RUSTC".to_owned(), rustc.clone()));
            env.push(("CARGO_BUILD_RUSTC".to_owned(), rustc));
        }
        if let Some(cargo) = self.bin("cargo") {
            env.push(("CARGO".to_owned(), cargo.display().to_string()));
        }
        env.extend(no_wrappers());
        env
    }
}

/// `rustc` as cachelint's own environment names it.
fn rustc_program() -> String {
    std::env::var("RUSTC")
        .ok()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "rustc".to_owned())
}

/// The variables that name a rustc wrapper, each set empty: an empty value also overrides
/// `build.rustc-wrapper` and `build.rustc-workspace-wrapper` of any `.cargo/config.toml`.
pub(super) fn no_wrappers() -> impl Iterator<Item = (String, String)> {
    [
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
    ]
    .into_iter()
    .map(|var| (var.to_owned(), String::new()))
}

/// No wrapper, and the toolchain `name` when rustup manages it.
fn scrub(command: &mut Command, toolchain: Option<&str>) {
    command.envs(no_wrappers());
    if let Some(name) = toolchain {
        command.env("RUSTUP_TOOLCHAIN", name);
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned()
}

/// A loaded workspace: rust-analyzer's database and file system, and which crate roots are
/// test code.
pub struct Loaded {
    pub db: RootDatabase,
    pub vfs: Vfs,
    /// Root files of the members' `test`, `bench` and `example` targets: test code.
    pub test_roots: HashSet<PathBuf>,
    /// Root files of the workspace members' targets (the crates whose code is analyzed).
    pub member_roots: HashSet<PathBuf>,
}

/// Loads the workspace of `manifest` (a `Cargo.toml`) with build scripts and the proc-macro
/// server off, `#[cfg(test)]` code left out, with `toolchain`'s `rust-src` and `features`.
pub fn load(
    manifest: &Path,
    toolchain: &Toolchain,
    features: &super::Features,
) -> Result<Loaded, Unavailable> {
    let Some(rust_src) = toolchain.rust_src() else {
        return Err(Unavailable::NoRustSrc {
            toolchain: toolchain
                .name
                .clone()
                .unwrap_or_else(|| toolchain.sysroot.display().to_string()),
        });
    };
    let manifest = std::fs::canonicalize(manifest)
        .map_err(|e| Unavailable::Metadata(format!("{}: {e}", manifest.display())))?;
    let manifest = abs_path(&manifest).ok_or_else(|| {
        Unavailable::Metadata(format!("not a UTF-8 path: {}", manifest.display()))
    })?;
    let extra_env: FxHashMap<String, Option<String>> = toolchain
        .cargo_env()
        .into_iter()
        .map(|(k, v)| (k, Some(v)))
        .collect();
    let sysroot = abs_path(&toolchain.sysroot).ok_or_else(|| {
        Unavailable::NoToolchain("the sysroot is not an absolute UTF-8 path".to_owned())
    })?;
    let rust_src = abs_path(&rust_src).ok_or_else(|| {
        Unavailable::NoToolchain("rust-src is not at an absolute UTF-8 path".to_owned())
    })?;
    let cargo_config = CargoConfig {
        sysroot: Some(RustLibSource::Path(sysroot)),
        sysroot_src: Some(rust_src),
        run_build_script_command: None,
        wrap_rustc_in_build_scripts: false,
        all_targets: true,
        set_test: false,
        features: if features.all {
            CargoFeatures::All
        } else {
            CargoFeatures::Selected {
                features: features
                    .list
                    .iter()
                    .flat_map(|f| f.split([',', ' ']))
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
                no_default_features: features.no_default,
            }
        },
        extra_env: extra_env.clone(),
        ..CargoConfig::default()
    };
    let project = ProjectManifest::from_manifest_file(manifest)
        .map_err(|e| Unavailable::Metadata(one_line(&e.to_string())))?;
    let timer = Timer::start();
    let workspace = ProjectWorkspace::load(project, &cargo_config, &|_| {})
        .map_err(|e| metadata_error(&format!("{e:#}")))?;
    timer.lap("cargo metadata");
    if let Some(err) = workspace.sysroot.error() {
        return Err(Unavailable::Load(format!(
            "the standard library could not be loaded: {}",
            first_line(err)
        )));
    }
    if workspace.sysroot.is_rust_lib_src_empty() {
        return Err(Unavailable::NoRustSrc {
            toolchain: toolchain.name.clone().unwrap_or_default(),
        });
    }
    let mut test_roots = HashSet::new();
    let mut member_roots = HashSet::new();
    match &workspace.kind {
        ProjectWorkspaceKind::Cargo { cargo, error, .. } => {
            if let Some(err) = error {
                return Err(Unavailable::Dependencies(one_line(&format!("{err:#}"))));
            }
            for package in cargo.packages() {
                if !cargo[package].is_member {
                    continue;
                }
                for &target in &cargo[package].targets {
                    let data = &cargo[target];
                    let root = PathBuf::from(data.root.to_string());
                    if matches!(
                        data.kind,
                        TargetKind::Test | TargetKind::Bench | TargetKind::Example
                    ) {
                        test_roots.insert(root);
                    } else if !matches!(data.kind, TargetKind::BuildScript) {
                        member_roots.insert(root);
                    }
                }
            }
        }
        _ => return Err(Unavailable::NotCargo),
    }
    let load_config = LoadCargoConfig {
        load_out_dirs_from_check: false,
        with_proc_macro_server: ProcMacroServerChoice::None,
        prefill_caches: false,
        num_worker_threads: 1,
        proc_macro_processes: 1,
    };
    let (db, vfs, server) = load_workspace(workspace, &extra_env, &load_config)
        .map_err(|e| Unavailable::Load(one_line(&format!("{e:#}"))))?;
    // No proc-macro server was asked for; if one exists anyway, end it at once.
    drop(server);
    timer.lap("load files");
    Ok(Loaded {
        db,
        vfs,
        test_roots,
        member_roots,
    })
}

/// `path` as rust-analyzer's absolute path type, if it is absolute and UTF-8.
pub(super) fn abs_path(path: &Path) -> Option<AbsPathBuf> {
    let utf8 = ra_ap_paths::Utf8PathBuf::from_path_buf(path.to_path_buf()).ok()?;
    AbsPathBuf::try_from(utf8).ok()
}

/// Sub-stage timings of the engine on stderr with `CACHELINT_TIMINGS` (as the pipeline's).
pub(super) struct Timer(Option<std::cell::Cell<std::time::Instant>>);

impl Timer {
    pub(super) fn start() -> Timer {
        Timer(
            std::env::var_os("CACHELINT_TIMINGS")
                .map(|_| std::cell::Cell::new(std::time::Instant::now())),
        )
    }

    pub(super) fn lap(&self, stage: &str) {
        if let Some(last) = &self.0 {
            eprintln!(
                "cachelint timing:   {stage:<14} {:>8.3}s",
                last.get().elapsed().as_secs_f64()
            );
            last.set(std::time::Instant::now());
        }
    }
}

fn metadata_error(text: &str) -> Unavailable {
    let line = one_line(text);
    let missing = [
        "failed to load source for dependency",
        "failed to get",
        "no matching package",
        "failed to download",
        "attempting to make an HTTP request",
        "offline",
    ];
    if missing.iter().any(|m| line.contains(m)) {
        Unavailable::Dependencies(line)
    } else {
        Unavailable::Metadata(line)
    }
}

fn one_line(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if joined.chars().count() > 400 {
        let cut: String = joined.chars().take(400).collect();
        format!("{cut}…")
    } else {
        joined
    }
}
