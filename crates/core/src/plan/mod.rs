//! The plan (SPEC §7): maps findings to actions with the exact calls, the risk, the undo, and
//! whether this run may apply each one — and if not, why. Pure: each action's rules (target,
//! calls, risk, undo, refusals, "already done", cooldown, the verdict from a re-read state) are
//! functions over plain data ([`Rules`]). The plan judges the state the snapshot shows; the apply
//! step judges a fresh read with the same functions, so a dry run says what an apply would do.

mod execution_logging;
mod integration_header;
mod marker;
mod private_dns;
mod redeploy_stage;
mod stage;
mod vpc_link;

pub use execution_logging::{
    EnableExecutionLogging, State as ExecutionLoggingState, REST_LOG_LEVEL_PATH,
};
pub use integration_header::{
    AddIntegrationHeader, State as IntegrationHeaderState, Written as IntegrationHeaderWritten,
    CONNECTION_ID_HEADER, CONNECTION_ID_SOURCE,
};
pub use marker::{cooldown, Context, Marker};
pub use private_dns::{EnablePrivateDns, State as PrivateDnsState};
pub use redeploy_stage::RedeployStage;
pub use stage::{ApiKind, StageNow};
pub use vpc_link::{
    AffectedStage, LinkUse, RecreateVpcLink, State as VpcLinkState, Written as VpcLinkWritten,
    REPLACES_TAG,
};

use crate::action::Action;
use crate::catalog::Code;
use crate::config::{Config, Mode};
use crate::failure::{CallFailure, FailureKind};
use crate::finding::Finding;
use crate::intake::{Incident, Scope};
use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Status {
    Planned,
    Applied,
    Verified,
    Skipped,
    Failed,
    Pending,
}

/// One entry of the report's `actions` (SPEC §4): plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRow {
    pub action: Action,
    pub target: String,
    /// The first finding that asked for this change.
    pub finding: Code,
    pub status: Status,
    pub reason: Option<String>,
    pub calls: Vec<String>,
    pub risk: String,
    pub undo: String,
    pub before: Value,
    pub after: Value,
}

impl Status {
    /// The status as the report writes it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl ActionRow {
    fn new(action: Action, target: String, finding: Code) -> Self {
        ActionRow {
            action,
            target,
            finding,
            status: Status::Planned,
            reason: None,
            calls: Vec::new(),
            risk: String::new(),
            undo: String::new(),
            before: json!({}),
            after: json!({}),
        }
    }

    /// Whether this action, once verified, repairs `finding`: every finding whose remedy is
    /// this action on this target shares this one row.
    pub fn repairs(&self, finding: &Finding) -> bool {
        finding.remedy_action() == Some(self.action)
            && target_of(finding).as_deref() == Some(self.target.as_str())
    }
}

/// The resource a finding's action changes, as the report's `target` names it.
pub fn target_of(finding: &Finding) -> Option<String> {
    match (finding.remedy_action()?, &finding.api_id, &finding.stage) {
        (Action::EnablePrivateDns | Action::RecreateVpcLink, _, _) => finding.resource.clone(),
        (Action::AddIntegrationHeader, Some(api), _) => finding
            .resource
            .as_ref()
            .map(|integration| format!("{api}/integrations/{integration}")),
        (_, Some(api), Some(stage)) => Some(format!("{api}/{stage}")),
        _ => None,
    }
}

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

/// One action's rules, pure. The plan calls them on the state the snapshot shows; the apply
/// step on the state it reads again right before and after its write.
pub trait Rules {
    /// What the resource looks like, as far as this action cares.
    type State;
    /// What the write produced that verification must find (e.g. the new deployment id).
    type Written;
    const ACTION: Action;

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
    /// `Ok(what was seen)` when the change is in effect, `Err(what was seen)` otherwise.
    fn verify(&self, state: &Self::State, written: &Self::Written) -> Result<String, String>;
}

/// Why `change` must not be made, judged on `state`: a refusal rule, the change already in
/// place, or the cooldown. The plan asks on the snapshot, the apply again on a fresh read.
pub fn obstacle<R: Rules>(change: &R, state: &R::State, context: &Context) -> Option<String> {
    change
        .refusal(state)
        .or_else(|| change.done(state).map(|d| format!("already done: {d}")))
        .or_else(|| {
            cooldown(
                R::ACTION,
                &change.target(),
                change.last_applied(state),
                context,
            )
        })
}

/// A change of one kind, carried from the plan to the apply step.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    RedeployStage(RedeployStage),
    EnablePrivateDns(EnablePrivateDns),
    EnableExecutionLogging(EnableExecutionLogging),
    AddIntegrationHeader(AddIntegrationHeader),
    RecreateVpcLink(RecreateVpcLink),
}

impl Change {
    pub fn action(&self) -> Action {
        match self {
            Change::RedeployStage(_) => RedeployStage::ACTION,
            Change::EnablePrivateDns(_) => EnablePrivateDns::ACTION,
            Change::EnableExecutionLogging(_) => EnableExecutionLogging::ACTION,
            Change::AddIntegrationHeader(_) => AddIntegrationHeader::ACTION,
            Change::RecreateVpcLink(_) => RecreateVpcLink::ACTION,
        }
    }

