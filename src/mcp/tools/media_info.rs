//! The file-level facts of an item, for get_media_details: each version's container, picture,
//! bitrate, size and path, and its audio and subtitle tracks — what "why is this buffering?"
//! and "is this the 4K copy?" need.

use schemars::JsonSchema;
use serde::Serialize;

use crate::plex::models::{Media, Stream};
use crate::time::gb;

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// e.g. 4k, 1080, 720.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_codec: Option<String>,
    /// HDR10, HLG or Dolby Vision; absent for SDR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hdr: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitrate_mbps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<f64>,
    /// The file's path as the server sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub audio: Vec<Track>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subtitles: Vec<Track>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forced: Option<bool>,
}

fn track(s: &Stream) -> Track {
    Track {
        codec: s.codec.clone(),
        language: s.language.clone(),
        channels: s.channels,
        forced: s.forced.filter(|f| *f),
    }
}

fn hdr(video: Option<&Stream>) -> Option<&'static str> {
    let v = video?;
    if v.dolby_vision == Some(true) {
        return Some("Dolby Vision");
    }
    match v.color_trc.as_deref() {
        Some("smpte2084") => Some("HDR10"),
        Some("arib-std-b67") => Some("HLG"),
        _ => None,
    }
}

/// One entry per media version (a movie can have several files: 4K and 1080p copies).
pub fn versions(media: Vec<Media>) -> Vec<Version> {
    media
        .into_iter()
        .map(|m| {
            let part = m.parts.into_iter().next().unwrap_or_default();
            let of = |t: u8| part.streams.iter().filter(move |s| s.stream_type == t);
            Version {
                container: m.container,
                resolution: m.video_resolution,
                video_codec: m.video_codec,
                hdr: hdr(of(1).next()),
                bitrate_mbps: m.bitrate.map(|k| (k as f64 / 100.0).round() / 10.0),
                size_gb: part.size.map(|b| gb(b as f64)),
                audio: of(2).map(track).collect(),
                subtitles: of(3).map(track).collect(),
                file: part.file,
            }
        })
        .collect()
}
