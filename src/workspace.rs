//! What a run analyzes and reports: the cargo workspace (or the PATHs), its files, the
//! configuration that applies, the manifest the semantic engine loads, and whose findings are
//! shown (`-p`, a member directory, `default-members`, PATHs select what is reported, never
//! what is analyzed).

use crate::config::{self, Config, ConfigError, Layers};
use crate::discover::{self, Discovery};
use crate::package::{self, PackageInfo};
use crate::semantic::{self, Unavailable};
use std::path::{Path, PathBuf};

/// What to analyze.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Files or directories; empty means the cargo workspace.
    pub paths: Vec<PathBuf>,
    pub manifest_path: Option<PathBuf>,
    /// `-p`: only these packages.
    pub packages: Vec<String>,
    /// `--workspace`: every member, not only the default ones.
    pub workspace: bool,
    /// `--exclude`: members to leave out.
    pub exclude: Vec<String>,
    /// `--config-file`.
    pub config_file: Option<PathBuf>,
    /// `--features`, `--all-features`, `--no-default-features`: the `cfg` the semantic engine
    /// analyzes (cargo's default features without them).
    pub features: semantic::Features,
}

/// Why a run could not happen (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("path `{0}` does not exist")]
    MissingPath(String),
    #[error("cannot read the workspace: {0}")]
    Metadata(String),
    #[error("cannot read the current directory: {0}")]
    CurrentDir(std::io::Error),
    /// cargo's own wording.
    #[error("--exclude can only be used together with --workspace")]
    ExcludeWithoutWorkspace,
    /// `-p SPEC` names no member: cargo's wording, a did-you-mean, and the members.
    #[error(
        "package ID specification `{spec}` did not match any packages{}; the workspace members are {}",
        .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        .members.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
    )]
    NoSuchPackage {
        spec: String,
        suggestion: Option<String>,
        members: Vec<String>,
    },
    /// A PATH that names no Rust file: a silent green run would hide the mistake.
    #[error("`{0}` is not a Rust file (`.rs`)")]
    NotRust(String),
    #[error("no Rust files to analyze in `{0}`")]
    NoRustFiles(String),
    #[error("`{0}` is excluded from the analysis (`exclude` in the configuration)")]
    Excluded(String),
}

/// Where files are, how they map to modules, and the configuration that applies.
pub struct Workspace {
    /// Findings' paths are relative to this.
    pub root: PathBuf,
    /// The workspace root's configuration (`separator` and `infer` are the whole run's; with
    /// the run's `Options`, `Options::inference` says whether inference runs and with what).
    pub config: Config,
    /// Every configuration and the directory it applies to: the root's, and each member's
    /// own laid over it.
    pub layers: Layers,
    pub discovery: Discovery,
    /// The workspace's cargo packages (none for a run on PATHs), in cargo metadata's order.
    pub packages: Vec<PackageInfo>,
    /// The `Cargo.toml` whose workspace the semantic engine loads: `Err` says why there is
    /// none (the analyzed files belong to no cargo package, or cargo cannot read it).
    pub manifest: Result<PathBuf, Unavailable>,
    /// What is reported: the whole workspace is always analyzed (an invalidation in a sibling
    /// crate counts), but `-p`, a member directory and `default-members` select whose
    /// findings are shown, as clippy does.
    pub report: Report,
}

/// Whose findings a run shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Report {
    /// Every finding.
    #[default]
    All,
    /// Findings in the files of these packages (directories relative to the root, `""` for a
    /// package at the root); a file belongs to the package with the longest matching
    /// directory among `members`.
    Packages {
        selected: Vec<String>,
        members: Vec<String>,
    },
    /// Findings in these files and directories (relative, `/`-separated; `.` for all).
    Paths(Vec<String>),
}

impl Report {
    /// Whether a finding whose primary span is in `file` (relative, `/`-separated) is shown.
    pub fn shows(&self, file: &str) -> bool {
        match self {
            Report::All => true,
            Report::Paths(paths) => paths.iter().any(|p| {
                p == "."
                    || file == p
                    || file
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            }),
            Report::Packages { selected, members } => {
                let inside = |dir: &String| {
                    dir.is_empty()
                        || file == dir.as_str()
                        || file
                            .strip_prefix(dir.as_str())
                            .is_some_and(|r| r.starts_with('/'))
                };
                members
                    .iter()
                    .filter(|dir| inside(dir))
                    .max_by_key(|dir| dir.len())
                    .is_some_and(|owner| selected.contains(owner))
            }
        }
    }
}

