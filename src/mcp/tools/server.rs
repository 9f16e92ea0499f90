//! The server itself: its status for everyone; scans, metadata refreshes and emptying the trash
//! with writes enabled (the heavy or destructive ones ask or preview first).

use crate::mcp::answer::Json;
use rmcp::{Peer, RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::NoArgs;
use super::confirm::Confirmed;
use crate::mcp::args::{PlexId, Text};
use crate::mcp::{error::ToolError, params::Parameters, server::PlexMcp};

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityRow {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_percent: Option<u8>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatusOutput {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// A newer release the server offers, if any (absent also when Plex would not say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_available: Option<String>,
    /// Scans, refreshes and other background jobs running now.
    pub activities: Vec<ActivityRow>,
    pub library_scan_running: bool,
    pub streams: usize,
    pub transcodes: usize,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScanArgs {
    /// Key from get_libraries.
    pub library_key: PlexId,
    /// Only this folder of the library, as the server sees it.
    pub path: Option<Text<1, 4096>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefreshArgs {
    /// One item (from search_media or any list); or give libraryKey.
    pub rating_key: Option<PlexId>,
    /// A whole library (from get_libraries); asks first.
    pub library_key: Option<PlexId>,
    /// true: act now. Omitted: ask the user (else preview). false: preview.
    pub confirm: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TrashArgs {
    /// Key from get_libraries.
    pub library_key: PlexId,
    /// true: act now. Omitted: ask the user (else preview). false: preview.
    pub confirm: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobOutput {
    /// True when the server was told to start.
    pub started: bool,
    /// True when nothing was done and the call must be repeated with confirm: true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// The user was asked and said no.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub declined: bool,
    pub message: String,
}

impl PlexMcp {
    /// Asks (or previews) before `act`, and says what happened.
    async fn confirmed<F: Future<Output = Result<(), ToolError>>>(
        &self,
        peer: &Peer<RoleServer>,
        confirm: Option<bool>,
        question: String,
        act: impl FnOnce() -> F,
        done: String,
    ) -> Result<JobOutput, ToolError> {
        let answer = self
            .when_confirmed(peer, confirm, question.clone(), act)
            .await?;
        Ok(match answer {
            Confirmed::Done => JobOutput {
                started: true,
                preview: false,
                declined: false,
                message: done,
            },
            Confirmed::Declined => JobOutput {
                started: false,
                preview: false,
                declined: true,
                message: "Declined; nothing was done.".into(),
            },
            Confirmed::Preview => JobOutput {
                started: false,
                preview: true,
                declined: false,
                message: format!("{question} Call again with confirm: true to go ahead."),
            },
        })
    }
}

#[tool_router(router = server_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "The server's name, version, platform and available update; running scans and other jobs; \
streams and transcodes now. Use after scan_library to follow it.",
        annotations(title = "Server Status", read_only_hint = true, open_world_hint = true)
    )]
    pub async fn get_server_status(
        &self,
        _args: Parameters<NoArgs>,
    ) -> Result<Json<ServerStatusOutput>, ToolError> {
        let plex = &self.ctx.plex;
        let (info, updater, activities, sessions) = tokio::join!(
            plex.server_info(),
            plex.updater_status(),
            plex.activities(),
            plex.sessions()
        );
        let (info, activities, sessions) = (info?, activities?, sessions?);
        // Plex answers the updater only to admins and on some platforms: no answer is no news.
        let update_available = updater.ok().and_then(|u| {
            u.releases
                .into_iter()
                .find(|r| r.state == "available" && Some(&r.version) != info.version.as_ref())
                .map(|r| r.version)
        });
        let library_scan_running = activities.iter().any(|a| a.kind.starts_with("library."));
        Ok(Json(ServerStatusOutput {
            name: info.friendly_name,
            version: info.version,
            platform: info.platform,
            update_available,
            activities: activities
                .into_iter()
                .map(|a| ActivityRow {
                    kind: a.kind,
                    title: a.title,
                    progress_percent: a.progress.filter(|p| *p >= 0.0).map(|p| p.min(100.0) as u8),
                })
                .collect(),
            library_scan_running,
            transcodes: sessions
                .iter()
                .filter(|s| s.transcode_session.is_some())
                .count(),
            streams: sessions.len(),
        }))
    }
}

#[tool_router(router = server_write_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Scan a library (or one folder of it) for new and removed files; metadata of known items is not \
refreshed (refresh_metadata). Runs in the background: get_server_status follows it. Needs writes enabled.",
        annotations(
            title = "Scan Library",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn scan_library(
        &self,
        Parameters(args): Parameters<ScanArgs>,
    ) -> Result<Json<JobOutput>, ToolError> {
        let library = self.library_section(&args.library_key).await?;
        let path = args.path.map(Text::into_string);
        self.ctx
            .plex
            .scan_section(&library.key, path.as_deref())
            .await?;
        Ok(Json(JobOutput {
            started: true,
            preview: false,
            declined: false,
            message: format!(
                "Scanning {}{}; get_server_status shows progress.",
                library.title,
                path.map(|p| format!(" ({p})")).unwrap_or_default()
            ),
        }))
    }

    #[tool(
        description = "Re-fetch metadata from the agents for one item, or a whole library (asks first). Unlocked \
fields are overwritten; fields edited with update_metadata are locked and kept. Needs writes enabled.",
        annotations(
            title = "Refresh Metadata",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn refresh_metadata(
        &self,
        Parameters(args): Parameters<RefreshArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<Json<JobOutput>, ToolError> {
        let plex = &self.ctx.plex;
        match (args.rating_key, args.library_key) {
            (Some(key), None) => {
                plex.refresh_item(&key)
                    .await
                    .map_err(ToolError::not_found_as(|| {
                        format!("No Plex item has ratingKey {key}. Take ratingKeys from list or search results.")
                    }))?;
                Ok(Json(JobOutput {
                    started: true,
                    preview: false,
                    declined: false,
                    message: format!("Refreshing item {key}."),
                }))
            }
            (None, Some(key)) => {
                let library = self.library_section(&key).await?;
                let question = format!("Refresh the metadata of every item in {}?", library.title);
                let done = format!(
                    "Refreshing {}; get_server_status shows progress.",
                    library.title
                );
                let act = || async { Ok(plex.refresh_section(&library.key).await?) };
                Ok(Json(
                    self.confirmed(&peer, args.confirm, question, act, done)
                        .await?,
                ))
            }
            _ => Err(ToolError::invalid(
                "ratingKey",
                "give exactly one of ratingKey (one item) or libraryKey (a whole library)",
            )),
        }
    }

    #[tool(
        description = "Delete a library's items whose files are gone (its trash); cannot be undone. Asks the user to \
confirm when the client can, else previews until called with confirm: true. Needs writes enabled.",
        annotations(
            title = "Empty Trash",
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn empty_trash(
        &self,
        Parameters(args): Parameters<TrashArgs>,
        peer: Peer<RoleServer>,
    ) -> Result<Json<JobOutput>, ToolError> {
        let library = self.library_section(&args.library_key).await?;
        let question = format!(
            "Delete the items of {} whose files are gone? This cannot be undone.",
            library.title
        );
        let done = format!("Emptied the trash of {}.", library.title);
        let plex = &self.ctx.plex;
        let act = || async { Ok(plex.empty_trash(&library.key).await?) };
        Ok(Json(
            self.confirmed(&peer, args.confirm, question, act, done)
                .await?,
        ))
    }
}
