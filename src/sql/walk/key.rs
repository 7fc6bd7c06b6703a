//! Pinned columns: a WHERE clause's top-level conjuncts that equate a column with a value
//! (`id = $1`); pinning the primary key (or a unique column) selects one row.

use super::Scope;
use crate::sql::collect::{is_value_name, name};
use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator};

/// Records, for the sources of `scope`, each column a top-level conjunct of `selection`
/// equates with a placeholder or literal.
pub(super) fn pin(scope: &mut Scope, selection: &Expr) {
    // A loop, not recursion: a long AND chain is as deep as it is long.
    let mut pending = vec![selection];
    while let Some(expr) = pending.pop() {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => pending.extend([&**left, &**right]),
            Expr::Nested(inner) => pending.push(inner),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                let (key, column) = match (key_column(left), key_column(right)) {
                    (Some(found), None) if is_value(right) => found,
                    (None, Some(found)) if is_value(left) => found,
                    _ => continue,
                };
                let pinned = match key {
                    Some(qualifier) => (scope.iter_mut())
                        .find(|s| s.binding.as_deref() == Some(qualifier.as_str())),
                    None if scope.len() == 1 => scope.first_mut(),
                    None => None,
                };
                if let Some(source) = pinned {
                    source.pinned.insert(column);
                }
            }
            _ => {}
        }
    }
}

/// `Some((qualifier, column))` when `expr` is a column, bare or qualified (and not a value
/// such as a placeholder name).
fn key_column(expr: &Expr) -> Option<(Option<String>, String)> {
    let (qualifier, column) = match expr {
        Expr::Identifier(column) => (None, column),
        Expr::CompoundIdentifier(parts) => match parts.as_slice() {
            [column] => (None, column),
            [.., qualifier, column] => (Some(name(qualifier)), column),
            [] => return None,
        },
        Expr::Nested(inner) => return key_column(inner),
        _ => return None,
    };
    (!is_value_name(column)).then(|| (qualifier, name(column)))
}

/// A placeholder or literal, maybe cast, signed or parenthesized.
fn is_value(mut expr: &Expr) -> bool {
    loop {
        match expr {
            Expr::Value(_) | Expr::TypedString { .. } => return true,
            Expr::Identifier(ident) => return is_value_name(ident),
            Expr::Cast { expr: inner, .. }
            | Expr::Nested(inner)
            | Expr::UnaryOp {
                op: UnaryOperator::Minus | UnaryOperator::Plus,
                expr: inner,
            } => expr = inner,
            _ => return false,
        }
    }
}
