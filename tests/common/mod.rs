//! Shared test harness: a fake stack in the test process, the real plex-mcp binary as a child,
//! and rmcp's client talking to it.
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use plex_mcp::fake::{Dataset, FakeStack, Scale};
use rmcp::{
    ClientLifecycleMode, ClientServiceExt, RoleClient,
    model::{CallToolRequestParams, CallToolResult, Tool},
    service::RunningService,
    transport::TokioChildProcess,
};
use serde_json::Value;

/// The token the test stacks accept; distinctive so a leak is easy to find in any output.
pub const TEST_TOKEN: &str = "tok-Zq8rX2vLm4Wp9Ks7";

/// Every tool the server lists, sorted.
pub const TOOLS: [&str; 51] = [
    "arr_get_status",
    "export_library",
    "get_active_sessions",
    "get_collection_items",
    "get_collections",
    "get_editable_fields",
    "get_fully_watched",
    "get_libraries",
    "get_library_items",
    "get_library_stats",
    "get_media_details",
    "get_on_deck",
    "get_players",
    "get_playlist_items",
    "get_playlists",
    "get_popular_content",
    "get_poster",
    "get_recently_added",
    "get_recently_watched",
    "get_recommendations",
    "get_server_status",
    "get_user_stats",
    "get_watch_history",
    "get_watch_stats",
    "get_watchlist",
    "radarr_add_movie",
    "radarr_get_calendar",
    "radarr_get_missing",
    "radarr_get_movies",
    "radarr_get_profiles",
    "radarr_get_queue",
    "radarr_search",
    "radarr_trigger_search",
    "search_media",
    "sonarr_add_series",
    "sonarr_get_calendar",
    "sonarr_get_missing",
    "sonarr_get_profiles",
    "sonarr_get_queue",
    "sonarr_get_series",
    "sonarr_search",
    "sonarr_trigger_search",
    "trakt_authenticate",
    "trakt_complete_auth",
    "trakt_get_auth_status",
    "trakt_get_sync_status",
    "trakt_get_user_stats",
    "trakt_search",
    "trakt_start_scrobbling",
    "trakt_sync_from_trakt",
    "trakt_sync_to_trakt",
];

pub const BIN: &str = env!("CARGO_BIN_EXE_plex-mcp");

/// A medium stack: the Movies library (2,600) and one playlist (2,500) span several Plex pages.
pub const MEDIUM: Scale = Scale {
    movies: 2_600,
    documentaries: 20,
    shows: 12,
    seasons_per_show: (1, 3),
    episodes_per_season: (3, 6),
    plays: 3_000,
    accounts: 4,
    devices: 5,
};

pub async fn stack(scale: Scale, seed: u64) -> FakeStack {
    plex_mcp::install_crypto_provider();
    let data = Dataset::generate(scale, seed, chrono::Utc::now().timestamp());
    FakeStack::start_with(Arc::new(data), TEST_TOKEN)
        .await
        .expect("fake stack starts")
}

/// Where each paged request to `path` (for example `GET /library/sections/1/all`) started,
/// sorted: the pages a call asked for.
pub fn page_starts(stack: &FakeStack, path: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = stack
        .control
        .requests()
        .iter()
        .filter(|r| r.starts_with(path))
        .map(|r| {
            let at = r.find("X-Plex-Container-Start=").expect("a paged request") + 23;
            r[at..].split('&').next().unwrap().parse().unwrap()
        })
        .collect();
    starts.sort();
    starts
}

