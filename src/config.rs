//! Configuration from the environment (and `.env`), with the reference server's variable names.

use std::{fmt, path::PathBuf, time::Duration};

/// A credential. Its `Debug` and `Display` never show the value, so a stray `{:?}` in a log line
/// or a panic message cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

pub const DEFAULT_PLEX_URL: &str = "http://localhost:32400";
pub const DEFAULT_DISCOVER_URL: &str = "https://discover.provider.plex.tv";
pub const DEFAULT_PLEX_TV_URL: &str = "https://plex.tv";
/// Backend requests: well inside the minute most MCP clients wait for a tool.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a confirmation prompt (elicitation) waits for the person before the preview.
pub const DEFAULT_CONFIRM_TIMEOUT: Duration = Duration::from_secs(60);
/// TV apps can take several seconds to open and start a stream.
pub const DEFAULT_PLAY_WAIT: Duration = Duration::from_secs(12);
pub const DEFAULT_MAX_SESSIONS: usize = 64;
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(300);
/// HTTP server: time for a request's headers (and, between requests, for the next one) to arrive.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// HTTP server: time for a request body to arrive.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// HTTP server: connections open at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

pub const DEFAULT_SONARR_URL: &str = "http://localhost:8989";
pub const DEFAULT_RADARR_URL: &str = "http://localhost:7878";
pub const DEFAULT_TRAKT_URL: &str = "https://api.trakt.tv";
pub const DEFAULT_TRAKT_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Trakt's published limit for authenticated writes is one per second.
pub const DEFAULT_TRAKT_WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// The Trakt application (client id and secret) and, optionally, a sign-in to start from.
#[derive(Debug, Clone)]
pub struct TraktConfig {
    pub url: String,
    pub client_id: Option<Secret>,
    pub client_secret: Option<Secret>,
    pub redirect_uri: String,
    /// `TRAKT_ACCESS_TOKEN`/`TRAKT_REFRESH_TOKEN`: used until a sign-in is stored.
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    /// Spacing of POSTs (`TRAKT_WRITE_INTERVAL_MS`); Trakt answers 429 below its limit.
    pub write_interval: Duration,
}

/// Where a Sonarr or Radarr lives and its key; without a key its tools answer a setup message.
#[derive(Debug, Clone)]
pub struct ArrConfig {
    pub url: String,
    pub api_key: Option<Secret>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub plex_url: String,
    /// Whether PLEX_URL was set: a stored login's server URL applies only when it was not.
    pub plex_url_set: bool,
    pub plex_token: Option<Secret>,
    /// plex.tv, for `plex-mcp login` (`PLEX_TV_URL`).
    pub plex_tv_url: String,
    /// The Plex write tools are offered only when `PLEX_ENABLE_MUTATIVE_OPS` is exactly `true`
    /// (as in the reference) and `--read-only` is not given.
    pub mutative_ops: bool,
    pub discover_url: String,
    pub sonarr: ArrConfig,
    pub radarr: ArrConfig,
    pub trakt: TraktConfig,
    pub data_dir: PathBuf,
    /// Per-request timeout for every backend call.
    pub http_timeout: Duration,
    /// Whether backends are asked for compressed answers (`PLEX_MCP_COMPRESSION`).
    pub compression: crate::backend::Compression,
    pub auth_token: Option<Secret>,
    pub mcp_port: Option<u16>,
    /// Live HTTP sessions allowed at once (`MCP_MAX_SESSIONS`, as the reference server).
    pub max_sessions: usize,
    /// Idle time after which an HTTP session is closed (`SESSION_TIMEOUT_SECONDS`).
    pub session_idle: Duration,
    /// HTTP server limits against slow and idle clients: `MCP_IDLE_TIMEOUT_SECONDS`,
    /// `MCP_BODY_TIMEOUT_SECONDS`, `MCP_MAX_CONNECTIONS`.
    pub idle_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
    /// `PLEX_MCP_LOG`; when unset each command picks its own default.
    pub log_filter: Option<String>,
    /// How long a confirmation prompt waits for an answer (`PLEX_MCP_CONFIRM_TIMEOUT`, seconds).
    pub confirm_timeout: Duration,
    /// How long play_media watches for the player to start (`PLEX_MCP_PLAY_WAIT`, seconds).
    pub play_wait: Duration,
    /// `PLEX_MCP_TOOLSETS`: the tool families to list, comma-separated; unset lists every family
    /// whose service is configured.
    pub toolsets: Option<String>,
    /// The zone result times are written in: `PLEX_MCP_TZ` (an IANA name), else the system's.
    pub time_zone: crate::time::Zone,
}

