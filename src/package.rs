//! The cargo packages of a workspace run: which ones `-p SPEC` selects, and how `json` output
//! names the package and target a finding belongs to (cargo's `package_id`, `manifest_path`,
//! `target`), so rust-analyzer files each diagnostic under the right package.

use std::path::{Path, PathBuf};

use cargo_metadata::{Package, TargetKind};

/// The cargo package and target a `compiler-message` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInfo {
    /// cargo's package id, e.g. `path+file:///work/svc#svc@0.1.0`.
    pub id: String,
    /// Absolute path of the package's `Cargo.toml`.
    pub manifest_path: String,
    /// The package's directory relative to the workspace root, `/`-separated; empty for a
    /// package at the root. A finding belongs to the package with the longest matching `dir`.
    pub dir: String,
    /// Target name as cargo reports it (`svc`, `-` turned into `_` for libraries).
    pub target_name: String,
    /// Target kind as cargo spells it: `lib`, `bin`, `test`, `example`, `bench`.
    pub target_kind: String,
    /// Absolute path of the target's root source file.
    pub src_path: String,
    /// Rust edition: `2015`, `2018`, `2021` or `2024`.
    pub edition: String,
}

impl PackageInfo {
    /// The package as cargo metadata describes it; `dir` relative to `root`. The target is the
    /// library when there is one (what `cargo check` reports most messages under), else the
    /// first binary, else the first target.
    pub fn from_metadata(package: &Package, root: &Path) -> PackageInfo {
        let is_lib = |kind: &TargetKind| {
            matches!(
                kind,
                TargetKind::Lib
                    | TargetKind::RLib
                    | TargetKind::DyLib
                    | TargetKind::CDyLib
                    | TargetKind::StaticLib
                    | TargetKind::ProcMacro
            )
        };
        let targets = &package.targets;
        let target = targets
            .iter()
            .find(|t| t.kind.iter().any(is_lib))
            .or_else(|| targets.iter().find(|t| t.kind.contains(&TargetKind::Bin)))
            .or_else(|| targets.first());
        let manifest = package.manifest_path.as_std_path();
        let dir = manifest.parent().unwrap_or(manifest);
        let dir = crate::discover::relative(root, dir);
        PackageInfo {
            id: package.id.repr.clone(),
            manifest_path: package.manifest_path.to_string(),
            dir: if dir == "." { String::new() } else { dir },
            target_name: target.map_or_else(|| package.name.replace('-', "_"), |t| t.name.clone()),
            target_kind: target
                .and_then(|t| t.kind.first())
                .map_or_else(|| "lib".to_owned(), ToString::to_string),
            src_path: target.map_or_else(String::new, |t| t.src_path.to_string()),
            edition: target
                .map_or(package.edition, |t| t.edition)
                .as_str()
                .to_owned(),
        }
    }

