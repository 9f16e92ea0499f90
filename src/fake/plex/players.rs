//! The fake server's players: `/clients`, transient tokens, play queues and the remote-control
//! commands, relayed by the server (`X-Plex-Target-Client-Identifier`) or received by a player's
//! own listener. Players act on the live sessions, so what they do shows in `/status/sessions`.

use super::*;
use crate::fake::data::{ActiveSession, FakePlayQueue, OWNER_ACCOUNT};

/// Recorded tokens and commands kept per player: plenty for a test, bounded for a long demo.
const KEPT: usize = 500;

fn push_capped<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= KEPT {
        list.remove(0);
    }
    list.push(item);
}

/// `GET /clients`: the players the server sees on the network.
pub(super) async fn clients(State(f): State<Fake>) -> Response {
    let data = f.read();
    let rows: Vec<Value> = data
        .players
        .iter()
        .filter(|p| p.on_network)
        .filter_map(|p| {
            let device = data.device(p.device_id)?;
            let url = p.url.as_deref().and_then(|u| reqwest::Url::parse(u).ok());
            let host = url
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| "192.168.1.40".into());
            Some(json!({
                "name": device.name,
                "host": host,
                "address": host,
                "port": url.as_ref().and_then(|u| u.port()).unwrap_or(32500),
                "machineIdentifier": device.client_identifier,
                "version": "10.1.0",
                "protocol": "plex",
                "product": p.product,
                "deviceClass": if device.platform == "iOS" { "phone" } else { "stb" },
                "protocolVersion": 1,
                "protocolCapabilities": p.capabilities,
            }))
        })
        .collect();
    container(json!({"size": rows.len(), "Server": rows}))
}

/// `/security/token?type=delegation&scope=all`: a transient token.
pub(super) async fn security_token(State(f): State<Fake>, Query(q): Params) -> Response {
    if q.get("type").map(String::as_str) != Some("delegation")
        || q.get("scope").map(String::as_str) != Some("all")
    {
        return bad_request();
    }
    let mut data = f.write();
    let token = format!(
        "transient-{:016x}",
        0x5eed_u64.wrapping_mul(data.transient_tokens.len() as u64 + 7) ^ 0xa5a5
    );
    push_capped(&mut data.transient_tokens, token.clone());
    container(json!({"size": 0, "token": token}))
}

/// `POST /playQueues?type=…&uri=server://{machine}/com.plexapp.plugins.library/library/metadata/{key}`:
/// a queue of the item, or for a show or season with `onDeck=1` its episodes from the first
/// unwatched one.
pub(super) async fn create_play_queue(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    if !matches!(
        q.get("type").map(String::as_str),
        Some("audio" | "video" | "photo")
    ) {
        return bad_request();
    }
    let prefix = format!(
        "server://{}/com.plexapp.plugins.library/library/metadata/",
        data.machine_identifier
    );
    let Some(key) = q.get("uri").and_then(|u| u.strip_prefix(&prefix)) else {
        return bad_request();
    };
    let Some(index) = data.item_index(key) else {
        return not_found();
    };
    let item = &data.items[index];
    let items: Vec<usize> = match item.kind {
        "show" | "season" => {
            let episodes: Vec<usize> = data
                .items
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    e.kind == "episode"
                        && (e.grandparent_rating_key.as_deref() == Some(key)
                            || e.parent_rating_key.as_deref() == Some(key))
                })
                .map(|(i, _)| i)
                .collect();
            let from = if q.get("onDeck").is_some_and(|v| v == "1") {
                episodes
                    .iter()
                    .position(|&i| data.items[i].view_count.unwrap_or(0) == 0)
                    .unwrap_or(0)
            } else {
                0
            };
            episodes[from..].to_vec()
        }
        _ => vec![index],
    };
    let Some(&first) = items.first() else {
        return bad_request();
    };
    let id = 500 + data.play_queues.len() as u64;
    let rows: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let mut v = list_view(&data.items[i], false);
            v["playQueueItemID"] = json!(id * 1000 + n as u64);
            v
        })
        .collect();
    let body = json!({
        "size": rows.len(),
        "playQueueID": id,
        "playQueueSelectedItemID": id * 1000,
        "playQueueSelectedItemOffset": 0,
        "playQueueSelectedMetadataItemID": data.items[first].rating_key.parse::<u64>().unwrap_or(0),
        "playQueueShuffled": false,
        "playQueueSourceURI": q.get("uri"),
        "playQueueTotalCount": rows.len(),
        "playQueueVersion": 1,
        "Metadata": rows,
    });
    push_capped(&mut data.play_queues, FakePlayQueue { id, items });
    container(body)
}

/// `/player/playback/{command}` on the server: relayed to the player the target header names,
/// if the server sees it on the network.
pub(super) async fn relay(
    State(f): State<Fake>,
    Path(command): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let target = headers
        .get("x-plex-target-client-identifier")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut data = f.write();
    let Some(index) = player_index(&data, target).filter(|&i| data.players[i].on_network) else {
        return not_found();
    };
    perform(&mut data, index, &command, &q, false)
}

