//! The opt-in Plex write tools: off unless enabled, idempotent where they say so, destructive ones
//! only after confirm: true — all checked against the fake's live state.

mod common;

use common::*;
use plex_mcp::fake::{Dataset, FakeStack, Fault, Scale};
use serde_json::json;

const WRITES: [&str; 22] = [
    "add_to_collection",
    "add_to_playlist",
    "add_to_watchlist",
    "clear_playlist",
    "control_playback",
    "create_collection",
    "create_playlist",
    "delete_collection",
    "delete_playlist",
    "empty_trash",
    "mark_unwatched",
    "mark_watched",
    "play_media",
    "rate_media",
    "refresh_metadata",
    "remove_from_collection",
    "remove_from_playlist",
    "remove_from_watchlist",
    "scan_library",
    "stop_stream",
    "update_metadata",
    "update_metadata_from_json",
];

fn live(stack: &FakeStack) -> std::sync::RwLockReadGuard<'_, Dataset> {
    stack.live.read().unwrap()
}

#[tokio::test]
async fn writes_are_off_unless_enabled() {
    let stack = stack(Scale::DEMO, 71).await;
    let s = connect(&stack, &[]).await;
    let tools = s.tools().await;
    assert!(
        tools.iter().all(|t| !WRITES.contains(&t.name.as_ref())),
        "no write tool is listed"
    );
    let msg = s.err("mark_watched", json!({"ratingKey": "1002"})).await;
    assert!(msg.contains("PLEX_ENABLE_MUTATIVE_OPS=true"), "{msg}");
    assert!(live(&stack).items.iter().all(|i| i.view_count
        == stack.data.items[stack.data.item_index(&i.rating_key).unwrap()].view_count));
    s.close().await;

    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "True")]).await;
    assert!(
        s.tools()
            .await
            .iter()
            .all(|t| !WRITES.contains(&t.name.as_ref())),
        "only exactly \"true\" enables"
    );
    s.close().await;

    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let names: Vec<String> = s.tools().await.iter().map(|t| t.name.to_string()).collect();
    assert!(WRITES.iter().all(|w| names.iter().any(|n| n == w)));
    s.close().await;

    let dir = temp_dir("readonly");
    let out = command(&stack, &dir, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")])
        .args(["--read-only", "tools"])
        .output()
        .await
        .unwrap();
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    assert!(listed.iter().any(|n| n == "get_libraries"), "{listed:?}");
    assert!(
        WRITES.iter().all(|w| !listed.iter().any(|n| n == w)),
        "--read-only wins"
    );
}

#[tokio::test]
async fn watch_state_and_ratings_are_idempotent() {
    let stack = stack(Scale::DEMO, 72).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let movie = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "movie" && i.view_count.is_none() && i.view_offset.is_none())
        .unwrap();
    let key = movie.rating_key.clone();
    let view_count = |stack: &FakeStack| live(stack).item_by_key(&key).unwrap().view_count;

    let out = s.ok("mark_watched", json!({"ratingKey": key})).await;
    assert_eq!(out["updated"], json!(true));
    assert_eq!(view_count(&stack), Some(1));
    let again = s.ok("mark_watched", json!({"ratingKey": key})).await;
    assert_eq!(again["updated"], json!(false), "already watched");
    assert_eq!(view_count(&stack), Some(1), "a repeat changes nothing");
    s.ok("mark_unwatched", json!({"ratingKey": key})).await;
    assert_eq!(view_count(&stack), None);
    assert_eq!(
        s.ok("mark_unwatched", json!({"ratingKey": key})).await["updated"],
        json!(false)
    );

    let show = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "show" && i.viewed_leaf_count != i.leaf_count)
        .unwrap();
    s.ok("mark_watched", json!({"ratingKey": show.rating_key}))
        .await;
    {
        let data = live(&stack);
        let episodes: Vec<_> = data
            .items
            .iter()
            .filter(|i| i.grandparent_rating_key.as_deref() == Some(show.rating_key.as_str()))
            .collect();
        assert!(
            episodes.iter().all(|e| e.view_count.is_some()),
            "every episode of the show"
        );
        assert_eq!(
            data.item_by_key(&show.rating_key)
                .unwrap()
                .viewed_leaf_count,
            show.leaf_count
        );
    }

    let rated = s
        .ok("rate_media", json!({"ratingKey": key, "rating": 8.5}))
        .await;
    assert!(rated.get("previousRating").is_none());
    assert_eq!(
        live(&stack).item_by_key(&key).unwrap().user_rating,
        Some(8.5)
    );
    let rerated = s
        .ok("rate_media", json!({"ratingKey": key, "rating": 8.5}))
        .await;
    assert_eq!(rerated["previousRating"], json!(8.5));
    for bad in [json!(10.1), json!(-0.1)] {
        let msg = s
            .err("rate_media", json!({"ratingKey": key, "rating": bad}))
            .await;
        assert!(
            msg.contains("rating") && msg.contains("between 0 and 10"),
            "{msg}"
        );
    }
    let msg = s
        .err("mark_watched", json!({"ratingKey": "99999999"}))
        .await;
    assert!(msg.contains("No Plex item"), "{msg}");

    // A failing write reports the failure and changes nothing.
    let unwatched = stack
        .data
        .items
        .iter()
        .rev()
        .find(|i| i.kind == "movie" && i.view_count.is_none())
        .unwrap();
    stack.control.inject("/:/scrobble", Fault::Status(500), 1);
    let msg = s
        .err("mark_watched", json!({"ratingKey": unwatched.rating_key}))
        .await;
    assert!(msg.contains("500"), "{msg}");
    assert_eq!(
        live(&stack)
            .item_by_key(&unwatched.rating_key)
            .unwrap()
            .view_count,
        None
    );
    s.close().await;
}

