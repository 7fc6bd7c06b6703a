//! The keys a schema declares: from `CREATE TABLE` (`PRIMARY KEY`, `UNIQUE`, inline or as a
//! table constraint) and `CREATE UNIQUE INDEX`, in migration files. A query that pins every
//! column of one of them selects one row.

use super::collect::{last, name};
use super::parser_dialect;
use crate::config::SqlDialect;
use sqlparser::ast::{ColumnOption, Expr, IndexColumn, Statement, TableConstraint};
use sqlparser::parser::Parser;

/// Each unique key (primary or unique) `sql` declares: `(table, columns)`. Statements that do
/// not parse are skipped (a migration file may hold a dialect's extensions).
pub fn unique_keys(sql: &str, dialect: SqlDialect) -> Vec<(String, Vec<String>)> {
    let dialect = parser_dialect(dialect);
    let mut out = Vec::new();
    // One statement at a time: one the parser does not know leaves the others.
    for text in sql.split(';') {
        if text.trim().is_empty() || text.len() > super::MAX_SQL_LEN {
            continue;
        }
        let Ok(statements) = Parser::parse_sql(dialect.as_ref(), text) else {
            continue;
        };
        for statement in statements {
            match statement {
                Statement::CreateTable(create) => {
                    let Some(table) = last(&create.name) else {
                        continue;
                    };
                    for column in &create.columns {
                        let keyed = column.options.iter().any(|o| {
                            matches!(
                                o.option,
                                ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_)
                            )
                        });
                        if keyed {
                            out.push((table.clone(), vec![name(&column.name)]));
                        }
                    }
                    for constraint in &create.constraints {
                        let columns = match constraint {
                            TableConstraint::PrimaryKey(c) => &c.columns,
                            TableConstraint::Unique(c) => &c.columns,
                            _ => continue,
                        };
                        if let Some(columns) = index_columns(columns) {
                            out.push((table.clone(), columns));
                        }
                    }
                }
                Statement::CreateIndex(index) if index.unique => {
                    if let (Some(table), Some(columns)) =
                        (last(&index.table_name), index_columns(&index.columns))
                    {
                        out.push((table, columns));
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The plain columns of a key; `None` when one is an expression (`lower(email)`).
fn index_columns(columns: &[IndexColumn]) -> Option<Vec<String>> {
    columns
        .iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(ident) => Some(name(ident)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_tables_constraints_and_unique_indexes() {
        let sql = "CREATE TABLE articles (\n  slug TEXT PRIMARY KEY,\n  title TEXT NOT NULL\n);\n\
                   CREATE TABLE users (id BIGSERIAL, email TEXT UNIQUE, PRIMARY KEY (id));\n\
                   CREATE TABLE follows (a BIGINT, b BIGINT, CONSTRAINT pk PRIMARY KEY (a, b));\n\
                   CREATE UNIQUE INDEX users_name ON users (name);\n\
                   CREATE UNIQUE INDEX users_lower ON users (lower(email));\n\
                   CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";";
        let keys = unique_keys(sql, SqlDialect::Postgres);
        let shown: Vec<String> = keys
            .iter()
            .map(|(t, c)| format!("{t}({})", c.join(",")))
            .collect();
        assert_eq!(
            shown,
            [
                "articles(slug)",
                "follows(a,b)",
                "users(email)",
                "users(id)",
                "users(name)"
            ]
        );
    }
}
