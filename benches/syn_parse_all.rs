//! Benchmark baseline: `syn::parse_file` every `.rs` file under a directory, with rayon on all
//! cores and span-locations on (as the analyzer builds proc-macro2). Not a test: run it from
//! `bench/run.sh`, which times it side by side with `cargo-cachelint`.
//!
//!     cargo bench --bench syn_parse_all -- DIR

use rayon::prelude::*;

fn main() {
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with('-')) else {
        eprintln!("usage: syn_parse_all DIR");
        std::process::exit(2);
    };
    let files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    let failed: usize = files
        .par_iter()
        .map(|path| {
            let Ok(text) = std::fs::read_to_string(path) else {
                return 1;
            };
            let parsed = syn::parse_file(&text).is_ok();
            proc_macro2::extra::invalidate_current_thread_spans();
            usize::from(!parsed)
        })
        .sum();
    println!("{} files, {failed} not parsed", files.len());
}
