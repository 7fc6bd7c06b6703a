//! One scope's raw material, gathered with sqlparser's visitor: the table factors its FROM
//! lists, the columns its expressions name, and the subqueries it holds (each walked later as
//! a scope of its own, so nothing below a subquery is gathered here).

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, ObjectName, OrderBy,
    Query, SelectItem, SelectItemQualifiedWildcardKind, TableFactor, Visit, Visitor,
};
use std::convert::Infallible;
use std::ops::ControlFlow;

/// An identifier as SQL compares it: unquoted ones fold to lowercase, quoted ones stay as
/// written.
pub(super) fn name(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// The last part of an object name (`public.users` -> `users`).
pub(super) fn last(object: &ObjectName) -> Option<String> {
    object.0.last()?.as_ident().map(name)
}

/// An unquoted identifier that names a value, not a column: a placeholder the dialect leaves
/// as an identifier (`@name`, `$1` in MySQL), a user variable, or `DEFAULT`.
pub(super) fn is_value_name(ident: &Ident) -> bool {
    ident.quote_style.is_none()
        && (ident.value.starts_with(['@', '$', ':', '?'])
            || ident.value.eq_ignore_ascii_case("default"))
}

/// A table factor of the scope.
#[derive(Debug)]
pub(super) struct Factor {
    /// A named relation without arguments: a table, or a CTE (the walker tells which); the
    /// bool says whether the name had a single part (only those can name a CTE).
    pub relation: Option<(String, bool)>,
    /// The name the scope knows it by: its alias, else a relation's own name.
    pub binding: Option<String>,
}

/// What an expression refers to.
#[derive(Debug)]
pub(super) enum Ref {
    /// A column, `qualifier.column` or bare; `aliasable` when it stands in ORDER BY or
    /// GROUP BY, where a bare name may be a select-list alias.
    Column {
        qualifier: Option<String>,
        column: String,
        aliasable: bool,
    },
    /// Every column of the table bound to the qualifier (`t.*`), or of every table (`*`).
    All(Option<String>),
}

/// Gathers a scope from the nodes it is shown (see [`Collector::visit`]).
#[derive(Debug, Default)]
pub(super) struct Collector {
    pub factors: Vec<Factor>,
    pub refs: Vec<Ref>,
    /// Subqueries, cloned: the visitor lends nodes only for the length of a call.
    pub nested: Vec<Query>,
    /// Queries entered below this scope.
    depth: usize,
    /// Expressions entered, and the level of the MySQL `VALUES(col)` being skipped: it names
    /// the row being inserted, not a column read.
    exprs: usize,
    skip_from: Option<usize>,
    aliasable: bool,
}

impl Collector {
    /// Gathers from `node` (never a scope's own `Query`: that would be taken as a subquery).
    pub fn visit(&mut self, node: &impl Visit) {
        let ControlFlow::Continue(()) = node.visit(self);
    }

    /// Gathers from a RETURNING clause: its wildcards and its expressions.
    pub fn visit_items(&mut self, items: &[SelectItem]) {
        self.wildcards(items);
        for item in items {
            self.visit(item);
        }
    }

    /// The wildcards of a select list (`*`, `t.*`), which the visitor does not show.
    pub fn wildcards(&mut self, items: &[SelectItem]) {
        for item in items {
            match item {
                SelectItem::Wildcard(_) => self.refs.push(Ref::All(None)),
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(o),
                    _,
                ) => {
                    self.refs.push(Ref::All(last(o)));
                }
                _ => {}
            }
        }
    }

    /// Bare columns named outside any expression (`JOIN … USING (col)`).
    pub fn columns(&mut self, columns: impl IntoIterator<Item = String>) {
        for column in columns {
            self.refs.push(Ref::Column {
                qualifier: None,
                column,
                aliasable: false,
            });
        }
    }

    fn here(&self) -> bool {
        self.depth == 0 && self.skip_from.is_none()
    }

    fn column(&mut self, qualifier: Option<&Ident>, column: &Ident) {
        if !is_value_name(column) && !qualifier.is_some_and(is_value_name) {
            self.refs.push(Ref::Column {
                qualifier: qualifier.map(name),
                column: name(column),
                aliasable: self.aliasable,
            });
        }
    }

    fn factor(&mut self, factor: &TableFactor) {
        let (relation, alias) = match factor {
            TableFactor::Table {
                name: object,
                alias,
                args: None,
                ..
            } => (last(object).map(|n| (n, object.0.len() == 1)), alias),
            TableFactor::Table { alias, .. }
            | TableFactor::Derived { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::Function { alias, .. }
            | TableFactor::UNNEST { alias, .. }
            | TableFactor::JsonTable { alias, .. }
            | TableFactor::OpenJsonTable { alias, .. }
            | TableFactor::NestedJoin { alias, .. }
            | TableFactor::Pivot { alias, .. }
            | TableFactor::Unpivot { alias, .. } => (None, alias),
            _ => (None, &None),
        };
        let binding = match alias {
            Some(alias) => Some(name(&alias.name)),
            None => relation.as_ref().map(|(n, _)| n.clone()),
        };
        self.factors.push(Factor { relation, binding });
    }
}

impl Visitor for Collector {
    type Break = Infallible;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<Infallible> {
        if self.here() {
            self.nested.push(query.clone());
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<Infallible> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<Infallible> {
        if self.here() {
            self.factor(factor);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_order_by(&mut self, _: &OrderBy) -> ControlFlow<Infallible> {
        if self.depth == 0 {
            self.aliasable = true;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_order_by(&mut self, _: &OrderBy) -> ControlFlow<Infallible> {
        if self.depth == 0 {
            self.aliasable = false;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_group_by(&mut self, _: &GroupByExpr) -> ControlFlow<Infallible> {
        if self.depth == 0 {
            self.aliasable = true;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_group_by(&mut self, _: &GroupByExpr) -> ControlFlow<Infallible> {
        if self.depth == 0 {
            self.aliasable = false;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<Infallible> {
        self.exprs += 1;
        if !self.here() {
            return ControlFlow::Continue(());
        }
        match expr {
            Expr::Identifier(column) => self.column(None, column),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [column] => self.column(None, column),
                [.., qualifier, column] => self.column(Some(qualifier), column),
                [] => {}
            },
            Expr::QualifiedWildcard(object, _) => self.refs.push(Ref::All(last(object))),
            Expr::Function(function) => {
                let args = match &function.args {
                    FunctionArguments::List(list) => list.args.as_slice(),
                    _ => &[],
                };
                let is_values = matches!(function.name.0.as_slice(), [part]
                    if part.as_ident().is_some_and(|i| i.quote_style.is_none()
                        && i.value.eq_ignore_ascii_case("values")));
                if is_values && !args.is_empty() {
                    self.skip_from = Some(self.exprs);
                }
                for arg in args {
                    let (FunctionArg::Named { arg, .. }
                    | FunctionArg::ExprNamed { arg, .. }
                    | FunctionArg::Unnamed(arg)) = arg;
                    if let FunctionArgExpr::QualifiedWildcard(object) = arg {
                        self.refs.push(Ref::All(last(object)));
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<Infallible> {
        if self.skip_from == Some(self.exprs) {
            self.skip_from = None;
        }
        self.exprs -= 1;
        ControlFlow::Continue(())
    }
}
