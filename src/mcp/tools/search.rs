//! Title search across all libraries or within one.

use crate::mcp::answer::Json;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ItemHeader;
use super::{ItemType, PAGE, more_at_offset, preview};
use crate::mcp::args::{Int, OrDefault, PlexId, Text};
use crate::mcp::error::no_library;
use crate::{
    mcp::{error::ToolError, params::Parameters, server::PlexMcp},
    plex::models::Item,
};

const MAX_QUERY: usize = 500;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SearchArgs {
    /// Words in the title.
    pub query: Text<1, 500>,
    #[serde(rename = "type")]
    pub kind: Option<ItemType>,
    /// Key from get_libraries; default all.
    pub library_key: Option<PlexId>,
    #[schemars(extend("default" = 30))]
    pub limit: Option<Int<1, 1000>>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    #[serde(flatten)]
    pub item: ItemHeader,
    /// First 200 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Critic rating, 0-10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchOutput {
    /// The query as sent to Plex, after cleaning.
    pub query: String,
    /// The library searched, or "all".
    pub library_key: String,
    pub offset: usize,
    pub limit: usize,
    /// All matches Plex found.
    pub total_size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<String>,
    pub results: Vec<SearchResult>,
}

/// Control characters become spaces (they would corrupt the query string); the result must be
/// non-empty and at most 500 characters.
pub fn sanitize_query(raw: &str) -> Result<String, ToolError> {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        return Err(ToolError::invalid(
            "query",
            "cannot be empty or contain only control characters",
        ));
    }
    let len = cleaned.chars().count();
    if len > MAX_QUERY {
        return Err(ToolError::invalid(
            "query",
            format!("exceeds maximum length of {MAX_QUERY} characters (got {len})"),
        ));
    }
    Ok(cleaned)
}

#[tool_router(router = search_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Find movies, shows and episodes by title, in all libraries or one. For a hit's details use \
get_media_details; outside Plex use trakt_search.",
        annotations(
            title = "Search Media",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn search_media(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<Json<SearchOutput>, ToolError> {
        let query = sanitize_query(&args.query)?;
        let limit = args.limit.value_or(PAGE);
        let offset = args.offset.unwrap_or(0) as usize;
        let library = args.library_key.map(PlexId::into_string);
        let mut q = vec![("query", query.clone()), ("includeGuids", "1".to_string())];
        if let Some(kind) = args.kind {
            q.push(("type", kind.plex_id().to_string()));
        }
        let plex = &self.ctx.plex;
        let got = plex
            .search::<Item>(library.as_deref(), &q, offset, limit)
            .await
            .map_err(|e| match &library {
                Some(key) => ToolError::not_found_as(|| no_library(key))(e),
                None => e.into(),
            })?;
        let results = got
            .items
            .into_iter()
            .map(|mut it| SearchResult {
                summary: preview(&it.summary),
                rating: it.rating,
                item: ItemHeader::take(&mut it),
            })
            .collect::<Vec<_>>();
        Ok(Json(SearchOutput {
            more: more_at_offset(got.total, offset, results.len()),
            query,
            library_key: library.unwrap_or_else(|| "all".to_string()),
            offset,
            limit,
            total_size: got.total,
            results,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_cleaned() {
        assert_eq!(
            sanitize_query("hello\u{0}world\u{1F}\u{7F}").unwrap(),
            "hello world"
        );
        assert_eq!(sanitize_query("  night \n").unwrap(), "night");
        assert!(
            sanitize_query("\n\t")
                .unwrap_err()
                .to_string()
                .contains("cannot be empty")
        );
        assert!(
            sanitize_query(&"a".repeat(501))
                .unwrap_err()
                .to_string()
                .contains("501")
        );
        assert!(sanitize_query(&"a".repeat(500)).is_ok());
    }
}
