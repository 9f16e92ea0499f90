//! `plex-mcp trakt login`: Trakt's device-code sign-in from a terminal.

use std::{process::ExitCode, time::Duration};

use clap::Subcommand;

use crate::{
    store::Store,
    time::iso,
    trakt::{
        NOT_CONFIGURED,
        client::{DevicePoll, TraktClient},
    },
};

#[derive(Debug, Subcommand)]
pub enum TraktCommand {
    /// Sign in with a code shown here and entered at trakt.tv/activate; the sign-in is stored in
    /// the data directory (mode 0600) and renewed automatically.
    Login,
}

pub async fn run(trakt: Option<&TraktClient>, store: &Store, command: &TraktCommand) -> ExitCode {
    let TraktCommand::Login = command;
    let Some(trakt) = trakt else {
        eprintln!("plex-mcp: {NOT_CONFIGURED} Then run `plex-mcp trakt login` again.");
        return ExitCode::from(2);
    };
    let device = match trakt.start_device().await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("plex-mcp: {e}");
            return ExitCode::FAILURE;
        }
    };
    outln!(
        "Open {} and enter the code {} (valid for {} minutes).\nWaiting for approval...",
        device.verification_url,
        device.user_code,
        device.expires_in.div_ceil(60)
    );
    match trakt
        .poll_device(Duration::from_secs(device.expires_in))
        .await
    {
        Ok(DevicePoll::SignedIn { user, expires_at }) => {
            outln!(
                "Signed in to Trakt as {} (access renewed automatically; current token valid until {}).\n\
                 The sign-in is stored in {}.",
                user.username,
                iso(expires_at),
                store.path().display()
            );
            ExitCode::SUCCESS
        }
        Ok(DevicePoll::Pending { .. }) => {
            eprintln!(
                "plex-mcp: the code expired before it was approved; run `plex-mcp trakt login` again."
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("plex-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}
