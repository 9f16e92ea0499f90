//! Every browse tool end to end: the real binary over stdio, rmcp's client, the fake Plex stack.
//! Expected values are computed here from the fake's generated data.

mod common;

use std::collections::HashMap;

use common::*;
use plex_mcp::fake::{Scale, data::FakeItem};
use serde_json::{Value, json};

fn keys(v: &Value, list: &str) -> Vec<String> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is an array"))
        .iter()
        .map(|i| i["ratingKey"].as_str().unwrap().to_string())
        .collect()
}

fn section_items<'a>(items: &'a [FakeItem], section: u32, kind: &str) -> Vec<&'a FakeItem> {
    items
        .iter()
        .filter(|i| i.library_section_id == section && i.kind == kind)
        .collect()
}

#[tokio::test]
async fn lists_every_tool_with_full_definitions() {
    let stack = stack(Scale::DEMO, 1).await;
    let s = connect(&stack, &[]).await;
    let tools = s.tools().await;
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(names, TOOLS);
    for t in &tools {
        let ann = t
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{} has annotations", t.name));
        assert!(
            ann.title.as_deref().is_some_and(|s| !s.is_empty()),
            "{} title",
            t.name
        );
        // (readOnly, idempotent) of every tool that is not a plain read.
        let writes = [
            ("export_library", false),
            ("sonarr_add_series", false),
            ("sonarr_trigger_search", false),
            ("radarr_add_movie", false),
            ("radarr_trigger_search", false),
            ("trakt_authenticate", false),
            ("trakt_complete_auth", false),
            ("trakt_sync_to_trakt", true),
            ("trakt_sync_from_trakt", true),
            ("trakt_start_scrobbling", true),
        ];
        let write = writes.iter().find(|(n, _)| *n == t.name.as_ref());
        assert_eq!(
            ann.read_only_hint,
            Some(write.is_none()),
            "{} readOnlyHint",
            t.name
        );
        if write.is_none() {
            // MCP gives these meaning only for tools that write; a read pays nothing for them.
            assert_eq!(ann.destructive_hint, None, "{}", t.name);
            assert_eq!(ann.idempotent_hint, None, "{}", t.name);
        } else {
            // Only a new sign-in replaces something (the stored tokens).
            assert_eq!(
                ann.destructive_hint,
                Some(t.name == "trakt_complete_auth"),
                "{} destructiveHint",
                t.name
            );
            assert_eq!(
                ann.idempotent_hint,
                write.map(|(_, idempotent)| *idempotent),
                "{} idempotentHint",
                t.name
            );
        }
        // Only the sync status is answered from local state alone.
        assert_eq!(
            ann.open_world_hint,
            Some(t.name != "trakt_get_sync_status"),
            "{} openWorldHint",
            t.name
        );
        assert!(
            t.description.as_deref().is_some_and(|d| d.len() > 80),
            "{} description",
            t.name
        );
        assert!(t.output_schema.is_some(), "{} output schema", t.name);
        assert_eq!(t.input_schema.get("type"), Some(&json!("object")));
        // Unknown arguments are refused without saying so in every schema (schema_walk checks).
        assert_eq!(
            t.input_schema.get("additionalProperties"),
            None,
            "{}",
            t.name
        );
    }
    let items = tools
        .iter()
        .find(|t| t.name == "get_library_items")
        .unwrap();
    let props = &items.input_schema["properties"];
    assert!(
        props["limit"]["type"].to_string().contains("integer"),
        "limit is an integer: {}",
        props["limit"]
    );
    assert!(
        props["type"].to_string().contains("movie"),
        "type is an enum: {}",
        props["type"]
    );
    s.close().await;
}

#[tokio::test]
async fn stdio_serves_the_stateless_2026_lifecycle_too() {
    let stack = stack(Scale::DEMO, 13).await;
    let s = connect_with(
        &stack,
        &[],
        rmcp::ClientLifecycleMode::Discover {
            preferred_versions: vec![rmcp::model::ProtocolVersion::V_2026_07_28],
        },
    )
    .await;
    assert_eq!(s.tools().await.len(), TOOLS.len());
    let out = s.ok("get_playlists", json!({})).await;
    assert_eq!(
        out["playlists"].as_array().unwrap().len(),
        stack.data.playlists.len()
    );
    s.close().await;
}

