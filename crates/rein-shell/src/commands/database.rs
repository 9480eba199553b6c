//! Database CLIs: SQL and redis/mongo commands from options, arguments or known stdin, and
//! framework commands that drop databases.

use super::parse_opts;
use crate::walk::{Analyzer, Call, Flow};
use crate::word::Arg;
use crate::{EffectKind, UnresolvedKind};

/// Classifies one SQL statement: (op, destructive).
fn classify_sql(stmt: &str) -> Option<(String, bool)> {
    let lower = stmt.trim().to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let op = words
        .first()?
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    if op.is_empty() {
        return None;
    }
    let destructive = match op.as_str() {
        "drop" | "truncate" => true,
        "delete" => !words.contains(&"where"),
        "alter" => words.contains(&"drop"),
        _ => false,
    };
    Some((op, destructive))
}

/// True when SQL text (with sqlite dot-commands) only reads.
fn sql_read_only(text: &str) -> bool {
    let mut any = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(dot) = line.strip_prefix('.') {
            let cmd = dot.split_whitespace().next().unwrap_or("");
            if !matches!(
                cmd,
                "tables"
                    | "schema"
                    | "headers"
                    | "mode"
                    | "indexes"
                    | "databases"
                    | "width"
                    | "show"
                    | "help"
                    | "quit"
                    | "exit"
                    | "fullschema"
            ) {
                return false;
            }
            any = true;
            continue;
        }
        for stmt in line.split(';') {
            let w = stmt.trim().to_lowercase();
            let first = w.split_whitespace().next().unwrap_or("");
            if first.is_empty() {
                continue;
            }
            if !matches!(first, "select" | "explain") {
                return false;
            }
            any = true;
        }
    }
    any
}

/// Classifies a redis command line.
fn classify_redis(line: &str) -> Option<(String, bool)> {
    let op = line.split_whitespace().next()?.to_lowercase();
    let destructive = matches!(
        op.as_str(),
        "flushall" | "flushdb" | "del" | "unlink" | "swapdb"
    ) || (op == "config" && line.to_lowercase().contains("set"));
    Some((op, destructive))
}

/// Classifies mongo shell JavaScript.
fn classify_mongo(code: &str) -> Option<(String, bool)> {
    for (needle, op) in [
        ("dropdatabase", "dropDatabase"),
        (".drop(", "drop"),
        ("deletemany({})", "deleteMany"),
        ("remove({})", "remove"),
    ] {
        if code.to_lowercase().replace(' ', "").contains(needle) {
            return Some((op.to_string(), true));
        }
    }
    let op: String = code
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    (!op.is_empty()).then_some((op, false))
}

