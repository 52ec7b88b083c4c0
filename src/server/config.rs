//! Configuration from the environment. `.env.example` documents every variable; secrets
//! have no fallback in code.

use std::{fmt, str::FromStr, time::Duration};

use sqlx::postgres::PgConnectOptions;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set; see .env.example")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A secret that never appears in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// How long the pieces of a signed-in session live. The idle timeout and the absolute
/// lifetime are each organization's own settings.
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    /// Lifetime of the JWT access token.
    pub access_ttl: Duration,
    /// A rotated refresh token presented again within this window is a browser's
    /// concurrent requests racing, not theft: it is answered without revoking the family.
    pub refresh_reuse_grace: Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The owner's connection: runs the migrations at start-up.
    pub database: PgConnectOptions,
    /// The least-privileged role every request runs as (row-level security applies).
    pub app_database: PgConnectOptions,
    pub db_max_connections: u32,
    /// The owner's URL again, for the job queue's own connections (it creates and owns
    /// its schema).
    pub queue_database_url: Secret,
    pub worker: WorkerPolicy,
    pub providers: ProviderUrls,
    /// `/metrics` answers requests bearing this token; unset, it is not served.
    pub metrics_token: Option<Secret>,
    pub jwt_secret: Secret,
    /// Encrypts secrets the server must read back (TOTP seeds).
    pub data_key: [u8; 32],
    /// Sign-in attempts allowed per client address per minute.
    pub login_attempts_per_ip_minute: u32,
    /// Online bookings allowed per client address per minute.
    pub portal_bookings_per_ip_minute: u32,
    pub log_format: LogFormat,
    /// Send cookies with `Secure` (set when the site is served over https).
    pub cookie_secure: bool,
    pub session: SessionPolicy,
    /// Overrides the port of the Leptos site address (`PORT=8080`).
    pub port: Option<u16>,
    /// The address people reach CareOps at, for links (invitations). Unset: taken from
    /// the request's Host header.
    pub public_url: Option<String>,
    /// How many proxies of ours stand in front (load balancer, TLS terminator): the
    /// client's address is that many entries from the right of `X-Forwarded-For`. 0:
    /// the connection's own address (the header is anyone's to write).
    pub trusted_proxy_hops: usize,
}

/// The job queue's worker.
#[derive(Debug, Clone)]
pub struct WorkerPolicy {
    /// Runs inside the web process (the default); off where `careops worker` processes
    /// run beside it.
    pub in_process: bool,
    /// Jobs one worker runs at once.
    pub concurrency: usize,
    /// A worker silent this long is taken for dead, and its jobs are handed to others.
    pub dead_after: Duration,
}

/// Where the messaging providers' HTTP APIs are: their own addresses, or local fakes in tests.
#[derive(Debug, Clone)]
pub struct ProviderUrls {
    pub sendgrid: String,
    pub resend: String,
    pub twilio: String,
}

