//! What every backend client shares: one connection pool, timeouts, bounded retries that honour
//! `Retry-After`, and errors that name the service and say what to check. Nothing here knows MCP.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr},
    sync::{Arc, Once, OnceLock},
    time::Duration,
};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

/// Retries after the first attempt for 429/502/503/504.
pub const MAX_RETRIES: u32 = 3;
/// Longest single wait we accept from `Retry-After`; a server asking for more gets a clear error
/// instead of a tool call that hangs for minutes.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// A home server either answers a TCP connect at once or is not there.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Plex,
    Discover,
    Sonarr,
    Radarr,
    Trakt,
    PlexTv,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Plex => "Plex",
            Service::Discover => "Plex Discover",
            Service::Sonarr => "Sonarr",
            Service::Radarr => "Radarr",
            Service::Trakt => "Trakt",
            Service::PlexTv => "plex.tv",
        }
    }

    fn url_var(self) -> &'static str {
        match self {
            Service::Plex => "PLEX_URL",
            Service::Discover => "PLEX_DISCOVER_URL",
            Service::Sonarr => "SONARR_URL",
            Service::Radarr => "RADARR_URL",
            Service::Trakt => "TRAKT_BASE_URL",
            Service::PlexTv => "PLEX_TV_URL",
        }
    }

    fn credential_hint(self) -> &'static str {
        match self {
            Service::Plex => {
                "Check PLEX_TOKEN: it must be an X-Plex-Token accepted by this server \
                 (https://support.plex.tv/articles/204059436-finding-an-authentication-token-x-plex-token/)."
            }
            Service::Discover => {
                "The watchlist needs a plex.tv account token, not a server-only token: check PLEX_TOKEN."
            }
            Service::Sonarr => {
                "Check SONARR_API_KEY: find it in Sonarr → Settings → General → API Key."
            }
            Service::Radarr => {
                "Check RADARR_API_KEY: find it in Radarr → Settings → General → API Key."
            }
            Service::PlexTv => "Sign in again with `plex-mcp login`.",
            Service::Trakt => {
                "Sign in to Trakt again; if that fails too, check TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET against your app at https://trakt.tv/oauth/applications."
            }
        }
    }
}

#[derive(Debug)]
pub enum ErrorKind {
    Unauthorized(u16),
    NotFound,
    RateLimited {
        retry_after: Option<Duration>,
    },
    /// A redirect to another origin, not followed (the origin it pointed to, if readable).
    Redirected(Option<String>),
    Status(u16),
    Timeout(Duration),
    Connect(String),
    Malformed(String),
    /// Longer than the most we read (bytes).
    TooLarge(usize),
    Transport(String),
}

/// A failed backend call. Its message is written for the person (or agent) who has to fix it, and
/// never contains a credential: requests carry them in headers, and only the path is quoted.
#[derive(Debug)]
pub struct BackendError {
    pub service: Service,
    pub base: String,
    pub path: String,
    pub kind: ErrorKind,
}

