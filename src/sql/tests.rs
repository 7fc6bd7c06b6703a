use super::*;
use SqlDialect::{Generic, Mysql, Postgres, Sqlite};
use proptest::prelude::*;

/// The statements of `sql`, one line each: `Kind reads [t(a,b)!key u(*)] writes [...]`.
fn show(sql: &str, dialect: SqlDialect) -> Vec<String> {
    let facts = analyze(sql, dialect).unwrap_or_else(|err| panic!("{:.200}: {err}", sql));
    facts.iter().map(line).collect()
}

fn line(facts: &StatementFacts) -> String {
    let uses = |uses: &[TableUse]| {
        (uses.iter())
            .map(|u| {
                let columns = match &u.columns {
                    Some(columns) => columns.iter().cloned().collect::<Vec<_>>().join(","),
                    None => "*".to_string(),
                };
                let key = if u.by_key { "!key" } else { "" };
                format!("{}({columns}){key}", u.table)
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "{:?} reads [{}] writes [{}]",
        facts.kind,
        uses(&facts.reads),
        uses(&facts.writes)
    )
}

/// The one statement of `sql`.
fn one(sql: &str, dialect: SqlDialect) -> String {
    let mut lines = show(sql, dialect);
    assert_eq!(lines.len(), 1, "{sql}: {lines:?}");
    lines.remove(0)
}

fn pg(sql: &str) -> String {
    one(sql, Postgres)
}

/// Whether `sql` reads `table` by key.
fn by_key(sql: &str, dialect: SqlDialect, table: &str) -> bool {
    let facts = analyze(sql, dialect).unwrap();
    let read = facts[0].reads.iter().find(|u| u.table == table);
    read.unwrap_or_else(|| panic!("{sql}: no read of {table}"))
        .by_key
}

#[test]
fn select_with_join_and_aliases() {
    assert_eq!(
        pg("SELECT u.name, t.title FROM users u JOIN teams t ON t.id = u.team_id WHERE u.id = $1"),
        "Select reads [teams(id,title) users(id,name,team_id)!key] writes []"
    );
    // A bare column in a scope of two tables may be either's.
    assert_eq!(
        pg("SELECT name FROM users u LEFT JOIN teams t ON t.id = u.team_id"),
        "Select reads [teams(id,name) users(name,team_id)] writes []"
    );
    assert_eq!(
        pg("SELECT name FROM users JOIN teams USING (team_id)"),
        "Select reads [teams(name,team_id) users(name,team_id)] writes []"
    );
    // A qualifier names the alias, or the table when it has none.
    assert_eq!(
        pg("SELECT users.name FROM users, teams WHERE teams.owner = users.id"),
        "Select reads [teams(owner) users(id,name)] writes []"
    );
}

#[test]
fn wildcards_and_counts() {
    assert_eq!(
        pg("SELECT * FROM users u JOIN teams t ON t.id = u.team_id"),
        "Select reads [teams(*) users(*)] writes []"
    );
    assert_eq!(
        pg("SELECT u.*, t.name FROM users u JOIN teams t ON t.id = u.team_id"),
        "Select reads [teams(id,name) users(*)] writes []"
    );
    assert_eq!(
        pg("SELECT count(*) FROM users WHERE team_id = $1"),
        "Select reads [users(team_id)] writes []"
    );
    assert_eq!(
        pg("SELECT 1 FROM users"),
        "Select reads [users()] writes []"
    );
    // A whole row as a value.
    assert_eq!(
        pg("SELECT row_to_json(u) FROM users u"),
        "Select reads [users(*)] writes []"
    );
    assert_eq!(
        pg(
            "SELECT json_agg(o.*), u.name FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name"
        ),
        "Select reads [orders(*) users(id,name)] writes []"
    );
}

#[test]
fn subqueries_anywhere() {
    assert_eq!(
        pg("SELECT name FROM users WHERE team_id IN (SELECT id FROM teams WHERE owner = $1)"),
        "Select reads [teams(id,owner) users(name,team_id)] writes []"
    );
    // Correlated: the inner query names the outer query's table.
    assert_eq!(
        pg("SELECT name FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)"),
        "Select reads [orders(user_id) users(id,name)] writes []"
    );
    assert_eq!(
        pg("SELECT s.total FROM (SELECT sum(amount) AS total FROM orders) s"),
        "Select reads [orders(amount)] writes []"
    );
    assert_eq!(
        pg("SELECT u.name, (SELECT count(*) FROM orders o WHERE o.user_id = u.id) FROM users u"),
        "Select reads [orders(user_id) users(id,name)] writes []"
    );
    assert_eq!(
        pg(
            "SELECT * FROM users u, LATERAL (SELECT o.amount FROM orders o WHERE o.user_id = u.id) z"
        ),
        "Select reads [orders(amount,user_id) users(*)] writes []"
    );
    assert_eq!(
        pg("SELECT a FROM t1 UNION SELECT b FROM t2 ORDER BY 1"),
        "Select reads [t1(a) t2(b)] writes []"
    );
    // Past a UNION, ORDER BY names output columns, not the outer query's.
    assert_eq!(
        pg(
            "SELECT name FROM users WHERE x IN (SELECT a FROM t1 UNION SELECT a FROM t2 ORDER BY a)"
        ),
        "Select reads [t1(a) t2(a) users(name,x)] writes []"
    );
    assert_eq!(
        pg("SELECT name, rank() OVER (PARTITION BY team ORDER BY score) FROM users"),
        "Select reads [users(name,score,team)] writes []"
    );
}

#[test]
fn ctes_are_not_tables() {
    assert_eq!(
        pg(
            "WITH recent AS (SELECT user_id FROM orders WHERE created > $1) \
            SELECT u.name FROM users u JOIN recent r ON r.user_id = u.id"
        ),
        "Select reads [orders(created,user_id) users(id,name)] writes []"
    );
    // In its own body a CTE's name is the table it shadows.
    assert_eq!(
        pg("WITH users AS (SELECT * FROM users WHERE active) SELECT name FROM users"),
        "Select reads [users(*)] writes []"
    );
    assert_eq!(
        pg(
            "WITH RECURSIVE tree AS (SELECT id, parent FROM nodes WHERE id = $1 \
            UNION ALL SELECT n.id, n.parent FROM nodes n JOIN tree ON n.parent = tree.id) \
            SELECT id FROM tree"
        ),
        "Select reads [nodes(id,parent)] writes []"
    );
    // A schema-qualified name is never a CTE.
    assert_eq!(
        pg("WITH users AS (SELECT 1) SELECT name FROM public.users"),
        "Select reads [users(name)] writes []"
    );
}

#[test]
fn by_key_needs_id_equal_to_a_value_in_a_top_level_conjunct() {
    let key = |sql: &str| by_key(sql, Postgres, "users");
    assert!(key("SELECT name FROM users WHERE id = $1"));
    assert!(key("SELECT name FROM users WHERE $1 = id"));
    assert!(key(
        "SELECT name FROM users WHERE id = $1::uuid AND deleted_at IS NULL"
    ));
    assert!(key("SELECT name FROM users WHERE (active AND (id = 42))"));
    assert!(key("SELECT name FROM users WHERE id = 'a-b'"));
    assert!(key("SELECT name FROM users u WHERE u.id = $1"));
    assert!(key("SELECT name FROM public.users WHERE users.id = $1"));
    assert!(!key("SELECT name FROM users WHERE app_id = $1"));
    assert!(!key("SELECT name FROM users WHERE id = $1 OR active"));
    assert!(!key("SELECT name FROM users WHERE id IN ($1, $2)"));
    assert!(!key("SELECT name FROM users WHERE id = ANY($1)"));
    assert!(!key("SELECT name FROM users WHERE id = other_id"));
    assert!(!key("SELECT name FROM users WHERE id > $1"));
    assert!(!key("SELECT name FROM users"));
    // Two tables: a bare `id` pins neither, a qualified one its table only.
    let join = "SELECT u.name FROM users u JOIN teams t ON t.id = u.team_id";
    assert!(!key(&format!("{join} WHERE id = $1")));
    assert!(key(&format!("{join} WHERE u.id = $1")));
    assert!(!by_key(
        &format!("{join} WHERE u.id = $1"),
        Postgres,
        "teams"
    ));
    // A table read twice is by key only if both reads are.
    assert!(!key(
        "SELECT name FROM users WHERE id = $1 AND team_id IN (SELECT team_id FROM users WHERE admin)"
    ));
    // A subquery's own WHERE pins its table.
    assert!(!key(
        "SELECT 1 FROM users WHERE EXISTS (SELECT 1 FROM teams WHERE id = $1)"
    ));
    assert!(by_key(
        "SELECT 1 FROM users WHERE EXISTS (SELECT 1 FROM teams WHERE id = $1)",
        Postgres,
        "teams"
    ));
}

#[test]
fn inserts() {
    assert_eq!(
        pg("INSERT INTO users (name, email) VALUES ($1, $2)"),
        "Insert reads [] writes [users(email,name)]"
    );
    assert_eq!(
        pg("INSERT INTO users VALUES ($1, $2)"),
        "Insert reads [] writes [users(*)]"
    );
    assert_eq!(
        pg("INSERT INTO archive (id, name) SELECT id, name FROM users WHERE deleted"),
        "Insert reads [users(deleted,id,name)] writes [archive(id,name)]"
    );
    assert_eq!(
        pg("INSERT INTO users (name) VALUES ($1) RETURNING id, created_at"),
        "Insert reads [users(created_at,id)] writes [users(name)]"
    );
    assert_eq!(
        one("INSERT INTO users SET name = ?, email = ?", Mysql),
        "Insert reads [] writes [users(email,name)]"
    );
    assert_eq!(
        pg("INSERT INTO users (name) VALUES ((SELECT name FROM people WHERE id = $1))"),
        "Insert reads [people(id,name)!key] writes [users(name)]"
    );
    assert_eq!(
        one("INSERT OR IGNORE INTO users (name) VALUES (?)", Sqlite),
        "Insert reads [] writes [users(name)]"
    );
    assert_eq!(
        one("INSERT IGNORE INTO users (name) VALUES (?)", Mysql),
        "Insert reads [] writes [users(name)]"
    );
    assert_eq!(
        one("INSERT INTO users DEFAULT VALUES", Sqlite),
        "Insert reads [] writes [users(*)]"
    );
}

#[test]
fn upserts_in_each_dialect() {
    let on_conflict = "INSERT INTO users (email, name) VALUES ($1, $2) \
        ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, hits = users.hits + 1";
    assert_eq!(
        pg(on_conflict),
        "Upsert reads [users(hits)] writes [users(email,hits,name)]"
    );
    assert_eq!(
        pg("INSERT INTO users AS u (email) VALUES ($1) \
            ON CONFLICT (email) DO UPDATE SET seen = now() WHERE u.active"),
        "Upsert reads [users(active)] writes [users(email,seen)]"
    );
    assert_eq!(
        pg("INSERT INTO users (email) VALUES ($1) ON CONFLICT DO NOTHING"),
        "Insert reads [] writes [users(email)]"
    );
    let sqlite = on_conflict.replace('$', "?");
    assert_eq!(
        one(&sqlite, Sqlite),
        "Upsert reads [users(hits)] writes [users(email,hits,name)]"
    );
    assert_eq!(
        one(&sqlite, Generic),
        "Upsert reads [users(hits)] writes [users(email,hits,name)]"
    );
    // MySQL: VALUES(col) is the row being inserted, `new` its alias; `hits` is read.
    assert_eq!(
        one(
            "INSERT INTO users (email, name) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE name = VALUES(name), hits = hits + 1",
            Mysql
        ),
        "Upsert reads [users(hits)] writes [users(email,hits,name)]"
    );
    assert_eq!(
        one(
            "INSERT INTO users (email, name) VALUES (?, ?) AS new \
             ON DUPLICATE KEY UPDATE name = new.name",
            Mysql
        ),
        "Upsert reads [] writes [users(email,name)]"
    );
    // REPLACE deletes the old row: every column is written.
    for (sql, dialect) in [
        ("REPLACE INTO users (id, name) VALUES (?, ?)", Mysql),
        ("REPLACE INTO users (id, name) VALUES (?1, ?2)", Sqlite),
        (
            "INSERT OR REPLACE INTO users (id, name) VALUES (?1, ?2)",
            Sqlite,
        ),
    ] {
        assert_eq!(
            one(sql, dialect),
            "Upsert reads [] writes [users(*)]",
            "{sql}"
        );
    }
}

#[test]
fn updates() {
    assert_eq!(
        pg("UPDATE counters SET a = b + 1 WHERE id = $1"),
        "Update reads [counters(b,id)!key] writes [counters(a)]"
    );
    assert_eq!(
        pg("UPDATE users SET name = $1"),
        "Update reads [] writes [users(name)]"
    );
    assert_eq!(
        pg("UPDATE users SET (name, email) = ($1, $2) WHERE id = $3 RETURNING *"),
        "Update reads [users(*)!key] writes [users(email,name)]"
    );
    assert_eq!(
        pg("UPDATE users SET score = s.total FROM stats s \
            WHERE s.user_id = users.id AND users.id = $1"),
        "Update reads [stats(total,user_id) users(id)!key] writes [users(score)]"
    );
    assert_eq!(
        one(
            "UPDATE users SET score = s.total FROM stats s WHERE s.user_id = users.id",
            Sqlite
        ),
        "Update reads [stats(total,user_id) users(id)] writes [users(score)]"
    );
    // MySQL's multi-table UPDATE writes the table a SET target's qualifier names.
    assert_eq!(
        one(
            "UPDATE users u JOIN teams t ON t.id = u.team_id \
             SET u.team_name = t.name, t.touched = 1 WHERE t.id = ?",
            Mysql
        ),
        "Update reads [teams(id,name)!key users(team_id)] writes [teams(touched) users(team_name)]"
    );
    assert_eq!(
        pg("UPDATE users SET team_id = (SELECT id FROM teams WHERE slug = $1) WHERE id = $2"),
        "Update reads [teams(id,slug) users(id)!key] writes [users(team_id)]"
    );
    assert_eq!(
        pg("UPDATE users SET name = DEFAULT"),
        "Update reads [] writes [users(name)]"
    );
}

#[test]
fn deletes_and_truncates() {
    assert_eq!(
        pg("DELETE FROM sessions WHERE user_id = $1"),
        "Delete reads [sessions(user_id)] writes [sessions(*)]"
    );
    assert_eq!(
        pg("DELETE FROM sessions WHERE id = $1 RETURNING user_id"),
        "Delete reads [sessions(id,user_id)!key] writes [sessions(*)]"
    );
    assert_eq!(
        pg("DELETE FROM sessions"),
        "Delete reads [] writes [sessions(*)]"
    );
    assert_eq!(
        pg("DELETE FROM sessions s USING users u WHERE s.user_id = u.id AND u.email = $1"),
        "Delete reads [sessions(user_id) users(email,id)] writes [sessions(*)]"
    );
    assert_eq!(
        one(
            "DELETE s FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?",
            Mysql
        ),
        "Delete reads [sessions(user_id) users(email,id)] writes [sessions(*)]"
    );
    assert_eq!(
        one("DELETE FROM sessions WHERE id = ? LIMIT 1", Mysql),
        "Delete reads [sessions(id)!key] writes [sessions(*)]"
    );
    assert_eq!(
        pg("TRUNCATE sessions, public.tokens"),
        "Delete reads [] writes [sessions(*) tokens(*)]"
    );
    assert_eq!(
        one("TRUNCATE TABLE sessions", Mysql),
        "Delete reads [] writes [sessions(*)]"
    );
}

#[test]
fn merge_is_an_update_of_its_target() {
    assert_eq!(
        pg("MERGE INTO users u USING staged s ON u.id = s.id \
            WHEN MATCHED THEN UPDATE SET name = s.name \
            WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)"),
        "Update reads [staged(id,name) users(id)] writes [users(id,name)]"
    );
    assert_eq!(
        pg("MERGE INTO users u USING staged s ON u.id = s.id WHEN MATCHED THEN DELETE"),
        "Update reads [staged(id) users(id)] writes [users(*)]"
    );
}

#[test]
fn writes_inside_ctes() {
    assert_eq!(
        pg(
            "WITH moved AS (UPDATE users SET team_id = $1 WHERE id = $2 RETURNING *) \
            SELECT m.name, t.title FROM moved m JOIN teams t ON t.id = m.team_id"
        ),
        "Update reads [teams(id,title) users(*)!key] writes [users(team_id)]"
    );
    assert_eq!(
        pg(
            "WITH gone AS (DELETE FROM sessions WHERE user_id = $1 RETURNING id) \
            INSERT INTO audit (session_id) SELECT id FROM gone"
        ),
        "Insert reads [sessions(id,user_id)] writes [audit(session_id) sessions(*)]"
    );
    assert_eq!(
        pg("WITH t AS (SELECT 1) SELECT * FROM t"),
        "Select reads [] writes []"
    );
}

#[test]
fn batches_and_other_statements() {
    assert_eq!(
        show(
            "BEGIN; UPDATE users SET name = $1 WHERE id = $2; DELETE FROM sessions; COMMIT;",
            Postgres
        ),
        [
            "Other reads [] writes []",
            "Update reads [users(id)!key] writes [users(name)]",
            "Delete reads [] writes [sessions(*)]",
            "Other reads [] writes []",
        ]
    );
    for sql in [
        "CREATE TABLE users (id int PRIMARY KEY, name text)",
        "SET search_path = app",
        "DROP TABLE users",
    ] {
        assert_eq!(pg(sql), "Other reads [] writes []", "{sql}");
    }
    assert_eq!(show("", Postgres), Vec::<String>::new());
    assert_eq!(show(" ; ", Postgres), Vec::<String>::new());
}

#[test]
fn identifiers_fold_unless_quoted() {
    assert_eq!(
        pg(r#"SELECT "Name", Email FROM "Users" WHERE "id" = $1"#),
        "Select reads [Users(Name,email,id)!key] writes []"
    );
    assert_eq!(
        pg("SELECT Name FROM USERS WHERE ID = $1"),
        "Select reads [users(id,name)!key] writes []"
    );
    assert_eq!(
        one(
            "SELECT `Users`.`Name` FROM `app`.`Users` WHERE `Users`.id = ?",
            Mysql
        ),
        "Select reads [Users(Name,id)!key] writes []"
    );
    assert_eq!(
        pg(r#"SELECT u."Name" FROM "app"."Users" AS u"#),
        "Select reads [Users(Name)] writes []"
    );
}

#[test]
fn schema_qualified_names() {
    assert_eq!(
        pg("SELECT public.users.name FROM public.users WHERE public.users.id = $1"),
        "Select reads [users(id,name)!key] writes []"
    );
    assert_eq!(
        pg("UPDATE app.users SET name = $1 WHERE id = $2"),
        "Update reads [users(id)!key] writes [users(name)]"
    );
    assert_eq!(
        one("INSERT INTO main.users (name) VALUES (?)", Sqlite),
        "Insert reads [] writes [users(name)]"
    );
}

#[test]
fn placeholders_of_each_dialect() {
    let cases = [
        ("$1", Postgres),
        (":id", Postgres),
        ("?", Mysql),
        ("?1", Mysql),
        (":id", Mysql),
        ("@id", Mysql),
        ("?", Sqlite),
        ("?1", Sqlite),
        (":id", Sqlite),
        ("@id", Sqlite),
        ("$id", Sqlite),
        ("?", Generic),
        ("$1", Generic),
        (":id", Generic),
    ];
    for (placeholder, dialect) in cases {
        let sql =
            format!("SELECT name FROM users WHERE id = {placeholder} AND team = {placeholder}");
        assert_eq!(
            one(&sql, dialect),
            "Select reads [users(id,name,team)!key] writes []",
            "{placeholder} in {dialect}"
        );
    }
    // Postgres has no `?` placeholder: `?` is its JSON key operator.
    assert!(analyze("SELECT name FROM users WHERE id = ?", Postgres).is_err());
}

#[test]
fn each_dialect_reads_the_common_subset_alike() {
    let sql = "SELECT u.name, count(o.id) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id \
               WHERE u.id = 7 GROUP BY u.name ORDER BY n DESC LIMIT 10";
    for dialect in SqlDialect::ALL {
        assert_eq!(
            one(sql, dialect),
            "Select reads [orders(id,user_id) users(id,name)!key] writes []",
            "{dialect}"
        );
    }
}

#[test]
fn order_by_and_group_by_may_name_aliases() {
    assert_eq!(
        pg("SELECT lower(name) AS n FROM users GROUP BY n ORDER BY n, created"),
        "Select reads [users(created,name)] writes []"
    );
    // In WHERE a name is a column even when an alias shares it.
    assert_eq!(
        pg("SELECT 1 AS flag FROM users WHERE flag"),
        "Select reads [users(flag)] writes []"
    );
}

#[test]
fn syntax_errors_are_the_parsers_message_on_one_line() {
    let err = analyze("SELECT name FROM\nWHERE id = $1", Postgres).unwrap_err();
    assert!(err.contains("Expected"), "{err}");
    assert!(!err.contains('\n'), "{err}");
    let err = analyze("SELEC name FROM users", Mysql).unwrap_err();
    assert!(err.contains("SELEC"), "{err}");
    let err = analyze(
        &format!("SELECT {}1{}", "(".repeat(500), ")".repeat(500)),
        Generic,
    )
    .unwrap_err();
    assert!(err.contains("recursion limit"), "{err}");
}

#[test]
fn long_operator_chains_stay_within_the_stack() {
    // One operator per two bytes: the deepest tree the length limit allows.
    let head = "SELECT name FROM users WHERE id = $1 AND ";
    let ones = (MAX_SQL_LEN - head.len()) / 2;
    let sql = format!("{head}1{}", "+1".repeat(ones - 1));
    assert!((MAX_SQL_LEN - 2..=MAX_SQL_LEN).contains(&sql.len()));
    assert_eq!(pg(&sql), "Select reads [users(id,name)!key] writes []");
    let ands = format!(
        "SELECT (SELECT 1 FROM t WHERE {}) FROM u",
        vec!["a = 1"; 6_000].join(" AND ")
    );
    assert!(ands.len() < MAX_SQL_LEN);
    assert_eq!(pg(&ands), "Select reads [t(a) u()] writes []");
    let unions = vec!["SELECT a FROM t"; 2_000].join(" UNION ");
    assert_eq!(pg(&unions), "Select reads [t(a)] writes []");
    let err = analyze(&format!("{head}{}", "x".repeat(MAX_SQL_LEN)), Postgres).unwrap_err();
    assert!(err.contains("longer than"), "{err}");
}

/// Statements whose mutations the property test tries.
const SEEDS: [&str; 6] = [
    "SELECT u.name, t.title FROM users u JOIN teams t ON t.id = u.team_id WHERE u.id = $1",
    "WITH x AS (UPDATE users SET a = b + 1 WHERE id = $1 RETURNING *) SELECT * FROM x",
    "INSERT INTO users (email, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)",
    "INSERT INTO t (a) VALUES (:a) ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING id",
    "DELETE FROM s USING u WHERE s.u = u.id AND EXISTS (SELECT 1 FROM v WHERE v.x IN (1, 2))",
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a; TRUNCATE t",
];

/// Fragments a mutation inserts.
const FRAGMENTS: [&str; 22] = [
    "(",
    ")",
    " ",
    ",",
    "*",
    "'",
    "\"",
    "`",
    ";",
    "--",
    "/*",
    ".",
    "=",
    "$1",
    "?",
    "@a",
    " AND ",
    " OR NOT ",
    "SELECT ",
    " UNION SELECT 1",
    "WITH x AS (",
    " FROM (SELECT * FROM t) z ",
];

/// `seed` with each edit applied: (where, what: delete / insert / replace, which fragment).
fn mutate(seed: &str, edits: &[(prop::sample::Index, u8, usize)]) -> String {
    let mut text = seed.to_string();
    for (at, what, fragment) in edits {
        let at = at.index(text.len() + 1);
        let fragment = FRAGMENTS[fragment % FRAGMENTS.len()];
        let end = (at + 3).min(text.len());
        match what % 3 {
            0 => text.replace_range(at..end, ""),
            1 => text.insert_str(at, fragment),
            _ => text.replace_range(at..end, fragment),
        }
    }
    text
}

/// `analyze` answers; an error is the parser's, never a panic caught in the worker.
fn answers(sql: &str) -> Result<(), TestCaseError> {
    for dialect in SqlDialect::ALL {
        if let Err(err) = analyze(sql, dialect) {
            prop_assert!(
                !err.starts_with("internal error"),
                "{sql:?} in {dialect}: {err}"
            );
            prop_assert!(!err.contains('\n'), "{err}");
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(sql in any::<String>()) {
        answers(&sql)?;
    }

    #[test]
    fn never_panics_on_sql_like_text(sql in "[a-zA-Z_0-9 ,.()=*+<>!$?:@'\"`;-]{0,120}") {
        answers(&sql)?;
    }

    #[test]
    fn never_panics_on_fragment_soup(
        fragments in prop::collection::vec(0..FRAGMENTS.len(), 0..600),
    ) {
        let sql: String = fragments.into_iter().map(|i| FRAGMENTS[i]).collect();
        answers(&sql)?;
    }

    #[test]
    fn never_panics_on_mutated_statements(
        seed in 0..SEEDS.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, 0..FRAGMENTS.len()), 0..8),
    ) {
        answers(&mutate(SEEDS[seed], &edits))?;
    }
}