impl Config {
    /// Reads the configuration through `get`, so tests can supply an environment without touching
    /// the process's own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        // Claude Desktop passes an optional bundle field left empty as the literal
        // `${user_config.name}`: that is no value.
        let get =
            |name: &str| lookup(name).filter(|v| !v.trim_start().starts_with("${user_config."));
        let non_empty = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let data_dir = match non_empty("PLEX_MCP_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => default_data_dir(non_empty("XDG_DATA_HOME"), non_empty("HOME"))?,
        };
        let http_timeout = match non_empty("PLEX_MCP_HTTP_TIMEOUT") {
            Some(raw) => match raw.parse::<f64>() {
                Ok(secs) if secs > 0.0 && secs <= 600.0 => Duration::from_secs_f64(secs),
                _ => {
                    return Err(format!(
                        "PLEX_MCP_HTTP_TIMEOUT must be a number of seconds between 0 and 600 (got {raw:?})"
                    ));
                }
            },
            None => DEFAULT_HTTP_TIMEOUT,
        };
        let compression = match non_empty("PLEX_MCP_COMPRESSION") {
            Some(raw) => crate::backend::Compression::parse(&raw)?,
            None => Default::default(),
        };
        let mcp_port =
            match non_empty("MCP_PORT") {
                Some(raw) => Some(raw.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    format!("MCP_PORT must be a port number 1-65535 (got {raw:?})")
                })?),
                None => None,
            };
        let positive =
            |name: &str, default: u64| -> Result<u64, String> {
                match non_empty(name) {
                    None => Ok(default),
                    Some(raw) => raw.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("{name} must be a positive whole number (got {raw:?})")
                    }),
                }
            };
        let write_interval = match non_empty("TRAKT_WRITE_INTERVAL_MS") {
            None => DEFAULT_TRAKT_WRITE_INTERVAL,
            Some(raw) => Duration::from_millis(raw.parse::<u64>().ok().filter(|ms| *ms <= 60_000).ok_or_else(
                || format!("TRAKT_WRITE_INTERVAL_MS must be milliseconds between 0 and 60000 (got {raw:?})"),
            )?),
        };
        let max_sessions = positive("MCP_MAX_SESSIONS", DEFAULT_MAX_SESSIONS as u64)? as usize;
        let idle_timeout = Duration::from_secs(positive(
            "MCP_IDLE_TIMEOUT_SECONDS",
            DEFAULT_IDLE_TIMEOUT.as_secs(),
        )?);
        let body_timeout = Duration::from_secs(positive(
            "MCP_BODY_TIMEOUT_SECONDS",
            DEFAULT_BODY_TIMEOUT.as_secs(),
        )?);
        let max_connections =
            positive("MCP_MAX_CONNECTIONS", DEFAULT_MAX_CONNECTIONS as u64)? as usize;
        let confirm_timeout = match positive(
            "PLEX_MCP_CONFIRM_TIMEOUT",
            DEFAULT_CONFIRM_TIMEOUT.as_secs(),
        )? {
            secs @ 1..=300 => Duration::from_secs(secs),
            secs => {
                return Err(format!(
                    "PLEX_MCP_CONFIRM_TIMEOUT must be seconds between 1 and 300 (got {secs})"
                ));
            }
        };
        let play_wait = match positive("PLEX_MCP_PLAY_WAIT", DEFAULT_PLAY_WAIT.as_secs())? {
            secs @ 1..=120 => Duration::from_secs(secs),
            secs => {
                return Err(format!(
                    "PLEX_MCP_PLAY_WAIT must be seconds between 1 and 120 (got {secs})"
                ));
            }
        };
        let session_idle = Duration::from_secs(positive(
            "SESSION_TIMEOUT_SECONDS",
            DEFAULT_SESSION_IDLE.as_secs(),
        )?);
        Ok(Self {
            plex_url: trim_base(non_empty("PLEX_URL").as_deref().unwrap_or(DEFAULT_PLEX_URL)),
            plex_url_set: non_empty("PLEX_URL").is_some(),
            plex_token: non_empty("PLEX_TOKEN").map(Secret::new),
            plex_tv_url: trim_base(
                non_empty("PLEX_TV_URL")
                    .as_deref()
                    .unwrap_or(DEFAULT_PLEX_TV_URL),
            ),
            mutative_ops: get("PLEX_ENABLE_MUTATIVE_OPS").as_deref() == Some("true"),
            discover_url: trim_base(
                non_empty("PLEX_DISCOVER_URL")
                    .as_deref()
                    .unwrap_or(DEFAULT_DISCOVER_URL),
            ),
            sonarr: ArrConfig {
                url: trim_base(
                    non_empty("SONARR_URL")
                        .as_deref()
                        .unwrap_or(DEFAULT_SONARR_URL),
                ),
                api_key: non_empty("SONARR_API_KEY").map(Secret::new),
            },
            radarr: ArrConfig {
                url: trim_base(
                    non_empty("RADARR_URL")
                        .as_deref()
                        .unwrap_or(DEFAULT_RADARR_URL),
                ),
                api_key: non_empty("RADARR_API_KEY").map(Secret::new),
            },
            trakt: TraktConfig {
                url: trim_base(
                    non_empty("TRAKT_BASE_URL")
                        .as_deref()
                        .unwrap_or(DEFAULT_TRAKT_URL),
                ),
                client_id: non_empty("TRAKT_CLIENT_ID").map(Secret::new),
                client_secret: non_empty("TRAKT_CLIENT_SECRET").map(Secret::new),
                redirect_uri: non_empty("TRAKT_REDIRECT_URI")
                    .unwrap_or_else(|| DEFAULT_TRAKT_REDIRECT.to_string()),
                access_token: non_empty("TRAKT_ACCESS_TOKEN").map(Secret::new),
                refresh_token: non_empty("TRAKT_REFRESH_TOKEN").map(Secret::new),
                write_interval,
            },
            data_dir,
            http_timeout,
            compression,
            auth_token: non_empty("PLEX_MCP_AUTH_TOKEN").map(Secret::new),
            mcp_port,
            max_sessions,
            session_idle,
            idle_timeout,
            body_timeout,
            max_connections,
            log_filter: non_empty("PLEX_MCP_LOG"),
            confirm_timeout,
            play_wait,
            toolsets: non_empty("PLEX_MCP_TOOLSETS"),
            time_zone: match non_empty("PLEX_MCP_TZ") {
                Some(name) => crate::time::Zone::parse(&name)?,
                None => crate::time::Zone::system(),
            },
        })
    }

    /// The process environment, after `.env` in the working directory has filled in what the real
    /// environment leaves unset.
    pub fn from_env() -> Result<Self, String> {
        // A missing .env is the normal case; a malformed one is reported by the caller's logs.
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn exports_dir(&self) -> PathBuf {
        self.data_dir.join("exports")
    }
}

