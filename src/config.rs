//! The configuration: `cachelint.toml` or Cargo.toml metadata → a validated [`Config`], once.
//!
//! The raw form is toml's spanned document tree ([`DeTable`]) rather than a serde struct, so
//! that every error (unknown key, wrong type, bad value) names its file, line and column and
//! every unknown name gets a did-you-mean. Nothing downstream sees unvalidated input.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use cachelint_core::rules::{RULE_NAMES, suggest};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::finding::Level;

/// The configuration file looked for at the workspace root.
pub const FILE_NAME: &str = "cachelint.toml";

const KEYS: &[&str] = &["separator", "max_staleness", "exclude", "lints", "infer"];
/// The keys of `[infer]`.
const INFER_KEYS: &[&str] = &["enabled", "sql_dialect", "wrappers"];
/// `<`, `>` delimit placeholders (`team:<id>`) and `*` is the wildcard segment.
const RESERVED_SEPARATORS: [char; 3] = ['<', '>', '*'];
/// The pseudo-rule that `-A/-W/-D warnings` act on, as in rustc.
const WARNINGS: &str = "warnings";

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintLevel {
    Allow,
    Warn,
    Deny,
}

impl LintLevel {
    /// `allow`, `warn` or `deny`, as written in `[lints]`.
    pub fn as_str(self) -> &'static str {
        match self {
            LintLevel::Allow => "allow",
            LintLevel::Warn => "warn",
            LintLevel::Deny => "deny",
        }
    }

    /// The command-line flag that sets this level: `-A`, `-W` or `-D`.
    pub fn flag(self) -> &'static str {
        match self {
            LintLevel::Allow => "-A",
            LintLevel::Warn => "-W",
            LintLevel::Deny => "-D",
        }
    }

    /// The level findings are reported at; `None` for `allow` (no findings at all).
    pub fn finding_level(self) -> Option<Level> {
        match self {
            LintLevel::Allow => None,
            LintLevel::Warn => Some(Level::Warning),
            LintLevel::Deny => Some(Level::Error),
        }
    }
}

impl From<Level> for LintLevel {
    fn from(level: Level) -> Self {
        match level {
            Level::Warning => LintLevel::Warn,
            Level::Error => LintLevel::Deny,
        }
    }
}

impl FromStr for LintLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "allow" => Ok(LintLevel::Allow),
            "warn" => Ok(LintLevel::Warn),
            "deny" => Ok(LintLevel::Deny),
            _ => Err(format!(
                "invalid level `{text}`: expected `allow`, `warn` or `deny`"
            )),
        }
    }
}

impl fmt::Display for LintLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SQL dialect inference reads query strings in (`[infer] sql_dialect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum SqlDialect {
    /// `postgres`, the default.
    #[default]
    Postgres,
    /// `mysql`.
    Mysql,
    /// `sqlite`.
    Sqlite,
    /// `generic`: SQL that no one database's dialect describes.
    Generic,
}

impl SqlDialect {
    /// Every dialect, in the order the documentation lists them.
    pub const ALL: [SqlDialect; 4] = [
        SqlDialect::Postgres,
        SqlDialect::Mysql,
        SqlDialect::Sqlite,
        SqlDialect::Generic,
    ];

    /// The dialect's name as written in `sql_dialect`: `postgres`, `mysql`, `sqlite` or
    /// `generic`.
    pub fn as_str(self) -> &'static str {
        match self {
            SqlDialect::Postgres => "postgres",
            SqlDialect::Mysql => "mysql",
            SqlDialect::Sqlite => "sqlite",
            SqlDialect::Generic => "generic",
        }
    }
}

impl FromStr for SqlDialect {
    type Err = String;

    /// The dialect named exactly `text` (lowercase); else the one-line reason, with a
    /// did-you-mean.
    fn from_str(text: &str) -> Result<Self, String> {
        let names = SqlDialect::ALL.map(SqlDialect::as_str);
        (SqlDialect::ALL.into_iter())
            .find(|dialect| dialect.as_str() == text)
            .ok_or_else(|| unknown_value("SQL dialect", text, &names))
    }
}

impl fmt::Display for SqlDialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a wrapper method does with the cache key in its first argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WrapperOp {
    /// `read`: serves what is cached under the key.
    Read,
    /// `write`: stores a value under the key.
    Write,
    /// `invalidate`: deletes the key, or marks it stale.
    Invalidate,
}

impl WrapperOp {
    /// Every operation, in the order the documentation lists them.
    pub const ALL: [WrapperOp; 3] = [WrapperOp::Read, WrapperOp::Write, WrapperOp::Invalidate];

    /// The operation as written in `[infer.wrappers]`: `read`, `write` or `invalidate`.
    pub fn as_str(self) -> &'static str {
        match self {
            WrapperOp::Read => "read",
            WrapperOp::Write => "write",
            WrapperOp::Invalidate => "invalidate",
        }
    }
}

impl FromStr for WrapperOp {
    type Err = String;

    /// The operation named exactly `text`; else the one-line reason, with a did-you-mean.
    fn from_str(text: &str) -> Result<Self, String> {
        let names = WrapperOp::ALL.map(WrapperOp::as_str);
        (WrapperOp::ALL.into_iter())
            .find(|op| op.as_str() == text)
            .ok_or_else(|| unknown_value("wrapper operation", text, &names))
    }
}

impl fmt::Display for WrapperOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of `[infer.wrappers]`: an in-house cache method that inference cannot see
/// through, and what it does with the key in its first argument. It matches the calls of
/// `method` whose receiver has the type `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    /// The receiver type's path, one identifier per segment, without `r#`: `["crate",
    /// "cache", "Cache"]` for `crate::cache::Cache::delete`; never empty. A first segment
    /// `crate` means the workspace member that holds the file (resolving it is inference's
    /// part).
    pub path: Vec<String>,
    /// The method's name, without `r#`: `delete`.
    pub method: String,
    /// What a call does with its first argument, the key.
    pub op: WrapperOp,
    /// Where the entry's key is written, in the file of the [`Config::source`] it came from.
    pub at: Position,
}

impl fmt::Display for Wrapper {
    /// The path as written in the configuration: `crate::cache::Cache::delete`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.path {
            write!(f, "{segment}::")?;
        }
        f.write_str(&self.method)
    }
}

/// `[infer]`: whether and how cache facts are inferred from code. The workspace's: every
/// member's [`Config`] carries the root's (a member may only repeat it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Infer {
    /// `enabled`; default `true`. `--no-infer` turns inference off for one run whatever it
    /// says (see `analyze::Options::infer_enabled`).
    pub enabled: bool,
    /// `sql_dialect`; default `postgres`.
    pub sql_dialect: SqlDialect,
    /// `[infer.wrappers]`, in the order they are written; default none.
    pub wrappers: Vec<Wrapper>,
}

impl Default for Infer {
    fn default() -> Self {
        Infer {
            enabled: true,
            sql_dialect: SqlDialect::default(),
            wrappers: Vec::new(),
        }
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Separates key segments; default `:`.
    pub separator: char,
    /// `ttl_only_read` is silent for a ttl at most this long; default 0s.
    pub max_staleness: Duration,
    /// Glob patterns relative to the root, as written; see [`Config::is_excluded`].
    pub exclude: Vec<String>,
    /// `[lints]`, keyed by the rule's canonical name.
    pub lints: BTreeMap<String, LintLevel>,
    /// `[infer]`: the workspace's, in a member's configuration too (see [`Config::over`]).
    pub infer: Infer,
    /// The file the configuration came from; `None` for the defaults.
    pub source: Option<PathBuf>,
    /// `exclude`, compiled once by [`parse`].
    globs: GlobSet,
    /// The top-level keys the file sets and the `[infer]` keys (`infer.enabled`,
    /// `infer.sql_dialect`, `infer.wrappers`), with where their values are.
    declared: BTreeMap<&'static str, Position>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            separator: ':',
            max_staleness: Duration::ZERO,
            exclude: Vec::new(),
            lints: BTreeMap::new(),
            infer: Infer::default(),
            source: None,
            globs: GlobSet::empty(),
            declared: BTreeMap::new(),
        }
    }
}

