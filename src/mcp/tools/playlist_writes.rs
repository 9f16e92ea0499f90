//! The opt-in playlist write tools: create, add, remove, clear, delete. They exist only when
//! `PLEX_ENABLE_MUTATIVE_OPS=true` (and not `--read-only`). Adds and removals check the playlist
//! first, so a repeat changes nothing more; the destructive ones ask (elicitation) or preview until
//! called with `confirm: true`.

use crate::mcp::answer::Json;
use rmcp::{Peer, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::confirm::Confirmed;
use crate::mcp::args::{PlexId, Text};
use crate::plex::api::PlaylistSource;
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::Item,
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemoveItemArgs {
    /// ratingKey from get_playlists.
    pub playlist_id: PlexId,
    /// playlistItemID from get_playlist_items (not ratingKey).
    pub playlist_item_id: PlexId,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoveItemOutput {
    /// False when the entry was not (or no longer) in the playlist.
    pub removed: bool,
    pub playlist_id: String,
    pub playlist_item_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfirmArgs {
    /// ratingKey from get_playlists.
    pub playlist_id: PlexId,
    /// true: act now. Omitted: ask the user (else preview). false: preview.
    pub confirm: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DestructiveOutput {
    /// True when nothing was changed and the call must be repeated with confirm: true.
    pub preview: bool,
    /// True when the change was made.
    pub done: bool,
    /// True when the user was asked and said no; nothing was changed.
    pub declined: bool,
    pub playlist_id: String,
    pub title: String,
    /// Items in the playlist before the change.
    pub item_count: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PlaylistKind {
    Video,
    Audio,
    Photo,
    Movie,
    Show,
    Episode,
    Artist,
    Album,
    Track,
}

impl PlaylistKind {
    /// Plex knows three playlist types; item types map onto them.
    fn playlist_type(self) -> &'static str {
        match self {
            PlaylistKind::Audio
            | PlaylistKind::Artist
            | PlaylistKind::Album
            | PlaylistKind::Track => "audio",
            PlaylistKind::Photo => "photo",
            PlaylistKind::Video
            | PlaylistKind::Movie
            | PlaylistKind::Show
            | PlaylistKind::Episode => "video",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreatePlaylistArgs {
    pub title: Text<1, 200>,
    /// movie, show, episode mean video; artist, album, track audio.
    #[serde(rename = "type")]
    pub kind: PlaylistKind,
    /// Required unless smart.
    pub rating_keys: Option<Vec<PlexId>>,
    /// Needs librarySectionId.
    pub smart: Option<bool>,
    /// Key from get_libraries.
    pub library_section_id: Option<PlexId>,
    #[schemars(extend("default" = "movie"))]
    pub libtype: Option<super::ItemType>,
    /// e.g. "genre=Drama&year>=2020".
    pub smart_filter: Option<Text<1, 2000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedPlaylist {
    pub rating_key: String,
    pub title: String,
    pub smart: bool,
    pub leaf_count: u32,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePlaylistOutput {
    pub created: bool,
    pub playlist: CreatedPlaylist,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddToPlaylistArgs {
    /// ratingKey from get_playlists.
    pub playlist_id: PlexId,
    /// ratingKey from search_media or any list.
    pub rating_key: PlexId,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddToPlaylistOutput {
    /// False when the item was already in the playlist (nothing was added).
    pub added: bool,
    pub playlist_id: String,
    pub rating_key: String,
    pub title: String,
}

#[tool_router(router = playlist_write_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Create a playlist: regular from ratingKeys, or smart (filled by Plex from a library). Each call \
makes a new one; undo with delete_playlist. Needs writes enabled.",
        annotations(
            title = "Create Playlist",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn create_playlist(
        &self,
        Parameters(args): Parameters<CreatePlaylistArgs>,
    ) -> Result<Json<CreatePlaylistOutput>, ToolError> {
        let title = args.title.trim();
        if title.is_empty() {
            return Err(ToolError::invalid("title", "is required"));
        }
        let smart = args.smart.unwrap_or(false);
        let keys = args.rating_keys.unwrap_or_default();
        // Every argument is checked before Plex is asked anything.
        let source = if smart {
            if !keys.is_empty() {
                return Err(ToolError::invalid(
                    "ratingKeys",
                    "smart and ratingKeys are mutually exclusive; a smart playlist is filled by its filter",
                ));
            }
            let section = args.library_section_id.as_deref().ok_or_else(|| {
                ToolError::invalid(
                    "librarySectionId",
                    "is required when smart=true; smart playlists filter a library section",
                )
            })?;
            let section = section.to_string();
            let default = match args.kind.playlist_type() {
                "audio" => super::ItemType::Track,
                _ => super::ItemType::Movie,
            };
            let libtype = args.libtype.unwrap_or(default).plex_id();
            let mut filter_arg = None;
            if let Some(filter) = args
                .smart_filter
                .as_deref()
                .map(str::trim)
                .filter(|f| !f.is_empty())
            {
                if filter
                    .chars()
                    .any(|c| c.is_control() || c == '#' || c == ' ')
                {
                    return Err(ToolError::invalid(
                        "smartFilter",
                        "must be a Plex filter like genre=Drama&year>=2020 (no spaces)",
                    ));
                }
                filter_arg = Some(filter.to_string());
            }
            PlaylistSource::Filter {
                section,
                type_id: libtype,
                filter: filter_arg,
            }
        } else {
            for (name, given) in [
                ("librarySectionId", args.library_section_id.is_some()),
                ("libtype", args.libtype.is_some()),
                ("smartFilter", args.smart_filter.is_some()),
            ] {
                if given {
                    return Err(ToolError::invalid(
                        name,
                        "applies only to smart playlists; pass smart: true or leave it out",
                    ));
                }
            }
            if keys.is_empty() {
                return Err(ToolError::invalid(
                    "ratingKeys",
                    "is required (at least one item) unless smart=true; Plex cannot create an empty playlist",
                ));
            }
            let mut unique: Vec<String> = Vec::new();
            for k in &keys {
                let k = k.to_string();
                if !unique.contains(&k) {
                    unique.push(k);
                }
            }
            PlaylistSource::Items(unique)
        };
        let created = self
            .ctx
            .plex
            .create_playlist(title, args.kind.playlist_type(), &source)
            .await?;
        let p = created.into_iter().next().ok_or_else(|| {
            ToolError::Local(
                "Plex accepted the playlist but did not describe it; check get_playlists".into(),
            )
        })?;
        Ok(Json(CreatePlaylistOutput {
            created: true,
            playlist: CreatedPlaylist {
                rating_key: p.rating_key,
                title: p.title,
                smart: p.smart.unwrap_or(smart),
                leaf_count: p.leaf_count.unwrap_or(0),
            },
        }))
    }

    #[tool(
        description = "Add one item to a regular (not smart) playlist. A repeat does nothing (added: false); undo with \
remove_from_playlist. Needs writes enabled.",
        annotations(
            title = "Add To Playlist",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn add_to_playlist(
        &self,
        Parameters(args): Parameters<AddToPlaylistArgs>,
    ) -> Result<Json<AddToPlaylistOutput>, ToolError> {
        let playlist = args.playlist_id.to_string();
        let item = self.fetch_item(&args.rating_key).await?;
        let present = self
            .playlist_entries(&playlist)
            .await?
            .iter()
            .any(|e| e.rating_key == item.rating_key);
        if !present {
            self.ctx
                .plex
                .add_to_playlist(&playlist, &item.rating_key)
                .await?;
        }
        Ok(Json(AddToPlaylistOutput {
            added: !present,
            playlist_id: playlist,
            rating_key: item.rating_key,
            title: item.title,
        }))
    }

    #[tool(
        description = "Remove one entry from a playlist (its media stays). A repeat does nothing (removed: false); undo \
with add_to_playlist. Needs writes enabled.",
        annotations(
            title = "Remove From Playlist",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn remove_from_playlist(
        &self,
        Parameters(args): Parameters<RemoveItemArgs>,
    ) -> Result<Json<RemoveItemOutput>, ToolError> {
        let playlist = args.playlist_id.to_string();
        let entry = args.playlist_item_id.to_string();
        let items = self.playlist_entries(&playlist).await?;
        let Some(found) = items
            .into_iter()
            .find(|i| i.playlist_item_id.as_deref() == Some(entry.as_str()))
        else {
            return Ok(Json(RemoveItemOutput {
                removed: false,
                playlist_id: playlist,
                playlist_item_id: entry,
                title: None,
            }));
        };
        self.ctx
            .plex
            .remove_from_playlist(&playlist, &entry)
            .await?;
        Ok(Json(RemoveItemOutput {
            removed: true,
            playlist_id: playlist,
            playlist_item_id: entry,
            title: Some(found.title),
        }))
    }

    #[tool(
        description = "Remove every item from a playlist, keeping the playlist; cannot be undone. Asks the user to confirm \
when the client can, else previews until called with confirm: true. Needs writes enabled.",
        annotations(
            title = "Clear Playlist",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn clear_playlist(
        &self,
        peer: Peer<RoleServer>,
        Parameters(args): Parameters<ConfirmArgs>,
    ) -> Result<Json<DestructiveOutput>, ToolError> {
        let (id, title, count) = self.playlist_summary(&args.playlist_id).await?;
        let question = format!("Remove all {count} items from the playlist \"{title}\"?");
        let plex = &self.ctx.plex;
        let act = || async {
            if count > 0 {
                plex.clear_playlist(&id).await?;
            }
            Ok(())
        };
        let answer = self
            .when_confirmed(&peer, args.confirm, question, act)
            .await?;
        let how = match answer {
            Confirmed::Done => Outcome::Done("Removed every item from"),
            Confirmed::Preview => Outcome::Preview("Would remove all items from"),
            Confirmed::Declined => Outcome::Declined,
        };
        Ok(Json(outcome(how, id, title, count)))
    }

    #[tool(
        description = "Delete a playlist (its media stays); cannot be undone. Asks the user to confirm when the client can, \
 else previews until called with confirm: true. Needs writes enabled.",
        annotations(
            title = "Delete Playlist",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn delete_playlist(
        &self,
        peer: Peer<RoleServer>,
        Parameters(args): Parameters<ConfirmArgs>,
    ) -> Result<Json<DestructiveOutput>, ToolError> {
        let (id, title, count) = self.playlist_summary(&args.playlist_id).await?;
        let question = format!(
            "Delete the playlist \"{title}\" ({count} items)? The media stays in the library."
        );
        let plex = &self.ctx.plex;
        let act = || async { Ok(plex.delete_playlist(&id).await?) };
        let answer = self
            .when_confirmed(&peer, args.confirm, question, act)
            .await?;
        let how = match answer {
            Confirmed::Done => Outcome::Done("Deleted the playlist"),
            Confirmed::Preview => Outcome::Preview("Would delete the playlist"),
            Confirmed::Declined => Outcome::Declined,
        };
        Ok(Json(outcome(how, id, title, count)))
    }
}

enum Outcome {
    /// Nothing changed; the verb phrase says what a confirmed call would do.
    Preview(&'static str),
    Declined,
    /// The change was made; the verb phrase says what it was.
    Done(&'static str),
}

fn outcome(o: Outcome, playlist_id: String, title: String, item_count: usize) -> DestructiveOutput {
    let (preview, done, declined, message) = match o {
        Outcome::Preview(what) => (
            true,
            false,
            false,
            format!(
                "{what} \"{title}\" ({item_count} items). Nothing changed yet: call again with confirm: true to go ahead."
            ),
        ),
        Outcome::Declined => (
            false,
            false,
            true,
            format!("The user declined; \"{title}\" was not changed."),
        ),
        Outcome::Done(what) => (
            false,
            true,
            false,
            format!("{what} \"{title}\" ({item_count} items); the media stays in the library."),
        ),
    };
    DestructiveOutput {
        preview,
        done,
        declined,
        message,
        playlist_id,
        title,
        item_count,
    }
}

impl PlexMcp {
    async fn playlist_entries(&self, playlist: &str) -> Result<Vec<Item>, ToolError> {
        let plex = &self.ctx.plex;
        plex.playlist_all_items(playlist)
            .await
            .map_err(ToolError::not_found_as(|| {
                format!("No playlist has id {playlist}. Call get_playlists for the valid ids.")
            }))
    }

    /// (id, title, item count) of a playlist, or a clear not-found error.
    async fn playlist_summary(
        &self,
        playlist_id: &str,
    ) -> Result<(String, String, usize), ToolError> {
        let id = playlist_id.to_string();
        let plex = &self.ctx.plex;
        let playlists: Vec<Item> = plex.playlists().await?;
        let playlist = playlists
            .into_iter()
            .find(|p| p.rating_key == id)
            .ok_or_else(|| {
                ToolError::NotFound(format!(
                    "No playlist has id {id}. Call get_playlists for the valid ids."
                ))
            })?;
        let count = plex.playlist_size(&id).await?.unwrap_or(0);
        Ok((id, playlist.title, count))
    }
}
