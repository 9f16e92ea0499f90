//! Bad arguments and bad backends: every failure is a tool error (`isError`) that says what to
//! fix, the server keeps answering, and the token never shows up anywhere.

mod common;

use std::time::{Duration, Instant};

use common::*;
use plex_mcp::fake::{Fault, Scale};
use serde_json::json;

#[tokio::test]
async fn bad_arguments_are_tool_errors_naming_the_argument() {
    let stack = stack(Scale::DEMO, 21).await;
    let s = connect(&stack, &[]).await;
    let cases = [
        (
            "get_media_details",
            json!({"ratingKey": "abc"}),
            "ratingKey",
        ),
        (
            "get_media_details",
            json!({"ratingKey": "1/../2"}),
            "ratingKey",
        ),
        ("get_media_details", json!({}), "ratingKey"),
        (
            "get_media_details",
            json!({"ratingKey": "99999999"}),
            "No Plex item has ratingKey 99999999",
        ),
        (
            "get_library_items",
            json!({"libraryKey": "1", "limit": 0}),
            "limit",
        ),
        (
            "get_library_items",
            json!({"libraryKey": "1", "limit": "ten"}),
            "limit",
        ),
        (
            "get_library_items",
            json!({"libraryKey": "1", "color": "red"}),
            "color",
        ),
        (
            "get_library_items",
            json!({"libraryKey": "1", "type": "podcast"}),
            "podcast",
        ),
        (
            "get_library_items",
            json!({"libraryKey": "1", "sort": "title;drop"}),
            "sort",
        ),
        (
            "get_library_items",
            json!({"libraryKey": "77"}),
            "No Plex library has key 77",
        ),
        ("search_media", json!({"query": "\n\t"}), "query"),
        ("search_media", json!({"query": "x".repeat(501)}), "501"),
        (
            "get_playlist_items",
            json!({"playlistId": "424242"}),
            "No playlist has id 424242",
        ),
        ("get_watch_history", json!({"userId": "bob"}), "userId"),
        ("get_watch_history", json!({"mediaType": "music"}), "music"),
        ("get_libraries", json!({"verbose": true}), "verbose"),
        (
            "export_library",
            json!({"libraryKey": "1", "outputPath": "../escape.json"}),
            "outputPath",
        ),
        (
            "export_library",
            json!({"libraryKey": "1", "outputPath": "/tmp/x.json"}),
            "outputPath",
        ),
    ];
    for (tool, args, needle) in cases {
        let msg = s.err(tool, args.clone()).await;
        assert!(
            msg.contains(needle),
            "{tool} {args}: {msg:?} should mention {needle:?}"
        );
    }
    s.ok("get_libraries", json!({})).await;
    s.close().await;
}

#[tokio::test]
async fn backend_failures_are_clear_and_the_server_keeps_serving() {
    let stack = stack(Scale::DEMO, 22).await;
    let s = connect(&stack, &[("PLEX_MCP_HTTP_TIMEOUT", "1")]).await;
    let c = &stack.control;

    c.inject("/library/sections", Fault::Status(401), 1);
    let msg = s.err("get_libraries", json!({})).await;
    assert!(
        msg.contains("Plex") && msg.contains("401") && msg.contains("PLEX_TOKEN"),
        "{msg}"
    );
    s.ok("get_libraries", json!({})).await;

    c.inject("/status/sessions", Fault::Status(500), 1);
    let msg = s.err("get_active_sessions", json!({})).await;
    assert!(msg.contains("HTTP 500") && msg.contains("healthy"), "{msg}");
    s.ok("get_active_sessions", json!({})).await;

    // 429 with Retry-After, then success: the call succeeds after waiting.
    c.clear_requests();
    c.inject(
        "/playlists",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    s.ok("get_playlists", json!({})).await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert_eq!(
        c.requests()
            .iter()
            .filter(|r| r.starts_with("GET /playlists"))
            .count(),
        2
    );

    // A 503 that never clears: bounded retries, then an error.
    c.clear_requests();
    c.inject("/library/onDeck", Fault::Status(503), 10);
    let msg = s.err("get_on_deck", json!({})).await;
    assert!(msg.contains("503"), "{msg}");
    let attempts = c
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /library/onDeck"))
        .count();
    assert_eq!(attempts as u32, 1 + plex_mcp::MAX_RETRIES);
    c.clear_faults();

    // A Retry-After beyond our patience fails at once instead of hanging.
    c.inject(
        "/playlists",
        Fault::RateLimited {
            retry_after_secs: 3600,
        },
        1,
    );
    let started = Instant::now();
    let msg = s.err("get_playlists", json!({})).await;
    assert!(msg.contains("429") && msg.contains("3600"), "{msg}");
    assert!(started.elapsed() < Duration::from_secs(5));

    c.inject(
        "/library/recentlyAdded",
        Fault::Delay(Duration::from_secs(3)),
        1,
    );
    let started = Instant::now();
    let msg = s.err("get_recently_added", json!({})).await;
    assert!(
        msg.contains("did not answer") && msg.contains("PLEX_URL"),
        "{msg}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    s.ok("get_recently_added", json!({})).await;

    c.inject("/search", Fault::Malformed, 1);
    let msg = s.err("search_media", json!({"query": "night"})).await;
    assert!(msg.contains("not the expected JSON"), "{msg}");
    s.ok("search_media", json!({"query": "night"})).await;

    c.inject("/library/sections/watchlist", Fault::Status(401), 1);
    let msg = s.err("get_watchlist", json!({})).await;
    assert!(
        msg.contains("Plex Discover") && msg.contains("account token"),
        "{msg}"
    );

    let log = s.close().await;
    assert!(!log.contains(TEST_TOKEN), "token in the log");
    assert!(log.contains("tool error"), "failures are logged");
}

#[tokio::test]
async fn unreachable_server_and_wrong_token() {
    let stack = stack(Scale::DEMO, 23).await;
    // Nothing listens on the port of a listener we just closed.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let url = format!("http://{closed}");
    let s = connect(&stack, &[("PLEX_URL", &url)]).await;
    let msg = s.err("get_libraries", json!({})).await;
    assert!(
        msg.contains("Cannot connect to Plex") && msg.contains(&url),
        "{msg}"
    );
    s.close().await;

    let s = connect(&stack, &[("PLEX_TOKEN", "wrong-token")]).await;
    let msg = s.err("get_watch_history", json!({})).await;
    assert!(msg.contains("401"), "{msg}");
    assert!(!msg.contains("wrong-token"));
    s.close().await;
}

#[tokio::test]
async fn the_token_never_appears_in_results_or_logs() {
    let stack = stack(Scale::DEMO, 24).await;
    let s = connect(&stack, &[]).await;
    let mut seen = String::new();
    for tool in [
        "get_libraries",
        "get_on_deck",
        "get_playlists",
        "get_watchlist",
        "get_active_sessions",
        "get_recently_watched",
    ] {
        seen.push_str(&s.ok(tool, json!({})).await.to_string());
    }
    stack
        .control
        .inject("/", plex_mcp::fake::Fault::Status(401), 3);
    seen.push_str(&s.err("get_libraries", json!({})).await);
    seen.push_str(
        &s.err("get_media_details", json!({"ratingKey": "1001"}))
            .await,
    );
    let log = s.close().await;
    assert!(!seen.contains(TEST_TOKEN), "token in a result");
    assert!(!log.contains(TEST_TOKEN), "token in the log");
    assert!(log.contains("get_libraries"), "the log was captured");
}
