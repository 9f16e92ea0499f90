//! The fake Plex server's view of who watches: sessions playing now, the play history, and the
//! accounts and devices plays are recorded against.

use super::*;

pub(super) async fn sessions(State(f): State<Fake>) -> Response {
    let data = f.read();
    let data = &*data;
    let rows: Vec<Value> = data
        .sessions
        .iter()
        .map(|s| {
            let item = &data.items[s.item];
            let account = data.account(s.account_id);
            let device = data.device(s.device_id);
            let mut v = detail_view(item);
            v["sessionKey"] = json!(s.session_key);
            v["viewOffset"] = json!(s.view_offset);
            v["User"] = json!({
                "id": s.account_id.to_string(),
                "title": account.map(|a| a.name.clone()),
                "thumb": format!("https://plex.tv/users/{}/avatar", s.account_id),
            });
            v["Player"] = json!({
                "title": device.map(|d| d.name.clone()),
                "platform": device.map(|d| d.platform),
                "product": data.players.iter().find(|p| p.device_id == s.device_id)
                    .map_or("Plex for Android (TV)", |p| p.product),
                "state": s.state,
                "machineIdentifier": device.map(|d| d.client_identifier.clone()),
                "address": "192.168.1.20",
                "local": true,
                "userID": s.account_id,
            });
            v["Session"] = json!({"id": format!("session-{}", s.session_key), "bandwidth": 12000, "location": "lan"});
            if s.transcoding {
                v["TranscodeSession"] = transcode_session(item, &s.session_key);
                // A session describes what the player gets, not the file.
                v["Media"] = json!([{"id": 1, "videoCodec": "h264", "videoResolution": "1080",
                                     "audioCodec": "aac", "container": "mpegts"}]);
            }
            v
        })
        .collect();
    container(json!({"size": rows.len(), "Metadata": rows}))
}

pub(super) async fn history(
    State(f): State<Fake>,
    headers: HeaderMap,
    Query(q): Params,
) -> Response {
    let data = f.read();
    let data = &*data;
    let num = |name: &str| -> Result<Option<i64>, ()> {
        q.get(name)
            .map(|v| v.parse::<i64>().map_err(|_| ()))
            .transpose()
    };
    let (Ok(account), Ok(after), Ok(before), Ok(section), Ok(item)) = (
        num("accountID"),
        num("viewedAt>"),
        num("viewedAt<"),
        num("librarySectionID"),
        num("metadataItemID"),
    ) else {
        return bad_request();
    };
    let ascending = match q.get("sort").map(String::as_str) {
        None | Some("viewedAt:desc") => false,
        Some("viewedAt:asc") | Some("viewedAt") => true,
        Some(_) => return bad_request(),
    };
    let mut rows: Vec<&crate::fake::data::Play> = data
        .history
        .iter()
        .filter(|p| account.is_none_or(|a| p.account_id as i64 == a))
        .filter(|p| after.is_none_or(|t| p.viewed_at >= t))
        .filter(|p| before.is_none_or(|t| p.viewed_at <= t))
        .filter(|p| section.is_none_or(|s| data.items[p.item].library_section_id as i64 == s))
        .filter(|p| {
            item.is_none_or(|k| {
                let it = &data.items[p.item];
                let key = k.to_string();
                it.rating_key == key || it.grandparent_rating_key.as_deref() == Some(&key)
            })
        })
        .collect();
    if ascending {
        rows.reverse();
    }
    paged(&rows, &paging(&headers, &q), obj(json!({})), |p| {
        let it = &data.items[p.item];
        let mut row = json!({
            "historyKey": format!("/status/sessions/history/{}", p.history_key),
            "key": it.key,
            "ratingKey": it.rating_key,
            "librarySectionID": it.library_section_id.to_string(),
            "title": it.title,
            "type": it.kind,
            "thumb": format!("/library/metadata/{}/thumb/{}", it.rating_key, it.updated_at),
            "viewedAt": p.viewed_at,
            "accountID": p.account_id,
            "deviceID": p.device_id,
        });
        if let Some(date) = &it.originally_available_at {
            row["originallyAvailableAt"] = json!(date);
        }
        if it.kind == "episode" {
            row["grandparentTitle"] = json!(it.grandparent_title);
            row["grandparentKey"] = json!(format!(
                "/library/metadata/{}",
                it.grandparent_rating_key.clone().unwrap_or_default()
            ));
            row["parentKey"] = json!(format!(
                "/library/metadata/{}",
                it.parent_rating_key.clone().unwrap_or_default()
            ));
            row["index"] = json!(it.index);
            row["parentIndex"] = json!(it.parent_index);
        }
        row
    })
}

pub(super) async fn accounts(State(f): State<Fake>) -> Response {
    let data = f.read();
    let rows: Vec<Value> = data
        .accounts
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "key": format!("/accounts/{}", a.id),
                "name": a.name,
                "defaultAudioLanguage": "en",
                "autoSelectAudio": true,
                "defaultSubtitleLanguage": "en",
                "subtitleMode": 0,
                "thumb": format!("https://plex.tv/users/{}/avatar", a.id),
            })
        })
        .collect();
    container(
        json!({"size": rows.len(), "identifier": "com.plexapp.system.accounts", "Account": rows}),
    )
}

pub(super) async fn devices(State(f): State<Fake>) -> Response {
    let data = f.read();
    let rows: Vec<Value> = data
        .devices
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "name": d.name,
                "platform": d.platform,
                "clientIdentifier": d.client_identifier,
                "createdAt": 1_600_000_000 + d.id as i64 * 86_400,
            })
        })
        .collect();
    container(
        json!({"size": rows.len(), "identifier": "com.plexapp.system.devices", "Device": rows}),
    )
}
