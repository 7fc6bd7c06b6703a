#!/usr/bin/env python3
"""Writes a realistic annotated service for the semantic-engine benchmark.

usage: gen-service.py OUT HANDLERS

OUT becomes a cargo workspace (one package, `svc`) depending on axum, tokio, serde, sqlx and
redis from the registry, and on the `cachelint` annotations crate of this repository. It has
HANDLERS/4 entities, each with four axum handlers (get, summary, rename, annotate) and a fifth,
tag (so 5*HANDLERS/4 handlers in all), layered as real services are: handlers (axum extractors, `State`) -> services ->
repositories (sqlx queries, functions and macros, for the entity's row; diesel's DSL on an r2d2
pool inside `spawn_blocking` for its tags, a child table in `schema.rs`) and a Redis cache layer
(`redis::AsyncCommands` on a `ConnectionManager`) whose methods carry the annotations. The
summary is built from the row and the tags. Every tenth entity (0, 10, ..) has an update
handler that forgets the summary key built from the row: the `stale_dependent` findings; every
tenth entity from 5 (5, 15, ..) has a tag handler that inserts a tag and forgets the summary:
the `stale_after_mutation` findings. The run must report those, and nothing else.

Nothing is built: the benchmark analyzes the sources in place (`cargo fetch` brings the
dependencies' sources).
"""
import os
import sys


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


CARGO = """[package]
name = "svc"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
axum = "0.8"
tokio = {{ version = "1", features = ["full"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
sqlx = {{ version = "0.8", default-features = false, features = ["runtime-tokio", "postgres", "macros"] }}
diesel = {{ version = "2.3", default-features = false, features = ["postgres", "r2d2"] }}
redis = {{ version = "0.32", default-features = false, features = ["tokio-comp", "connection-manager"] }}
cachelint = {{ path = "{macros}" }}

[workspace]
"""

STATE = """//! Shared application state.
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager as PgManager, Pool};
use redis::aio::ConnectionManager;
use sqlx::PgPool;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    /// Tags live in tables diesel maps (`schema.rs`), on a blocking pool.
    pub tags: Pool<PgManager<PgConnection>>,
    pub redis: ConnectionManager,
}

pub type AppResult<T> = Result<T, crate::error::AppError>;
"""

ERROR = """//! One error type for every layer.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum AppError {
    Db(sqlx::Error),
    Tags(String),
    Cache(redis::RedisError),
    NotFound,
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self { AppError::Tags(e.to_string()) }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self { AppError::Tags(e.to_string()) }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self { AppError::Tags(e.to_string()) }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self { AppError::Db(e) }
}

impl From<redis::RedisError> for AppError {
    fn from(e: redis::RedisError) -> Self { AppError::Cache(e) }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        code.into_response()
    }
}
"""


def entity(i):
    return f"e{i}"


def cache_module(i):
    e = entity(i)
    return f"""//! Redis cache of entity `{e}`: the row and the summary built from it.
use cachelint::{{reads, writes}};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

pub struct {e.upper()}Cache {{
    conn: ConnectionManager,
}}

impl {e.upper()}Cache {{
    pub fn new(conn: ConnectionManager) -> Self {{
        Self {{ conn }}
    }}

    #[reads("{e}:<id>:row")]
    pub async fn get_row(&mut self, id: i64) -> redis::RedisResult<Option<String>> {{
        self.conn.get(format!("{e}:{{id}}:row")).await
    }}

    #[reads("{e}:<id>:summary", depends_on = ["{e}:<id>:row"])]
    pub async fn get_summary(&mut self, id: i64) -> redis::RedisResult<Option<String>> {{
        self.conn.get(format!("{e}:{{id}}:summary")).await
    }}

    /// Stores the row on a miss (a fill: no annotation states it).
    pub async fn put_row(&mut self, id: i64, row: &str) -> redis::RedisResult<()> {{
        self.conn.set_ex(format!("{e}:{{id}}:row"), row, 300).await
    }}

    /// Stores the summary on a miss.
    pub async fn put_summary(&mut self, id: i64, summary: &str) -> redis::RedisResult<()> {{
        self.conn.set_ex(format!("{e}:{{id}}:summary"), summary, 300).await
    }}

    #[writes("{e}:<id>:row")]
    pub async fn evict_row(&mut self, id: i64) -> redis::RedisResult<()> {{
        self.conn.del(format!("{e}:{{id}}:row")).await
    }}

    #[writes("{e}:<id>:summary")]
    pub async fn evict_summary(&mut self, id: i64) -> redis::RedisResult<()> {{
        self.conn.del(format!("{e}:{{id}}:summary")).await
    }}
}}
"""