#[tokio::test]
async fn libraries_with_counts() {
    let stack = stack(Scale::DEMO, 2).await;
    let s = connect(&stack, &[]).await;
    let out = s.ok("get_libraries", json!({})).await;
    let libs = out["libraries"].as_array().unwrap();
    assert_eq!(libs.len(), stack.data.sections.len());
    for (lib, section) in libs.iter().zip(&stack.data.sections) {
        assert_eq!(lib["key"], json!(section.key.to_string()));
        assert_eq!(lib["title"], json!(section.title));
        assert_eq!(lib["type"], json!(section.kind));
        let count = section_items(&stack.data.items, section.key, section.kind).len();
        assert_eq!(lib["count"], json!(count), "{}", section.title);
    }
    s.close().await;
}

#[tokio::test]
async fn library_items_page_through_a_large_library() {
    let stack = stack(MEDIUM, 3).await;
    let s = connect(&stack, &[]).await;
    let movies = section_items(&stack.data.items, 1, "movie");
    assert!(movies.len() > 2 * plex_mcp::PAGE_SIZE);
    stack.control.clear_requests();
    let out = s
        .ok(
            "get_library_items",
            json!({"libraryKey": "1", "limit": 100000}),
        )
        .await;
    assert_eq!(out["totalSize"], json!(movies.len()));
    assert_eq!(out["returned"], json!(movies.len()));
    let expected: Vec<String> = movies.iter().map(|m| m.rating_key.clone()).collect();
    assert_eq!(
        keys(&out, "items"),
        expected,
        "every movie, in Plex's order"
    );
    // Every page once. The first PAGE_CONCURRENCY pages go out together, before the total is
    // known, so those of them past the end are asked for too; nothing after them is.
    let starts = page_starts(&stack, "GET /library/sections/1/all");
    let needed: Vec<usize> = (0..movies.len()).step_by(plex_mcp::PAGE_SIZE).collect();
    let first_wave: Vec<usize> = (0..plex_mcp::PAGE_CONCURRENCY)
        .map(|i| i * plex_mcp::PAGE_SIZE)
        .collect();
    let mut expected_starts = needed.clone();
    expected_starts.extend(first_wave.iter().filter(|s| !needed.contains(s)));
    assert_eq!(starts, expected_starts);
    // Rows are read for their attributes: files, tags and the Guid array stay on the server.
    assert!(stack.control.requests().iter().all(|r| {
        !r.starts_with("GET /library/sections/1/all")
            || (r.contains("excludeElements=Media%2CGenre") && !r.contains("includeGuids"))
    }));

    // A window that straddles a page boundary.
    let out = s
        .ok(
            "get_library_items",
            json!({"libraryKey": "1", "offset": 990, "limit": 25}),
        )
        .await;
    assert_eq!(keys(&out, "items"), expected[990..1015].to_vec());
    s.close().await;
}

