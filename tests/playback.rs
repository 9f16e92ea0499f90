//! Players and the remote control through the real binary: the merged player list, playing
//! directly and through the server, the player that says yes and plays nothing, each control
//! and its refusals, and the account token never reaching a player.

mod common;

use common::*;
use plex_mcp::fake::{
    FakeStack, Fault, Scale,
    data::{ActiveSession, Device, FakePlayer, OWNER_ACCOUNT, Reach},
};
use serde_json::{Value, json};

const WRITES: (&str, &str) = ("PLEX_ENABLE_MUTATIVE_OPS", "true");
const SHORT_WAIT: (&str, &str) = ("PLEX_MCP_PLAY_WAIT", "2");

/// The demo's two players, and three more: one whose own address refuses (the server relays),
/// one that takes no queues and answers without playing, one that takes no playback commands.
async fn players_stack(seed: u64) -> FakeStack {
    let mut stack = stack(Scale::DEMO, seed).await;
    let mut roku = FakePlayer::new(
        0,
        "Plex for Roku",
        "timeline,playback,playqueues",
        Reach::Refuse,
    );
    roku.on_account = false;
    stack.add_player("Bedroom Roku", roku).await.unwrap();
    let mut silent = FakePlayer::new(0, "Plex Web", "timeline,playback", Reach::Listen);
    silent.silent = true;
    stack.add_player("Chrome", silent).await.unwrap();
    let display = FakePlayer::new(
        0,
        "Plex for Smart Displays",
        "timeline,navigation",
        Reach::Listen,
    );
    stack.add_player("Kitchen Display", display).await.unwrap();
    stack
}

fn player<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["players"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == json!(name))
        .unwrap_or_else(|| panic!("{name} missing from {list}"))
}

/// What the fake player with this name received: (command, sent straight to it).
fn received(stack: &FakeStack, name: &str) -> Vec<(String, bool)> {
    let data = stack.live.read().unwrap();
    let device = data.devices.iter().find(|d| d.name == name).unwrap().id;
    data.players
        .iter()
        .find(|p| p.device_id == device)
        .unwrap()
        .received
        .clone()
}

fn session_on(stack: &FakeStack, name: &str) -> Option<ActiveSession> {
    let data = stack.live.read().unwrap();
    let device = data.devices.iter().find(|d| d.name == name)?.id;
    data.sessions
        .iter()
        .find(|s| s.device_id == device)
        .cloned()
}

