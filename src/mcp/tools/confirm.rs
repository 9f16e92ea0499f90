//! Destructive tools ask first: `confirm: true` goes ahead; otherwise the person is asked
//! through elicitation when the client supports it; when it does not, nothing happens and the
//! tool answers with a preview until it is called again with `confirm: true`.

use std::time::Duration;

use rmcp::{Peer, RoleServer, service::ElicitationError};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::mcp::{error::ToolError, server::PlexMcp};

/// The answer to a confirmation prompt.
#[derive(Debug, Deserialize, JsonSchema)]
struct Approval {
    /// Go ahead with this change?
    confirm: bool,
}
rmcp::elicit_safe!(Approval);

/// How an action that needs the person's agreement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Confirmed {
    Done,
    /// Nothing was done: call again with `confirm: true`.
    Preview,
    /// The person was asked and said no.
    Declined,
}

async fn ask(
    peer: &Peer<RoleServer>,
    confirm: Option<bool>,
    question: String,
    timeout: Duration,
) -> Confirmed {
    match confirm {
        Some(true) => return Confirmed::Done,
        Some(false) => return Confirmed::Preview,
        None => {}
    }
    match peer
        .elicit_with_timeout::<Approval>(question, Some(timeout))
        .await
    {
        Ok(Some(Approval { confirm: true })) => Confirmed::Done,
        Ok(_) | Err(ElicitationError::UserDeclined) | Err(ElicitationError::UserCancelled) => {
            Confirmed::Declined
        }
        Err(e) => {
            tracing::debug!("no elicitation ({e}); answering a preview");
            Confirmed::Preview
        }
    }
}

impl PlexMcp {
    /// Runs `act` once the change is confirmed (see the module), and says how it ended.
    pub(super) async fn when_confirmed<F: Future<Output = Result<(), ToolError>>>(
        &self,
        peer: &Peer<RoleServer>,
        confirm: Option<bool>,
        question: String,
        act: impl FnOnce() -> F,
    ) -> Result<Confirmed, ToolError> {
        let answer = ask(peer, confirm, question, self.ctx.config.confirm_timeout).await;
        if answer == Confirmed::Done {
            act().await?;
        }
        Ok(answer)
    }
}
