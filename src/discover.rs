//! Which files to read, and the module path each one's items live in.

use crate::config::Layers;
use crate::facts::PathSegs;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// A Rust file to analyze.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Where to read it.
    pub path: PathBuf,
    /// Relative to the root, `/`-separated: what findings show.
    pub rel: String,
    /// The module its top-level items live in, crate name first.
    pub module: PathSegs,
}

/// A file or directory that could not be read; reported, and the run goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub rel: String,
    pub reason: String,
}

/// The files of one run, sorted by relative path.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourceFile>,
    pub unreadable: Vec<Unreadable>,
    /// (crate name, alias) for every dependency a walked manifest renames: code in that
    /// package names the crate by the alias.
    pub aliases: Vec<(String, String)>,
}

/// Walks `dirs` (directories or files) below `root`, skipping hidden and `target` directories,
/// nested packages other than those listed, and what the configurations exclude.
///
/// Symbolic links are followed while they stay inside `root` or the directory walked; one
/// that leads elsewhere is reported, not followed: on an untrusted pull request a link to
/// `/` or `~/.cargo` would have the run read (and quote) any file the CI user can read.
pub fn walk(root: &Path, dirs: &[PathBuf], config: &Layers, packages: &[PathBuf]) -> Discovery {
    let mut found = Discovery::default();
    let mut crates = CrateNames::default();
    for dir in dirs {
        let inside: Vec<PathBuf> = [root, dir.as_path()]
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        let walker = walkdir::WalkDir::new(dir).follow_links(true).into_iter();
        let mut walker = walker.filter_entry(|entry| {
            if entry.depth() == 0 || !entry.file_type().is_dir() {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            if name.starts_with('.') || name == "target" {
                return false;
            }
            let is_other_package = !packages.is_empty()
                && !packages.iter().any(|p| p == entry.path())
                && entry.path().join("Cargo.toml").is_file();
            !is_other_package && !config.is_excluded(entry.path())
        });
        while let Some(entry) = walker.next() {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    let is_rs = path.extension().is_some_and(|ext| ext == "rs");
                    let is_dir = entry.file_type().is_dir();
                    if entry.depth() > 0 && entry.path_is_symlink() {
                        let target = std::fs::canonicalize(path).ok();
                        let escapes = target
                            .as_ref()
                            .is_none_or(|t| !inside.iter().any(|i| t.starts_with(i)));
                        if escapes {
                            if is_dir {
                                walker.skip_current_dir();
                            }
                            let rel = relative(root, path);
                            if (is_dir || is_rs) && !config.is_excluded(path) {
                                let to = target.map(|t| t.display().to_string());
                                let reason = format!(
                                    "symlink to `{}`, outside the analyzed tree: not followed",
                                    to.unwrap_or_default()
                                );
                                found.unreadable.push(Unreadable { rel, reason });
                            }
                            continue;
                        }
                    }
                    if !is_rs || is_dir {
                        continue;
                    }
                    if config.is_excluded(path) {
                        continue;
                    }
                    let rel = relative(root, path);
                    if !entry.file_type().is_file() {
                        // A FIFO, socket or device named `*.rs`: reading it could block
                        // forever or never end.
                        let reason = "not a regular file".to_string();
                        found.unreadable.push(Unreadable { rel, reason });
                        continue;
                    }
                    let module = crates.module_of(path, dir);
                    found.files.push(SourceFile {
                        path: path.to_path_buf(),
                        rel,
                        module,
                    });
                }
                Err(err) => {
                    let at = err
                        .path()
                        .map_or_else(|| relative(root, dir), |p| relative(root, p));
                    let reason = match err.loop_ancestor() {
                        Some(ancestor) => {
                            format!("symlink loop back to `{}`", relative(root, ancestor))
                        }
                        None => err
                            .io_error()
                            .map_or_else(|| err.to_string(), |e| e.to_string()),
                    };
                    found.unreadable.push(Unreadable { rel: at, reason });
                }
            }
        }
    }
    found.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    found.files.dedup_by(|a, b| a.rel == b.rel);
    found
        .unreadable
        .sort_by(|a, b| (&a.rel, &a.reason).cmp(&(&b.rel, &b.reason)));
    found.unreadable.dedup();
    let mut aliases: Vec<(String, String)> = crates
        .renames
        .iter()
        .map(|(package, alias)| {
            let lib = crates.lib_of_package.get(package).unwrap_or(package);
            (lib.clone(), alias.clone())
        })
        .collect();
    aliases.sort();
    aliases.dedup();
    found.aliases = aliases;
    found
}