fn trim_base(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}

fn default_data_dir(xdg: Option<String>, home: Option<String>) -> Result<PathBuf, String> {
    if let Some(xdg) = xdg {
        return Ok(PathBuf::from(xdg).join("plex-mcp"));
    }
    home.map(|h| PathBuf::from(h).join(".local/share/plex-mcp"))
        .ok_or_else(|| "cannot find a data directory: set PLEX_MCP_DATA_DIR or HOME".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn bundle_placeholders_left_empty_count_as_unset() {
        let c = config(&[
            ("HOME", "/h"),
            ("PLEX_TOKEN", "${user_config.plex_token}"),
            ("SONARR_API_KEY", "${user_config.sonarr_api_key}"),
            ("SONARR_URL", "${user_config.sonarr_url}"),
            ("PLEX_ENABLE_MUTATIVE_OPS", "${user_config.writes}"),
            ("PLEX_MCP_TOOLSETS", "${user_config.toolsets}"),
            ("RADARR_API_KEY", "real-key"),
        ])
        .unwrap();
        assert!(c.plex_token.is_none());
        assert!(c.sonarr.api_key.is_none());
        assert_eq!(c.sonarr.url, DEFAULT_SONARR_URL);
        assert!(!c.mutative_ops);
        assert!(c.toolsets.is_none());
        assert_eq!(
            c.radarr.api_key.as_ref().map(Secret::expose),
            Some("real-key")
        );
    }

    #[test]
    fn defaults_match_the_reference() {
        let c = config(&[("HOME", "/home/u")]).unwrap();
        assert_eq!(c.plex_url, "http://localhost:32400");
        assert_eq!(c.discover_url, "https://discover.provider.plex.tv");
        assert_eq!(c.plex_tv_url, "https://plex.tv");
        assert!(!c.plex_url_set);
        assert_eq!(c.data_dir, PathBuf::from("/home/u/.local/share/plex-mcp"));
        assert!(c.plex_token.is_none());
        assert_eq!(c.http_timeout, DEFAULT_HTTP_TIMEOUT);
        assert_eq!(c.sonarr.url, "http://localhost:8989");
        assert_eq!(c.radarr.url, "http://localhost:7878");
        assert!(c.sonarr.api_key.is_none() && c.radarr.api_key.is_none());
        assert!(!c.mutative_ops);
        assert_eq!(c.trakt.url, "https://api.trakt.tv");
        assert_eq!(c.trakt.redirect_uri, "urn:ietf:wg:oauth:2.0:oob");
        assert_eq!(c.trakt.write_interval, Duration::from_secs(1));
        assert!(c.trakt.client_id.is_none() && c.trakt.access_token.is_none());
        for (value, on) in [
            ("true", true),
            ("True", false),
            ("1", false),
            ("TRUE", false),
        ] {
            let c = config(&[("HOME", "/h"), ("PLEX_ENABLE_MUTATIVE_OPS", value)]).unwrap();
            assert_eq!(c.mutative_ops, on, "{value}");
        }
    }

    #[test]
    fn compression_is_auto_unless_set_and_a_wrong_value_is_refused() {
        use crate::backend::Compression;
        assert_eq!(
            config(&[("HOME", "/h")]).unwrap().compression,
            Compression::Auto
        );
        let on = config(&[("HOME", "/h"), ("PLEX_MCP_COMPRESSION", "on")]).unwrap();
        assert_eq!(on.compression, Compression::On);
        let err = config(&[("HOME", "/h"), ("PLEX_MCP_COMPRESSION", "maybe")]).unwrap_err();
        assert!(
            err.contains("PLEX_MCP_COMPRESSION") && err.contains("maybe"),
            "{err}"
        );
    }

    #[test]
    fn trailing_slashes_and_xdg_are_honoured() {
        let c = config(&[
            ("PLEX_URL", "http://plex:32400//"),
            ("XDG_DATA_HOME", "/xdg"),
            ("PLEX_TOKEN", "abc"),
        ])
        .unwrap();
        assert_eq!(c.plex_url, "http://plex:32400");
        assert_eq!(c.data_dir, PathBuf::from("/xdg/plex-mcp"));
        assert_eq!(c.plex_token.unwrap().expose(), "abc");
    }

    #[test]
    fn bad_numbers_are_clear_errors() {
        let err = config(&[("HOME", "/h"), ("MCP_PORT", "99999")]).unwrap_err();
        assert!(err.contains("MCP_PORT"), "{err}");
        let err = config(&[("HOME", "/h"), ("PLEX_MCP_HTTP_TIMEOUT", "-1")]).unwrap_err();
        assert!(err.contains("PLEX_MCP_HTTP_TIMEOUT"), "{err}");
        let err = config(&[("HOME", "/h"), ("MCP_MAX_SESSIONS", "0")]).unwrap_err();
        assert!(err.contains("MCP_MAX_SESSIONS"), "{err}");
        let c = config(&[
            ("HOME", "/h"),
            ("SESSION_TIMEOUT_SECONDS", "5"),
            ("MCP_MAX_SESSIONS", "2"),
        ])
        .unwrap();
        assert_eq!(
            (c.max_sessions, c.session_idle),
            (2, Duration::from_secs(5))
        );
    }

    #[test]
    fn secrets_never_format() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
    }
}
