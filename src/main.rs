use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    plex_mcp::cli::run(plex_mcp::cli::Cli::parse()).await
}
