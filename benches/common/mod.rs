//! What the benches share: plex-mcp started apart from this machine's environment, its peak
//! memory, and the replay floor.

// Each bench is a crate of its own and uses only part of this module.
#![allow(dead_code)]

use std::{
    ffi::OsStr,
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use futures::{StreamExt, TryStreamExt};
use rmcp::{RoleClient, ServiceExt, service::RunningService, transport::TokioChildProcess};
use tokio::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_plex-mcp");
pub const TOKEN: &str = "bench-token";

/// `cmd` (plex-mcp, or a profiler running it) with none of this machine's environment: its home
/// and data under `dir`, only warnings logged, then `env`.
pub fn isolated<K: AsRef<OsStr>, V: AsRef<OsStr>>(
    mut cmd: Command,
    dir: &Path,
    env: impl IntoIterator<Item = (K, V)>,
) -> Command {
    cmd.env_clear()
        .current_dir(dir)
        .env("HOME", dir)
        .env("PLEX_MCP_DATA_DIR", dir.join("data"))
        .env("PLEX_MCP_LOG", "warn")
        .envs(env);
    cmd
}

/// Starts `cmd` serving MCP on stdio and connects rmcp's client: the client and the server's pid.
pub async fn connect(cmd: Command) -> (RunningService<RoleClient, ()>, u32) {
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn plex-mcp");
    let pid = transport.id().expect("pid");
    (().serve(transport).await.expect("initialize"), pid)
}

/// A process's peak resident memory so far (VmHWM), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The replay floor: the time to fetch `requests` (request-log lines, `GET /path?query`) from
/// `base` again, `PAGE_CONCURRENCY` at a time as plex-mcp fetches pages, reading the bodies and
/// parsing nothing.
pub async fn replay(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    requests: &[&String],
) -> Duration {
    let started = Instant::now();
    futures::stream::iter(requests.iter())
        .map(|line| {
            let url = format!("{base}{}", line.trim_start_matches("GET "));
            let http = http.clone();
            async move {
                let resp = http.get(url).header("X-Plex-Token", token).send().await?;
                resp.bytes().await.map(|b| b.len())
            }
        })
        .buffered(plex_mcp::PAGE_CONCURRENCY)
        .try_collect::<Vec<usize>>()
        .await
        .unwrap();
    started.elapsed()
}