/// A fresh, empty directory for one test.
pub fn temp_dir(label: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "plex-mcp-test-{label}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The zone the binary under test writes times in: a quarter-hour offset, so a time computed in
/// UTC or the machine's zone cannot pass for it.
pub const ZONE: &str = "Asia/Kathmandu";

/// Unix seconds as the binary writes them in [`ZONE`].
pub fn at(unix: i64) -> Value {
    let tz: chrono_tz::Tz = ZONE.parse().unwrap();
    let t = chrono::DateTime::from_timestamp(unix, 0)
        .unwrap()
        .with_timezone(&tz);
    Value::String(t.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

/// The binary with a clean environment pointing at `stack`, run from `dir` (which also holds its
/// data directory), so no developer `.env` or variable leaks in.
pub fn command(stack: &FakeStack, dir: &Path, extra: &[(&str, &str)]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear()
        .current_dir(dir)
        .env("HOME", dir)
        .env("PLEX_MCP_DATA_DIR", dir.join("data"))
        .env("PLEX_MCP_LOG", "debug")
        .env("PLEX_MCP_TZ", ZONE);
    for (k, v) in stack.env() {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

pub struct Session {
    pub client: RunningService<RoleClient, ()>,
    pub stderr: PathBuf,
    pub dir: PathBuf,
}

/// Spawns `plex-mcp serve` (stdio) and connects rmcp's client to it with the 2025 `initialize`
/// handshake.
pub async fn connect(stack: &FakeStack, extra: &[(&str, &str)]) -> Session {
    connect_with(stack, extra, ClientLifecycleMode::Initialize).await
}

pub async fn connect_with(
    stack: &FakeStack,
    extra: &[(&str, &str)],
    lifecycle: ClientLifecycleMode,
) -> Session {
    spawn_session(stack, temp_dir("stdio"), extra, lifecycle).await
}

/// A server in `dir`, which keeps its data directory from an earlier server there (a restart).
pub async fn connect_in(stack: &FakeStack, dir: &Path, extra: &[(&str, &str)]) -> Session {
    spawn_session(
        stack,
        dir.to_path_buf(),
        extra,
        ClientLifecycleMode::Initialize,
    )
    .await
}

async fn spawn_session(
    stack: &FakeStack,
    dir: PathBuf,
    extra: &[(&str, &str)],
    lifecycle: ClientLifecycleMode,
) -> Session {
    static N: AtomicUsize = AtomicUsize::new(0);
    let stderr = dir.join(format!("stderr-{}.log", N.fetch_add(1, Ordering::SeqCst)));
    let mut cmd = command(stack, &dir, extra);
    cmd.arg("serve");
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(
            std::fs::File::create(&stderr).expect("stderr file"),
        ))
        .spawn()
        .expect("spawn plex-mcp");
    let client = ().serve_with_lifecycle(transport, lifecycle).await.expect("MCP start-up");
    Session {
        client,
        stderr,
        dir,
    }
}

impl Session {
    pub async fn tools(&self) -> Vec<Tool> {
        self.client.list_all_tools().await.expect("tools/list")
    }

    pub async fn call(&self, name: &str, args: Value) -> CallToolResult {
        let Value::Object(args) = args else {
            panic!("arguments must be an object")
        };
        self.client
            .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("{name}: protocol error {e}"))
    }

    /// Calls a tool that must succeed, checks its structured result against the tool's declared
    /// output schema, and returns it.
    pub async fn ok(&self, name: &str, args: Value) -> Value {
        let result = self.call(name, args).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "{name} failed: {}",
            text(&result)
        );
        let structured = result
            .structured_content
            .clone()
            .expect("structuredContent");
        let tool = self
            .tools()
            .await
            .into_iter()
            .find(|t| t.name == name)
            .expect("tool listed");
        assert_matches_schema(&tool, &structured);
        let mirrored: Value = serde_json::from_str(&text(&result)).expect("text block is JSON");
        assert_eq!(
            mirrored, structured,
            "{name}: text content mirrors structuredContent"
        );
        structured
    }

    /// Calls a tool that must fail as a tool error, and returns the message.
    pub async fn err(&self, name: &str, args: Value) -> String {
        let result = self.call(name, args).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{name} should fail, got {}",
            text(&result)
        );
        text(&result)
    }

    pub async fn close(self) -> String {
        let dir = self.dir.clone();
        let log = self.stop().await;
        let _ = std::fs::remove_dir_all(&dir);
        log
    }

    /// Ends the server but keeps its directory, for a restart with [`connect_in`].
    pub async fn stop(self) -> String {
        let _ = self.client.cancel().await;
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn assert_matches_schema(tool: &Tool, value: &Value) {
    let schema = Value::Object((*tool.output_schema.clone().expect("output schema")).clone());
    let validator = jsonschema::validator_for(&schema).expect("output schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{}: output violates its schema: {errors:?}",
        tool.name
    );
}

/// The plays the fake serves, newest first.
pub fn plays(stack: &FakeStack) -> &[plex_mcp::fake::data::Play] {
    &stack.data.history
}

/// Polls `done` every 20 ms for up to a minute.
pub async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The environment of a user who signed in earlier (a valid token from the fake).
pub fn signed_in(stack: &FakeStack) -> String {
    stack.trakt.state.issue_access_token()
}

/// A server signed in to the fake Trakt (as by an earlier login) whose writes are not spaced.
pub async fn signed_in_session(stack: &FakeStack, extra: &[(&str, &str)]) -> Session {
    let token = signed_in(stack);
    let mut env = vec![
        ("TRAKT_ACCESS_TOKEN", token.as_str()),
        ("TRAKT_WRITE_INTERVAL_MS", "0"),
    ];
    env.extend_from_slice(extra);
    connect(stack, &env).await
}
