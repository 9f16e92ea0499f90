//! MCP Apps: the views and their protocol. The binary links tools to views only for a client that
//! declares the extension; each view is then loaded in headless Chromium (Debian's, driven by
//! Playwright from tests/views/drive.mjs) inside a small host page that feeds it the real
//! binary's answers, and what a person sees is checked. Screenshots land in target/views/.

mod common;

use std::{path::PathBuf, process::Stdio};

use common::*;
use plex_mcp::fake::{FakeStack, Scale};
use rmcp::{
    ClientHandler, RoleClient, ServiceExt,
    model::{
        CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig,
        ReadResourceRequestParams, ResourceContents, Tool,
    },
    service::RunningService,
    transport::TokioChildProcess,
};
use serde_json::{Value, json};

const EXTENSION: &str = "io.modelcontextprotocol/ui";
const MIME: &str = "text/html;profile=mcp-app";

/// A client that renders MCP Apps views.
#[derive(Clone)]
struct Host;

impl ClientHandler for Host {
    fn get_info(&self) -> ClientConfig {
        let mut info = ClientConfig::default();
        let mut caps = ClientCapabilities::default();
        caps.extensions = Some(
            [(
                EXTENSION.to_string(),
                json!({"mimeTypes": [MIME]}).as_object().unwrap().clone(),
            )]
            .into_iter()
            .collect(),
        );
        info.capabilities = caps;
        info
    }
}

async fn host_session(
    stack: &FakeStack,
    extra: &[(&str, &str)],
) -> RunningService<RoleClient, Host> {
    let dir = temp_dir("views");
    let mut cmd = command(stack, &dir, extra);
    cmd.arg("serve");
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn plex-mcp");
    Host.serve(transport).await.expect("MCP start-up")
}

async fn call(
    client: &RunningService<RoleClient, Host>,
    name: &str,
    args: Value,
) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("object")
    };
    let result = client
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
        .await
        .expect("tools/call");
    assert_ne!(result.is_error, Some(true), "{name}: {:?}", result.content);
    result
}

async fn view_html(client: &RunningService<RoleClient, Host>, uri: &str) -> String {
    let read = client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .expect("resources/read");
    match &read.contents[0] {
        ResourceContents::TextResourceContents {
            text, mime_type, ..
        } => {
            assert_eq!(mime_type.as_deref(), Some(MIME));
            text.clone()
        }
        other => panic!("{other:?}"),
    }
}

fn ui(tool: &Tool) -> Option<&Value> {
    tool.meta.as_ref()?.0.get("ui")
}

/// Runs tests/views/drive.mjs on `spec` and returns what it saw.
fn drive(spec: Value) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shots = root.join("target/views");
    std::fs::create_dir_all(&shots).unwrap();
    let dir = temp_dir("view-spec");
    let file = dir.join("spec.json");
    std::fs::write(&file, spec.to_string()).unwrap();
    let out = std::process::Command::new("node")
        .arg(root.join("tests/views/drive.mjs"))
        .arg(&file)
        .current_dir(root.join("tests/views"))
        .output()
        .expect("node runs (npm ci --prefix tests/views installs the driver)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "drive.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).expect("JSON from drive.mjs");
    assert_eq!(seen["errors"], json!([]), "the view logged errors: {seen}");
    seen
}

fn shot(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/views")
        .join(name)
        .display()
        .to_string()
}

fn as_json(result: &CallToolResult) -> Value {
    serde_json::to_value(result).unwrap()
}