    pub fn target(&self) -> String {
        match self {
            Change::RedeployStage(c) => c.target(),
            Change::EnablePrivateDns(c) => c.target(),
            Change::EnableExecutionLogging(c) => c.target(),
            Change::AddIntegrationHeader(c) => c.target(),
            Change::RecreateVpcLink(c) => c.target(),
        }
    }

    /// The exact calls an apply makes, in order.
    pub fn calls(&self, marker: &Marker) -> Vec<String> {
        match self {
            Change::RedeployStage(c) => c.calls(marker),
            Change::EnablePrivateDns(c) => c.calls(marker),
            Change::EnableExecutionLogging(c) => c.calls(marker),
            Change::AddIntegrationHeader(c) => c.calls(marker),
            Change::RecreateVpcLink(c) => c.calls(marker),
        }
    }
}

/// A change the plan allows this run to make: `row` indexes [`Plan::rows`].
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub row: usize,
    pub finding: Code,
    pub change: Change,
}

/// The report's action rows, and the changes among them an apply may make.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub rows: Vec<ActionRow>,
    pub changes: Vec<Planned>,
}

impl Plan {
    /// Puts an apply's verdicts on the rows they belong to.
    pub fn record(&mut self, verdicts: impl IntoIterator<Item = (usize, Verdict)>) {
        for (row, verdict) in verdicts {
            if let Some(row) = self.rows.get_mut(row) {
                row.status = verdict.status;
                row.reason = Some(verdict.reason);
                row.after = verdict.after;
            }
        }
    }
}

/// Where one apply ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    pub reason: String,
    /// The resource right before the write, as the re-read showed it (`Null`: not read).
    pub before: Value,
    pub after: Value,
}

impl Verdict {
    pub fn new(status: Status, reason: impl Into<String>, after: Value) -> Self {
        Verdict {
            status,
            reason: reason.into(),
            before: Value::Null,
            after,
        }
    }