#[tokio::test]
async fn library_items_sort_type_and_offset_past_the_end() {
    let stack = stack(Scale::DEMO, 4).await;
    let s = connect(&stack, &[]).await;
    let out = s
        .ok(
            "get_library_items",
            json!({"libraryKey": "1", "sort": "titleSort:desc", "limit": 10}),
        )
        .await;
    let mut titles: Vec<&FakeItem> = section_items(&stack.data.items, 1, "movie");
    titles.sort_by(|a, b| {
        b.title_sort
            .to_lowercase()
            .cmp(&a.title_sort.to_lowercase())
    });
    let expected: Vec<String> = titles
        .iter()
        .take(10)
        .map(|m| m.rating_key.clone())
        .collect();
    assert_eq!(keys(&out, "items"), expected);

    let out = s
        .ok(
            "get_library_items",
            json!({"libraryKey": "2", "type": "episode", "limit": 1000}),
        )
        .await;
    let episodes = section_items(&stack.data.items, 2, "episode");
    assert_eq!(out["totalSize"], json!(episodes.len()));
    assert!(
        out["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["type"] == "episode")
    );

    let out = s
        .ok(
            "get_library_items",
            json!({"libraryKey": "1", "offset": 5000}),
        )
        .await;
    assert_eq!(out["returned"], json!(0));
    assert!(
        out["warning"]
            .as_str()
            .unwrap()
            .contains("exceeds total size")
    );
    s.close().await;
}

#[tokio::test]
async fn search_finds_titles_everywhere_or_in_one_library() {
    let stack = stack(Scale::DEMO, 5).await;
    let s = connect(&stack, &[]).await;
    let matching: Vec<&FakeItem> = stack
        .data
        .items
        .iter()
        .filter(|i| matches!(i.kind, "movie" | "show" | "episode"))
        .filter(|i| i.title.to_lowercase().contains("night"))
        .collect();
    assert!(!matching.is_empty());
    let out = s.ok("search_media", json!({"query": "night"})).await;
    assert_eq!(out["totalSize"], json!(matching.len()));
    let expected: Vec<String> = matching.iter().map(|i| i.rating_key.clone()).collect();
    assert_eq!(keys(&out, "results"), expected);
    for r in out["results"].as_array().unwrap() {
        assert!(r.get("thumb").is_none());
        assert!(
            r["summary"]
                .as_str()
                .is_none_or(|s| s.chars().count() <= 503)
        );
    }
    let out = s
        .ok(
            "search_media",
            json!({"query": "Night\u{0}", "libraryKey": "1", "type": "movie", "limit": 2}),
        )
        .await;
    assert_eq!(out["query"], json!("Night"));
    assert_eq!(out["libraryKey"], json!("1"));
    assert!(out["results"].as_array().unwrap().len() <= 2);
    assert!(
        out["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["type"] == "movie")
    );
    s.close().await;
}

#[tokio::test]
async fn recently_added_and_on_deck() {
    let stack = stack(Scale::DEMO, 6).await;
    let s = connect(&stack, &[]).await;
    let mut added: Vec<&FakeItem> = stack
        .data
        .items
        .iter()
        .filter(|i| matches!(i.kind, "movie" | "episode"))
        .collect();
    added.sort_by_key(|i| std::cmp::Reverse(i.added_at));
    let out = s.ok("get_recently_added", json!({"limit": 7})).await;
    let expected: Vec<String> = added.iter().take(7).map(|i| i.rating_key.clone()).collect();
    assert_eq!(keys(&out, "recentlyAdded"), expected);

    let out = s.ok("get_on_deck", json!({})).await;
    let deck: Vec<&FakeItem> = stack
        .data
        .on_deck
        .iter()
        .map(|&i| &stack.data.items[i])
        .collect();
    assert_eq!(
        keys(&out, "onDeck"),
        deck.iter()
            .map(|i| i.rating_key.clone())
            .collect::<Vec<_>>()
    );
    for (row, item) in out["onDeck"].as_array().unwrap().iter().zip(&deck) {
        assert!(row.get("summary").is_none());
        let pct =
            (item.view_offset.unwrap() as f64 / item.duration.unwrap() as f64 * 100.0).round();
        assert_eq!(row["progress"], json!(pct as u64));
    }
    s.close().await;
}

#[tokio::test]
async fn media_details_carry_the_full_record() {
    let stack = stack(Scale::DEMO, 7).await;
    let s = connect(&stack, &[]).await;
    let movie = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "movie" && i.genres.len() > 2 && i.summary.len() > 600)
        .or_else(|| {
            stack
                .data
                .items
                .iter()
                .find(|i| i.kind == "movie" && i.genres.len() > 2)
        })
        .expect("a movie with several genres");
    let out = s
        .ok("get_media_details", json!({"ratingKey": movie.rating_key}))
        .await;
    let d = &out["details"];
    assert_eq!(d["title"], json!(movie.title));
    assert_eq!(
        d["summary"],
        json!(movie.summary),
        "summary is not truncated"
    );
    let tags =
        |v: &[plex_mcp::fake::data::Tag]| v.iter().map(|t| t.tag.clone()).collect::<Vec<_>>();
    assert_eq!(
        d["genres"],
        json!(tags(&movie.genres)),
        "all genres, not the list view's first two"
    );
    assert_eq!(d["actors"], json!(tags(&movie.roles)));
    assert_eq!(d["directors"], json!(tags(&movie.directors)));
    assert_eq!(d["studios"], json!([movie.studio.as_deref().unwrap()]));
    let imdb = movie.guids[0].id.trim_start_matches("imdb://");
    assert_eq!(d["externalIds"]["imdb"], json!(imdb));

    let fields = s
        .ok(
            "get_editable_fields",
            json!({"ratingKey": movie.rating_key}),
        )
        .await;
    assert_eq!(
        fields["availableTags"]["genres"],
        json!(tags(&movie.genres))
    );
    assert!(
        fields["editableTags"]
            .as_array()
            .unwrap()
            .contains(&json!("genres"))
    );
    assert_eq!(fields["librarySectionID"], json!("1"));
    assert!(
        fields["editableFields"]
            .as_array()
            .unwrap()
            .contains(&json!("title"))
    );

    let episode = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "episode")
        .unwrap();
    let out = s
        .ok(
            "get_media_details",
            json!({"ratingKey": episode.rating_key}),
        )
        .await;
    assert_eq!(out["details"]["show"], json!(episode.grandparent_title));
    assert_eq!(out["details"]["season"], json!(episode.parent_index));
    assert_eq!(out["details"]["episode"], json!(episode.index));
    s.close().await;
}

