//! The server family: status, scans, metadata refreshes and the trash, through the real binary.

mod common;

use common::*;
use plex_mcp::fake::Scale;
use serde_json::json;

fn sent(stack: &plex_mcp::fake::FakeStack, prefix: &str) -> Vec<String> {
    stack
        .control
        .requests()
        .into_iter()
        .filter(|r| r.starts_with(prefix))
        .collect()
}

#[tokio::test]
async fn status_scans_refreshes_and_trash_each_ask_plex_their_own_way() {
    let stack = stack(Scale::DEMO, 110).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let status = s.ok("get_server_status", json!({})).await;
    assert_eq!(status["name"], json!("Demo Plex"));
    assert_eq!(status["updateAvailable"], json!("1.42.0.9999-abcdef12"));
    assert_eq!(
        status["libraryScanRunning"],
        json!(false),
        "the butler is no scan"
    );
    assert_eq!(status["activities"][0]["progressPercent"], json!(40));
    assert_eq!(status["streams"], json!(stack.data.sessions.len()));

    // A scan is a refresh request without force; it shows up as a running job.
    stack.control.clear_requests();
    let out = s
        .ok(
            "scan_library",
            json!({"libraryKey": "1", "path": "/media/movies/new"}),
        )
        .await;
    assert_eq!(out["started"], json!(true), "{out}");
    let scans = sent(&stack, "POST /library/sections/1/refresh");
    assert_eq!(scans.len(), 1);
    assert!(!scans[0].contains("force"), "{scans:?}");
    assert!(scans[0].contains("path="), "{scans:?}");
    let status = s.ok("get_server_status", json!({})).await;
    assert_eq!(status["libraryScanRunning"], json!(true), "{status}");
    let jobs: Vec<&str> = status["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(jobs.contains(&"Scanning Movies"), "{jobs:?}");
    assert!(
        jobs.contains(&"Optimizing database"),
        "the butler's job too: {jobs:?}"
    );

    // A metadata refresh of an item is a PUT on the item; of a library, a forced refresh that
    // is asked for first.
    let movie = stack.data.items.iter().find(|i| i.kind == "movie").unwrap();
    stack.control.clear_requests();
    s.ok("refresh_metadata", json!({"ratingKey": movie.rating_key}))
        .await;
    assert_eq!(
        sent(
            &stack,
            &format!("PUT /library/metadata/{}/refresh", movie.rating_key)
        )
        .len(),
        1
    );
    let preview = s.ok("refresh_metadata", json!({"libraryKey": "1"})).await;
    assert_eq!(preview["preview"], json!(true), "{preview}");
    assert!(sent(&stack, "POST /library/sections/1/refresh").is_empty());
    s.ok(
        "refresh_metadata",
        json!({"libraryKey": "1", "confirm": true}),
    )
    .await;
    let forced = sent(&stack, "POST /library/sections/1/refresh");
    assert!(
        forced.len() == 1 && forced[0].contains("force=1"),
        "{forced:?}"
    );
    for args in [json!({}), json!({"ratingKey": "1", "libraryKey": "1"})] {
        let err = s.err("refresh_metadata", args).await;
        assert!(err.contains("exactly one"), "{err}");
    }

    // The trash: previewed, then emptied.
    stack.control.clear_requests();
    let preview = s.ok("empty_trash", json!({"libraryKey": "2"})).await;
    assert_eq!(preview["preview"], json!(true));
    assert!(sent(&stack, "PUT /library/sections/2/emptyTrash").is_empty());
    let done = s
        .ok("empty_trash", json!({"libraryKey": "2", "confirm": true}))
        .await;
    assert_eq!(done["started"], json!(true), "{done}");
    assert_eq!(sent(&stack, "PUT /library/sections/2/emptyTrash").len(), 1);

    let err = s.err("scan_library", json!({"libraryKey": "77"})).await;
    assert!(err.contains("get_libraries"), "{err}");
    s.close().await;
}

#[tokio::test]
async fn media_details_name_the_files_and_their_streams() {
    let stack = stack(Scale::DEMO, 111).await;
    let s = connect(&stack, &[]).await;
    let uhd = stack
        .data
        .items
        .iter()
        .find(|i| i.media.first().is_some_and(|m| m.video_resolution == "4k"))
        .expect("a 4K item");
    let out = s
        .ok("get_media_details", json!({"ratingKey": uhd.rating_key}))
        .await;
    let v = &out["details"]["versions"][0];
    assert_eq!(v["resolution"], json!("4k"), "{out}");
    assert_eq!(v["hdr"], json!("HDR10"));
    assert_eq!(v["videoCodec"], json!("hevc"));
    assert_eq!(v["bitrateMbps"], json!(40.0));
    let media = &uhd.media[0];
    let bytes = media.parts[0].size as f64;
    assert_eq!(v["sizeGb"].as_f64().unwrap(), (bytes / 1e7).round() / 100.0);
    assert!(v["file"].as_str().unwrap().ends_with(".mkv"));
    assert_eq!(v["audio"][0]["language"], json!("English"));

    // Subtitles and a second audio track where the file has them; SDR has no hdr.
    let rich = stack
        .data
        .items
        .iter()
        .find(|i| {
            i.media
                .first()
                .is_some_and(|m| m.video_resolution == "1080" && m.parts[0].streams.len() == 4)
        })
        .expect("a 1080p file with two audio tracks and subtitles");
    let out = s
        .ok("get_media_details", json!({"ratingKey": rich.rating_key}))
        .await;
    let v = &out["details"]["versions"][0];
    assert!(v.get("hdr").is_none(), "{out}");
    assert_eq!(v["audio"].as_array().unwrap().len(), 2);
    assert_eq!(v["subtitles"][0]["codec"], json!("srt"));
    s.close().await;
}

#[tokio::test]
async fn a_stream_is_stopped_by_its_session_id_only_when_confirmed() {
    let stack = stack(Scale::DEMO, 112).await;
    let s = connect(&stack, &[("PLEX_ENABLE_MUTATIVE_OPS", "true")]).await;
    let sessions = s.ok("get_active_sessions", json!({})).await;
    let row = &sessions["activeSessions"][0];
    let id = row["sessionId"].as_str().expect("a session id").to_string();
    assert_ne!(
        Some(id.as_str()),
        row["sessionKey"].as_str(),
        "the id is not the key"
    );

    let err = s
        .err("stop_stream", json!({"sessionId": row["sessionKey"]}))
        .await;
    assert!(
        err.contains("get_active_sessions") && err.contains(&id),
        "{err}"
    );

    stack.control.clear_requests();
    let preview = s.ok("stop_stream", json!({"sessionId": id})).await;
    assert_eq!(preview["preview"], json!(true), "{preview}");
    assert!(sent(&stack, "POST /status/sessions/terminate").is_empty());

    // A server without Plex Pass refuses: the error says so.
    stack.control.inject_on(
        "POST",
        "/status/sessions/terminate",
        plex_mcp::fake::Fault::Status(401),
        1,
    );
    let err = s
        .err("stop_stream", json!({"sessionId": id, "confirm": true}))
        .await;
    assert!(err.contains("Plex Pass"), "{err}");

    let done = s
        .ok(
            "stop_stream",
            json!({"sessionId": id, "confirm": true, "reason": "Bedtime"}),
        )
        .await;
    assert_eq!(done["stopped"], json!(true), "{done}");
    let sent = sent(&stack, "POST /status/sessions/terminate");
    assert!(
        sent.iter().any(|r| r.contains("reason=Bedtime")),
        "{sent:?}"
    );
    let after = s.ok("get_active_sessions", json!({})).await;
    assert_eq!(
        after["sessionCount"].as_u64().unwrap() + 1,
        sessions["sessionCount"].as_u64().unwrap()
    );
    s.close().await;
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[tokio::test]
async fn a_poster_is_an_image_of_the_asked_size_with_no_token_in_sight() {
    use base64::Engine;
    let stack = stack(Scale::DEMO, 113).await;
    let s = connect(&stack, &[]).await;
    let movie = stack.data.items.iter().find(|i| i.kind == "movie").unwrap();
    stack.control.clear_requests();
    for (args, size) in [
        (json!({"ratingKey": movie.rating_key}), (300, 450)),
        (
            json!({"ratingKey": movie.rating_key, "kind": "art", "width": 200}),
            (200, 112),
        ),
    ] {
        let result = s.call("get_poster", args).await;
        assert_ne!(result.is_error, Some(true), "{}", text(&result));
        let image = result
            .content
            .iter()
            .find_map(|c| c.as_image())
            .expect("an image block");
        assert_eq!(image.mime_type, "image/png");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&image.data)
            .unwrap();
        assert_eq!(png_size(&bytes), size);
        let info = result.structured_content.clone().unwrap();
        assert_eq!(
            (info["widthPx"].clone(), info["heightPx"].clone()),
            (json!(size.0), json!(size.1))
        );
        let shown = serde_json::to_string(&result).unwrap();
        assert!(
            !shown.contains(&stack.token),
            "the token stays on the server"
        );
        assert!(!shown.contains("X-Plex-Token"), "no URL with a token");
    }
    let requests = sent(&stack, "GET /photo/:/transcode");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[0].contains("width=300") && requests[0].contains("height=450"));
    let err = s
        .err(
            "get_poster",
            json!({"ratingKey": movie.rating_key, "width": 301}),
        )
        .await;
    assert!(err.contains("width"), "{err}");
    s.close().await;
}

