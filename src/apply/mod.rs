//! Apply and verify (SPEC §7): the only code that writes to AWS.
//!
//! The plan (in the core) decides what may change and judges states; this module does the I/O
//! each change needs — read the resource again, write, leave the marker — one module per action
//! implementing [`Io`], and [`run`] puts the steps in order: re-read, refuse or skip (the core's
//! `obstacle`), write, mark, re-read, verdict (the core's `Verdict::after_write`). It takes the
//! plan's changes and returns verdicts; the handler puts them on the report's rows.

mod execution_logging;
mod integration_header;
mod marker;
mod private_dns;
mod redeploy_stage;
mod stage;
mod vpc_link;

use crate::aws::Session;
use crate::failure::CallFailure;
use crate::lock::LockTable;
use crate::plan::{obstacle, Change, Context, Marker, Planned, Rules, Status, Verdict};

/// The I/O of one action: what [`run`] needs besides the action's pure rules.
pub(crate) trait Io: Rules {
    /// Reads the resource as the rules judge it.
    async fn read(&self, session: Session<'_>) -> Result<Self::State, CallFailure>;
    async fn write(
        &self,
        session: Session<'_>,
        marker: &Marker,
    ) -> Result<Self::Written, CallFailure>;
    /// Leaves the marker where the next run's cooldown check finds it (when `write` did not).
    async fn mark(&self, session: Session<'_>, marker: &Marker) -> Result<(), CallFailure>;
}

/// Runs one change: re-read, refuse or skip, write, mark, re-read, verdict. The verdict's
/// `before` is the re-read state the change was judged on.
async fn run<C: Io>(session: Session<'_>, change: &C, context: &Context) -> Verdict {
    let state = match change.read(session).await {
        Ok(state) => state,
        Err(failure) => {
            return Verdict::from_failure(
                "nothing was changed: could not re-read the resource",
                &failure,
            )
        }
    };
    let before = change.describe(&state);
    let mut verdict = match obstacle(change, &state, context) {
        Some(reason) => Verdict::new(Status::Skipped, reason, before.clone()),
        None => write_and_verify(session, change, context, &before).await,
    };
    verdict.before = before;
    verdict
}

/// Write, mark, re-read and judge: the part of [`run`] that changes something.
async fn write_and_verify<C: Io>(
    session: Session<'_>,
    change: &C,
    context: &Context,
    before: &serde_json::Value,
) -> Verdict {
    let target = change.target();
    let marker = context.marker();
    tracing::info!(action = %C::ACTION, %target, %before, "applying change");
    let written = match change.write(session, &marker).await {
        Ok(written) => written,
        Err(failure) => return Verdict::write_failed(&failure),
    };
    let unmarked = change.mark(session, &marker).await.err();
    let reread = change.read(session).await;
    let verdict = Verdict::after_write(change, reread.as_ref(), &written, unmarked.as_ref());
    tracing::info!(
        action = %C::ACTION,
        %target,
        %before,
        after = %verdict.after,
        status = ?verdict.status,
        "change made"
    );
    verdict
}

/// Applies each planned change, one at a time, each under the lock table's lock when one is
/// configured; returns each change's row and verdict.
pub async fn apply(
    session: Session<'_>,
    context: &Context,
    lock: Option<&LockTable>,
    changes: &[Planned],
) -> Vec<(usize, Verdict)> {
    let mut verdicts = Vec::new();
    for planned in changes {
        let change = &planned.change;
        let mut verdict = Box::pin(apply_one(session, context, lock, change)).await;
        // The audit trail is of changes attempted; a skip changed nothing. Written even when
        // the invocation's deadline has passed, like the lock's release.
        if let Some(lock) = lock.filter(|_| verdict.status != Status::Skipped) {
            let unbounded = lock.unbounded(session);
            if let Err(failure) = lock.record(unbounded, context, planned, &verdict).await {
                verdict.reason.push_str(&format!(
                    "; the audit record could not be written ({} {})",
                    failure.step, failure.code
                ));
            }
        }
        verdicts.push((planned.row, verdict));
    }
    verdicts
}

async fn apply_one(
    session: Session<'_>,
    context: &Context,
    lock: Option<&LockTable>,
    change: &Change,
) -> Verdict {
    let (action, target) = (change.action(), change.target());
    if let Some(lock) = lock {
        if let Err(refused) = lock
            .acquire(lock.session(session), context, action, &target)
            .await
        {
            return refused;
        }
    }
    // Each action's future is boxed: side by side on the stack they outgrow a test thread's.
    let mut verdict = match change {
        Change::RedeployStage(change) => Box::pin(run(session, change, context)).await,
        Change::EnablePrivateDns(change) => Box::pin(run(session, change, context)).await,
        Change::EnableExecutionLogging(change) => Box::pin(run(session, change, context)).await,
        Change::AddIntegrationHeader(change) => Box::pin(run(session, change, context)).await,
        Change::RecreateVpcLink(change) => Box::pin(run(session, change, context)).await,
    };
    if let Some(lock) = lock {
        if let Err(failure) = lock.release(lock.unbounded(session), action, &target).await {
            // Said in the report: until it expires, other runs skip this change.
            verdict.reason.push_str(&format!(
                "; the lock could not be released ({} {}): other runs skip this change until it expires",
                failure.step, failure.code
            ));
        }
    }
    verdict
}
