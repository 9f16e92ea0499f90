//! Heavy calls against a realistic backend: the large sample stack (20,000 movies, 15,067
//! episodes, 100,000 plays) served from a *separate process* behind a slower network (20 ms per
//! answer and 200 Mbit/s by default, like Plex on a NAS; `BENCH_LATENCY_MS`, `BENCH_MBIT`). Per
//! call, cold (the first call of a fresh process, median of `BENCH_RUNS` processes, 5 unless
//! set): wall time, the server's CPU time (its threads' time on a CPU, from /proc), the requests
//! it made, and the replay floor: the same requests fetched again right after the call, with the
//! same concurrency and nothing parsed. The ratio is the median of each call's wall over its own
//! floor. Warm: the median of two follow-up calls in the same process. Peak RSS: the highest of
//! the processes. Here our own costs show; against the in-process fake of `serve.rs` the backend
//! answers too fast to hide them.
//!
//! Run with `cargo bench --bench slow_backend`. Plain harness: it prints a table, asserts nothing.
//! `BENCH_ONLY=get_watch_stats,...` runs some calls only; `BENCH_GZIP=1` has the backend compress
//! its answers and the server ask for that (the replay's client asks too);
//! `BENCH_PERF=/path/perf.data` runs the server under `perf record` (CPU figures then include
//! perf's own). `BENCH_SERVER=/path/plex-mcp` measures another build of the server (an older
//! commit's, for a before/after) against the same backend.