impl Config {
    /// This configuration (a workspace member's) on top of the workspace root's, `root`: its
    /// `max_staleness` and `[lints]` entries win, the root's apply to what it leaves out. Its
    /// `exclude` stays its own (relative to its own directory; [`Layers`] applies the root's
    /// too). `separator` and `[infer]` are the workspace's: keys are shared by every member
    /// and inference sees the whole workspace, so a member that sets another `separator`, or
    /// an `[infer]` key to another value than the root's, is an error (pointing at it).
    pub fn over(self, root: &Config) -> Result<Config, ConfigError> {
        let root_file = (root.source.as_ref()).map_or_else(
            || "the default".to_owned(),
            |p| format!("`{}`", p.display()),
        );
        let differs = |at: Position, message: String| ConfigError::Invalid {
            path: self.source.clone().unwrap_or_else(|| FILE_NAME.into()),
            at: Some(at),
            message,
        };
        if let Some(at) = self.declared.get("separator")
            && self.separator != root.separator
        {
            return Err(differs(
                *at,
                format!(
                    "`separator` `{}` differs from the workspace's `{}` ({root_file}): keys are \
                     shared by the whole workspace, set it once at its root",
                    self.separator, root.separator
                ),
            ));
        }
        if let Some((at, what)) = self.infer_difference(root) {
            return Err(differs(
                at,
                format!(
                    "{what} ({root_file}): `[infer]` applies to the whole workspace, set it \
                     once at its root"
                ),
            ));
        }
        let mut lints = root.lints.clone();
        lints.extend(self.lints.clone());
        let max_staleness = if self.declared.contains_key("max_staleness") {
            self.max_staleness
        } else {
            root.max_staleness
        };
        Ok(Config {
            separator: root.separator,
            max_staleness,
            lints,
            infer: root.infer.clone(),
            ..self
        })
    }

    /// The first `[infer]` setting this (member's) configuration writes that the root's does
    /// not share, in the text's order: where it is and what differs (without the root's file).
    /// Keys the member leaves out take the root's values and differ from nothing;
    /// `[infer.wrappers]`, when written, must list the root's wrappers, in any order.
    fn infer_difference(&self, root: &Config) -> Option<(Position, String)> {
        let (mine, theirs) = (&self.infer, &root.infer);
        let mut found: Vec<(Position, String)> = Vec::new();
        if let Some(at) = self.declared.get("infer.enabled")
            && mine.enabled != theirs.enabled
        {
            let what = format!(
                "`infer.enabled` `{}` differs from the workspace's `{}`",
                mine.enabled, theirs.enabled
            );
            found.push((*at, what));
        }
        if let Some(at) = self.declared.get("infer.sql_dialect")
            && mine.sql_dialect != theirs.sql_dialect
        {
            let what = format!(
                "`infer.sql_dialect` `{}` differs from the workspace's `{}`",
                mine.sql_dialect, theirs.sql_dialect
            );
            found.push((*at, what));
        }
        if let Some(at) = self.declared.get("infer.wrappers") {
            let same_target = |a: &Wrapper, b: &Wrapper| a.path == b.path && a.method == b.method;
            let odd = mine.wrappers.iter().find_map(|wrapper| {
                let what = match theirs.wrappers.iter().find(|w| same_target(w, wrapper)) {
                    Some(their) if their.op == wrapper.op => return None,
                    Some(their) => format!(
                        "wrapper `{wrapper}` = `{}` differs from the workspace's `{}`",
                        wrapper.op, their.op
                    ),
                    None => {
                        format!("wrapper `{wrapper}` is not in the workspace's `[infer.wrappers]`")
                    }
                };
                Some((wrapper.at, what))
            });
            found.extend(odd);
            if let Some(missing) = (theirs.wrappers.iter())
                .find(|their| !mine.wrappers.iter().any(|w| same_target(w, their)))
            {
                let what = format!("`infer.wrappers` lacks the workspace's wrapper `{missing}`");
                found.push((*at, what));
            }
        }
        found.into_iter().min_by_key(|(at, _)| (at.line, at.column))
    }

    /// Whether a path relative to the root (`/`-separated) is excluded by `exclude`.
    ///
    /// Patterns are anchored at the root and matched against the whole path: `*` and `?` stay
    /// within one segment, `**` crosses segments. A pattern that matches a path also excludes
    /// everything below it, so `generated` (like `generated/**`) excludes the directory and
    /// every file in it, but not `src/generated` (write `**/generated` for that). A leading
    /// `./` or `/` and a trailing `/` in a pattern are ignored.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        let path = rel_path.trim_start_matches("./").trim_start_matches('/');
        self.globs.is_match(path)
    }
}

/// The configurations of a run, each applying to the files below its directory: the
/// workspace root's first, then each member's own (`cachelint.toml` or
/// `[package.metadata.cachelint]` in its directory), already laid over the root's.
#[derive(Debug, Clone)]
pub struct Layers {
    /// Relative paths are relative to this (the current directory).
    cwd: PathBuf,
    layers: Vec<Layer>,
}

/// One directory's configuration.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The directory it applies to (absolute, without `.`/`..`); its `exclude` globs are
    /// relative to it.
    pub dir: PathBuf,
    pub config: Config,
}

impl Layers {
    /// The root's configuration, applying to `dir` and below.
    pub fn new(cwd: &Path, dir: &Path, config: Config) -> Layers {
        Layers {
            cwd: cwd.to_path_buf(),
            layers: vec![Layer {
                dir: absolute(cwd, dir),
                config,
            }],
        }
    }

    /// Adds the configuration of a workspace member in `dir`, if it has one of its own
    /// (`cachelint.toml`, else `[package.metadata.cachelint]`): laid over the root's, it
    /// applies to the member's files. An invalid one is an error, as the root's is.
    pub fn add_member(&mut self, dir: &Path) -> Result<(), ConfigError> {
        let dir = absolute(&self.cwd, dir);
        if self.layers.iter().any(|l| l.dir == dir) {
            return Ok(());
        }
        let own = load(&dir, None)?;
        if own.source.is_none() {
            return Ok(());
        }
        let config = own.over(self.root())?;
        self.layers.push(Layer { dir, config });
        Ok(())
    }

    /// The workspace root's configuration.
    pub fn root(&self) -> &Config {
        &self.layers[0].config
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Whether `path` is excluded by the `exclude` of any configuration whose directory holds
    /// it, each pattern matched against the path relative to that directory.
    pub fn is_excluded(&self, path: &Path) -> bool {
        let path = absolute(&self.cwd, path);
        self.layers.iter().any(|layer| {
            path.strip_prefix(&layer.dir).is_ok_and(|rel| {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                !rel.is_empty() && layer.config.is_excluded(&rel.join("/"))
            })
        })
    }

    /// The index of the layer whose configuration applies to `path` (the one with the
    /// deepest directory holding it; the root's when none does).
    pub fn layer_of(&self, path: &Path) -> usize {
        let path = absolute(&self.cwd, path);
        (self.layers.iter().enumerate())
            .filter(|(_, layer)| path.starts_with(&layer.dir))
            .max_by_key(|(_, layer)| layer.dir.components().count())
            .map_or(0, |(index, _)| index)
    }
}

/// `path` made absolute against `cwd`, `.` and `..` resolved by their text (symbolic links are
/// not followed: the paths compared come from the same walk).
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A 1-based line and column (in characters) in a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Why the configuration could not be loaded; `Display` is one line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists (or was named explicitly) but could not be read.
    #[error("{}: cannot read: {error}", .path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file is not valid TOML or not a valid configuration.
    #[error("{}{}: {message}", .path.display(), located(.at))]
    Invalid {
        path: PathBuf,
        at: Option<Position>,
        message: String,
    },
    /// `-A/-W/-D NAME` names no rule.
    #[error("{flag} {name}: unknown rule{}", hint(.suggestion))]
    UnknownRule {
        flag: &'static str,
        name: String,
        suggestion: Option<&'static str>,
    },
}