    /// Whether `file` (relative to the workspace root) lies in this package's directory.
    pub fn contains(&self, file: &str) -> bool {
        self.dir.is_empty()
            || file
                .strip_prefix(&self.dir)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// The cargo packages that hold `files` (paths relative to `root`), for a run on PATHs, where
/// no workspace was loaded: for each file, the package of the nearest `Cargo.toml` above it
/// that declares one (`[package]`), as `cargo metadata` describes it; `dir` relative to
/// `root`. A file under no such manifest, or whose manifest cargo cannot read, gets no
/// package: the `json` format then attributes its findings to none rather than inventing one.
/// Each package is listed once, in the order its first file comes.
pub fn owning(root: &Path, files: &[&str]) -> Vec<PackageInfo> {
    let mut manifests: Vec<PathBuf> = Vec::new();
    for file in files {
        let path = root.join(file);
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        let manifest = path
            .ancestors()
            .skip(1)
            .map(|dir| dir.join("Cargo.toml"))
            .find(|manifest| declares_package(manifest));
        if let Some(manifest) = manifest.filter(|m| !manifests.contains(m)) {
            manifests.push(manifest);
        }
    }
    manifests
        .iter()
        .filter_map(|manifest| {
            let mut command = cargo_metadata::MetadataCommand::new();
            command.no_deps().manifest_path(manifest);
            for (key, value) in crate::semantic::cargo_env() {
                command.env(key, value);
            }
            let metadata = command.exec().ok()?;
            let package = metadata
                .packages
                .iter()
                .find(|p| p.manifest_path.as_std_path() == manifest)?;
            Some(PackageInfo::from_metadata(package, root))
        })
        .collect()
}

/// Whether `manifest` is a `Cargo.toml` with a `[package]` table (not a virtual workspace).
fn declares_package(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|table| table.contains_key("package"))
}

/// Whether `spec` names `package` the way cargo's `-p SPEC` does: `name`, `name@version`,
/// `name:version`, or a package id URL (`path+file:///dir#name@version`, `file:///dir#1.0`),
/// which is what rust-analyzer passes when it checks one package.
pub fn matches_spec(package: &Package, spec: &str) -> bool {
    let name = package.name.as_str();
    let version = package.version.to_string();
    if spec == package.id.repr {
        return true;
    }
    let Some((scheme, rest)) = spec.split_once("://") else {
        return name_and_version(spec, name, &version);
    };
    let (location, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let is_file = scheme.strip_prefix("path+").unwrap_or(scheme) == "file";
    let dir = package.manifest_path.parent().map(|d| d.as_str());
    if !is_file || dir.map(|d| d.trim_end_matches('/')) != Some(&*percent_decode(location)) {
        return false;
    }
    match fragment {
        "" => true,
        _ if fragment.starts_with(|c: char| c.is_ascii_digit()) => {
            version_matches(fragment, &version)
        }
        _ => name_and_version(fragment, name, &version),
    }
}

/// `name`, `name@version` or `name:version`; a partial version (`1`, `1.2`) matches.
fn name_and_version(spec: &str, name: &str, version: &str) -> bool {
    match spec.split_once(['@', ':']) {
        Some((spec_name, spec_version)) => {
            spec_name == name && version_matches(spec_version, version)
        }
        None => spec == name,
    }
}

fn version_matches(wanted: &str, version: &str) -> bool {
    version == wanted
        || version
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with(['.', '-', '+']))
}

/// `%XX` escapes decoded, as in a `file://` URL's path.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out)
        .trim_end_matches('/')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package() -> Package {
        let json = serde_json::json!({
            "name": "example-service",
            "version": "0.3.1",
            "id": "path+file:///work/my%20svc#example-service@0.3.1",
            "manifest_path": "/work/my svc/Cargo.toml",
            "dependencies": [], "features": {}, "edition": "2021",
            "targets": [
                { "name": "svc", "kind": ["bin"], "crate_types": ["bin"],
                  "src_path": "/work/my svc/src/main.rs", "edition": "2021" },
                { "name": "example_service", "kind": ["lib"], "crate_types": ["lib"],
                  "src_path": "/work/my svc/src/lib.rs", "edition": "2021" }
            ]
        });
        serde_json::from_value(json).expect("a cargo metadata package")
    }

    #[test]
    fn specs_match_the_way_cargo_matches_them() {
        let package = package();
        for spec in [
            "example-service",
            "example-service@0.3.1",
            "example-service@0.3",
            "example-service:0.3.1",
            "path+file:///work/my%20svc#example-service@0.3.1",
            "path+file:///work/my%20svc#0.3.1",
            "file:///work/my%20svc",
            "file:///work/my svc#example-service",
        ] {
            assert!(matches_spec(&package, spec), "{spec}");
        }
        for spec in [
            "example",
            "example-service@0.4",
            "example-service@0.3.10",
            "path+file:///work/other#example-service@0.3.1",
            "https://github.com/x/example-service#0.3.1",
        ] {
            assert!(!matches_spec(&package, spec), "{spec}");
        }
    }

    #[test]
    fn the_library_is_the_target_and_dir_is_relative() {
        let info = PackageInfo::from_metadata(&package(), Path::new("/work"));
        assert_eq!(info.dir, "my svc");
        assert_eq!(
            (info.target_name.as_str(), info.target_kind.as_str()),
            ("example_service", "lib")
        );
        assert_eq!(info.edition, "2021");
        assert!(info.contains("my svc/src/lib.rs"));
        assert!(!info.contains("my svcs/src/lib.rs"));
        let root = PackageInfo::from_metadata(&package(), Path::new("/work/my svc"));
        assert_eq!(root.dir, "");
        assert!(root.contains("src/lib.rs"));
    }
}