#[tokio::test]
async fn playlists_and_their_items_across_pages() {
    let stack = stack(MEDIUM, 8).await;
    let s = connect(&stack, &[]).await;
    let out = s.ok("get_playlists", json!({})).await;
    let lists = out["playlists"].as_array().unwrap();
    assert_eq!(lists.len(), stack.data.playlists.len());
    for (row, p) in lists.iter().zip(&stack.data.playlists) {
        assert_eq!(row["ratingKey"], json!(p.rating_key));
        assert_eq!(row["leafCount"], json!(p.entries.len()));
        assert_eq!(row["smart"], json!(p.smart));
    }
    let big = &stack.data.playlists[0];
    assert!(big.entries.len() > plex_mcp::PAGE_SIZE);
    let out = s
        .ok(
            "get_playlist_items",
            json!({"playlistId": big.rating_key, "limit": 100000}),
        )
        .await;
    assert_eq!(out["totalSize"], json!(big.entries.len()));
    let got: Vec<String> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["playlistItemID"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = big.entries.iter().map(|(id, _)| id.to_string()).collect();
    assert_eq!(got, expected);
    let out = s
        .ok("get_playlist_items", json!({"playlistId": big.rating_key}))
        .await;
    assert_eq!(out["returned"], json!(30), "a conversation-sized page");
    assert_eq!(
        out["more"],
        json!(format!(
            "{} more; call again with offset 30",
            big.entries.len() - 30
        ))
    );
    s.close().await;
}

#[tokio::test]
async fn watchlist_comes_from_discover_only() {
    let stack = stack(Scale::DEMO, 9).await;
    let s = connect(&stack, &[]).await;
    stack.control.clear_requests();
    let out = s.ok("get_watchlist", json!({})).await;
    let rows = out["watchlist"].as_array().unwrap();
    assert_eq!(rows.len(), stack.data.watchlist.len());
    for (row, w) in rows.iter().zip(&stack.data.watchlist) {
        assert_eq!(row["guid"], json!(w.guid));
        assert_eq!(row["addedAt"], at(w.watchlisted_at));
    }
    let requests = stack.control.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.starts_with("GET /library/sections/watchlist/all")),
        "{requests:?}"
    );
    assert!(
        requests[0].contains("includeCollections=1")
            && requests[0].contains("includeExternalMedia=1")
    );
    s.close().await;
}