/// `:line:col`, or nothing when the position is unknown.
fn located(position: &Option<Position>) -> String {
    position.map_or_else(String::new, |at| format!(":{}:{}", at.line, at.column))
}

/// ` (did you mean `x`?)`, or where to find the rules.
fn hint(suggestion: &Option<&str>) -> String {
    match suggestion {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => " (`cargo cachelint rules` lists them)".to_string(),
    }
}

/// Finds and loads the configuration.
///
/// In order: `explicit` (from `--config-file`; it must exist, and a file named `Cargo.toml`
/// is read for its metadata), else `ROOT/cachelint.toml`, else `[workspace.metadata.cachelint]`
/// or `[package.metadata.cachelint]` in `ROOT/Cargo.toml` (workspace first), else defaults.
/// The first source found is used whole: a `cachelint.toml` hides any Cargo.toml metadata.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
    if let Some(path) = explicit {
        let bytes = std::fs::read(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        let text = utf8(path, bytes)?;
        if path.file_name() == Some("Cargo.toml".as_ref()) {
            return Ok(from_manifest(&text, path)?.unwrap_or_else(|| sourced(path)));
        }
        return parse(&text, path);
    }
    let path = in_root(root, FILE_NAME);
    if let Some(text) = read(&path)? {
        return parse(&text, &path);
    }
    let manifest = in_root(root, "Cargo.toml");
    match read(&manifest)? {
        Some(text) => Ok(from_manifest(&text, &manifest)?.unwrap_or_default()),
        None => Ok(Config::default()),
    }
}

/// Parses configuration text (the contents of a `cachelint.toml`); `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let source = Source { text, path };
    let document = source.document()?;
    validate(document.get_ref(), &source)
}

/// Final level of each rule, by rule name.
///
/// Starts from the registry's defaults, applies `[lints]`, then the command-line flags in
/// order, a later flag for a rule overriding an earlier one. `warnings` is rustc's pseudo-lint:
/// the last `-A/-W/-D warnings` sets the level of every rule that ends up at `warn`, whatever
/// the order (so `-D warnings -W rule` denies `rule`, as rustc does, while `-A rule` still
/// allows it). Rule names may use `-` for `_` and a `cachelint::` prefix.
///
/// `defaults` is every rule's name and default level (the rule registry's).
pub fn resolve_levels(
    config: &Config,
    cli: &[(LintLevel, String)],
    defaults: impl IntoIterator<Item = (&'static str, Level)>,
) -> Result<BTreeMap<&'static str, LintLevel>, ConfigError> {
    let mut levels: BTreeMap<&'static str, LintLevel> = defaults
        .into_iter()
        .map(|(name, level)| (name, level.into()))
        .collect();
    for (name, level) in &config.lints {
        let rule = rule_named(name).ok_or_else(|| ConfigError::Invalid {
            path: config.source.clone().unwrap_or_else(|| FILE_NAME.into()),
            at: None,
            message: unknown("rule", name, RULE_NAMES),
        })?;
        levels.insert(rule, *level);
    }
    let mut warnings = LintLevel::Warn;
    for (level, name) in cli {
        if canonical(name) == WARNINGS {
            warnings = *level;
            continue;
        }
        let rule = rule_named(name).ok_or_else(|| ConfigError::UnknownRule {
            flag: level.flag(),
            name: name.clone(),
            suggestion: suggest(
                &canonical(name),
                RULE_NAMES.iter().copied().chain([WARNINGS]),
            ),
        })?;
        levels.insert(rule, *level);
    }
    for level in levels
        .values_mut()
        .filter(|level| **level == LintLevel::Warn)
    {
        *level = warnings;
    }
    Ok(levels)
}

/// The text being validated and its path, to turn byte spans into located errors.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl<'a> Source<'a> {
    fn document(&self) -> Result<Spanned<DeTable<'a>>, ConfigError> {
        DeTable::parse(self.text).map_err(|error| {
            let lines = error.message().lines().map(str::trim);
            let mut message = lines
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            let span = error.span().unwrap_or_default();
            if let (true, Some(key)) = (message == "duplicate key", self.text.get(span.clone())) {
                message = format!("duplicate key `{key}`");
            }
            ConfigError::Invalid {
                path: self.path.to_path_buf(),
                at: error.span().map(|span| position(self.text, span.start)),
                message,
            }
        })
    }

    fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            at: Some(position(self.text, span.start)),
            message: message.into(),
        }
    }

    fn str<'v>(&self, value: &'v Spanned<DeValue<'_>>, key: &str) -> Result<&'v str, ConfigError> {
        match value.get_ref() {
            DeValue::String(text) => Ok(text),
            _ => Err(self.mismatch(value, key, "a string")),
        }
    }

    fn mismatch(&self, value: &Spanned<DeValue<'_>>, key: &str, expected: &str) -> ConfigError {
        let found = value.get_ref().type_str();
        let article = if found.starts_with(['a', 'i']) {
            "an"
        } else {
            "a"
        };
        let message = format!("`{key}` must be {expected}, found {article} {found}");
        self.error(value.span(), message)
    }
}

fn validate(table: &DeTable<'_>, source: &Source<'_>) -> Result<Config, ConfigError> {
    let mut config = sourced(source.path);
    for (key, value) in in_source_order(table) {
        if let Some(known) = KEYS.iter().find(|k| **k == key.get_ref().as_ref()) {
            let at = position(source.text, value.span().start);
            config.declared.insert(known, at);
        }
        match key.get_ref().as_ref() {
            "separator" => config.separator = separator(value, source)?,
            "max_staleness" => {
                let text = source.str(value, "max_staleness")?;
                config.max_staleness = cachelint_core::parse_duration(text).map_err(|error| {
                    source.error(
                        value.span(),
                        format!("invalid `max_staleness` `{text}`: {error}"),
                    )
                })?;
            }
            "exclude" => (config.exclude, config.globs) = exclude(value, source)?,
            "lints" => config.lints = lints(value, source)?,
            "infer" => config.infer = infer(value, source, &mut config.declared)?,
            other => return Err(source.error(key.span(), unknown("key", other, KEYS))),
        }
    }
    Ok(config)
}

/// `[infer]`, validated; records where its keys are in `declared` (as `infer.KEY`).
fn infer(
    value: &Spanned<DeValue<'_>>,
    source: &Source<'_>,
    declared: &mut BTreeMap<&'static str, Position>,
) -> Result<Infer, ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(source.mismatch(value, "infer", "a table"));
    };
    let mut infer = Infer::default();
    for (key, value) in in_source_order(table) {
        let name = key.get_ref().as_ref();
        let Some(known) = INFER_KEYS.iter().find(|k| **k == name) else {
            return Err(source.error(key.span(), unknown("`[infer]` key", name, INFER_KEYS)));
        };
        let declared_as = match *known {
            "enabled" => {
                let DeValue::Boolean(enabled) = value.get_ref() else {
                    return Err(source.mismatch(value, "infer.enabled", "a boolean"));
                };
                infer.enabled = *enabled;
                "infer.enabled"
            }
            "sql_dialect" => {
                let text = source.str(value, "infer.sql_dialect")?;
                infer.sql_dialect = text
                    .parse()
                    .map_err(|message: String| source.error(value.span(), message))?;
                "infer.sql_dialect"
            }
            _ => {
                infer.wrappers = wrappers(value, source)?;
                "infer.wrappers"
            }
        };
        declared.insert(declared_as, position(source.text, value.span().start));
    }
    Ok(infer)
}