#[tokio::test]
async fn views_are_linked_only_for_a_client_that_renders_them() {
    let stack = stack(Scale::DEMO, 501).await;
    let host = host_session(&stack, &[]).await;
    let tools = host.list_all_tools().await.unwrap();
    let search = tools.iter().find(|t| t.name == "search_media").unwrap();
    assert_eq!(
        ui(search).unwrap()["resourceUri"],
        json!("ui://plex-mcp/poster-wall")
    );
    assert_eq!(
        search.meta.as_ref().unwrap().0["ui/resourceUri"],
        json!("ui://plex-mcp/poster-wall"),
        "the older flat key too"
    );
    let sessions = tools
        .iter()
        .find(|t| t.name == "get_active_sessions")
        .unwrap();
    assert_eq!(
        ui(sessions).unwrap()["resourceUri"],
        json!("ui://plex-mcp/now-playing")
    );
    let posters = tools
        .iter()
        .find(|t| t.name == "get_view_posters")
        .expect("app-only tool listed to a host");
    assert_eq!(ui(posters).unwrap()["visibility"], json!(["app"]));
    assert!(ui(tools.iter().find(|t| t.name == "get_libraries").unwrap()).is_none());
    let review = tools.iter().find(|t| t.name == "get_view_review").unwrap();
    assert_eq!(ui(review).unwrap()["visibility"], json!(["app"]));
    let stats = tools.iter().find(|t| t.name == "get_user_stats").unwrap();
    assert_eq!(
        ui(stats).unwrap()["resourceUri"],
        json!("ui://plex-mcp/year-in-review")
    );

    let resources = host.list_all_resources().await.unwrap();
    for uri in [
        "ui://plex-mcp/poster-wall",
        "ui://plex-mcp/now-playing",
        "ui://plex-mcp/year-in-review",
    ] {
        let r = resources.iter().find(|r| r.uri == uri).expect(uri);
        assert_eq!(r.mime_type.as_deref(), Some(MIME));
        let html = view_html(&host, uri).await;
        assert!(html.starts_with("<!doctype html>"), "{uri}");
        assert!(html.len() < 60 * 1024, "{uri}: {} bytes", html.len());
        // The SVG namespace is a name, not an address.
        let addresses = html.replace("http://www.w3.org/2000/svg", "");
        for external in ["http://", "https://", "src=\"//"] {
            assert!(
                !addresses.contains(external),
                "{uri} loads nothing from elsewhere ({external})"
            );
        }
        assert!(
            !html.contains("/*BRIDGE_JS*/") && html.contains("ui/initialize"),
            "{uri}"
        );
    }
    host.cancel().await.unwrap();

    // A client without the extension: no links, no app-only tool, no view resources.
    let plain = connect(&stack, &[]).await;
    let tools = plain.tools().await;
    assert!(
        tools.iter().all(|t| t.meta.is_none()),
        "no _meta.ui for a plain client"
    );
    assert!(tools.iter().all(|t| !t.name.starts_with("get_view_")));
    let resources = plain.client.list_all_resources().await.unwrap();
    assert!(resources.iter().all(|r| !r.uri.starts_with("ui://")));
    plain.close().await;
}

