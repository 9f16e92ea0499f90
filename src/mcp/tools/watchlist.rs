//! The plex.tv account watchlist, read through Plex Discover.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Serialize;

use super::{NoArgs, preview};
use crate::time::Iso;
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::Item,
};

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchlistItem {
    /// Discover's global key (not a local ratingKey).
    pub rating_key: String,
    /// plex://movie/... or plex://show/...; what add/remove_from_watchlist take.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// When it was put on the watchlist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_at: Option<Iso>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WatchlistOutput {
    pub watchlist: Vec<WatchlistItem>,
    pub source: &'static str,
}

#[tool_router(router = watchlist_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "The plex.tv account's watchlist (saved to watch later, on this server or not), newest first. Needs \
an account token.",
        annotations(
            title = "Watchlist",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_watchlist(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<WatchlistOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let query = [
            ("includeCollections", "1".to_string()),
            ("includeExternalMedia", "1".to_string()),
        ];
        let items: Vec<Item> = plex.watchlist(&query).await?;
        let watchlist = items
            .into_iter()
            .map(|it| WatchlistItem {
                summary: preview(&it.summary),
                added_at: it.watchlisted_at.or(it.added_at).map(Iso::unix),
                rating_key: it.rating_key,
                guid: it.guid,
                title: it.title,
                kind: it.kind,
                year: it.year,
            })
            .collect();
        Ok(Json(WatchlistOutput {
            watchlist,
            source: "Plex Discover account watchlist",
        }))
    }
}
