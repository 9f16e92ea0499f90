//! Tool families ("toolsets"): which tools a server lists. By default every family whose service
//! is configured; `PLEX_MCP_TOOLSETS` / `--toolsets` names them instead. A tool that is not
//! listed still answers a call with what to set to get it.

use std::fmt;

use crate::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Browse,
    Analytics,
    Playlists,
    Collections,
    Server,
    Playback,
    Metadata,
    Watchlist,
    Sonarr,
    Radarr,
    Trakt,
}

impl Family {
    pub const ALL: [Family; 11] = [
        Family::Browse,
        Family::Analytics,
        Family::Playlists,
        Family::Collections,
        Family::Server,
        Family::Playback,
        Family::Metadata,
        Family::Watchlist,
        Family::Sonarr,
        Family::Radarr,
        Family::Trakt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Browse => "browse",
            Family::Analytics => "analytics",
            Family::Playlists => "playlists",
            Family::Collections => "collections",
            Family::Server => "server",
            Family::Playback => "playback",
            Family::Metadata => "metadata",
            Family::Watchlist => "watchlist",
            Family::Sonarr => "sonarr",
            Family::Radarr => "radarr",
            Family::Trakt => "trakt",
        }
    }

    /// One line on what the family offers.
    pub fn summary(self) -> &'static str {
        match self {
            Family::Browse => "libraries, items, search, watch history, sessions, export",
            Family::Analytics => "watch and library statistics, popular titles, recommendations",
            Family::Playlists => "playlists and their items; creating and editing them (writes)",
            Family::Collections => {
                "library collections and their items; creating and editing them (writes)"
            }
            Family::Server => {
                "server status; library scans, metadata refresh, emptying trash (writes)"
            }
            Family::Playback => {
                "players and what they play; playing, remote control, stopping streams (writes)"
            }
            Family::Metadata => "editable fields; metadata edits, ratings, watched state (writes)",
            Family::Watchlist => "the Plex account watchlist; adding and removing (writes)",
            Family::Sonarr => "Sonarr series, search, add, missing, queue, calendar",
            Family::Radarr => "Radarr movies, search, add, missing, queue, calendar",
            Family::Trakt => "Trakt sign-in, stats, search, two-way sync, scrobbling",
        }
    }

    fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The family a tool belongs to; `None` for a name that is no tool of ours.
    pub fn of(tool: &str) -> Option<Family> {
        let family = match tool {
            t if t.starts_with("sonarr_") => Family::Sonarr,
            t if t.starts_with("radarr_") => Family::Radarr,
            // Serves both services; listed with either (see [`Toolsets::lists`]).
            "arr_get_status" => Family::Sonarr,
            t if t.starts_with("trakt_") => Family::Trakt,
            "get_watch_stats"
            | "get_user_stats"
            | "get_library_stats"
            | "get_popular_content"
            | "get_fully_watched"
            | "get_recommendations"
            | "get_view_review" => Family::Analytics,
            "get_playlists"
            | "get_playlist_items"
            | "create_playlist"
            | "add_to_playlist"
            | "remove_from_playlist"
            | "clear_playlist"
            | "delete_playlist" => Family::Playlists,
            "get_collections"
            | "get_collection_items"
            | "create_collection"
            | "add_to_collection"
            | "remove_from_collection"
            | "delete_collection" => Family::Collections,
            "get_server_status" | "scan_library" | "refresh_metadata" | "empty_trash" => {
                Family::Server
            }
            "get_players" | "play_media" | "control_playback" | "stop_stream" => Family::Playback,
            "get_watchlist" | "add_to_watchlist" | "remove_from_watchlist" => Family::Watchlist,
            "get_editable_fields"
            | "update_metadata"
            | "update_metadata_from_json"
            | "rate_media"
            | "mark_watched"
            | "mark_unwatched" => Family::Metadata,
            "get_libraries"
            | "get_library_items"
            | "get_recently_added"
            | "get_on_deck"
            | "get_media_details"
            | "search_media"
            | "get_watch_history"
            | "get_recently_watched"
            | "get_active_sessions"
            | "get_poster"
            | "get_view_posters"
            | "export_library" => Family::Browse,
            _ => return None,
        };
        Some(family)
    }

    /// What to set when the family's service is not configured.
    fn missing(self, config: &Config) -> Option<&'static str> {
        match self {
            Family::Sonarr if config.sonarr.api_key.is_none() => Some(
                "Sonarr: set SONARR_API_KEY (and SONARR_URL if it is not http://localhost:8989)",
            ),
            Family::Radarr if config.radarr.api_key.is_none() => Some(
                "Radarr: set RADARR_API_KEY (and RADARR_URL if it is not http://localhost:7878)",
            ),
            Family::Trakt
                if config.trakt.client_id.is_none() || config.trakt.client_secret.is_none() =>
            {
                Some("a Trakt application: set TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET")
            }
            _ => None,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `PLEX_MCP_TOOLSETS` / `--toolsets`: a comma list of family names.
pub fn parse_list(raw: &str) -> Result<Vec<Family>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            Family::parse(&name.to_ascii_lowercase()).ok_or_else(|| {
                let known: Vec<&str> = Family::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown toolset {name:?} in PLEX_MCP_TOOLSETS/--toolsets; the toolsets are {}",
                    known.join(", ")
                )
            })
        })
        .collect()
}