/// `[infer.wrappers]`: `"Type::method" = "read" | "write" | "invalidate"` entries.
fn wrappers(
    value: &Spanned<DeValue<'_>>,
    source: &Source<'_>,
) -> Result<Vec<Wrapper>, ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(source.mismatch(value, "infer.wrappers", "a table"));
    };
    let mut wrappers = Vec::with_capacity(table.len());
    for (key, op) in in_source_order(table) {
        let name = key.get_ref().as_ref();
        let (path, method) = wrapper_path(name).map_err(|why| {
            let message = format!(
                "invalid wrapper `{name}`: {why}expected a type and a method, `Type::method` \
                 (like `crate::cache::Cache::delete`)"
            );
            source.error(key.span(), message)
        })?;
        let text = source.str(op, &format!("infer.wrappers.{name:?}"))?;
        let op = (text.parse()).map_err(|message: String| source.error(op.span(), message))?;
        let at = position(source.text, key.span().start);
        // TOML rejects a repeated key, but not another spelling of it (`r#`).
        if let Some(first) =
            (wrappers.iter()).find(|w: &&Wrapper| w.path == path && w.method == method)
        {
            let message = format!(
                "wrapper `{name}` is `{first}` again (line {}): list each method once",
                first.at.line
            );
            return Err(source.error(key.span(), message));
        }
        wrappers.push(Wrapper {
            path,
            method,
            op,
            at,
        });
    }
    Ok(wrappers)
}

/// A wrapper's `::`-separated path split into the type's segments and the method, each an
/// identifier (`r#` dropped); at least two in all. `Err` is why not, ending in `; ` (empty
/// when there are too few segments).
fn wrapper_path(name: &str) -> Result<(Vec<String>, String), String> {
    let mut segments = Vec::new();
    for segment in name.split("::") {
        if segment.is_empty() {
            return Err("a segment is empty; ".to_string());
        }
        let ident = segment.strip_prefix("r#").unwrap_or(segment);
        let mut chars = ident.chars();
        let starts = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic());
        if !starts || ident == "_" || !chars.all(|c| c == '_' || c.is_alphanumeric()) {
            return Err(format!("`{segment}` is not an identifier; "));
        }
        segments.push(ident.to_string());
    }
    match segments.pop() {
        Some(method) if !segments.is_empty() => Ok((segments, method)),
        _ => Err(String::new()),
    }
}

fn separator(value: &Spanned<DeValue<'_>>, source: &Source<'_>) -> Result<char, ConfigError> {
    let text = source.str(value, "separator")?;
    let mut chars = text.chars();
    let message = match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_whitespace() => "`separator` must not be whitespace".to_string(),
        (Some(c), None) if RESERVED_SEPARATORS.contains(&c) => {
            format!("`separator` must not be `{c}`: `<`, `>` and `*` have a meaning in keys")
        }
        (Some(c), None) => return Ok(c),
        _ => format!("`separator` must be exactly one character, found {text:?}"),
    };
    Err(source.error(value.span(), message))
}

fn exclude(
    value: &Spanned<DeValue<'_>>,
    source: &Source<'_>,
) -> Result<(Vec<String>, GlobSet), ConfigError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(source.mismatch(value, "exclude", "an array of globs"));
    };
    let mut patterns = Vec::with_capacity(items.len());
    let mut globs = GlobSetBuilder::new();
    for item in items.iter() {
        let pattern = source.str(item, "exclude")?;
        let anchored = pattern
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        if anchored.is_empty() || anchored == "." {
            return Err(source.error(item.span(), format!("empty glob `{pattern}` in `exclude`")));
        }
        // The pattern itself, and everything below what it matches.
        for glob in [anchored.to_string(), format!("{anchored}/**")] {
            let glob = GlobBuilder::new(&glob)
                .literal_separator(true)
                .build()
                .map_err(|error| {
                    source.error(
                        item.span(),
                        format!("invalid glob `{pattern}` in `exclude`: {}", error.kind()),
                    )
                })?;
            globs.add(glob);
        }
        patterns.push(pattern.to_string());
    }
    let globs = globs.build().map_err(|error| {
        source.error(value.span(), format!("invalid `exclude`: {}", error.kind()))
    })?;
    Ok((patterns, globs))
}

fn lints(
    value: &Spanned<DeValue<'_>>,
    source: &Source<'_>,
) -> Result<BTreeMap<String, LintLevel>, ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(source.mismatch(value, "lints", "a table"));
    };
    let mut lints = BTreeMap::new();
    for (key, level) in in_source_order(table) {
        let Some(rule) = rule_named(key.get_ref()) else {
            return Err(source.error(key.span(), unknown("rule", key.get_ref(), RULE_NAMES)));
        };
        let what = format!("lints.{}", key.get_ref());
        let text = source.str(level, &what)?;
        let level = text.parse().map_err(|_| {
            let message = format!("`{what}` must be `allow`, `warn` or `deny`, found `{text}`");
            source.error(level.span(), message)
        })?;
        lints.insert(rule.to_string(), level);
    }
    Ok(lints)
}

/// The `[workspace.metadata.cachelint]` or `[package.metadata.cachelint]` table of a manifest.
fn from_manifest(text: &str, path: &Path) -> Result<Option<Config>, ConfigError> {
    let source = Source { text, path };
    let document = source.document()?;
    for section in ["workspace", "package"] {
        let value = (document.get_ref().get(section))
            .and_then(|value| value.get_ref().as_table()?.get("metadata"))
            .and_then(|value| value.get_ref().as_table()?.get("cachelint"));
        if let Some(value) = value {
            let DeValue::Table(table) = value.get_ref() else {
                let key = format!("{section}.metadata.cachelint");
                return Err(source.mismatch(value, &key, "a table"));
            };
            return validate(table, &source).map(Some);
        }
    }
    Ok(None)
}

/// The table's entries in the order they appear in the text, so the first error is reported.
fn in_source_order<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// `unknown KIND `name` (did you mean `x`?)`, or what is known: where to find the rules for
/// a rule, else the list.
fn unknown(kind: &str, name: &str, known: &[&'static str]) -> String {
    match suggest(&canonical(name), known.iter().copied()) {
        Some(near) => format!("unknown {kind} `{name}` (did you mean `{near}`?)"),
        None if kind == "rule" => {
            format!("unknown {kind} `{name}` (`cargo cachelint rules` lists them)")
        }
        None => {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "unknown {kind} `{name}` (expected one of {})",
                list.join(", ")
            )
        }
    }
}

/// [`unknown`] for a value that must be one of a few lowercase words: the did-you-mean also
/// catches another case (`MySQL`).
fn unknown_value(kind: &str, text: &str, known: &[&'static str]) -> String {
    match suggest(&text.to_lowercase(), known.iter().copied()) {
        Some(near) => format!("unknown {kind} `{text}` (did you mean `{near}`?)"),
        None => unknown(kind, text, known),
    }
}

/// A rule name as rustc would accept it: `-` for `_`, and an optional `cachelint::` prefix.
pub fn canonical(name: &str) -> String {
    name.strip_prefix("cachelint::")
        .unwrap_or(name)
        .replace('-', "_")
}

/// The rule `name` spells (`-` for `_`, a `cachelint::` prefix), from the list of rule names
/// the macros and the analyzer share.
pub fn rule_named(name: &str) -> Option<&'static str> {
    let name = canonical(name);
    RULE_NAMES.iter().copied().find(|known| *known == name)
}

/// The defaults, marked as coming from `path`.
fn sourced(path: &Path) -> Config {
    Config {
        source: Some(path.to_path_buf()),
        ..Config::default()
    }
}

/// `root/name`, without a `./` prefix when the root is the current directory.
fn in_root(root: &Path, name: &str) -> PathBuf {
    if root.as_os_str().is_empty() || root == Path::new(".") {
        PathBuf::from(name)
    } else {
        root.join(name)
    }
}

/// The file's text, `None` if it does not exist.
fn read(path: &Path) -> Result<Option<String>, ConfigError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                error,
            });
        }
    };
    utf8(path, bytes).map(Some)
}

/// The text of a configuration file, or where it stops being UTF-8.
fn utf8(path: &Path, bytes: Vec<u8>) -> Result<String, ConfigError> {
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&error.as_bytes()[..valid]);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            at: Some(position(&before, valid)),
            message: "not valid UTF-8".to_string(),
        }
    })
}

