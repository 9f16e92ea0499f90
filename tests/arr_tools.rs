//! The Sonarr and Radarr tools end to end against the stateful fakes.

mod common;

use common::*;
use plex_mcp::fake::{Fault, Scale};
use serde_json::json;

#[tokio::test]
async fn sonarr_reads_series_search_missing_queue_calendar_profiles() {
    let stack = stack(Scale::DEMO, 61).await;
    let s = connect(&stack, &[]).await;
    let shows: Vec<_> = stack
        .data
        .items
        .iter()
        .filter(|i| i.kind == "show")
        .collect();

    let out = s.ok("sonarr_get_series", json!({})).await;
    assert_eq!(out["totalSeries"], json!(shows.len()));
    let rows = out["series"].as_array().unwrap();
    assert_eq!(rows[0]["title"], json!(shows[0].title));
    assert!(rows[0]["episodeCount"].is_u64());
    assert!(
        rows[1].get("episodeCount").is_none(),
        "a series without statistics is tolerated"
    );
    let one = s
        .ok(
            "sonarr_get_series",
            json!({"filter": shows[2].title.to_uppercase(), "limit": 5}),
        )
        .await;
    assert_eq!(one["totalSeries"], json!(1));

    let found = s.ok("sonarr_search", json!({"query": "night"})).await;
    assert!(
        found["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["title"] == "The Night Shift Files" && r.get("id").is_none())
    );

    let missing = s
        .ok("sonarr_get_missing", json!({"page": 3, "pageSize": 250}))
        .await;
    assert_eq!(missing["totalRecords"], json!(620));
    assert_eq!(missing["showing"], json!(120));

    stack.control.clear_requests();
    let queue = s.ok("sonarr_get_queue", json!({"limit": 10000})).await;
    assert_eq!(queue["totalRecords"], json!(260));
    assert_eq!(queue["showing"], json!(260));
    let pages: Vec<String> = stack
        .control
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("GET /api/v3/queue"))
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(
        pages
            .iter()
            .all(|p| p.contains("includeUnknownSeriesItems=true"))
    );

    let cal = s.ok("sonarr_get_calendar", json!({})).await;
    let entries = cal["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["seriesTitle"].is_string()));
    let window = s
        .ok(
            "sonarr_get_calendar",
            json!({"startDate": "2000-01-01", "endDate": "2000-01-31"}),
        )
        .await;
    assert_eq!(window["totalEntries"], json!(0));
    let bad = s
        .err("sonarr_get_calendar", json!({"startDate": "2026-02-30"}))
        .await;
    assert!(bad.contains("startDate"), "{bad}");

    let profiles = s.ok("sonarr_get_profiles", json!({})).await;
    assert_eq!(profiles["qualityProfiles"][0]["name"], json!("HD-1080p"));
    assert_eq!(profiles["rootFolders"][0]["path"], json!("/tv"));
    s.close().await;
}

#[tokio::test]
async fn sonarr_add_series_on_v4_and_v3() {
    let stack = stack(Scale::DEMO, 62).await;
    let s = connect(&stack, &[]).await;
    let before = stack.sonarr.state.library_len();
    let out = s
        .ok(
            "sonarr_add_series",
            json!({"tvdbId": 900001, "title": "Northern Lights", "monitorType": "future"}),
        )
        .await;
    assert!(out["message"].as_str().unwrap().contains("Northern Lights"));
    assert_eq!(
        out["chosen"]["autoSelected"],
        json!(["qualityProfileId", "rootFolderPath"])
    );
    assert_eq!(stack.sonarr.state.library_len(), before + 1);
    let body = stack.sonarr.state.posted().last().cloned().unwrap();
    assert!(
        body.get("languageProfileId").is_none(),
        "Sonarr v4 gets no language profile"
    );
    assert_eq!(body["addOptions"]["monitor"], json!("future"));
    let listed = s
        .ok("sonarr_get_series", json!({"filter": "northern"}))
        .await;
    assert_eq!(
        listed["totalSeries"],
        json!(1),
        "the added series is listed"
    );

    let again = s
        .err(
            "sonarr_add_series",
            json!({"tvdbId": 900001, "title": "Northern Lights"}),
        )
        .await;
    assert!(again.contains("already in Sonarr"), "{again}");
    assert_eq!(
        stack.sonarr.state.library_len(),
        before + 1,
        "nothing added twice"
    );

    stack.sonarr.state.set_version("3.0.10.1567");
    let out = s
        .ok("sonarr_add_series", json!({"tvdbId": 900003, "title": "Harbor Watch", "qualityProfileId": 2, "rootFolderPath": "/tv"}))
        .await;
    assert_eq!(out["chosen"]["languageProfileId"], json!(1));
    assert_eq!(out["chosen"]["autoSelected"], json!(["languageProfileId"]));
    let body = stack.sonarr.state.posted().last().cloned().unwrap();
    assert_eq!(
        body["languageProfileId"],
        json!(1),
        "Sonarr v3 needs a language profile"
    );
    assert_eq!(body["qualityProfileId"], json!(2));

    let bad = s
        .err(
            "sonarr_add_series",
            json!({"tvdbId": 900002, "title": "X", "qualityProfileId": 99}),
        )
        .await;
    assert!(bad.contains("qualityProfileId"), "{bad}");

    let cmd = s.ok("sonarr_trigger_search", json!({"seriesId": 3})).await;
    assert!(cmd["commandId"].is_u64());
    s.ok("sonarr_trigger_search", json!({})).await;
    let posted = stack.sonarr.state.posted();
    let commands: Vec<_> = posted.iter().filter(|b| b.get("name").is_some()).collect();
    assert_eq!(commands[0], &json!({"name": "SeriesSearch", "seriesId": 3}));
    assert_eq!(commands[1], &json!({"name": "MissingEpisodeSearch"}));
    s.close().await;
}

#[tokio::test]
async fn radarr_tools_and_status() {
    let stack = stack(Scale::DEMO, 63).await;
    let s = connect(&stack, &[]).await;
    let movies = stack
        .data
        .items
        .iter()
        .filter(|i| i.kind == "movie" && i.library_section_id == 1)
        .count();
    let out = s.ok("radarr_get_movies", json!({"limit": 3})).await;
    assert_eq!(out["totalMovies"], json!(movies));
    assert_eq!(out["showing"], json!(3));
    let found = s.ok("radarr_search", json!({"query": "paper"})).await;
    assert_eq!(found["results"][0]["tmdbId"], json!(800002));
    let missing = s.ok("radarr_get_missing", json!({})).await;
    assert!(
        missing["movies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["hasFile"] == json!(false))
    );
    let queue = s.ok("radarr_get_queue", json!({})).await;
    assert_eq!(
        queue["totalRecords"],
        json!(30),
        "Radarr's own queue flag is accepted"
    );
    s.ok(
        "radarr_get_calendar",
        json!({"startDate": "2020-01-01", "endDate": "2030-12-31"}),
    )
    .await;
    s.ok("radarr_get_profiles", json!({})).await;

    let added = s
        .ok(
            "radarr_add_movie",
            json!({"tmdbId": 800002, "title": "Paper Moons"}),
        )
        .await;
    assert_eq!(added["movie"]["tmdbId"], json!(800002));
    assert_eq!(
        stack.radarr.state.posted().last().unwrap()["minimumAvailability"],
        json!("released")
    );
    let again = s
        .err(
            "radarr_add_movie",
            json!({"tmdbId": 800002, "title": "Paper Moons"}),
        )
        .await;
    assert!(again.contains("already in Radarr"), "{again}");
    s.ok("radarr_trigger_search", json!({"movieId": 4})).await;
    assert_eq!(
        stack.radarr.state.posted().last().cloned().unwrap(),
        json!({"name": "MoviesSearch", "movieIds": [4]})
    );

    let status = s.ok("arr_get_status", json!({})).await;
    assert_eq!(status["services"]["sonarr"]["available"], json!(true));
    assert_eq!(status["services"]["radarr"]["appName"], json!("Radarr"));
    s.close().await;
}

#[tokio::test]
async fn missing_keys_answer_a_setup_message() {
    let stack = stack(Scale::DEMO, 64).await;
    // Named toolsets are listed even unconfigured (by default they are hidden: tests/toolsets.rs).
    let s = connect(
        &stack,
        &[
            ("SONARR_API_KEY", ""),
            ("RADARR_API_KEY", ""),
            (
                "PLEX_MCP_TOOLSETS",
                "browse,analytics,playlists,collections,server,playback,metadata,watchlist,sonarr,radarr,trakt",
            ),
        ],
    )
    .await;
    assert_eq!(s.tools().await.len(), TOOLS.len(), "the tools still list");
    let msg = s.err("sonarr_get_series", json!({})).await;
    assert!(
        msg.contains("SONARR_API_KEY") && msg.contains("Settings → General → API Key"),
        "{msg}"
    );
    let msg = s.err("radarr_get_queue", json!({})).await;
    assert!(msg.contains("RADARR_API_KEY"), "{msg}");
    let status = s.ok("arr_get_status", json!({})).await;
    assert_eq!(status["services"]["sonarr"]["available"], json!(false));
    assert!(
        status["services"]["radarr"]["error"]
            .as_str()
            .unwrap()
            .contains("RADARR_API_KEY")
    );
    s.close().await;
}

#[tokio::test]
async fn arr_failures_are_clear_and_keys_never_leak() {
    let stack = stack(Scale::DEMO, 65).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let s = connect(&stack, &[("RADARR_URL", &closed)]).await;
    let mut seen = String::new();

    let msg = s.err("radarr_get_movies", json!({})).await;
    assert!(
        msg.contains("Cannot connect to Radarr")
            && msg.contains(&closed)
            && msg.contains("running"),
        "{msg}"
    );
    seen.push_str(&msg);
    let status = s.ok("arr_get_status", json!({})).await;
    assert_eq!(status["services"]["radarr"]["available"], json!(false));
    assert_eq!(status["services"]["sonarr"]["available"], json!(true));
    seen.push_str(&status.to_string());

    stack
        .control
        .inject("/api/v3/series", Fault::Status(401), 1);
    let msg = s.err("sonarr_get_series", json!({})).await;
    assert!(
        msg.contains("401") && msg.contains("Settings → General → API Key"),
        "{msg}"
    );
    seen.push_str(&msg);
    stack
        .control
        .inject("/api/v3/qualityprofile", Fault::Status(500), 1);
    let msg = s.err("sonarr_get_profiles", json!({})).await;
    assert!(msg.contains("Sonarr failed with HTTP 500"), "{msg}");
    stack
        .control
        .inject("/api/v3/calendar", Fault::Malformed, 1);
    let msg = s.err("sonarr_get_calendar", json!({})).await;
    assert!(msg.contains("not the expected JSON"), "{msg}");
    seen.push_str(&s.ok("sonarr_get_series", json!({})).await.to_string());
    let log = s.close().await;

    let s = connect(&stack, &[("SONARR_API_KEY", "wrong-key")]).await;
    let msg = s.err("sonarr_get_queue", json!({})).await;
    assert!(
        msg.contains("Sonarr rejected the credentials (HTTP 401)")
            && msg.contains("SONARR_API_KEY"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-key"));
    s.close().await;
    for key in [&stack.sonarr.api_key, &stack.radarr.api_key] {
        assert!(!seen.contains(key.as_str()), "key in a result");
        assert!(!log.contains(key.as_str()), "key in the log");
    }
}
