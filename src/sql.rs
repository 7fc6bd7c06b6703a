//! SQL text → table facts: what a query's statements read and write, table by table and column
//! by column (SPEC §12).
//!
//! Pure: text in, facts out, no rust-analyzer. sqlparser parses the text; `collect` gathers one
//! scope's tables, column references and subqueries with sqlparser's visitor, and `walk`
//! resolves them scope by scope.
//!
//! Placeholders need no rewriting: each dialect's parser takes the ones its drivers use
//! (Postgres `$1` and `:name`; MySQL `?`, `?1` and `:name`, `@name` being a user variable;
//! SQLite and the generic dialect all of `?`, `?1`, `:name`, `@name` and `$name`). Postgres
//! does not take `?` (its JSON operator) and reads `@name` as the absolute value of a column
//! `name`.

mod collect;
mod leading;
mod schema;
mod walk;

pub use schema::unique_keys;

#[cfg(test)]
mod tests;

use crate::config::SqlDialect;
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use std::collections::BTreeSet;

/// What a statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatementKind {
    /// `SELECT` (also `VALUES`, `TABLE t`): reads only.
    Select,
    /// `INSERT` (also `ON CONFLICT DO NOTHING`, `INSERT IGNORE`).
    Insert,
    /// `INSERT … ON CONFLICT … DO UPDATE`, `… ON DUPLICATE KEY UPDATE`, `REPLACE INTO`,
    /// `INSERT OR REPLACE`.
    Upsert,
    /// `UPDATE` (also `MERGE`).
    Update,
    /// `DELETE` (also `TRUNCATE`).
    Delete,
    /// Anything else: DDL, transactions, `SET`, …
    Other,
}

/// One table a statement reads or writes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableUse {
    /// Table name: the last part of the object name (`public.users` -> `users`), unquoted;
    /// unquoted identifiers lowercased (SQL folds them), quoted ones kept as written.
    pub table: String,
    /// The columns of this table the statement reads (select list, WHERE, JOIN ON, GROUP BY,
    /// ORDER BY, RETURNING, SET right-hand sides ...) or, in `writes`, the columns it writes
    /// (UPDATE SET targets, INSERT column list). `None` = unknown or all (`*`, `t.*`, an
    /// INSERT without a column list, a DELETE).
    pub columns: Option<BTreeSet<String>>,
    /// Reads only: the WHERE clause pins one row of this table by its primary key: a top-level
    /// AND-conjunct `id = <placeholder|literal>` (column named `id`, qualified by this table or
    /// its alias, or unqualified when the scope has one table). Always false in `writes`.
    pub by_key: bool,
    /// Reads only: the columns such top-level conjuncts equate with a value (`id`, `slug`,
    /// `email`); with a schema that says which are primary or unique keys, whether one row is
    /// pinned. Empty in `writes`.
    pub pinned: BTreeSet<String>,
}

/// What one statement reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementFacts {
    /// The statement's kind; a `SELECT` whose CTE writes (`WITH x AS (UPDATE …) SELECT …`)
    /// has the kind of that write, so `Select` always means `writes` is empty.
    pub kind: StatementKind,
    /// Tables the statement reads (FROM, JOIN, subqueries anywhere incl. WHERE/IN/EXISTS,
    /// CTE bodies, INSERT ... SELECT, UPDATE ... FROM, DELETE ... USING). CTE names themselves
    /// are not tables. One entry per table (merge columns; None wins), sorted by table; a
    /// table read more than once is `by_key` only if every read is.
    pub reads: Vec<TableUse>,
    /// Tables the statement writes: the target of INSERT/UPDATE/DELETE (also inside a CTE:
    /// `WITH x AS (UPDATE ... RETURNING ...) SELECT ...` writes). Empty for SELECT. Sorted
    /// by table.
    pub writes: Vec<TableUse>,
}