/// Resolves the target to a root, a configuration and a list of files.
pub fn workspace(target: &Target) -> Result<Workspace, Error> {
    let cwd = std::env::current_dir().map_err(Error::CurrentDir)?;
    if !target.exclude.is_empty() && !target.workspace {
        return Err(Error::ExcludeWithoutWorkspace);
    }
    if !target.paths.is_empty() {
        for path in &target.paths {
            if std::fs::symlink_metadata(path).is_err() {
                return Err(Error::MissingPath(path.display().to_string()));
            }
        }
        let explicit = target.config_file.as_deref();
        // The workspaces the PATHs lie in: (root, member directories).
        let mut workspaces: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
        // A PATH inside a cargo package: its whole workspace is analyzed, the PATH reported.
        let mut dirs: Vec<PathBuf> = Vec::new();
        let mut members: Vec<PathBuf> = Vec::new();
        let mut in_packages = true;
        let mut manifest = None;
        let mut why_not = Unavailable::NotCargo;
        for path in &target.paths {
            let found = match package_manifest(path).map(|m| (workspace_members(&m), m)) {
                Some((Ok((root, found)), m)) => {
                    let found = Some((m, found)).filter(|(_, f)| belongs(path, f));
                    if let Some((_, members)) = &found
                        && !workspaces.iter().any(|(r, _)| *r == root)
                    {
                        workspaces.push((root, members.clone()));
                    }
                    found
                }
                Some((Err(err), _)) => {
                    why_not = Unavailable::Metadata(err);
                    None
                }
                None => None,
            };
            match found {
                Some((package, found)) => {
                    manifest.get_or_insert(package);
                    for dir in found {
                        if !members.contains(&dir) {
                            members.push(dir.clone());
                            dirs.push(dir);
                        }
                    }
                }
                None => {
                    in_packages = false;
                    dirs.push(path.clone());
                }
            }
        }
        let manifest = match manifest {
            Some(manifest) if in_packages => Ok(manifest),
            _ => Err(why_not),
        };
        let layers = match workspaces.first() {
            Some((root, _)) if in_packages => {
                let mut layers = Layers::new(&cwd, root, config::load(root, explicit)?);
                if explicit.is_none() {
                    for (root, members) in &workspaces {
                        layers.add_member(root)?;
                        for member in members {
                            layers.add_member(member)?;
                        }
                    }
                }
                layers
            }
            _ => {
                let config_root = config_root(&target.paths[0], &cwd);
                let config = config::load(&config_root, explicit)?;
                Layers::new(&cwd, &config_root, config)
            }
        };
        let config = layers.root().clone();
        let discovery = if in_packages {
            discover::walk(&cwd, &dirs, &layers, &members)
        } else {
            discover::walk(&cwd, &target.paths, &layers, &[])
        };
        for path in &target.paths {
            check_has_rust(&cwd, path, &discovery)?;
        }
        let report = if in_packages {
            Report::Paths(
                target
                    .paths
                    .iter()
                    .map(|p| discover::relative(&cwd, p))
                    .collect(),
            )
        } else {
            Report::All
        };
        return Ok(Workspace {
            root: cwd,
            config,
            layers,
            discovery,
            packages: Vec::new(),
            manifest,
            report,
        });
    }
    let mut command = cargo_metadata::MetadataCommand::new();
    command.no_deps();
    for (key, value) in semantic::cargo_env() {
        command.env(key, value);
    }
    if let Some(manifest) = &target.manifest_path {
        if !manifest.exists() {
            return Err(Error::MissingPath(manifest.display().to_string()));
        }
        command.manifest_path(manifest);
    }
    let metadata = command
        .exec()
        .map_err(|e| Error::Metadata(one_line(&e.to_string())))?;
    let root = metadata.workspace_root.clone().into_std_path_buf();
    let explicit = target.config_file.as_deref();
    let mut layers = Layers::new(&cwd, &root, config::load(&root, explicit)?);
    // As cargo: from inside a member's directory (no `--manifest-path`, `-p` or
    // `--workspace`), that member.
    let current_member =
        (target.manifest_path.is_none() && target.packages.is_empty() && !target.workspace)
            .then(|| nearest_manifest(&cwd))
            .flatten()
            .filter(|m| {
                let root = std::fs::canonicalize(metadata.workspace_root.as_std_path()).ok();
                m.parent().map(Path::to_path_buf) != root
            });
    let selected: Vec<&cargo_metadata::Package> = metadata
        .workspace_packages()
        .into_iter()
        .filter(|p| {
            if !target.packages.is_empty() {
                return target.packages.iter().any(|s| package::matches_spec(p, s));
            }
            if target.exclude.iter().any(|s| package::matches_spec(p, s)) {
                return false;
            }
            if let Some(manifest) = &current_member
                && !target.workspace
            {
                let path = std::fs::canonicalize(p.manifest_path.as_std_path()).ok();
                return path.as_deref() == Some(manifest.as_path());
            }
            target.workspace || metadata.workspace_default_members.contains(&p.id)
        })
        .collect();
    for wanted in &target.packages {
        if !selected.iter().any(|p| package::matches_spec(p, wanted)) {
            let mut members: Vec<String> = metadata
                .workspace_packages()
                .iter()
                .map(|p| p.name.to_string())
                .collect();
            members.sort();
            let suggestion =
                cachelint_core::rules::suggest(wanted, members.iter().map(String::as_str))
                    .map(str::to_owned);
            return Err(Error::NoSuchPackage {
                spec: wanted.clone(),
                suggestion,
                members,
            });
        }
    }
    let package_dir = |p: &&cargo_metadata::Package| {
        p.manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
    };
    let members = metadata.workspace_packages();
    let all_members: Vec<PathBuf> = members.iter().filter_map(package_dir).collect();
    if explicit.is_none() {
        // Each member's own configuration applies to its files, as the root's does to all.
        for dir in &all_members {
            layers.add_member(dir)?;
        }
    }
    let config = layers.root().clone();
    let discovery = discover::walk(&root, &all_members, &layers, &all_members);
    let packages: Vec<PackageInfo> = members
        .iter()
        .map(|p| PackageInfo::from_metadata(p, &root))
        .collect();
    let report = if selected.len() == members.len() {
        Report::All
    } else {
        let dir_of = |p: &&cargo_metadata::Package| PackageInfo::from_metadata(p, &root).dir;
        Report::Packages {
            selected: selected.iter().map(dir_of).collect(),
            members: members.iter().map(dir_of).collect(),
        }
    };
    Ok(Workspace {
        manifest: Ok(root.join("Cargo.toml")),
        root,
        config,
        layers,
        discovery,
        packages,
        report,
    })
}

