//! Prompts, resources and completions, through the real binary and rmcp's client.

mod common;

use std::collections::BTreeSet;

use common::{connect, stack};
use plex_mcp::fake::data::Scale;
use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams, ResourceContents};
use serde_json::{Map, Value, json};

fn args(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

fn prompt(name: &str, pairs: &[(&str, &str)]) -> GetPromptRequestParams {
    GetPromptRequestParams::new(name).with_arguments(args(pairs))
}

/// A prompt, its arguments, and what its plan must contain.
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

fn text_of(result: &rmcp::model::GetPromptResult) -> String {
    result
        .messages
        .iter()
        .filter_map(|m| match &m.content {
            rmcp::model::ContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn every_prompt_is_listed_and_fetched_with_its_arguments() {
    let stack = stack(Scale::DEMO, 3).await;
    let s = connect(&stack, &[]).await;
    let listed = s.client.list_all_prompts().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "movie-night",
            "whats-new",
            "year-in-review",
            "continue-watching",
            "library-health",
            "trakt-check"
        ]
    );
    let cases: [Case; 6] = [
        (
            "movie-night",
            &[("genre", "Drama"), ("maxRuntime", "100"), ("who", "sam")],
            &[
                "get_recommendations",
                "Drama",
                "at most 100 minutes",
                "\"sam\"",
            ],
        ),
        (
            "whats-new",
            &[("days", "14")],
            &[
                "get_recently_added",
                "14 days",
                "sonarr_get_calendar",
                "radarr_get_calendar",
            ],
        ),
        (
            "year-in-review",
            &[("year", "2025")],
            &[
                "since \"2025-01-01\", until \"2026-01-01\"",
                "get_popular_content",
            ],
        ),
        (
            "continue-watching",
            &[("show", "The Quiet Echo")],
            &["get_on_deck", "search_media \"The Quiet Echo\""],
        ),
        (
            "library-health",
            &[("library", "Movies")],
            &[
                "get_library_stats",
                "local://",
                "sonarr_get_missing",
                "radarr_get_missing",
            ],
        ),
        (
            "trakt-check",
            &[],
            &["trakt_sync_to_trakt with dryRun", "trakt_sync_from_trakt"],
        ),
    ];
    for (name, given, expected) in cases {
        let got = s.client.get_prompt(prompt(name, given)).await.unwrap();
        let text = text_of(&got);
        for want in expected {
            assert!(text.contains(want), "{name}: {want:?} not in {text}");
        }
        // Every step names a tool the server lists.
        assert!(
            text.lines()
                .skip(1)
                .all(|l| l.starts_with(char::is_numeric)),
            "{text}"
        );
    }

    // Arguments are checked: unknown, required, and numbers.
    for (name, given, fragment) in [
        ("whats-new", &[("bogus", "1")][..], "bogus"),
        ("year-in-review", &[][..], "year"),
        ("movie-night", &[("maxRuntime", "long")][..], "maxRuntime"),
        ("no-such-prompt", &[][..], "movie-night"),
    ] {
        let err = s.client.get_prompt(prompt(name, given)).await.unwrap_err();
        assert!(err.to_string().contains(fragment), "{name}: {err}");
    }
    s.close().await;
}

#[tokio::test]
async fn prompts_follow_the_configured_families() {
    let stack = stack(Scale::DEMO, 4).await;
    let s = connect(&stack, &[("PLEX_MCP_TOOLSETS", "browse")]).await;
    let names: Vec<String> = s
        .client
        .list_all_prompts()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["movie-night", "whats-new", "continue-watching"]);
    let text = text_of(&s.client.get_prompt(prompt("whats-new", &[])).await.unwrap());
    assert!(!text.contains("sonarr_"), "Sonarr is off: {text}");
    let err = s
        .client
        .get_prompt(prompt("trakt-check", &[]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("No prompt"), "{err}");
    s.close().await;
}

async fn read(s: &common::Session, uri: &str) -> Result<Value, String> {
    let got = s
        .client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .map_err(|e| e.to_string())?;
    match &got.contents[0] {
        ResourceContents::TextResourceContents {
            text, mime_type, ..
        } => {
            assert_eq!(mime_type.as_deref(), Some("application/json"));
            Ok(serde_json::from_str(text).unwrap())
        }
        other => panic!("{uri}: {other:?}"),
    }
}

#[tokio::test]
async fn resources_are_listed_and_read() {
    let stack = stack(Scale::DEMO, 5).await;
    let s = connect(&stack, &[]).await;
    let resources = s.client.list_all_resources().await.unwrap();
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris, ["plex://server", "plex://sessions"]);
    let templates = s.client.list_all_resource_templates().await.unwrap();
    let patterns: Vec<&str> = templates.iter().map(|t| t.uri_template.as_str()).collect();
    assert_eq!(
        patterns,
        ["plex://libraries/{key}", "plex://items/{ratingKey}"]
    );
    for audience in resources
        .iter()
        .map(|r| &r.annotations)
        .chain(templates.iter().map(|t| &t.annotations))
    {
        let audience = audience.as_ref().and_then(|a| a.audience.clone());
        assert_eq!(audience, Some(vec![rmcp::model::Role::Assistant]));
    }

    let server = read(&s, "plex://server").await.unwrap();
    assert_eq!(server["name"], json!("Demo Plex"));
    assert!(server["version"].is_string() && server["platform"].is_string());
    let libraries = server["libraries"].as_array().unwrap();
    assert_eq!(libraries.len(), stack.data.sections.len());
    for (row, section) in libraries.iter().zip(&stack.data.sections) {
        let count = stack
            .data
            .items
            .iter()
            .filter(|i| i.library_section_id == section.key && i.kind == section.kind)
            .count();
        assert_eq!(row["key"], json!(section.key.to_string()));
        assert_eq!(row["count"], json!(count), "{}", section.title);
    }

    let library = read(&s, "plex://libraries/1").await.unwrap();
    assert_eq!(library["library"]["key"], json!("1"));
    let newest: Vec<i64> = library["newest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            stack
                .data
                .item_by_key(r["ratingKey"].as_str().unwrap())
                .unwrap()
                .added_at
        })
        .collect();
    assert_eq!(newest.len(), 5);
    assert!(newest.windows(2).all(|w| w[0] >= w[1]), "newest first");

    // An item reads exactly as get_media_details answers.
    let movie = stack.data.items.iter().find(|i| i.kind == "movie").unwrap();
    let item = read(&s, &format!("plex://items/{}", movie.rating_key))
        .await
        .unwrap();
    let details = s
        .ok("get_media_details", json!({"ratingKey": movie.rating_key}))
        .await;
    assert_eq!(item, details);

    let sessions = read(&s, "plex://sessions").await.unwrap();
    assert_eq!(
        sessions["sessionCount"],
        json!(stack.data.sessions.len()),
        "{sessions}"
    );

    for (uri, fragment) in [
        ("plex://items/99999999", "99999999"),
        ("plex://libraries/77", "get_libraries"),
        ("plex://items/../identity", "No resource"),
        ("https://example.com/", "No resource"),
    ] {
        let err = read(&s, uri).await.unwrap_err();
        assert!(err.contains(fragment), "{uri}: {err}");
    }
    s.close().await;
}