/// The 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before.get(line_start..).unwrap_or_default().chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        match parse(text, Path::new("cachelint.toml")) {
            Ok(config) => panic!("expected an error, got {config:?}"),
            Err(error) => error.to_string(),
        }
    }

    fn cli(flags: &[(LintLevel, &str)]) -> Vec<(LintLevel, String)> {
        flags
            .iter()
            .map(|(level, name)| (*level, name.to_string()))
            .collect()
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("write fixture");
    }

    #[test]
    fn defaults() {
        let config = Config::default();
        assert_eq!(config.separator, ':');
        assert_eq!(config.max_staleness, Duration::ZERO);
        assert!(config.exclude.is_empty() && config.lints.is_empty());
        assert_eq!(config.source, None);
        assert!(!config.is_excluded("src/lib.rs"));
        let empty = parse("", Path::new("cachelint.toml")).expect("empty file is valid");
        assert_eq!(empty.separator, ':');
        assert_eq!(empty.source.as_deref(), Some(Path::new("cachelint.toml")));
    }

    #[test]
    fn full_valid_file() {
        let text = r#"
separator = "/"
max_staleness = "5m"
exclude = ["benches/**", "generated"]

[lints]
dead_invalidation = "deny"
uncovered-read = "allow"
ttl_only_read = "warn"
"#;
        let config = parse(text, Path::new("cachelint.toml")).expect("valid");
        assert_eq!(config.separator, '/');
        assert_eq!(config.max_staleness, Duration::from_secs(300));
        assert_eq!(config.exclude, ["benches/**", "generated"]);
        let lints: Vec<(&str, LintLevel)> = config
            .lints
            .iter()
            .map(|(name, level)| (name.as_str(), *level))
            .collect();
        assert_eq!(
            lints,
            [
                ("dead_invalidation", LintLevel::Deny),
                ("ttl_only_read", LintLevel::Warn),
                ("uncovered_read", LintLevel::Allow),
            ]
        );
    }

    #[test]
    fn unknown_keys_suggest_the_nearest() {
        assert_eq!(
            error("max_staleness = \"1s\"\n\nseperator = \";\"\n"),
            "cachelint.toml:3:1: unknown key `seperator` (did you mean `separator`?)"
        );
        assert_eq!(
            error("colour = true"),
            "cachelint.toml:1:1: unknown key `colour` (expected one of `separator`, \
             `max_staleness`, `exclude`, `lints`, `infer`)"
        );
        assert_eq!(
            error("[lints]\nuncoverd_read = \"deny\""),
            "cachelint.toml:2:1: unknown rule `uncoverd_read` (did you mean `uncovered_read`?)"
        );
        assert_eq!(
            error("[lints]\nfoo = \"deny\""),
            "cachelint.toml:2:1: unknown rule `foo` (`cargo cachelint rules` lists them)"
        );
    }

    #[test]
    fn the_first_error_in_the_text_is_reported() {
        assert_eq!(
            error("zzz = 1\naaa = 2"),
            "cachelint.toml:1:1: unknown key `zzz` (expected one of `separator`, \
             `max_staleness`, `exclude`, `lints`, `infer`)"
        );
    }

    #[test]
    fn type_errors_point_at_the_value() {
        assert_eq!(
            error("separator = 3"),
            "cachelint.toml:1:13: `separator` must be a string, found an integer"
        );
        assert_eq!(
            error("max_staleness = 30"),
            "cachelint.toml:1:17: `max_staleness` must be a string, found an integer"
        );
        assert_eq!(
            error("exclude = \"benches\""),
            "cachelint.toml:1:11: `exclude` must be an array of globs, found a string"
        );
        assert_eq!(
            error("exclude = [\"a\", 1]"),
            "cachelint.toml:1:17: `exclude` must be a string, found an integer"
        );
        assert_eq!(
            error("lints = [\"deny\"]"),
            "cachelint.toml:1:9: `lints` must be a table, found an array"
        );
        assert_eq!(
            error("[lints]\nversion_skew = true"),
            "cachelint.toml:2:16: `lints.version_skew` must be a string, found a boolean"
        );
    }

    #[test]
    fn bad_values_point_at_the_value() {
        assert_eq!(
            error("separator = \"::\""),
            "cachelint.toml:1:13: `separator` must be exactly one character, found \"::\""
        );
        assert_eq!(
            error("separator = \"\""),
            "cachelint.toml:1:13: `separator` must be exactly one character, found \"\""
        );
        assert_eq!(
            error("separator = \" \""),
            "cachelint.toml:1:13: `separator` must not be whitespace"
        );
        assert_eq!(
            error("  separator = \"*\""),
            "cachelint.toml:1:15: `separator` must not be `*`: `<`, `>` and `*` have a meaning \
             in keys"
        );
        assert_eq!(
            error("# é\nmax_staleness = \"5x\""),
            "cachelint.toml:2:17: invalid `max_staleness` `5x`: unknown unit `x`"
        );
        assert_eq!(
            error("exclude = [\n  \"ok/**\",\n  \"é[a\",\n]"),
            "cachelint.toml:3:3: invalid glob `é[a` in `exclude`: unclosed character class; \
             missing ']'"
        );
        assert_eq!(
            error("exclude = [\"./\"]"),
            "cachelint.toml:1:12: empty glob `./` in `exclude`"
        );
        assert_eq!(
            error("[lints]\n\ndead_invalidation = \"error\""),
            "cachelint.toml:3:21: `lints.dead_invalidation` must be `allow`, `warn` or `deny`, \
             found `error`"
        );
    }

    #[test]
    fn syntax_errors_are_one_line_with_a_position() {
        let cases = [
            (
                "separator = \":\"\nexclude = [\n",
                "2:12: unclosed array, expected `]`",
            ),
            ("a = 1\na = 2", "2:1: duplicate key `a`"),
            ("[lints", "1:7: unclosed table, expected `]`"),
            ("x = 'a", "1:7: invalid literal string, expected `'`"),
        ];
        for (text, expected) in cases {
            assert_eq!(error(text), format!("cachelint.toml:{expected}"));
        }
    }

    #[test]
    fn columns_count_characters_and_offsets_are_clamped() {
        assert_eq!(position("αβ = 1", 4), Position { line: 1, column: 3 });
        assert_eq!(position("a\nαβ", 3), Position { line: 2, column: 1 });
        assert_eq!(position("a\nαβ", 4), Position { line: 2, column: 2 });
        assert_eq!(position("ab", 99), Position { line: 1, column: 3 });
    }

    #[test]
    fn cargo_toml_workspace_metadata() {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = "[workspace]\nmembers = []\n\n[workspace.metadata.cachelint]\n\
                        separator = \"/\"\nseperator = \"/\"\n";
        write(dir.path(), "Cargo.toml", manifest);
        let message = load(dir.path(), None).expect_err("typo").to_string();
        let expected = format!(
            "{}:6:1: unknown key `seperator` (did you mean `separator`?)",
            dir.path().join("Cargo.toml").display()
        );
        assert_eq!(message, expected);
        write(
            dir.path(),
            "Cargo.toml",
            &manifest.replace("seperator = \"/\"\n", ""),
        );
        let config = load(dir.path(), None).expect("valid");
        assert_eq!(config.separator, '/');
        assert_eq!(config.source, Some(dir.path().join("Cargo.toml")));
    }

    #[test]
    fn cargo_toml_package_metadata() {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = "[package]\nname = \"svc\"\n\n[package.metadata.cachelint]\n\
                        max_staleness = \"1h\"\nlints = { orphan_event = \"allow\" }\n";
        write(dir.path(), "Cargo.toml", manifest);
        let config = load(dir.path(), None).expect("valid");
        assert_eq!(config.max_staleness, Duration::from_secs(3600));
        assert_eq!(config.lints.get("orphan_event"), Some(&LintLevel::Allow));

        write(dir.path(), "Cargo.toml", "[package]\nname = \"svc\"\n");
        let config = load(dir.path(), None).expect("no metadata");
        assert_eq!((config.separator, config.source), (':', None));

        write(
            dir.path(),
            "Cargo.toml",
            "[package.metadata]\ncachelint = 1\n",
        );
        let message = load(dir.path(), None).expect_err("not a table").to_string();
        assert!(
            message.ends_with(
                "Cargo.toml:2:13: `package.metadata.cachelint` must be a table, found an integer"
            ),
            "{message}"
        );
    }

    #[test]
    fn cachelint_toml_is_preferred_to_cargo_metadata() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "Cargo.toml",
            "[workspace.metadata.cachelint]\nseparator = \"/\"\n",
        );
        write(dir.path(), FILE_NAME, "separator = \".\"\n");
        let config = load(dir.path(), None).expect("valid");
        assert_eq!(config.separator, '.');
        assert_eq!(config.source, Some(dir.path().join(FILE_NAME)));
    }

    #[test]
    fn no_configuration_at_all_gives_the_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = load(dir.path(), None).expect("defaults");
        assert_eq!((config.separator, config.source), (':', None));
    }

    #[test]
    fn explicit_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.toml");
        let message = load(dir.path(), Some(&missing))
            .expect_err("missing")
            .to_string();
        let expected = format!("{}: cannot read: ", missing.display());
        assert!(message.starts_with(&expected), "{message}");
        assert!(!message.contains('\n'), "{message}");

        write(dir.path(), FILE_NAME, "separator = \".\"\n");
        write(dir.path(), "other.toml", "separator = \"|\"\n");
        let other = dir.path().join("other.toml");
        let config = load(dir.path(), Some(&other)).expect("explicit wins");
        assert_eq!(config.separator, '|');

        write(
            dir.path(),
            "Cargo.toml",
            "[package.metadata.cachelint]\nseparator = \"#\"\n",
        );
        let manifest = dir.path().join("Cargo.toml");
        let config = load(Path::new("/nonexistent"), Some(&manifest)).expect("metadata");
        assert_eq!(config.separator, '#');
    }

    #[test]
    fn errors_name_the_file_relative_to_a_dot_root() {
        assert_eq!(in_root(Path::new("."), FILE_NAME), Path::new(FILE_NAME));
        assert_eq!(
            in_root(Path::new("a"), FILE_NAME),
            Path::new("a/cachelint.toml")
        );
    }

    fn registry_defaults() -> impl Iterator<Item = (&'static str, Level)> {
        crate::rules::REGISTRY
            .iter()
            .map(|rule| (rule.name, rule.default_level))
    }

    #[test]
    fn levels_start_from_the_registry_defaults() {
        let levels =
            resolve_levels(&Config::default(), &[], registry_defaults()).expect("defaults");
        assert_eq!(levels.len(), crate::rules::REGISTRY.len());
        assert_eq!(levels["uncovered_read"], LintLevel::Deny);
        assert_eq!(levels["dead_invalidation"], LintLevel::Warn);
    }

    #[test]
    fn lints_then_cli_flags_in_order() {
        let text = "[lints]\ndead_invalidation = \"deny\"\nuncovered_read = \"allow\"\n";
        let config = parse(text, Path::new("cachelint.toml")).expect("valid");
        let levels = resolve_levels(&config, &[], registry_defaults()).expect("valid");
        assert_eq!(levels["dead_invalidation"], LintLevel::Deny);
        assert_eq!(levels["uncovered_read"], LintLevel::Allow);

        let flags = cli(&[
            (LintLevel::Warn, "uncovered_read"),
            (LintLevel::Deny, "uncovered_read"),
            (LintLevel::Allow, "dead_invalidation"),
            (LintLevel::Deny, "orphan-event"),
            (LintLevel::Allow, "cachelint::version_skew"),
        ]);
        let levels = resolve_levels(&config, &flags, registry_defaults()).expect("valid");
        assert_eq!(levels["uncovered_read"], LintLevel::Deny);
        assert_eq!(levels["dead_invalidation"], LintLevel::Allow);
        assert_eq!(levels["orphan_event"], LintLevel::Deny);
        assert_eq!(levels["version_skew"], LintLevel::Allow);
        assert_eq!(levels["broad_invalidation"], LintLevel::Warn);
    }

    #[test]
    fn warnings_acts_on_every_rule_left_at_warn() {
        let config = Config::default();
        let flags = cli(&[
            (LintLevel::Deny, "warnings"),
            (LintLevel::Allow, "dead_invalidation"),
            (LintLevel::Warn, "uncovered_read"),
        ]);
        let levels = resolve_levels(&config, &flags, registry_defaults()).expect("valid");
        assert!(levels.values().all(|level| *level != LintLevel::Warn));
        assert_eq!(levels["broad_invalidation"], LintLevel::Deny);
        assert_eq!(levels["dead_invalidation"], LintLevel::Allow);
        // As in rustc: a warning under `-D warnings` is an error, whatever the flag order.
        assert_eq!(levels["uncovered_read"], LintLevel::Deny);

        let flags = cli(&[(LintLevel::Allow, "warnings")]);
        let levels = resolve_levels(&config, &flags, registry_defaults()).expect("valid");
        assert_eq!(levels["orphan_event"], LintLevel::Allow);
        assert_eq!(levels["stale_dependent"], LintLevel::Deny);

        let flags = cli(&[(LintLevel::Deny, "warnings"), (LintLevel::Warn, "warnings")]);
        let levels = resolve_levels(&config, &flags, registry_defaults()).expect("valid");
        assert_eq!(levels["orphan_event"], LintLevel::Warn);
    }

    #[test]
    fn unknown_cli_rules_suggest_the_nearest() {
        let config = Config::default();
        let message = |flags| {
            resolve_levels(&config, &cli(flags), registry_defaults())
                .expect_err("x")
                .to_string()
        };
        assert_eq!(
            message(&[(LintLevel::Deny, "uncoverd_read")]),
            "-D uncoverd_read: unknown rule (did you mean `uncovered_read`?)"
        );
        assert_eq!(
            message(&[(LintLevel::Allow, "warning")]),
            "-A warning: unknown rule (did you mean `warnings`?)"
        );
        assert_eq!(
            message(&[(LintLevel::Warn, "nope")]),
            "-W nope: unknown rule (`cargo cachelint rules` lists them)"
        );
    }

    #[test]
    fn lint_level_parses_and_displays() {
        for level in [LintLevel::Allow, LintLevel::Warn, LintLevel::Deny] {
            assert_eq!(level.to_string().parse::<LintLevel>(), Ok(level));
        }
        assert_eq!(
            "forbid".parse::<LintLevel>(),
            Err("invalid level `forbid`: expected `allow`, `warn` or `deny`".to_string())
        );
        assert_eq!(LintLevel::Warn.finding_level(), Some(Level::Warning));
        assert_eq!(LintLevel::Allow.finding_level(), None);
    }

    #[test]
    fn exclude_semantics() {
        let text =
            r#"exclude = ["benches/**", "generated", "./vendor/", "src/*.gen.rs", "**/fixtures"]"#;
        let config = parse(text, Path::new("cachelint.toml")).expect("valid");
        for excluded in [
            "benches/a.rs",
            "benches/deep/b.rs",
            "generated",
            "generated/x.rs",
            "generated/a/b.rs",
            "./generated/x.rs",
            "vendor/lib.rs",
            "src/x.gen.rs",
            "fixtures/a.rs",
            "crates/x/fixtures/a.rs",
        ] {
            assert!(config.is_excluded(excluded), "{excluded}");
        }
        for kept in [
            "benches",
            "benchesx/a.rs",
            "src/generated/x.rs",
            "generated.rs",
            "src/lib.rs",
            "src/sub/x.gen.rs",
            "vendored/lib.rs",
        ] {
            assert!(!config.is_excluded(kept), "{kept}");
        }
        assert_eq!(config.exclude[2], "./vendor/");
    }

    #[test]
    fn members_are_laid_over_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            root,
            FILE_NAME,
            "max_staleness = \"1m\"\nexclude = [\"gen\"]\n[lints]\norphan_event = \"deny\"\n",
        );
        std::fs::create_dir_all(root.join("a")).expect("a/");
        write(
            &root.join("a"),
            FILE_NAME,
            "exclude = [\"src/x.rs\"]\n[lints]\ndead_invalidation = \"allow\"\n",
        );
        std::fs::create_dir_all(root.join("b")).expect("b/");
        write(&root.join("b"), "Cargo.toml", "[package]\nname = \"b\"\n");
        let mut layers = Layers::new(root, root, load(root, None).expect("root"));
        for member in ["a", "b"] {
            layers.add_member(&root.join(member)).expect("member");
        }
        // `b` has no configuration of its own: the root's applies.
        assert_eq!(layers.layers().len(), 2);
        let a = &layers.layers()[1].config;
        assert_eq!(a.max_staleness, Duration::from_secs(60));
        assert_eq!(a.lints.get("orphan_event"), Some(&LintLevel::Deny));
        assert_eq!(a.lints.get("dead_invalidation"), Some(&LintLevel::Allow));
        for (path, excluded) in [
            ("a/src/x.rs", true),
            ("src/x.rs", false),
            ("gen/y.rs", true),
            ("a/gen/y.rs", false),
            ("b/src/x.rs", false),
        ] {
            assert_eq!(layers.is_excluded(&root.join(path)), excluded, "{path}");
        }
        assert_eq!(layers.layer_of(&root.join("a/src/lib.rs")), 1);
        assert_eq!(layers.layer_of(&root.join("b/src/lib.rs")), 0);
        assert_eq!(layers.layer_of(Path::new("/elsewhere/x.rs")), 0);
    }

    #[test]
    fn a_member_may_not_change_the_separator() {
        let member = parse("separator = \"/\"", Path::new("m/cachelint.toml")).expect("valid");
        let message = member
            .over(&Config::default())
            .map(|_| ())
            .expect_err("differs");
        assert!(
            message
                .to_string()
                .starts_with("m/cachelint.toml:1:13: `separator` `/` differs"),
            "{message}"
        );
        let same = parse("separator = \":\"", Path::new("m/cachelint.toml")).expect("valid");
        assert!(same.over(&Config::default()).is_ok());
    }

    #[test]
    fn infer_defaults_to_enabled_postgres_without_wrappers() {
        for config in [
            Config::default(),
            parse("", Path::new("cachelint.toml")).expect("empty"),
            parse("[infer]\n", Path::new("cachelint.toml")).expect("empty [infer]"),
        ] {
            assert_eq!(config.infer, Infer::default());
            assert!(config.infer.enabled);
            assert_eq!(config.infer.sql_dialect, SqlDialect::Postgres);
            assert!(config.infer.wrappers.is_empty());
        }
    }

    #[test]
    fn a_full_infer_section() {
        let text = r#"separator = ":"

[infer]
enabled = false
sql_dialect = "sqlite"

[infer.wrappers]
"crate::cache::Cache::delete" = "invalidate"
  "Store::fetch" = "read"
"users_core::cache::Cache::r#put" = "write"
"#;
        let config = parse(text, Path::new("cachelint.toml")).expect("valid");
        assert!(!config.infer.enabled);
        assert_eq!(config.infer.sql_dialect, SqlDialect::Sqlite);
        let wrappers: Vec<(Vec<&str>, &str, WrapperOp, Position)> = (config.infer.wrappers)
            .iter()
            .map(|w| {
                let path = w.path.iter().map(String::as_str).collect();
                (path, w.method.as_str(), w.op, w.at)
            })
            .collect();
        assert_eq!(
            wrappers,
            [
                (
                    vec!["crate", "cache", "Cache"],
                    "delete",
                    WrapperOp::Invalidate,
                    Position { line: 8, column: 1 },
                ),
                (
                    vec!["Store"],
                    "fetch",
                    WrapperOp::Read,
                    Position { line: 9, column: 3 },
                ),
                (
                    vec!["users_core", "cache", "Cache"],
                    "put",
                    WrapperOp::Write,
                    Position {
                        line: 10,
                        column: 1
                    },
                ),
            ]
        );
        assert_eq!(
            config.infer.wrappers[0].to_string(),
            "crate::cache::Cache::delete"
        );
        // Dotted keys and inline tables say the same.
        let inline = "infer = { sql_dialect = \"mysql\", wrappers = { \"a::B::c\" = \"read\" } }";
        let config = parse(inline, Path::new("cachelint.toml")).expect("inline");
        assert_eq!(config.infer.sql_dialect, SqlDialect::Mysql);
        assert_eq!(config.infer.wrappers[0].to_string(), "a::B::c");
        let dotted = "infer.enabled = false\ninfer.sql_dialect = \"generic\"\n";
        let config = parse(dotted, Path::new("cachelint.toml")).expect("dotted");
        assert!(!config.infer.enabled);
        assert_eq!(config.infer.sql_dialect, SqlDialect::Generic);
    }

    #[test]
    fn unknown_infer_keys_suggest_the_nearest() {
        assert_eq!(
            error("[infre]\nenabled = true"),
            "cachelint.toml:1:2: unknown key `infre` (did you mean `infer`?)"
        );
        assert_eq!(
            error("[infer]\nenabled = true\nenable = false"),
            "cachelint.toml:3:1: unknown `[infer]` key `enable` (did you mean `enabled`?)"
        );
        assert_eq!(
            error("[infer]\nsql-dialect = \"mysql\""),
            "cachelint.toml:2:1: unknown `[infer]` key `sql-dialect` (did you mean \
             `sql_dialect`?)"
        );
        assert_eq!(
            error("[infer.wrapper]\n\"a::B::c\" = \"read\""),
            "cachelint.toml:1:8: unknown `[infer]` key `wrapper` (did you mean `wrappers`?)"
        );
        assert_eq!(
            error("[infer]\ndialect = \"mysql\""),
            "cachelint.toml:2:1: unknown `[infer]` key `dialect` (expected one of `enabled`, \
             `sql_dialect`, `wrappers`)"
        );
    }

    #[test]
    fn infer_type_errors_point_at_the_value() {
        assert_eq!(
            error("infer = true"),
            "cachelint.toml:1:9: `infer` must be a table, found a boolean"
        );
        assert_eq!(
            error("[infer]\nenabled = \"yes\""),
            "cachelint.toml:2:11: `infer.enabled` must be a boolean, found a string"
        );
        assert_eq!(
            error("[infer]\nsql_dialect = 1"),
            "cachelint.toml:2:15: `infer.sql_dialect` must be a string, found an integer"
        );
        assert_eq!(
            error("[infer]\nwrappers = [\"a::B::c\"]"),
            "cachelint.toml:2:12: `infer.wrappers` must be a table, found an array"
        );
        assert_eq!(
            error("[infer.wrappers]\n\"a::B::c\" = true"),
            "cachelint.toml:2:13: `infer.wrappers.\"a::B::c\"` must be a string, found a \
             boolean"
        );
    }

    #[test]
    fn a_bad_sql_dialect_suggests_the_nearest() {
        assert_eq!(
            error("[infer]\nsql_dialect = \"postgress\""),
            "cachelint.toml:2:15: unknown SQL dialect `postgress` (did you mean `postgres`?)"
        );
        assert_eq!(
            error("[infer]\nsql_dialect = \"MySQL\""),
            "cachelint.toml:2:15: unknown SQL dialect `MySQL` (did you mean `mysql`?)"
        );
        assert_eq!(
            error("[infer]\nsql_dialect = \"oracle\""),
            "cachelint.toml:2:15: unknown SQL dialect `oracle` (expected one of `postgres`, \
             `mysql`, `sqlite`, `generic`)"
        );
        for dialect in SqlDialect::ALL {
            assert_eq!(dialect.as_str().parse::<SqlDialect>(), Ok(dialect));
        }
    }

    #[test]
    fn a_bad_wrapper_op_suggests_the_nearest() {
        assert_eq!(
            error("[infer.wrappers]\n\"crate::cache::Cache::delete\" = \"invalidates\""),
            "cachelint.toml:2:33: unknown wrapper operation `invalidates` (did you mean \
             `invalidate`?)"
        );
        assert_eq!(
            error("[infer.wrappers]\n\"crate::cache::Cache::delete\" = \"delete\""),
            "cachelint.toml:2:33: unknown wrapper operation `delete` (expected one of `read`, \
             `write`, `invalidate`)"
        );
        for op in WrapperOp::ALL {
            assert_eq!(op.as_str().parse::<WrapperOp>(), Ok(op));
        }
    }

    #[test]
    fn a_bad_wrapper_path_is_an_error_at_the_key() {
        let cases = [
            (
                "delete",
                "invalid wrapper `delete`: expected a type and a method, `Type::method` \
                 (like `crate::cache::Cache::delete`)",
            ),
            (
                "crate::cache::Cache<K>::delete",
                "invalid wrapper `crate::cache::Cache<K>::delete`: `Cache<K>` is not an \
                 identifier; expected a type and a method, `Type::method` (like \
                 `crate::cache::Cache::delete`)",
            ),
            (
                "crate:cache:Cache:delete",
                "invalid wrapper `crate:cache:Cache:delete`: `crate:cache:Cache:delete` is not \
                 an identifier; expected a type and a method, `Type::method` (like \
                 `crate::cache::Cache::delete`)",
            ),
            (
                "::redis::Cmd::del",
                "invalid wrapper `::redis::Cmd::del`: a segment is empty; expected a type and \
                 a method, `Type::method` (like `crate::cache::Cache::delete`)",
            ),
            (
                "Cache::",
                "invalid wrapper `Cache::`: a segment is empty; expected a type and a method, \
                 `Type::method` (like `crate::cache::Cache::delete`)",
            ),
            (
                "Cache:: delete",
                "invalid wrapper `Cache:: delete`: ` delete` is not an identifier; expected a \
                 type and a method, `Type::method` (like `crate::cache::Cache::delete`)",
            ),
            (
                "Cache::1st",
                "invalid wrapper `Cache::1st`: `1st` is not an identifier; expected a type and \
                 a method, `Type::method` (like `crate::cache::Cache::delete`)",
            ),
        ];
        for (path, expected) in cases {
            let text =
                format!("[infer.wrappers]\n\"a::B::c\" = \"read\"\n  \"{path}\" = \"read\"\n");
            assert_eq!(
                error(&text),
                format!("cachelint.toml:3:3: {expected}"),
                "{path}"
            );
        }
        // Identifiers as Rust has them: `_`-led, non-ASCII letters, raw.
        let text = "[infer.wrappers]\n\"_private::Été::r#type\" = \"read\"\n";
        let config = parse(text, Path::new("cachelint.toml")).expect("valid identifiers");
        assert_eq!(config.infer.wrappers[0].path, ["_private", "Été"]);
        assert_eq!(config.infer.wrappers[0].method, "type");
        let text = "[infer.wrappers]\n\"_::m\" = \"read\"\n";
        assert!(
            error(text).contains("`_` is not an identifier"),
            "{}",
            error(text)
        );
        assert_eq!(
            error("[infer.wrappers]\n\"a::B::put\" = \"read\"\n\"a::r#B::r#put\" = \"write\"\n"),
            "cachelint.toml:3:1: wrapper `a::r#B::r#put` is `a::B::put` again (line 2): list \
             each method once"
        );
    }

    #[test]
    fn a_member_may_not_change_infer() {
        let root_file = Path::new("cachelint.toml");
        let member_file = Path::new("m/cachelint.toml");
        let root = parse(
            "[infer]\nsql_dialect = \"mysql\"\n[infer.wrappers]\n\"crate::c::Cache::del\" = \
             \"invalidate\"\n\"crate::c::Cache::get\" = \"read\"\n",
            root_file,
        )
        .expect("root");
        let over = |member: &str, root: &Config| {
            let member = parse(member, member_file).expect("valid member");
            member.over(root).map(|config| config.infer)
        };
        let message =
            |member: &str, root: &Config| over(member, root).expect_err("differs").to_string();
        // The default is the workspace's too.
        assert_eq!(
            message("[infer]\nenabled = false\n", &Config::default()),
            "m/cachelint.toml:2:11: `infer.enabled` `false` differs from the workspace's `true` \
             (the default): `[infer]` applies to the whole workspace, set it once at its root"
        );
        assert_eq!(
            message(
                "[infer]\nenabled = true\nsql_dialect = \"postgres\"\n",
                &root
            ),
            "m/cachelint.toml:3:15: `infer.sql_dialect` `postgres` differs from the \
             workspace's `mysql` (`cachelint.toml`): `[infer]` applies to the whole workspace, \
             set it once at its root"
        );
        assert_eq!(
            message(
                "[infer.wrappers]\n\"crate::c::Cache::get\" = \"read\"\n\
                 \"crate::c::Cache::del\" = \"write\"\n",
                &root
            ),
            "m/cachelint.toml:3:1: wrapper `crate::c::Cache::del` = `write` differs from the \
             workspace's `invalidate` (`cachelint.toml`): `[infer]` applies to the whole \
             workspace, set it once at its root"
        );
        assert_eq!(
            message(
                "[infer.wrappers]\n\"crate::c::Cache::del\" = \"invalidate\"\n\
                 \"crate::c::Cache::get\" = \"read\"\n\"crate::c::Cache::set\" = \"write\"\n",
                &root
            ),
            "m/cachelint.toml:4:1: wrapper `crate::c::Cache::set` is not in the workspace's \
             `[infer.wrappers]` (`cachelint.toml`): `[infer]` applies to the whole workspace, \
             set it once at its root"
        );
        assert_eq!(
            message(
                "[infer]\n[infer.wrappers]\n\"crate::c::Cache::get\" = \"read\"\n",
                &root
            ),
            "m/cachelint.toml:2:1: `infer.wrappers` lacks the workspace's wrapper \
             `crate::c::Cache::del` (`cachelint.toml`): `[infer]` applies to the whole \
             workspace, set it once at its root"
        );
        // Saying what the root says, in any order, or nothing, is fine: the root's applies.
        for same in [
            "",
            "max_staleness = \"1m\"\n",
            "[infer]\n",
            "[infer]\nenabled = true\n",
            "[infer]\nsql_dialect = \"mysql\"\n[infer.wrappers]\n\"crate::c::Cache::get\" = \
             \"read\"\n\"crate::c::Cache::del\" = \"invalidate\"\n",
        ] {
            assert_eq!(over(same, &root).expect(same), root.infer, "{same}");
        }
    }

    #[test]
    fn members_get_the_roots_infer_through_layers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"a\"]\n\n[workspace.metadata.cachelint.infer]\n\
             sql_dialect = \"generic\"\n\n[workspace.metadata.cachelint.infer.wrappers]\n\
             \"crate::Cache::drop_key\" = \"invalidate\"\n",
        );
        std::fs::create_dir_all(root.join("a")).expect("a/");
        write(
            &root.join("a"),
            "Cargo.toml",
            "[package]\nname = \"a\"\n\n[package.metadata.cachelint]\nmax_staleness = \"1s\"\n",
        );
        let mut layers = Layers::new(root, root, load(root, None).expect("root"));
        layers.add_member(&root.join("a")).expect("member");
        assert_eq!(layers.layers().len(), 2);
        for layer in layers.layers() {
            assert_eq!(layer.config.infer, layers.root().infer);
        }
        let infer = &layers.root().infer;
        assert_eq!(infer.sql_dialect, SqlDialect::Generic);
        assert_eq!(infer.wrappers[0].to_string(), "crate::Cache::drop_key");
        assert_eq!(infer.wrappers[0].at, Position { line: 8, column: 1 });

        write(
            &root.join("a"),
            "Cargo.toml",
            "[package]\nname = \"a\"\n\n[package.metadata.cachelint.infer]\nenabled = false\n",
        );
        let mut layers = Layers::new(root, root, load(root, None).expect("root"));
        let message = layers.add_member(&root.join("a")).expect_err("differs");
        let expected = format!(
            "{}:5:11: `infer.enabled` `false` differs from the workspace's `true` (`{}`)",
            root.join("a/Cargo.toml").display(),
            root.join("Cargo.toml").display()
        );
        assert!(message.to_string().starts_with(&expected), "{message}");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for text in [
            "\u{feff}",
            "[",
            "a=",
            "[lints",
            "lints = {",
            "\"\\u{0}\"",
            "= 1",
            "é = é",
        ] {
            let _ = parse(text, Path::new("x.toml"));
        }
        let _ = from_manifest(
            "[workspace.metadata]\ncachelint = [1]",
            Path::new("Cargo.toml"),
        );
        let _ = position("", 5);
    }
}
