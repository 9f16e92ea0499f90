//! The streamable HTTP transport: rmcp's HTTP client over both lifecycles, and the guards
//! (bearer token, Origin, body cap, session cap, loopback-only without a token).

mod common;

use std::{process::Stdio, time::Duration};

use common::*;
use plex_mcp::fake::{FakeStack, Scale};
use rmcp::{
    ClientLifecycleMode, ClientServiceExt, ServiceExt,
    model::{CallToolRequestParams, ProtocolVersion},
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::{Value, json};

const AUTH: &str = "bearer-Yt5pQ1nC8vR3";

struct Server {
    child: tokio::process::Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(stack: &FakeStack, extra: &[(&str, &str)], args: &[&str]) -> Server {
    let dir = temp_dir("http");
    let port = free_port();
    let mut cmd = command(stack, &dir, extra);
    cmd.args(["serve", "--transport", "http", "--port", &port.to_string()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let child = cmd.spawn().expect("spawn plex-mcp");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{base}/health")).send().await.is_ok() {
            return Server { child, base, dir };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("plex-mcp did not start listening on {base}");
}

fn initialize_body() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "raw-test", "version": "1"}}
    })
}

async fn post_initialize(base: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .json(&initialize_body());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request sent")
}

#[tokio::test]
async fn tools_over_the_initialize_and_the_stateless_lifecycle() {
    let stack = stack(Scale::DEMO, 31).await;
    let server = start(&stack, &[], &[]).await;
    let url = format!("{}/mcp", server.base);

    let client =
        ().serve(StreamableHttpClientTransport::from_uri(url.clone()))
            .await
            .expect("initialize over HTTP");
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), TOOLS.len());
    let result = client
        .call_tool(CallToolRequestParams::new("get_libraries"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true));
    let tool = tools.iter().find(|t| t.name == "get_libraries").unwrap();
    assert_matches_schema(tool, result.structured_content.as_ref().unwrap());
    assert_eq!(
        result.structured_content.unwrap()["libraries"]
            .as_array()
            .unwrap()
            .len(),
        stack.data.sections.len()
    );
    client.cancel().await.unwrap();

    let stateless = ()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(url),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("server/discover over HTTP");
    let Value::Object(args) = json!({"query": "night"}) else {
        unreachable!()
    };
    let result = stateless
        .call_tool(CallToolRequestParams::new("search_media").with_arguments(args))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true));
    assert!(
        result.structured_content.unwrap()["totalSize"]
            .as_u64()
            .unwrap()
            > 0
    );
    stateless.cancel().await.unwrap();
}

