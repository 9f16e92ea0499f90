//! The services work without an MCP server: built from the backend clients and the store alone,
//! against the fake backends on loopback.

use std::{path::PathBuf, sync::Arc, time::Duration};

use super::{
    scrobbler::Scrobbler,
    sync::{self, SyncJob, SyncMode, SyncOptions},
};
use crate::{
    backend::http_client,
    config::{Config, Secret},
    fake::{Dataset, FakeStack, Scale},
    plex::client::PlexClient,
    store::Store,
    trakt::client::TraktClient,
};

const TOKEN: &str = "tok-services-Hq3v";

async fn stack(seed: u64) -> FakeStack {
    let data = Dataset::generate(Scale::DEMO, seed, chrono::Utc::now().timestamp());
    FakeStack::start_with(Arc::new(data), TOKEN)
        .await
        .expect("fake stack starts")
}

fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plex-mcp-unit-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

struct Clients {
    plex: PlexClient,
    trakt: Arc<TraktClient>,
    store: Arc<Store>,
}

fn clients(stack: &FakeStack, dir: &std::path::Path) -> Clients {
    let env: Vec<(&str, String)> = stack.env();
    let config = Config::from_lookup(|k| {
        env.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
            .or_else(|| (k == "PLEX_MCP_DATA_DIR").then(|| dir.display().to_string()))
    })
    .expect("config");
    let http = http_client(Duration::from_secs(10));
    let store = Arc::new(Store::open(dir).expect("store"));
    let mut trakt_config = config.trakt.clone();
    trakt_config.access_token = Some(Secret::new(stack.trakt.state.issue_access_token()));
    let trakt = TraktClient::new(
        &trakt_config,
        store.clone(),
        http.clone(),
        config.http_timeout,
        Default::default(),
    )
    .expect("trakt client")
    .expect("trakt configured");
    let plex = PlexClient::new(&config, &Secret::new(TOKEN), http).expect("plex client");
    Clients {
        plex,
        trakt: Arc::new(trakt),
        store,
    }
}

fn session_polls(stack: &FakeStack) -> usize {
    stack
        .control
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /status/sessions") && !r.contains("history"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_scrobbler_stops_its_task() {
    let stack = stack(41).await;
    let dir = temp_dir("scrobbler-drop");
    let c = clients(&stack, &dir);
    let scrobbler = Scrobbler::default();
    let (started, every) = scrobbler.start(
        c.plex.clone(),
        c.trakt.clone(),
        c.store.clone(),
        "1".into(),
        1,
    );
    assert!(started);
    assert_eq!(every, 1);
    assert!(
        !scrobbler
            .start(
                c.plex.clone(),
                c.trakt.clone(),
                c.store.clone(),
                "1".into(),
                5
            )
            .0
    );
    assert!(scrobbler.status().running);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(session_polls(&stack) >= 2, "the watcher polls Plex");
    drop(scrobbler);
    // A poll already under way may still land.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_drop = session_polls(&stack);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(session_polls(&stack), after_drop, "no poll after the drop");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sync_service_runs_without_a_server_and_resumes_from_its_ledger() {
    let stack = stack(42).await;
    let dir = temp_dir("sync-service");
    let c = clients(&stack, &dir);
    let job = SyncJob::default();
    let opts = |dry_run| SyncOptions {
        cancel: Default::default(),
        dry_run,
        batch_size: 1000,
        mode: SyncMode::Plays,
        account: 1,
        resend: false,
        what: sync::What::of(None),
        priority: Default::default(),
        mirror: false,
    };
    let mut seen = Vec::new();
    let dry = sync::to_trakt(&c.plex, &c.trakt, &c.store, &job, opts(true), |p| {
        seen.push(p.message.unwrap_or_default())
    })
    .await
    .expect("dry run");
    assert!(dry.to_send > 0, "the owner has plays to send");
    assert_eq!(dry.batches, 0, "a dry run sends nothing");
    assert_eq!(seen[0], "Reading the Plex libraries");
    let sent = sync::to_trakt(&c.plex, &c.trakt, &c.store, &job, opts(false), |_| {})
        .await
        .expect("sync");
    assert_eq!(sent.to_send, dry.to_send);
    assert_eq!(
        (sent.added.movies + sent.added.episodes) as usize + sent.not_found.count,
        sent.to_send
    );
    let again = sync::to_trakt(&c.plex, &c.trakt, &c.store, &job, opts(false), |_| {})
        .await
        .expect("second sync");
    assert_eq!(again.to_send, 0, "nothing is sent twice");
    assert_eq!(again.batches, 0);
    let (running, last) = job.status();
    assert!(running.is_none());
    assert_eq!(last.expect("last sync").sync_id, again.sync_id);
    let _ = std::fs::remove_dir_all(&dir);
}
