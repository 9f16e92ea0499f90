//! The two syncs and their status: `trakt_sync_to_trakt`, `trakt_sync_from_trakt` and
//! `trakt_get_sync_status`. The work is the sync service's; these adapt arguments, progress
//! notifications and results.

use rmcp::{
    Json, RoleServer, model::ProgressNotificationParam, service::RequestContext, tool, tool_router,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    mcp::{
        args::{Int, OrDefault},
        error::ToolError,
        params::Parameters,
        server::PlexMcp,
        tools::NoArgs,
    },
    services::{
        Error,
        scrobbler::ScrobblerStatus,
        sync::{
            self, FromTraktOptions, LastSync, OWNER_ACCOUNT, Progress, SyncFromOutput, SyncMode,
            SyncOptions, SyncToOutput,
        },
    },
    time::Iso,
};

const DEFAULT_BATCH: usize = 500;
const DEFAULT_PREVIEW: usize = crate::mcp::tools::PAGE;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncToArgs {
    /// Count what would be sent without sending anything (default false).
    pub dry_run: Option<bool>,
    /// Plays per Trakt request (default 500).
    pub batch_size: Option<Int<1, 1000>>,
    /// Accepted for compatibility; progress is reported as MCP progress notifications whenever the
    /// client asks for them.
    #[serde(rename = "includeProgress")]
    pub _include_progress: Option<bool>,
    /// `plays` (default): every play with its own date; `items`: one entry per watched item.
    pub mode: Option<SyncMode>,
    /// Whose Plex plays to send (default 1, the server owner).
    pub account_id: Option<Int<1, { u32::MAX }>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncFromArgs {
    /// Mark watched in Plex what Trakt has as watched and Plex does not (needs
    /// PLEX_ENABLE_MUTATIVE_OPS=true). Default false: compare only.
    pub apply: Option<bool>,
    /// Movies and shows listed per kind (default 100); counts are always complete.
    pub limit: Option<Int<1, 1000>>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusOutput {
    pub sync_in_progress: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_id: Option<String>,
    /// For a running sync: what it is doing and how far it got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Iso>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<LastSync>,
    pub scrobbler: ScrobblerStatus,
    pub message: String,
}

async fn notify(context: &RequestContext<RoleServer>, p: Progress) {
    if let (Some(token), Some(message)) = (context.meta.get_progress_token(), p.message) {
        let _ = context
            .peer
            .notify_progress(
                ProgressNotificationParam::new(token, p.done as f64)
                    .with_total(p.total as f64)
                    .with_message(message),
            )
            .await;
    }
}

#[tool_router(router = trakt_sync_tools, vis = "pub(crate)")]
impl PlexMcp {
    #[tool(
        description = "Send Plex watch history to Trakt: every play of every movie and episode in every library \
(mode `plays`, original dates kept) or one entry per watched item (mode `items`), for the server owner unless \
accountId says otherwise. Matches by TMDB, TVDB or IMDb id; skips what Trakt already has and what an earlier run \
sent (a local ledger makes an interrupted sync resume without duplicates). Sends batchSize plays per request at \
Trakt's limit of one write per second, reporting MCP progress. Use dryRun first to see the counts. Needs a Trakt \
sign-in. Writes to Trakt; one sync at a time.",
        annotations(
            title = "Trakt Sync To Trakt",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_sync_to_trakt(
        &self,
        Parameters(args): Parameters<SyncToArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<SyncToOutput>, ToolError> {
        let trakt = self.signed_in_trakt().await?;
        let opts = SyncOptions {
            cancel: context.ct.clone(),
            dry_run: args.dry_run.unwrap_or(false),
            batch_size: args.batch_size.value_or(DEFAULT_BATCH),
            mode: args.mode.unwrap_or_default(),
            account: args.account_id.map_or(OWNER_ACCOUNT, Int::get),
        };
        // Progress goes out as MCP notifications while the sync runs; the channel closes when
        // the sync ends, which ends the forwarding.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let ctx = &self.ctx;
        let run = sync::to_trakt(
            &ctx.plex,
            trakt,
            &ctx.store,
            &ctx.jobs.sync,
            opts,
            move |p| {
                let _ = tx.send(p);
            },
        );
        let forward = async {
            while let Some(p) = rx.recv().await {
                notify(&context, p).await;
            }
        };
        let (out, ()) = tokio::join!(run, forward);
        match out {
            Err(Error::Busy(m)) => Err(ToolError::Local(format!(
                "{m} trakt_get_sync_status shows its progress."
            ))),
            other => Ok(Json(other?)),
        }
    }

    #[tool(
        description = "Compare the Trakt watch history with Plex: Trakt's watched movies and shows (plays, last \
watched, whether each is in Plex and watched there) and how many Trakt-watched movies and episodes are unwatched in \
Plex. With apply: true (needs PLEX_ENABLE_MUTATIVE_OPS=true) it marks those watched in Plex. Needs a Trakt sign-in. \
For the other direction use trakt_sync_to_trakt.",
        annotations(
            title = "Trakt Sync From Trakt",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    pub async fn trakt_sync_from_trakt(
        &self,
        Parameters(args): Parameters<SyncFromArgs>,
    ) -> Result<Json<SyncFromOutput>, ToolError> {
        let trakt = self.trakt()?;
        let apply = args.apply.unwrap_or(false);
        if apply && !self.ctx.config.mutative_ops {
            return Err(ToolError::invalid(
                "apply",
                "marking items watched in Plex is a write: set PLEX_ENABLE_MUTATIVE_OPS=true (and do not \
                 pass --read-only), or call without apply to compare only",
            ));
        }
        let opts = FromTraktOptions {
            apply,
            limit: args.limit.value_or(DEFAULT_PREVIEW),
        };
        Ok(Json(sync::from_trakt(&self.ctx.plex, trakt, opts).await?))
    }

    #[tool(
        description = "What the Trakt jobs are doing: whether a trakt_sync_to_trakt is running (phase and progress), \
the last sync's counts, and the playback scrobbler (running, what it is scrobbling, how many scrobbles sent, last \
error). Local only: no Trakt request.",
        annotations(
            title = "Trakt Get Sync Status",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    pub async fn trakt_get_sync_status(
        &self,
        Parameters(_): Parameters<NoArgs>,
    ) -> Result<Json<SyncStatusOutput>, ToolError> {
        let (running, last): (_, Option<LastSync>) = self.ctx.jobs.sync.status();
        let scrobbler = self.ctx.jobs.scrobbler.status();
        let message = match &running {
            Some(r) => format!("Sync in progress: {} ({} of {}).", r.phase, r.done, r.total),
            None => "No active sync.".into(),
        };
        Ok(Json(SyncStatusOutput {
            sync_in_progress: running.is_some(),
            sync_id: running.as_ref().map(|r| r.id.clone()),
            phase: running.as_ref().map(|r| r.phase.to_string()),
            started_at: running.as_ref().map(|r| Iso::unix(r.started)),
            progress: running.as_ref().map(|r| format!("{}/{}", r.done, r.total)),
            last_sync: last,
            scrobbler,
            message,
        }))
    }
}