/// A PATH must name Rust code: a `.rs` file, or a directory with at least one Rust file to
/// analyze (after `exclude`); anything else is a mistake a green run would hide.
fn check_has_rust(cwd: &Path, path: &Path, discovery: &Discovery) -> Result<(), Error> {
    let shown = path.display().to_string();
    let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
    if !is_dir && path.extension().is_none_or(|ext| ext != "rs") {
        return Err(Error::NotRust(shown));
    }
    let under = Report::Paths(vec![discover::relative(cwd, path)]);
    let found = (discovery.files.iter().map(|f| &f.rel))
        .chain(discovery.unreadable.iter().map(|u| &u.rel))
        .any(|rel| under.shows(rel));
    match (found, is_dir) {
        (true, _) => Ok(()),
        (false, true) => Err(Error::NoRustFiles(shown)),
        (false, false) => Err(Error::Excluded(shown)),
    }
}

/// The root and the directories of the members of the workspace `manifest` belongs to (`cargo metadata
/// --no-deps`, run with the toolchain cachelint runs under); `Err` with cargo's reason when it
/// cannot read it.
fn workspace_members(manifest: &Path) -> Result<(PathBuf, Vec<PathBuf>), String> {
    let mut command = cargo_metadata::MetadataCommand::new();
    command.no_deps().manifest_path(manifest);
    for (key, value) in semantic::cargo_env() {
        command.env(key, value);
    }
    let metadata = command.exec().map_err(|e| one_line(&e.to_string()))?;
    let dirs = metadata
        .workspace_packages()
        .iter()
        .filter_map(|p| p.manifest_path.parent())
        .map(|d| d.as_std_path().to_path_buf())
        .collect();
    Ok((metadata.workspace_root.into_std_path_buf(), dirs))
}

/// Whether `path` lies in one of the workspace members `dirs` where cargo would read sources:
/// not in a `target/` or hidden directory below the member (a PATH under `target/bench` of a
/// package is not that package's code).
fn belongs(path: &Path, dirs: &[PathBuf]) -> bool {
    let Ok(path) = std::fs::canonicalize(path) else {
        return false;
    };
    let dirs: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .collect();
    // The workspace root of a virtual manifest, or any directory holding members.
    if dirs.iter().any(|d| d.starts_with(&path)) {
        return true;
    }
    dirs.iter()
        .filter_map(|d| path.strip_prefix(d).ok().map(Path::to_path_buf))
        .min_by_key(|rel| rel.components().count())
        .is_some_and(|rel| {
            rel.components().all(|c| {
                let name = c.as_os_str().to_string_lossy();
                name != "target" && !name.starts_with('.')
            })
        })
}

/// The `Cargo.toml` nearest to `dir`, itself or an ancestor.
fn nearest_manifest(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
        .and_then(|m| std::fs::canonicalize(m).ok())
}

/// The directory whose `cachelint.toml` applies to a PATH run: the nearest ancestor of the
/// first path (itself included) holding `cachelint.toml` or `Cargo.toml`, else `cwd`.
fn config_root(first: &Path, cwd: &Path) -> PathBuf {
    let start = if first.is_dir() {
        first
    } else {
        first.parent().unwrap_or(cwd)
    };
    let start = if start.as_os_str().is_empty() {
        cwd
    } else {
        start
    };
    start
        .ancestors()
        .find(|dir| dir.join(config::FILE_NAME).is_file() || dir.join("Cargo.toml").is_file())
        .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `Cargo.toml` of the package a PATH lies in: the nearest one at or above it.
fn package_manifest(path: &Path) -> Option<PathBuf> {
    let path = std::fs::canonicalize(path).ok()?;
    path.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|manifest| manifest.is_file())
}