def repo_module(i):
    e = entity(i)
    return f"""//! Rows of `{e}` (sqlx) and its tags (diesel).
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde::{{Deserialize, Serialize}};
use sqlx::PgPool;

use crate::schema::{e}_tag;

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
pub struct {e.upper()} {{
    pub id: i64,
    pub name: String,
    pub note: String,
}}

pub struct {e.upper()}Repo<'a> {{
    pool: &'a PgPool,
}}

impl<'a> {e.upper()}Repo<'a> {{
    pub fn new(pool: &'a PgPool) -> Self {{
        Self {{ pool }}
    }}

    pub async fn find(&self, id: i64) -> sqlx::Result<Option<{e.upper()}>> {{
        sqlx::query_as::<_, {e.upper()}>("SELECT id, name, note FROM {e} WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool)
            .await
    }}

    pub async fn update_name(&self, id: i64, name: &str) -> sqlx::Result<u64> {{
        let done = sqlx::query("UPDATE {e} SET name = $2 WHERE id = $1")
            .bind(id)
            .bind(name)
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }}

    pub async fn update_note(&self, id: i64, note: &str) -> sqlx::Result<u64> {{
        let done = sqlx::query!("UPDATE {e} SET note = $2 WHERE id = $1", id, note)
            .execute(self.pool)
            .await?;
        Ok(done.rows_affected())
    }}
}}

/// The entity's tags (diesel, blocking).
pub fn tags_of(conn: &mut PgConnection, id: i64) -> QueryResult<Vec<String>> {{
    {e}_tag::table
        .filter({e}_tag::{e}_id.eq(id))
        .select({e}_tag::label)
        .load(conn)
}}

pub fn add_tag(conn: &mut PgConnection, id: i64, label: &str) -> QueryResult<usize> {{
    diesel::insert_into({e}_tag::table)
        .values(({e}_tag::{e}_id.eq(id), {e}_tag::label.eq(label)))
        .execute(conn)
}}
"""


def service_module(i):
    e = entity(i)
    E = e.upper()
    buggy = i % 10 == 0
    forgets_tag = i % 10 == 5
    tag_eviction = "" if forgets_tag else "        self.cache().evict_summary(id).await?;\n"
    note_evictions = (
        "        cache.evict_row(id).await?;\n"
        if buggy
        else "        cache.evict_row(id).await?;\n        cache.evict_summary(id).await?;\n"
    )
    return f"""//! Use cases of `{e}`: the database write, then the cache invalidation.
use crate::cache::{e}::{E}Cache;
use crate::repo::{e}::{{self as repo, {E}Repo, {E}}};
use crate::state::{{AppResult, AppState}};

pub struct {E}Service {{
    state: AppState,
}}

impl {E}Service {{
    pub fn new(state: AppState) -> Self {{
        Self {{ state }}
    }}

    fn cache(&self) -> {E}Cache {{
        {E}Cache::new(self.state.redis.clone())
    }}

    pub async fn get(&self, id: i64) -> AppResult<Option<{E}>> {{
        let mut cache = self.cache();
        if let Some(hit) = cache.get_row(id).await? {{
            return Ok(serde_json::from_str(&hit).ok());
        }}
        let row = {E}Repo::new(&self.state.db).find(id).await?;
        if let Some(row) = &row {{
            cache.put_row(id, &serde_json::to_string(row).unwrap_or_default()).await?;
        }}
        Ok(row)
    }}

    pub async fn summary(&self, id: i64) -> AppResult<Option<String>> {{
        let mut cache = self.cache();
        if let Some(hit) = cache.get_summary(id).await? {{
            return Ok(Some(hit));
        }}
        let Some(row) = self.get(id).await? else {{
            return Ok(None);
        }};
        let pool = self.state.tags.clone();
        let tags = tokio::task::spawn_blocking(move || {{
            let mut conn = pool.get()?;
            Ok::<_, crate::error::AppError>(repo::tags_of(&mut conn, id)?)
        }})
        .await??;
        let summary = format!("{{}} ({{}}) [{{}}]", row.name, row.note, tags.join(", "));
        cache.put_summary(id, &summary).await?;
        Ok(Some(summary))
    }}

    pub async fn tag(&self, id: i64, label: String) -> AppResult<()> {{
        let pool = self.state.tags.clone();
        tokio::task::spawn_blocking(move || {{
            let mut conn = pool.get()?;
            repo::add_tag(&mut conn, id, &label)?;
            Ok::<_, crate::error::AppError>(())
        }})
        .await??;
{tag_eviction}        Ok(())
    }}

    pub async fn rename(&self, id: i64, name: &str) -> AppResult<()> {{
        {E}Repo::new(&self.state.db).update_name(id, name).await?;
        let mut cache = self.cache();
        cache.evict_row(id).await?;
        cache.evict_summary(id).await?;
        Ok(())
    }}

    pub async fn annotate(&self, id: i64, note: &str) -> AppResult<()> {{
        {E}Repo::new(&self.state.db).update_note(id, note).await?;
        let mut cache = self.cache();
{note_evictions}        Ok(())
    }}
}}
"""