#[tokio::test]
async fn watch_history_is_joined_with_names_devices_and_metadata() {
    let stack = stack(MEDIUM, 10).await;
    let s = connect(&stack, &[]).await;
    let data = &stack.data;
    let accounts: HashMap<u32, &str> = data
        .accounts
        .iter()
        .map(|a| (a.id, a.name.as_str()))
        .collect();
    let out = s.ok("get_watch_history", json!({"limit": 1500})).await;
    let rows = out["watchHistory"].as_array().unwrap();
    assert_eq!(rows.len(), 1500);
    assert_eq!(out["totalSessions"], json!(1500));
    for (row, play) in rows.iter().zip(&data.history) {
        let item = &data.items[play.item];
        let device = data.device(play.device_id).unwrap();
        assert_eq!(row["ratingKey"], json!(item.rating_key));
        assert_eq!(row["viewedAt"], at(play.viewed_at));
        assert_eq!(row["user"], json!(accounts[&play.account_id]));
        assert_eq!(row["device"], json!(device.name));
        assert_eq!(row["platform"], json!(device.platform));
        assert_eq!(
            row["durationMinutes"],
            json!(item.duration.map(|ms| (ms + 30_000) / 60_000))
        );
        assert_eq!(row["year"], json!(item.year));
        assert_eq!(row["library"], json!(item.library_section_title));
    }
    let metadata_requests = stack
        .control
        .requests()
        .iter()
        .filter(|r| r.starts_with("GET /library/metadata/"))
        .count();
    let distinct: std::collections::HashSet<usize> =
        data.history[..1500].iter().map(|p| p.item).collect();
    assert_eq!(
        metadata_requests,
        distinct.len().div_ceil(plex_mcp::METADATA_BATCH),
        "batched metadata"
    );

    let user = data.accounts[1].id;
    let out = s
        .ok(
            "get_watch_history",
            json!({"limit": 40, "userId": user.to_string(), "mediaType": "movie"}),
        )
        .await;
    let expected: Vec<String> = data
        .history
        .iter()
        .filter(|p| p.account_id == user && data.items[p.item].kind == "movie")
        .take(40)
        .map(|p| data.items[p.item].rating_key.clone())
        .collect();
    assert_eq!(keys(&out, "watchHistory"), expected);

    let out = s
        .ok("get_recently_watched", json!({"mediaType": "show"}))
        .await;
    let expected: Vec<String> = data
        .history
        .iter()
        .filter(|p| data.items[p.item].kind == "episode")
        .take(30)
        .map(|p| data.items[p.item].rating_key.clone())
        .collect();
    assert_eq!(keys(&out, "recentlyWatched"), expected);
    assert!(
        out["more"]
            .as_str()
            .unwrap()
            .starts_with("more plays may match"),
        "{}",
        out["more"]
    );
    assert!(out["recentlyWatched"][0]["show"].is_string());
    s.close().await;
}

#[tokio::test]
async fn active_sessions_describe_the_player() {
    let stack = stack(Scale::DEMO, 11).await;
    let s = connect(&stack, &[]).await;
    let out = s.ok("get_active_sessions", json!({})).await;
    assert_eq!(out["sessionCount"], json!(1));
    let session = &out["activeSessions"][0];
    let live = &stack.data.sessions[0];
    let item = &stack.data.items[live.item];
    assert_eq!(session["ratingKey"], json!(item.rating_key));
    assert_eq!(
        session["user"],
        json!(stack.data.account(live.account_id).unwrap().name)
    );
    assert_eq!(session["player"]["state"], json!("playing"));
    assert_eq!(session["transcode"]["videoDecision"], json!("transcode"));
    // A transcoding session describes what the player gets; the source shows in the reasons.
    assert_eq!(session["media"]["videoCodec"], json!("h264"));
    assert!(
        session["transcode"]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("HEVC"),
        "{session}"
    );
    assert_eq!(session["session"]["location"], json!("lan"));
    s.close().await;
}

