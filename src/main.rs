//! `cargo-cachelint`: parse arguments, run the library, render, exit 0/1/2.

use cachelint_analyzer::analyze::{self, Options, Target};
use cachelint_analyzer::cli::{AnnotateArgs, CheckArgs, Cli, ColorChoice, Command, TargetArgs};
use cachelint_analyzer::config::{self, LintLevel};
use cachelint_analyzer::report::{self, Format, RenderOptions};
use cachelint_analyzer::{annotate, baseline, export, map, rules};
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Invoked as `cargo cachelint`, cargo passes `cachelint` first.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "cachelint") {
        args.remove(1);
    }
    let matches = match Cli::command().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        None => match mistyped_subcommand(&cli.check.target.paths) {
            Some(message) => Err(message),
            None => check(&cli.check, &matches),
        },
        Some(Command::Check(ref args)) => {
            let sub = matches.subcommand_matches("check").unwrap_or(&matches);
            check(args, sub)
        }
        Some(Command::Map(args)) => map::run(
            &target(&args.target),
            &options(&args.target),
            args.check.as_deref(),
            args.output.as_deref(),
        ),
        Some(Command::Graph(args)) => {
            export::run(&target(&args.target), &options(&args.target), args.format)
        }
        Some(Command::Annotate(args)) => run_annotate(&args),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Rules) => list_rules(),
    };
    match result {
        // The model and findings are large; the process ends here, so skip freeing them.
        Ok(code) => std::process::exit(i32::from(code)),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// `cargo cachelint chek`: a first PATH that does not exist, spelt like no path but close to a
/// subcommand's name, was meant as the subcommand (cargo's "no such command", with its
/// did-you-mean).
fn mistyped_subcommand(paths: &[std::path::PathBuf]) -> Option<String> {
    let first = paths.first()?;
    let word = first.to_str()?;
    if std::fs::symlink_metadata(first).is_ok() || word.contains(['/', '\\', '.']) {
        return None;
    }
    let command = Cli::command();
    // `cargo cachelint -v map`: options of the check given before a subcommand make the
    // subcommand's name a PATH; say where they go.
    if command.get_subcommands().any(|c| c.get_name() == word) {
        return Some(format!(
            "`{word}` is a subcommand: give its options after it (`cargo cachelint {word} \
             [OPTIONS]`), not before"
        ));
    }
    let names = command.get_subcommands().map(|c| c.get_name());
    let near = cachelint_core::rules::suggest(word, names)?;
    Some(format!(
        "no such command or path: `{word}` (did you mean `{near}`?)"
    ))
}

fn target(args: &TargetArgs) -> Target {
    Target {
        paths: args.paths.clone(),
        manifest_path: args.manifest_path.clone(),
        packages: args.packages.clone(),
        workspace: args.workspace,
        exclude: args.exclude.clone(),
        config_file: args.config_file.clone(),
        features: Default::default(),
    }
}

/// The analysis settings every analyzing subcommand takes (`--all-files`, `--no-infer`).
fn options(args: &TargetArgs) -> Options {
    Options {
        all_files: args.all_files,
        no_infer: args.no_infer,
        ..Options::default()
    }
}

/// `-A/-W/-D` flags in the order they were given: later ones win.
fn level_flags(matches: &ArgMatches) -> Vec<(LintLevel, String)> {
    let mut flags: Vec<(usize, LintLevel, String)> = Vec::new();
    for (id, level) in [
        ("allow", LintLevel::Allow),
        ("warn", LintLevel::Warn),
        ("deny", LintLevel::Deny),
    ] {
        let (Some(indices), Some(values)) =
            (matches.indices_of(id), matches.get_many::<String>(id))
        else {
            continue;
        };
        for (index, value) in indices.zip(values) {
            flags.push((index, level, value.clone()));
        }
    }
    flags.sort_by_key(|(index, _, _)| *index);
    flags
        .into_iter()
        .map(|(_, level, rule)| (level, rule))
        .collect()
}

/// Whether `human` output gets ANSI colors. `--color always/never` win; with `auto`, cargo's
/// `CARGO_TERM_COLOR`, then the environment conventions in anstream's (and cargo's) order: a
/// non-empty `NO_COLOR` disables, `CLICOLOR_FORCE` (other than `0`) forces, `CLICOLOR=0`
/// disables; otherwise colors only on a terminal whose `TERM` is not `dumb`.
fn use_color(choice: ColorChoice) -> bool {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => match var("CARGO_TERM_COLOR").as_deref() {
            Some("always") => true,
            Some("never") => false,
            _ if var("NO_COLOR").is_some() => false,
            _ if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
            _ if var("CLICOLOR").as_deref() == Some("0") => false,
            _ => std::io::stdout().is_terminal() && var("TERM").as_deref() != Some("dumb"),
        },
    }
}

