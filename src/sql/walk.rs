//! Scopes: what a scope's expressions name, resolved against the tables it lists and those of
//! the scopes around it (a correlated subquery names its outer query's tables), statement by
//! statement.

mod dml;
mod key;

use super::collect::{Collector, Factor, Ref, last, name};
use super::{StatementFacts, StatementKind, TableUse};
use sqlparser::ast::{
    Expr, JoinConstraint, JoinOperator, OrderBy, Query, Select, SelectItem, SetExpr, Statement,
    Visit,
};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::mem;

/// What `statement` reads and writes.
pub(super) fn statement(statement: &Statement) -> StatementFacts {
    let mut walker = Walker::default();
    let kind = walker.statement(statement);
    let uses = |uses: Uses| {
        (uses.into_iter())
            .map(|(table, (columns, pinned))| TableUse {
                table,
                columns,
                by_key: pinned.contains("id"),
                pinned,
            })
            .collect()
    };
    StatementFacts {
        kind,
        reads: uses(walker.reads),
        writes: uses(walker.writes),
    }
}

/// A table factor as its scope sees it, with what the scope reads of it.
#[derive(Debug)]
struct Source {
    /// The base table; `None` for a CTE, a subquery or a function (their own scopes read).
    table: Option<String>,
    /// The name the scope knows it by.
    binding: Option<String>,
    /// Listed in FROM or JOIN: read even when none of its columns is named. A statement's
    /// target is read only through the columns it names.
    listed: bool,
    used: bool,
    columns: Option<BTreeSet<String>>,
    /// Columns a top-level WHERE conjunct equates with a value.
    pinned: BTreeSet<String>,
}

impl Source {
    fn new(table: Option<String>, binding: Option<String>, listed: bool) -> Self {
        Source {
            table,
            binding,
            listed,
            used: false,
            columns: Some(BTreeSet::new()),
            pinned: BTreeSet::new(),
        }
    }

    fn read(&mut self, column: &str) {
        self.used = true;
        if let Some(columns) = &mut self.columns {
            columns.insert(column.to_string());
        }
    }

    fn read_all(&mut self) {
        self.used = true;
        self.columns = None;
    }
}

type Scope = Vec<Source>;

/// The binding `qualifier` names, innermost scope first.
fn bound<'a>(scopes: &'a mut [Scope], qualifier: &str) -> Option<&'a mut Source> {
    (scopes.iter_mut().rev()).find_map(|scope| {
        scope
            .iter_mut()
            .find(|s| s.binding.as_deref() == Some(qualifier))
    })
}

/// Reads (with their pinned columns) or writes, by table.
type Uses = BTreeMap<String, (Option<BTreeSet<String>>, BTreeSet<String>)>;

/// Adds a use of `table`: columns merge (`None` wins); a column is pinned only if every use
/// pins it.
fn merge(
    uses: &mut Uses,
    table: String,
    columns: Option<BTreeSet<String>>,
    pinned: BTreeSet<String>,
) {
    match uses.entry(table) {
        Entry::Vacant(entry) => {
            entry.insert((columns, pinned));
        }
        Entry::Occupied(mut entry) => {
            let (known, all_pin) = entry.get_mut();
            match (known.as_mut(), columns) {
                (Some(known), Some(columns)) => known.extend(columns),
                _ => *known = None,
            }
            all_pin.retain(|c| pinned.contains(c));
        }
    }
}

#[derive(Debug, Default)]
struct Walker {
    /// The scopes around the one being walked, innermost last.
    scopes: Vec<Scope>,
    /// The CTE names in view.
    ctes: Vec<String>,
    reads: Uses,
    writes: Uses,
    /// The kind of the first write met, for a query whose CTE writes.
    first_write: Option<StatementKind>,
}

impl Walker {
    fn statement(&mut self, statement: &Statement) -> StatementKind {
        match statement {
            Statement::Query(query) => (self.query(query))
                .or(self.first_write)
                .unwrap_or(StatementKind::Select),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::Merge(merge) => self.merge(merge),
            Statement::Truncate(truncate) => {
                for target in &truncate.table_names {
                    if let Some(table) = last(&target.name) {
                        merge(&mut self.writes, table, None, BTreeSet::new());
                    }
                }
                self.wrote(StatementKind::Delete)
            }
            _ => StatementKind::Other,
        }
    }

    fn wrote(&mut self, kind: StatementKind) -> StatementKind {
        self.first_write.get_or_insert(kind);
        kind
    }

    /// Walks a query; its kind when its body writes (`WITH … INSERT …`).
    fn query(&mut self, query: &Query) -> Option<StatementKind> {
        let in_view = self.ctes.len();
        if let Some(with) = &query.with {
            // A recursive CTE sees itself; another sees only the CTEs before it (its own name
            // in its body is the table it may shadow).
            if with.recursive {
                (self.ctes).extend(with.cte_tables.iter().map(|cte| name(&cte.alias.name)));
            }
            for cte in &with.cte_tables {
                self.query(&cte.query);
                if !with.recursive {
                    self.ctes.push(name(&cte.alias.name));
                }
            }
        }
        let kind = self.body(&query.body, query.order_by.as_ref());
        self.detached(&query.limit_clause);
        self.detached(&query.fetch);
        self.ctes.truncate(in_view);
        kind
    }