    /// A call that failed: `pending` when the deadline cut it off (the next run resumes),
    /// `failed` otherwise.
    pub fn from_failure(what: &str, failure: &CallFailure) -> Self {
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

    /// The write itself failed: refused, cut off (it may have taken effect), or failed.
    pub fn write_failed(failure: &CallFailure) -> Self {
        let what = match failure.kind {
            FailureKind::AccessDenied | FailureKind::NotFound => "the change was refused",
            FailureKind::Unreachable | FailureKind::Deadline => {
                "the write did not finish and may have taken effect (the next run re-reads before trying again)"
            }
            _ => "the write failed",
        };
        Verdict::from_failure(what, failure)
    }

    /// The verdict from the re-read after a write: `verified` when the change is in effect,
    /// `failed` when it is not, `applied` when the re-read failed. `unmarked` says why the
    /// cooldown marker is missing, when it is.
    pub fn after_write<R: Rules>(
        change: &R,
        reread: Result<&R::State, &CallFailure>,
        written: &R::Written,
        unmarked: Option<&CallFailure>,
    ) -> Self {
        let unmarked = unmarked
            .map(|f| {
                format!(
                    "; the cooldown marker could not be written ({} {}), so the cooldown will not hold",
                    f.step, f.code
                )
            })
            .unwrap_or_default();
        match reread {
            Err(failure) => {
                let mut verdict =
                    Verdict::from_failure("changed, but the re-read to verify it failed", failure);
                if verdict.status == Status::Failed {
                    verdict.status = Status::Applied;
                }
                verdict
            }
            Ok(after) => {
                let seen = change.describe(after);
                match change.verify(after, written) {
                    Ok(what) => Verdict::new(Status::Verified, format!("{what}{unmarked}"), seen),
                    Err(what) => Verdict::new(
                        Status::Failed,
                        format!("changed, but the re-read shows {what}{unmarked}"),
                        seen,
                    ),
                }
            }
        }
    }
}

/// Whether this run may apply `action`: the configured list, narrowed by the event's `actions`;
/// a sweep changes nothing unless its event lists the actions itself (SPEC §7 blast radius).
fn allowed(config: &Config, incident: &Incident, action: Action) -> Result<(), String> {
    if incident.scope == Scope::Sweep && incident.actions.is_none() {
        return Err(
            "a sweep plans but applies nothing unless its event lists `actions` (blast radius)"
                .to_string(),
        );
    }
    if !config.actions.contains(&action) {
        return Err(if action == Action::EnablePrivateDns {
            "enable_private_dns changes DNS for every client of the VPC, so it runs only when listed explicitly in APIGW_DOCTOR_ACTIONS".to_string()
        } else {
            format!(
                "{action} is not in APIGW_DOCTOR_ACTIONS ({})",
                Action::join(&config.actions)
            )
        });
    }
    if let Some(narrowed) = &incident.actions {
        if !narrowed.contains(&action) {
            return Err(format!(
                "{action} is not in this event's `actions` ({})",
                Action::join(narrowed)
            ));
        }
    }
    Ok(())
}

/// A row described by an action's rules, its change, and the reason to skip it, if any.
type Described = (ActionRow, Option<Change>, Option<String>);

fn describe<R: Rules>(
    change: R,
    state: &R::State,
    finding: Code,
    context: &Context,
    wrap: fn(R) -> Change,
) -> Described {
    let mut row = ActionRow::new(R::ACTION, change.target(), finding);
    row.calls = change.calls(&context.marker());
    row.risk = change.risk(state);
    row.undo = change.undo(state);
    row.before = change.describe(state);
    let skip = obstacle(&change, state, context);
    (row, Some(wrap(change)), skip)
}

/// The change `finding`'s remedy names, described by its rules; a row without a change when this
/// build cannot apply it or its resource was not read (SPEC §7: every remedy is listed).
fn described(
    action: Action,
    finding: &Finding,
    findings: &[Finding],
    snapshot: &Snapshot,
    context: &Context,
) -> Described {
    let code = finding.code;
    let found = match action {
        Action::RedeployStage => {
            RedeployStage::from_snapshot(finding, snapshot, findings, &context.incident_id)
                .map(|(c, s)| describe(c, &s, code, context, Change::RedeployStage))
        }
        Action::EnablePrivateDns => EnablePrivateDns::from_snapshot(finding, snapshot)
            .map(|(c, s)| describe(c, &s, code, context, Change::EnablePrivateDns)),
        Action::EnableExecutionLogging => EnableExecutionLogging::from_snapshot(finding, snapshot)
            .map(|(c, s)| describe(c, &s, code, context, Change::EnableExecutionLogging)),
        Action::AddIntegrationHeader => {
            AddIntegrationHeader::from_snapshot(finding, snapshot, &context.incident_id)
                .map(|(c, s)| describe(c, &s, code, context, Change::AddIntegrationHeader))
        }
        Action::RecreateVpcLink => {
            RecreateVpcLink::from_snapshot(finding, snapshot, &context.incident_id)
                .map(|(c, s)| describe(c, &s, code, context, Change::RecreateVpcLink))
        }
    };
    found.unwrap_or_else(|| {
        let target = target_of(finding)
            .or_else(|| finding.resource.clone())
            .unwrap_or_default();
        let reason =
            format!("{target} is not in what this run read, so its change cannot be planned");
        (ActionRow::new(action, target, code), None, Some(reason))
    })
}

/// Builds the plan; `mode` is the run's effective mode.
pub fn plan(
    findings: &[Finding],
    snapshot: &Snapshot,
    incident: &Incident,
    config: &Config,
    mode: Mode,
    context: &Context,
) -> Plan {
    let mut entries: Vec<(ActionRow, Option<Change>)> = Vec::new();
    let incomplete = (!snapshot.incomplete.is_empty()).then(|| {
        let mut steps: Vec<&str> = snapshot
            .incomplete
            .iter()
            .map(|i| i.step.as_str())
            .collect();
        steps.dedup();
        format!(
            "nothing is applied on incomplete evidence: {} could not be read (see incomplete)",
            steps.join(", ")
        )
    });
    for finding in findings {
        let Some(action) = finding.remedy_action() else {
            continue;
        };
        let (mut row, change, skip) = described(action, finding, findings, snapshot, context);
        if entries
            .iter()
            .any(|(r, _)| r.action == row.action && r.target == row.target)
        {
            continue;
        }
        // Why this change cannot be made outranks whether this run may make it; nothing is
        // applied on incomplete evidence (a check that could not read may hide a reason not to).
        let reason = if change.is_none() {
            skip
        } else {
            incomplete
                .clone()
                .or_else(|| allowed(config, incident, action).err())
                .or(skip)
        };
        match (reason, mode) {
            (Some(reason), _) => {
                row.status = Status::Skipped;
                row.reason = Some(reason);
            }
            (None, Mode::DryRun) => {
                row.status = Status::Planned;
                row.reason = Some("dry-run: nothing was changed".to_string());
            }
            (None, Mode::Apply) => row.status = Status::Planned,
        }
        entries.push((row, change));
    }
    // Most relevant to the symptom first; among equals, the order of application. Relevance may
    // put a redeploy before an integration change: each integration action redeploys its own
    // stages, so no change depends on one ordered after it.
    entries.sort_by_key(|(row, _)| (!row.finding.explains(incident.symptom), row.action));
    let mut plan = Plan::default();
    let mut budget = config.max_changes;
    for (index, (mut row, change)) in entries.into_iter().enumerate() {
        let change = change.filter(|_| row.status == Status::Planned);
        if change.is_some() && budget == 0 {
            row.status = Status::Skipped;
            row.reason = Some(format!(
                "change budget: at most {} change(s) per run (APIGW_DOCTOR_MAX_CHANGES); the next run takes this one",
                config.max_changes
            ));
            plan.rows.push(row);
            continue;
        }
        if let Some(change) = change {
            budget -= 1;
            plan.changes.push(Planned {
                row: index,
                finding: row.finding,
                change,
            });
        }
        plan.rows.push(row);
    }
    plan
}

#[cfg(test)]
mod integration_header_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vpc_link_tests;
