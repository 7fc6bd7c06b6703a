//! Benchmark baseline: `syn::parse_file` every `.rs` file under a directory, with rayon on all
//! cores and span-locations on (as the analyzer builds proc-macro2). Not a test: run it from
//! `bench/run.sh`, which times it side by side with `cargo-cachelint`.
//!
//!     cargo bench --bench syn_parse_all -- DIR
//!     cargo bench --bench syn_parse_all -- --list-failures DIR
//!
//! `--list-failures` also prints, sorted, one line per file syn cannot parse: its path
//! relative to DIR, the error's line and column, and syn's message (`bench/robustness.sh`
//! compares the list with cachelint's `parse_error` findings).

use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn main() {
    let list_failures = std::env::args().any(|a| a == "--list-failures");
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with('-')) else {
        eprintln!("usage: syn_parse_all [--list-failures] DIR");
        std::process::exit(2);
    };
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    // Deeply nested files recurse deeply in syn; give the threads the analyzer's stacks.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(256 * 1024 * 1024)
        .build()
        .expect("a thread pool");
    let mut failures: Vec<String> = pool.install(|| {
        files
            .par_iter()
            .filter_map(|path| {
                let failure = parse(path);
                proc_macro2::extra::invalidate_current_thread_spans();
                let rel = path.strip_prefix(&dir).unwrap_or(path).display();
                failure.map(|why| format!("{rel}:{why}"))
            })
            .collect()
    });
    failures.sort();
    println!("{} files, {} not parsed", files.len(), failures.len());
    if list_failures {
        for failure in failures {
            println!("{failure}");
        }
    }
}

/// `None` when syn parses the file, else `line:column: message`.
fn parse(path: &Path) -> Option<String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return Some(format!("1:1: cannot read: {err}")),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Some("1:1: not UTF-8".to_string());
    };
    match syn::parse_file(&text) {
        Ok(_) => None,
        Err(err) => {
            let at = err.span().start();
            Some(format!("{}:{}: {err}", at.line, at.column + 1))
        }
    }
}
