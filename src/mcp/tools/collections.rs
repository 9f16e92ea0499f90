//! Library collections: listed and read by anyone; created, extended, trimmed and deleted only
//! with writes enabled. Adds and removals check the collection first (a repeat changes nothing
//! more), items must share the collection's library and type (said before Plex refuses), and a
//! deletion asks or previews like the playlist one.

use crate::mcp::answer::Json;
use rmcp::{Peer, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::confirm::Confirmed;
use super::{ItemHeader, PAGE, more_at_offset};
use crate::mcp::args::{Int, OrDefault, PlexId, Text};
use crate::mcp::error::no_library;
use crate::plex::api::PlaylistSource;
use crate::time::Iso;
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::{Collection, Item},
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectionsArgs {
    /// Key from get_libraries; default every movie and TV library.
    pub library_key: Option<PlexId>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionRow {
    /// The collectionId other collection tools take.
    pub rating_key: String,
    pub title: String,
    pub library_key: String,
    /// movie or show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    pub smart: bool,
    pub item_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Iso>,
}

impl CollectionRow {
    fn new(c: Collection, library: &str) -> Self {
        Self {
            rating_key: c.rating_key,
            title: c.title,
            library_key: c.library_section_id.unwrap_or_else(|| library.to_string()),
            subtype: c.subtype,
            smart: c.smart,
            item_count: c.child_count.unwrap_or(0),
            updated_at: c.updated_at.map(Iso::unix),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionsOutput {
    pub collections: Vec<CollectionRow>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectionItemsArgs {
    /// ratingKey from get_collections.
    pub collection_id: PlexId,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 10000>>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionItemsOutput {
    pub collection_id: String,
    pub total_size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    pub items: Vec<ItemHeader>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateCollectionArgs {
    /// Key from get_libraries (a movie or TV library).
    pub library_key: PlexId,
    pub title: Text<1, 200>,
    /// Movies or shows of that library, from search_media or get_library_items.
    pub rating_keys: Option<Vec<PlexId>>,
    /// Filled by Plex from smartFilter.
    pub smart: Option<bool>,
    /// e.g. "genre=Drama&year>=2020".
    pub smart_filter: Option<Text<1, 2000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCollectionOutput {
    pub collection: CollectionRow,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MemberArgs {
    /// ratingKey from get_collections.
    pub collection_id: PlexId,
    /// ratingKey from search_media or get_collection_items.
    pub rating_key: PlexId,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberOutput {
    /// False when the collection already was as asked.
    pub changed: bool,
    pub collection_id: String,
    pub rating_key: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeleteCollectionArgs {
    /// ratingKey from get_collections.
    pub collection_id: PlexId,
    /// true: act now. Omitted: ask the user (else preview). false: preview.
    pub confirm: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteCollectionOutput {
    /// True when nothing was changed and the call must be repeated with confirm: true.
    pub preview: bool,
    pub done: bool,
    /// The user was asked and said no.
    pub declined: bool,
    pub title: String,
    pub item_count: usize,
}

/// Plex's type id of the members of a library of `kind`.
fn member_type(kind: &str) -> Option<u8> {
    match kind {
        "movie" => Some(1),
        "show" => Some(2),
        _ => None,
    }
}

fn no_collection(id: &str) -> String {
    format!("No collection has id {id}. Call get_collections for the valid ids.")
}

impl PlexMcp {
    /// The collection `id` (its metadata: library and member type).
    async fn collection(&self, id: &str) -> Result<Item, ToolError> {
        self.ctx
            .plex
            .item(id)
            .await?
            .filter(|it| it.kind == "collection")
            .ok_or_else(|| ToolError::NotFound(no_collection(id)))
    }

    /// Refuses items that are not of `library` and `kind`, naming them.
    async fn check_members(
        &self,
        keys: &[String],
        library: &str,
        kind: &str,
        argument: &'static str,
    ) -> Result<(), ToolError> {
        let items: Vec<Item> = self.ctx.plex.metadata_batch(keys, &[]).await?;
        let wrong: Vec<String> = keys
            .iter()
            .filter(|k| {
                !items.iter().any(|it| {
                    &&it.rating_key == k
                        && it.kind == kind
                        && it.library_section_id.as_deref() == Some(library)
                })
            })
            .cloned()
            .collect();
        if wrong.is_empty() {
            return Ok(());
        }
        Err(ToolError::invalid(
            argument,
            format!(
                "{} {} not a {kind} of library {library}; a collection holds one library's movies or shows",
                wrong.join(", "),
                if wrong.len() == 1 { "is" } else { "are" }
            ),
        ))
    }

    async fn is_member(&self, collection: &str, key: &str) -> Result<bool, ToolError> {
        let all = self
            .ctx
            .plex
            .collection_items::<Item>(collection, 0, usize::MAX)
            .await?;
        Ok(all.items.iter().any(|it| it.rating_key == key))
    }
}

#[tool_router(router = collection_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "The collections of one library or of every movie and TV library, with item counts. Their \
ratingKey is the collectionId the other collection tools take.",
        annotations(title = "Collections", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_collections(
        &self,
        Parameters(args): Parameters<CollectionsArgs>,
    ) -> Result<Json<CollectionsOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let libraries: Vec<String> = match args.library_key {
            Some(key) => vec![key.into_string()],
            None => plex
                .sections()
                .await?
                .into_iter()
                .filter(|s| member_type(&s.kind).is_some())
                .map(|s| s.key)
                .collect(),
        };
        let mut collections = Vec::new();
        for key in libraries {
            let found = plex
                .collections(&key)
                .await
                .map_err(ToolError::not_found_as(|| no_library(&key)))?;
            collections.extend(found.into_iter().map(|c| CollectionRow::new(c, &key)));
        }
        Ok(Json(CollectionsOutput { collections }))
    }

    #[tool(
        description = "A collection's items in order, paged. For the collections themselves use get_collections.",
        annotations(
            title = "Collection Items",
            read_only_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn get_collection_items(
        &self,
        Parameters(args): Parameters<CollectionItemsArgs>,
    ) -> Result<Json<CollectionItemsOutput>, ToolError> {
        let id = args.collection_id.to_string();
        let offset = args.offset.unwrap_or(0) as usize;
        let got = self
            .ctx
            .plex
            .collection_items::<Item>(&id, offset, args.limit.value_or(PAGE))
            .await
            .map_err(ToolError::not_found_as(|| no_collection(&id)))?;
        let items: Vec<ItemHeader> = got
            .items
            .into_iter()
            .map(|mut it| ItemHeader::take(&mut it))
            .collect();
        Ok(Json(CollectionItemsOutput {
            more: more_at_offset(got.total, offset, items.len()),
            collection_id: id,
            total_size: got.total,
            items,
        }))
    }
}

#[tool_router(router = collection_write_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Create a collection in a movie or TV library, with items of it (type-checked first) or smart \
(filled by Plex). Each call makes a new one; undo with delete_collection. Needs writes enabled.",
        annotations(
            title = "Create Collection",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn create_collection(
        &self,
        Parameters(args): Parameters<CreateCollectionArgs>,
    ) -> Result<Json<CreateCollectionOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let library = args.library_key.to_string();
        let section = self.library_section(&library).await?;
        let type_id = member_type(&section.kind).ok_or_else(|| {
            ToolError::invalid(
                "libraryKey",
                format!(
                    "library {library} holds {}; collections here hold movies or shows",
                    section.kind
                ),
            )
        })?;
        let mut keys: Vec<String> = args
            .rating_keys
            .unwrap_or_default()
            .into_iter()
            .map(PlexId::into_string)
            .collect();
        keys.dedup();
        let smart = args.smart.unwrap_or(false);
        let source = match (smart, keys.is_empty(), args.smart_filter) {
            (true, false, _) => {
                return Err(ToolError::invalid(
                    "ratingKeys",
                    "a smart collection is filled by Plex: give smartFilter, not ratingKeys",
                ));
            }
            (false, _, Some(_)) => {
                return Err(ToolError::invalid(
                    "smartFilter",
                    "only a smart collection takes a filter (smart: true)",
                ));
            }
            (true, true, filter) => Some(PlaylistSource::Filter {
                section: library.clone(),
                type_id,
                filter: filter.map(Text::into_string),
            }),
            (false, true, None) => None,
            (false, false, None) => {
                self.check_members(&keys, &library, &section.kind, "ratingKeys")
                    .await?;
                Some(PlaylistSource::Items(keys))
            }
        };
        let created = plex
            .create_collection(&library, type_id, &args.title, source.as_ref())
            .await?;
        let collection = created.into_iter().next().ok_or_else(|| {
            ToolError::Local(
                "Plex created the collection but did not return it; call get_collections".into(),
            )
        })?;
        Ok(Json(CreateCollectionOutput {
            collection: CollectionRow::new(collection, &library),
        }))
    }

    #[tool(
        description = "Add one item (of the collection's library and type) to a collection. A repeat does nothing \
(changed: false); undo with remove_from_collection. Needs writes enabled.",
        annotations(
            title = "Add To Collection",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn add_to_collection(
        &self,
        Parameters(args): Parameters<MemberArgs>,
    ) -> Result<Json<MemberOutput>, ToolError> {
        let (id, key) = (args.collection_id.to_string(), args.rating_key.to_string());
        let collection = self.collection(&id).await?;
        let library = collection.library_section_id.clone().unwrap_or_default();
        let kind = collection.subtype.clone().unwrap_or_default();
        let changed = !self.is_member(&id, &key).await?;
        if changed {
            self.check_members(std::slice::from_ref(&key), &library, &kind, "ratingKey")
                .await?;
            self.ctx.plex.add_to_collection(&id, &key).await?;
        }
        Ok(Json(MemberOutput {
            changed,
            collection_id: id,
            rating_key: key,
        }))
    }

    #[tool(
        description = "Remove one item from a collection (the item stays in the library). A repeat does nothing \
(changed: false); undo with add_to_collection. Needs writes enabled.",
        annotations(
            title = "Remove From Collection",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn remove_from_collection(
        &self,
        Parameters(args): Parameters<MemberArgs>,
    ) -> Result<Json<MemberOutput>, ToolError> {
        let (id, key) = (args.collection_id.to_string(), args.rating_key.to_string());
        self.collection(&id).await?;
        let changed = self.is_member(&id, &key).await?;
        if changed {
            self.ctx.plex.remove_from_collection(&id, &key).await?;
        }
        Ok(Json(MemberOutput {
            changed,
            collection_id: id,
            rating_key: key,
        }))
    }

    #[tool(
        description = "Delete a collection (its items stay in the library); cannot be undone. Asks the user to \
confirm when the client can, else previews until called with confirm: true. Needs writes enabled.",
        annotations(
            title = "Delete Collection",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn delete_collection(
        &self,
        Parameters(args): Parameters<DeleteCollectionArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<Json<DeleteCollectionOutput>, ToolError> {
        let id = args.collection_id.to_string();
        let collection = self.collection(&id).await?;
        let library = collection.library_section_id.clone().unwrap_or_default();
        let item_count = collection.child_count.unwrap_or(0) as usize;
        let title = collection.title;
        let question = format!("Delete the collection \"{title}\" ({item_count} items)?");
        let plex = &self.ctx.plex;
        let act = || async { Ok(plex.delete_collection(&library, &id).await?) };
        let answer = self
            .when_confirmed(&peer, args.confirm, question, act)
            .await?;
        Ok(Json(DeleteCollectionOutput {
            preview: answer == Confirmed::Preview,
            done: answer == Confirmed::Done,
            declined: answer == Confirmed::Declined,
            title,
            item_count,
        }))
    }
}
