//! Library browsing: libraries, their items, recently added, on deck, item details, editable
//! fields, and the streaming library export.

use crate::mcp::answer::Json;
use futures::StreamExt;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ItemHeader;
use super::{ItemType, NoArgs, PAGE, more_at_offset, preview, progress};
use crate::mcp::args::{Int, OrDefault, PlexId, Sort, Text};
use crate::mcp::error::no_library;
use crate::plex::models::LibrarySection;
use crate::services::{self, Error, export};
use crate::time::{Iso, minutes};
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::{
        api::lean,
        client::PAGE_CONCURRENCY,
        models::{BriefItem, ExternalIds, Item},
    },
};

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Library {
    /// Library key, the `libraryKey` other tools take.
    pub key: String,
    pub title: String,
    /// movie, show, artist or photo.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scanned_at: Option<Iso>,
    /// Top-level items in the library (movies, shows, artists); absent if Plex did not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LibrariesOutput {
    pub libraries: Vec<Library>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LibraryItemsArgs {
    /// Key from get_libraries.
    pub library_key: PlexId,
    /// Default: the library's own (movies, or shows).
    #[serde(rename = "type")]
    pub kind: Option<ItemType>,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 100000>>,
    pub offset: Option<u32>,
    /// e.g. "addedAt:desc" or "year:desc,titleSort".
    pub sort: Option<Sort>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemSummary {
    #[serde(flatten)]
    pub item: ItemHeader,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

impl From<BriefItem> for ItemSummary {
    fn from(it: BriefItem) -> Self {
        ItemSummary {
            item: ItemHeader::new(
                it.rating_key,
                it.title,
                it.kind,
                None,
                (None, None),
                it.year,
            ),
            original_title: it.original_title,
            edition_title: it.edition_title,
            guid: it.guid,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LibraryItemsOutput {
    pub library_key: String,
    pub offset: usize,
    pub limit: usize,
    /// Items in the library matching the type filter.
    pub total_size: usize,
    pub returned: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    pub items: Vec<ItemSummary>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecentlyAddedArgs {
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 1000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecentItem {
    #[serde(flatten)]
    pub item: ItemHeader,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_at: Option<Iso>,
    /// First 200 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecentlyAddedOutput {
    pub recently_added: Vec<RecentItem>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnDeckItem {
    #[serde(flatten)]
    pub item: ItemHeader,
    /// Resume position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_offset_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    /// Percent watched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_viewed_at: Option<Iso>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnDeckOutput {
    pub on_deck: Vec<OnDeckItem>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RatingKeyArgs {
    /// ratingKey from search_media or any list.
    pub rating_key: PlexId,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaDetails {
    #[serde(flatten)]
    pub item: ItemHeader,
    /// Full summary, not truncated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Critic rating, 0-10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// The owner's own rating, 0-10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_rating: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_rating: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    pub genres: Vec<String>,
    pub actors: Vec<String>,
    pub directors: Vec<String>,
    pub writers: Vec<String>,
    pub studios: Vec<String>,
    pub collections: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_at: Option<Iso>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Iso>,
    /// Times the token's owner watched it (absent: never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_viewed_at: Option<Iso>,
    /// Episodes in a show or season, and how many are watched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaf_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viewed_leaf_count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(skip_serializing_if = "ExternalIds::is_empty")]
    pub external_ids: ExternalIds,
    /// The files: one per version of a movie or episode.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<super::media_info::Version>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MediaDetailsOutput {
    pub details: MediaDetails,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AvailableTags {
    pub genres: Vec<String>,
    pub collections: Vec<String>,
    pub roles: Vec<String>,
    pub directors: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditableFieldsOutput {
    pub rating_key: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    #[serde(rename = "librarySectionID", skip_serializing_if = "Option::is_none")]
    pub library_section_id: Option<String>,
    /// Scalar fields update_metadata can set.
    pub editable_fields: Vec<&'static str>,
    /// Tag kinds that currently hold values (and so can be edited).
    pub editable_tags: Vec<&'static str>,
    pub available_tags: AvailableTags,
    pub notes: Vec<&'static str>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExportArgs {
    /// Key from get_libraries.
    pub library_key: PlexId,
    /// Default: the library's own.
    #[serde(rename = "type")]
    pub kind: Option<ItemType>,
    /// Relative to the exports directory, e.g. "2026/movies.json"; no "..".
    pub output_path: Option<Text<1, 4096>>,
    /// Items per Plex request.
    #[schemars(extend("default" = 500))]
    pub page_size: Option<Int<1, 1000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportOutput {
    pub exported: bool,
    pub library_key: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Absolute path of the written file.
    pub output_path: String,
    pub total_exported: usize,
    pub total_size: usize,
}

/// The query of a library listing of [`BriefItem`] rows, optionally of one item type.
fn library_query(kind: Option<ItemType>) -> Vec<(&'static str, String)> {
    let mut query = lean::<BriefItem>().to_vec();
    query.extend(kind.map(|k| ("type", k.plex_id().to_string())));
    query
}

impl PlexMcp {
    /// The five newest items of a library, for its resource.
    pub(crate) async fn newest_in(&self, key: &str) -> Result<Vec<ItemSummary>, ToolError> {
        let mut query = library_query(None);
        query.push(("sort", "addedAt:desc".to_string()));
        let got = self
            .ctx
            .plex
            .section_items::<BriefItem>(key, &query, 0, 5)
            .await
            .map_err(ToolError::not_found_as(|| no_library(key)))?;
        Ok(got.items.into_iter().map(ItemSummary::from).collect())
    }
}

fn tags(tags: Vec<crate::plex::models::Tag>) -> Vec<String> {
    tags.into_iter().map(|t| t.tag).collect()
}

#[tool_router(router = library_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "The libraries with key, type, item count and last scan. Call first: its key is the libraryKey other \
tools take.",
        annotations(
            title = "Libraries",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_libraries(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<LibrariesOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let sections = plex.sections().await?;
        let keys: Vec<String> = sections.iter().map(|s| s.key.clone()).collect();
        let counts: Vec<Option<usize>> = futures::stream::iter(keys)
            .map(|key| async move {
                match plex.section_size(&key).await {
                    Ok(total) => total,
                    Err(e) => {
                        tracing::warn!("counting library {key}: {e}");
                        None
                    }
                }
            })
            .buffered(PAGE_CONCURRENCY)
            .collect()
            .await;
        let libraries = sections
            .into_iter()
            .zip(counts)
            .map(|(s, count)| Library {
                key: s.key,
                title: s.title,
                kind: s.kind,
                agent: s.agent,
                scanned_at: s.scanned_at.map(Iso::unix),
                count,
            })
            .collect();
        Ok(Json(LibrariesOutput { libraries }))
    }

    #[tool(
        description = "Page through one library's items (ratingKey, title, year, guid). To find titles use search_media; \
for one item get_media_details.",
        annotations(
            title = "Library Items",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_library_items(
        &self,
        Parameters(args): Parameters<LibraryItemsArgs>,
    ) -> Result<Json<LibraryItemsOutput>, ToolError> {
        let key = args.library_key.to_string();
        let limit = args.limit.value_or(PAGE);
        let offset = args.offset.unwrap_or(0) as usize;
        let mut query = library_query(args.kind);
        if let Some(sort) = &args.sort {
            query.push(("sort", sort.as_str().to_string()));
        }
        let plex = &self.ctx.plex;
        let got = plex
            .section_items_map(
                &key,
                &query,
                offset,
                limit,
                <ItemSummary as From<BriefItem>>::from,
            )
            .await
            .map_err(ToolError::not_found_as(|| no_library(&key)))?;
        let warning = (offset > got.total).then(|| {
            format!(
                "offset ({offset}) exceeds total size ({}); returning empty results",
                got.total
            )
        });
        let items = got.items;
        Ok(Json(LibraryItemsOutput {
            library_key: key,
            offset,
            limit,
            total_size: got.total,
            returned: items.len(),
            more: more_at_offset(got.total, offset, items.len()),
            warning,
            items,
        }))
    }

    #[tool(
        description = "Newest additions across all libraries. For one library use get_library_items with sort addedAt:desc.",
        annotations(
            title = "Recently Added",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_recently_added(
        &self,
        Parameters(args): Parameters<RecentlyAddedArgs>,
    ) -> Result<Json<RecentlyAddedOutput>, ToolError> {
        let limit = args.limit.value_or(PAGE);
        let plex = &self.ctx.plex;
        let got = plex.recently_added::<Item>(limit).await?;
        let recently_added = got
            .items
            .into_iter()
            .map(|mut it| RecentItem {
                summary: preview(&it.summary),
                added_at: it.added_at.map(Iso::unix),
                item: ItemHeader::take(&mut it),
            })
            .collect();
        Ok(Json(RecentlyAddedOutput { recently_added }))
    }

    #[tool(
        description = "The token owner's On Deck: started items and next episodes, with resume point. For past plays use \
get_watch_history.",
        annotations(
            title = "On Deck",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_on_deck(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<OnDeckOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let items: Vec<Item> = plex.on_deck().await?;
        let on_deck = items
            .into_iter()
            .map(|mut it| OnDeckItem {
                progress: progress(it.view_offset, it.duration),
                item: ItemHeader::take(&mut it),
                view_offset_minutes: it.view_offset.map(minutes),
                duration_minutes: it.duration.map(minutes),
                last_viewed_at: it.last_viewed_at.map(Iso::unix),
            })
            .collect();
        Ok(Json(OnDeckOutput { on_deck }))
    }

    #[tool(
        description = "Everything about one item: summary, ratings, length, genres, cast, crew, collections, view state, \
IMDb/TMDB/TVDB ids.",
        annotations(
            title = "Media Details",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_media_details(
        &self,
        Parameters(args): Parameters<RatingKeyArgs>,
    ) -> Result<Json<MediaDetailsOutput>, ToolError> {
        let mut it = self.fetch_item(&args.rating_key).await?;
        let external_ids = it.external_ids();
        let mut studios = tags(std::mem::take(&mut it.studios));
        if studios.is_empty() {
            studios.extend(it.studio.take());
        }
        Ok(Json(MediaDetailsOutput {
            details: MediaDetails {
                item: ItemHeader::take(&mut it),
                summary: it.summary,
                rating: it.rating,
                user_rating: it.user_rating,
                content_rating: it.content_rating,
                duration_minutes: it.duration.map(minutes),
                genres: tags(it.genres),
                actors: tags(it.roles),
                directors: tags(it.directors),
                writers: tags(it.writers),
                studios,
                collections: tags(it.collections),
                added_at: it.added_at.map(Iso::unix),
                updated_at: it.updated_at.map(Iso::unix),
                view_count: it.view_count,
                last_viewed_at: it.last_viewed_at.map(Iso::unix),
                leaf_count: it.leaf_count,
                viewed_leaf_count: it.viewed_leaf_count,
                guid: it.guid,
                external_ids,
                versions: super::media_info::versions(it.media),
            },
        }))
    }

    #[tool(
        description = "An item's editable fields and current tags (genres, collections, cast, directors). Call before \
update_metadata.",
        annotations(
            title = "Editable Fields",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_editable_fields(
        &self,
        Parameters(args): Parameters<RatingKeyArgs>,
    ) -> Result<Json<EditableFieldsOutput>, ToolError> {
        let it = self.fetch_item(&args.rating_key).await?;
        let available_tags = AvailableTags {
            genres: tags(it.genres),
            collections: tags(it.collections),
            roles: tags(it.roles),
            directors: tags(it.directors),
        };
        let editable_tags = [
            ("genres", &available_tags.genres),
            ("collections", &available_tags.collections),
            ("roles", &available_tags.roles),
            ("directors", &available_tags.directors),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, _)| k)
        .collect();
        Ok(Json(EditableFieldsOutput {
            rating_key: it.rating_key,
            kind: it.kind,
            title: it.title,
            library_section_id: it.library_section_id,
            editable_fields: vec![
                "title",
                "sortTitle",
                "originalTitle",
                "summary",
                "year",
                "contentRating",
                "rating",
                "tagline",
                "studio",
            ],
            editable_tags,
            available_tags,
            notes: vec![
                "Roles/directors availability depends on agent/library type.",
                "If a tag array is empty, Plex likely won't accept edits for that tag type.",
            ],
        }))
    }

    #[tool(
        description = "Write a whole library to a new JSON file under PLEX_MCP_DATA_DIR/exports (never overwrites); returns \
 its path and counts. To read items in the chat use get_library_items. Needs writes enabled.",
        annotations(
            title = "Export Library",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn export_library(
        &self,
        Parameters(args): Parameters<ExportArgs>,
    ) -> Result<Json<ExportOutput>, ToolError> {
        let key = args.library_key.to_string();
        let page_size = args.page_size.value_or(500);
        let default_name = format!(
            "library_{key}_{}.json",
            chrono::Utc::now().timestamp_millis()
        );
        let export = export::Export {
            library_key: &key,
            filters: &library_query(args.kind),
            page_size,
            requested: args.output_path.as_deref(),
            default_name,
        };
        let done = export::library(&self.ctx.plex, &self.ctx.config.exports_dir(), export)
            .await
            .map_err(|e| match e {
                Error::Backend(b) if b.is_not_found() => ToolError::NotFound(no_library(&key)),
                other => other.into(),
            })?;
        Ok(Json(ExportOutput {
            exported: true,
            library_key: key,
            kind: args.kind.map_or("all", ItemType::as_str).to_string(),
            output_path: done.path.display().to_string(),
            total_exported: done.written,
            total_size: done.total,
        }))
    }
}

impl PlexMcp {
    /// The full metadata of one item, with a not-found error that names the argument.
    /// The library with `key`, or an error saying where keys come from.
    pub(crate) async fn library_section(&self, key: &str) -> Result<LibrarySection, ToolError> {
        self.ctx
            .plex
            .sections()
            .await?
            .into_iter()
            .find(|s| s.key == key)
            .ok_or_else(|| ToolError::NotFound(no_library(key)))
    }

    pub(crate) async fn fetch_item(&self, rating_key: &str) -> Result<Item, ToolError> {
        Ok(services::item(&self.ctx.plex, rating_key).await?)
    }
}
