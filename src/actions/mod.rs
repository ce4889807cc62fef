//! Apply and verify (SPEC §7): the only code that writes to AWS.
//!
//! Each action is one module implementing [`Change`]: what it would do (pure, from the snapshot,
//! for the plan), and the steps of an apply — re-read the resource, refuse or skip, write, mark,
//! re-read, verdict. The plan and the apply judge the same `State` with the same functions, so
//! a dry run says exactly what an apply would do.

pub mod lock;
pub mod logging;
pub mod private_dns;
pub mod redeploy_stage;
mod stage;

use crate::aws::{CallFailure, FailureKind, Session};
use crate::plan::{Action, Status};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

pub use lock::LockTable;
pub use logging::EnableExecutionLogging;
pub use private_dns::EnablePrivateDns;
pub use redeploy_stage::RedeployStage;

/// Tags that put a resource out of apigw-doctor's reach.
pub const SKIP_TAG: &str = "apigw-doctor:skip";
pub const STACK_TAG: &str = "aws:cloudformation:stack-name";

/// Why a resource must not be changed, from its tags (`whose`: "the stage", "the API"…).
pub fn protected_by_tags(whose: &str, tags: &BTreeMap<String, String>) -> Option<String> {
    if tags
        .get(SKIP_TAG)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return Some(format!("{whose} is tagged {SKIP_TAG}=true"));
    }
    tags.get(STACK_TAG).map(|stack| {
        format!(
            "{whose} is owned by CloudFormation stack {stack}: fix the stack's template instead"
        )
    })
}

/// The ARN partition of a region.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// What one run knows when it plans or applies.
#[derive(Debug, Clone)]
pub struct Context {
    pub incident_id: String,
    pub now: DateTime<Utc>,
    pub cooldown_seconds: u64,
}

impl Context {
    /// The marker this run leaves on what it changes.
    pub fn marker(&self) -> Marker {
        Marker {
            at: self.now,
            incident: self.incident_id.clone(),
        }
    }
}

/// Proof, kept on the resource itself, that apigw-doctor changed it: when and for which incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub at: DateTime<Utc>,
    pub incident: String,
}

/// Longest tag value EC2 and API Gateway accept.
const TAG_VALUE_MAX: usize = 256;

impl Marker {
    /// The tag key that records the last time `action` was applied to a resource.
    pub fn tag_key(action: &str) -> String {
        format!("apigw-doctor:{action}")
    }

    /// `<RFC 3339 time> <incident id>`, limited to the characters and length both EC2 and
    /// API Gateway accept in a tag value.
    pub fn tag_value(&self) -> String {
        let text = format!(
            "{} {}",
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.incident
        );
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(TAG_VALUE_MAX)
            .collect()
    }

    /// The marker recorded in a resource's tags for `action`, if any.
    pub fn from_tags(tags: &BTreeMap<String, String>, action: &str) -> Option<Marker> {
        let value = tags.get(&Self::tag_key(action))?;
        let (at, incident) = value.split_once(' ').unwrap_or((value, ""));
        Some(Marker {
            at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
            incident: incident.to_string(),
        })
    }
}

/// Why `action` must wait: it was applied to `target` less than the cooldown ago.
pub fn cooldown(
    action: &str,
    target: &str,
    last: Option<Marker>,
    context: &Context,
) -> Option<String> {
    let last = last?;
    let age = context.now.signed_duration_since(last.at).num_seconds();
    let window = i64::try_from(context.cooldown_seconds).unwrap_or(i64::MAX);
    (age < window).then(|| {
        format!(
            "cooldown: {action} was applied to {target} at {} for incident {} ({age} s ago, APIGW_DOCTOR_COOLDOWN_SECONDS={window})",
            last.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            if last.incident.is_empty() { "(unknown)" } else { &last.incident },
        )
    })
}

/// The steps every action shares. The engine ([`run`]) calls them in order; the plan calls
/// the pure ones on the state the snapshot shows.
pub(crate) trait Change {
    /// What the resource looks like, as far as this action cares.
    type State;
    /// What the write produced that verification must find (e.g. the new deployment id).
    type Written;
    const ACTION: &'static str;

    fn target(&self) -> String;
    /// The exact calls an apply makes, in order.
    fn calls(&self, marker: &Marker) -> Vec<String>;
    fn risk(&self, state: &Self::State) -> String;
    fn undo(&self, state: &Self::State) -> String;
    /// The values `before` and `after` report.
    fn describe(&self, state: &Self::State) -> Value;
    /// A rule of SPEC §7 that forbids the change (tags, a blocking condition).
    fn refusal(&self, state: &Self::State) -> Option<String>;
    /// Why the change is already in place, if it is.
    fn done(&self, state: &Self::State) -> Option<String>;
    /// The last time apigw-doctor applied this action to this resource.
    fn last_applied(&self, state: &Self::State) -> Option<Marker>;