#[tokio::test]
async fn playlist_removals_need_confirmation_and_touch_nothing_else() {
    let stack = stack(Scale::DEMO, 73).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let [first, second, third] = [0, 1, 2].map(|i| stack.data.playlists[i].clone());
    let entries = |id: &str| {
        live(&stack)
            .playlists
            .iter()
            .find(|p| p.rating_key == id)
            .map(|p| p.entries.clone())
    };

    let (entry, _) = first.entries[3];
    let out = s
        .ok(
            "remove_from_playlist",
            json!({"playlistId": first.rating_key, "playlistItemId": entry.to_string()}),
        )
        .await;
    assert_eq!(out["removed"], json!(true));
    let now = entries(&first.rating_key).unwrap();
    assert_eq!(now.len(), first.entries.len() - 1);
    assert!(now.iter().all(|(e, _)| *e != entry));
    let again = s
        .ok(
            "remove_from_playlist",
            json!({"playlistId": first.rating_key, "playlistItemId": entry.to_string()}),
        )
        .await;
    assert_eq!(again["removed"], json!(false), "a repeat is harmless");
    assert_eq!(
        entries(&first.rating_key).unwrap().len(),
        first.entries.len() - 1
    );

    let preview = s
        .ok("clear_playlist", json!({"playlistId": second.rating_key}))
        .await;
    assert_eq!(preview["preview"], json!(true));
    assert_eq!(preview["itemCount"], json!(second.entries.len()));
    assert_eq!(
        entries(&second.rating_key).unwrap().len(),
        second.entries.len(),
        "a preview changes nothing"
    );
    let cleared = s
        .ok(
            "clear_playlist",
            json!({"playlistId": second.rating_key, "confirm": true}),
        )
        .await;
    assert_eq!(cleared["done"], json!(true));
    assert!(entries(&second.rating_key).unwrap().is_empty());

    let preview = s
        .ok(
            "delete_playlist",
            json!({"playlistId": third.rating_key, "confirm": false}),
        )
        .await;
    assert_eq!(preview["preview"], json!(true));
    assert!(entries(&third.rating_key).is_some());
    s.ok(
        "delete_playlist",
        json!({"playlistId": third.rating_key, "confirm": true}),
    )
    .await;
    assert!(entries(&third.rating_key).is_none());
    let msg = s
        .err(
            "delete_playlist",
            json!({"playlistId": third.rating_key, "confirm": true}),
        )
        .await;
    assert!(msg.contains("No playlist has id"), "{msg}");

    assert_eq!(
        entries(&first.rating_key).unwrap().len(),
        first.entries.len() - 1,
        "other playlists untouched"
    );
    assert_eq!(live(&stack).playlists.len(), 2);
    s.close().await;
}