#[tokio::test]
async fn bearer_token_origin_and_body_guards() {
    let stack = stack(Scale::DEMO, 32).await;
    let server = start(&stack, &[("PLEX_MCP_AUTH_TOKEN", AUTH)], &[]).await;
    let base = &server.base;
    let http = reqwest::Client::new();

    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "health needs no token");
    let body: Value = health.json().await.unwrap();
    assert_eq!(body["status"], json!("ok"));

    assert_eq!(post_initialize(base, &[]).await.status(), 401);
    let wrong = post_initialize(base, &[("authorization", "Bearer nope")]).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    // The scheme is case-insensitive (RFC 7235).
    let lower = post_initialize(base, &[("authorization", &format!("bearer {AUTH}"))]).await;
    assert_eq!(lower.status(), 200);
    let bearer = format!("Bearer {AUTH}");
    let ok = post_initialize(base, &[("authorization", &bearer)]).await;
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().contains_key("mcp-session-id"));

    let foreign = post_initialize(
        base,
        &[
            ("authorization", &bearer),
            ("origin", "https://evil.example"),
        ],
    )
    .await;
    assert_eq!(foreign.status(), 403);
    let local = post_initialize(
        base,
        &[
            ("authorization", &bearer),
            ("origin", "http://localhost:5173"),
        ],
    )
    .await;
    assert_eq!(local.status(), 200);

    let huge = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(5 * 1024 * 1024)
    );
    let resp = http
        .post(format!("{base}/mcp"))
        .header("authorization", &bearer)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);

    // The 413 closes its connection, so ask on a fresh one.
    let missing = reqwest::Client::new()
        .get(format!("{base}/nowhere"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // rmcp's client with the token works end to end.
    let config =
        StreamableHttpClientTransportConfig::with_uri(format!("{base}/mcp")).auth_header(AUTH);
    let client =
        ().serve(StreamableHttpClientTransport::from_config(config))
            .await
            .expect("authenticated client");
    let result = client
        .call_tool(CallToolRequestParams::new("get_active_sessions"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn session_cap_answers_503_until_a_session_ends() {
    let stack = stack(Scale::DEMO, 33).await;
    let server = start(&stack, &[], &[]).await;
    let base = &server.base;
    let mut sessions = Vec::new();
    for _ in 0..plex_mcp::DEFAULT_MAX_SESSIONS {
        let resp = post_initialize(base, &[]).await;
        assert_eq!(resp.status(), 200);
        sessions.push(
            resp.headers()["mcp-session-id"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    let over = post_initialize(base, &[]).await;
    assert_eq!(over.status(), 503);
    let body: Value = over.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("capacity")
    );

    let closed = reqwest::Client::new()
        .delete(format!("{base}/mcp"))
        .header("mcp-session-id", &sessions[0])
        .send()
        .await
        .unwrap();
    assert!(closed.status().is_success(), "{}", closed.status());
    let mut admitted = false;
    for _ in 0..20 {
        if post_initialize(base, &[]).await.status() == 200 {
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(admitted, "a freed slot admits a new session");
}

#[tokio::test]
async fn idle_sessions_expire_and_the_cap_is_configurable() {
    let stack = stack(Scale::DEMO, 35).await;
    let server = start(
        &stack,
        &[("SESSION_TIMEOUT_SECONDS", "1"), ("MCP_MAX_SESSIONS", "2")],
        &[],
    )
    .await;
    let base = &server.base;
    let first = post_initialize(base, &[]).await;
    let id = first.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(post_initialize(base, &[]).await.status(), 200);
    assert_eq!(post_initialize(base, &[]).await.status(), 503, "cap of 2");
    let ping = || async {
        reqwest::Client::new()
            .post(format!("{base}/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-session-id", &id)
            .header("mcp-protocol-version", "2025-06-18")
            .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}))
            .send()
            .await
            .unwrap()
            .status()
    };
    assert!(ping().await.is_success(), "the session is live");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(ping().await, 404, "an idle session is gone");
    assert_eq!(
        post_initialize(base, &[]).await.status(),
        200,
        "expired sessions free their slots"
    );
}

#[tokio::test]
async fn non_loopback_bind_without_a_token_is_refused() {
    let stack = stack(Scale::DEMO, 34).await;
    let dir = temp_dir("bind");
    let out = command(&stack, &dir, &[])
        .args([
            "serve",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
            "--port",
            &free_port().to_string(),
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PLEX_MCP_AUTH_TOKEN"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn every_initialize_counts_against_the_session_cap_whatever_its_version() {
    let stack = stack(Scale::DEMO, 35).await;
    let server = start(&stack, &[("MCP_MAX_SESSIONS", "3")], &[]).await;
    let base = &server.base;
    let newer = |id: u32| {
        json!({"jsonrpc": "2.0", "id": id, "method": "initialize",
               "params": {"protocolVersion": "2026-07-28", "capabilities": {},
                          "clientInfo": {"name": "flood", "version": "1"}}})
    };
    let http = reqwest::Client::new();
    let mut refused = 0;
    for id in 0..40 {
        let status = http
            .post(format!("{base}/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .json(&newer(id))
            .send()
            .await
            .unwrap()
            .status();
        refused += usize::from(status == 503);
    }
    assert_eq!(refused, 37, "3 sessions, then 503");
    let health: Value = http
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["sessions"], json!(3));
    // Stateless requests open no session and still get answers at the cap.
    let stateless = ()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(format!("{base}/mcp")),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .expect("stateless at the cap");
    let result = stateless
        .call_tool(CallToolRequestParams::new("get_libraries"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true));
    stateless.cancel().await.unwrap();
}

#[tokio::test]
async fn malformed_messages_get_json_rpc_errors() {
    let stack = stack(Scale::DEMO, 36).await;
    let server = start(&stack, &[], &[]).await;
    let http = reqwest::Client::new();
    let post = |body: String| {
        http.post(format!("{}/mcp", server.base))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2026-07-28")
            .body(body)
            .send()
    };
    let resp = post("{not json".into()).await.unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!(-32700), "{body}");
    let resp = post("[1, 2]".into()).await.unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!(-32600), "{body}");
    for arguments in [json!(["x"]), json!("x"), json!(3), json!(null)] {
        let call = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                          "params": {"name": "get_libraries", "arguments": arguments}});
        let body: Value = post(call.to_string()).await.unwrap().json().await.unwrap();
        assert_eq!(body["error"]["code"], json!(-32602), "{arguments}: {body}");
        assert_eq!(body["id"], json!(9));
    }
}

/// A raw TCP client on loopback.
async fn raw(base: &str) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap()
}

#[tokio::test]
async fn idle_and_slow_clients_never_starve_the_others() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stack = stack(Scale::DEMO, 37).await;
    let server = start(
        &stack,
        &[
            ("MCP_MAX_CONNECTIONS", "8"),
            ("MCP_IDLE_TIMEOUT_SECONDS", "2"),
            ("MCP_BODY_TIMEOUT_SECONDS", "2"),
        ],
        &[],
    )
    .await;
    let base = server.base.clone();
    // Twice the cap of connections that never send a byte, and some that stall mid-header.
    let mut idle = Vec::new();
    for _ in 0..16 {
        idle.push(raw(&base).await);
    }
    for _ in 0..4 {
        let mut slow = raw(&base).await;
        slow.write_all(b"POST /mcp HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
        idle.push(slow);
    }
    // A normal client is still answered, at once, several times.
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let health = tokio::time::timeout(
            Duration::from_secs(2),
            reqwest::Client::new().get(format!("{base}/health")).send(),
        )
        .await
        .expect("answered while idle clients hold connections")
        .unwrap();
        assert_eq!(health.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    // A body that never finishes is cut off after the body timeout.
    let mut stalled = raw(&base).await;
    stalled
        .write_all(
            b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
              accept: application/json, text/event-stream\r\ncontent-length: 100\r\n\r\n{\"json",
        )
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stalled.read_to_string(&mut answer))
        .await
        .expect("the stalled body gets an answer")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // An idle connection is closed after the idle timeout.
    let mut lone = raw(&base).await;
    let mut buf = [0u8; 1];
    let closed = tokio::time::timeout(Duration::from_secs(5), lone.read(&mut buf))
        .await
        .expect("closed within the idle timeout");
    assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
}
