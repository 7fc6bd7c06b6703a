//! What the leading keywords of SQL that does not parse still say: the statement a
//! `QueryBuilder` starts (`"UPDATE posts SET "`) or one sqlparser rejects
//! (`ON CONFLICT (lower(email))`) still inserts into, updates or deletes from the table it
//! names. Read from sqlparser's tokens: the kind, the table, and the columns when the text
//! lists them before it ends.

use super::{StatementFacts, StatementKind, TableUse, parser_dialect};
use crate::config::SqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeSet;

/// The facts the leading keywords of `sql` give, when they start an INSERT, REPLACE, UPDATE,
/// DELETE or SELECT; `None` for anything else (a typo in the verb, DDL) or text that does not
/// tokenize.
pub fn facts(sql: &str, dialect: SqlDialect) -> Option<StatementFacts> {
    let dialect = parser_dialect(dialect);
    let tokens: Vec<Token> = Tokenizer::new(dialect.as_ref(), sql)
        .tokenize()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut at = Cursor { tokens, next: 0 };
    match at.keyword()? {
        Keyword::INSERT | Keyword::REPLACE => {
            let replace = at
                .tokens
                .first()
                .is_some_and(|t| keyword(t) == Some(Keyword::REPLACE))
                || at
                    .tokens
                    .iter()
                    .take(4)
                    .any(|t| keyword(t) == Some(Keyword::REPLACE));
            at.skip_to(Keyword::INTO)?;
            let table = at.table()?;
            let columns = at.column_list();
            let upsert = replace || at.upsert();
            Some(write(
                if upsert {
                    StatementKind::Upsert
                } else {
                    StatementKind::Insert
                },
                table,
                // An upsert may also write what its update clause sets.
                columns.filter(|_| !upsert),
            ))
        }
        Keyword::UPDATE => {
            let table = at.table()?;
            at.skip_to(Keyword::SET)?;
            Some(write(StatementKind::Update, table, at.assignments()))
        }
        Keyword::DELETE => {
            at.skip_to(Keyword::FROM)?;
            let table = at.table()?;
            Some(write(StatementKind::Delete, table, None))
        }
        Keyword::SELECT => {
            let mut reads: Vec<TableUse> = Vec::new();
            while at.skip_to_any(&[Keyword::FROM, Keyword::JOIN]).is_some() {
                if let Some(table) = at.table()
                    && !reads.iter().any(|r| r.table == table)
                {
                    reads.push(TableUse {
                        table,
                        columns: None,
                        by_key: false,
                        pinned: BTreeSet::new(),
                    });
                }
            }
            reads.sort();
            (!reads.is_empty()).then_some(StatementFacts {
                kind: StatementKind::Select,
                reads,
                writes: Vec::new(),
            })
        }
        _ => None,
    }
}

fn write(kind: StatementKind, table: String, columns: Option<BTreeSet<String>>) -> StatementFacts {
    StatementFacts {
        kind,
        reads: Vec::new(),
        writes: vec![TableUse {
            table,
            columns,
            by_key: false,
            pinned: BTreeSet::new(),
        }],
    }
}

fn keyword(token: &Token) -> Option<Keyword> {
    match token {
        Token::Word(w) if w.quote_style.is_none() && w.keyword != Keyword::NoKeyword => {
            Some(w.keyword)
        }
        _ => None,
    }
}