/// The width `human` lays snippets out in: `COLUMNS` when set, else the terminal's width when
/// stdout is one, else `None` (rustc's fixed default, so piped output never depends on it).
fn output_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(width) = columns.and_then(|c| c.trim().parse::<usize>().ok()) {
        return Some(width).filter(|w| *w > 0);
    }
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(&stdout).map(|(width, _)| usize::from(width.0))
}

/// The progress display: a spinner on stderr naming the pipeline's stage, shown once a run has
/// taken a second, as cargo shows progress. Only on a terminal: never with `-q`, when stderr
/// is not a terminal (pipes, files, CI logs), with `TERM=dumb` or in CI (`CI` set).
struct Spinner {
    bar: indicatif::ProgressBar,
    /// Set when the run is over; guards the switch from hidden to drawn.
    done: std::sync::Arc<std::sync::Mutex<bool>>,
}

/// How long a run goes before its progress shows.
const PROGRESS_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

impl Spinner {
    /// Starts the display and installs it as the pipeline's reporter; `None` where progress
    /// is not shown.
    fn start(quiet: bool) -> Option<Spinner> {
        let var = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|term| term == "dumb");
        if quiet || dumb || var("CI") || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        let done = std::sync::Arc::new(std::sync::Mutex::new(false));
        let (delayed, finished) = (bar.clone(), done.clone());
        std::thread::spawn(move || {
            std::thread::sleep(PROGRESS_DELAY);
            let finished = finished
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !*finished {
                delayed.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                delayed.enable_steady_tick(std::time::Duration::from_millis(100));
            }
        });
        analyze::set_progress(Box::new(Reporter(bar.clone())));
        Some(Spinner { bar, done })
    }

    /// Removes the display, before anything else is written.
    fn finish(self) {
        let mut done = self
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *done = true;
        self.bar.finish_and_clear();
    }
}

/// The pipeline's stages, as the spinner's message.
struct Reporter(indicatif::ProgressBar);

impl analyze::Progress for Reporter {
    fn stage(&self, stage: analyze::Stage) {
        self.0.set_message(stage.to_string());
    }
}

/// How findings or suggestions about `files` are rendered. On a run on PATHs, JSON names the
/// real packages that hold those files, if any (the workspace's otherwise).
fn render_options(
    workspace: &cachelint_analyzer::analyze::Workspace,
    format: Format,
    files: &[&str],
    color: ColorChoice,
    show_elapsed: bool,
) -> RenderOptions {
    let packages = if workspace.packages.is_empty() && format.is_json() {
        cachelint_analyzer::package::owning(&workspace.root, files)
    } else {
        workspace.packages.clone()
    };
    RenderOptions {
        color: use_color(color),
        width: output_width(),
        show_elapsed,
        workspace_root: Some(workspace.root.clone()),
        packages,
    }
}