    async fn read(&self, session: Session<'_>) -> Result<Self::State, CallFailure>;
    async fn write(
        &self,
        session: Session<'_>,
        marker: &Marker,
    ) -> Result<Self::Written, CallFailure>;
    /// Leaves the marker where the next run's cooldown check finds it (when `write` did not).
    async fn mark(&self, session: Session<'_>, marker: &Marker) -> Result<(), CallFailure>;
    /// `Ok(what was seen)` when the change is in effect, `Err(what was seen)` otherwise.
    fn verify(&self, state: &Self::State, written: &Self::Written) -> Result<String, String>;
}

/// Fills an action's description and decides, from `state`, whether the plan must skip it.
pub(crate) fn assess<C: Change>(
    change: &C,
    state: &C::State,
    context: &Context,
    action: &mut Action,
) -> Option<String> {
    action.target = change.target();
    action.calls = change.calls(&context.marker());
    action.risk = change.risk(state);
    action.undo = change.undo(state);
    action.before = change.describe(state);
    obstacle(change, state, context)
}

/// Why `change` must not be made, judged on `state`: a refusal rule, the change already in
/// place, or the cooldown. The plan asks on the snapshot, the apply again on a fresh read.
fn obstacle<C: Change>(change: &C, state: &C::State, context: &Context) -> Option<String> {
    change
        .refusal(state)
        .or_else(|| change.done(state).map(|d| format!("already done: {d}")))
        .or_else(|| {
            cooldown(
                C::ACTION,
                &change.target(),
                change.last_applied(state),
                context,
            )
        })
}

/// Where one apply ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    pub reason: String,
    pub after: Value,
}

impl Verdict {
    pub(crate) fn new(status: Status, reason: impl Into<String>, after: Value) -> Self {
        Verdict {
            status,
            reason: reason.into(),
            after,
        }
    }

    /// A call that failed: `pending` when the deadline cut it off (the next run resumes),
    /// `failed` otherwise.
    fn from_failure(what: &str, failure: &CallFailure) -> Self {
        let status = if failure.kind == FailureKind::Deadline {
            Status::Pending
        } else {
            Status::Failed
        };
        let resume = if status == Status::Pending {
            "; the next invocation for this target resumes it"
        } else {
            ""
        };
        Verdict::new(
            status,
            format!(
                "{what}: {} {} ({}){resume}",
                failure.step, failure.code, failure.detail
            ),
            Value::Null,
        )
    }
}

/// Runs one change: re-read, refuse or skip, write, mark, re-read, verdict.
pub(crate) async fn run<C: Change>(session: Session<'_>, change: &C, context: &Context) -> Verdict {
    let target = change.target();
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
    if let Some(reason) = obstacle(change, &state, context) {
        return Verdict::new(Status::Skipped, reason, before);
    }
    let marker = context.marker();
    tracing::info!(action = C::ACTION, %target, %before, "applying change");
    let written = match change.write(session, &marker).await {
        Ok(written) => written,
        Err(failure) => {
            let what = match failure.kind {
                FailureKind::AccessDenied | FailureKind::NotFound => "the change was refused",
                FailureKind::Unreachable | FailureKind::Deadline => {
                    "the write did not finish and may have taken effect (the next run re-reads before trying again)"
                }
                _ => "the write failed",
            };
            return Verdict::from_failure(what, &failure);
        }
    };
    let unmarked = change.mark(session, &marker).await.err().map(|f| {
        format!(
            "; the cooldown marker could not be written ({} {}), so the cooldown will not hold",
            f.step, f.code
        )
    });
    let unmarked = unmarked.unwrap_or_default();
    let verdict = match change.read(session).await {
        Err(failure) => {
            let mut verdict =
                Verdict::from_failure("changed, but the re-read to verify it failed", &failure);
            if verdict.status == Status::Failed {
                verdict.status = Status::Applied;
            }
            verdict
        }
        Ok(after) => {
            let seen = change.describe(&after);
            match change.verify(&after, &written) {
                Ok(what) => Verdict::new(Status::Verified, format!("{what}{unmarked}"), seen),
                Err(what) => Verdict::new(
                    Status::Failed,
                    format!("changed, but the re-read shows {what}{unmarked}"),
                    seen,
                ),
            }
        }
    };
    tracing::info!(
        action = C::ACTION,
        %target,
        %before,
        after = %verdict.after,
        status = ?verdict.status,
        "change made"
    );
    verdict
}

/// A planned change of one kind, carried from the plan to the apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    RedeployStage(RedeployStage),
    EnablePrivateDns(EnablePrivateDns),
    EnableExecutionLogging(EnableExecutionLogging),
}

/// Applies every action the plan left `planned`, one at a time, each under the lock table's
/// lock when one is configured.
pub async fn apply(
    session: Session<'_>,
    context: &Context,
    lock: Option<&LockTable>,
    actions: &mut [Action],
) {
    for action in actions.iter_mut().filter(|a| a.status == Status::Planned) {
        let Some(planned) = action.change.clone() else {
            continue;
        };
        let verdict = Box::pin(apply_one(session, context, lock, action, &planned)).await;
        action.status = verdict.status;
        action.reason = Some(verdict.reason);
        action.after = verdict.after;
        // The audit trail is of changes attempted; a skip changed nothing. Written even when
        // the invocation's deadline has passed, like the lock's release.
        if let Some(lock) = lock.filter(|_| action.status != Status::Skipped) {
            let unbounded = session.aws.session(None);
            if let Err(failure) = lock.record(unbounded, context, action).await {
                let reason = action.reason.get_or_insert_with(String::new);
                reason.push_str(&format!(
                    "; the audit record could not be written ({} {})",
                    failure.step, failure.code
                ));
            }
        }
    }
}

async fn apply_one(
    session: Session<'_>,
    context: &Context,
    lock: Option<&LockTable>,
    action: &Action,
    planned: &Planned,
) -> Verdict {
    if let Some(lock) = lock {
        if let Err(refused) = lock.acquire(session, context, action).await {
            return refused;
        }
    }
    let verdict = match planned {
        Planned::RedeployStage(change) => run(session, change, context).await,
        Planned::EnablePrivateDns(change) => run(session, change, context).await,
        Planned::EnableExecutionLogging(change) => run(session, change, context).await,
    };
    if let Some(lock) = lock {
        if let Err(failure) = lock.release(session.aws.session(None), action).await {
            tracing::warn!(
                step = %failure.step,
                code = %failure.code,
                "the lock could not be released; it expires by itself"
            );
        }
    }
    verdict
}

#[cfg(test)]
mod tests;
