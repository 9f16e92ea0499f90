//! Reading playlists and their items.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ItemHeader;
use super::{NoArgs, PAGE, more_at_offset, preview};
use crate::mcp::args::{Int, OrDefault, PlexId};
use crate::time::{Iso, minutes};
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::Item,
};

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Playlist {
    /// The playlistId other playlist tools take.
    pub rating_key: String,
    pub title: String,
    /// video, audio or photo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playlist_type: Option<String>,
    pub smart: bool,
    /// Number of items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_at: Option<Iso>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Iso>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PlaylistsOutput {
    pub playlists: Vec<Playlist>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlaylistItemsArgs {
    /// ratingKey from get_playlists.
    pub playlist_id: PlexId,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 100000>>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistItem {
    #[serde(flatten)]
    pub item: ItemHeader,
    /// This entry's id within the playlist (what remove_from_playlist takes).
    #[serde(rename = "playlistItemID", skip_serializing_if = "Option::is_none")]
    pub playlist_item_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaylistItemsOutput {
    pub playlist_id: String,
    pub offset: usize,
    /// Items in the whole playlist.
    pub total_size: usize,
    pub returned: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    pub items: Vec<PlaylistItem>,
}

#[tool_router(router = playlist_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "All playlists, regular and smart, with item count and length. Their ratingKey is the playlistId \
other tools take.",
        annotations(
            title = "Playlists",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_playlists(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<PlaylistsOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let items: Vec<Item> = plex.playlists().await?;
        let playlists = items
            .into_iter()
            .map(|p| Playlist {
                summary: preview(&p.summary),
                rating_key: p.rating_key,
                title: p.title,
                playlist_type: p.playlist_type,
                smart: p.smart.unwrap_or(false),
                leaf_count: p.leaf_count,
                duration_minutes: p.duration.map(minutes),
                added_at: p.added_at.map(Iso::unix),
                updated_at: p.updated_at.map(Iso::unix),
            })
            .collect();
        Ok(Json(PlaylistsOutput { playlists }))
    }

    #[tool(
        description = "A playlist's items in order, paged; each has its playlistItemID (for remove_from_playlist) and \
ratingKey.",
        annotations(
            title = "Playlist Items",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_playlist_items(
        &self,
        Parameters(args): Parameters<PlaylistItemsArgs>,
    ) -> Result<Json<PlaylistItemsOutput>, ToolError> {
        let id = args.playlist_id.to_string();
        let limit = args.limit.value_or(PAGE);
        let offset = args.offset.unwrap_or(0) as usize;
        let plex = &self.ctx.plex;
        let got = plex
            .playlist_items::<Item>(&id, offset, limit)
            .await
            .map_err(ToolError::not_found_as(|| {
                format!("No playlist has id {id}. Call get_playlists for the valid ids.")
            }))?;
        let items: Vec<PlaylistItem> = got
            .items
            .into_iter()
            .map(|mut it| PlaylistItem {
                summary: preview(&it.summary),
                playlist_item_id: it.playlist_item_id.take(),
                duration_minutes: it.duration.map(minutes),
                item: ItemHeader::take(&mut it),
            })
            .collect();
        Ok(Json(PlaylistItemsOutput {
            playlist_id: id,
            offset,
            total_size: got.total,
            returned: items.len(),
            more: more_at_offset(got.total, offset, items.len()),
            items,
        }))
    }
}