#[tokio::test]
async fn the_poster_wall_shows_the_results_and_plays_on_a_player() {
    let stack = stack(Scale::DEMO, 502).await;
    let host = host_session(
        &stack,
        &[
            ("PLEX_ENABLE_MUTATIVE_OPS", "true"),
            ("PLEX_MCP_PLAY_WAIT", "2"),
        ],
    )
    .await;
    let html = view_html(&host, "ui://plex-mcp/poster-wall").await;
    let input = json!({"query": "the", "limit": 12});
    let result = call(&host, "search_media", input.clone()).await;
    let rows = result.structured_content.as_ref().unwrap()["results"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 12);
    let keys: Vec<&Value> = rows.iter().map(|r| &r["ratingKey"]).collect();
    let posters = call(&host, "get_view_posters", json!({"ratingKeys": keys})).await;
    let poster_list = &posters.structured_content.as_ref().unwrap()["posters"];
    assert_eq!(poster_list.as_array().unwrap().len(), 12);
    assert!(
        !posters
            .structured_content
            .as_ref()
            .unwrap()
            .to_string()
            .contains(TEST_TOKEN)
    );
    let players = call(&host, "get_players", json!({})).await;
    let first_player = players.structured_content.as_ref().unwrap()["players"][0].clone();
    assert_eq!(first_player["controllable"], json!(true));
    let expected_play = json!({"ratingKey": rows[0]["ratingKey"], "player": first_player["id"]});
    let played = call(&host, "play_media", expected_play.clone()).await;

    for theme in ["light", "dark"] {
        let seen = drive(json!({
            "html": html, "theme": theme, "input": input, "result": as_json(&result),
            "answers": {
                "get_view_posters": as_json(&posters),
                "get_players": as_json(&players),
                "play_media": as_json(&played),
            },
            "script": "poster-wall", "play": true,
            "screenshot": shot(&format!("poster-wall-{theme}.png")),
        }));
        let titles: Vec<&Value> = rows.iter().map(|r| &r["title"]).collect();
        let shown: Vec<Value> = seen["titles"].as_array().unwrap().clone();
        assert_eq!(shown.iter().collect::<Vec<_>>(), titles, "{seen}");
        assert_eq!(seen["heading"], json!("12 titles"));
        assert_eq!(seen["postersWithImages"], json!(12));
        assert_eq!(seen["details"], rows[0]["title"]);
        assert_eq!(seen["players"][0], first_player["name"]);
        assert_eq!(
            seen["played"],
            json!(format!(
                "Playing on {}",
                first_player["name"].as_str().unwrap()
            ))
        );
        let play_calls: Vec<&Value> = seen["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"] == json!("play_media"))
            .collect();
        assert_eq!(play_calls.len(), 1, "{seen}");
        assert_eq!(play_calls[0]["arguments"], expected_play);
        let background = seen["background"].as_str().unwrap();
        let expected = if theme == "dark" {
            "rgb(17, 20, 24)"
        } else {
            "rgb(255, 255, 255)"
        };
        assert_eq!(background, expected, "{theme} theme applies");
    }
    host.cancel().await.unwrap();

    // Without writes there is nothing to play: no button.
    let host = host_session(&stack, &[]).await;
    let posters = call(
        &host,
        "get_view_posters",
        json!({"ratingKeys": [rows[0]["ratingKey"]]}),
    )
    .await;
    assert_eq!(
        posters.structured_content.as_ref().unwrap()["canPlay"],
        json!(false)
    );
    let seen = drive(json!({
        "html": html, "theme": "light", "input": input, "result": as_json(&result),
        "answers": {"get_view_posters": as_json(&posters)},
        "script": "poster-wall", "play": false,
    }));
    assert_eq!(seen["playButtons"], json!(0), "{seen}");
    let err = host
        .call_tool(
            CallToolRequestParams::new("get_view_posters").with_arguments(
                json!({"ratingKeys": (0..31).map(|i| (1000 + i).to_string()).collect::<Vec<_>>()})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(err.is_error, Some(true));
    assert!(format!("{:?}", err.content).contains("ratingKeys"));
    host.cancel().await.unwrap();
}

#[tokio::test]
async fn now_playing_shows_each_stream_and_why_it_transcodes() {
    let stack = stack(Scale::DEMO, 503).await;
    let host = host_session(&stack, &[]).await;
    let html = view_html(&host, "ui://plex-mcp/now-playing").await;
    let result = call(&host, "get_active_sessions", json!({})).await;
    let sessions = result.structured_content.as_ref().unwrap()["activeSessions"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!sessions.is_empty());
    let seen = drive(json!({
        "html": html, "theme": "dark", "input": {}, "result": as_json(&result),
        "answers": {"get_active_sessions": as_json(&result)},
        "script": "now-playing",
        "screenshot": shot("now-playing-dark.png"),
    }));
    let s = &sessions[0];
    assert_eq!(
        seen["titles"][0],
        json!(format!(
            "{} · {}",
            s["grandparentTitle"].as_str().unwrap(),
            s["title"].as_str().unwrap()
        ))
    );
    assert_eq!(seen["progress"][0], s["progress"]);
    assert_eq!(&seen["reasons"], &s["transcode"]["reasons"], "{seen}");
    assert!(
        seen["calls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == json!("get_active_sessions")),
        "the refresh button asks again"
    );
    host.cancel().await.unwrap();
}

#[tokio::test]
async fn the_year_in_review_charts_the_tools_numbers() {
    let stack = stack(Scale::DEMO, 504).await;
    let host = host_session(&stack, &[]).await;
    let html = view_html(&host, "ui://plex-mcp/year-in-review").await;
    let input = json!({"timeRange": 365});
    let users = call(&host, "get_user_stats", input.clone()).await;
    let review = call(&host, "get_view_review", input.clone()).await;
    let r = review.structured_content.clone().unwrap();
    let months = r["months"].as_array().unwrap();
    assert!(
        (12..=13).contains(&months.len()),
        "every month of the year: {}",
        months.len()
    );
    let sum: f64 = months.iter().map(|m| m["hours"].as_f64().unwrap()).sum();
    assert!(
        (sum - r["hours"].as_f64().unwrap()).abs() < 0.1 * months.len() as f64,
        "{sum} vs {}",
        r["hours"]
    );
    let plays: u64 = r["hoursOfDay"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(plays, r["plays"].as_u64().unwrap());
    assert!(!r["topGenres"].as_array().unwrap().is_empty(), "{r}");

    for theme in ["light", "dark"] {
        let seen = drive(json!({
            "html": html, "theme": theme, "input": input, "result": as_json(&users),
            "answers": {"get_view_review": as_json(&review)},
            "script": "year-in-review", "height": 1080,
            "screenshot": shot(&format!("year-in-review-{theme}.png")),
        }));
        // The view asked for the same window the tool was called with.
        let asked = seen["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == json!("get_view_review"))
            .unwrap();
        assert_eq!(asked["arguments"], input);
        let bars: Vec<(Value, f64)> = seen["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["label"].clone(), b["value"].as_f64().unwrap()))
            .collect();
        let expected: Vec<(Value, f64)> = months
            .iter()
            .map(|m| (m["label"].clone(), m["hours"].as_f64().unwrap()))
            .collect();
        assert_eq!(bars, expected, "one bar per month, as tall as its hours");
        let accounts: Vec<(Value, f64)> = seen["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["label"].clone(), b["value"].as_f64().unwrap()))
            .collect();
        let expected: Vec<(Value, f64)> = users.structured_content.as_ref().unwrap()["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["name"].clone(), u["hours"].as_f64().unwrap()))
            .collect();
        assert_eq!(accounts, expected, "accounts as get_user_stats counts them");
        assert_eq!(seen["peakWeekday"], json!(r["busiestDay"]), "{seen}");
        assert_eq!(seen["total"], json!(format!("{} h", r["hours"])));
        assert!(
            seen["summary"]
                .as_str()
                .unwrap()
                .contains(&format!("{} plays", r["plays"]))
        );
        let background = seen["background"].as_str().unwrap();
        assert_eq!(
            background,
            if theme == "dark" {
                "rgb(17, 20, 24)"
            } else {
                "rgb(255, 255, 255)"
            }
        );
    }
    host.cancel().await.unwrap();
}
