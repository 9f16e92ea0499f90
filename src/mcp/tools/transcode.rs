//! Why Plex transcodes a stream, in plain words: from the transcode session (what it decided)
//! and the item's *source* file (the session's own streams describe the output).

use crate::plex::models::{Item, TranscodeSession};

/// The reasons, one per transcoded part, and how the work is done (hardware or software).
pub fn explain(
    t: &TranscodeSession,
    source: Option<&Item>,
    location: Option<&str>,
) -> (Vec<String>, &'static str) {
    let media = source.and_then(|i| i.media.first());
    let video_stream = media
        .and_then(|m| m.parts.first())
        .and_then(|p| p.streams.iter().find(|s| s.stream_type == 1));
    let hdr = video_stream.is_some_and(|v| {
        v.dolby_vision == Some(true)
            || matches!(v.color_trc.as_deref(), Some("smpte2084" | "arib-std-b67"))
    });
    let upper = |c: &Option<String>| c.as_deref().unwrap_or("?").to_uppercase();
    let src_video = media
        .and_then(|m| m.video_codec.clone())
        .or_else(|| t.source_video_codec.clone());
    let mut reasons = Vec::new();
    if t.video_decision.as_deref() == Some("transcode") {
        if src_video.is_some() && src_video != t.video_codec {
            reasons.push(format!(
                "video {} → {}: the player cannot play {} natively",
                upper(&src_video),
                upper(&t.video_codec),
                upper(&src_video)
            ));
        } else {
            let remote = if location == Some("wan") {
                " (a remote stream's quality setting)"
            } else {
                ""
            };
            reasons.push(format!(
                "video re-encoded at a lower bitrate: the file's bitrate is above the player's limit{remote}"
            ));
        }
        if hdr {
            reasons.push("HDR tone-mapped to SDR for a player without HDR".into());
        }
    }
    if t.audio_decision.as_deref() == Some("transcode") {
        reasons.push(format!(
            "audio {} → {}: the player cannot decode {}",
            upper(&t.source_audio_codec),
            upper(&t.audio_codec),
            upper(&t.source_audio_codec)
        ));
    }
    if t.subtitle_decision.as_deref() == Some("burn") {
        reasons.push(
            "subtitles burned into the picture: the player cannot show this subtitle format (or \
             it was asked to)"
                .into(),
        );
    }
    if reasons.is_empty() {
        reasons.push("container remuxed; video and audio are copied as they are".into());
    }
    let hardware = match (t.transcode_hw_full_pipeline, t.transcode_hw_requested) {
        (Some(true), _) => "hardware",
        (_, Some(true)) => "partly hardware (decode or encode in software)",
        _ => "software",
    };
    (reasons, hardware)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(json: serde_json::Value) -> TranscodeSession {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_same_codec_video_transcode_is_a_bitrate_limit_and_remote_says_so() {
        let t = session(serde_json::json!({
            "videoDecision": "transcode", "audioDecision": "copy",
            "sourceVideoCodec": "h264", "videoCodec": "h264", "transcodeHwRequested": false,
        }));
        let (reasons, how) = explain(&t, None, Some("wan"));
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0].contains("bitrate") && reasons[0].contains("remote"),
            "{reasons:?}"
        );
        assert_eq!(how, "software");
        let copy = session(
            serde_json::json!({"videoDecision": "copy", "audioDecision": "copy",
                                               "transcodeHwFullPipeline": true}),
        );
        let (reasons, how) = explain(&copy, None, Some("lan"));
        assert!(reasons[0].contains("remuxed"), "{reasons:?}");
        assert_eq!(how, "hardware");
    }
}
