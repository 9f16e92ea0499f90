//! `update_metadata` and `update_metadata_from_json`: field edits with Plex's locking convention
//! (`field.value` + `field.locked=1`, so an agent refresh does not undo them), tag lists replaced
//! by difference, and a per-field report of what changed, what already was so and what failed.
//! Opt-in like the other write tools.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    mcp::{
        args::{Int, Num, PlexId, Text},
        error::ToolError,
        params::Parameters,
        server::PlexMcp,
    },
    plex::models::{Item, Tag},
};

const MAX_TEXT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TagKind {
    Genres,
    Collections,
    Roles,
    Directors,
}

impl TagKind {
    /// The name Plex's edit parameters use.
    fn param(self) -> &'static str {
        match self {
            TagKind::Genres => "genre",
            TagKind::Collections => "collection",
            TagKind::Roles => "actor",
            TagKind::Directors => "director",
        }
    }

    fn name(self) -> &'static str {
        match self {
            TagKind::Genres => "genres",
            TagKind::Collections => "collections",
            TagKind::Roles => "roles",
            TagKind::Directors => "directors",
        }
    }

    fn current(self, it: &Item) -> Vec<String> {
        let tags: &[Tag] = match self {
            TagKind::Genres => &it.genres,
            TagKind::Collections => &it.collections,
            TagKind::Roles => &it.roles,
            TagKind::Directors => &it.directors,
        };
        tags.iter().map(|t| t.tag.clone()).collect()
    }
}

/// A tag as a plain name or as Plex's `{ "tag": name }` object.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TagValue {
    Name(Text<1, 500>),
    Object { tag: Text<1, 500> },
}

impl TagValue {
    fn name(&self) -> &str {
        match self {
            TagValue::Name(n) | TagValue::Object { tag: n } => n.trim(),
        }
    }
}