impl Analyzer<'_> {
    fn database(&mut self, engine: &str, op: &str, destructive: bool, call: &Call) {
        self.emit(
            EffectKind::Database {
                engine: engine.to_string(),
                op: op.to_string(),
                destructive,
            },
            call,
        );
    }

    /// Emits a Database effect per statement of `text` in `engine`'s language.
    fn statements(&mut self, engine: &str, text: &str, call: &Call) {
        let mut any = false;
        match engine {
            "redis" => {
                for line in text.lines().take(256) {
                    if let Some((op, d)) = classify_redis(line) {
                        self.database(engine, &op, d, call);
                        any = true;
                    }
                }
            }
            "mongodb" => {
                if let Some((op, d)) = classify_mongo(text) {
                    self.database(engine, &op, d, call);
                    any = true;
                }
            }
            _ => {
                for stmt in text.split(';').take(256) {
                    if let Some((op, d)) = classify_sql(stmt) {
                        self.database(engine, &op, d, call);
                        any = true;
                    }
                }
            }
        }
        if !any {
            self.database(engine, "connect", false, call);
        }
    }

    fn query_arg(&mut self, engine: &str, q: &Arg, call: &Call) {
        if q.known {
            self.statements(engine, &q.text, call);
        } else {
            self.unresolved(
                UnresolvedKind::DynamicArgument,
                format!("a {engine} query is not known before run time"),
            );
            self.database(engine, "unknown", false, call);
        }
    }

    fn stdin_queries(&mut self, engine: &str, call: &Call) {
        match &call.stdin {
            Flow::Known { text, .. } => {
                let text = text.clone();
                self.statements(engine, &text, call);
            }
            Flow::File(_) | Flow::Network(_) | Flow::Decoded | Flow::Paths(_) | Flow::Unknown => {
                self.database(engine, "script", false, call);
            }
            Flow::Terminal => self.database(engine, "connect", false, call),
        }
    }

    /// Database commands; `None` when `name` is not one.
    pub(crate) fn database_command(
        &mut self,
        name: &str,
        args: &[Arg],
        call: &Call,
    ) -> Option<Flow> {
        let (engine, short, long, query_opts): (&str, &str, &[&str], &[&str]) = match name {
            "psql" => (
                "postgres",
                "cdfhpUvoLTFPRW",
                &[
                    "--command",
                    "--dbname",
                    "--file",
                    "--host",
                    "--port",
                    "--username",
                    "--set",
                    "--variable",
                    "--output",
                    "--log-file",
                ],
                &["-c", "--command"],
            ),
            "mysql" | "mariadb" => (
                "mysql",
                "eDhuPSo",
                &[
                    "--execute",
                    "--database",
                    "--host",
                    "--user",
                    "--port",
                    "--socket",
                ],
                &["-e", "--execute"],
            ),
            "sqlcmd" => ("mssql", "QqSUPdiov", &[], &["-Q", "-q"]),
            "clickhouse-client" | "clickhouse" => (
                "clickhouse",
                "qhudP",
                &[
                    "--query",
                    "--host",
                    "--user",
                    "--database",
                    "--password",
                    "--port",
                ],
                &["-q", "--query"],
            ),
            "mongosh" | "mongo" => (
                "mongodb",
                "uph",
                &[
                    "--eval",
                    "--username",
                    "--password",
                    "--host",
                    "--port",
                    "--file",
                ],
                &["--eval"],
            ),
            "redis-cli" => (
                "redis",
                "hpaunsr",
                &["--user", "--pass", "--tls", "--cacert"],
                &[],
            ),
            "sqlite3" | "sqlite" => (
                "sqlite",
                "",
                &["-cmd", "-separator", "-newline", "-nullvalue"],
                &["-cmd"],
            ),
            "cockroach" if args.first().is_some_and(|a| a.text == "sql") => (
                "cockroach",
                "e",
                &["--execute", "--url", "--database", "--host"],
                &["-e", "--execute"],
            ),
            "dropdb" => {
                self.database("postgres", "dropdb", true, call);
                return Some(Flow::Unknown);
            }
            "prisma"
                if args.iter().any(|a| a.text == "reset")
                    || args.iter().any(|a| a.text == "--force-reset") =>
            {
                self.database("prisma", "migrate reset", true, call);
                return Some(Flow::Unknown);
            }
            "prisma"
                if args.first().is_some_and(|a| a.text == "db")
                    && args.get(1).is_some_and(|a| a.text == "push") =>
            {
                let destructive = args.iter().any(|a| a.text == "--accept-data-loss");
                self.database("prisma", "push", destructive, call);
                return Some(Flow::Unknown);
            }
            "rails" | "rake" | "bin/rails" => {
                for a in args {
                    let t = a.text.as_str();
                    if matches!(
                        t,
                        "db:drop" | "db:reset" | "db:schema:load" | "db:purge" | "db:truncate_all"
                    ) {
                        self.database("rails", t, true, call);
                    } else if t.starts_with("db:") {
                        self.database("rails", t, false, call);
                    }
                }
                return Some(Flow::Unknown);
            }
            "django-admin" => {
                match args
                    .iter()
                    .find(|a| !a.text.starts_with('-'))
                    .map(|a| a.text.as_str())
                {
                    Some(op @ ("flush" | "reset_db" | "sqlflush")) => {
                        self.database("django", op, true, call)
                    }
                    Some(op @ ("migrate" | "dbshell" | "loaddata")) => {
                        self.database("django", op, false, call)
                    }
                    _ => {}
                }
                return Some(Flow::Unknown);
            }
            _ => return None,
        };
        let args = if engine == "cockroach" {
            args.get(1..).unwrap_or_default()
        } else {
            args
        };
        let o = parse_opts(args, short, long, false);
        let queries: Vec<Arg> = o.values(query_opts).into_iter().cloned().collect();
        for f in o.values(&["-f", "--file", "-i"]) {
            let f = f.clone();
            self.read(&f, call);
            self.database(engine, "script", false, call);
        }
        for q in &queries {
            self.query_arg(engine, q, call);
        }
        let trailing: Vec<Arg> = match engine {
            "redis" => o.operands.clone(),
            "sqlite" => o.operands.get(1..).unwrap_or_default().to_vec(),
            _ => Vec::new(),
        };
        if let Some(db) = o.operands.first().filter(|_| engine == "sqlite") {
            // The database file is read; it is written unless every statement only reads.
            let db = db.clone();
            self.read(&db, call);
            let read_only = match super::join_known(&trailing) {
                Ok(s) if !trailing.is_empty() && queries.is_empty() => sql_read_only(&s),
                _ => false,
            };
            if !read_only {
                self.write(&db, call);
            }
        }
        if !trailing.is_empty() {
            let joined = super::join_known(&trailing);
            match joined {
                Ok(s) => self.statements(engine, &s, call),
                Err(a) => self.query_arg(engine, &a, call),
            }
        } else if queries.is_empty() && !o.has(&["-f", "--file"]) {
            self.stdin_queries(engine, call);
        }
        Some(Flow::Unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql() {
        assert_eq!(
            classify_sql("DROP TABLE users"),
            Some(("drop".into(), true))
        );
        assert_eq!(classify_sql("delete from t"), Some(("delete".into(), true)));
        assert_eq!(
            classify_sql("delete from t where id=1"),
            Some(("delete".into(), false))
        );
        assert_eq!(classify_sql("select 1"), Some(("select".into(), false)));
        assert_eq!(
            classify_sql("ALTER TABLE t DROP COLUMN c"),
            Some(("alter".into(), true))
        );
    }
}
