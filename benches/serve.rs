//! Benchmarks of the real binary, driven by rmcp's client over stdio like any MCP host:
//!
//! 1. start-up: process spawn until `tools/list` is answered, and the server's peak RSS; then the
//!    same over raw pipes with no client library, and the time from closing stdin to exit;
//! 2. on the `large` fake stack (20,000 movies, 15,000 episodes, 100,000 plays), the whole-library
//!    `get_library_items` and the six analytics tools: median time of a call next to its
//!    fetch-only floor (the Plex requests of that call replayed without any processing, as
//!    concurrently), the number of Plex requests, the server's peak RSS (a fresh server per tool)
//!    and the size of the result.
//!
//! 3. streamable HTTP: the round trip of a keep-alive `tools/call` from a client that writes the
//!    request head and body as two segments (as many HTTP/1.1 clients do), where Nagle's
//!    algorithm and a delayed ACK can add ~40 ms per call.
//!
//! Run with `cargo bench --bench serve`. Plain harness: it prints a table, it asserts nothing.

mod common;

use std::{
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use plex_mcp::fake::{Dataset, FakeStack, Scale};
use rmcp::{RoleClient, model::CallToolRequestParams, service::RunningService};
use serde_json::Value;
use tokio::process::Command;

use common::{BIN, TOKEN, peak_rss_kib};

async fn spawn(stack: &FakeStack) -> (RunningService<RoleClient, ()>, u32) {
    let dir = std::env::temp_dir().join(format!("plex-mcp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::connect(common::isolated(Command::new(BIN), &dir, stack.env())).await
}

/// Start-up and shutdown seen from the pipes alone: spawn until the `tools/list` answer is read
/// from stdout, and stdin closed until the process has exited.
async fn raw_start_and_exit(stack: &FakeStack) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    const OPENING: &str = concat!(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        "\n",
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
        "\n"
    );
    let dir = std::env::temp_dir().join(format!("plex-mcp-bench-raw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let started = Instant::now();
        let mut child = common::isolated(Command::new(BIN), &dir, stack.env())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        stdin.write_all(OPENING.as_bytes()).await.unwrap();
        let _initialized = lines.next_line().await.unwrap().unwrap();
        let listed = lines.next_line().await.unwrap().unwrap();
        up.push(started.elapsed());
        assert!(listed.contains("get_library_items"));
        let closed = Instant::now();
        drop(stdin);
        assert!(child.wait().await.unwrap().success());
        down.push(closed.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ((a, b, c), (d, e, f)) = (stats(up), stats(down));
    println!("startup over raw pipes (20 runs): spawn -> tools/list answer read");
    println!("  min {}  median {}  max {}", ms(a), ms(b), ms(c));
    println!(
        "  stdin closed -> exited: min {}  median {}  max {}",
        ms(d),
        ms(e),
        ms(f)
    );
}

fn stats(mut xs: Vec<Duration>) -> (Duration, Duration, Duration) {
    xs.sort();
    (xs[0], xs[xs.len() / 2], xs[xs.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    plex_mcp::install_crypto_provider();
    let now = chrono::Utc::now().timestamp();

    // 1. Start-up to tools/list.
    let demo = FakeStack::start_with(Arc::new(Dataset::generate(Scale::DEMO, 1, now)), TOKEN)
        .await
        .unwrap();
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let (client, pid) = spawn(&demo).await;
        let tools = client.list_all_tools().await.unwrap();
        times.push(started.elapsed());
        assert!(!tools.is_empty());
        rss.push(peak_rss_kib(pid).unwrap_or(0));
        client.cancel().await.unwrap();
    }
    let (min, median, max) = stats(times);
    rss.sort();
    println!("startup: spawn -> tools/list answered (20 runs)");
    println!("  min {}  median {}  max {}", ms(min), ms(median), ms(max));
    println!(
        "  server peak RSS: median {} KiB, max {} KiB",
        rss[rss.len() / 2],
        rss[rss.len() - 1]
    );

    raw_start_and_exit(&demo).await;
    keep_alive_round_trip(&demo).await;

    // 2. The whole 20,000-movie library.
    let generated = Instant::now();
    let large = FakeStack::start_with(Arc::new(Dataset::generate(Scale::LARGE, 1, now)), TOKEN)
        .await
        .unwrap();
    let movies = large
        .data
        .items
        .iter()
        .filter(|i| i.library_section_id == 1 && i.kind == "movie")
        .count();
    println!(
        "\nlarge fake generated in {} ({movies} movies)",
        ms(generated.elapsed())
    );

    let http = plex_mcp::http_client(Duration::from_secs(120))
        .client()
        .clone();
    println!(
        "\n{:<40} {:>10} {:>10} {:>7} {:>9} {:>10} {:>9}",
        "tool call (large fake, 3 runs)",
        "median",
        "floor",
        "ratio",
        "requests",
        "peak RSS",
        "result"
    );
    let cases = [
        (
            "get_library_items",
            serde_json::json!({"libraryKey": "1", "limit": 100000}),
        ),
        (
            "get_watch_stats",
            serde_json::json!({"timeRange": 365, "statType": "users"}),
        ),
        ("get_user_stats", serde_json::json!({"timeRange": 365})),
        ("get_library_stats", serde_json::json!({})),
        ("get_popular_content", serde_json::json!({"timeRange": 365})),
        ("get_fully_watched", serde_json::json!({})),
        (
            "get_recommendations",
            serde_json::json!({"libraryKey": "1"}),
        ),
    ];
    for (tool, args) in cases {
        let row = measure(&large, &http, tool, args).await;
        println!(
            "{:<40} {:>10} {:>10} {:>6.2}x {:>9} {:>7} MiB {:>6} KiB",
            tool,
            ms(row.median),
            ms(row.floor),
            row.median.as_secs_f64() / row.floor.as_secs_f64(),
            row.requests,
            row.peak_rss_kib / 1024,
            row.result_bytes / 1024
        );
    }
}

struct Row {
    median: Duration,
    floor: Duration,
    requests: usize,
    peak_rss_kib: u64,
    result_bytes: usize,
}

/// Runs `tool` three times on a fresh server, then replays the Plex requests of one call
/// (same concurrency as the client) to time the fetch-only floor.
async fn measure(stack: &FakeStack, http: &reqwest::Client, tool: &str, args: Value) -> Row {
    let (client, pid) = spawn(stack).await;
    let Value::Object(args) = args else {
        unreachable!()
    };
    let mut times = Vec::new();
    let mut requests = Vec::new();
    let mut result_bytes = 0;
    for _ in 0..3 {
        stack.control.clear_requests();
        let started = Instant::now();
        let result = client
            .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args.clone()))
            .await
            .unwrap();
        times.push(started.elapsed());
        assert_ne!(result.is_error, Some(true), "{tool}: {:?}", result.content);
        result_bytes = result.structured_content.map_or(0, |v| v.to_string().len());
        requests = stack.control.requests();
    }
    let peak_rss_kib = peak_rss_kib(pid).unwrap_or(0);
    client.cancel().await.unwrap();
    let gets: Vec<&String> = requests.iter().collect();
    let mut floors = Vec::new();
    for _ in 0..3 {
        floors.push(common::replay(http, &stack.plex.url, TOKEN, &gets).await);
    }
    Row {
        median: stats(times).1,
        floor: stats(floors).1,
        requests: requests.len(),
        peak_rss_kib,
        result_bytes,
    }
}

/// Median and 90th percentile of 200 keep-alive `tools/call` round trips over HTTP.
async fn keep_alive_round_trip(stack: &FakeStack) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("plex-mcp-bench-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = common::isolated(Command::new(BIN), &dir, stack.env());
    cmd.args(["serve", "--transport", "http", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let _server = cmd.spawn().expect("spawn plex-mcp");
    let mut stream = loop {
        match tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            Ok(s) => break s,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "get_libraries", "arguments": {}, "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
            "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string();
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\nmcp-protocol-version: 2026-07-28\r\n\
         mcp-method: tools/call\r\nmcp-name: get_libraries\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut times = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..200 {
        let started = Instant::now();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        while !answer_complete(&got) {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed");
            got.extend_from_slice(&buf[..n]);
        }
        times.push(started.elapsed());
    }
    times.sort();
    println!("\nHTTP keep-alive tools/call, head and body written apart (200 calls)");
    println!(
        "  median {}  p90 {}  min {}",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(times[0])
    );
}

/// Whether `got` holds a whole HTTP/1.1 response: by `content-length`, else up to the last chunk.
fn answer_complete(got: &[u8]) -> bool {
    let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    match head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        Some(len) => got.len() >= end + 4 + len,
        None => got.ends_with(b"0\r\n\r\n"),
    }
}
