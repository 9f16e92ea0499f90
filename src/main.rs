use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    plex_mcp::run(plex_mcp::Cli::parse()).await
}
