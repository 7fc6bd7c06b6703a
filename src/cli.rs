//! Command-line arguments (clap derive structs only).

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Finds stale-cache bugs: read keys that some write path leaves stale.
#[derive(Debug, Parser)]
#[command(name = "cargo cachelint", bin_name = "cargo cachelint", version)]
// A repeated flag overrides the earlier one, as in cargo: rust-analyzer's own
// `--message-format=json` may be followed by one from the user's extra arguments.
#[command(args_conflicts_with_subcommands = true, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

// Built once per process: boxing `check`'s many flags would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze the code and report findings (the default).
    #[command(args_override_self = true)]
    Check(CheckArgs),
    /// Print the mutation → key map, or compare it with a committed one.
    #[command(args_override_self = true)]
    Map(MapArgs),
    /// Print the whole model: functions, keys, events and their edges.
    #[command(args_override_self = true)]
    Graph(GraphArgs),
    /// Suggest the annotations that state what inference found in unannotated code;
    /// `--fix` writes them.
    #[command(args_override_self = true)]
    Annotate(AnnotateArgs),
    /// Print a rule's documentation.
    Explain {
        /// The rule's name, e.g. `uncovered_read`.
        rule: String,
    },
    /// List every rule with its default level.
    Rules,
}

/// What to analyze: PATHs, or the cargo workspace.
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Files or directories to analyze; without them, the cargo workspace.
    pub paths: Vec<PathBuf>,
    /// The workspace's or package's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Only these packages.
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    pub packages: Vec<String>,
    /// Every workspace member, not only the default members.
    #[arg(long, alias = "all")]
    pub workspace: bool,
    /// Leave out these workspace members (with --workspace).
    #[arg(long, value_name = "SPEC")]
    pub exclude: Vec<String>,
    /// Read the configuration from this file instead of cachelint.toml.
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Parse every file instead of only those that can matter (slower; same findings, plus
    /// `parse_error` for files the fast path never reads).
    #[arg(long)]
    pub all_files: bool,
    /// Do not infer cache facts from code in this run, only read annotations (as `[infer]
    /// enabled = false` does in the configuration).
    #[arg(long)]
    pub no_infer: bool,
}

/// `check`'s arguments.
#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Output format [default: human].
    #[arg(long, value_name = "FMT", value_parser = FormatParser)]
    pub message_format: Option<Format>,
    /// Set a rule to allow (`-A RULE`).
    #[arg(short = 'A', long = "allow", value_name = "RULE")]
    pub allow: Vec<String>,
    /// Set a rule to warn (`-W RULE`).
    #[arg(short = 'W', long = "warn", value_name = "RULE")]
    pub warn: Vec<String>,
    /// Set a rule to deny (`-D RULE`; `-D warnings` denies every warning).
    #[arg(short = 'D', long = "deny", value_name = "RULE")]
    pub deny: Vec<String>,
    /// Hide the findings this baseline records; report only new ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings' fingerprints in FILE.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// When to use colors.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print nothing but findings.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also say which calls could not be resolved, and why.
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub cargo: CargoCompat,
}

/// Flags cargo and rust-analyzer pass to a check command (rust-analyzer adds `--bin`,
/// `--example`, `--test` or `--bench NAME` when it checks one target); accepted, and
/// meaningless here (every target's sources are analyzed), except the feature flags, which
/// choose the `cfg` the semantic engine analyzes.
#[derive(Debug, Clone, Default, Args)]
pub struct CargoCompat {
    #[arg(long, hide = true)]
    pub keep_going: bool,
    #[arg(long, hide = true)]
    pub all_targets: bool,
    #[arg(long, hide = true)]
    pub lib: bool,
    #[arg(long, hide = true)]
    pub bins: bool,
    #[arg(long, hide = true)]
    pub tests: bool,
    #[arg(long, hide = true)]
    pub examples: bool,
    #[arg(long, hide = true)]
    pub benches: bool,
    #[arg(long, hide = true, value_name = "NAME")]
    pub bin: Vec<String>,
    #[arg(long, hide = true, value_name = "NAME")]
    pub test: Vec<String>,
    #[arg(long, hide = true, value_name = "NAME")]
    pub example: Vec<String>,
    #[arg(long, hide = true, value_name = "NAME")]
    pub bench: Vec<String>,
    #[arg(long, hide = true, value_name = "TRIPLE")]
    pub target: Vec<String>,
    /// Features to activate, as cargo takes them (comma- or space-separated): the semantic
    /// engine analyzes the code compiled with them (`#[cfg(feature = ..)]`).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Activate every feature of the analyzed packages.
    #[arg(long)]
    pub all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,
    #[arg(long, hide = true, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
    #[arg(long, hide = true)]
    pub locked: bool,
    #[arg(long, hide = true)]
    pub offline: bool,
    #[arg(long, hide = true)]
    pub frozen: bool,
    #[arg(long, hide = true)]
    pub release: bool,
    #[arg(long, hide = true, value_name = "NAME")]
    pub profile: Option<String>,
    #[arg(short = 'j', long, hide = true, value_name = "N")]
    pub jobs: Option<String>,
    /// Unstable cargo flags (`-Zscript`).
    #[arg(short = 'Z', hide = true, value_name = "FLAG")]
    pub unstable: Vec<String>,
}

