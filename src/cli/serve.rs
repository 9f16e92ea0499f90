//! `plex-mcp serve`: MCP over stdio or streamable HTTP.

use std::{process::ExitCode, sync::Arc, time::Duration};

use clap::Args;
use rmcp::ServiceExt;

use super::Transport;
use crate::{
    config::Secret,
    mcp::{
        answer::Answers,
        http::{self, HttpOptions},
        server::{Context, PlexMcp},
        stdio,
    },
};

/// How long calls under way may run on after SIGTERM or Ctrl-C.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// stdio for clients that start the server (Claude Desktop), http for a long-running service.
    #[arg(long, value_enum, default_value = "stdio")]
    pub transport: Transport,
    /// Address to listen on (http). A non-loopback address requires an auth token.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (http) [default: MCP_PORT, else 3000].
    #[arg(long)]
    pub port: Option<u16>,
    /// Bearer token clients must send (http) [default: PLEX_MCP_AUTH_TOKEN].
    #[arg(long)]
    pub auth_token: Option<String>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            transport: Transport::Stdio,
            host: "127.0.0.1".into(),
            port: None,
            auth_token: None,
        }
    }
}

pub async fn run(ctx: Arc<Context>, args: ServeArgs) -> ExitCode {
    if args
        .auth_token
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        eprintln!(
            "plex-mcp: --auth-token must not be empty: give the bearer token clients must send, \
             or leave the flag out"
        );
        return ExitCode::from(2);
    }
    match args.transport {
        Transport::Stdio => serve_stdio(ctx).await,
        Transport::Http => {
            let opts = HttpOptions {
                host: args.host,
                // An explicit flag wins over MCP_PORT (the reference let the variable win silently).
                port: args.port.or(ctx.config.mcp_port).unwrap_or(3000),
                auth_token: args
                    .auth_token
                    .map(Secret::new)
                    .or_else(|| ctx.config.auth_token.clone()),
                max_sessions: ctx.config.max_sessions,
                session_idle: ctx.config.session_idle,
                idle_timeout: ctx.config.idle_timeout,
                body_timeout: ctx.config.body_timeout,
                max_connections: ctx.config.max_connections,
            };
            match http::serve(ctx, opts, super::shutdown_signal()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("plex-mcp: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

async fn serve_stdio(ctx: Arc<Context>) -> ExitCode {
    tracing::info!(
        "plex-mcp {} serving MCP on stdio",
        env!("CARGO_PKG_VERSION")
    );
    let answers = Answers::new(ctx.redactor.clone());
    stdio::widen_stdout();
    let transport = stdio::transport(tokio::io::stdin(), tokio::io::stdout(), answers.clone());
    let service = match PlexMcp::new(ctx.clone())
        .holding(answers)
        .serve(transport)
        .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("plex-mcp: MCP start-up failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let stop = service.cancellation_token();
    let waiting = service.waiting();
    tokio::pin!(waiting);
    tokio::select! {
        quit = &mut waiting => {
            if let Err(e) = quit {
                tracing::warn!("stdio session ended: {e}");
            }
            return ExitCode::SUCCESS;
        }
        _ = super::shutdown_signal() => {}
    }
    tracing::info!("signal received: finishing the calls under way, then exiting");
    if !ctx.in_flight.settle(SHUTDOWN_GRACE).await {
        tracing::warn!("calls still running after {SHUTDOWN_GRACE:?}; exiting anyway");
    }
    stop.cancel();
    let _ = tokio::time::timeout(Duration::from_millis(500), waiting).await;
    ExitCode::SUCCESS
}
