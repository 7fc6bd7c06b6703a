//! `cargo cachelint graph`: the whole model as DOT, Mermaid or JSON.
//! HELPER: implement.

use crate::analyze::Target;
use crate::cli::GraphFormat;

/// Renders the model of `target` in `format` to standard output.
pub fn run(target: &Target, all_files: bool, format: GraphFormat) -> Result<u8, String> {
    let _ = (target, all_files, format);
    Err("not yet".to_string())
}