fn check(args: &CheckArgs, matches: &ArgMatches) -> Result<u8, String> {
    let options = Options {
        levels: level_flags(matches),
        ..options(&args.target)
    };
    let mut target = target(&args.target);
    target.features = cachelint_analyzer::semantic::Features {
        list: args.cargo.features.clone(),
        all: args.cargo.all_features,
        no_default: args.cargo.no_default_features,
    };
    let spinner = Spinner::start(args.quiet);
    let analyzed = analyze::analyze(&target, &options);
    if let Some(spinner) = spinner {
        spinner.finish();
    }
    let (mut analysis, model, workspace) = analyzed.map_err(|e| e.to_string())?;
    let format = args.message_format.unwrap_or(Format::Human);
    let mut notes = Vec::new();
    if let Some(path) = &args.write_baseline {
        // Writing a baseline adopts it: what it records is hidden at once, so the run passes
        // and a later `--baseline FILE` run reports exactly the same.
        let recorded = baseline::write(path, &analysis.findings).map_err(|e| e.to_string())?;
        baseline::apply(&recorded, &mut analysis);
        notes.push(format!(
            "note: recorded {} in baseline `{}`",
            findings(recorded.len()),
            path.display()
        ));
    } else if let Some(path) = &args.baseline {
        let recorded = baseline::read(path).map_err(|e| e.to_string())?;
        let stale = baseline::apply(&recorded, &mut analysis);
        if format != Format::Human && analysis.stats.baselined > 0 {
            // `human` says it in its summary line; the other formats keep stdout machine-readable.
            notes.push(format!(
                "note: baseline `{}` hid {}",
                path.display(),
                findings(analysis.stats.baselined)
            ));
        }
        if !stale.is_empty() {
            let (count, verb) = match stale.len() {
                1 => ("1 baseline entry".to_owned(), "matches"),
                n => (format!("{n} baseline entries"), "match"),
            };
            notes.push(format!(
                "note: {count} in `{}` no longer {verb} any finding (fixed, or changed beyond \
                 recognition); refresh it with --write-baseline:",
                path.display()
            ));
            notes.extend(
                stale
                    .iter()
                    .map(|e| format!("  {}[{}] {}: {}", e.file, e.rule, e.fingerprint, e.message)),
            );
        }
    }
    if let cachelint_analyzer::Engine::Fallback(why) = &analysis.stats.engine {
        // Never silently half-blind: say which resolution ran, why, and the fix.
        eprintln!(
            "warning: the semantic engine is unavailable: {why}; calls are resolved from the \
             syntax alone, which misses or misreads some of them, and no cache operation is \
             inferred from the code (inference needs the engine)"
        );
    }
    if args.verbose {
        let files: Vec<&str> = workspace
            .discovery
            .files
            .iter()
            .map(|f| f.rel.as_str())
            .collect();
        for line in model
            .ambiguity_report(&files)
            .into_iter()
            .chain(model.unresolved_report(&files))
        {
            eprintln!("{line}");
        }
    }
    let files: Vec<&str> = analysis
        .findings
        .iter()
        .map(|f| f.primary.location.file.as_str())
        .collect();
    let options = render_options(&workspace, format, &files, args.color, !args.quiet);
    let mut out = std::io::stdout().lock();
    // `-q` on a clean run prints nothing at all: the summary line is all `human` would say.
    // The machine-readable formats still print their (empty) document.
    let silent = args.quiet && format == Format::Human && analysis.findings.is_empty();
    let written = if silent {
        Ok(())
    } else {
        report::render(format, &analysis, &options, &mut out).and_then(|()| out.flush())
    };
    let code = u8::from(analysis.errors() > 0);
    match written {
        // The reader went away (`| head`): nothing more to say, and nobody to say it to.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(code),
        Err(err) => return Err(err.to_string()),
        Ok(()) => {}
    }
    if !args.quiet {
        for note in notes {
            eprintln!("{note}");
        }
    }
    // The process ends right after this; freeing a large model only costs time.
    std::mem::forget(model);
    std::mem::forget(analysis);
    Ok(code)
}

/// `annotate`: the annotations that state what inference found, printed as suggestions, or
/// written into the files with `--fix` (which, as `cargo fix`, refuses to touch a work tree
/// with uncommitted changes unless `--allow-dirty`).
fn run_annotate(args: &AnnotateArgs) -> Result<u8, String> {
    let format = args.message_format.unwrap_or(Format::Human);
    if !report::renders_advice(format) {
        return Err(
            "`annotate` prints its suggestions as human, short or json; sarif, github, gitlab \
             and rdjsonl report findings (run `cargo cachelint` for those)"
                .to_owned(),
        );
    }
    let mut target = target(&args.target);
    target.features = cachelint_analyzer::semantic::Features {
        list: args.cargo.features.clone(),
        all: args.cargo.all_features,
        no_default: args.cargo.no_default_features,
    };
    if args.fix && !args.allow_dirty {
        // Before the analysis, which takes a while: refuse at once. Checked: the analyzed
        // cargo workspace, or the PATHs outside any.
        let ws = analyze::workspace(&target).map_err(|e| e.to_string())?;
        let roots: Vec<std::path::PathBuf> = match (&ws.manifest, target.paths.is_empty()) {
            (Ok(manifest), _) => vec![manifest.parent().unwrap_or(&ws.root).to_path_buf()],
            (Err(_), true) => vec![ws.root.clone()],
            (Err(_), false) => target.paths.clone(),
        };
        let mut changed: Vec<String> = roots
            .iter()
            .flat_map(|r| annotate::uncommitted(r))
            .collect();
        changed.sort();
        changed.dedup();
        if !changed.is_empty() {
            let list: Vec<String> = changed.iter().map(|f| format!("  * {f}")).collect();
            return Err(format!(
                "the working directory of this package has uncommitted changes, and `cargo \
                 cachelint annotate --fix` can potentially perform destructive changes; if \
                 you'd like to suppress this error pass `--allow-dirty`, or commit the changes \
                 to these files:\n\n{}\n",
                list.join("\n")
            ));
        }
    }
    let options = Options {
        all_files: args.target.all_files,
        ..Options::default()
    };
    let spinner = Spinner::start(args.quiet);
    let analyzed = analyze::analyze(&target, &options);
    if let Some(spinner) = spinner {
        spinner.finish();
    }
    let (analysis, model, workspace) = analyzed.map_err(|e| e.to_string())?;
    if let cachelint_analyzer::Engine::Fallback(why) = &analysis.stats.engine {
        eprintln!(
            "warning: the semantic engine is unavailable: {why}; nothing is inferred without \
             it, so there is nothing to annotate"
        );
    }
    let plan = annotate::plan(&model, &workspace, &analysis.findings);
    for why in &plan.unplaced {
        eprintln!("warning: {why}");
    }
    if args.fix {
        return fix_files(&plan, &workspace.root, args.quiet);
    }
    let advice: Vec<_> = plan
        .files
        .iter()
        .flat_map(|f| f.advice(format.is_json()))
        .collect();
    let sources = plan
        .files
        .iter()
        .map(|f| (f.rel.clone(), f.text.clone()))
        .collect();
    let files: Vec<&str> = plan.files.iter().map(|f| f.rel.as_str()).collect();
    let options = render_options(&workspace, format, &files, args.color, false);
    let mut out = std::io::stdout().lock();
    let mut written = report::render_advice(format, &advice, sources, &options, &mut out);
    if written.is_ok() && format == Format::Human && !args.quiet {
        let count: usize = plan.files.iter().map(|f| f.count()).sum();
        let line = if advice.is_empty() {
            "cachelint: nothing to annotate: no function has inferred cache operations that \
             no annotation states"
                .to_owned()
        } else {
            format!(
                "cachelint: {} to add to {} in {}; `cargo cachelint annotate --fix` writes them",
                plural(count, "annotation"),
                plural(advice.len(), "function"),
                plural(plan.files.len(), "file"),
            )
        };
        written = writeln!(out, "{line}");
    }
    match written.and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.to_string()),
        _ => {
            std::mem::forget(model);
            Ok(0)
        }
    }
}

