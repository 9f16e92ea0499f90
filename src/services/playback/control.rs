//! The remote control: each action checked against what the player advertises, sent, and its
//! effect looked for in the server's sessions.

use super::{Player, Playing, Route, controllable, now_playing, send, watch};
use crate::{
    plex::{client::PlexClient, players::Command},
    services::Error,
};

/// How long a pause, seek or stop may take to show in the sessions.
const CONTROL_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

// A remote-control action. control_playback's `action` argument is this type (no doc comment:
// it would become schema text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Pause,
    Resume,
    Stop,
    Seek,
    SkipNext,
    SkipPrevious,
    Volume,
    AudioStream,
    SubtitleStream,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Action::Pause,
        Action::Resume,
        Action::Stop,
        Action::Seek,
        Action::SkipNext,
        Action::SkipPrevious,
        Action::Volume,
        Action::AudioStream,
        Action::SubtitleStream,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Stop => "stop",
            Action::Seek => "seek",
            Action::SkipNext => "skip_next",
            Action::SkipPrevious => "skip_previous",
            Action::Volume => "volume",
            Action::AudioStream => "audio_stream",
            Action::SubtitleStream => "subtitle_stream",
        }
    }

    /// The capabilities a player must advertise for this action.
    pub(super) fn needs(self) -> &'static [&'static str] {
        match self {
            Action::SkipNext | Action::SkipPrevious => &["playback", "playqueues"],
            _ => &["playback"],
        }
    }
}

pub struct Controlled {
    pub route: Route,
    /// Whether the sessions show the effect; `None` for actions they cannot show (volume).
    pub confirmed: Option<bool>,
    /// What the player plays after the command.
    pub playing: Option<Playing>,
}

/// Sends `action` (with `value` where it takes one) to `player` and watches for its effect.
pub async fn control(
    plex: &PlexClient,
    player: &Player,
    action: Action,
    value: Option<&str>,
) -> Result<Controlled, Error> {
    controllable(player)?;
    if let Some(missing) = action.needs().iter().find(|c| !player.can(c)) {
        return Err(Error::Invalid {
            name: "action",
            reason: format!(
                "{} does not support {} (it needs `{missing}`; the player offers: {})",
                player.name,
                action.name(),
                player.offers()
            ),
        });
    }
    let current = now_playing(plex, &player.id).await?;
    let playing = match (&current, action) {
        (Some(p), _) => Some(p),
        (None, Action::Volume) => None,
        (None, _) => {
            return Err(Error::Invalid {
                name: "action",
                reason: format!(
                    "{} is not playing anything, so it cannot {}; start something with play_media",
                    player.name,
                    action.name()
                ),
            });
        }
    };
    let kind = playing.map_or("video", Playing::media_type);
    let (path, mut query, effect): (&str, Vec<(&'static str, String)>, Effect) = match action {
        Action::Pause => ("playback/pause", vec![], Effect::State("paused")),
        Action::Resume => ("playback/play", vec![], Effect::State("playing")),
        Action::Stop => ("playback/stop", vec![], Effect::Gone),
        Action::SkipNext => ("playback/skipNext", vec![], Effect::Other),
        Action::SkipPrevious => ("playback/skipPrevious", vec![], Effect::Other),
        Action::Seek => {
            let to = seek_target(value, playing)?;
            (
                "playback/seekTo",
                vec![("offset", to.to_string())],
                Effect::Offset(to),
            )
        }
        Action::Volume => {
            let level = volume(value)?;
            (
                "playback/setParameters",
                vec![("volume", level.to_string())],
                Effect::Unseen,
            )
        }
        Action::AudioStream | Action::SubtitleStream => {
            let playing = playing.expect("checked above: only volume may run idle");
            let (param, id) = stream_choice(plex, playing, action, value).await?;
            ("playback/setStreams", vec![(param, id)], Effect::Unseen)
        }
    };
    query.push(("type", kind.into()));
    let token = plex.transient_token().await?;
    let route = send(plex, player, &token, &Command { path, query }).await?;
    let before = playing.map(|p| p.rating_key.clone());
    let (confirmed, playing) = match effect {
        Effect::Unseen => (None, now_playing(plex, &player.id).await?),
        effect => match watch(plex, &player.id, CONTROL_WAIT, |now| {
            effect.seen(now, &before)
        })
        .await?
        {
            Some(now) => (Some(true), now),
            None => (Some(false), now_playing(plex, &player.id).await?),
        },
    };
    Ok(Controlled {
        route,
        confirmed,
        playing,
    })
}

/// What the sessions show once a command took.
enum Effect {
    State(&'static str),
    Gone,
    /// Within a few seconds of this offset (ms).
    Offset(i64),
    /// Another item than before.
    Other,
    Unseen,
}

impl Effect {
    fn seen(&self, now: Option<&Playing>, before: &Option<String>) -> bool {
        match self {
            Effect::State(s) => now.is_some_and(|p| p.state == *s),
            Effect::Gone => now.is_none(),
            Effect::Offset(to) => {
                now.is_some_and(|p| p.offset_ms.is_some_and(|o| (o - to).abs() <= 5_000))
            }
            Effect::Other => now.is_some_and(|p| Some(&p.rating_key) != before.as_ref()),
            Effect::Unseen => true,
        }
    }
}

/// The offset (ms) a seek `value` names: `+30`/`-30` seconds from now, or a time from the start
/// as seconds, `m:ss` or `h:mm:ss`.
fn seek_target(value: Option<&str>, playing: Option<&Playing>) -> Result<i64, Error> {
    let invalid = |reason: String| Error::Invalid {
        name: "value",
        reason,
    };
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            invalid("seek needs a value: a time like 1:05:30 or 95, or +30 / -10 seconds".into())
        })?;
    let (sign, rest) = match value.as_bytes()[0] {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => (0, value),
    };
    let seconds = clock(rest).ok_or_else(|| {
        invalid(format!(
            "\"{value}\" is not a time: use seconds (95), m:ss (1:35), h:mm:ss (1:05:30), or +30 / -10"
        ))
    })?;
    let now = playing.and_then(|p| p.offset_ms).unwrap_or(0);
    let target = if sign == 0 {
        seconds * 1000
    } else {
        now + sign * seconds * 1000
    };
    let end = playing.and_then(|p| p.duration_ms).unwrap_or(i64::MAX);
    if target > end {
        return Err(invalid(format!(
            "{value} is past the end ({} min long)",
            end / 60_000
        )));
    }
    Ok(target.max(0))
}