impl BackendError {
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound)
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let svc = self.service.name();
        let path = &self.path;
        match &self.kind {
            ErrorKind::Unauthorized(code) => write!(
                f,
                "{svc} rejected the credentials (HTTP {code}) for {path}. {}",
                self.service.credential_hint()
            ),
            ErrorKind::NotFound => write!(
                f,
                "{svc} has nothing at {path} (HTTP 404). Check the id you passed; if every call fails \
                 like this, check that {} ({}) points at the right server.",
                self.service.url_var(),
                self.base
            ),
            ErrorKind::RateLimited { retry_after } => {
                write!(f, "{svc} is rate limiting requests (HTTP 429) for {path}")?;
                match retry_after {
                    Some(wait) if *wait > MAX_RETRY_WAIT => write!(
                        f,
                        " and asked us to wait {} s; try again later.",
                        wait.as_secs()
                    ),
                    _ => write!(
                        f,
                        " and still refused after {MAX_RETRIES} retries; wait a minute and try again."
                    ),
                }
            }
            ErrorKind::Status(code) if *code >= 500 => write!(
                f,
                "{svc} failed with HTTP {code} for {path}. The server had a problem: check that it is \
                 healthy (its logs, disk space), then try again."
            ),
            ErrorKind::Status(code) => write!(
                f,
                "{svc} refused {path} with HTTP {code}. Check the arguments (ids, sort keys, filters)."
            ),
            ErrorKind::Timeout(t) => write!(
                f,
                "{svc} did not answer {path} within {} s. Check that the server at {} ({}) is up and \
                 reachable; a slow server can be given more time with PLEX_MCP_HTTP_TIMEOUT.",
                t.as_secs_f64(),
                self.service.url_var(),
                self.base
            ),
            ErrorKind::Connect(reason) => write!(
                f,
                "Cannot connect to {svc} at {} ({reason}). Is it running, and is {} right?",
                self.base,
                self.service.url_var()
            ),
            ErrorKind::Malformed(detail) => write!(
                f,
                "{svc} answered {path} with data that is not the expected JSON ({detail}). Check that \
                 {} ({}) points at {svc} and not at another service or a proxy page.",
                self.service.url_var(),
                self.base
            ),
            ErrorKind::TooLarge(limit) => write!(
                f,
                "{svc} answered {path} with more than {} MB, far more than any answer plex-mcp asks \
                 for, and it was not read to the end. Check that {} ({}) points at {svc}.",
                limit >> 20,
                self.service.url_var(),
                self.base
            ),
            ErrorKind::Redirected(to) => write!(
                f,
                "{svc} redirected {path} to {}, another address. plex-mcp sends credentials only \
                 to the configured {} ({}) and did not follow. If {svc} moved, set {} to its new \
                 address.",
                to.as_deref().unwrap_or("an unreadable location"),
                self.service.url_var(),
                self.base,
                self.service.url_var()
            ),
            ErrorKind::Transport(reason) => {
                write!(f, "The request to {svc} for {path} failed: {reason}.")
            }
        }
    }
}

impl std::error::Error for BackendError {}

/// Makes ring the process's TLS crypto provider. reqwest is built without a bundled provider
/// (ring compiles far faster than aws-lc), so this must run before any client is built.
pub fn install_crypto_provider() {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The process-wide HTTP client: one connection pool shared by every backend.
pub fn http_client(timeout: Duration) -> Http {
    Http {
        timeout,
        client: Arc::new(OnceLock::new()),
        compression: Compression::Auto,
    }
}

/// Whether backends are asked for gzip-compressed answers (`PLEX_MCP_COMPRESSION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Only from a backend beyond the local network. On this machine or the LAN the transfer is
    /// quick, and compressing costs the backend's CPU, often the same small box we run on.
    #[default]
    Auto,
    On,
    Off,
}

impl Compression {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "auto" => Ok(Self::Auto),
            "on" => Ok(Self::On),
            "off" => Ok(Self::Off),
            _ => Err(format!(
                "PLEX_MCP_COMPRESSION must be auto, on or off (got {raw:?})"
            )),
        }
    }

    fn wanted(self, base: &str) -> bool {
        match self {
            Self::On => true,
            Self::Off => false,
            Self::Auto => !is_local(base),
        }
    }
}

/// Whether `base` names this machine or the local network: a loopback, private or link-local
/// address, `localhost`, an mDNS `.local` name, or a `plex.direct` name spelling such an address
/// (`192-168-1-5.<id>.plex.direct`, Plex's own way to give a LAN server a certificate).
fn is_local(base: &str) -> bool {
    let Some(host) = reqwest::Url::parse(base).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
    }) else {
        return false;
    };
    let local_v4 = |ip: Ipv4Addr| ip.is_loopback() || ip.is_private() || ip.is_link_local();
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => local_v4(ip),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.is_unique_local()
                || ip.is_unicast_link_local()
                || ip.to_ipv4_mapped().is_some_and(local_v4)
        }
        Err(_) => {
            let name = host.trim_end_matches('.');
            let spelled = name
                .strip_suffix(".plex.direct")
                .and_then(|n| n.split('.').next())
                .and_then(|label| label.replace('-', ".").parse::<Ipv4Addr>().ok());
            name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || spelled.is_some_and(local_v4)
        }
    }
}