/// The families a server lists.
#[derive(Debug, Clone)]
pub struct Toolsets {
    on: Vec<Family>,
    /// Named by the user rather than chosen by configuration.
    explicit: bool,
}

impl Toolsets {
    /// The families `config` asks for; an error names an unknown family.
    pub fn new(config: &Config) -> Result<Self, String> {
        Ok(match &config.toolsets {
            Some(named) => Self {
                on: parse_list(named)?,
                explicit: true,
            },
            None => Self {
                on: Family::ALL
                    .into_iter()
                    .filter(|f| f.missing(config).is_none())
                    .collect(),
                explicit: false,
            },
        })
    }

    pub fn is_on(&self, family: Family) -> bool {
        self.on.contains(&family)
    }

    /// Whether `tool` is listed (writes aside).
    pub fn lists(&self, tool: &str) -> bool {
        match (tool, Family::of(tool)) {
            ("arr_get_status", _) => self.is_on(Family::Sonarr) || self.is_on(Family::Radarr),
            (_, Some(f)) => self.is_on(f),
            (_, None) => false,
        }
    }

    /// Why a tool of ours is not listed, and what to set to list it.
    pub fn why_off(&self, tool: &str, config: &Config) -> String {
        let family = Family::of(tool).unwrap_or(Family::Browse);
        match (self.explicit, family.missing(config)) {
            (false, Some(needs)) => format!(
                "{tool} needs {needs}. Its toolset `{family}` is listed once that is configured."
            ),
            _ => format!(
                "{tool} is in the `{family}` toolset, which is switched off: add {family} to \
                 PLEX_MCP_TOOLSETS (or --toolsets), e.g. PLEX_MCP_TOOLSETS={}",
                self.on
                    .iter()
                    .chain([&family])
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// One line per family: name, on or off (and why), what it offers.
    pub fn describe(&self, config: &Config) -> Vec<String> {
        Family::ALL
            .into_iter()
            .map(|f| {
                let state = match (self.is_on(f), f.missing(config)) {
                    (true, _) => "on".to_string(),
                    (false, Some(_)) if !self.explicit => "off (not configured)".to_string(),
                    (false, _) => "off".to_string(),
                };
                format!("{:<10} {:<20} {}", f.name(), state, f.summary())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolset_lists_parse_and_refuse_unknown_names() {
        assert_eq!(
            parse_list(" browse, Trakt ,,").unwrap(),
            [Family::Browse, Family::Trakt]
        );
        let err = parse_list("browse,music").unwrap_err();
        assert!(
            err.contains("\"music\"") && err.contains("analytics"),
            "{err}"
        );
    }

    #[test]
    fn families_cover_the_status_tool_with_either_service() {
        let only_radarr = Toolsets {
            on: vec![Family::Radarr],
            explicit: true,
        };
        assert!(only_radarr.lists("arr_get_status"));
        assert!(only_radarr.lists("radarr_search"));
        assert!(!only_radarr.lists("sonarr_search"));
        assert!(!only_radarr.lists("no_such_tool"));
    }
}