#[tokio::test]
async fn transcodes_are_explained_from_the_source_file() {
    let stack = stack(Scale::DEMO, 114).await;
    // A 4K HDR movie with subtitles plays on a player that wants H.264 and AAC.
    let (idx, uhd) = stack
        .data
        .items
        .iter()
        .enumerate()
        .find(|(_, i)| {
            i.kind == "movie"
                && i.media.first().is_some_and(|m| {
                    m.video_resolution == "4k"
                        && m.parts[0]
                            .streams
                            .iter()
                            .any(|s| s["streamType"] == json!(3))
                })
        })
        .expect("a 4K movie with subtitles");
    {
        let mut live = stack.live.write().unwrap();
        live.sessions.clear();
        live.sessions.push(plex_mcp::fake::data::ActiveSession {
            item: idx,
            account_id: 1,
            device_id: 1,
            session_key: "42".into(),
            view_offset: 60_000,
            state: "playing",
            transcoding: true,
        });
    }
    let s = connect(&stack, &[]).await;
    let out = s.ok("get_active_sessions", json!({})).await;
    let t = &out["activeSessions"][0]["transcode"];
    let reasons: Vec<&str> = t["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("HEVC → H264")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("HDR tone-mapped")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("subtitles burned")),
        "{reasons:?}"
    );
    let rk: u64 = uhd.rating_key.parse().unwrap();
    let expected = if rk.is_multiple_of(2) {
        "hardware"
    } else {
        "partly hardware"
    };
    assert!(t["doneIn"].as_str().unwrap().starts_with(expected), "{t}");
    // The session's media is the output; the explanation came from the item's file.
    assert_eq!(
        out["activeSessions"][0]["media"]["videoCodec"],
        json!("h264")
    );
    s.close().await;
}
