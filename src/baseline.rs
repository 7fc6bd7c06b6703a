//! Baselines: record today's findings, then report only new ones (SPEC §9).

use crate::Analysis;
use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One recorded finding. Only `fingerprint` matters for matching; the rest is for readers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// Why a baseline could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline `{path}`: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("baseline `{path}` is not a cachelint baseline: {message}")]
    Format { path: String, message: String },
    #[error("cannot write baseline `{path}`: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Writes the fingerprints of `findings` to `path`, atomically, and returns the entries
/// written.
pub fn write(path: &Path, findings: &[Finding]) -> Result<Vec<Entry>, BaselineError> {
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.to_string(),
            file: f.primary.location.file.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort();
    let file = BaselineFile {
        version: 1,
        findings: entries,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    write_atomically(path, text.as_bytes()).map_err(|source| BaselineError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(file.findings)
}

/// Reads a baseline written by [`write`].
pub fn read(path: &Path) -> Result<Vec<Entry>, BaselineError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
        path: shown.clone(),
        source,
    })?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|e| BaselineError::Format {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    if file.version != 1 {
        return Err(BaselineError::Format {
            path: shown,
            message: format!("unsupported version {}", file.version),
        });
    }
    Ok(file.findings)
}

/// Removes the findings `recorded` holds (each entry hides one finding) and counts them in
/// `analysis.stats.baselined`. Returns the entries that matched nothing.
pub fn apply(recorded: &[Entry], analysis: &mut Analysis) -> Vec<Entry> {
    let mut budget: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for entry in recorded {
        budget
            .entry(entry.fingerprint.as_str())
            .or_default()
            .push(entry);
    }
    let before = analysis.findings.len();
    analysis
        .findings
        .retain(|f| match budget.get_mut(f.fingerprint.as_str()) {
            Some(left) if !left.is_empty() => {
                left.pop();
                false
            }
            _ => true,
        });
    analysis.stats.baselined = before - analysis.findings.len();
    let mut stale: Vec<Entry> = budget.into_values().flatten().cloned().collect();
    stale.sort();
    stale
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a
/// reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::rename(&temp, path))
        .inspect_err(|_| {
            // Whatever failed (a full disk, `path` a directory), leave no partial file behind.
            let _ = std::fs::remove_file(&temp);
        })
}