/// `(package, alias)` of each dependency a manifest renames (`alias = { package = "name" }`),
/// in `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` and their `[target.*]`
/// forms; names with `-` as `_`, as code spells them.
fn renamed_dependencies(manifest: &toml::Table) -> Vec<(String, String)> {
    const TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut tables: Vec<&toml::Table> = TABLES
        .iter()
        .filter_map(|t| manifest.get(*t)?.as_table())
        .collect();
    if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
        for target in targets.values().filter_map(|t| t.as_table()) {
            tables.extend(TABLES.iter().filter_map(|t| target.get(*t)?.as_table()));
        }
    }
    tables
        .into_iter()
        .flat_map(|table| table.iter())
        .filter_map(|(alias, spec)| {
            let package = spec.get("package")?.as_str()?;
            Some((package.replace('-', "_"), alias.replace('-', "_")))
        })
        .collect()
}

/// `path` relative to `root` when below it, `/`-separated; otherwise `path` as given.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = rel.strip_prefix(".").unwrap_or(rel);
    let mut out = String::new();
    for component in rel.components() {
        match component {
            Component::CurDir => continue,
            Component::RootDir => {
                out.push('/');
                continue;
            }
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    if out.is_empty() { ".".to_string() } else { out }
}

/// Crate names by package directory, read from each `Cargo.toml` once.
#[derive(Default)]
struct CrateNames {
    by_dir: HashMap<PathBuf, Option<String>>,
    /// Package name → the name code uses for its library (`[lib] name`), `-` as `_`.
    lib_of_package: HashMap<String, String>,
    /// (package name, alias) of every renamed dependency (`alias = { package = "name" }`).
    renames: Vec<(String, String)>,
    /// Directory → the nearest ancestor (itself included) holding a `Cargo.toml`.
    package_of: HashMap<PathBuf, Option<PathBuf>>,
}

impl CrateNames {
    fn package_name(&mut self, dir: &Path) -> Option<String> {
        self.by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
                let manifest: toml::Table = text.parse().ok()?;
                // Code names a library by its `[lib] name`, which defaults to the package's.
                let lib_name = manifest
                    .get("lib")
                    .and_then(|lib| lib.get("name"))
                    .and_then(|n| n.as_str());
                let package = manifest
                    .get("package")
                    .and_then(|p| p.get("name"))
                    .and_then(|n| n.as_str())
                    .map(|n| n.replace('-', "_"));
                self.renames.extend(renamed_dependencies(&manifest));
                let name = match lib_name {
                    Some(name) => name.replace('-', "_"),
                    None => package.clone()?,
                };
                if let Some(package) = package {
                    self.lib_of_package.insert(package, name.clone());
                }
                Some(name)
            })
            .clone()
    }

    /// The module path of `file`: from the nearest package's layout (`src/lib.rs` is the crate
    /// root, `src/a/b.rs` is `a::b`, `src/bin/x.rs` and `tests/x.rs` are crates of their
    /// own), or, outside any package, from its path below the walked directory.
    fn package_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.package_of.get(dir) {
            return known.clone();
        }
        let found = if dir.join("Cargo.toml").is_file() {
            Some(dir.to_path_buf())
        } else {
            let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
            parent.and_then(|p| self.package_dir(p))
        };
        self.package_of.insert(dir.to_path_buf(), found.clone());
        found
    }

    fn module_of(&mut self, file: &Path, walked: &Path) -> PathSegs {
        let package = file.parent().and_then(|dir| self.package_dir(dir));
        let package = package.as_deref();
        let (base, crate_name) = match package {
            Some(dir) => {
                let name = self
                    .package_name(dir)
                    .unwrap_or_else(|| "crate".to_string());
                (dir.to_path_buf(), name)
            }
            None => {
                let base = if walked.is_file() {
                    walked.parent().unwrap_or(walked).to_path_buf()
                } else {
                    walked.to_path_buf()
                };
                (base, "crate".to_string())
            }
        };
        let rel = file.strip_prefix(&base).unwrap_or(file);
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if let Some(last) = parts.last_mut()
            && let Some(stem) = last.strip_suffix(".rs")
        {
            *last = stem.to_string();
        }
        let mut module = match parts.first().map(String::as_str) {
            Some("src") if parts.get(1).map(String::as_str) == Some("bin") => {
                parts.drain(..2);
                Vec::new()
            }
            Some("src") => {
                parts.remove(0);
                vec![crate_name]
            }
            Some("tests" | "examples" | "benches") => {
                parts.remove(0);
                Vec::new()
            }
            _ if package.is_some() => vec![crate_name],
            _ => vec![crate_name],
        };
        let file_name = parts.pop().unwrap_or_default();
        module.extend(parts);
        let is_root_file = matches!(file_name.as_str(), "lib" | "main" | "mod");
        if !is_root_file || module.is_empty() {
            module.push(file_name);
        }
        module
    }
}