/// The HTTP client shared by every backend, built on first use: building it reads the system's
/// root certificates (about 150 files on Debian, half of start-up), which a session that only
/// lists tools never needs.
#[derive(Clone)]
pub struct Http {
    timeout: Duration,
    client: Arc<OnceLock<reqwest::Client>>,
    compression: Compression,
}

impl Http {
    pub fn compressing(self, compression: Compression) -> Self {
        Self {
            compression,
            ..self
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| build_client(self.timeout))
    }
}

fn build_client(timeout: Duration) -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(concat!("plex-mcp/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .redirect(same_origin_redirects())
        .build()
        .expect("the HTTP client configuration is static and valid")
}

/// Redirects are followed only within the origin a request was sent to: reqwest keeps custom
/// credential headers (`X-Plex-Token`, `X-Api-Key`, `trakt-api-key`) across a redirect, so one
/// to another host would hand it the credential. A redirect elsewhere becomes an error instead.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt
            .previous()
            .first()
            .is_some_and(|first| origin(first) == origin(attempt.url()));
        if !same {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

const MAX_REDIRECTS: usize = 5;

/// `scheme://host:port` of a URL: where a request goes, without path, query or credentials.
fn origin(url: &reqwest::Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// Which failures a request may be repeated after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads and idempotent writes: 429, 502, 503 and 504.
    Idempotent,
    /// Writes that must not happen twice: a gateway error may hide a write that landed, so only a
    /// 429 (refused before any work) is retried.
    RateLimitOnly,
}

/// One backend endpoint family (a base URL) reached through the shared client.
#[derive(Clone)]
pub struct Backend {
    pub service: Service,
    pub base: String,
    http: Http,
    timeout: Duration,
    /// Whether answers may come gzip-compressed (reqwest asks for gzip and decodes it).
    compress: bool,
    max_body: usize,
}

/// The longest answer read, decoded: a broken or hostile server could otherwise fill memory,
/// from a compressed body of a few hundred kilobytes at that. A 1,000-row page of full Plex
/// metadata is a few megabytes; a large Sonarr's whole series list some tens.
const MAX_BODY: usize = 256 << 20;

impl Backend {
    pub fn new(service: Service, base: String, http: Http, timeout: Duration) -> Self {
        Self {
            service,
            compress: http.compression.wanted(&base),
            max_body: MAX_BODY,
            base,
            http,
            timeout,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self
            .http
            .client()
            .request(method, format!("{}{}", self.base, path));
        if self.compress {
            request
        } else {
            request.header(reqwest::header::ACCEPT_ENCODING, "identity")
        }
    }

    /// An answer that lacks what the caller needs.
    pub fn malformed(&self, path: &str, detail: impl Into<String>) -> BackendError {
        self.error(path, ErrorKind::Malformed(detail.into()))
    }

    fn error(&self, path: &str, kind: ErrorKind) -> BackendError {
        BackendError {
            service: self.service,
            base: self.base.clone(),
            path: path.to_string(),
            kind,
        }
    }

    /// Sends the request built by `build` (called again for each retry) and decodes a JSON body.
    pub async fn json<T: DeserializeOwned>(
        &self,
        path: &str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, BackendError> {
        self.json_with(path, Retry::Idempotent, build).await
    }

    pub async fn json_with<T: DeserializeOwned>(
        &self,
        path: &str,
        retry: Retry,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, BackendError> {
        let response = self.send(path, retry, build).await?;
        self.decode(path, response).await
    }

    /// Reads a 2xx answer's body as bytes, at most `max` of them, with its content type.
    pub async fn bytes(
        &self,
        path: &str,
        max: usize,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<(Vec<u8>, Option<String>), BackendError> {
        let response = self.send(path, Retry::Idempotent, build).await?;
        let mime = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(path, &e))?;
        if body.len() > max {
            return Err(self.malformed(
                path,
                format!("an image of {} bytes, over {max}", body.len()),
            ));
        }
        Ok((body.to_vec(), mime))
    }

    /// Reads a 2xx answer's body as JSON of type `T`.
    pub async fn decode<T: DeserializeOwned>(
        &self,
        path: &str,
        response: reqwest::Response,
    ) -> Result<T, BackendError> {
        let body = self.body(path, response).await?;
        self.parse(path, &body)
    }

    /// A 2xx answer's body, whole.
    pub async fn body(
        &self,
        path: &str,
        mut response: reqwest::Response,
    ) -> Result<hyper::body::Bytes, BackendError> {
        let expected = response.content_length().unwrap_or(0) as usize;
        let mut body = Vec::with_capacity(expected.min(self.max_body));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(path, &e))?
        {
            if body.len() + chunk.len() > self.max_body {
                return Err(self.error(path, ErrorKind::TooLarge(self.max_body)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.into())
    }

    /// JSON of type `T` from a body read from `path`; `T` may borrow from it. The body is checked
    /// to be UTF-8 once, whole: read from bytes, serde_json checks each string on its own, which
    /// for a page of short titles and tags cost more than the check of the whole page.
    pub fn parse<'a, T: serde::Deserialize<'a>>(
        &self,
        path: &str,
        body: &'a [u8],
    ) -> Result<T, BackendError> {
        let text = std::str::from_utf8(body)
            .map_err(|e| self.error(path, ErrorKind::Malformed(format!("not UTF-8 text: {e}"))))?;
        serde_json::from_str(text)
            .map_err(|e| self.error(path, ErrorKind::Malformed(e.to_string())))
    }

    /// Sends with bounded retries and returns the 2xx answer.
    pub async fn send(
        &self,
        path: &str,
        retry: Retry,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<reqwest::Response, BackendError> {
        let mut attempt = 0;
        loop {
            let response = build()
                .send()
                .await
                .map_err(|e| self.transport_error(path, &e))?;
            let status = response.status();
            if status.is_success() {
                return Ok(response);
            }
            let retry_after = retry_after(response.headers());
            let retryable = match retry {
                Retry::Idempotent => matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS
                        | StatusCode::BAD_GATEWAY
                        | StatusCode::SERVICE_UNAVAILABLE
                        | StatusCode::GATEWAY_TIMEOUT
                ),
                Retry::RateLimitOnly => status == StatusCode::TOO_MANY_REQUESTS,
            };
            let too_long = retry_after.is_some_and(|w| w > MAX_RETRY_WAIT);
            if retryable && attempt < MAX_RETRIES && !too_long {
                let wait = retry_after.unwrap_or(BACKOFF_BASE * 2u32.pow(attempt));
                tracing::debug!(service = self.service.name(), path, %status, ?wait, "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            let kind = match status {
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    ErrorKind::Unauthorized(status.as_u16())
                }
                StatusCode::NOT_FOUND => ErrorKind::NotFound,
                StatusCode::TOO_MANY_REQUESTS => ErrorKind::RateLimited { retry_after },
                s if s.is_redirection() => ErrorKind::Redirected(
                    response
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|l| response.url().join(l).ok())
                        .map(|u| origin(&u)),
                ),
                other => ErrorKind::Status(other.as_u16()),
            };
            return Err(self.error(path, kind));
        }
    }

    fn transport_error(&self, path: &str, e: &reqwest::Error) -> BackendError {
        let kind = if e.is_timeout() {
            ErrorKind::Timeout(self.timeout)
        } else if e.is_connect() {
            ErrorKind::Connect(root_cause(e))
        } else if e.is_decode() || e.is_body() {
            ErrorKind::Malformed(root_cause(e))
        } else {
            ErrorKind::Transport(root_cause(e))
        };
        self.error(path, kind)
    }
}

/// The innermost cause, which says what happened ("Connection refused") without reqwest's
/// wrapper text, which quotes the full URL.
fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server answering `/big` with 2 MiB of zeros, gzip-compressed to a few kilobytes.
    async fn zeros_server() -> String {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&vec![b'0'; 2 << 20]).unwrap();
        let packed = gz.finish().unwrap();
        let app = axum::Router::new().route(
            "/big",
            axum::routing::get(move || {
                let packed = packed.clone();
                async move { ([("content-encoding", "gzip")], packed) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    #[tokio::test]
    async fn answers_are_decoded_and_read_only_up_to_the_limit() {
        let url = zeros_server().await;
        let http = http_client(Duration::from_secs(5)).compressing(Compression::On);
        let read = |max_body| {
            let backend = Backend {
                max_body,
                ..Backend::new(
                    Service::Sonarr,
                    url.clone(),
                    http.clone(),
                    Duration::from_secs(5),
                )
            };
            async move {
                let response = backend
                    .send("/big", Retry::Idempotent, || {
                        backend.request(Method::GET, "/big")
                    })
                    .await?;
                backend.body("/big", response).await
            }
        };
        let whole = read(4 << 20).await.unwrap();
        assert_eq!(whole.len(), 2 << 20, "decoded");
        assert!(whole.iter().all(|b| *b == b'0'));
        let err = read(1 << 20).await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::TooLarge(_)), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("Sonarr")
                && message.contains("more than 1 MB")
                && message.contains("SONARR_URL"),
            "{message}"
        );
    }

    #[test]
    fn compression_is_asked_only_beyond_the_local_network_unless_set() {
        let local = [
            "http://localhost:32400",
            "http://127.0.0.1:32400",
            "http://192.168.1.5:32400",
            "http://10.0.0.2",
            "http://172.20.0.3:8989",
            "http://169.254.10.1",
            "http://[::1]:32400",
            "http://[fd12:3456::1]:32400",
            "http://[::ffff:192.168.1.5]:32400",
            "http://nas.local:32400",
            "https://192-168-1-5.0123456789abcdef.plex.direct:32400",
        ];
        let remote = [
            "https://81-2-3-4.0123456789abcdef.plex.direct:32400",
            "https://plex.example.com",
            "https://api.trakt.tv",
            "http://100.64.1.2:32400",
            "http://[2001:db8::1]:32400",
            "not a url",
        ];
        for base in local {
            assert!(!Compression::Auto.wanted(base), "{base}");
            assert!(Compression::On.wanted(base), "{base}");
        }
        for base in remote {
            assert!(Compression::Auto.wanted(base), "{base}");
            assert!(!Compression::Off.wanted(base), "{base}");
        }
        assert_eq!(Compression::parse("off"), Ok(Compression::Off));
        assert!(
            Compression::parse("yes")
                .unwrap_err()
                .contains("PLEX_MCP_COMPRESSION")
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let future = chrono::Utc::now() + chrono::Duration::seconds(120);
        h.insert("retry-after", future.to_rfc2822().parse().unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(
            wait <= Duration::from_secs(120) && wait >= Duration::from_secs(115),
            "{wait:?}"
        );
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn messages_name_the_service_and_the_fix() {
        let e = BackendError {
            service: Service::Plex,
            base: "http://nas:32400".into(),
            path: "/library/sections".into(),
            kind: ErrorKind::Unauthorized(401),
        };
        let msg = e.to_string();
        assert!(
            msg.contains("Plex") && msg.contains("PLEX_TOKEN") && msg.contains("401"),
            "{msg}"
        );
        let e = BackendError {
            kind: ErrorKind::Connect("Connection refused".into()),
            ..e
        };
        let msg = e.to_string();
        assert!(
            msg.contains("http://nas:32400") && msg.contains("PLEX_URL"),
            "{msg}"
        );
    }
}
