//! Read-only resources an assistant can attach without a tool call: the server, a library, an
//! item and what is playing. Each is the JSON the matching tool returns, so the two never differ.

use rmcp::{
    ErrorData,
    model::{Annotations, ReadResourceResult, Resource, ResourceContents, ResourceTemplate, Role},
};
use serde::Serialize;
use serde_json::{Value, json};

use super::{
    args::PlexId,
    error::ToolError,
    params::Parameters,
    server::PlexMcp,
    tools::{NoArgs, RatingKeyArgs},
};

pub const SERVER: &str = "plex://server";
pub const SESSIONS: &str = "plex://sessions";
pub const LIBRARY: &str = "plex://libraries/{key}";
pub const ITEM: &str = "plex://items/{ratingKey}";

const JSON: &str = "application/json";

fn for_assistant() -> Annotations {
    Annotations::default().with_audience(vec![Role::Assistant])
}

pub fn list() -> Vec<Resource> {
    [
        (
            SERVER,
            "server",
            "The Plex server: name, version, platform, libraries with item counts.",
        ),
        (
            SESSIONS,
            "sessions",
            "What is playing now, as get_active_sessions.",
        ),
    ]
    .into_iter()
    .map(|(uri, name, description)| {
        Resource::new(uri, name)
            .with_description(description)
            .with_mime_type(JSON)
            .with_annotations(for_assistant())
    })
    .collect()
}

pub fn templates() -> Vec<ResourceTemplate> {
    [
        (
            LIBRARY,
            "library",
            "One library (key from get_libraries): its row and newest items.",
        ),
        (
            ITEM,
            "item",
            "One item (ratingKey from search_media), as get_media_details.",
        ),
    ]
    .into_iter()
    .map(|(uri, name, description)| {
        ResourceTemplate::new(uri, name)
            .with_description(description)
            .with_mime_type(JSON)
            .with_annotations(for_assistant())
    })
    .collect()
}

/// The id at the end of `uri` after `prefix`, when it is a valid Plex id.
fn id_after(uri: &str, prefix: &str) -> Option<PlexId> {
    let id = uri.strip_prefix(prefix)?;
    serde_json::from_value(Value::String(id.to_string())).ok()
}

fn unknown(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(
        format!(
            "No resource {uri}. Resources: {SERVER}, {SESSIONS}, plex://libraries/<key from \
             get_libraries>, plex://items/<ratingKey>."
        ),
        None,
    )
}

fn failed(uri: &str, e: ToolError) -> ErrorData {
    match e {
        ToolError::NotFound(what) => ErrorData::resource_not_found(what, None),
        other => ErrorData::internal_error(format!("Reading {uri} failed: {other}"), None),
    }
}

impl PlexMcp {
    pub(crate) async fn read_resource_uri(
        &self,
        uri: &str,
    ) -> Result<ReadResourceResult, ErrorData> {
        let value = if uri == SERVER {
            self.server_resource().await
        } else if uri == SESSIONS {
            json_of(self.get_active_sessions(Parameters(NoArgs {})).await)
        } else if let Some(key) = id_after(uri, "plex://libraries/") {
            self.library_resource(&key).await
        } else if let Some(rating_key) = id_after(uri, "plex://items/") {
            json_of(
                self.get_media_details(Parameters(RatingKeyArgs { rating_key }))
                    .await,
            )
        } else {
            return Err(unknown(uri));
        };
        let mut value = value.map_err(|e| failed(uri, e))?;
        self.ctx.redactor.redact_json(&mut value);
        Ok(ReadResourceResult::new(vec![
            ResourceContents::text(value.to_string(), uri).with_mime_type(JSON),
        ]))
    }

    async fn server_resource(&self) -> Result<Value, ToolError> {
        let (info, libraries) = tokio::join!(
            self.ctx.plex.server_info(),
            self.get_libraries(Parameters(NoArgs {}))
        );
        let info = info?;
        Ok(json!({
            "name": info.friendly_name,
            "version": info.version,
            "platform": info.platform,
            "platformVersion": info.platform_version,
            "libraries": libraries?.0.libraries,
        }))
    }

    async fn library_resource(&self, key: &PlexId) -> Result<Value, ToolError> {
        let libraries = self.get_libraries(Parameters(NoArgs {})).await?.0.libraries;
        let library = libraries
            .into_iter()
            .find(|l| l.key == key.as_ref() as &str)
            .ok_or_else(|| ToolError::NotFound(super::error::no_library(key)))?;
        let newest = self.newest_in(key).await?;
        Ok(json!({ "library": library, "newest": newest }))
    }
}

fn json_of<T: Serialize>(
    out: Result<crate::mcp::answer::Json<T>, ToolError>,
) -> Result<Value, ToolError> {
    out.map(|json| serde_json::to_value(json.0).unwrap_or(Value::Null))
}