/// A client that can elicit and answers every confirmation with `yes`.
#[derive(Clone)]
struct Answering {
    yes: bool,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl rmcp::ClientHandler for Answering {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        let mut info = rmcp::model::ClientConfig::default();
        info.capabilities = rmcp::model::ClientCapabilities::builder()
            .enable_elicitation()
            .build();
        info
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<rmcp::RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        if let rmcp::model::ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        use rmcp::model::{ElicitResult, ElicitationAction};
        Ok(if self.yes {
            ElicitResult::new(ElicitationAction::Accept).with_content(json!({"confirm": true}))
        } else {
            ElicitResult::new(ElicitationAction::Decline)
        })
    }
}

#[tokio::test]
async fn clients_that_can_elicit_are_asked() {
    use rmcp::ServiceExt;
    let stack = stack(Scale::DEMO, 74).await;
    for yes in [false, true] {
        let dir = temp_dir("elicit");
        let mut cmd = command(&stack, &dir, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]);
        cmd.arg("serve").stderr(std::process::Stdio::null());
        let transport = rmcp::transport::TokioChildProcess::new(cmd).unwrap();
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let client = Answering {
            yes,
            asked: asked.clone(),
        }
        .serve(transport)
        .await
        .unwrap();
        let playlist = &stack.data.playlists[1];
        let serde_json::Value::Object(args) = json!({"playlistId": playlist.rating_key}) else {
            unreachable!()
        };
        let result = client
            .call_tool(
                rmcp::model::CallToolRequestParams::new("clear_playlist").with_arguments(args),
            )
            .await
            .unwrap();
        let out = result.structured_content.unwrap();
        let question = asked.lock().unwrap().clone();
        assert_eq!(question.len(), 1, "asked once");
        assert!(question[0].contains(&playlist.title), "{question:?}");
        let left = live(&stack)
            .playlists
            .iter()
            .find(|p| p.rating_key == playlist.rating_key)
            .unwrap()
            .entries
            .len();
        if yes {
            assert_eq!(out["done"], json!(true));
            assert_eq!(left, 0);
        } else {
            assert_eq!(out["declined"], json!(true));
            assert_eq!(
                left,
                playlist.entries.len(),
                "a declined change changes nothing"
            );
        }
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn playlists_are_created_and_extended_without_duplicates() {
    let stack = stack(Scale::DEMO, 75).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let movies: Vec<String> = stack
        .data
        .items
        .iter()
        .filter(|i| i.kind == "movie")
        .map(|i| i.rating_key.clone())
        .take(3)
        .collect();
    let out = s
        .ok("create_playlist", json!({"title": "Weekend", "type": "movie", "ratingKeys": [movies[0], movies[1], movies[0]]}))
        .await;
    assert_eq!(
        out["playlist"]["leafCount"],
        json!(2),
        "the duplicate key is dropped"
    );
    let id = out["playlist"]["ratingKey"].as_str().unwrap().to_string();
    let entries = |stack: &FakeStack| {
        live(stack)
            .playlists
            .iter()
            .find(|p| p.rating_key == id)
            .unwrap()
            .entries
            .len()
    };
    assert_eq!(entries(&stack), 2);

    let added = s
        .ok(
            "add_to_playlist",
            json!({"playlistId": id, "ratingKey": movies[2]}),
        )
        .await;
    assert_eq!(added["added"], json!(true));
    assert_eq!(entries(&stack), 3);
    stack.control.clear_requests();
    let again = s
        .ok(
            "add_to_playlist",
            json!({"playlistId": id, "ratingKey": movies[2]}),
        )
        .await;
    assert_eq!(again["added"], json!(false), "already there");
    assert_eq!(entries(&stack), 3, "no duplicate");
    assert!(
        stack
            .control
            .requests()
            .iter()
            .all(|r| !r.starts_with("PUT")),
        "nothing was sent"
    );

    let smart = s
        .ok(
            "create_playlist",
            json!({"title": "All movies", "type": "video", "smart": true, "librarySectionId": "1"}),
        )
        .await;
    let in_section = stack
        .data
        .items
        .iter()
        .filter(|i| i.library_section_id == 1 && i.kind == "movie")
        .count();
    assert_eq!(smart["playlist"]["leafCount"], json!(in_section));
    assert_eq!(smart["playlist"]["smart"], json!(true));

    for (args, needle) in [
        (
            json!({"title": "x", "type": "movie", "smart": true, "librarySectionId": "1", "ratingKeys": ["1001"]}),
            "mutually exclusive",
        ),
        (json!({"title": "x", "type": "movie"}), "ratingKeys"),
        (
            json!({"title": "x", "type": "movie", "smart": true}),
            "librarySectionId",
        ),
        (
            json!({"title": "x", "type": "movie", "ratingKeys": ["12a"]}),
            "ratingKeys",
        ),
        (
            json!({"title": " ", "type": "movie", "ratingKeys": ["1001"]}),
            "title",
        ),
    ] {
        let msg = s.err("create_playlist", args).await;
        assert!(msg.contains(needle), "{msg}");
    }
    assert_eq!(
        live(&stack).playlists.len(),
        stack.data.playlists.len() + 2,
        "failed calls created nothing"
    );
    s.close().await;
}

#[tokio::test]
async fn watchlist_changes_go_through_discover() {
    let stack = stack(Scale::DEMO, 76).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let movie = stack.data.items.iter().find(|i| i.kind == "movie").unwrap();
    let on_list = |stack: &FakeStack| live(stack).watchlist.iter().any(|w| w.guid == movie.guid);

    let out = s
        .ok("add_to_watchlist", json!({"ratingKey": movie.rating_key}))
        .await;
    assert_eq!(out["updated"], json!(true));
    assert_eq!(out["plexGuid"], json!(movie.guid));
    assert!(on_list(&stack));
    assert_eq!(
        s.ok("add_to_watchlist", json!({"ratingKey": movie.rating_key}))
            .await["updated"],
        json!(false)
    );

    let listed = s.ok("get_watchlist", json!({})).await;
    assert_eq!(listed["watchlist"][0]["guid"], json!(movie.guid));

    let out = s
        .ok("remove_from_watchlist", json!({"plexGuid": movie.guid}))
        .await;
    assert_eq!(out["updated"], json!(true));
    assert!(!on_list(&stack));
    assert_eq!(
        s.ok(
            "remove_from_watchlist",
            json!({"ratingKey": movie.rating_key})
        )
        .await["updated"],
        json!(false)
    );

    stack.control.clear_requests();
    let msg = s
        .err(
            "remove_from_watchlist",
            json!({"plexGuid": "imdb://tt0111161"}),
        )
        .await;
    assert!(msg.contains("Plex Movie or Plex TV Series agent"), "{msg}");
    assert!(
        stack.control.requests().is_empty(),
        "refused before any request"
    );
    let msg = s
        .err(
            "remove_from_watchlist",
            json!({"plexGuid": movie.guid, "ratingKey": movie.rating_key}),
        )
        .await;
    assert!(msg.contains("exactly one"), "{msg}");
    s.close().await;
}

#[tokio::test]
async fn metadata_edits_lock_fields_report_per_field_and_never_wipe_by_accident() {
    let stack = stack(Scale::DEMO, 77).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let movie = stack
        .data
        .items
        .iter()
        .find(|i| i.kind == "movie" && !i.collections.is_empty())
        .unwrap();
    let key = movie.rating_key.clone();
    let item = |stack: &FakeStack| live(stack).item_by_key(&key).unwrap().clone();
    // Tag order carries no meaning, so compare sorted.
    let tags = |t: &[plex_mcp::fake::data::Tag]| {
        let mut v = t.iter().map(|t| t.tag.clone()).collect::<Vec<_>>();
        v.sort();
        v
    };

    stack.control.clear_requests();
    let out = s
        .ok("update_metadata", json!({"ratingKey": key, "title": "Renamed", "year": 1999, "genres": ["Drama", {"tag": "Noir"}], "collections": []}))
        .await;
    let status = |out: &serde_json::Value, field: &str| {
        out["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&out, "title"), json!("changed"));
    assert_eq!(status(&out, "genres"), json!("changed"));
    assert_eq!(
        status(&out, "collections"),
        json!("skipped"),
        "an empty list is not a wipe"
    );
    let now = item(&stack);
    assert_eq!(now.title, "Renamed");
    assert_eq!(now.year, Some(1999));
    assert_eq!(
        tags(&now.genres),
        vec!["Drama".to_string(), "Noir".to_string()]
    );
    assert_eq!(
        tags(&now.collections),
        tags(&movie.collections),
        "collections untouched"
    );
    let puts: Vec<String> = stack
        .control
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("PUT"))
        .collect();
    assert!(
        puts.iter()
            .any(|r| r.contains("title.value=Renamed") && r.contains("title.locked=1")),
        "{puts:?}"
    );
    assert!(
        puts.iter().any(|r| r.contains("genre.locked=1")),
        "{puts:?}"
    );

    stack.control.clear_requests();
    let again = s
        .ok(
            "update_metadata",
            json!({"ratingKey": key, "title": "Renamed", "genres": ["Noir", "Drama"]}),
        )
        .await;
    assert_eq!(again["updated"], json!(false));
    assert!(
        again["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "unchanged")
    );
    assert!(
        stack
            .control
            .requests()
            .iter()
            .all(|r| !r.starts_with("PUT")),
        "a repeat sends nothing"
    );

    let cleared = s
        .ok(
            "update_metadata",
            json!({"ratingKey": key, "clearTags": ["collections"]}),
        )
        .await;
    assert_eq!(status(&cleared, "collections"), json!("changed"));
    assert!(item(&stack).collections.is_empty());
    let msg = s.err("update_metadata", json!({"ratingKey": key})).await;
    assert!(msg.contains("at least one field"), "{msg}");
    let msg = s
        .err(
            "update_metadata",
            json!({"ratingKey": key, "genres": ["X"], "clearTags": ["genres"]}),
        )
        .await;
    assert!(msg.contains("clearTags"), "{msg}");

    // A failure midway: the first edit fails, the next still lands, and the report says which.
    stack
        .control
        .inject_on("PUT", "/library/metadata/", Fault::Status(500), 1);
    let mixed = s
        .ok(
            "update_metadata",
            json!({"ratingKey": key, "summary": "New summary", "directors": ["Ava Hart"]}),
        )
        .await;
    assert_eq!(status(&mixed, "summary"), json!("failed"));
    assert_eq!(status(&mixed, "directors"), json!("changed"));
    assert_ne!(item(&stack).summary, "New summary");
    assert_eq!(tags(&item(&stack).directors), vec!["Ava Hart".to_string()]);
    s.close().await;
}

#[tokio::test]
async fn metadata_from_json_refuses_unknown_keys_and_checks_poster_urls() {
    let stack = stack(Scale::DEMO, 78).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let movie = stack.data.items.iter().find(|i| i.kind == "movie").unwrap();
    let key = movie.rating_key.clone();

    let msg = s
        .err(
            "update_metadata_from_json",
            json!({"ratingKey": key, "metadata": {"title": "X", "rottenTomatoes": 99}}),
        )
        .await;
    assert!(
        msg.contains("rottenTomatoes") && msg.contains("sortTitle"),
        "names the accepted keys: {msg}"
    );

    let out = s
        .ok(
            "update_metadata_from_json",
            json!({"ratingKey": key, "metadata": {"tagline": "Hold on.", "genres": null}}),
        )
        .await;
    assert_eq!(
        out["fields"].as_array().unwrap().len(),
        1,
        "a null tag list is left alone"
    );
    let live_item = live(&stack).item_by_key(&key).unwrap().clone();
    assert_eq!(live_item.tagline.as_deref(), Some("Hold on."));
    assert_eq!(live_item.genres.len(), movie.genres.len());

    let msg = s
        .err(
            "update_metadata_from_json",
            json!({"ratingKey": key, "setPosterFromUrl": true, "metadata": {"images": {"posters": [{"url": "file:///etc/passwd"}]}}}),
        )
        .await;
    assert!(msg.contains("http or https"), "{msg}");
    let url = "https://image.example/poster.jpg";
    let out = s
        .ok(
            "update_metadata_from_json",
            json!({"ratingKey": key, "setPosterFromUrl": true, "metadata": {"images": {"posters": [{"url": url}]}}}),
        )
        .await;
    assert_eq!(out["fields"][0]["field"], json!("poster"));
    assert_eq!(
        live(&stack).item_by_key(&key).unwrap().thumb.as_deref(),
        Some(url)
    );
    s.close().await;
}
