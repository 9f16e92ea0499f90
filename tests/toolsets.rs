//! Toolsets: which tool families a server lists, and what an unlisted tool answers.

mod common;

use common::{command, connect, stack, temp_dir};
use plex_mcp::fake::Scale;
use serde_json::json;

/// A Plex-only user: the stack's other services unset.
const PLEX_ONLY: [(&str, &str); 4] = [
    ("SONARR_API_KEY", ""),
    ("RADARR_API_KEY", ""),
    ("TRAKT_CLIENT_ID", ""),
    ("TRAKT_CLIENT_SECRET", ""),
];

async fn names(s: &common::Session) -> Vec<String> {
    s.tools()
        .await
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

#[tokio::test]
async fn unconfigured_families_are_hidden_and_say_what_to_set() {
    let stack = stack(Scale::DEMO, 101).await;
    let s = connect(&stack, &PLEX_ONLY).await;
    let names = names(&s).await;
    assert!(names.contains(&"get_libraries".to_string()));
    assert!(names.contains(&"get_watch_stats".to_string()));
    for prefix in ["sonarr_", "radarr_", "trakt_", "arr_"] {
        assert!(
            !names.iter().any(|n| n.starts_with(prefix)),
            "{prefix}* listed for a Plex-only user: {names:?}"
        );
    }
    for (tool, args, needs) in [
        ("sonarr_get_series", json!({}), "SONARR_API_KEY"),
        ("radarr_search", json!({"query": "x"}), "RADARR_API_KEY"),
        ("trakt_get_auth_status", json!({}), "TRAKT_CLIENT_ID"),
        ("arr_get_status", json!({}), "SONARR_API_KEY"),
    ] {
        let err = s.err(tool, args).await;
        assert!(err.contains(needs), "{tool}: {err}");
    }
    s.close().await;
}

#[tokio::test]
async fn named_toolsets_are_listed_even_unconfigured_and_others_are_off() {
    let stack = stack(Scale::DEMO, 102).await;
    let mut env = PLEX_ONLY.to_vec();
    env.push(("PLEX_MCP_TOOLSETS", "browse,sonarr"));
    let s = connect(&stack, &env).await;
    let names = names(&s).await;
    assert!(
        names.contains(&"sonarr_get_series".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"arr_get_status".to_string()));
    assert!(names.contains(&"search_media".to_string()));
    assert!(!names.contains(&"get_watch_stats".to_string()));
    assert!(!names.contains(&"get_playlists".to_string()));
    let err = s.err("get_watch_stats", json!({})).await;
    assert!(
        err.contains("`analytics` toolset")
            && err.contains("PLEX_MCP_TOOLSETS=browse,sonarr,analytics"),
        "{err}"
    );
    // Listed because named; the call says what the service needs.
    let err = s.err("sonarr_get_series", json!({})).await;
    assert!(err.contains("SONARR_API_KEY"), "{err}");
    s.close().await;
}

#[tokio::test]
async fn read_only_wins_over_toolsets() {
    let stack = stack(Scale::DEMO, 103).await;
    let dir = temp_dir("toolsets-ro");
    let run = |extra: &[&str]| {
        let mut cmd = command(
            &stack,
            &dir,
            &[
                ("PLEX_ENABLE_MUTATIVE_OPS", "true"),
                ("PLEX_MCP_TOOLSETS", "playlists"),
            ],
        );
        cmd.args(extra).arg("tools");
        cmd.output()
    };
    let writable = String::from_utf8(run(&[]).await.unwrap().stdout).unwrap();
    assert!(writable.contains("create_playlist"), "{writable}");
    assert!(!writable.contains("get_libraries "), "{writable}");
    assert!(writable.contains("playlists  on"), "{writable}");
    let read_only = String::from_utf8(run(&["--read-only"]).await.unwrap().stdout).unwrap();
    assert!(!read_only.contains("create_playlist"), "{read_only}");
    assert!(read_only.contains("get_playlists"), "{read_only}");
    let bad = run(&["--toolsets", "browse,music"]).await.unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("\"music\""));
}

#[tokio::test]
async fn instructions_are_short_dated_and_say_what_is_on() {
    let stack = stack(Scale::DEMO, 104).await;
    let mut env = PLEX_ONLY.to_vec();
    env.push(("PLEX_MCP_TOOLSETS", "browse,analytics"));
    let s = connect(&stack, &env).await;
    let info = s.client.peer_info().expect("server info");
    let text = info.instructions.clone().expect("instructions");
    assert!(text.len() <= 600, "{} characters: {text}", text.len());
    // Today where the binary under test lives (ZONE), not where the test runs.
    let zone: chrono_tz::Tz = common::ZONE.parse().unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&zone)
        .format("%Y-%m-%d")
        .to_string();
    assert!(text.contains(&today), "{text}");
    assert!(text.contains("Toolsets on: browse, analytics."), "{text}");
    assert!(text.contains("PLEX_ENABLE_MUTATIVE_OPS=true"), "{text}");
    assert!(text.contains("get_libraries"), "{text}");
    // No tool schema carries the dialect line.
    for tool in s.tools().await {
        assert!(!tool.input_schema.contains_key("$schema"), "{}", tool.name);
        if let Some(out) = &tool.output_schema {
            assert!(!out.contains_key("$schema"), "{}", tool.name);
        }
    }
    s.close().await;
}