def handler_module(i):
    e = entity(i)
    E = e.upper()
    return f"""//! HTTP handlers of `{e}`.
use axum::extract::{{Path, State}};
use axum::Json;
use serde::Deserialize;

use crate::repo::{e}::{E};
use crate::services::{e}::{E}Service;
use crate::state::{{AppResult, AppState}};

#[derive(Deserialize)]
pub struct NameBody {{
    pub name: String,
}}

#[derive(Deserialize)]
pub struct NoteBody {{
    pub note: String,
}}

pub async fn get(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<Option<{E}>>> {{
    Ok(Json({E}Service::new(state).get(id).await?))
}}

pub async fn summary(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<Option<String>>> {{
    Ok(Json({E}Service::new(state).summary(id).await?))
}}

pub async fn rename(State(state): State<AppState>, Path(id): Path<i64>, Json(body): Json<NameBody>) -> AppResult<()> {{
    {E}Service::new(state).rename(id, &body.name).await
}}

pub async fn annotate(State(state): State<AppState>, Path(id): Path<i64>, Json(body): Json<NoteBody>) -> AppResult<()> {{
    {E}Service::new(state).annotate(id, &body.note).await
}}

pub async fn tag(State(state): State<AppState>, Path(id): Path<i64>, Json(body): Json<NameBody>) -> AppResult<()> {{
    {E}Service::new(state).tag(id, body.name).await
}}
"""


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-service.py OUT HANDLERS")
    out, handlers = sys.argv[1], int(sys.argv[2])
    entities = max(1, handlers // 4)
    macros = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "macros"))
    write(os.path.join(out, "Cargo.toml"), CARGO.format(macros=macros))
    src = os.path.join(out, "src")
    write(os.path.join(src, "state.rs"), STATE)
    write(os.path.join(src, "error.rs"), ERROR)
    for layer, make in [
        ("cache", cache_module),
        ("repo", repo_module),
        ("services", service_module),
        ("handlers", handler_module),
    ]:
        mods = "".join(f"pub mod {entity(i)};\n" for i in range(entities))
        write(os.path.join(src, layer, "mod.rs"), mods)
        for i in range(entities):
            write(os.path.join(src, layer, f"{entity(i)}.rs"), make(i))
    routes = "".join(
        f"""        .route("/{entity(i)}/{{id}}", get(handlers::{entity(i)}::get).put(handlers::{entity(i)}::rename))
        .route("/{entity(i)}/{{id}}/summary", get(handlers::{entity(i)}::summary))
        .route("/{entity(i)}/{{id}}/note", put(handlers::{entity(i)}::annotate))
        .route("/{entity(i)}/{{id}}/tags", put(handlers::{entity(i)}::tag))
"""
        for i in range(entities)
    )
    main_rs = f"""//! The service: an axum router over every entity's handlers.
mod cache;
mod error;
mod handlers;
mod repo;
mod schema;
mod services;
mod state;

use axum::routing::{{get, put}};
use axum::Router;

pub fn router(state: state::AppState) -> Router {{
    Router::new()
{routes}        .with_state(state)
}}

#[tokio::main]
async fn main() {{
    let db = sqlx::PgPool::connect_lazy("postgres://localhost/svc").expect("url");
    let client = redis::Client::open("redis://127.0.0.1/").expect("url");
    let redis = redis::aio::ConnectionManager::new(client).await.expect("redis");
    let manager = diesel::r2d2::ConnectionManager::new("postgres://localhost/svc");
    let tags = diesel::r2d2::Pool::builder().build(manager).expect("pool");
    let app = router(state::AppState {{ db, tags, redis }});
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}}
"""
    write(os.path.join(src, "main.rs"), main_rs)
    tables = "".join(
        f"""diesel::table! {{
    {entity(i)}_tag (id) {{
        id -> Int8,
        {entity(i)}_id -> Int8,
        label -> Text,
    }}
}}

"""
        for i in range(entities)
    )
    write(os.path.join(src, "schema.rs"), "// @generated by diesel CLI: the tag tables.\n\n" + tables)
    print(f"{out}: {handlers} handlers, {entities} entities, "
          f"{(entities + 9) // 10} planted stale_dependent bugs, "
          f"{(entities + 4) // 10} planted stale_after_mutation bugs")


if __name__ == "__main__":
    main()