/// Seconds in `95`, `1:35` or `1:05:30`.
fn clock(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 6)
    {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if nums.len() > 1 && nums[1..].iter().any(|&n| n >= 60) {
        return None;
    }
    Some(nums.iter().fold(0, |acc, n| acc * 60 + n))
}

fn volume(value: Option<&str>) -> Result<u8, Error> {
    value
        .and_then(|v| v.trim().trim_end_matches('%').parse::<u8>().ok())
        .filter(|v| *v <= 100)
        .ok_or_else(|| Error::Invalid {
            name: "value",
            reason: "volume needs a level from 0 to 100".into(),
        })
}

/// The `setStreams` parameter and stream id for an audio or subtitle choice: a stream id from
/// get_media_details, a language ("French", "fra"), or for subtitles "off".
async fn stream_choice(
    plex: &PlexClient,
    playing: &Playing,
    action: Action,
    value: Option<&str>,
) -> Result<(&'static str, String), Error> {
    let (param, stream_type, what) = if action == Action::AudioStream {
        ("audioStreamID", 2, "audio")
    } else {
        ("subtitleStreamID", 3, "subtitle")
    };
    let wanted = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::Invalid {
            name: "value",
            reason: format!(
                "{} needs a value: a stream id from get_media_details or a language",
                action.name()
            ),
        })?;
    if stream_type == 3 && matches!(wanted.to_lowercase().as_str(), "off" | "none" | "0") {
        return Ok((param, "0".into()));
    }
    let item = crate::services::item(plex, &playing.rating_key).await?;
    let streams: Vec<_> = item
        .media
        .iter()
        .flat_map(|m| &m.parts)
        .flat_map(|p| &p.streams)
        .filter(|s| s.stream_type == stream_type)
        .collect();
    let lower = wanted.to_lowercase();
    let found = streams.iter().find(|s| {
        s.id.is_some_and(|id| id.to_string() == wanted)
            || [&s.language, &s.language_code, &s.display_title]
                .into_iter()
                .flatten()
                .any(|t| t.to_lowercase() == lower || t.to_lowercase().starts_with(&lower))
    });
    match found.and_then(|s| s.id) {
        Some(id) => Ok((param, id.to_string())),
        None => Err(Error::Invalid {
            name: "value",
            reason: format!(
                "{} has no {what} stream \"{wanted}\"; it has: {}",
                playing.title,
                if streams.is_empty() {
                    "none".into()
                } else {
                    streams
                        .iter()
                        .map(|s| {
                            format!(
                                "{} ({})",
                                s.display_title
                                    .as_deref()
                                    .or(s.language.as_deref())
                                    .unwrap_or("?"),
                                s.id.map(|i| i.to_string()).unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seek_values_are_times_or_relative_seconds() {
        let now = Playing {
            rating_key: "1".into(),
            title: "x".into(),
            kind: "movie".into(),
            state: "playing".into(),
            offset_ms: Some(600_000),
            duration_ms: Some(7_200_000),
            user: None,
        };
        let at = |v: &str| seek_target(Some(v), Some(&now));
        assert_eq!(at("95").unwrap(), 95_000);
        assert_eq!(at("1:35").unwrap(), 95_000);
        assert_eq!(at("1:05:30").unwrap(), 3_930_000);
        assert_eq!(at("+30").unwrap(), 630_000);
        assert_eq!(at("-30").unwrap(), 570_000);
        assert_eq!(at("-20:00").unwrap(), 0);
        for bad in ["", "abc", "1:75", "3:00:00", "1::2", "+"] {
            assert!(at(bad).is_err(), "{bad}");
        }
        assert_eq!(volume(Some("40%")).unwrap(), 40);
        assert!(volume(Some("101")).is_err() && volume(None).is_err());
    }
}
