//! The key separator the macros validate with, read from the configuration (SPEC §8).
//!
//! A deliberately tiny scan instead of a TOML parser: the macros must stay light to build, and
//! the analyzer validates the configuration properly (and reports its errors) anyway. Starting
//! at `CARGO_MANIFEST_DIR` and going up, the first directory whose `cachelint.toml` (top-level
//! `separator = "x"`) or `Cargo.toml` (`[workspace.metadata.cachelint]` or
//! `[package.metadata.cachelint]`) names a separator wins; otherwise, or if anything cannot be
//! read, it is `:`.
//!
//! Cargo does not know the macros read these files: after changing the separator, touch a
//! source file (or `cargo clean -p your-crate`) so the annotations are checked again.

use std::path::Path;

/// The separator used when no configuration names one.
pub const DEFAULT: char = ':';

/// The configured separator for the crate being compiled.
pub fn configured() -> char {
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return DEFAULT;
    };
    Path::new(&manifest_dir)
        .ancestors()
        .find_map(in_directory)
        .unwrap_or(DEFAULT)
}

fn in_directory(dir: &Path) -> Option<char> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    // A `cachelint.toml` is the configuration, whether or not it names a separator.
    if let Some(text) = read("cachelint.toml") {
        return Some(scan(&text, &[""]).unwrap_or(DEFAULT));
    }
    let tables = ["workspace.metadata.cachelint", "package.metadata.cachelint"];
    read("Cargo.toml").and_then(|text| scan(&text, &tables))
}

/// The `separator = "x"` line inside one of `tables` (`""` is the top level), if any.
fn scan(text: &str, tables: &[&str]) -> Option<char> {
    let mut table = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(header) = line.strip_prefix('[') {
            let name = header.split(']').next().unwrap_or_default();
            table = name.chars().filter(|c| !c.is_whitespace()).collect();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "separator" || !tables.contains(&table.as_str()) {
            continue;
        }
        let value = value.split('#').next().unwrap_or_default().trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))?;
        let mut chars = unquoted.chars();
        return match (chars.next(), chars.next()) {
            (Some(sep), None) => Some(sep),
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::scan;

    #[test]
    fn top_level_separator() {
        assert_eq!(scan("separator = \"/\"\n", &[""]), Some('/'));
        assert_eq!(scan("  separator='.'  # dots\n", &[""]), Some('.'));
        assert_eq!(scan("max_staleness = \"0s\"\n", &[""]), None);
    }

    #[test]
    fn only_in_the_wanted_table() {
        let text = "[lints]\nseparator = \"/\"\n";
        assert_eq!(scan(text, &[""]), None);
        let cargo = "[package]\nname = \"x\"\n[package.metadata.cachelint]\nseparator = \"|\"\n";
        assert_eq!(scan(cargo, &["package.metadata.cachelint"]), Some('|'));
        assert_eq!(scan(cargo, &[""]), None);
    }

    #[test]
    fn malformed_values_are_ignored() {
        for text in [
            "separator = \"::\"",
            "separator = \"\"",
            "separator = x",
            "separator =",
        ] {
            assert_eq!(scan(text, &[""]), None, "{text}");
        }
    }
}
