//! Benchmark of a full Plex → Trakt sync of the `large` fake stack (100,000 plays, of which the
//! owner's ~47,000 are sent), through the real binary over stdio:
//!
//! 1. unthrottled (`TRAKT_WRITE_INTERVAL_MS=0`), default batch size: plex-mcp's own cost;
//! 2. at Trakt's real pace (one write per second), `batchSize: 1000`: what a user waits;
//! 3. the same sync again: everything already on Trakt, nothing sent;
//! 4. history, ratings and watchlist in one run at Trakt's pace, then again.
//!
//! For each: wall time, Plex and Trakt requests, plays sent, and the server's peak RSS.
//! Run with `cargo bench --bench trakt_sync`. Plain harness: it prints a table.

mod common;

use std::{sync::Arc, time::Instant};

use common::{BIN, TOKEN};
use plex_mcp::fake::{Dataset, FakeStack, Scale};
use rmcp::{RoleClient, model::CallToolRequestParams, service::RunningService};
use serde_json::{Value, json};
use tokio::process::Command;

async fn spawn(
    stack: &FakeStack,
    dir: &std::path::Path,
    write_interval_ms: &str,
) -> (RunningService<RoleClient, ()>, u32) {
    let trakt = [
        ("TRAKT_ACCESS_TOKEN", stack.trakt.state.issue_access_token()),
        ("TRAKT_WRITE_INTERVAL_MS", write_interval_ms.to_string()),
    ];
    let env = stack.env().into_iter().chain(trakt);
    common::connect(common::isolated(Command::new(BIN), dir, env)).await
}

async fn run(label: &str, stack: &FakeStack, dir: &std::path::Path, interval: &str, args: Value) {
    stack.control.clear_requests();
    let (client, pid) = spawn(stack, dir, interval).await;
    let Value::Object(args) = args else {
        unreachable!()
    };
    let started = Instant::now();
    let result = client
        .call_tool(CallToolRequestParams::new("trakt_sync_to_trakt").with_arguments(args))
        .await
        .expect("call");
    let elapsed = started.elapsed();
    let rss = common::peak_rss_kib(pid).unwrap_or(0) as f64 / 1024.0;
    let _ = client.cancel().await;
    let out = result.structured_content.expect("structured result");
    let requests = stack.control.requests();
    let trakt = requests
        .iter()
        .filter(|r| r.contains(" /sync/") || r.contains(" /users/"))
        .count();
    let posts = requests.iter().filter(|r| r.starts_with("POST /")).count();
    println!(
        "| {label} | {:.1} s | {} | {trakt} ({posts} POST) | {} | {} | {} | {rss:.0} MiB |",
        elapsed.as_secs_f64(),
        requests.len() - trakt,
        out["plexPlays"],
        out["toSend"],
        out["alreadyOnTrakt"],
    );
}

async fn large(now: i64) -> FakeStack {
    FakeStack::start_with(Arc::new(Dataset::generate(Scale::LARGE, 1, now)), TOKEN)
        .await
        .unwrap()
}

#[tokio::main]
async fn main() {
    plex_mcp::install_crypto_provider();
    let now = chrono::Utc::now().timestamp();
    let dir = std::env::temp_dir().join(format!("plex-mcp-bench-trakt-{}", std::process::id()));
    let fresh = || {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    };
    println!(
        "\nPlex → Trakt sync of the large fake (owner's plays of 100,000; Trakt requests counted with their POSTs)"
    );
    println!(
        "| run | time | Plex requests | Trakt requests | plays | sent | already on Trakt | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let stack = large(now).await;
    fresh();
    run("unthrottled, batch 500", &stack, &dir, "0", json!({})).await;
    run("again (nothing to send)", &stack, &dir, "0", json!({})).await;
    let stack = large(now).await;
    fresh();
    run(
        "Trakt pace (1 write/s), batch 1000",
        &stack,
        &dir,
        "1000",
        json!({"batchSize": 1000}),
    )
    .await;
    let stack = large(now).await;
    fresh();
    run(
        "history + ratings + watchlist, Trakt pace",
        &stack,
        &dir,
        "1000",
        json!({"batchSize": 1000, "what": ["history", "ratings", "watchlist"]}),
    )
    .await;
    run(
        "again, all three (nothing to send)",
        &stack,
        &dir,
        "1000",
        json!({"what": ["history", "ratings", "watchlist"]}),
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}