fn player_index(data: &Dataset, machine: &str) -> Option<usize> {
    data.players.iter().position(|p| {
        data.device(p.device_id)
            .is_some_and(|d| d.client_identifier == machine)
    })
}

/// A player's own companion server, for commands sent straight to it.
pub fn player_router(data: LiveData, machine: String) -> Router {
    Router::new()
        .route("/player/playback/{command}", get(direct))
        .with_state((Fake { data }, machine))
}

async fn direct(
    State((f, machine)): State<(Fake, String)>,
    Path(command): Path<String>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(index) = player_index(&data, &machine) else {
        return not_found();
    };
    if let Some(token) = headers.get("x-plex-token").and_then(|v| v.to_str().ok()) {
        push_capped(&mut data.players[index].tokens_seen, token.to_string());
    }
    perform(&mut data, index, &command, &q, true)
}

/// What a player does with a command: start a queue, pause, seek, skip, stop, set volume or
/// streams — unless it is silent, when it answers 200 and does nothing.
fn perform(
    data: &mut Dataset,
    index: usize,
    command: &str,
    q: &HashMap<String, String>,
    direct: bool,
) -> Response {
    if !q.contains_key("commandID") {
        return bad_request();
    }
    push_capped(
        &mut data.players[index].received,
        (command.to_string(), direct),
    );
    if data.players[index].silent {
        return StatusCode::OK.into_response();
    }
    let device = data.players[index].device_id;
    let session = data.sessions.iter().position(|s| s.device_id == device);
    match (command, session) {
        ("playMedia", _) => return play_media(data, index, q),
        ("pause", Some(s)) => data.sessions[s].state = "paused",
        ("play", Some(s)) => data.sessions[s].state = "playing",
        ("stop", Some(s)) => {
            data.sessions.remove(s);
            data.players[index].queue = None;
        }
        ("seekTo", Some(s)) => match q.get("offset").and_then(|o| o.parse().ok()) {
            Some(offset) => data.sessions[s].view_offset = offset,
            None => return bad_request(),
        },
        ("skipNext" | "skipPrevious", Some(s)) => {
            let Some((queue, at)) = data.players[index].queue else {
                return StatusCode::OK.into_response();
            };
            let Some(items) = data
                .play_queues
                .iter()
                .find(|p| p.id == queue)
                .map(|p| p.items.clone())
            else {
                return StatusCode::OK.into_response();
            };
            let to = if command == "skipNext" {
                at + 1
            } else {
                at.saturating_sub(1)
            };
            if let Some(&item) = items.get(to) {
                data.players[index].queue = Some((queue, to));
                data.sessions[s].item = item;
                data.sessions[s].view_offset = 0;
            }
        }
        ("setParameters", _) => match q.get("volume").and_then(|v| v.parse::<u8>().ok()) {
            Some(v) if v <= 100 => data.players[index].volume = Some(v),
            _ => return bad_request(),
        },
        ("setStreams", _) => {
            data.players[index].streams = q
                .iter()
                .filter(|(k, _)| k.ends_with("StreamID"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        // Nothing playing: the command is taken and has nothing to act on.
        ("pause" | "play" | "stop" | "seekTo" | "skipNext" | "skipPrevious", None) => {}
        _ => return not_found(),
    }
    StatusCode::OK.into_response()
}

/// `playMedia`: the player fetches the queue from the server named by machineIdentifier,
/// address and port, with the transient token it was given, and starts the item.
fn play_media(data: &mut Dataset, index: usize, q: &HashMap<String, String>) -> Response {
    let known_token = q
        .get("token")
        .is_some_and(|t| data.transient_tokens.contains(t));
    let queue = q
        .get("containerKey")
        .and_then(|k| k.strip_prefix("/playQueues/"))
        .and_then(|k| k.split('?').next())
        .and_then(|id| id.parse::<u64>().ok())
        .and_then(|id| data.play_queues.iter().find(|p| p.id == id))
        .map(|p| (p.id, p.items.clone()));
    let key = q
        .get("key")
        .and_then(|k| k.strip_prefix("/library/metadata/"))
        .and_then(|k| data.item_index(k));
    let addressed = q.get("machineIdentifier") == Some(&data.machine_identifier)
        && q.get("address").is_some_and(|a| !a.is_empty())
        && q.get("port").is_some_and(|p| p.parse::<u16>().is_ok());
    let (Some((queue, items)), Some(item), true, true) = (queue, key, known_token, addressed)
    else {
        return bad_request();
    };
    let offset = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let device = data.players[index].device_id;
    data.sessions.retain(|s| s.device_id != device);
    let key = 900 + data.play_queues.len() + data.sessions.len();
    data.sessions.push(ActiveSession {
        item,
        account_id: OWNER_ACCOUNT,
        device_id: device,
        session_key: key.to_string(),
        view_offset: offset,
        state: "playing",
        transcoding: false,
    });
    let at = items.iter().position(|&i| i == item).unwrap_or(0);
    data.players[index].queue = Some((queue, at));
    StatusCode::OK.into_response()
}
