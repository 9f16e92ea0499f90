//! Hostile peers, through the real binary: backends that redirect elsewhere or stall, signals on
//! stdio, empty secrets, prompts nobody answers.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{Request, State},
    http::StatusCode,
    response::IntoResponse,
};
use common::{command, connect, stack, temp_dir, text};
use plex_mcp::fake::{Fault, Scale};
use serde_json::json;

/// What a server saw: method, path and the credential headers sent to it.
type Seen = Arc<Mutex<Vec<(String, String, Vec<String>)>>>;

const CREDENTIAL_HEADERS: [&str; 4] = [
    "x-plex-token",
    "x-api-key",
    "trakt-api-key",
    "authorization",
];

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// A server that records every request and answers `body`.
async fn recorder(body: serde_json::Value) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let state = (seen.clone(), body);
    let router = Router::new()
        .fallback(
            |State((seen, body)): State<(Seen, serde_json::Value)>, req: Request| async move {
                let creds = CREDENTIAL_HEADERS
                    .iter()
                    .filter(|h| req.headers().contains_key(**h))
                    .map(|h| h.to_string())
                    .collect();
                seen.lock().unwrap().push((
                    req.method().to_string(),
                    req.uri().path().to_string(),
                    creds,
                ));
                axum::Json(body)
            },
        )
        .with_state(state);
    (serve(router).await, seen)
}

/// A server that answers every request with a redirect to `target` + the same path.
async fn redirector(status: StatusCode, target: String) -> String {
    let router = Router::new()
        .fallback(move |req: Request| {
            let location = format!("{target}{}", req.uri());
            async move { (status, [("location", location)]).into_response() }
        })
        .with_state(());
    serve(router).await
}