/// The role the migrations create for the application; see migrations/.
pub const APP_DB_ROLE: &str = "careops_app";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests can pass their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let parsed = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            get(name).map_or(Ok(default), |v| parse(name, &v))
        };

        let database_url = get("DATABASE_URL").ok_or(ConfigError::Missing("DATABASE_URL"))?;
        let database = parse_pg("DATABASE_URL", &database_url)?;
        let app_database = match get("APP_DATABASE_URL") {
            Some(url) => parse_pg("APP_DATABASE_URL", &url)?,
            // Same server and database, as the application role (local trust auth).
            None => database.clone().username(APP_DB_ROLE),
        };

        let jwt_secret = get("JWT_SECRET").ok_or(ConfigError::Missing("JWT_SECRET"))?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: "use at least 32 random characters (openssl rand -hex 32)".into(),
            });
        }

        let data_key = get("DATA_KEY").ok_or(ConfigError::Missing("DATA_KEY"))?;
        let data_key = parse_key(&data_key).ok_or(ConfigError::Invalid {
            name: "DATA_KEY",
            reason: "use 64 hexadecimal characters (openssl rand -hex 32)".into(),
        })?;

        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "LOG_FORMAT",
                    reason: format!("expected pretty or json, got {other:?}"),
                })
            }
        };

        let minutes = |m: u64| Duration::from_secs(m * 60);
        let url = |name: &'static str, default: &str| {
            get(name).map_or_else(|| default.to_owned(), |v| v.trim_end_matches('/').to_owned())
        };
        Ok(Self {
            database,
            app_database,
            db_max_connections: parsed("DATABASE_MAX_CONNECTIONS", 20)? as u32,
            queue_database_url: Secret(database_url),
            metrics_token: get("METRICS_TOKEN").map(Secret),
            worker: WorkerPolicy {
                in_process: get("WORKER_IN_PROCESS").map_or(Ok(true), |v| parse("WORKER_IN_PROCESS", &v))?,
                concurrency: parsed("WORKER_CONCURRENCY", 4)?.max(1) as usize,
                dead_after: Duration::from_secs(parsed("WORKER_DEAD_AFTER_SECONDS", 300)?.max(2)),
            },
            providers: ProviderUrls {
                sendgrid: url("SENDGRID_API_URL", "https://api.sendgrid.com"),
                resend: url("RESEND_API_URL", "https://api.resend.com"),
                twilio: url("TWILIO_API_URL", "https://api.twilio.com"),
            },
            jwt_secret: Secret(jwt_secret),
            data_key,
            login_attempts_per_ip_minute: parsed("LOGIN_ATTEMPTS_PER_IP_MINUTE", 100)? as u32,
            portal_bookings_per_ip_minute: parsed("PORTAL_BOOKINGS_PER_IP_MINUTE", 10)? as u32,
            log_format,
            cookie_secure: get("COOKIE_SECURE").map_or(Ok(false), |v| parse("COOKIE_SECURE", &v))?,
            session: SessionPolicy {
                access_ttl: minutes(parsed("ACCESS_TOKEN_MINUTES", 15)?),
                refresh_reuse_grace: Duration::from_secs(parsed("REFRESH_REUSE_GRACE_SECONDS", 10)?),
            },
            port: get("PORT").map(|v| parse("PORT", &v)).transpose()?,
            public_url: get("PUBLIC_URL").map(|v| v.trim_end_matches('/').to_owned()),
            trusted_proxy_hops: parsed("TRUSTED_PROXY_HOPS", 0)? as usize,
        })
    }
}

fn parse<T: FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    })
}

/// 32 bytes written as 64 hexadecimal characters.
fn parse_key(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (byte, pair) in key.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(key)
}

fn parse_pg(name: &'static str, url: &str) -> Result<PgConnectOptions, ConfigError> {
    url.parse().map_err(|e: sqlx::Error| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn missing_secret_is_an_error_not_a_default() {
        let err = Config::from_lookup(lookup(&[("DATABASE_URL", "postgres://localhost/x")])).unwrap_err();
        assert_eq!(err.to_string(), "JWT_SECRET is not set; see .env.example");
    }

    #[test]
    fn short_secret_is_refused() {
        let err = Config::from_lookup(lookup(&[
            ("DATABASE_URL", "postgres://localhost/x"),
            ("JWT_SECRET", "short"),
        ]))
        .unwrap_err();
        assert!(err.to_string().starts_with("JWT_SECRET is invalid"));
    }

    #[test]
    fn app_role_defaults_to_the_least_privileged_role() {
        let config = Config::from_lookup(lookup(&[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/careops"),
            ("JWT_SECRET", SECRET),
            ("DATA_KEY", KEY),
        ]))
        .unwrap();
        assert_eq!(config.app_database.get_username(), APP_DB_ROLE);
        assert_eq!(config.app_database.get_database(), Some("careops"));
        assert_eq!(config.session.access_ttl, Duration::from_secs(900));
        assert_eq!(config.log_format, LogFormat::Pretty);
    }

    #[test]
    fn bad_numbers_name_their_variable() {
        let err = Config::from_lookup(lookup(&[
            ("DATABASE_URL", "postgres://localhost/x"),
            ("JWT_SECRET", SECRET),
            ("DATA_KEY", KEY),
            ("PORT", "eighty"),
        ]))
        .unwrap_err();
        assert!(err.to_string().starts_with("PORT is invalid"));
    }
}
