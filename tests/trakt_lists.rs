//! Ratings and watchlists between Plex and Trakt, both ways, through the real binary.

mod common;

use std::collections::HashMap;

use common::*;
use plex_mcp::fake::{FakeStack, Fault, Scale};
use serde_json::{Value, json};

/// Plex's ratings as the fake holds them now: ratingKey → rating.
fn plex_ratings(stack: &FakeStack) -> HashMap<String, f64> {
    stack
        .live
        .read()
        .unwrap()
        .items
        .iter()
        .filter_map(|i| Some((i.rating_key.clone(), i.user_rating.filter(|r| *r > 0.0)?)))
        .collect()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("a count: {v}"))
}

#[tokio::test]
async fn ratings_go_both_ways_by_priority() {
    let stack = stack(Scale::DEMO, 90).await;
    let s = signed_in_session(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let plex = plex_ratings(&stack);
    let trakt = stack.trakt.state.ratings();
    let both: Vec<&String> = plex.keys().filter(|k| trakt.contains_key(*k)).collect();
    assert_eq!(both.len(), 1, "the sample has one item rated on both sides");
    let conflict = both[0].clone();
    assert_ne!(plex[&conflict].round() as u8, trakt[&conflict]);

    // A dry run counts and changes nothing.
    let args = json!({"what": ["ratings"], "dryRun": true});
    let dry = s.ok("trakt_sync_to_trakt", args).await;
    let r = &dry["ratings"];
    assert_eq!(n(&r["plexRated"]), plex.len() as u64, "{dry}");
    assert_eq!(
        n(&r["keptDifferent"]),
        1,
        "priority none keeps the conflict"
    );
    assert_eq!(dry["toSend"], json!(0), "history was not asked for");
    assert!(stack.trakt.state.list_posts().0.is_empty());

    // Plex wins: Trakt gets every Plex rating it can match, the conflict included.
    let args = json!({"what": ["ratings"], "ratingPriority": "plex"});
    let out = s.ok("trakt_sync_to_trakt", args).await;
    let r = &out["ratings"];
    assert_eq!(n(&r["updated"]), 1, "{out}");
    let after = stack.trakt.state.ratings();
    for (rk, rating) in &plex {
        if let Some(t) = after.get(rk) {
            assert_eq!(*t, rating.round() as u8, "{rk}");
        }
    }
    let sent = n(&r["added"]) + n(&r["updated"]);
    assert!(sent >= 10, "{out}");
    assert_eq!(
        n(&r["added"]) + n(&r["updated"]) + n(&r["notFound"]) + n(&r["alreadyEqual"]),
        plex.len() as u64,
        "every Plex rating is accounted for: {out}"
    );

    // Trakt → Plex: what only Trakt rated is filled into Plex; nothing else changes.
    let from = s
        .ok("trakt_sync_from_trakt", json!({"what": ["ratings"]}))
        .await;
    let only_trakt = trakt.keys().filter(|k| !plex.contains_key(*k)).count() as u64;
    assert_eq!(n(&from["ratings"]["added"]), only_trakt, "{from}");
    assert_eq!(plex_ratings(&stack), plex, "compare only without apply");
    let applied = s
        .ok(
            "trakt_sync_from_trakt",
            json!({"what": ["ratings"], "apply": true}),
        )
        .await;
    assert_eq!(n(&applied["ratings"]["added"]), only_trakt, "{applied}");
    let now = plex_ratings(&stack);
    for (rk, rating) in &trakt {
        if !plex.contains_key(rk) {
            assert_eq!(now.get(rk), Some(&f64::from(*rating)), "{rk}");
        }
    }
    s.close().await;
}

#[tokio::test]
async fn trakt_priority_overwrites_plex_and_writes_need_enabling() {
    let stack = stack(Scale::DEMO, 91).await;
    let s = signed_in_session(&stack, &[]).await;
    let err = s
        .err(
            "trakt_sync_from_trakt",
            json!({"what": ["ratings"], "apply": true}),
        )
        .await;
    assert!(err.contains("PLEX_ENABLE_MUTATIVE_OPS"), "{err}");
    s.close().await;

    let s = signed_in_session(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let trakt = stack.trakt.state.ratings();
    let plex = plex_ratings(&stack);
    let conflict = plex
        .keys()
        .find(|k| trakt.contains_key(*k))
        .unwrap()
        .clone();
    let out = s
        .ok(
            "trakt_sync_from_trakt",
            json!({"what": ["ratings"], "apply": true, "ratingPriority": "trakt"}),
        )
        .await;
    assert_eq!(n(&out["ratings"]["updated"]), 1, "{out}");
    assert_eq!(plex_ratings(&stack)[&conflict], f64::from(trakt[&conflict]));
    assert!(out.get("applied").is_none(), "history was not asked for");
    s.close().await;
}

/// Puts `n` library movies with `plex://` guids on the Plex watchlist; their ratingKeys.
fn watchlist_library_movies(stack: &FakeStack, n: usize) -> Vec<String> {
    let on_trakt = stack.trakt.state.watchlist();
    let mut live = stack.live.write().unwrap();
    let picks: Vec<(String, String, String)> = live
        .items
        .iter()
        .filter(|i| i.kind == "movie" && i.guid.starts_with("plex://"))
        .filter(|i| !on_trakt.contains(&i.rating_key) && !i.guids.is_empty())
        .take(n)
        .map(|i| (i.rating_key.clone(), i.guid.clone(), i.title.clone()))
        .collect();
    for (_, guid, title) in &picks {
        live.watchlist.insert(
            0,
            plex_mcp::fake::data::WatchlistEntry {
                rating_key: guid.rsplit('/').next().unwrap().to_string(),
                guid: guid.clone(),
                kind: "movie",
                title: title.clone(),
                year: 2020,
                summary: String::new(),
                watchlisted_at: chrono::Utc::now().timestamp(),
            },
        );
    }
    picks.into_iter().map(|(rk, _, _)| rk).collect()
}

fn plex_watchlist_guids(stack: &FakeStack) -> Vec<String> {
    stack
        .live
        .read()
        .unwrap()
        .watchlist
        .iter()
        .map(|w| w.guid.clone())
        .collect()
}

#[tokio::test]
async fn watchlists_go_both_ways_and_mirror_only_on_sound_reads() {
    let stack = stack(Scale::DEMO, 92).await;
    let ours = watchlist_library_movies(&stack, 2);
    let trakt_before = stack.trakt.state.watchlist();
    assert_eq!(trakt_before.len(), 2, "the sample Trakt watchlist");
    let plex_count = plex_watchlist_guids(&stack).len() as u64;
    let s = signed_in_session(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;

    // Plex → Trakt: the two library movies are added; titles Trakt cannot match are named as
    // not found; Trakt's own two stay (no mirror).
    let out = s
        .ok("trakt_sync_to_trakt", json!({"what": ["watchlist"]}))
        .await;
    let w = &out["watchlist"];
    assert_eq!(n(&w["plexListed"]), plex_count, "{out}");
    assert_eq!(n(&w["added"]), 2, "{out}");
    assert_eq!(n(&w["kept"]), 2, "{out}");
    assert_eq!(n(&w["added"]) + n(&w["notFound"]), plex_count, "{out}");
    let trakt_now = stack.trakt.state.watchlist();
    for rk in ours.iter().chain(&trakt_before) {
        assert!(
            trakt_now.contains(rk),
            "{rk} on Trakt's watchlist: {trakt_now:?}"
        );
    }
    let again = s
        .ok("trakt_sync_to_trakt", json!({"what": ["watchlist"]}))
        .await;
    assert_eq!(n(&again["watchlist"]["added"]), 0, "nothing twice: {again}");
    assert_eq!(n(&again["watchlist"]["alreadyEqual"]), 2);

    // Trakt → Plex with apply: Trakt's two movies join the Plex watchlist.
    let from = s
        .ok(
            "trakt_sync_from_trakt",
            json!({"what": ["watchlist"], "apply": true}),
        )
        .await;
    assert_eq!(n(&from["watchlist"]["added"]), 2, "{from}");
    let guids = plex_watchlist_guids(&stack);
    for rk in &trakt_before {
        let item = stack.data.item_by_key(rk).unwrap();
        assert!(guids.contains(&item.guid), "{rk} on the Plex watchlist");
    }

    // A failing Plex read removes nothing, even in mirror mode.
    stack
        .control
        .inject("/library/sections/watchlist", Fault::Status(500), 10);
    let err = s
        .err(
            "trakt_sync_to_trakt",
            json!({"what": ["watchlist"], "mirror": true}),
        )
        .await;
    assert!(err.contains("500") || err.contains("Plex"), "{err}");
    stack.control.clear_faults();
    assert_eq!(stack.trakt.state.watchlist().len(), trakt_now.len());

    // An empty Plex watchlist looks like a failed read: mirror removes nothing and says why.
    let saved = std::mem::take(&mut stack.live.write().unwrap().watchlist);
    let out = s
        .ok(
            "trakt_sync_to_trakt",
            json!({"what": ["watchlist"], "mirror": true}),
        )
        .await;
    assert!(out["watchlist"]["removalSkipped"].is_string(), "{out}");
    assert_eq!(stack.trakt.state.watchlist().len(), trakt_now.len());

    // Mirror mode proper: Plex keeps one of our movies; Trakt drops the rest.
    stack.live.write().unwrap().watchlist = saved;
    let dropped = stack.data.item_by_key(&ours[1]).unwrap().guid.clone();
    stack
        .live
        .write()
        .unwrap()
        .watchlist
        .retain(|w| w.guid != dropped);
    let out = s
        .ok(
            "trakt_sync_to_trakt",
            json!({"what": ["watchlist"], "mirror": true}),
        )
        .await;
    assert_eq!(n(&out["watchlist"]["removed"]), 1, "{out}");
    assert!(!stack.trakt.state.watchlist().contains(&ours[1]));
    s.close().await;
}

#[tokio::test]
async fn a_killed_ratings_and_watchlist_sync_resumes_without_repeating() {
    let stack = stack(Scale::DEMO, 93).await;
    watchlist_library_movies(&stack, 2);
    let token = signed_in(&stack);
    let dir = temp_dir("lists-kill");
    let env = [
        ("TRAKT_ACCESS_TOKEN", token.as_str()),
        ("TRAKT_WRITE_INTERVAL_MS", "0"),
    ];
    let args = [
        "call",
        "trakt_sync_to_trakt",
        r#"what=["ratings","watchlist"]"#,
        "ratingPriority=plex",
    ];
    // The ratings land on Trakt, but the answer never comes back: the run is killed waiting.
    stack.control.inject_on(
        "POST",
        "/sync/ratings",
        Fault::DelayAfter(std::time::Duration::from_secs(120)),
        1,
    );
    let mut child = command(&stack, &dir, &env)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    wait_for("the ratings post", || {
        !stack.trakt.state.list_posts().0.is_empty()
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    child.kill().await.expect("kill");
    let rated = stack.trakt.state.ratings();
    assert!(
        stack.trakt.state.list_posts().1.is_empty(),
        "killed before the watchlist"
    );

    let out = command(&stack, &dir, &env)
        .args(args)
        .output()
        .await
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON result");
    let r = &result["ratings"];
    assert_eq!((n(&r["added"]), n(&r["updated"])), (0, 0), "{result}");
    assert_eq!(
        stack.trakt.state.list_posts().0.len(),
        1,
        "the ratings went once"
    );
    assert_eq!(stack.trakt.state.ratings(), rated);
    assert_eq!(n(&result["watchlist"]["added"]), 2, "{result}");
    let (_, watchlist_posts) = stack.trakt.state.list_posts();
    assert_eq!(watchlist_posts.len(), 1);
}