#[tokio::test(flavor = "multi_thread")]
async fn no_credential_follows_a_redirect_to_another_origin() {
    let stack = stack(Scale::DEMO, 91).await;
    let cases = [
        ("PLEX_URL", "get_libraries", json!({})),
        ("PLEX_DISCOVER_URL", "get_watchlist", json!({})),
        ("SONARR_URL", "sonarr_get_series", json!({})),
        ("RADARR_URL", "radarr_get_movies", json!({})),
        ("SONARR_URL", "sonarr_trigger_search", json!({})),
        ("TRAKT_BASE_URL", "trakt_search", json!({"query": "heat"})),
    ];
    for (var, tool, args) in cases {
        for status in [StatusCode::FOUND, StatusCode::TEMPORARY_REDIRECT] {
            let (elsewhere, seen) = recorder(json!({})).await;
            let redirecting = redirector(status, elsewhere.clone()).await;
            let s = connect(&stack, &[(var, redirecting.as_str())]).await;
            let err = s.err(tool, args.clone()).await;
            assert!(
                err.contains("redirected") && err.contains(var) && err.contains(&elsewhere),
                "{tool} ({var}, {status}): {err}"
            );
            assert!(
                seen.lock().unwrap().is_empty(),
                "{tool} ({var}, {status}): the other origin was reached: {:?}",
                seen.lock().unwrap()
            );
            s.close().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plex_tv_sign_in_follows_no_redirect_elsewhere() {
    let stack = stack(Scale::DEMO, 90).await;
    let (elsewhere, seen) = recorder(json!({})).await;
    let redirecting = redirector(StatusCode::TEMPORARY_REDIRECT, elsewhere.clone()).await;
    let dir = temp_dir("login-redirect");
    let out = command(
        &stack,
        &dir,
        &[
            ("PLEX_URL", ""),
            ("PLEX_TOKEN", ""),
            ("PLEX_TV_URL", redirecting.as_str()),
        ],
    )
    .arg("login")
    .output()
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("redirected") && stderr.contains("PLEX_TV_URL"),
        "{stderr}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_within_the_same_origin_is_followed() {
    let stack = stack(Scale::DEMO, 92).await;
    let seen: Seen = Arc::default();
    let router = Router::new()
        .route(
            "/api/v3/series",
            axum::routing::get(|| async {
                (StatusCode::FOUND, [("location", "/api/v3/series-moved")]).into_response()
            }),
        )
        .fallback(|State(seen): State<Seen>, req: Request| async move {
            let creds = CREDENTIAL_HEADERS
                .iter()
                .filter(|h| req.headers().contains_key(**h))
                .map(|h| h.to_string())
                .collect();
            seen.lock()
                .unwrap()
                .push(("GET".into(), req.uri().path().to_string(), creds));
            axum::Json(json!([]))
        })
        .with_state(seen.clone());
    let url = serve(router).await;
    let s = connect(&stack, &[("SONARR_URL", url.as_str())]).await;
    let out = s.ok("sonarr_get_series", json!({})).await;
    assert_eq!(out["totalSeries"], json!(0), "{out}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].1, "/api/v3/series-moved");
    assert_eq!(seen[0].2, ["x-api-key"], "the key goes to the same origin");
    s.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_backend_is_a_clear_error_in_time() {
    let stack = stack(Scale::DEMO, 93).await;
    stack.control.inject(
        "/library/sections",
        Fault::Delay(Duration::from_secs(90)),
        1,
    );
    stack
        .control
        .inject("/search/", Fault::Delay(Duration::from_secs(90)), 1);
    let s = connect(&stack, &[]).await;
    let started = Instant::now();
    let (plex, trakt) = tokio::join!(
        s.err("get_libraries", json!({})),
        s.err("trakt_search", json!({"query": "heat"}))
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(25), "took {took:?}");
    for (service, err) in [("Plex", plex), ("Trakt", trakt)] {
        assert!(
            err.contains(service) && err.contains("did not answer") && err.contains("20 s"),
            "{err}"
        );
    }
    s.close().await;
}

/// `plex-mcp serve` on stdio with both pipes ours.
fn spawn_stdio(stack: &plex_mcp::fake::FakeStack, label: &str) -> tokio::process::Child {
    let dir = temp_dir(label);
    let mut cmd = command(stack, &dir, &[]);
    cmd.arg("serve")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd.spawn().expect("spawn")
}

async fn initialized_stdio(stack: &plex_mcp::fake::FakeStack) -> tokio::process::Child {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut child = spawn_stdio(stack, "signal");
    let mut stdin = child.stdin.take().unwrap();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}});
    stdin
        .write_all(format!("{init}\n").as_bytes())
        .await
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let answer = lines.next_line().await.unwrap().unwrap();
    assert!(answer.contains("\"result\""), "{answer}");
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
        .await
        .unwrap();
    // Keep stdin open: the server must not rely on it closing.
    std::mem::forget(stdin);
    child
}

#[tokio::test(flavor = "multi_thread")]
async fn stdio_exits_promptly_on_sigterm_and_sigint() {
    let stack = stack(Scale::DEMO, 94).await;
    for signal in ["-TERM", "-INT"] {
        let mut child = initialized_stdio(&stack).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let pid = child.id().unwrap().to_string();
        let started = Instant::now();
        let sent = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(2), child.wait())
            .await
            .unwrap_or_else(|_| panic!("still running 2 s after kill {signal}"))
            .unwrap();
        assert!(status.success(), "{signal}: {status:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}

#[tokio::test]
async fn an_empty_auth_token_is_refused() {
    let stack = stack(Scale::DEMO, 95).await;
    let dir = temp_dir("empty-token");
    for token in ["", "  "] {
        let out = command(&stack, &dir, &[])
            .args([
                "serve",
                "--transport",
                "http",
                "--host",
                "0.0.0.0",
                "--port",
                "0",
                "--auth-token",
                token,
            ])
            .output();
        let out = tokio::time::timeout(Duration::from_secs(10), out)
            .await
            .expect("refused at once, not served")
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--auth-token must not be empty"),
            "{stderr}"
        );
    }
}

/// A client that can elicit but never answers.
#[derive(Clone)]
struct Silent;

impl rmcp::ClientHandler for Silent {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        let mut info = rmcp::model::ClientConfig::default();
        info.capabilities = rmcp::model::ClientCapabilities::builder()
            .enable_elicitation()
            .build();
        info
    }

    async fn create_elicitation(
        &self,
        _request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<rmcp::RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        std::future::pending().await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_prompt_falls_back_to_the_preview_in_bounded_time() {
    use rmcp::ServiceExt;
    let stack = stack(Scale::DEMO, 96).await;
    let dir = temp_dir("silent");
    let mut cmd = command(
        &stack,
        &dir,
        &[
            ("PLEX_ENABLE_MUTATIVE_OPS", "true"),
            ("PLEX_MCP_CONFIRM_TIMEOUT", "2"),
        ],
    );
    cmd.arg("serve").stderr(std::process::Stdio::null());
    let client = Silent
        .serve(rmcp::transport::TokioChildProcess::new(cmd).unwrap())
        .await
        .unwrap();
    let playlist = &stack.data.playlists[1];
    let serde_json::Value::Object(args) = json!({"playlistId": playlist.rating_key}) else {
        unreachable!()
    };
    let started = Instant::now();
    let result = client
        .call_tool(rmcp::model::CallToolRequestParams::new("delete_playlist").with_arguments(args))
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "{took:?}"
    );
    let out = result.structured_content.clone().unwrap();
    assert_eq!(out["done"], json!(false), "{}", text(&result));
    assert_eq!(out["preview"], json!(true), "{out}");
    assert!(
        stack
            .live
            .read()
            .unwrap()
            .playlists
            .iter()
            .any(|p| p.rating_key == playlist.rating_key),
        "nothing deleted without an answer"
    );
    let _ = client.cancel().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_credential_echoed_by_a_backend_is_redacted_from_results_and_logs() {
    let stack = stack(Scale::DEMO, 97).await;
    let sonarr_key = stack.sonarr.api_key.clone();
    // A Plex that puts its token, and the Sonarr key, into a title.
    let echoed = format!("Heat {} / {}", common::TEST_TOKEN, sonarr_key);
    let key = {
        let mut live = stack.live.write().unwrap();
        let movie = live.items.iter_mut().find(|i| i.kind == "movie").unwrap();
        movie.title = echoed.clone();
        movie.rating_key.clone()
    };
    let s = connect(&stack, &[]).await;
    let details = s.ok("get_media_details", json!({"ratingKey": key})).await;
    let title = details["details"]["title"].as_str().unwrap();
    assert_eq!(title, "Heat [redacted] / [redacted]");
    let found = s.call("search_media", json!({"query": "Heat"})).await;
    let shown = format!("{}{:?}", text(&found), found.structured_content);
    assert!(shown.contains("[redacted]"), "{shown}");
    let log = s.close().await;
    for secret in [common::TEST_TOKEN, sonarr_key.as_str()] {
        assert!(!shown.contains(secret), "result: {shown}");
        assert!(!log.contains(secret), "log leaked {secret}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stdio_answers_lines_that_are_not_messages() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let stack = stack(Scale::DEMO, 98).await;
    let mut child = spawn_stdio(&stack, "stdio-bad");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut ask = async |line: Vec<u8>| -> serde_json::Value {
        stdin.write_all(&line).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an answer, not silence")
            .unwrap()
            .unwrap();
        serde_json::from_str(&answer).unwrap()
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}});
    assert!(ask(init.to_string().into_bytes()).await["result"].is_object());
    let cases: [(Vec<u8>, i64, serde_json::Value); 5] = [
        (b"not json".to_vec(), -32700, json!(null)),
        (b"[1, 2]".to_vec(), -32600, json!(null)),
        (vec![b'x'; 17 * 1024 * 1024], -32600, json!(null)),
        (
            json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                   "params": {"name": "get_libraries", "arguments": ["x"]}})
            .to_string()
            .into_bytes(),
            -32602,
            json!(5),
        ),
        (
            json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                   "params": {"name": "get_libraries", "arguments": null}})
            .to_string()
            .into_bytes(),
            -32602,
            json!(6),
        ),
    ];
    for (line, code, id) in cases {
        let answer = ask(line).await;
        assert_eq!(answer["error"]["code"], json!(code), "{answer}");
        assert_eq!(answer["id"], id, "{answer}");
    }
    // The session goes on.
    let list = ask(json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"})
        .to_string()
        .into_bytes())
    .await;
    assert_eq!(list["id"], json!(7));
    assert!(!list["result"]["tools"].as_array().unwrap().is_empty());
}