/// `map`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Compare with this committed map; exit 1 and print the difference when they differ.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// Write the map to this file (atomically) instead of printing it.
    #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "check")]
    pub output: Option<PathBuf>,
}

/// `annotate`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct AnnotateArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Write the annotations (and the `use` they need) into the source files.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: fix even when the working tree has uncommitted changes.
    #[arg(long, requires = "fix")]
    pub allow_dirty: bool,
    /// Output format: human, short or json (cargo's `json-…` spellings too) [default: human].
    #[arg(long, value_name = "FMT", value_parser = FormatParser)]
    pub message_format: Option<Format>,
    /// When to use colors.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print nothing but the suggestions (and what --fix changed).
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub cargo: CargoCompat,
}

/// `graph`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

/// A `graph` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart, for markdown files.
    Mermaid,
    /// Nodes and edges as JSON.
    Json,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// `--message-format`'s parser: [`parse_format`], with the formats listed as clap's possible
/// values so that `--help` shows them.
#[derive(Debug, Clone, Copy)]
struct FormatParser;

impl clap::builder::TypedValueParser for FormatParser {
    type Value = Format;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Format, clap::Error> {
        clap::builder::TypedValueParser::parse_ref(&parse_format, cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            Format::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// `--message-format` as cargo takes it: one of our formats, or cargo's JSON spellings, comma
/// separated (`json,json-diagnostic-rendered-ansi`, what rust-analyzer passes for VS Code).
/// `json-diagnostic-rendered-ansi` puts ANSI colors in `rendered`, `json-diagnostic-short`
/// rustc's short form; `json-render-diagnostics` (cargo prints the diagnostics itself) is
/// accepted as plain `json`. Like cargo, a `json-*` value may not be combined with a non-JSON
/// format.
fn parse_format(value: &str) -> Result<Format, String> {
    let expected = "expected one of human, short, json, sarif, github, gitlab, rdjsonl, \
                    json-diagnostic-short, json-diagnostic-rendered-ansi, json-render-diagnostics";
    let mut format: Option<Format> = None;
    let mut json_style: Option<Format> = None;
    for part in value.split(',').map(str::trim) {
        let (base, style) = match part.to_ascii_lowercase().as_str() {
            "json" | "json-render-diagnostics" => (Format::Json, None),
            "json-diagnostic-rendered-ansi" => {
                (Format::Json, Some(Format::JsonDiagnosticRenderedAnsi))
            }
            "json-diagnostic-short" => (Format::Json, Some(Format::JsonDiagnosticShort)),
            other => match Format::from_str(other, true) {
                Ok(format) if !format.is_json() => (format, None),
                _ => return Err(format!("unknown format `{part}`; {expected}")),
            },
        };
        match format {
            Some(seen) if seen != base => {
                return Err(format!(
                    "cannot combine `{part}` with another kind of format in `{value}`"
                ));
            }
            _ => format = Some(base),
        }
        if let Some(style) = style {
            if json_style.is_some_and(|seen| seen != style) {
                return Err(format!(
                    "`json-diagnostic-short` and `json-diagnostic-rendered-ansi` conflict in \
                     `{value}`"
                ));
            }
            json_style = Some(style);
        }
    }
    Ok(json_style.or(format).unwrap_or(Format::Human))
}
