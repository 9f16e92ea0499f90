//! Trakt end to end: the real binary, a real MCP client, and the fake Trakt on loopback.
//! Sign-in (device and code flows, refresh with rotation across restarts), the Plex → Trakt
//! sync (batching, resuming after a kill, 429s, unmatched items), the Trakt → Plex comparison,
//! search and scrobbling — and no token or secret anywhere in results or logs.

mod common;

use std::{
    collections::HashSet,
    process::Stdio,
    time::{Duration, Instant},
};

use common::*;
use plex_mcp::fake::{
    FakeStack, Fault, Scale, data::ActiveSession, data::OWNER_ACCOUNT, trakt::USERNAME,
};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

/// No token, secret or device code in `text`.
fn assert_no_secrets(stack: &FakeStack, text: &str) {
    for needle in [
        "trakt-access-",
        "trakt-refresh-",
        "device-0",
        stack.trakt.client_secret.as_str(),
    ] {
        assert!(!text.contains(needle), "{needle:?} leaked into: {text}");
    }
}

#[tokio::test]
async fn device_flow_signs_in_and_the_sign_in_survives_a_restart() {
    let stack = stack(Scale::DEMO, 61).await;
    let dir = temp_dir("trakt-device");
    let s = connect_in(&stack, &dir, &[]).await;
    let mut seen = String::new();

    let status = s.ok("trakt_get_auth_status", json!({})).await;
    assert_eq!(status["authenticated"], json!(false));
    assert_eq!(status["clientConfigured"], json!(true));
    let err = s.err("trakt_get_user_stats", json!({})).await;
    assert!(err.contains("trakt_authenticate"), "{err}");

    let start = s.ok("trakt_authenticate", json!({})).await;
    assert_eq!(start["verificationUrl"], json!("https://trakt.tv/activate"));
    assert_eq!(start["userCode"].as_str().unwrap().len(), 8);
    assert_eq!(start["expiresInSeconds"], json!(600));
    assert!(
        start["authUrl"]
            .as_str()
            .unwrap()
            .contains("response_type=code")
    );
    let pending = s.ok("trakt_complete_auth", json!({"waitSeconds": 1})).await;
    assert_eq!(pending["status"], json!("pending"));

    stack.trakt.state.approve_devices();
    let done = s
        .ok("trakt_complete_auth", json!({"waitSeconds": 10}))
        .await;
    assert_eq!(done["status"], json!("signed_in"));
    assert_eq!(done["user"]["username"], json!(USERNAME));
    assert!(done["expiresAt"].as_str().is_some());
    let stats = s.ok("trakt_get_user_stats", json!({"userId": 7})).await;
    assert_eq!(stats["userId"], json!(7));
    assert_eq!(stats["userName"], json!("Demo Viewer"));
    for v in [&start, &pending, &done, &stats] {
        seen.push_str(&v.to_string());
    }
    seen.push_str(&s.stop().await);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let db = dir.join("data").join(plex_mcp::DB_FILE);
        let mode = std::fs::metadata(&db).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the state file is private");
    }

    // A new process: still signed in, from the stored tokens.
    let s = connect_in(&stack, &dir, &[]).await;
    let status = s.ok("trakt_get_auth_status", json!({})).await;
    assert_eq!(status["authenticated"], json!(true));
    assert_eq!(status["source"], json!("stored"));
    assert_eq!(status["user"]["username"], json!(USERNAME));
    let status_text = status.to_string();
    assert!(
        !status_text.contains(&stack.trakt.client_id),
        "the status never shows the client id"
    );
    seen.push_str(&status_text);
    seen.push_str(&s.close().await);
    assert_no_secrets(&stack, &seen);
    assert_eq!(stack.trakt.state.token_grants(), ["device_code"]);
}