use std::{
    io::{BufRead, BufReader},
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

mod common;

use axum::{Json, Router, routing::get};
use plex_mcp::fake::{Dataset, FakeStack, Scale, Shape};
use rmcp::{RoleClient, model::CallToolRequestParams, service::RunningService};
use serde_json::{Value, json};
use tokio::process::Command;

use common::{BIN, TOKEN};
/// Set in the child that plays the backend.
const BACKEND: &str = "PLEX_MCP_BENCH_BACKEND";

fn main() {
    plex_mcp::install_crypto_provider();
    let rt = tokio::runtime::Runtime::new().unwrap();
    if std::env::var_os(BACKEND).is_some() {
        rt.block_on(backend());
    } else {
        rt.block_on(bench());
    }
}

fn number(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The backend process: serves the stack behind the shaped network, and on a control port its
/// request log (`GET /requests`, `GET /clear`). Prints one JSON line, then runs until stdin closes.
async fn backend() {
    let now = chrono::Utc::now().timestamp();
    let stack = FakeStack::start_with(Arc::new(Dataset::generate(Scale::LARGE, 1, now)), TOKEN)
        .await
        .unwrap();
    stack.control.shape(Some(Shape {
        latency: Duration::from_millis(number("BENCH_LATENCY_MS", 20)),
        bytes_per_sec: number("BENCH_MBIT", 200) * 1_000_000 / 8,
    }));
    let (c1, c2) = (stack.control.clone(), stack.control.clone());
    let control = Router::new()
        .route("/requests", get(move || async move { Json(c1.requests()) }))
        .route(
            "/clear",
            get(move || async move {
                c2.clear_requests();
                "ok"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let control_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, control).await });
    let mut env: Vec<(String, String)> = stack
        .env()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    env.push((
        "TRAKT_ACCESS_TOKEN".into(),
        stack.trakt.state.issue_access_token(),
    ));
    env.push(("TRAKT_WRITE_INTERVAL_MS".into(), "0".into()));
    if std::env::var_os("BENCH_GZIP").is_some() {
        stack.control.gzip(true);
        env.push(("PLEX_MCP_COMPRESSION".into(), "on".into()));
    }
    println!(
        "{}",
        json!({"env": env, "control": control_url, "plex": stack.plex.url})
    );
    // Until the bench closes our stdin.
    let _ = tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await;
}

struct Backend {
    env: Vec<(String, String)>,
    control: String,
    plex: String,
    _child: std::process::Child,
}

fn start_backend() -> Backend {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .env(BACKEND, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("backend process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: Value = serde_json::from_str(&line).expect("backend's JSON line");
    Backend {
        env: serde_json::from_value(v["env"].clone()).unwrap(),
        control: v["control"].as_str().unwrap().into(),
        plex: v["plex"].as_str().unwrap().into(),
        _child: child,
    }
}

/// The server measured: this build's, or `BENCH_SERVER`'s.
fn server() -> String {
    std::env::var("BENCH_SERVER").unwrap_or_else(|_| BIN.into())
}

async fn spawn(backend: &Backend, dir: &std::path::Path) -> (RunningService<RoleClient, ()>, u32) {
    let cmd = match std::env::var("BENCH_PERF") {
        Ok(out) => {
            let mut c = Command::new("perf");
            c.args([
                "record",
                "-F",
                "999",
                "--call-graph",
                "dwarf,32768",
                "-o",
                &out,
                &server(),
            ]);
            c
        }
        Err(_) => Command::new(server()),
    };
    common::connect(common::isolated(cmd, dir, backend.env.iter().cloned())).await
}

/// (CPU time, peak RSS in KiB) of a process so far. CPU time is the sum of its threads' time on
/// a CPU from `/proc/PID/task/*/schedstat`, in nanoseconds: `/proc/PID/stat` counts in ticks of
/// 10 ms, too coarse for calls of tens of ms. (A thread that has exited drops out of the sum; a
/// call's threads outlive it.)
fn usage(pid: u32) -> (Duration, u64) {
    let nanos: u64 = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    let rss = common::peak_rss_kib(pid).unwrap_or(0);
    (Duration::from_nanos(nanos), rss)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

async fn bench() {
    let started = Instant::now();
    let backend = start_backend();
    println!(
        "backend: large stack in its own process, {} ms per answer, {} Mbit/s, {} (ready in {})",
        number("BENCH_LATENCY_MS", 20),
        number("BENCH_MBIT", 200),
        if std::env::var_os("BENCH_GZIP").is_some() {
            "gzip"
        } else {
            "uncompressed"
        },
        ms(started.elapsed())
    );
    let http = plex_mcp::http_client(Duration::from_secs(300))
        .client()
        .clone();
    println!(
        "\n{:<26} {:>8} {:>8} {:>6} {:>7} {:>8} {:>9} {:>8} {:>9}",
        "call", "wall", "floor", "ratio", "CPU", "requests", "warm wall", "warm CPU", "peak RSS"
    );
    let cases = [
        (
            "get_library_items",
            json!({"libraryKey": "1", "limit": 100000}),
        ),
        ("get_watch_stats", json!({"timeRange": 365})),
        ("get_user_stats", json!({"timeRange": 365})),
        ("get_popular_content", json!({"timeRange": 365})),
        ("get_library_stats", json!({})),
        ("get_fully_watched", json!({})),
        ("get_recommendations", json!({"libraryKey": "1"})),
        ("export_library", json!({"libraryKey": "1"})),
        ("trakt_sync_to_trakt", json!({"dryRun": true})),
    ];
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for (tool, args) in cases {
        if !only.is_empty() && !only.split(',').any(|t| t == tool) {
            continue;
        }
        let Value::Object(args) = args else {
            unreachable!()
        };
        // Cold: the first call of a fresh process, `BENCH_RUNS` processes, each followed at once
        // by a replay of its requests, so a call and its floor see the same machine (on two
        // cores the spread between runs minutes apart is larger than the differences measured).
        // Warm: two more calls in the first process, as a conversation's follow-up questions
        // would be.
        let (mut cold, mut warm, mut floors, mut ratios) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut rss = 0;
        for process in 0..number("BENCH_RUNS", 5) {
            let dir = std::env::temp_dir().join(format!(
                "plex-mcp-slow-{}-{tool}-{process}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let (client, pid) = spawn(&backend, &dir).await;
            let calls = if process == 0 { 3 } else { 1 };
            for call in 0..calls {
                let run = measure(&client, pid, &http, &backend, tool, &args).await;
                if call == 0 {
                    let gets: Vec<&String> = run
                        .requests
                        .iter()
                        .filter(|r| r.starts_with("GET "))
                        .collect();
                    let floor = common::replay(&http, &backend.plex, TOKEN, &gets).await;
                    floors.push(floor);
                    ratios.push(run.wall.as_secs_f64() / floor.as_secs_f64().max(1e-9));
                    cold.push(run);
                } else {
                    warm.push(run);
                }
            }
            rss = rss.max(usage(pid).1);
            client.cancel().await.unwrap();
            let _ = std::fs::remove_dir_all(&dir);
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "{:<26} {:>8} {:>8} {:>5.2}x {:>7} {:>8} {:>9} {:>8} {:>5} MiB",
            tool,
            ms(median(cold.iter().map(|r| r.wall).collect())),
            ms(median(floors)),
            ratios[ratios.len() / 2],
            ms(median(cold.iter().map(|r| r.cpu).collect())),
            cold[0].requests.len(),
            ms(median(warm.iter().map(|r| r.wall).collect())),
            ms(median(warm.iter().map(|r| r.cpu).collect())),
            rss / 1024
        );
        if tool == "get_library_items" {
            sdk_row(
                &backend,
                tool,
                &args,
                median(warm.iter().map(|r| r.wall).collect()),
            );
        }
    }
}

/// The same call through the official MCP Python SDK, which validates `structuredContent`
/// against the output schema: what a Python client pays on top of the server. Needs
/// `pip install mcp` for `BENCH_PYTHON` (default `python3`); skipped without it.
fn sdk_row(
    backend: &Backend,
    tool: &str,
    args: &serde_json::Map<String, Value>,
    rmcp_wall: Duration,
) {
    let python = std::env::var("BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_sdk = std::process::Command::new(&python)
        .args(["-c", "import mcp"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_sdk {
        println!("  {tool} via the Python SDK: skipped (`pip install mcp` for {python})");
        return;
    }
    let dir = std::env::temp_dir().join(format!("plex-mcp-slow-{}-sdk", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sdk_call.py");
    let out = std::process::Command::new(&python)
        .args([
            script,
            &server(),
            tool,
            &Value::Object(args.clone()).to_string(),
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &dir)
        .env("PLEX_MCP_DATA_DIR", dir.join("data"))
        .env("PLEX_MCP_LOG", "warn")
        .envs(backend.env.iter().map(|(k, v)| (k, v)))
        .stderr(Stdio::null())
        .output()
        .expect("python");
    let _ = std::fs::remove_dir_all(&dir);
    let line: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    match line["ms"].as_f64() {
        Some(sdk) if line["isError"] == false => println!(
            "  {tool} via the Python SDK (validates structuredContent): {sdk:.0} ms a call, \
             rmcp's client {}: the SDK's own share ≈ {:.0} ms",
            ms(rmcp_wall),
            sdk - rmcp_wall.as_secs_f64() * 1000.0
        ),
        _ => println!(
            "  {tool} via the Python SDK: failed ({})",
            String::from_utf8_lossy(&out.stdout).trim()
        ),
    }
}

/// One call's wall time, the server's CPU time for it and the requests it made.
struct Run {
    wall: Duration,
    cpu: Duration,
    requests: Vec<String>,
}

async fn measure(
    client: &RunningService<RoleClient, ()>,
    pid: u32,
    http: &reqwest::Client,
    backend: &Backend,
    tool: &str,
    args: &serde_json::Map<String, Value>,
) -> Run {
    http.get(format!("{}/clear", backend.control))
        .send()
        .await
        .unwrap();
    let (cpu_before, _) = usage(pid);
    let t = Instant::now();
    let result = client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args.clone()))
        .await
        .unwrap();
    let wall = t.elapsed();
    let cpu = usage(pid).0.saturating_sub(cpu_before);
    assert_ne!(result.is_error, Some(true), "{tool}: {:?}", result.content);
    let requests = http
        .get(format!("{}/requests", backend.control))
        .send()
        .await
        .unwrap()
        .json::<Vec<String>>()
        .await
        .unwrap();
    Run {
        wall,
        cpu,
        requests,
    }
}
