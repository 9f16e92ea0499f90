//! The Plex → Trakt ledger is right: kept per Trakt account, ignorable on request, never says
//! "sent" for a play Trakt did not add, and knows the plays the scrobbler already made.

mod common;

use common::*;
use plex_mcp::fake::{
    Scale,
    data::{ActiveSession, OWNER_ACCOUNT, Play},
};
use serde_json::json;

#[tokio::test]
async fn another_trakt_account_gets_every_play_and_resend_ignores_the_ledger() {
    let stack = stack(Scale::DEMO, 80).await;
    let s = signed_in_session(&stack, &[]).await;
    let first = s.ok("trakt_sync_to_trakt", json!({})).await;
    let sent = first["toSend"].as_u64().unwrap();
    assert!(sent > 50, "{first}");

    // Signed in to another account: nothing there, and nothing counts as sent to it.
    stack.trakt.state.switch_account("someone-else");
    let second = s.ok("trakt_sync_to_trakt", json!({"dryRun": true})).await;
    assert_eq!(second["alreadySent"], json!(0), "{second}");
    assert_eq!(second["alreadyOnTrakt"], json!(0), "{second}");
    let everything = first["alreadyOnTrakt"].as_u64().unwrap() + sent;
    assert_eq!(second["toSend"], json!(everything), "{second}");
    let sent_there = s.ok("trakt_sync_to_trakt", json!({})).await;
    let added = sent_there["added"]["movies"].as_u64().unwrap()
        + sent_there["added"]["episodes"].as_u64().unwrap();
    let unknown = sent_there["notFound"]["count"].as_u64().unwrap();
    assert!(unknown > 0, "the sample has movies Trakt does not know");
    assert_eq!(added + unknown, everything, "{sent_there}");

    // The user deletes every play on Trakt: the ledger holds them back, unless told otherwise.
    stack.trakt.state.clear_history();
    let held = s.ok("trakt_sync_to_trakt", json!({"dryRun": true})).await;
    assert_eq!(held["alreadySent"], json!(added), "{held}");
    assert_eq!(held["toSend"], json!(0));
    let resent = s.ok("trakt_sync_to_trakt", json!({"resend": true})).await;
    assert_eq!(resent["toSend"], json!(everything), "{resent}");
    assert_eq!(stack.trakt.state.history_len() as u64, added);
    s.close().await;
}

#[tokio::test]
async fn unknown_episodes_of_a_known_show_are_never_ledgered_as_sent() {
    let stack = stack(Scale::DEMO, 81).await;
    let forgotten = stack.trakt.state.forget_last_episode().to_string();
    let idx = stack.data.item_index(&forgotten).unwrap();
    let title = stack.data.items[idx].grandparent_title.clone().unwrap();
    // The owner watched it in Plex (yesterday, so Trakt has no earlier copy).
    let yesterday = chrono::Utc::now().timestamp() - 86_400;
    stack.live.write().unwrap().history.insert(
        0,
        Play {
            history_key: 999_999,
            item: idx,
            account_id: OWNER_ACCOUNT,
            device_id: 1,
            viewed_at: yesterday,
        },
    );
    let s = signed_in_session(&stack, &[]).await;
    let out = s.ok("trakt_sync_to_trakt", json!({})).await;
    // Trakt added one episode fewer than it was sent and named none: the tool found out which.
    let not_found = out["notFound"]["titles"].as_array().unwrap();
    assert!(
        not_found
            .iter()
            .any(|t| t.as_str().unwrap().contains(&title)),
        "{out}"
    );
    let to_send = out["toSend"].as_u64().unwrap();
    let added =
        out["added"]["movies"].as_u64().unwrap() + out["added"]["episodes"].as_u64().unwrap();
    // Every play sent is accounted for: added, or not found (there was no ledger yet).
    assert_eq!(
        added + out["notFound"]["count"].as_u64().unwrap(),
        to_send,
        "{out}"
    );
    // The next run neither resends it nor calls it sent.
    let again = s.ok("trakt_sync_to_trakt", json!({"dryRun": true})).await;
    assert_eq!(again["toSend"], json!(0), "{again}");
    assert_eq!(
        again["alreadySent"],
        json!(0),
        "nothing unconfirmed counts as sent: {again}"
    );
    assert!(again["notFound"]["count"].as_u64().unwrap() >= 1);
    s.close().await;
}

#[tokio::test]
async fn a_scrobbled_play_is_not_sent_again_by_a_sync() {
    let stack = stack(Scale::DEMO, 82).await;
    stack.live.write().unwrap().sessions.clear();
    let s = signed_in_session(&stack, &[]).await;
    // Everything Plex has now goes first, so only the new viewing is in question below.
    s.ok("trakt_sync_to_trakt", json!({})).await;
    let (idx, movie) = stack
        .data
        .items
        .iter()
        .enumerate()
        .find(|(_, i)| i.kind == "movie" && i.guid.starts_with("plex://"))
        .unwrap();
    let duration = movie.duration.unwrap();
    s.ok("trakt_start_scrobbling", json!({"pollSeconds": 1}))
        .await;
    let before = stack.trakt.state.history_len();
    stack.live.write().unwrap().sessions.push(ActiveSession {
        item: idx,
        account_id: OWNER_ACCOUNT,
        device_id: 1,
        session_key: "5".into(),
        view_offset: duration * 95 / 100,
        state: "playing",
        transcoding: false,
    });
    wait_for("start", || stack.trakt.state.scrobbles().len() == 1).await;
    stack.live.write().unwrap().sessions.clear();
    wait_for("stop", || stack.trakt.state.history_len() == before + 1).await;
    // Plex records the same viewing, a few minutes off the stop.
    let viewed_at = chrono::Utc::now().timestamp() - 300;
    stack.live.write().unwrap().history.insert(
        0,
        Play {
            history_key: 999_998,
            item: idx,
            account_id: OWNER_ACCOUNT,
            device_id: 1,
            viewed_at,
        },
    );
    let out = s.ok("trakt_sync_to_trakt", json!({})).await;
    assert_eq!(out["alreadyScrobbled"], json!(1), "{out}");
    assert_eq!(out["toSend"], json!(0), "{out}");
    assert_eq!(
        stack.trakt.state.history_len(),
        before + 1,
        "one play, not two"
    );
    s.close().await;
}
