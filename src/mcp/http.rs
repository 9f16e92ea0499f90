//! Streamable HTTP transport, safe by default: loopback bind unless a bearer token is set,
//! constant-time token check, Origin validation against DNS rebinding, a body cap, a cap on live
//! sessions and an idle timeout. `GET /health` answers without touching any backend.

use std::{net::IpAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use rmcp::transport::streamable_http_server::{
    StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
};
use serde_json::json;
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use super::{
    conns,
    jsonrpc::{self, Refusal, check_message},
    server::{Context, PlexMcp},
};
use crate::config::Secret;

pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How long open connections may finish after SIGTERM or Ctrl-C.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub host: String,
    pub port: u16,
    pub auth_token: Option<Secret>,
    pub max_sessions: usize,
    pub session_idle: Duration,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
    /// How long a connection may take to send a request's headers, or wait for its next one.
    pub idle_timeout: Duration,
    /// Connections served at once; past it the longest-idle one is closed.
    pub max_connections: usize,
}

#[derive(Clone)]
struct Guard {
    auth_token: Option<Secret>,
    sessions: Arc<LocalSessionManager>,
    max_sessions: usize,
    /// Held while a session-creating request is handled, so concurrent initializes cannot
    /// overshoot the session cap.
    admission: Arc<tokio::sync::Mutex<()>>,
    /// How long a request body may take to arrive.
    body_timeout: Duration,
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Browsers send `Origin`; only pages served from this machine may talk to us.
fn origin_allowed(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = match rest.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => rest,
    };
    is_loopback_host(host)
}

fn json_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(jsonrpc::error(serde_json::Value::Null, code, message)),
    )
        .into_response()
}

async fn guard(State(g): State<Guard>, req: Request, next: Next) -> Response {
    if let Some(origin) = req.headers().get(header::ORIGIN)
        && !origin.to_str().is_ok_and(origin_allowed)
    {
        return json_error(
            StatusCode::FORBIDDEN,
            -32000,
            "Forbidden: Origin not allowed",
        );
    }
    let is_health = req.uri().path() == "/health";
    if let Some(token) = &g.auth_token
        && !is_health
        && !bearer_matches(req.headers(), token)
    {
        let mut resp = json_error(
            StatusCode::UNAUTHORIZED,
            -32001,
            "Unauthorized: send Authorization: Bearer <PLEX_MCP_AUTH_TOKEN>",
        );
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("static header"),
        );
        return resp;
    }
    if req.method() != Method::POST || req.uri().path() != "/mcp" || !is_json(req.headers()) {
        // Anything else is rmcp's to answer (405, 415, GET streams).
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match tokio::time::timeout(g.body_timeout, to_bytes(body, MAX_BODY_BYTES)).await {
        Err(_) => {
            return json_error(
                StatusCode::REQUEST_TIMEOUT,
                -32000,
                "Request body not received in time",
            );
        }
        Ok(Err(_)) => {
            return json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                -32000,
                "Request body too large",
            );
        }
        Ok(Ok(bytes)) => bytes,
    };
    let message = match check_message(&bytes) {
        Ok(message) => message,
        Err(refusal) => return refusal.into_response(),
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    // Every `initialize` opens a session, whatever protocol version it names (rmcp gives the
    // handshake legacy semantics); nothing else does.
    if message.method.as_deref() == Some("initialize")
        && !req.headers().contains_key("mcp-session-id")
    {
        let _admission = g.admission.lock().await;
        if g.sessions.sessions.read().await.len() >= g.max_sessions {
            return json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                -32000,
                "Server at session capacity, try again later",
            );
        }
        return next.run(req).await;
    }
    next.run(req).await
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        // A refused request with an id is answered like any JSON-RPC error; one that cannot be
        // read at all is a bad HTTP request.
        let status = if self.has_id() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        (status, axum::Json(self.to_json())).into_response()
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"))
}

fn bearer_matches(headers: &HeaderMap, token: &Secret) -> bool {
    // The scheme name is case-insensitive (RFC 7235 §2.1).
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
    else {
        return false;
    };
    given
        .trim()
        .as_bytes()
        .ct_eq(token.expose().as_bytes())
        .into()
}

