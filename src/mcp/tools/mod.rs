//! The Plex tools, one file per family. Each `#[tool_router]` block adds its tools to the server;
//! `crate::mcp::server` puts the families together.

mod analytics;
mod arr;
mod collections;
mod confirm;
mod history;
mod library;
mod media_info;
mod metadata;
mod playback;
mod playlist_writes;
mod playlists;
mod poster;
mod radarr;
mod recommendations;
mod review;
mod search;
mod server;
mod sonarr;
mod trakt;
mod transcode;
mod watchlist;
mod write;

pub(crate) use library::RatingKeyArgs;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::{
    args::{Int, When},
    error::ToolError,
};

use crate::plex::models::Item;

/// Longest summary preview in list results; get_media_details gives the whole text.
pub const SUMMARY_PREVIEW: usize = 200;

/// The default page of a list tool: what an assistant reads in one turn.
pub const PAGE: usize = 30;

/// What a page left out and the call that gets it: "470 more; call again with offset 30". `None`
/// when nothing is left.
pub fn more(total: usize, shown_up_to: usize, how: impl FnOnce(usize) -> String) -> Option<String> {
    (total > shown_up_to).then(|| format!("{} more; {}", total - shown_up_to, how(shown_up_to)))
}

/// [`more`] for tools paged by `offset`.
pub fn more_at_offset(total: usize, offset: usize, shown: usize) -> Option<String> {
    more(total, offset + shown, |next| {
        format!("call again with offset {next}")
    })
}

/// Arguments of a tool that takes none; unknown keys are refused.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

// What every item row starts with: its id, title and kind; for episodes the show, season and
// episode number. Not a doc comment: schemars would give it as the description of every row
// that flattens it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemHeader {
    pub rating_key: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Show title, for episodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

impl ItemHeader {
    /// From Plex's fields; `(season, episode)` are kept for episodes only (Plex numbers seasons
    /// and tracks too).
    pub fn new(
        rating_key: String,
        title: String,
        kind: String,
        show: Option<String>,
        (season, episode): (Option<u32>, Option<u32>),
        year: Option<i32>,
    ) -> Self {
        let is_episode = kind == "episode";
        Self {
            rating_key,
            title,
            kind,
            show,
            season: season.filter(|_| is_episode),
            episode: episode.filter(|_| is_episode),
            year,
        }
    }

    /// Moves the header out of a full item, leaving the rest of it usable.
    pub fn take(it: &mut Item) -> Self {
        Self::new(
            std::mem::take(&mut it.rating_key),
            std::mem::take(&mut it.title),
            std::mem::take(&mut it.kind),
            it.grandparent_title.take(),
            (it.parent_index, it.index),
            it.year,
        )
    }
}

/// The time window of a history or statistics call: `since` (inclusive) and `until` (exclusive),
/// or `timeRange` days back from now; not both.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Set when the window came from `timeRange` (or its default).
    days: Option<usize>,
}

impl Window {
    pub fn new(
        time_range: Option<Int<1, 3650>>,
        default_days: Option<usize>,
        since: Option<When>,
        until: Option<When>,
    ) -> Result<Self, ToolError> {
        if time_range.is_some() && (since.is_some() || until.is_some()) {
            return Err(ToolError::invalid(
                "timeRange",
                "give either timeRange (days back from now) or since/until, not both",
            ));
        }
        let (from, until) = (since.map(When::unix), until.map(When::unix));
        if let (Some(f), Some(u)) = (from, until)
            && u <= f
        {
            return Err(ToolError::invalid("until", "must be later than since"));
        }
        let days = match (from, until) {
            (None, None) => time_range.map(|d| d.get() as usize).or(default_days),
            _ => None,
        };
        let now = chrono::Utc::now().timestamp();
        Ok(Self {
            from: from.or(days.map(|d| now - d as i64 * 86_400)),
            until,
            days,
        })
    }

    /// How the window reads in a result: "30 days", or "2025-01-01T00:00:00Z to now".
    pub fn label(&self) -> String {
        match (self.days, self.from) {
            (Some(d), _) => format!("{d} days"),
            (None, from) => format!(
                "{} to {}",
                from.map_or("the start".into(), crate::time::iso),
                self.until.map_or("now".into(), crate::time::iso)
            ),
        }
    }

    /// The window's length in days, for per-day averages.
    pub fn days(&self) -> f64 {
        let end = self.until.unwrap_or_else(|| chrono::Utc::now().timestamp());
        (end - self.from.unwrap_or(end)).max(86_400) as f64 / 86_400.0
    }
}

/// Plex library item types, as the `type` filter takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Movie,
    Show,
    Season,
    Episode,
    Artist,
    Album,
    Track,
}

impl ItemType {
    /// Plex's numeric type id for the `type=` query parameter.
    pub fn plex_id(self) -> u8 {
        match self {
            ItemType::Movie => 1,
            ItemType::Show => 2,
            ItemType::Season => 3,
            ItemType::Episode => 4,
            ItemType::Artist => 8,
            ItemType::Album => 9,
            ItemType::Track => 10,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Movie => "movie",
            ItemType::Show => "show",
            ItemType::Season => "season",
            ItemType::Episode => "episode",
            ItemType::Artist => "artist",
            ItemType::Album => "album",
            ItemType::Track => "track",
        }
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with "...".
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((byte, _)) => format!("{}...", &s[..byte]),
    }
}

pub fn preview(summary: &Option<String>) -> Option<String> {
    summary
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| truncate(s, SUMMARY_PREVIEW))
}

/// `viewOffset` as a percentage of `duration`, when both are known.
pub fn progress(view_offset: Option<i64>, duration: Option<i64>) -> Option<u8> {
    match (view_offset, duration) {
        (Some(o), Some(d)) if d > 0 => {
            Some(((o as f64 / d as f64) * 100.0).round().clamp(0.0, 100.0) as u8)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_is_char_safe() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("héllo", 2), "hé...");
        assert_eq!(truncate("abc", 0), "...");
    }

    #[test]
    fn progress_rounds() {
        assert_eq!(progress(Some(50), Some(200)), Some(25));
        assert_eq!(progress(None, Some(200)), None);
        assert_eq!(progress(Some(5), Some(0)), None);
    }
}
