//! The command line: parsing, start-up (configuration, demo stack, logging) and dispatch to the
//! commands, one file each.

/// `println!` for command output: a closed pipe (`plex-mcp tools | head`) ends the command
/// quietly instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("plex-mcp: cannot write to standard output: {e}");
            std::process::exit(1);
        }
    }};
}

mod call;
mod doctor;
mod login;
mod serve;
mod tools;
mod trakt_login;

use std::{process::ExitCode, sync::Arc};

use clap::{Parser, Subcommand, ValueEnum};

use crate::{
    arr::client::ArrClient,
    backend::{Service, http_client},
    config::{Config, Secret},
    fake::{FakeStack, Scale},
    mcp::server::Context,
    mcp::toolsets::Toolsets,
    plex::client::PlexClient,
    redact::Redactor,
    store::Store,
    trakt::client::TraktClient,
};

/// The seed of the `--demo` sample stack; fixed so the demo shows the same library every time.
pub const DEMO_SEED: u64 = 2026;

#[derive(Debug, Parser)]
#[command(
    name = "plex-mcp",
    version,
    about = "MCP server for a home media stack: Plex Media Server, the Plex watchlist, Sonarr, Radarr and Trakt.tv.",
    long_about = "MCP server for a home media stack: Plex Media Server, the Plex watchlist, Sonarr, Radarr and \
Trakt.tv.\n\n\
Set up with `plex-mcp login` (signs in to Plex and finds your server) and check with \
`plex-mcp doctor`; or set PLEX_URL and PLEX_TOKEN (environment or a .env file). Try it first with \
--demo, which serves a built-in sample stack on 127.0.0.1.",
    after_help = "Examples:\n  plex-mcp --demo call search_media query=night\n  plex-mcp --demo tools\n  \
plex-mcp login && plex-mcp doctor\n  \
PLEX_TOKEN=... plex-mcp serve --transport http --port 3000\n  \
TRAKT_CLIENT_ID=... TRAKT_CLIENT_SECRET=... plex-mcp trakt login"
)]
pub struct Cli {
    /// Run against the built-in sample stack instead of a real server (no configuration needed).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Never offer the Plex write tools, whatever PLEX_ENABLE_MUTATIVE_OPS says.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Tool families to list, comma-separated: browse, analytics, playlists, collections,
    /// server, playback, metadata, watchlist, sonarr, radarr, trakt [default:
    /// PLEX_MCP_TOOLSETS, else every configured family].
    #[arg(long, global = true, value_name = "FAMILIES")]
    pub toolsets: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP over stdio (the default) or streamable HTTP.
    Serve(serve::ServeArgs),
    /// List the tools available under the current configuration, one per line.
    Tools,
    /// Run one tool as an MCP client would and print its structured result as JSON.
    Call(call::CallArgs),
    /// Sign in to Plex with a PIN (plex.tv), pick your server's best address, store token and URL.
    Login(login::LoginArgs),
    /// Check every configured service: reachable, credentials accepted, version; says what to fix.
    Doctor,
    /// Trakt.tv account commands.
    #[command(subcommand)]
    Trakt(trakt_login::TraktCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    Stdio,
    Http,
}

const TOKEN_HELP: &str = "no Plex server configured. Run `plex-mcp login` to sign in and pick your \
server, or set PLEX_URL and PLEX_TOKEN (https://support.plex.tv/articles/204059436-finding-an-authentication-token-x-plex-token/) \
in the environment or a .env file; or try the sample stack with --demo.";

/// Runs the parsed command line to completion and gives the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return usage_error(&e),
    };
    crate::time::set_zone(config.time_zone);
    if cli.read_only {
        config.mutative_ops = false;
    }
    if let Some(families) = &cli.toolsets {
        config.toolsets = Some(families.clone());
    }
    // Serving logs what it does; one-shot commands stay quiet unless something goes wrong.
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    let default_filter = if serving { "info,rmcp=warn" } else { "error" };
    let redactor = Redactor::default();
    init_logging(
        config.log_filter.as_deref().unwrap_or(default_filter),
        redactor.clone(),
    );
    // The demo stack must outlive every request, so it lives here.
    let mut demo_stack = None;
    if cli.demo {
        match FakeStack::start(Scale::DEMO, DEMO_SEED).await {
            Ok(stack) => {
                config.plex_url = stack.plex.url.clone();
                config.discover_url = stack.discover.url.clone();
                config.plex_tv_url = stack.plextv.server.url.clone();
                config.plex_token = Some(Secret::new(stack.token.clone()));
                for (arr, fake) in [
                    (&mut config.sonarr, &stack.sonarr),
                    (&mut config.radarr, &stack.radarr),
                ] {
                    arr.url = fake.server.url.clone();
                    arr.api_key = Some(Secret::new(fake.api_key.clone()));
                }
                // The demo user is already signed in to the sample Trakt, and the demo's state
                // stays apart from a real setup's.
                stack.trakt.state.set_auto_approve(true);
                config.trakt.url = stack.trakt.server.url.clone();
                config.trakt.client_id = Some(Secret::new(stack.trakt.client_id.clone()));
                config.trakt.client_secret = Some(Secret::new(stack.trakt.client_secret.clone()));
                config.trakt.access_token =
                    Some(Secret::new(stack.trakt.state.issue_access_token()));
                config.trakt.refresh_token = None;
                config.data_dir = config.data_dir.join("demo");
                tracing::info!("demo stack: Plex at {}", stack.plex.url);
                demo_stack = Some(stack);
            }
            Err(e) => {
                eprintln!("plex-mcp: cannot start the demo stack: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let http = http_client(config.http_timeout).compressing(config.compression);
    let store = match Store::open(&config.data_dir) {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(&e),
    };
    // Each demo stack is new: a sign-in or ledger kept from an earlier one means nothing to it.
    if demo_stack.is_some()
        && let Err(e) = store.reset()
    {
        return usage_error(&e);
    }
    let trakt = match TraktClient::new(
        &config.trakt,
        store.clone(),
        http.clone(),
        config.http_timeout,
        redactor.clone(),
    ) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    // A stored `plex-mcp login` fills in what the environment leaves unset.
    match store.plex_login() {
        Ok(Some(login)) => {
            if config.plex_token.is_none() {
                config.plex_token = Some(login.token);
            }
            if !config.plex_url_set {
                config.plex_url = login.url;
            }
        }
        Ok(None) => {}
        Err(e) => return usage_error(&e),
    }
    let arr = |service, c| ArrClient::new(service, c, http.clone(), config.http_timeout);
    let (sonarr, radarr) = match (
        arr(Service::Sonarr, &config.sonarr),
        arr(Service::Radarr, &config.radarr),
    ) {
        (Ok(s), Ok(r)) => (s, r),
        (Err(e), _) | (_, Err(e)) => return usage_error(&e),
    };
    let plex = match config
        .plex_token
        .as_ref()
        .map(|token| PlexClient::new(&config, token, http.clone()))
    {
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => return usage_error(&e),
        None => None,
    };
    // Signing in and checking the setup need no working Plex server.
    let early = match &cli.command {
        Some(Command::Trakt(trakt_command)) => {
            Some(trakt_login::run(trakt.as_ref(), &store, trakt_command).await)
        }
        Some(Command::Login(args)) => Some(login::run(&config, &store, http.clone(), args).await),
        Some(Command::Doctor) => Some(
            doctor::run(
                &config,
                plex.as_ref(),
                sonarr.as_ref(),
                radarr.as_ref(),
                trakt.as_ref(),
            )
            .await,
        ),
        _ => None,
    };
    if let Some(code) = early {
        drop(demo_stack);
        return code;
    }
    let Some(plex) = plex else {
        return usage_error(TOKEN_HELP);
    };
    let toolsets = match Toolsets::new(&config) {
        Ok(t) => t,
        Err(e) => return usage_error(&e),
    };
    // Every credential the configuration holds; results and logs never show them. (The Trakt
    // client id is public by design: the sign-in URL carries it.)
    for secret in [
        &config.plex_token,
        &config.sonarr.api_key,
        &config.radarr.api_key,
        &config.trakt.client_secret,
        &config.trakt.access_token,
        &config.trakt.refresh_token,
        &config.auth_token,
    ]
    .into_iter()
    .flatten()
    {
        redactor.add(secret.expose());
    }
    let ctx = Arc::new(Context {
        config,
        plex,
        sonarr,
        radarr,
        trakt: trakt.map(Arc::new),
        store,
        jobs: Default::default(),
        in_flight: Default::default(),
        redactor,
        toolsets,
        routes: Default::default(),
        lengths: Default::default(),
    });
    let code = match cli
        .command
        .unwrap_or(Command::Serve(serve::ServeArgs::default()))
    {
        Command::Serve(args) => serve::run(ctx, args).await,
        Command::Tools => tools::run(ctx),
        Command::Call(args) => call::run(ctx, args).await,
        Command::Trakt(_) | Command::Login(_) | Command::Doctor => {
            unreachable!("handled before the Plex client is required")
        }
    };
    drop(demo_stack);
    code
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("plex-mcp: {message}");
    ExitCode::from(2)
}

/// Logs go to stderr: in stdio mode stdout carries only the MCP stream.
fn init_logging(filter: &str, redactor: Redactor) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(redactor)
        .with_ansi(false)
        .try_init();
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
