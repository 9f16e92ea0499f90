//! What the benches share.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};

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
