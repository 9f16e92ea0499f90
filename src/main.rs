use std::{process::ExitCode, time::Duration};

use clap::Parser;

fn main() -> ExitCode {
    let cli = plex_mcp::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("plex-mcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(plex_mcp::run(cli));
    // Standard input is read on a blocking thread that only returns when a byte arrives; waiting
    // for it would keep a signalled stdio server alive.
    runtime.shutdown_timeout(Duration::from_millis(200));
    code
}
