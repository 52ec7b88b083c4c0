//! pgbench beside a benchmark's HTTP runs: the statements one request ran (captured from
//! the app's own log, so they cannot drift) made into a pgbench script, and pgbench run
//! with it as the application role (row-level security costs it what it costs the app).

use std::{
    process::Command,
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use sqlx::postgres::PgConnectOptions;

/// One statement of a request: what it starts with, and a pgbench expression for each of
/// its `$n` in order.
pub type Step = (&'static str, &'static [&'static str]);

/// `sql` on one line.
pub fn squash(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `sql` with each `$n` replaced by `params[n - 1]`.
pub fn bind(sql: &str, params: &[&str]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let digits: String = if c == '$' {
            std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect()
        } else {
            String::new()
        };
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(
                params
                    .get(n - 1)
                    .unwrap_or_else(|| panic!("no parameter ${n} for: {sql}")),
            ),
            Err(_) if c == '$' => out.push('$'),
            Err(_) => out.push(c),
        }
    }
    out
}

/// The pgbench script of the statements one request ran (`statements`, as captured):
/// `preamble` (its `\set`s, per transaction), then each statement with the parameters
/// `steps` give it; the results of those starting with one of `gset` are kept in
/// variables named after their columns. Panics when the app's statements no longer
/// match the steps.
pub fn script(statements: &[String], steps: &[Step], preamble: &str, gset: &[&str]) -> String {
    let names: Vec<String> = statements
        .iter()
        .map(|s| squash(s).chars().take(60).collect())
        .collect();
    assert_eq!(
        statements.len(),
        steps.len(),
        "one request now runs other statements than the bench binds: {names:#?}"
    );
    let mut script = preamble.to_owned();
    for (sql, (starts, params)) in statements.iter().zip(steps) {
        let sql = squash(sql);
        assert!(
            sql.starts_with(starts),
            "the request's statements changed: expected one starting {starts:?}, the app ran {names:#?}"
        );
        let wanted = (1..=params.len()).all(|n| sql.contains(&format!("${n}")))
            && !sql.contains(&format!("${}", params.len() + 1));
        assert!(wanted, "{starts:?} takes other parameters now: {sql}");
        match *starts {
            // A simple query of two statements (the tenant and, for a write that plans
            // its statements once, the plan mode), which pgbench cannot prepare: it sends
            // them as two round trips where the app sends one.
            "begin; set tenant" => {
                let planned_once = if sql.contains("planned once") {
                    ", set_config('plan_cache_mode', 'force_generic_plan', true)"
                } else {
                    ""
                };
                script.push_str(&format!(
                    "begin;\nselect set_config('app.org_id', :org, true){planned_once};\n"
                ));
            }
            _ if gset.contains(starts) => script.push_str(&format!("{} \\gset\n", bind(&sql, params))),
            _ => script.push_str(&format!("{};\n", bind(&sql, params))),
        }
    }
    script
}

/// What pgbench measured: transactions per second, their average latency, and each SQL
/// statement's average latency in the script's order (ms).
pub struct Pgbench {
    pub tps: f64,
    pub latency: f64,
    pub statements: Vec<f64>,
}

/// Runs pgbench on `database` with `clients` connections, `warm_up` first and then
/// `seconds` measured; the benchmark fails if pgbench does. Each transaction runs one of
/// `scripts`, chosen at random, with `values` as variables; `:base` differs from one run
/// to the next (a hundred million apart) and `:k` counts a client's transactions.
pub fn run(
    database: &PgConnectOptions,
    scripts: &[String],
    values: &[(String, String)],
    clients: usize,
    warm_up: Duration,
    seconds: u64,
) -> Pgbench {
    static RUNS: AtomicI64 = AtomicI64::new(0);
    let paths: Vec<_> = scripts
        .iter()
        .enumerate()
        .map(|(n, script)| {
            let path = std::env::temp_dir().join(format!("careops-bench-{}-{n}.sql", std::process::id()));
            std::fs::write(&path, script).unwrap();
            path
        })
        .collect();
    let run = |seconds: u64| {
        let mut command = Command::new("pgbench");
        command.args(["-n", "-r", "-M", "prepared", "-j", "2"]);
        command.args(["-T", &seconds.to_string(), "-c", &clients.to_string()]);
        command.args(["-h", database.get_host(), "-p", &database.get_port().to_string()]);
        command.args(["-U", database.get_username()]);
        let base = RUNS.fetch_add(1, Ordering::Relaxed) * 100_000_000;
        command.args(["-D", "k=0", "-D", &format!("base={base}")]);
        for (name, value) in values {
            command.arg("-D").arg(format!("{name}={value}"));
        }
        for path in &paths {
            command.arg("-f").arg(path);
        }
        command.arg(database.get_database().expect("a database"));
        let output = command.output().expect("pgbench runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success() && text.contains("number of failed transactions: 0"),
            "pgbench failed:\n{text}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    };
    run(warm_up.as_secs().max(1));
    let text = run(seconds);
    let value = |key: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split('=').nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    // `-r` lists each command's latency (ms), failures and text (for one script; several
    // are listed apart); meta-commands (`\set`) come first and are no SQL.
    let statements = text
        .lines()
        .skip_while(|l| !l.starts_with("statement latencies"))
        .skip(1)
        .filter(|l| !l.split_whitespace().nth(2).unwrap_or("\\").starts_with('\\'))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    Pgbench {
        tps: value("tps"),
        latency: value("latency average"),
        statements,
    }
}
