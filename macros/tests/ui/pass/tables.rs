use cachelint::reads;

#[reads("app:<org>:<app>", ttl = "30s", tables = ["application", "endpoint"])]
fn app(org: u64, app: u64) -> String {
    format!("{org}/{app}")
}

/// Schema-qualified names, any case, a trailing comma, before `allow`.
#[reads("org:<id>", tables = ["public.Organization", "audit_log$2",], allow(uncovered_read))]
async fn org(id: u64) -> u64 {
    id
}

fn main() {
    app(1, 2);
    drop(org(1));
}