/// Declares an argument struct with its own fields followed by the editable metadata fields
/// (declared here once for both tools), and `take_edits` to turn those into `Edits`.
macro_rules! with_metadata_fields {
    ($(#[$attr:meta])* pub struct $name:ident { $($(#[$fattr:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$attr])*
        pub struct $name {
            $($(#[$fattr])* pub $field: $ty,)*
            pub title: Option<Text<0, MAX_TEXT>>,
            pub sort_title: Option<Text<0, MAX_TEXT>>,
            pub original_title: Option<Text<0, MAX_TEXT>>,
            pub summary: Option<Text<0, MAX_TEXT>>,
            pub year: Option<Int<1800, 2200>>,
            /// e.g. "PG-13", "TV-MA".
            pub content_rating: Option<Text<0, MAX_TEXT>>,
            /// Critic rating 0-10.
            pub rating: Option<Num<0, 10>>,
            pub tagline: Option<Text<0, MAX_TEXT>>,
            pub studio: Option<Text<0, MAX_TEXT>>,
            /// Replaces the current list; an empty list changes nothing.
            pub genres: Option<Vec<TagValue>>,
            /// As genres.
            pub collections: Option<Vec<TagValue>>,
            /// Cast; as genres.
            pub roles: Option<Vec<TagValue>>,
            /// As genres.
            pub directors: Option<Vec<TagValue>>,
        }

        impl $name {
            fn take_edits(&mut self, clear: Vec<TagKind>) -> Result<Edits, ToolError> {
                let text = |v: &mut Option<Text<0, MAX_TEXT>>| v.take().map(Text::into_string);
                edits(
                    [
                        ("title", "title", text(&mut self.title)),
                        ("sortTitle", "titleSort", text(&mut self.sort_title)),
                        ("originalTitle", "originalTitle", text(&mut self.original_title)),
                        ("summary", "summary", text(&mut self.summary)),
                        ("contentRating", "contentRating", text(&mut self.content_rating)),
                        ("tagline", "tagline", text(&mut self.tagline)),
                        ("studio", "studio", text(&mut self.studio)),
                    ],
                    self.year.take().map(|y| y.get()),
                    self.rating.take().map(|r| r.get()),
                    [
                        (TagKind::Genres, self.genres.take()),
                        (TagKind::Collections, self.collections.take()),
                        (TagKind::Roles, self.roles.take()),
                        (TagKind::Directors, self.directors.take()),
                    ],
                    clear,
                )
            }
        }
    };
}

with_metadata_fields! {
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct UpdateMetadataArgs {
        /// ratingKey from search_media or any list.
        pub rating_key: PlexId,
        /// Kinds to empty (an empty list changes nothing).
        pub clear_tags: Option<Vec<TagKind>>,
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PosterRef {
    pub url: Option<Text<0, MAX_TEXT>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Images {
    #[serde(default)]
    pub posters: Vec<PosterRef>,
}

with_metadata_fields! {
    // Metadata as JSON (for example from an export or another tool); a null value leaves that
    // field alone. Not a doc comment: the schema lists the keys.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct MetadataJson {
        /// `images.posters[0].url` is used with setPosterFromUrl.
        pub images: Option<Images>,
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateFromJsonArgs {
    /// ratingKey from search_media or any list.
    pub rating_key: PlexId,
    pub metadata: MetadataJson,
    /// Set the poster from images.posters[0].url.
    pub set_poster_from_url: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldStatus {
    Changed,
    Unchanged,
    Skipped,
    Failed,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldResult {
    pub field: String,
    pub status: FieldStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<String>>,
    /// Why it was skipped or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOutput {
    /// True when anything was changed.
    pub updated: bool,
    pub rating_key: String,
    pub title: String,
    pub fields: Vec<FieldResult>,
}

/// One requested edit, from either tool.
#[derive(Default)]
struct Edits {
    scalars: Vec<(&'static str, &'static str, String)>,
    tags: Vec<(TagKind, Vec<TagValue>)>,
    clear: Vec<TagKind>,
}

fn edits(
    scalars: [(&'static str, &'static str, Option<String>); 7],
    year: Option<u32>,
    rating: Option<f64>,
    tags: [(TagKind, Option<Vec<TagValue>>); 4],
    clear: Vec<TagKind>,
) -> Result<Edits, ToolError> {
    let mut out = Edits::default();
    for (name, param, value) in scalars {
        out.scalars.extend(value.map(|v| (name, param, v)));
    }
    out.scalars
        .extend(year.map(|y| ("year", "year", y.to_string())));
    out.scalars
        .extend(rating.map(|r| ("rating", "rating", r.to_string())));
    for (kind, values) in tags {
        if let Some(values) = values {
            if clear.contains(&kind) {
                return Err(ToolError::invalid(
                    "clearTags",
                    format!(
                        "{} is both given values and asked to be cleared",
                        kind.name()
                    ),
                ));
            }
            out.tags.push((kind, values));
        }
    }
    out.clear = clear;
    Ok(out)
}

impl Edits {
    fn is_empty(&self) -> bool {
        self.scalars.is_empty() && self.tags.is_empty() && self.clear.is_empty()
    }
}

fn nothing_to_do() -> ToolError {
    ToolError::invalid("metadata", "at least one field to change must be given")
}

fn current_scalar(it: &Item, field: &str) -> Option<String> {
    match field {
        "title" => Some(it.title.clone()),
        "titleSort" => it.title_sort.clone(),
        "originalTitle" => it.original_title.clone(),
        "summary" => it.summary.clone(),
        "year" => it.year.map(|y| y.to_string()),
        "contentRating" => it.content_rating.clone(),
        "rating" => it.rating.map(|r| r.to_string()),
        "tagline" => it.tagline.clone(),
        "studio" => it.studio.clone(),
        _ => None,
    }
}

#[tool_router(router = metadata_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Edit an item's fields and tag lists; a list replaces the current one. Edited fields are locked \
against agent refreshes. Current values: get_editable_fields. Needs writes enabled.",
        annotations(
            title = "Update Metadata",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn update_metadata(
        &self,
        Parameters(mut a): Parameters<UpdateMetadataArgs>,
    ) -> Result<Json<UpdateOutput>, ToolError> {
        let clear = a.clear_tags.take().unwrap_or_default();
        let edits = a.take_edits(clear)?;
        if edits.is_empty() {
            return Err(nothing_to_do());
        }
        self.apply_edits(&a.rating_key, edits, None).await
    }

    #[tool(
        description = "update_metadata with the fields as one JSON object (as an export writes it); can also set the poster \
 from images.posters[0].url. Needs writes enabled.",
        annotations(
            title = "Update Metadata from JSON",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn update_metadata_from_json(
        &self,
        Parameters(a): Parameters<UpdateFromJsonArgs>,
    ) -> Result<Json<UpdateOutput>, ToolError> {
        let mut m = a.metadata;
        let poster = if a.set_poster_from_url.unwrap_or(false) {
            let url = m
                .images
                .as_ref()
                .and_then(|i| i.posters.first())
                .and_then(|p| p.url.as_ref().map(|u| u.to_string()))
                .ok_or_else(|| {
                    ToolError::invalid("metadata", "setPosterFromUrl needs images.posters[0].url")
                })?;
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.contains(char::is_whitespace)
            {
                return Err(ToolError::invalid(
                    "metadata",
                    format!("the poster URL must be http or https (got {url:?})"),
                ));
            }
            Some(url)
        } else {
            None
        };
        let edits = m.take_edits(Vec::new())?;
        if edits.is_empty() && poster.is_none() {
            return Err(nothing_to_do());
        }
        self.apply_edits(&a.rating_key, edits, poster).await
    }
}

impl PlexMcp {
    async fn apply_edits(
        &self,
        rating_key: &str,
        edits: Edits,
        poster: Option<String>,
    ) -> Result<Json<UpdateOutput>, ToolError> {
        let item = self.fetch_item(rating_key).await?;
        let rk = item.rating_key.clone();
        let plex = &self.ctx.plex;
        let mut fields = Vec::new();
        let result = |field: &str, status, note: Option<String>| FieldResult {
            field: field.to_string(),
            status,
            added: None,
            removed: None,
            note,
        };
        for (name, param, value) in edits.scalars {
            if current_scalar(&item, param).as_deref() == Some(value.as_str()) {
                fields.push(result(name, FieldStatus::Unchanged, None));
                continue;
            }
            let query = [
                (format!("{param}.value"), value),
                (format!("{param}.locked"), "1".to_string()),
            ];
            let query: Vec<(&str, String)> =
                query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            match plex.edit_metadata(&rk, &query).await {
                Ok(()) => fields.push(result(name, FieldStatus::Changed, None)),
                Err(e) => fields.push(result(name, FieldStatus::Failed, Some(e.to_string()))),
            }
        }
        let wanted = edits
            .tags
            .into_iter()
            .map(|(kind, values)| {
                let mut names: Vec<String> = Vec::new();
                for v in &values {
                    let n = v.name().to_string();
                    if !n.is_empty() && !names.contains(&n) {
                        names.push(n);
                    }
                }
                (kind, Some(names))
            })
            .chain(edits.clear.into_iter().map(|k| (k, None)));
        for (kind, desired) in wanted {
            let current = kind.current(&item);
            let (to_add, to_remove): (Vec<String>, Vec<String>) = match &desired {
                Some(names) if names.is_empty() => {
                    fields.push(result(
                        kind.name(),
                        FieldStatus::Skipped,
                        Some("an empty list changes nothing; name this kind in clearTags to remove every tag".into()),
                    ));
                    continue;
                }
                Some(names) => (
                    names
                        .iter()
                        .filter(|n| !current.contains(n))
                        .cloned()
                        .collect(),
                    current
                        .iter()
                        .filter(|c| !names.contains(c))
                        .cloned()
                        .collect(),
                ),
                None => (Vec::new(), current.clone()),
            };
            if to_add.is_empty() && to_remove.is_empty() {
                fields.push(result(kind.name(), FieldStatus::Unchanged, None));
                continue;
            }
            let param = kind.param();
            let mut query: Vec<(String, String)> = vec![(format!("{param}.locked"), "1".into())];
            query.extend(
                to_add
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{param}[{i}].tag.tag"), v.clone())),
            );
            if !to_remove.is_empty() {
                query.push((format!("{param}[].tag.tag-"), to_remove.join(",")));
            }
            let query: Vec<(&str, String)> =
                query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            match plex.edit_metadata(&rk, &query).await {
                Ok(()) => fields.push(FieldResult {
                    added: Some(to_add),
                    removed: Some(to_remove),
                    ..result(kind.name(), FieldStatus::Changed, None)
                }),
                Err(e) => fields.push(result(
                    kind.name(),
                    FieldStatus::Failed,
                    Some(e.to_string()),
                )),
            }
        }
        if let Some(url) = poster {
            match plex.set_poster_url(&rk, &url).await {
                Ok(()) => fields.push(result("poster", FieldStatus::Changed, None)),
                Err(e) => fields.push(result("poster", FieldStatus::Failed, Some(e.to_string()))),
            }
        }
        Ok(Json(UpdateOutput {
            updated: fields.iter().any(|f| f.status == FieldStatus::Changed),
            rating_key: rk,
            title: item.title,
            fields,
        }))
    }
}
