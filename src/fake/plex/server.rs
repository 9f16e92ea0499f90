//! The fake Plex server's maintenance face: scans and refreshes (recorded as activities),
//! emptying a library's trash, the updater's status and the activity list.

use super::*;

fn section_title(data: &Dataset, key: &str) -> Option<String> {
    data.section(key).map(|s| s.title.clone())
}

fn start(data: &mut Dataset, kind: &'static str, title: String) {
    let uuid = format!("{:08x}-activity", data.activities.len() + 1);
    data.activities.push(crate::fake::data::Activity {
        uuid,
        kind,
        title,
        progress: 0,
    });
}

/// `POST /library/sections/{key}/refresh[?path=…][&force=1]`: a scan, or with `force` a
/// metadata refresh of the whole library.
pub(super) async fn refresh_section(
    State(f): State<Fake>,
    Path(key): Path<String>,
    Query(q): Params,
) -> Response {
    let mut data = f.write();
    let Some(title) = section_title(&data, &key) else {
        return not_found();
    };
    let (kind, what) = if q.get("force").is_some_and(|v| v == "1") {
        ("library.refresh.items", format!("Refreshing {title}"))
    } else {
        ("library.update.section", format!("Scanning {title}"))
    };
    start(&mut data, kind, what);
    // The scan is done at once here, and stamps the library as Plex does.
    if let Some(section) = data.sections.iter_mut().find(|s| s.key.to_string() == key) {
        section.scanned_at = chrono::Utc::now().timestamp().max(section.scanned_at + 1);
    }
    StatusCode::OK.into_response()
}

/// `PUT /library/metadata/{ids}/refresh`.
pub(super) async fn refresh_items(State(f): State<Fake>, Path(ids): Path<String>) -> Response {
    let mut data = f.write();
    let Some(item) = data.item_by_key(&ids).map(|i| i.title.clone()) else {
        return not_found();
    };
    start(
        &mut data,
        "library.refresh.items",
        format!("Refreshing {item}"),
    );
    StatusCode::OK.into_response()
}

/// `PUT /library/sections/{key}/emptyTrash`.
pub(super) async fn empty_trash(State(f): State<Fake>, Path(key): Path<String>) -> Response {
    let data = f.read();
    match section_title(&data, &key) {
        Some(_) => StatusCode::OK.into_response(),
        None => not_found(),
    }
}

pub(super) async fn activities(State(f): State<Fake>) -> Response {
    let data = f.read();
    let rows: Vec<Value> = data
        .activities
        .iter()
        .map(|a| {
            json!({
                "uuid": a.uuid, "type": a.kind, "cancellable": false, "userID": 1,
                "title": a.title, "subtitle": "", "progress": a.progress, "Context": {},
            })
        })
        .collect();
    container(json!({"size": rows.len(), "Activity": rows}))
}

/// `POST /status/sessions/terminate?sessionId&reason`: the stream ends (its reason kept).
pub(super) async fn terminate(State(f): State<Fake>, Query(q): Params) -> Response {
    let mut data = f.write();
    let Some(id) = q.get("sessionId").filter(|s| !s.is_empty()) else {
        return html_status(StatusCode::FORBIDDEN);
    };
    let before = data.sessions.len();
    data.sessions
        .retain(|s| format!("session-{}", s.session_key) != *id);
    if data.sessions.len() == before {
        return not_found();
    }
    StatusCode::OK.into_response()
}

/// An update is always available, so the status has something to say.
pub(super) async fn updater_status() -> Response {
    container(json!({
        "size": 1,
        "autoUpdateVersion": 1,
        "canInstall": false,
        "checkedAt": chrono::Utc::now().timestamp() - 3600,
        "downloadURL": "https://plex.tv/downloads",
        "status": 0,
        "Release": [{
            "key": "https://plex.tv/updater/releases/1",
            "version": "1.42.0.9999-abcdef12",
            "added": "New things.",
            "fixed": "Old things.",
            "downloadURL": "https://plex.tv/downloads/1.42.0",
            "state": "available",
        }],
    }))
}

/// `GET /photo/:/transcode?url&width&height`: the item's artwork at the asked size, as a real
/// PNG (a gradient in a colour of the item's own), or 400 without a size, 404 for another URL.
pub(super) async fn transcode_photo(State(f): State<Fake>, Query(q): Params) -> Response {
    let data = f.read();
    let size = |k: &str| {
        q.get(k)
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|n| (1..=2000).contains(n))
    };
    let (Some(w), Some(h)) = (size("width"), size("height")) else {
        return bad_request();
    };
    let key = q
        .get("url")
        .and_then(|u| u.strip_prefix("/library/metadata/"))
        .and_then(|rest| rest.split('/').next());
    let Some(item) = key.and_then(|k| data.item_by_key(k)) else {
        return not_found();
    };
    let seed: u32 = item.rating_key.parse().unwrap_or(0);
    let png = png(w, h, |x, y| {
        [
            (seed.wrapping_mul(37) % 256) as u8,
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
        ]
    });
    ([(axum::http::header::CONTENT_TYPE, "image/png")], png).into_response()
}

/// A minimal PNG encoder (8-bit RGB, uncompressed deflate blocks): enough for test artwork.
fn png(w: u32, h: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], body: &[u8]) {
        out.extend((body.len() as u32).to_be_bytes());
        let mut tagged = kind.to_vec();
        tagged.extend(body);
        out.extend(&tagged);
        out.extend(crc(&tagged).to_be_bytes());
    }
    let mut raw = Vec::with_capacity((w * 3 + 1) as usize * h as usize);
    for y in 0..h {
        raw.push(0);
        for x in 0..w {
            raw.extend(pixel(x, y));
        }
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend(*block);
    }
    zlib.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend(w.to_be_bytes());
    header.extend(h.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// How the fake's server transcodes an item for a player that plays H.264 and AAC only: the
/// video when the file is not H.264 or is 4K, the audio when it is not AAC, and subtitles burned
/// in when the file has them; every other stream in hardware.
pub(super) fn transcode_session(item: &FakeItem, session_key: &str) -> Value {
    let media = item.media.first();
    let video = media.map_or("h264", |m| m.video_codec);
    let audio = media.map_or("aac", |m| m.audio_codec);
    let uhd = media.is_some_and(|m| m.video_resolution == "4k");
    let subtitles = media.is_some_and(|m| {
        m.parts
            .iter()
            .any(|p| p.streams.iter().any(|s| s["streamType"] == json!(3)))
    });
    let rk: u64 = item.rating_key.parse().unwrap_or(0);
    let mut t = json!({
        "key": format!("/transcode/sessions/{session_key}"),
        "progress": 35.5, "speed": 2.1, "throttled": false, "complete": false,
        "protocol": "dash", "container": "mpegts",
        "videoDecision": if video != "h264" || uhd { "transcode" } else { "copy" },
        "audioDecision": if audio != "aac" { "transcode" } else { "copy" },
        "sourceVideoCodec": video, "sourceAudioCodec": audio,
        "videoCodec": "h264", "audioCodec": "aac",
        "transcodeHwRequested": true, "transcodeHwFullPipeline": rk.is_multiple_of(2),
    });
    if subtitles {
        t["subtitleDecision"] = json!("burn");
    }
    t
}