#[tokio::test]
async fn every_player_once_with_what_it_plays_and_whether_it_can_be_driven() {
    let stack = players_stack(301).await;
    // A stream on a device that offers no remote control at all.
    {
        let mut data = stack.live.write().unwrap();
        data.devices.push(Device {
            id: 99,
            name: "Living Room Speaker".into(),
            platform: "Sonos",
            client_identifier: "speaker-99".into(),
        });
        let item = data.items.iter().position(|i| i.kind == "movie").unwrap();
        data.sessions.push(ActiveSession {
            item,
            account_id: OWNER_ACCOUNT,
            device_id: 99,
            session_key: "77".into(),
            view_offset: 60_000,
            state: "paused",
            transcoding: false,
        });
    }
    let s = connect(&stack, &[]).await;
    let list = s.ok("get_players", json!({})).await;
    let names: Vec<&str> = list["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // Living Room TV is in /clients, on plex.tv and in the sessions: one entry.
    assert_eq!(names.len(), 6, "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "Living Room TV").count(), 1);
    let controllable: Vec<bool> = list["players"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["controllable"].as_bool().unwrap())
        .collect();
    assert!(
        controllable.is_sorted_by(|a, b| a >= b),
        "controllable first: {list}"
    );

    let tv = player(&list, "Living Room TV");
    let session = &stack.data.sessions[0];
    assert_eq!(tv["controllable"], json!(true));
    assert_eq!(
        tv["playing"]["ratingKey"],
        json!(stack.data.items[session.item].rating_key)
    );
    assert_eq!(tv["playing"]["state"], json!("playing"));
    assert_eq!(tv["actions"].as_array().unwrap().len(), 9, "{tv}");

    let chrome = player(&list, "Chrome");
    assert!(
        !chrome["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("skip_next")),
        "{chrome}"
    );
    assert!(
        chrome["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("pause")),
        "{chrome}"
    );

    let display = player(&list, "Kitchen Display");
    assert_eq!(display["controllable"], json!(false));
    assert!(
        display["whyNot"].as_str().unwrap().contains("playback"),
        "{display}"
    );
    let iphone = player(&list, "Alex's iPhone");
    assert_eq!(iphone["controllable"], json!(false));
    assert!(
        iphone["whyNot"].as_str().unwrap().contains("address"),
        "{iphone}"
    );
    let speaker = player(&list, "Living Room Speaker");
    assert_eq!(speaker["controllable"], json!(false));
    assert_eq!(speaker["playing"]["state"], json!("paused"));
    assert_eq!(player(&list, "Bedroom Roku")["controllable"], json!(true));

    // plex.tv down: the server's players still come, with a warning.
    stack
        .control
        .inject("/api/v2/resources", Fault::Status(503), 10);
    let list = s.ok("get_players", json!({})).await;
    assert!(
        list["warnings"][0].as_str().unwrap().contains("plex.tv"),
        "{list}"
    );
    assert!(
        list["players"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] != json!("Alex's iPhone"))
    );
    stack.control.clear_faults();
    // A plex.tv that hangs costs a few seconds, not the HTTP timeout.
    stack.control.inject(
        "/api/v2/resources",
        Fault::Delay(std::time::Duration::from_secs(30)),
        1,
    );
    let started = std::time::Instant::now();
    let list = s.ok("get_players", json!({})).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        list["warnings"][0]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{list}"
    );
    stack.control.clear_faults();
    // The server's list is required.
    stack.control.inject("/clients", Fault::Status(401), 1);
    let err = s.err("get_players", json!({})).await;
    assert!(err.contains("Plex") && err.contains("PLEX_TOKEN"), "{err}");
    s.close().await;
}

#[tokio::test]
async fn plays_directly_through_the_server_and_notices_a_player_that_does_nothing() {
    let stack = players_stack(302).await;
    let s = connect(&stack, &[WRITES, SHORT_WAIT]).await;
    let movie = stack.data.items.iter().find(|i| i.kind == "movie").unwrap();

    let out = s
        .ok(
            "play_media",
            json!({"ratingKey": movie.rating_key, "player": "living room"}),
        )
        .await;
    assert_eq!(out["started"], json!(true), "{out}");
    assert_eq!(out["via"], json!("direct"));
    assert_eq!(out["title"], json!(movie.title));
    assert_eq!(
        received(&stack, "Living Room TV"),
        [("playMedia".to_string(), true)]
    );
    let now = session_on(&stack, "Living Room TV").unwrap();
    assert_eq!(stack.data.items[now.item].rating_key, movie.rating_key);

    // The Roku's own address refuses: the server relays, and says so.
    let out = s
        .ok(
            "play_media",
            json!({"ratingKey": movie.rating_key, "player": "Bedroom Roku", "offsetSeconds": 600}),
        )
        .await;
    assert_eq!(
        (out["started"].clone(), out["via"].clone()),
        (json!(true), json!("server")),
        "{out}"
    );
    assert_eq!(out["fromMinute"], json!(10));
    assert!(out["note"].as_str().unwrap().contains("refused"), "{out}");
    assert_eq!(
        received(&stack, "Bedroom Roku"),
        [("playMedia".to_string(), false)]
    );
    assert_eq!(
        session_on(&stack, "Bedroom Roku").unwrap().view_offset,
        600_000
    );

    // A show starts at its first unwatched episode: here the second, once the first is seen.
    let show = stack.data.items.iter().find(|i| i.kind == "show").unwrap();
    let episodes: Vec<usize> = (0..stack.data.items.len())
        .filter(|&i| {
            let e = &stack.data.items[i];
            e.kind == "episode" && e.grandparent_rating_key.as_deref() == Some(&show.rating_key)
        })
        .collect();
    {
        let mut data = stack.live.write().unwrap();
        for (n, &i) in episodes.iter().enumerate() {
            data.items[i].view_count = Some(u32::from(n == 0));
        }
    }
    let next = &stack.data.items[episodes[1]];
    let out = s
        .ok(
            "play_media",
            json!({"ratingKey": show.rating_key, "player": "Living Room TV"}),
        )
        .await;
    assert_eq!(out["ratingKey"], json!(next.rating_key), "{out}");

    // Resume: where the user stopped.
    let partial = stack
        .data
        .items
        .iter()
        .rposition(|i| i.kind == "movie")
        .unwrap();
    stack.live.write().unwrap().items[partial].view_offset = Some(754_000);
    let key = &stack.data.items[partial].rating_key;
    let out = s
        .ok(
            "play_media",
            json!({"ratingKey": key, "player": "Living Room TV", "resume": true}),
        )
        .await;
    assert_eq!(out["fromMinute"], json!(13), "{out}");
    assert_eq!(
        session_on(&stack, "Living Room TV").unwrap().view_offset,
        754_000
    );

    // The silent player answers 200 and plays nothing: said so, not claimed as started.
    let out = s
        .ok(
            "play_media",
            json!({"ratingKey": movie.rating_key, "player": "chrome"}),
        )
        .await;
    assert_eq!(out["started"], json!(false), "{out}");
    assert!(
        out["note"].as_str().unwrap().contains("nothing playing"),
        "{out}"
    );
    assert!(session_on(&stack, "Chrome").is_none());

    // The player fetches with a transient token from the server; the account's never reaches it.
    {
        let data = stack.live.read().unwrap();
        let seen: Vec<&String> = data.players.iter().flat_map(|p| &p.tokens_seen).collect();
        assert!(!seen.is_empty());
        assert!(
            seen.iter()
                .all(|t| data.transient_tokens.contains(t) && **t != stack.token),
            "{seen:?}"
        );
    }

    // Refusals, each naming what to fix, none reaching a player.
    let before = stack
        .live
        .read()
        .unwrap()
        .players
        .iter()
        .map(|p| p.received.len())
        .sum::<usize>();
    let err = s
        .err(
            "play_media",
            json!({"ratingKey": movie.rating_key, "player": "alex"}),
        )
        .await;
    assert!(
        err.contains("`player`") && err.contains("Alex's iPhone cannot be controlled"),
        "{err}"
    );
    let err = s
        .err(
            "play_media",
            json!({"ratingKey": movie.rating_key, "player": "garage"}),
        )
        .await;
    assert!(
        err.contains("No player matches \"garage\"") && err.contains("Living Room TV"),
        "{err}"
    );
    let err = s
        .err("play_media", json!({"ratingKey": movie.rating_key, "player": "tv", "resume": true, "offsetSeconds": 5}))
        .await;
    assert!(err.contains("`resume`"), "{err}");
    let err = s
        .err("play_media", json!({"ratingKey": "999999", "player": "tv"}))
        .await;
    assert!(err.contains("999999"), "{err}");
    let err = s
        .err("play_media", json!({"ratingKey": "abc", "player": "tv"}))
        .await;
    assert!(err.contains("ratingKey"), "{err}");
    let after = stack
        .live
        .read()
        .unwrap()
        .players
        .iter()
        .map(|p| p.received.len())
        .sum::<usize>();
    assert_eq!(before, after);

    // A server that refuses to relay: a Plex error, in bounded time.
    stack
        .control
        .inject("/player/playback", Fault::Status(500), 1);
    let err = s
        .err(
            "play_media",
            json!({"ratingKey": movie.rating_key, "player": "roku"}),
        )
        .await;
    assert!(err.contains("Plex failed with HTTP 500"), "{err}");
    s.close().await;
}

#[tokio::test]
async fn each_control_acts_when_the_player_can_and_is_refused_when_it_cannot() {
    let stack = players_stack(303).await;
    let s = connect(&stack, &[WRITES, SHORT_WAIT]).await;
    let tv = json!("Living Room TV");
    let control = |action: &str, value: Option<&str>| {
        let mut args = json!({"player": tv, "action": action});
        if let Some(v) = value {
            args["value"] = json!(v);
        }
        args
    };

    let out = s.ok("control_playback", control("pause", None)).await;
    assert_eq!(
        (out["confirmed"].clone(), out["playing"]["state"].clone()),
        (json!(true), json!("paused")),
        "{out}"
    );
    assert_eq!(
        session_on(&stack, "Living Room TV").unwrap().state,
        "paused"
    );
    let out = s.ok("control_playback", control("resume", None)).await;
    assert_eq!(out["playing"]["state"], json!("playing"));

    let at = session_on(&stack, "Living Room TV").unwrap().view_offset;
    s.ok("control_playback", control("seek", Some("+90"))).await;
    assert_eq!(
        session_on(&stack, "Living Room TV").unwrap().view_offset,
        at + 90_000
    );
    let out = s
        .ok("control_playback", control("seek", Some("2:30")))
        .await;
    assert_eq!(out["confirmed"], json!(true));
    assert_eq!(
        session_on(&stack, "Living Room TV").unwrap().view_offset,
        150_000
    );

    let out = s
        .ok("control_playback", control("volume", Some("40")))
        .await;
    assert!(
        out.get("confirmed").is_none(),
        "volume cannot be seen in the sessions: {out}"
    );
    let streams_of = |stack: &FakeStack| {
        let data = stack.live.read().unwrap();
        data.players[0].streams.clone()
    };
    assert_eq!(stack.live.read().unwrap().players[0].volume, Some(40));
    s.ok("control_playback", control("subtitle_stream", Some("off")))
        .await;
    assert_eq!(
        streams_of(&stack),
        [("subtitleStreamID".to_string(), "0".to_string())]
    );
    s.ok("control_playback", control("audio_stream", Some("english")))
        .await;
    let playing = &stack.data.items[stack.data.sessions[0].item];
    let english = playing.media[0].parts[0]
        .streams
        .iter()
        .find(|s| s["streamType"] == json!(2))
        .unwrap()["id"]
        .to_string();
    assert_eq!(streams_of(&stack), [("audioStreamID".to_string(), english)]);
    let err = s
        .err("control_playback", control("audio_stream", Some("klingon")))
        .await;
    assert!(err.contains("`value`") && err.contains("English"), "{err}");

    // skip_next moves through the queue play_media made.
    let show = stack.data.items.iter().find(|i| i.kind == "show").unwrap();
    let started = s
        .ok(
            "play_media",
            json!({"ratingKey": show.rating_key, "player": tv}),
        )
        .await;
    let out = s.ok("control_playback", control("skip_next", None)).await;
    assert_eq!(out["confirmed"], json!(true), "{out}");
    assert_ne!(out["playing"]["ratingKey"], started["ratingKey"]);
    let out = s.ok("control_playback", control("stop", None)).await;
    assert_eq!(out["confirmed"], json!(true));
    assert!(out.get("playing").is_none(), "{out}");
    assert!(session_on(&stack, "Living Room TV").is_none());

    // Refusals name the player, the action and what it offers.
    let err = s
        .err(
            "control_playback",
            json!({"player": "chrome", "action": "skip_next"}),
        )
        .await;
    assert!(
        err.contains("`action`")
            && err.contains("Chrome does not support skip_next")
            && err.contains("timeline, playback"),
        "{err}"
    );
    for action in [
        "pause",
        "resume",
        "stop",
        "seek",
        "skip_next",
        "skip_previous",
        "volume",
        "audio_stream",
        "subtitle_stream",
    ] {
        let err = s
            .err(
                "control_playback",
                json!({"player": "kitchen display", "action": action, "value": "1"}),
            )
            .await;
        assert!(
            err.contains("Kitchen Display cannot be controlled")
                && err.contains("timeline, navigation"),
            "{action}: {err}"
        );
    }
    let err = s
        .err(
            "control_playback",
            json!({"player": "roku", "action": "pause"}),
        )
        .await;
    assert!(
        err.contains("not playing anything") && err.contains("play_media"),
        "{err}"
    );
    let err = s
        .err("control_playback", control("volume", Some("150")))
        .await;
    assert!(err.contains("`value`") && err.contains("0 to 100"), "{err}");
    let err = s
        .err(
            "control_playback",
            json!({"player": "tv", "action": "rewind"}),
        )
        .await;
    assert!(err.contains("action"), "{err}");
    s.close().await;
}