/// The longest SQL text analyzed, in bytes. An operator chain (`a + a + …`, `x AND y AND …`)
/// nests the syntax tree one level per operator, past sqlparser's recursion limit (which
/// counts parentheses and subqueries, not chains); this bound and [`STACK`] keep every
/// recursion over the tree (ours, the visitor's, dropping it) within the stack.
pub const MAX_SQL_LEN: usize = 64 * 1024;

/// The stack the analysis runs on: enough for a tree as deep as [`MAX_SQL_LEN`] allows, in a
/// debug build. Reserved, not touched: only the pages used are committed.
const STACK: usize = 256 * 1024 * 1024;

/// Parses `sql` (one or more `;`-separated statements) in `dialect` and says, for each
/// statement in order, its kind and the tables it reads and writes.
///
/// Errors: the parser's message, one line, when the text does not parse (also when sqlparser's
/// recursion limit is exceeded); a note when the text is longer than [`MAX_SQL_LEN`]. Never
/// panics.
pub fn analyze(sql: &str, dialect: SqlDialect) -> Result<Vec<StatementFacts>, String> {
    let started = std::time::Instant::now();
    let result = analyze_bounded(sql, dialect);
    let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    SPENT.fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
    TEXTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    result
}

/// Time spent in [`analyze`] by this process (ns, summed over threads) and the texts analyzed.
static SPENT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static TEXTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The time this process spent analyzing SQL text (summed over threads) and how many texts it
/// analyzed: `CACHELINT_TIMINGS=1` prints them.
pub fn time_spent() -> (std::time::Duration, usize) {
    (
        std::time::Duration::from_nanos(SPENT.load(std::sync::atomic::Ordering::Relaxed)),
        TEXTS.load(std::sync::atomic::Ordering::Relaxed),
    )
}

/// [`analyze`] within the length bound, on a thread with a big stack.
fn analyze_bounded(sql: &str, dialect: SqlDialect) -> Result<Vec<StatementFacts>, String> {
    if sql.len() > MAX_SQL_LEN {
        return Err(format!(
            "SQL text of {} bytes is longer than the {MAX_SQL_LEN} analyzed",
            sql.len()
        ));
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("cachelint-sql".into())
            .stack_size(STACK)
            .spawn_scoped(scope, || analyze_here(sql, dialect))
            .map_err(|err| format!("cannot start the SQL analysis: {err}"))?;
        // A panic here is a bug in sqlparser or in this module; the caller gets it as an
        // error for this one text rather than losing the whole run.
        worker
            .join()
            .unwrap_or_else(|_| Err("internal error: the SQL analysis panicked".to_string()))
    })
}

/// What the leading keywords of text [`analyze`] rejects still say: the INSERT, REPLACE,
/// UPDATE, DELETE or SELECT it starts and the table it names (a `QueryBuilder`'s prefix such as
/// `"UPDATE posts SET "`, or a statement sqlparser does not know), with the columns it lists
/// before it ends. `None` for other text.
pub fn analyze_leading(sql: &str, dialect: SqlDialect) -> Option<StatementFacts> {
    if sql.len() > MAX_SQL_LEN {
        return None;
    }
    leading::facts(sql, dialect)
}

/// [`analyze`] on the current stack.
fn analyze_here(sql: &str, dialect: SqlDialect) -> Result<Vec<StatementFacts>, String> {
    let statements = Parser::parse_sql(parser_dialect(dialect).as_ref(), sql)
        .map_err(|err| one_line(&err.to_string()))?;
    Ok(statements.iter().map(walk::statement).collect())
}

/// sqlparser's dialect for ours.
fn parser_dialect(dialect: SqlDialect) -> Box<dyn Dialect> {
    match dialect {
        SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
        SqlDialect::Mysql => Box::new(MySqlDialect {}),
        SqlDialect::Sqlite => Box::new(SQLiteDialect {}),
        SqlDialect::Generic => Box::new(GenericDialect {}),
    }
}

/// `text` with every run of whitespace (newlines included) made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