/// The HTTP application: `/mcp`, `/health`, and the guard in front of both.
pub fn app(
    ctx: Arc<Context>,
    opts: &HttpOptions,
    shutdown: CancellationToken,
) -> (Router, Arc<LocalSessionManager>) {
    let mut manager = LocalSessionManager::default();
    manager.session_config.keep_alive = Some(opts.session_idle);
    let manager = Arc::new(manager);
    let mut config = StreamableHttpServerConfig::default()
        .with_json_response(true)
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .with_cancellation_token(shutdown);
    if !is_loopback_host(&opts.host) {
        // Reached under whatever name the network gives it; the bearer token guards it instead.
        config = config.disable_allowed_hosts();
    }
    let mcp = StreamableHttpService::new(
        move || Ok(PlexMcp::new(ctx.clone())),
        manager.clone(),
        config,
    );
    let health_sessions = manager.clone();
    let guard_state = Guard {
        auth_token: opts.auth_token.clone(),
        sessions: manager.clone(),
        max_sessions: opts.max_sessions,
        admission: Arc::default(),
        body_timeout: opts.body_timeout,
    };
    let router = Router::new()
        .route(
            "/health",
            get(move || async move {
                let sessions = health_sessions.sessions.read().await.len();
                axum::Json(json!({
                    "status": "ok",
                    "server": "plex-mcp",
                    "version": env!("CARGO_PKG_VERSION"),
                    "sessions": sessions,
                }))
            }),
        )
        .nest_service("/mcp", mcp)
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(json!({
                    "error": "Not Found",
                    "message": "Use POST /mcp for MCP requests, or GET /health for health check"
                })),
            )
        })
        .layer(axum::middleware::from_fn_with_state(guard_state, guard));
    (router, manager)
}

/// Checks the bind address against the auth rule before anything listens.
pub fn check_bind(opts: &HttpOptions) -> Result<(), String> {
    if !is_loopback_host(&opts.host) && opts.auth_token.is_none() {
        return Err(format!(
            "refusing to listen on non-loopback address {} without authentication: set \
             PLEX_MCP_AUTH_TOKEN (or pass --auth-token) so clients must send a bearer token",
            opts.host
        ));
    }
    Ok(())
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    ctx: Arc<Context>,
    opts: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    check_bind(&opts)?;
    let cancel = CancellationToken::new();
    let (router, _) = app(ctx, &opts, cancel.clone());
    let addr = format!(
        "{}:{}",
        opts.host.trim_start_matches('[').trim_end_matches(']'),
        opts.port
    );
    let listener = tokio::net::TcpListener::bind((
        opts.host.trim_start_matches('[').trim_end_matches(']'),
        opts.port,
    ))
    .await
    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("plex-mcp listening on http://{local}/mcp (health: http://{local}/health)");
    let stop = CancellationToken::new();
    let served = conns::serve(
        listener,
        router,
        conns::Limits {
            idle_timeout: opts.idle_timeout,
            max_connections: opts.max_connections,
            grace: SHUTDOWN_GRACE,
        },
        stop.clone(),
    );
    tokio::pin!(served);
    tokio::select! {
        _ = &mut served => {}
        _ = shutdown => {
            // Sessions end first, so streams close and connections can finish.
            cancel.cancel();
            stop.cancel();
            served.await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "https://[::1]:8443",
            "http://LOCALHOST",
        ] {
            assert!(origin_allowed(ok), "{ok}");
        }
        for bad in [
            "http://evil.example",
            "null",
            "http://localhost.evil.com",
            "file://",
            "http://10.0.0.2:3000",
        ] {
            assert!(!origin_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn non_loopback_needs_a_token() {
        let mut opts = HttpOptions {
            host: "0.0.0.0".into(),
            port: 3000,
            auth_token: None,
            max_sessions: crate::config::DEFAULT_MAX_SESSIONS,
            session_idle: crate::config::DEFAULT_SESSION_IDLE,
            body_timeout: crate::config::DEFAULT_BODY_TIMEOUT,
            idle_timeout: crate::config::DEFAULT_IDLE_TIMEOUT,
            max_connections: crate::config::DEFAULT_MAX_CONNECTIONS,
        };
        assert!(
            check_bind(&opts)
                .unwrap_err()
                .contains("PLEX_MCP_AUTH_TOKEN")
        );
        opts.auth_token = Some(Secret::new("t"));
        assert!(check_bind(&opts).is_ok());
        opts.auth_token = None;
        for host in ["127.0.0.1", "localhost", "::1", "[::1]"] {
            opts.host = host.into();
            assert!(check_bind(&opts).is_ok(), "{host}");
        }
    }
}