#[tokio::test]
async fn code_flow_environment_tokens_and_bad_codes() {
    let stack = stack(Scale::DEMO, 62).await;
    let s = connect(&stack, &[]).await;
    s.ok("trakt_authenticate", json!({"state": "xyz"})).await;
    let bad = s
        .err("trakt_complete_auth", json!({"code": "not-a-code"}))
        .await;
    assert!(bad.contains("authorization code"), "{bad}");
    let code = stack.trakt.state.issue_auth_code();
    let done = s.ok("trakt_complete_auth", json!({"code": code})).await;
    assert_eq!(done["status"], json!("signed_in"));
    let reused = s.err("trakt_complete_auth", json!({"code": code})).await;
    assert!(reused.contains("already used"), "{reused}");
    let log = s.close().await;
    assert_no_secrets(&stack, &format!("{done}{bad}{reused}{log}"));

    // TRAKT_ACCESS_TOKEN still works as a starting point.
    let s = signed_in_session(&stack, &[]).await;
    let status = s.ok("trakt_get_auth_status", json!({})).await;
    assert_eq!(status["authenticated"], json!(true));
    assert_eq!(status["source"], json!("environment"));
    let log = s.close().await;
    assert_no_secrets(&stack, &log);
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_persists_it_across_restarts() {
    let stack = stack(Scale::DEMO, 63).await;
    // Shorter than the renewal margin, so every start renews.
    stack.trakt.state.set_token_lifetime(600);
    let dir = temp_dir("trakt-refresh");
    let s = connect_in(&stack, &dir, &[]).await;
    let code = stack.trakt.state.issue_auth_code();
    s.ok("trakt_complete_auth", json!({"code": code})).await;
    let mut logs = s.stop().await;
    let signed_in_grants = stack.trakt.state.token_grants().len();
    assert!(signed_in_grants >= 1);
    for restart in 1..=2 {
        let s = connect_in(&stack, &dir, &[]).await;
        let status = s.ok("trakt_get_auth_status", json!({})).await;
        assert_eq!(
            status["authenticated"],
            json!(true),
            "restart {restart}: {status}"
        );
        logs.push_str(&status.to_string());
        logs.push_str(&s.stop().await);
        let grants = stack.trakt.state.token_grants();
        assert_eq!(grants.len(), signed_in_grants + restart, "{grants:?}");
        assert_eq!(grants.last().map(String::as_str), Some("refresh_token"));
    }
    // Each refresh used the token the previous one returned: the fake accepts a refresh token
    // once, so a stale one would have signed the user out.
    assert_no_secrets(&stack, &logs);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every play posted to the fake Trakt, as `kind:ids@watched_at`; with `known_only`, only those
/// of items Trakt knows (posting an unknown item again adds nothing, and nothing records that
/// Trakt refused it if the answer was lost).
fn posted_plays(stack: &FakeStack, known_only: bool) -> Vec<String> {
    let trakt = &stack.trakt.state;
    let mut keys = Vec::new();
    for body in trakt.history_posts() {
        for m in body["movies"].as_array().into_iter().flatten() {
            if known_only && !trakt.knows(true, &m["ids"]) {
                continue;
            }
            keys.push(format!("m:{}@{}", m["ids"], m["watched_at"]));
        }
        for show in body["shows"].as_array().into_iter().flatten() {
            if known_only && !trakt.knows(false, &show["ids"]) {
                continue;
            }
            for season in show["seasons"].as_array().into_iter().flatten() {
                for ep in season["episodes"].as_array().into_iter().flatten() {
                    keys.push(format!(
                        "e:{}:{}x{}@{}",
                        show["ids"], season["number"], ep["number"], ep["watched_at"]
                    ));
                }
            }
        }
    }
    keys
}

fn assert_unique(what: &str, keys: &[String]) {
    let mut seen = HashSet::new();
    let dupes: Vec<&String> = keys.iter().filter(|k| !seen.insert(*k)).collect();
    assert!(
        dupes.is_empty(),
        "{what} twice: {:?}",
        &dupes[..dupes.len().min(5)]
    );
}

#[tokio::test]
async fn large_history_is_sent_in_full_batches_once() {
    let stack = stack(Scale::LARGE, 64).await;
    let token = signed_in(&stack);
    let before = stack.trakt.state.history_len();
    let s = connect(
        &stack,
        &[
            ("TRAKT_ACCESS_TOKEN", &token),
            ("TRAKT_WRITE_INTERVAL_MS", "0"),
        ],
    )
    .await;
    let out = s
        .ok("trakt_sync_to_trakt", json!({"batchSize": 1000}))
        .await;
    let to_send = out["toSend"].as_u64().unwrap() as usize;
    let owner_plays = stack
        .data
        .history
        .iter()
        .filter(|p| p.account_id == OWNER_ACCOUNT)
        .count();
    assert_eq!(out["plexPlays"].as_u64().unwrap() as usize, owner_plays);
    assert!(to_send > 30_000, "{out}");
    let posts = stack.trakt.state.history_posts();
    assert_eq!(posts.len(), to_send.div_ceil(1000));
    assert_eq!(out["batches"].as_u64().unwrap() as usize, posts.len());
    let sizes: Vec<usize> = posts
        .iter()
        .map(|p| {
            p["movies"].as_array().map_or(0, Vec::len)
                + p["shows"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|s| s["seasons"].as_array().into_iter().flatten())
                    .map(|se| se["episodes"].as_array().map_or(0, Vec::len))
                    .sum::<usize>()
        })
        .collect();
    assert!(
        sizes[..sizes.len() - 1].iter().all(|n| *n == 1000),
        "{sizes:?}"
    );
    assert_eq!(sizes.iter().sum::<usize>(), to_send);
    let keys = posted_plays(&stack, false);
    assert_eq!(keys.len(), to_send);
    assert_unique("a play posted", &keys);
    let added =
        out["added"]["movies"].as_u64().unwrap() + out["added"]["episodes"].as_u64().unwrap();
    let not_found = out["notFound"]["count"].as_u64().unwrap();
    assert!(not_found > 0, "the fake does not know some movies: {out}");
    assert_eq!(added + not_found, to_send as u64);
    assert_eq!(stack.trakt.state.history_len(), before + added as usize);
    assert_unique(
        "a play in the Trakt history",
        &stack.trakt.state.history_keys(),
    );

    // Again: everything is on Trakt (or known not to be), so nothing is sent.
    let again = s
        .ok("trakt_sync_to_trakt", json!({"batchSize": 1000}))
        .await;
    assert_eq!(again["toSend"], json!(0), "{again}");
    assert_eq!(stack.trakt.state.history_posts().len(), posts.len());
    assert_eq!(again["notFound"]["count"].as_u64().unwrap(), not_found);
    s.close().await;
}

#[tokio::test]
async fn a_sync_killed_midway_resumes_and_posts_every_play_once() {
    let stack = stack(MEDIUM, 65).await;
    let token = signed_in(&stack);
    let dir = temp_dir("trakt-kill");
    let env = [
        ("TRAKT_ACCESS_TOKEN", token.as_str()),
        ("TRAKT_WRITE_INTERVAL_MS", "0"),
    ];
    // Two batches go through; the third lands on Trakt but its answer never comes back.
    let control = &stack.control;
    control.inject_on("POST", "/sync/history", Fault::Delay(Duration::ZERO), 2);
    control.inject_on(
        "POST",
        "/sync/history",
        Fault::DelayAfter(Duration::from_secs(120)),
        1,
    );
    let mut child = command(&stack, &dir, &env)
        .args(["call", "trakt_sync_to_trakt", "batchSize=50"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for("the third batch", || {
        stack.trakt.state.history_posts().len() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    child.kill().await.expect("kill");
    let landed = stack.trakt.state.history_posts().len();
    assert_eq!(landed, 3, "nothing was sent after the kill");

    let out = command(&stack, &dir, &env)
        .args(["call", "trakt_sync_to_trakt", "batchSize=50"])
        .output()
        .await
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON result");
    assert_eq!(result["failed"], json!(0), "{result}");
    assert!(
        result["alreadyOnTrakt"].as_u64().unwrap() >= 150,
        "{result}"
    );
    assert_unique("a play posted", &posted_plays(&stack, true));
    assert!(stack.trakt.state.history_posts().len() > landed);
    assert_unique(
        "a play in the Trakt history",
        &stack.trakt.state.history_keys(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn rate_limits_are_waited_out_or_reported() {
    let stack = stack(Scale::DEMO, 66).await;
    let s = signed_in_session(&stack, &[]).await;
    stack.control.inject_on(
        "POST",
        "/sync/history",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    let out = s.ok("trakt_sync_to_trakt", json!({})).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(out["failed"], json!(0), "{out}");
    let posts = stack
        .control
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /sync/history"))
        .count();
    assert_eq!(posts, 2, "one refused, one retried");
    assert_eq!(stack.trakt.state.history_posts().len(), 1);
    s.close().await;

    let stack = self::stack(Scale::DEMO, 67).await;
    let s = signed_in_session(&stack, &[]).await;
    stack.control.inject_on(
        "POST",
        "/sync/history",
        Fault::RateLimited {
            retry_after_secs: 120,
        },
        5,
    );
    let started = Instant::now();
    let out = s.ok("trakt_sync_to_trakt", json!({"batchSize": 50})).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "a long wait is reported, not slept"
    );
    assert_eq!(out["failed"], out["toSend"], "{out}");
    let error = out["errors"][0].as_str().unwrap();
    assert!(
        error.contains("Trakt") && error.contains("120 s"),
        "{error}"
    );
    let status = s.ok("trakt_get_sync_status", json!({})).await;
    assert_eq!(status["syncInProgress"], json!(false));
    assert_eq!(status["lastSync"]["failed"], out["failed"]);
    s.close().await;
}

#[tokio::test]
async fn a_dry_run_counts_and_names_unmatched_items() {
    let stack = stack(Scale::DEMO, 68).await;
    let s = signed_in_session(&stack, &[]).await;
    let out = s.ok("trakt_sync_to_trakt", json!({"dryRun": true})).await;
    let unmatched: Vec<&plex_mcp::fake::data::FakeItem> = stack
        .data
        .history
        .iter()
        .filter(|p| p.account_id == OWNER_ACCOUNT)
        .map(|p| &stack.data.items[p.item])
        .filter(|i| i.guid.starts_with("local://"))
        .collect();
    assert!(!unmatched.is_empty(), "the sample has unmatched plays");
    assert_eq!(out["unmatched"]["count"], json!(unmatched.len()));
    for item in &unmatched {
        let title = format!("{} ({})", item.title, item.year.unwrap());
        assert!(
            out["unmatched"]["titles"]
                .as_array()
                .unwrap()
                .contains(&json!(title)),
            "{title}"
        );
    }
    assert!(out["alreadyOnTrakt"].as_u64().unwrap() > 0);
    assert_eq!(out["batches"], json!(0));
    assert!(
        stack.trakt.state.history_posts().is_empty(),
        "a dry run sends nothing"
    );
    // Items mode: one entry per watched item.
    let items = s
        .ok(
            "trakt_sync_to_trakt",
            json!({"dryRun": true, "mode": "items"}),
        )
        .await;
    let watched = stack
        .data
        .items
        .iter()
        .filter(|i| matches!(i.kind, "movie" | "episode") && i.view_count.is_some())
        .count();
    assert_eq!(items["plexPlays"], json!(watched));
    s.close().await;
}

#[tokio::test]
async fn specials_stay_in_season_zero() {
    let stack = stack(Scale::DEMO, 69).await;
    let s = signed_in_session(&stack, &[]).await;
    s.ok("trakt_sync_to_trakt", json!({})).await;
    let seasons: HashSet<u64> = stack
        .trakt
        .state
        .history_posts()
        .iter()
        .flat_map(|b| b["shows"].as_array().cloned().unwrap_or_default())
        .flat_map(|s| s["seasons"].as_array().cloned().unwrap_or_default())
        .filter_map(|se| se["number"].as_u64())
        .collect();
    assert!(
        seasons.contains(&0),
        "the binge-watched special went to season 0: {seasons:?}"
    );
    s.close().await;
}

#[tokio::test]
async fn trakt_to_plex_compares_and_applies_only_with_writes_enabled() {
    let stack = stack(Scale::DEMO, 70).await;
    let s = signed_in_session(&stack, &[]).await;
    let out = s.ok("trakt_sync_from_trakt", json!({"limit": 5})).await;
    assert_eq!(out["missingInPlex"]["movies"], json!(3), "{out}");
    assert!(
        out["traktData"]["movies"]["items"]
            .as_array()
            .unwrap()
            .len()
            <= 5
    );
    let err = s.err("trakt_sync_from_trakt", json!({"apply": true})).await;
    assert!(err.contains("PLEX_ENABLE_MUTATIVE_OPS"), "{err}");
    s.close().await;

    let s = signed_in_session(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let unwatched = || {
        stack
            .live
            .read()
            .unwrap()
            .items
            .iter()
            .filter(|i| i.kind == "movie" && i.view_count.is_none())
            .count()
    };
    let unwatched_before = unwatched();
    let out = s.ok("trakt_sync_from_trakt", json!({"apply": true})).await;
    // Three movies and four episodes watched only on Trakt.
    assert_eq!(out["applied"]["markedWatched"], json!(7), "{out}");
    assert_eq!(unwatched(), unwatched_before - 3);
    let again = s.ok("trakt_sync_from_trakt", json!({})).await;
    assert_eq!(again["missingInPlex"]["movies"], json!(0));
    s.close().await;
}

/// Trakt pages watched shows and leaves their seasons out unless asked (mid-2026): episodes
/// watched only on Trakt must still be found and marked.
#[tokio::test]
async fn trakt_to_plex_sees_the_episodes_of_season_less_watched_shows() {
    let stack = stack(Scale::DEMO, 72).await;
    let elsewhere = stack.trakt.state.episodes_watched_elsewhere();
    assert_eq!(
        elsewhere.len(),
        4,
        "the sample has episodes watched elsewhere"
    );
    let s = signed_in_session(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let out = s.ok("trakt_sync_from_trakt", json!({})).await;
    assert_eq!(out["missingInPlex"]["episodes"], json!(4), "{out}");
    let out = s.ok("trakt_sync_from_trakt", json!({"apply": true})).await;
    assert_eq!(out["applied"]["markedWatched"], json!(3 + 4), "{out}");
    {
        let live = stack.live.read().unwrap();
        for rk in &elsewhere {
            let ep = live.items.iter().find(|i| &i.rating_key == rk).unwrap();
            assert!(ep.view_count.is_some(), "episode {rk} marked watched");
        }
    }
    let requests = stack.control.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("/sync/watched/shows") && r.contains("extended=progress")),
        "{requests:?}"
    );
    s.close().await;
}

#[tokio::test]
async fn search_sends_the_limit_and_needs_no_sign_in() {
    let stack = stack(Scale::DEMO, 71).await;
    let s = connect(&stack, &[]).await;
    let out = s
        .ok(
            "trakt_search",
            json!({"query": "of the", "limit": 3, "type": "movie"}),
        )
        .await;
    assert_eq!(out["showing"], json!(3));
    assert!(out["totalResults"].as_u64().unwrap() > 3);
    let sent = stack.control.requests();
    assert!(
        sent.iter()
            .any(|r| r.starts_with("GET /search/movie?") && r.contains("limit=3")),
        "{sent:?}"
    );
    let err = s
        .err("trakt_search", json!({"query": "x", "limit": 500}))
        .await;
    assert!(err.contains("limit"), "{err}");
    s.close().await;

    // Without the app's credentials, with the toolset named, every Trakt tool is listed and
    // says what to set.
    let s = connect(
        &stack,
        &[
            ("TRAKT_CLIENT_ID", ""),
            ("PLEX_MCP_TOOLSETS", "browse,trakt"),
        ],
    )
    .await;
    assert_eq!(
        s.tools()
            .await
            .iter()
            .filter(|t| t.name.starts_with("trakt_"))
            .count(),
        9
    );
    let err = s.err("trakt_search", json!({"query": "night"})).await;
    assert!(err.contains("TRAKT_CLIENT_ID"), "{err}");
    let status = s.ok("trakt_get_auth_status", json!({})).await;
    assert_eq!(status["clientConfigured"], json!(false));
    s.close().await;
}

#[tokio::test]
async fn scrobbles_follow_plex_playback() {
    let stack = stack(Scale::DEMO, 72).await;
    stack.live.write().unwrap().sessions.clear();
    let s = signed_in_session(&stack, &[]).await;
    let started = s
        .ok("trakt_start_scrobbling", json!({"pollSeconds": 1}))
        .await;
    assert_eq!(started["running"], json!(true));
    assert_eq!(started["changed"], json!(true));
    let again = s.ok("trakt_start_scrobbling", json!({})).await;
    assert_eq!(
        again["changed"],
        json!(false),
        "starting twice runs one watcher"
    );

    let (idx, movie) = stack
        .data
        .items
        .iter()
        .enumerate()
        .find(|(_, i)| i.kind == "movie" && i.guid.starts_with("plex://"))
        .unwrap();
    let duration = movie.duration.unwrap();
    let session = |offset_percent: i64, state: &'static str| ActiveSession {
        item: idx,
        account_id: OWNER_ACCOUNT,
        device_id: 1,
        session_key: "77".into(),
        view_offset: duration * offset_percent / 100,
        state,
        transcoding: false,
    };
    let scrobbles = || stack.trakt.state.scrobbles();
    // A guest watches too: not the owner's to scrobble, so it never shows up below.
    let guest = ActiveSession {
        account_id: stack.data.accounts[1].id,
        session_key: "88".into(),
        ..session(10, "playing")
    };
    stack
        .live
        .write()
        .unwrap()
        .sessions
        .push(session(30, "playing"));
    stack.live.write().unwrap().sessions.push(guest.clone());
    // And the owner plays something Plex never matched: it cannot be scrobbled, which the
    // status says, and the other playback is scrobbled all the same.
    let unmatched = stack
        .data
        .items
        .iter()
        .position(|i| i.guid.starts_with("local://"))
        .unwrap();
    stack.live.write().unwrap().sessions.push(ActiveSession {
        item: unmatched,
        session_key: "99".into(),
        ..session(10, "playing")
    });
    wait_for("start", || scrobbles().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stack.live.write().unwrap().sessions[0] = session(50, "paused");
    wait_for("pause", || scrobbles().len() == 2).await;
    let status = s.ok("trakt_get_sync_status", json!({})).await;
    assert_eq!(status["scrobbler"]["running"], json!(true));
    assert_eq!(
        status["scrobbler"]["nowPlaying"][0]["state"],
        json!("paused")
    );
    let problem = status["scrobbler"]["lastError"]
        .as_str()
        .unwrap_or_default();
    assert!(problem.contains("no IMDb/TMDB/TVDB id"), "{status}");
    stack.live.write().unwrap().sessions[0] = session(95, "playing");
    wait_for("resume", || scrobbles().len() == 3).await;
    stack.live.write().unwrap().sessions.clear();
    wait_for("stop", || scrobbles().len() == 4).await;

    let got = scrobbles();
    let actions: Vec<&str> = got.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["start", "pause", "start", "stop"]);
    let progress: Vec<f64> = got
        .iter()
        .map(|(_, b)| b["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(progress, [30.0, 50.0, 95.0, 95.0]);
    let tmdb = movie
        .guids
        .iter()
        .find_map(|g| g.id.strip_prefix("tmdb://"))
        .unwrap();
    assert_eq!(got[0].1["movie"]["ids"]["tmdb"].to_string(), tmdb);

    let stopped = s
        .ok("trakt_start_scrobbling", json!({"action": "stop"}))
        .await;
    assert_eq!(stopped["running"], json!(false));
    assert_eq!(stopped["changed"], json!(true));
    let status = s.ok("trakt_get_sync_status", json!({})).await;
    assert_eq!(status["scrobbler"]["running"], json!(false));
    let log = s.close().await;
    assert_no_secrets(&stack, &log);
}

#[tokio::test]
async fn trakt_login_on_the_command_line() {
    let stack = stack(Scale::DEMO, 73).await;
    let dir = temp_dir("trakt-login");
    let mut child = command(&stack, &dir, &[])
        .args(["trakt", "login"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().expect("instructions");
    assert!(first.contains("https://trakt.tv/activate"), "{first}");
    stack.trakt.state.approve_devices();
    let mut rest = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        rest.push_str(&line);
        rest.push('\n');
    }
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{first}\n{rest}");
    assert!(
        rest.contains(&format!("Signed in to Trakt as {USERNAME}")),
        "{rest}"
    );
    assert_no_secrets(&stack, &format!("{first}{rest}"));

    let s = connect_in(&stack, &dir, &[]).await;
    let status = s.ok("trakt_get_auth_status", json!({})).await;
    assert_eq!(status["authenticated"], json!(true));
    s.close().await;
}

/// One progress notification: progress, total, message.
type Progress = (f64, Option<f64>, String);

/// A client that records the progress notifications it receives.
#[derive(Clone, Default)]
struct ProgressRecorder(std::sync::Arc<std::sync::Mutex<Vec<Progress>>>);

impl rmcp::ClientHandler for ProgressRecorder {
    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<rmcp::RoleClient>,
    ) {
        self.0.lock().unwrap().push((
            params.progress,
            params.total,
            params.message.unwrap_or_default(),
        ));
    }
}

/// A server signed in to the fake Trakt, with a client that records progress notifications,
/// and `trakt_sync_to_trakt` parameters asking for them.
async fn progress_session(
    stack: &FakeStack,
    dir: &std::path::Path,
    write_interval_ms: &str,
    batch_size: u32,
) -> (
    rmcp::service::RunningService<rmcp::RoleClient, ProgressRecorder>,
    ProgressRecorder,
    rmcp::model::CallToolRequestParams,
) {
    use rmcp::{ServiceExt, model::RequestParamsMeta};
    let token = signed_in(stack);
    let mut cmd = command(
        stack,
        dir,
        &[
            ("TRAKT_ACCESS_TOKEN", &token),
            ("TRAKT_WRITE_INTERVAL_MS", write_interval_ms),
        ],
    );
    cmd.arg("serve").stderr(Stdio::null());
    let recorder = ProgressRecorder::default();
    let client = recorder
        .clone()
        .serve(rmcp::transport::TokioChildProcess::new(cmd).unwrap())
        .await
        .unwrap();
    let Value::Object(args) = json!({ "batchSize": batch_size }) else {
        unreachable!()
    };
    let mut params =
        rmcp::model::CallToolRequestParams::new("trakt_sync_to_trakt").with_arguments(args);
    params.set_progress_token(rmcp::model::ProgressToken(
        rmcp::model::NumberOrString::Number(7),
    ));
    (client, recorder, params)
}

#[tokio::test]
async fn a_sync_reports_mcp_progress() {
    let stack = stack(Scale::DEMO, 75).await;
    let dir = temp_dir("trakt-progress");
    let (client, recorder, params) = progress_session(&stack, &dir, "0", 40).await;
    let result = client.call_tool(params).await.unwrap();
    let out = result.structured_content.unwrap();
    let batches = out["batches"].as_u64().unwrap() as usize;
    assert!(batches >= 3, "{out}");
    // Notifications may trail the result slightly.
    wait_for("progress", || {
        recorder.0.lock().unwrap().len() >= batches + 2
    })
    .await;
    let seen = recorder.0.lock().unwrap().clone();
    let sent: Vec<&Progress> = seen
        .iter()
        .filter(|(_, _, m)| m.starts_with("Sent"))
        .collect();
    assert_eq!(sent.len(), batches, "{seen:?}");
    let to_send = out["toSend"].as_f64().unwrap();
    assert!(sent.iter().all(|(_, total, _)| *total == Some(to_send)));
    assert!(
        sent.windows(2).all(|w| w[0].0 < w[1].0),
        "progress only grows"
    );
    assert_eq!(sent.last().unwrap().0, to_send);
    let _ = client.cancel().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn recommendations_use_trakt_when_signed_in() {
    let stack = stack(Scale::DEMO, 76).await;
    let args = json!({"libraryKey": "1", "limit": 5});
    let s = connect(&stack, &[]).await;
    let plain = s.ok("get_recommendations", args.clone()).await;
    assert_eq!(plain["traktEnhanced"], json!(false));
    s.close().await;

    let s = signed_in_session(&stack, &[]).await;
    let enhanced = s.ok("get_recommendations", args).await;
    // The fake Trakt user rates generously (average above 8) and watched three of the library's
    // unwatched movies elsewhere; those in this library now count as watched.
    let elsewhere = stack.trakt.state.watched_elsewhere();
    let in_library = stack
        .data
        .items
        .iter()
        .filter(|i| i.library_section_id == 1 && elsewhere.contains(&i.rating_key))
        .count();
    assert!(
        in_library > 0,
        "the sample has movies watched elsewhere in this library"
    );
    assert_eq!(enhanced["traktEnhanced"], json!(true));
    assert_eq!(enhanced["traktExtraWatched"], json!(in_library));
    assert_eq!(
        enhanced["watchedCount"].as_u64().unwrap(),
        plain["watchedCount"].as_u64().unwrap() + in_library as u64
    );
    let picks: Vec<&str> = enhanced["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ratingKey"].as_str().unwrap())
        .collect();
    assert!(
        picks.iter().all(|k| !elsewhere.iter().any(|e| e == k)),
        "no pick was watched elsewhere"
    );
    s.close().await;
}

#[tokio::test]
async fn trakt_failures_are_clear_errors_and_the_server_keeps_serving() {
    let stack = stack(Scale::DEMO, 77).await;
    let s = signed_in_session(&stack, &[("PLEX_MCP_HTTP_TIMEOUT", "1")]).await;
    let control = &stack.control;
    let cases: [(Fault, &[&str]); 3] = [
        (Fault::Status(500), &["Trakt", "HTTP 500"]),
        (
            Fault::Malformed,
            &["Trakt", "not the expected JSON", "TRAKT_BASE_URL"],
        ),
        (
            Fault::Delay(Duration::from_secs(3)),
            &["Trakt", "did not answer"],
        ),
    ];
    for (fault, words) in cases {
        // 5xx is retried: fail every attempt.
        control.inject("/users/me/stats", fault, 4);
        let err = s.err("trakt_get_user_stats", json!({})).await;
        for w in words {
            assert!(err.contains(w), "{w:?} missing from {err}");
        }
        control.clear_faults();
        s.ok("trakt_get_user_stats", json!({})).await;
    }
    // A revoked sign-in without a refresh token: say how to sign in again.
    let s2 = connect(&stack, &[("TRAKT_ACCESS_TOKEN", "revoked-token")]).await;
    let err = s2.err("trakt_get_user_stats", json!({})).await;
    assert!(
        err.contains("Trakt") && err.contains("trakt_authenticate"),
        "{err}"
    );
    let status = s2.ok("trakt_get_auth_status", json!({})).await;
    assert_eq!(status["authenticated"], json!(false));
    let log = s2.close().await;
    assert!(!log.contains("revoked-token"));
    let log = s.close().await;
    assert_no_secrets(&stack, &log);
}

#[tokio::test]
async fn another_account_is_synced_in_both_modes_and_an_unknown_one_refused() {
    let stack = stack(Scale::DEMO, 79).await;
    let s = signed_in_session(&stack, &[]).await;
    let other = stack
        .data
        .accounts
        .iter()
        .map(|a| a.id)
        .find(|id| *id != OWNER_ACCOUNT && stack.data.history.iter().any(|p| p.account_id == *id))
        .expect("another account with plays");
    let plays: Vec<_> = stack
        .data
        .history
        .iter()
        .filter(|p| p.account_id == other)
        .collect();
    let items: std::collections::HashSet<usize> = plays.iter().map(|p| p.item).collect();
    assert!(plays.len() > items.len(), "the sample replays some items");
    for (mode, expected) in [("plays", plays.len()), ("items", items.len())] {
        let out = s
            .ok(
                "trakt_sync_to_trakt",
                json!({"dryRun": true, "mode": mode, "accountId": other}),
            )
            .await;
        assert_eq!(out["plexPlays"], json!(expected), "{mode}: {out}");
    }
    let owner_items = s
        .ok(
            "trakt_sync_to_trakt",
            json!({"dryRun": true, "mode": "items"}),
        )
        .await;
    assert_ne!(owner_items["plexPlays"], json!(items.len()));
    let err = s
        .err(
            "trakt_sync_to_trakt",
            json!({"dryRun": true, "mode": "items", "accountId": 999}),
        )
        .await;
    assert!(err.contains("accountId") && err.contains("999"), "{err}");
    assert!(
        stack.trakt.state.history_posts().is_empty(),
        "nothing sent for an unknown account"
    );
    s.close().await;
}

#[tokio::test]
async fn a_cancelled_sync_stops_at_a_batch_boundary_and_resumes_without_duplicates() {
    use rmcp::{
        model::{ClientRequest, Request},
        service::PeerRequestOptions,
    };
    let stack = stack(MEDIUM, 80).await;
    let token = signed_in(&stack);
    let dir = temp_dir("trakt-cancel");
    let (client, _recorder, params) = progress_session(&stack, &dir, "250", 50).await;
    let handle = client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(params)),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    wait_for("two batches", || {
        stack.trakt.state.history_posts().len() >= 2
    })
    .await;
    handle.cancel(Some("stop".into())).await.unwrap();
    // A batch under way may still land; then nothing more.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let landed = stack.trakt.state.history_posts().len();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        stack.trakt.state.history_posts().len(),
        landed,
        "no batch after the cancel"
    );
    let Value::Object(none) = json!({}) else {
        unreachable!()
    };
    let status = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("trakt_get_sync_status").with_arguments(none),
        )
        .await
        .unwrap()
        .structured_content
        .unwrap();
    assert_eq!(status["syncInProgress"], json!(false), "{status}");
    assert_eq!(status["lastSync"]["cancelled"], json!(true), "{status}");
    let _ = client.cancel().await;

    // The rest goes on the next run, and no play twice.
    let out = command(
        &stack,
        &dir,
        &[
            ("TRAKT_ACCESS_TOKEN", token.as_str()),
            ("TRAKT_WRITE_INTERVAL_MS", "0"),
        ],
    )
    .args(["call", "trakt_sync_to_trakt", "batchSize=50"])
    .output()
    .await
    .expect("run");
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON result");
    assert!(result["toSend"].as_u64().unwrap() > 0, "{result}");
    assert_eq!(result["failed"], json!(0), "{result}");
    assert_unique("a play posted", &posted_plays(&stack, true));
    assert_unique(
        "a play in the Trakt history",
        &stack.trakt.state.history_keys(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