    fn body(&mut self, body: &SetExpr, order_by: Option<&OrderBy>) -> Option<StatementKind> {
        let kind = match body {
            SetExpr::Select(select) => {
                self.select(select, order_by);
                return None;
            }
            SetExpr::Query(query) => self.query(query),
            SetExpr::SetOperation { left, right, .. } => {
                self.body(left, None);
                self.body(right, None);
                None
            }
            SetExpr::Values(values) => {
                self.detached(values);
                None
            }
            SetExpr::Insert(statement)
            | SetExpr::Update(statement)
            | SetExpr::Delete(statement)
            | SetExpr::Merge(statement) => Some(self.statement(statement)),
            SetExpr::Table(table) => {
                let table = table.table_name.as_ref().map(name);
                if let Some(table) = table.filter(|t| !self.ctes.contains(t)) {
                    merge(&mut self.reads, table, None, BTreeSet::new());
                }
                None
            }
        };
        // Past a set operation or parentheses, ORDER BY names output columns.
        if let Some(order_by) = order_by {
            self.detached(order_by);
        }
        kind
    }

    fn select(&mut self, select: &Select, order_by: Option<&OrderBy>) {
        let mut collector = Collector::default();
        collector.wildcards(&select.projection);
        collector.visit(select);
        if let Some(order_by) = order_by {
            collector.visit(order_by);
        }
        for join in select.from.iter().flat_map(|from| &from.joins) {
            if let Some(JoinConstraint::Using(columns) | JoinConstraint::UsingAlias(columns, _)) =
                join_constraint(&join.join_operator)
            {
                collector.columns(columns.iter().filter_map(last));
            }
        }
        let aliases = (select.projection.iter())
            .flat_map(|item| match item {
                SelectItem::ExprWithAlias { alias, .. } => std::slice::from_ref(alias),
                SelectItem::ExprWithAliases { aliases, .. } => aliases.as_slice(),
                _ => &[],
            })
            .map(name)
            .collect();
        let scope = self.sources(mem::take(&mut collector.factors));
        self.scopes.push(scope);
        self.finish(collector, &aliases, select.selection.as_ref());
    }

    /// The sources of a scope's factors: a single-part name in view as a CTE is no table.
    fn sources(&self, factors: Vec<Factor>) -> Scope {
        (factors.into_iter())
            .map(|factor| {
                let table = (factor.relation)
                    .filter(|(table, single)| !(*single && self.ctes.contains(table)))
                    .map(|(table, _)| table);
                Source::new(table, factor.binding, true)
            })
            .collect()
    }

    /// Walks `node` as a scope of no tables (VALUES, LIMIT, ORDER BY past a UNION): a bare
    /// name there is no column of the scopes around it (an output column, most likely), so an
    /// opaque source takes it; qualified names and subqueries resolve as anywhere.
    fn detached(&mut self, node: &impl Visit) {
        let mut collector = Collector::default();
        collector.visit(node);
        let mut scope = self.sources(mem::take(&mut collector.factors));
        scope.push(Source::new(None, None, false));
        self.scopes.push(scope);
        self.finish(collector, &BTreeSet::new(), None);
    }

    /// Resolves what the innermost scope's expressions name, pins it by `selection`, walks its
    /// subqueries inside it, then closes it: its tables' reads are recorded.
    fn finish(
        &mut self,
        collector: Collector,
        aliases: &BTreeSet<String>,
        selection: Option<&Expr>,
    ) {
        for reference in collector.refs {
            self.resolve(reference, aliases);
        }
        if let (Some(selection), Some(scope)) = (selection, self.scopes.last_mut()) {
            key::pin(scope, selection);
        }
        for query in &collector.nested {
            self.query(query);
        }
        for source in self.scopes.pop().into_iter().flatten() {
            if let Some(table) = source.table.filter(|_| source.listed || source.used) {
                merge(&mut self.reads, table, source.columns, source.pinned);
            }
        }
    }

    fn resolve(&mut self, reference: Ref, aliases: &BTreeSet<String>) {
        match reference {
            Ref::Column {
                qualifier: Some(qualifier),
                column,
                ..
            } => {
                if let Some(source) = bound(&mut self.scopes, &qualifier) {
                    source.read(&column);
                }
            }
            Ref::Column {
                qualifier: None,
                column,
                aliasable,
            } => {
                if aliasable && aliases.contains(&column) {
                    return;
                }
                // A bare table name as a value is its whole row (`row_to_json(u)`); it may
                // also be a column, so it is one too.
                if let Some(source) = bound(&mut self.scopes, &column) {
                    source.read_all();
                }
                for source in self.nearest() {
                    source.read(&column);
                }
            }
            Ref::All(Some(qualifier)) => {
                if let Some(source) = bound(&mut self.scopes, &qualifier) {
                    source.read_all();
                }
            }
            Ref::All(None) => self.nearest().for_each(Source::read_all),
        }
    }

    /// The sources of the innermost scope that has any: where a bare column belongs.
    fn nearest(&mut self) -> impl Iterator<Item = &mut Source> {
        (self.scopes.iter_mut().rev())
            .find(|scope| !scope.is_empty())
            .into_iter()
            .flatten()
    }
}

/// The ON or USING part of a join, for the joins that have one.
fn join_constraint(operator: &JoinOperator) -> Option<&JoinConstraint> {
    match operator {
        JoinOperator::Join(constraint)
        | JoinOperator::Inner(constraint)
        | JoinOperator::Left(constraint)
        | JoinOperator::LeftOuter(constraint)
        | JoinOperator::Right(constraint)
        | JoinOperator::RightOuter(constraint)
        | JoinOperator::FullOuter(constraint)
        | JoinOperator::CrossJoin(constraint)
        | JoinOperator::Semi(constraint)
        | JoinOperator::LeftSemi(constraint)
        | JoinOperator::RightSemi(constraint)
        | JoinOperator::Anti(constraint)
        | JoinOperator::LeftAnti(constraint)
        | JoinOperator::RightAnti(constraint)
        | JoinOperator::StraightJoin(constraint)
        | JoinOperator::AsOf { constraint, .. } => Some(constraint),
        _ => None,
    }
}
