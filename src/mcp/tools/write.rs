//! The opt-in Plex write tools on items and the watchlist: watched state, ratings, watchlist
//! entries (playlist writes are in `playlist_writes`). Like every write tool they exist only when
//! `PLEX_ENABLE_MUTATIVE_OPS=true` (and not `--read-only`), and each checks the current state
//! first, so a repeated call changes nothing more.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::args::{Num, PlexId, Text};
use crate::plex::api::Change;
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::Item,
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WatchArgs {
    /// ratingKey from search_media or any list.
    pub rating_key: PlexId,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchOutput {
    /// Whether Plex was changed (false when it already was as asked).
    pub updated: bool,
    pub watched: bool,
    pub rating_key: String,
    pub title: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RateArgs {
    /// ratingKey from search_media or any list.
    pub rating_key: PlexId,
    pub rating: Num<0, 10>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateOutput {
    pub updated: bool,
    pub rating_key: String,
    pub title: String,
    pub rating: f64,
    /// The owner's rating before, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_rating: Option<f64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WatchlistAddArgs {
    /// A movie or show's ratingKey from search_media.
    pub rating_key: PlexId,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WatchlistRemoveArgs {
    /// guid from get_watchlist; or give ratingKey.
    pub plex_guid: Option<Text<1, 200>>,
    /// A movie or show's ratingKey from search_media.
    pub rating_key: Option<PlexId>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WatchlistChangeOutput {
    /// False when the watchlist already was as asked.
    pub updated: bool,
    pub action: &'static str,
    pub plex_guid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating_key: Option<String>,
}

#[tool_router(router = write_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Mark an item watched for the token's owner (show or season: every episode). A repeat does nothing; \
undo with mark_unwatched. Needs writes enabled.",
        annotations(
            title = "Mark Watched",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn mark_watched(
        &self,
        Parameters(args): Parameters<WatchArgs>,
    ) -> Result<Json<WatchOutput>, ToolError> {
        self.set_watched(&args.rating_key, true).await
    }

    #[tool(
        description = "Mark an item unwatched for the token's owner (show or season: every episode), clearing play count \
and resume point. A repeat does nothing; mark_watched undoes it, but the count restarts at 1. Needs \
writes enabled.",
        annotations(
            title = "Mark Unwatched",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn mark_unwatched(
        &self,
        Parameters(args): Parameters<WatchArgs>,
    ) -> Result<Json<WatchOutput>, ToolError> {
        self.set_watched(&args.rating_key, false).await
    }

    #[tool(
        description = "Set the token owner's rating of an item, 0-10 (10 = five stars). Replaces the earlier rating, \
returned as previousRating to undo. Needs writes enabled.",
        annotations(
            title = "Rate Media",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn rate_media(
        &self,
        Parameters(args): Parameters<RateArgs>,
    ) -> Result<Json<RateOutput>, ToolError> {
        let rating = args.rating.get();
        let item = self.fetch_item(&args.rating_key).await?;
        self.ctx.plex.rate(&item.rating_key, rating).await?;
        Ok(Json(RateOutput {
            updated: true,
            rating_key: item.rating_key,
            title: item.title,
            rating,
            previous_rating: item.user_rating,
        }))
    }

    #[tool(
        description = "Put a local movie or show on the plex.tv watchlist (needs an account token). A repeat does nothing \
(updated: false); undo with remove_from_watchlist. Needs writes enabled.",
        annotations(
            title = "Add To Watchlist",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn add_to_watchlist(
        &self,
        Parameters(args): Parameters<WatchlistAddArgs>,
    ) -> Result<Json<WatchlistChangeOutput>, ToolError> {
        let item = self.fetch_item(&args.rating_key).await?;
        let guid = item.guid.unwrap_or_default();
        self.change_watchlist(true, guid, Some(item.rating_key))
            .await
    }

    #[tool(
        description = "Take a movie or show off the plex.tv watchlist. A repeat does nothing (updated: false); undo with \
add_to_watchlist. Needs writes enabled.",
        annotations(
            title = "Remove From Watchlist",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn remove_from_watchlist(
        &self,
        Parameters(args): Parameters<WatchlistRemoveArgs>,
    ) -> Result<Json<WatchlistChangeOutput>, ToolError> {
        match (args.plex_guid, args.rating_key) {
            (Some(guid), None) => self.change_watchlist(false, guid.into_string(), None).await,
            (None, Some(key)) => {
                let item = self.fetch_item(&key).await?;
                self.change_watchlist(false, item.guid.unwrap_or_default(), Some(item.rating_key))
                    .await
            }
            _ => Err(ToolError::invalid(
                "plexGuid",
                "give exactly one of plexGuid or ratingKey",
            )),
        }
    }
}

impl PlexMcp {
    async fn change_watchlist(
        &self,
        add: bool,
        guid: String,
        rating_key: Option<String>,
    ) -> Result<Json<WatchlistChangeOutput>, ToolError> {
        let global = guid
            .strip_prefix("plex://movie/")
            .or_else(|| guid.strip_prefix("plex://show/"))
            .filter(|k| !k.is_empty() && !k.contains(['/', '?', '#']))
            .ok_or_else(|| {
                ToolError::invalid(
                    "plexGuid",
                    format!("{guid:?} is not a plex://movie/… or plex://show/… guid; watchlist items must be matched with the Plex Movie or Plex TV Series agent"),
                )
            })?
            .to_string();
        let plex = &self.ctx.plex;
        let current: Vec<Item> = plex.watchlist(&[]).await?;
        let present = current
            .iter()
            .any(|w| w.rating_key == global || w.guid.as_deref() == Some(guid.as_str()));
        let (action, which) = if add {
            ("add_to_watchlist", Change::Add)
        } else {
            ("remove_from_watchlist", Change::Remove)
        };
        let change = present != add;
        if change {
            plex.change_watchlist(which, &global).await?;
        }
        Ok(Json(WatchlistChangeOutput {
            updated: change,
            action,
            plex_guid: guid,
            rating_key,
        }))
    }

    pub(crate) async fn set_watched(
        &self,
        rating_key: &str,
        watched: bool,
    ) -> Result<Json<WatchOutput>, ToolError> {
        let item = self.fetch_item(rating_key).await?;
        let is_watched = match item.leaf_count {
            // Shows and seasons: watched when every episode is.
            Some(leaves) => leaves > 0 && item.viewed_leaf_count == Some(leaves),
            None => item.view_count.unwrap_or(0) > 0,
        };
        let has_views = item.view_count.unwrap_or(0) > 0 || item.viewed_leaf_count.unwrap_or(0) > 0;
        let change = if watched {
            !is_watched
        } else {
            has_views || item.view_offset.is_some()
        };
        if change {
            self.ctx.plex.set_watched(&item.rating_key, watched).await?;
        }
        Ok(Json(WatchOutput {
            updated: change,
            watched,
            rating_key: item.rating_key,
            title: item.title,
        }))
    }
}