#[tokio::test]
async fn export_streams_the_library_to_a_file() {
    let stack = stack(MEDIUM, 12).await;
    let s = connect(&stack, &[]).await;
    let out = s
        .ok(
            "export_library",
            json!({"libraryKey": "1", "outputPath": "nested/movies.json", "pageSize": 700}),
        )
        .await;
    let movies = section_items(&stack.data.items, 1, "movie");
    assert_eq!(out["totalExported"], json!(movies.len()));
    assert_eq!(out["totalSize"], json!(movies.len()));
    let path = out["outputPath"].as_str().unwrap();
    assert!(path.ends_with("data/exports/nested/movies.json"), "{path}");
    let body = std::fs::read_to_string(path).unwrap();
    assert!(body.starts_with("[\n") && body.ends_with("\n]\n"));
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), movies.len());
    assert_eq!(rows[1234]["ratingKey"], json!(movies[1234].rating_key));
    assert!(
        body.starts_with("[\n{\"ratingKey\":"),
        "reference key order"
    );
    let again = s
        .err(
            "export_library",
            json!({"libraryKey": "1", "outputPath": "nested/movies.json"}),
        )
        .await;
    assert!(again.contains("already exists"), "{again}");
    let default = s.ok("export_library", json!({"libraryKey": "3"})).await;
    assert!(
        default["outputPath"]
            .as_str()
            .unwrap()
            .contains("library_3_")
    );
    s.close().await;
}

#[tokio::test]
async fn compressed_answers_are_asked_for_beyond_the_lan_or_when_set() {
    let stack = stack(MEDIUM, 16).await;
    stack.control.gzip(true);
    let args = json!({"libraryKey": "1", "limit": 100000});
    // The fake listens on 127.0.0.1: by default nothing is asked compressed.
    let plain = connect(&stack, &[]).await;
    let listed = plain.ok("get_library_items", args.clone()).await;
    plain.close().await;
    assert_eq!(stack.control.gzipped(), 0);
    let movies = section_items(&stack.data.items, 1, "movie");
    assert_eq!(listed["returned"], json!(movies.len()));

    let packed = connect(&stack, &[("PLEX_MCP_COMPRESSION", "on")]).await;
    let again = packed.ok("get_library_items", args).await;
    let stats = packed
        .ok("get_watch_stats", json!({"timeRange": 3650}))
        .await;
    packed.close().await;
    assert!(
        stack.control.gzipped() >= movies.len() / plex_mcp::PAGE_SIZE,
        "{} answers compressed",
        stack.control.gzipped()
    );
    assert_eq!(again, listed, "the same answer, decoded");
    assert_eq!(stats["totalPlays"], json!(stack.data.history.len()));
}

#[tokio::test]
async fn servers_that_cap_their_page_size_are_read_without_gaps() {
    let stack = stack(MEDIUM, 15).await;
    stack.control.cap_pages(Some(300));
    let s = connect(&stack, &[]).await;
    let movies = section_items(&stack.data.items, 1, "movie");
    for limit in [100000, movies.len() - 5] {
        let listed = s
            .ok(
                "get_library_items",
                json!({"libraryKey": "1", "limit": limit}),
            )
            .await;
        let expected: Vec<String> = movies
            .iter()
            .take(limit)
            .map(|m| m.rating_key.clone())
            .collect();
        assert_eq!(
            keys(&listed, "items"),
            expected,
            "limit {limit}: every movie once, in order"
        );
    }
    let stats = s.ok("get_library_stats", json!({})).await;
    assert_eq!(
        stats["libraries"][0]["items"],
        json!(movies.len()),
        "{stats}"
    );
    s.close().await;
}

#[tokio::test]
async fn servers_without_total_size_are_still_read_to_the_end() {
    let stack = stack(MEDIUM, 14).await;
    stack.control.omit_totals(true);
    let s = connect(&stack, &[]).await;
    let movies = section_items(&stack.data.items, 1, "movie");
    let listed = s
        .ok(
            "get_library_items",
            json!({"libraryKey": "1", "limit": 100000}),
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), movies.len());
    let exported = s
        .ok(
            "export_library",
            json!({"libraryKey": "1", "outputPath": "all.json", "pageSize": 700}),
        )
        .await;
    assert_eq!(
        exported["totalExported"],
        json!(movies.len()),
        "not just the first page"
    );
    let rows: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(exported["outputPath"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(rows.len(), movies.len());
    let stats = s.ok("get_watch_stats", json!({"timeRange": 3650})).await;
    assert_eq!(
        stats["totalPlays"],
        json!(stack.data.history.len()),
        "{stats}"
    );
    let requests = stack.control.requests();
    assert!(
        requests
            .iter()
            .filter(|r| r.contains("/library/sections/1/all"))
            .count()
            >= 4,
        "read page by page"
    );
    s.close().await;
}
