//! Benchmarks of the real binary, driven by rmcp's client over stdio like any MCP host:
//!
//! 1. start-up: process spawn until `tools/list` is answered, and the server's peak RSS;
//! 2. `get_library_items` of the whole 20,000-movie library of the `large` fake stack, next to
//!    the fetch-only floor (the same pages downloaded directly, as concurrently), with the
//!    server's peak RSS and the number of Plex requests.
//!
//! Run with `cargo bench --bench serve`. Plain harness: it prints a table, it asserts nothing.

use std::{
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use futures::{StreamExt, TryStreamExt};
use plex_mcp::fake::{Dataset, FakeStack, Scale};
use rmcp::{
    RoleClient, ServiceExt, model::CallToolRequestParams, service::RunningService,
    transport::TokioChildProcess,
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_plex-mcp");
const TOKEN: &str = "bench-token";

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn spawn(stack: &FakeStack) -> (RunningService<RoleClient, ()>, u32) {
    let dir = std::env::temp_dir().join(format!("plex-mcp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env_clear()
        .current_dir(&dir)
        .env("HOME", &dir)
        .env("PLEX_MCP_LOG", "warn");
    for (k, v) in stack.env() {
        cmd.env(k, v);
    }
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn plex-mcp");
    let pid = transport.id().expect("pid");
    let client = ().serve(transport).await.expect("initialize");
    (client, pid)
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
    plex_mcp::backend::install_crypto_provider();
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
        assert_eq!(tools.len(), 20);
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

    let http = plex_mcp::backend::http_client(Duration::from_secs(60));
    let page = plex_mcp::plex::client::PAGE_SIZE;
    let floor = || async {
        let started = Instant::now();
        let bytes: Vec<usize> = futures::stream::iter((0..movies).step_by(page))
            .map(|start| {
                let http = http.clone();
                let url = format!(
                    "{}/library/sections/1/all?includeGuids=1&X-Plex-Container-Start={start}&X-Plex-Container-Size={page}",
                    large.plex.url
                );
                async move {
                    let body = http.get(url).header("X-Plex-Token", TOKEN).send().await?.bytes().await?;
                    Ok::<usize, reqwest::Error>(body.len())
                }
            })
            .buffered(plex_mcp::plex::client::PAGE_CONCURRENCY)
            .try_collect()
            .await
            .unwrap();
        (started.elapsed(), bytes.iter().sum::<usize>())
    };
    let mut floors = Vec::new();
    let mut downloaded = 0;
    for _ in 0..5 {
        let (t, b) = floor().await;
        floors.push(t);
        downloaded = b;
    }

    let (client, pid) = spawn(&large).await;
    let Value::Object(args) = serde_json::json!({"libraryKey": "1", "limit": 100000}) else {
        unreachable!()
    };
    let mut calls = Vec::new();
    let mut requests = 0;
    let mut output_bytes = 0;
    for _ in 0..5 {
        large.control.clear_requests();
        let started = Instant::now();
        let result = client
            .call_tool(CallToolRequestParams::new("get_library_items").with_arguments(args.clone()))
            .await
            .unwrap();
        calls.push(started.elapsed());
        let out = result.structured_content.unwrap();
        assert_eq!(out["returned"].as_u64(), Some(movies as u64));
        output_bytes = out.to_string().len();
        requests = large.control.requests().len();
    }
    let server_rss = peak_rss_kib(pid).unwrap_or(0);
    client.cancel().await.unwrap();
    let (fmin, fmed, _) = stats(floors);
    let (cmin, cmed, cmax) = stats(calls);
    println!("get_library_items libraryKey=1 limit=100000 (5 runs)");
    println!(
        "  tool call: min {}  median {}  max {}",
        ms(cmin),
        ms(cmed),
        ms(cmax)
    );
    println!(
        "  fetch-only floor: min {}  median {}  ({} KiB of Plex JSON)",
        ms(fmin),
        ms(fmed),
        downloaded / 1024
    );
    println!(
        "  ratio to floor (median): {:.2}x",
        cmed.as_secs_f64() / fmed.as_secs_f64()
    );
    println!(
        "  Plex requests per call: {requests}; result size {} KiB",
        output_bytes / 1024
    );
    println!("  server peak RSS: {server_rss} KiB");
}