#[tokio::test]
async fn completions_come_from_the_server() {
    let stack = stack(Scale::DEMO, 6).await;
    let s = connect(&stack, &[]).await;
    let data = &stack.data;
    let complete = |prompt: &'static str, arg: &'static str, typed: &'static str| {
        let client = &s.client;
        async move {
            client
                .complete_prompt_argument(prompt, arg, typed, None)
                .await
                .unwrap()
                .values
        }
    };

    // Genres of the movie and show libraries, by prefix.
    let genres: BTreeSet<String> = data
        .items
        .iter()
        .filter(|i| i.kind == "movie" || i.kind == "show")
        .flat_map(|i| i.genres.iter().map(|g| g.tag.clone()))
        .collect();
    let first = genres.iter().next().unwrap().clone();
    let prefix: &'static str = first[..1].to_string().leak();
    let got = complete("movie-night", "genre", prefix).await;
    let want: Vec<&String> = genres
        .iter()
        .filter(|g| g.to_lowercase().starts_with(&prefix.to_lowercase()))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(
        got[..want.len()].iter().collect::<Vec<_>>(),
        want,
        "{got:?}"
    );
    let requests = stack.control.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.contains("/genre") && r.contains("type=1")),
        "genres read from Plex"
    );

    // Account names, for both spellings of the argument.
    let mut accounts: Vec<String> = data.accounts.iter().map(|a| a.name.clone()).collect();
    accounts.sort();
    accounts.retain(|a| !a.is_empty());
    assert_eq!(complete("movie-night", "who", "").await, accounts);
    assert_eq!(complete("year-in-review", "account", "").await, accounts);

    // Library names and years.
    let movies = complete("library-health", "library", "mov").await;
    assert_eq!(movies, ["Movies"]);
    let years = complete("year-in-review", "year", "20").await;
    assert_eq!(years.len(), 10);
    assert!(years.iter().all(|y| y.starts_with("20")));

    // Show titles by prefix, from Plex search, at most 20.
    let show = data.items.iter().find(|i| i.kind == "show").unwrap();
    let typed: &'static str = show.title[..4].to_string().leak();
    let titles = complete("continue-watching", "show", typed).await;
    assert!(titles.contains(&show.title), "{titles:?}");
    assert!(titles.len() <= 20);
    assert!(
        stack
            .control
            .requests()
            .iter()
            .any(|r| r.starts_with("GET /search") || r.contains("/search?")),
        "titles come from Plex search"
    );

    // Resource-template variables: library keys and item ratingKeys (from a typed title).
    let keys = s
        .client
        .complete_resource_argument("plex://libraries/{key}", "key", "", None)
        .await
        .unwrap()
        .values;
    let mut want: Vec<String> = data.sections.iter().map(|s| s.key.to_string()).collect();
    want.sort();
    assert_eq!(keys, want);
    let movie = data.items.iter().find(|i| i.kind == "movie").unwrap();
    let found = s
        .client
        .complete_resource_argument("plex://items/{ratingKey}", "ratingKey", &movie.title, None)
        .await
        .unwrap()
        .values;
    assert!(found.contains(&movie.rating_key), "{found:?}");

    // Arguments without a source complete to nothing, not to an error.
    assert!(complete("movie-night", "mood", "f").await.is_empty());
    s.close().await;
}