/// An identifier as SQL folds it: unquoted lowercased, quoted as written.
fn name(token: &Token) -> Option<String> {
    match token {
        Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

struct Cursor {
    tokens: Vec<Token>,
    next: usize,
}

impl Cursor {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn keyword(&mut self) -> Option<Keyword> {
        let k = keyword(self.peek()?)?;
        self.next += 1;
        Some(k)
    }

    /// Moves past the next `wanted` keyword.
    fn skip_to(&mut self, wanted: Keyword) -> Option<()> {
        self.skip_to_any(&[wanted]).map(|_| ())
    }

    fn skip_to_any(&mut self, wanted: &[Keyword]) -> Option<Keyword> {
        while let Some(found) = self.peek().map(keyword) {
            self.next += 1;
            if let Some(k) = found
                && wanted.contains(&k)
            {
                return Some(k);
            }
        }
        None
    }

    /// `schema.table` or `table` (its last part); `None` at a subquery or the end.
    fn table(&mut self) -> Option<String> {
        let mut last = name(self.peek()?)?;
        self.next += 1;
        while matches!(self.peek(), Some(Token::Period)) {
            self.next += 1;
            last = name(self.peek()?)?;
            self.next += 1;
        }
        Some(last)
    }

    /// `(a, b, c)` right here: the names; `None` when there is no such list.
    fn column_list(&mut self) -> Option<BTreeSet<String>> {
        if !matches!(self.peek(), Some(Token::LParen)) {
            return None;
        }
        self.next += 1;
        let mut columns = BTreeSet::new();
        loop {
            let column = name(self.peek()?)?;
            columns.insert(column);
            self.next += 1;
            match self.peek()? {
                Token::Comma => self.next += 1,
                Token::RParen => {
                    self.next += 1;
                    return Some(columns);
                }
                _ => return None,
            }
        }
    }

    /// Whether the rest holds `ON CONFLICT … DO UPDATE` or `ON DUPLICATE KEY UPDATE`.
    fn upsert(&self) -> bool {
        let rest: Vec<Option<Keyword>> = self.tokens[self.next..].iter().map(keyword).collect();
        let conflict = rest.windows(2).position(|w| {
            w == [Some(Keyword::ON), Some(Keyword::CONFLICT)]
                || w == [Some(Keyword::ON), Some(Keyword::DUPLICATE)]
        });
        conflict.is_some_and(|at| {
            rest[at..].windows(2).any(|w| {
                w == [Some(Keyword::DO), Some(Keyword::UPDATE)]
                    || w == [Some(Keyword::KEY), Some(Keyword::UPDATE)]
            })
        })
    }

    /// `a = …, b = …` after SET, up to WHERE, FROM or RETURNING: the columns; `None` when
    /// the text ends before any (a builder adds them) or a target is not a plain name.
    fn assignments(&mut self) -> Option<BTreeSet<String>> {
        let mut columns = BTreeSet::new();
        let mut depth = 0usize;
        let mut expect_target = true;
        while let Some(token) = self.peek().cloned() {
            self.next += 1;
            match &token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::Comma if depth == 0 => expect_target = true,
                _ if depth == 0
                    && matches!(
                        keyword(&token),
                        Some(Keyword::WHERE | Keyword::FROM | Keyword::RETURNING)
                    ) =>
                {
                    break;
                }
                _ if expect_target && depth == 0 => {
                    let column = name(&token)?;
                    // `t.col`: the column.
                    let column = if matches!(self.peek(), Some(Token::Period)) {
                        self.next += 1;
                        let inner = name(self.peek()?)?;
                        self.next += 1;
                        inner
                    } else {
                        column
                    };
                    if !matches!(self.peek(), Some(Token::Eq)) {
                        return None;
                    }
                    columns.insert(column);
                    expect_target = false;
                }
                _ => {}
            }
        }
        (!columns.is_empty()).then_some(columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_table_columns(sql: &str) -> Option<(StatementKind, String, Option<Vec<String>>)> {
        let facts = facts(sql, SqlDialect::Postgres)?;
        let table = facts.writes.first().or(facts.reads.first())?;
        Some((
            facts.kind,
            table.table.clone(),
            table.columns.as_ref().map(|c| c.iter().cloned().collect()),
        ))
    }

    #[test]
    fn builder_prefixes_give_their_statement_and_table() {
        assert_eq!(
            kind_table_columns("UPDATE posts SET "),
            Some((StatementKind::Update, "posts".into(), None))
        );
        assert_eq!(
            kind_table_columns("INSERT INTO Results (app_id, status) "),
            Some((
                StatementKind::Insert,
                "results".into(),
                Some(vec!["app_id".into(), "status".into()])
            ))
        );
        assert_eq!(
            kind_table_columns("INSERT INTO public.posts ("),
            Some((StatementKind::Insert, "posts".into(), None))
        );
        assert_eq!(
            kind_table_columns("DELETE FROM \"Tags\" WHERE "),
            Some((StatementKind::Delete, "Tags".into(), None))
        );
        assert_eq!(
            kind_table_columns("SELECT * FROM users u JOIN teams t ON "),
            Some((StatementKind::Select, "teams".into(), None))
        );
    }

    #[test]
    fn an_unparsed_upsert_is_an_upsert() {
        assert_eq!(
            kind_table_columns(
                "INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (lower(email)) DO UPDATE SET name = EXCLUDED.name"
            ),
            Some((StatementKind::Upsert, "users".into(), None))
        );
        assert_eq!(
            kind_table_columns("REPLACE INTO users (id) VALUES (?)").map(|t| t.0),
            Some(StatementKind::Upsert)
        );
        assert_eq!(
            kind_table_columns("INSERT INTO users (id) VALUES (1) ON CONFLICT DO NOTHING")
                .map(|t| t.0),
            Some(StatementKind::Insert)
        );
    }

    #[test]
    fn update_targets_are_the_columns() {
        assert_eq!(
            kind_table_columns("UPDATE users SET name = $1, u.bio = lower($2) WHERE id = $3 AND"),
            Some((
                StatementKind::Update,
                "users".into(),
                Some(vec!["bio".into(), "name".into()])
            ))
        );
    }

    #[test]
    fn other_text_gives_nothing() {
        assert_eq!(kind_table_columns("UPDTE users SET x = 1"), None);
        assert_eq!(kind_table_columns("CREATE TABLE t (id int)"), None);
        assert_eq!(kind_table_columns(""), None);
        assert_eq!(kind_table_columns("UPDATE"), None);
    }
}