/// `annotate --fix`: writes each planned file, says what changed (on stderr, as cargo does),
/// and reminds once per package whose Cargo.toml lacks the `cachelint` dependency.
fn fix_files(plan: &annotate::Plan, root: &std::path::Path, quiet: bool) -> Result<u8, String> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut reminded: Vec<std::path::PathBuf> = Vec::new();
    for file in &plan.files {
        let fixed = file.fixed();
        if fixed == file.text {
            continue;
        }
        std::fs::write(&file.path, fixed)
            .map_err(|e| format!("cannot write `{}`: {e}", file.rel))?;
        if !quiet {
            eprintln!(
                "{:>12} {} ({})",
                "Fixed",
                file.rel,
                plural(file.count(), "annotation")
            );
        }
        if let Some(manifest) = annotate::lacks_dependency(&file.path)
            && !reminded.contains(&manifest)
        {
            let shown = manifest.strip_prefix(&root).unwrap_or(&manifest);
            eprintln!(
                "note: `{}` has no `cachelint` in `[dependencies]`: add the annotations' \
                 crate there, or they will not compile (this command does not edit it)",
                shown.display()
            );
            reminded.push(manifest);
        }
    }
    Ok(0)
}

/// `1 annotation`, `2 annotations`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `1 finding`, `2 findings`.
fn findings(n: usize) -> String {
    if n == 1 {
        "1 finding".to_owned()
    } else {
        format!("{n} findings")
    }
}

/// Prints a rule's documentation. The rule may be spelt as findings print it
/// (`cachelint::stale_dependent`) or with `-` for `_` (`stale-dependent`), as `-A/-W/-D` take it.
fn explain(rule: &str) -> Result<u8, String> {
    match config::rule_named(rule).and_then(rules::lookup) {
        Some(info) => {
            println!(
                "# {}\n\ndefault level: {}\n\n{}",
                info.name,
                level_word(info),
                info.docs.trim_end()
            );
            Ok(0)
        }
        None => {
            let names = rules::REGISTRY.iter().map(|r| r.name);
            let hint = cachelint_core::rules::suggest(&config::canonical(rule), names)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            Err(format!(
                "unknown rule `{rule}`{hint}; `cargo cachelint rules` lists them"
            ))
        }
    }
}

fn level_word(info: &rules::RuleInfo) -> &'static str {
    match info.default_level {
        cachelint_analyzer::Level::Error => "deny",
        cachelint_analyzer::Level::Warning => "warn",
    }
}

fn list_rules() -> Result<u8, String> {
    for info in rules::REGISTRY {
        println!("{:<22} {:<5} {}", info.name, level_word(info), info.summary);
    }
    Ok(0)
}
