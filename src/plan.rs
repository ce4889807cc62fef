//! Maps findings to actions (SPEC §7): the exact calls, the risk, the undo, and whether this run
//! may apply each one — and if not, why. Pure: it judges the state the snapshot shows with the
//! same rules the apply re-checks against AWS.

use crate::actions::{
    self, Change, Context, EnableExecutionLogging, EnablePrivateDns, Planned, RedeployStage,
};
use crate::config::{Config, Mode};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Planned,
    Applied,
    Verified,
    Skipped,
    Failed,
    Pending,
}

/// One entry of the report's `actions` (SPEC §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub action: String,
    pub target: String,
    pub finding: String,
    pub status: Status,
    pub reason: Option<String>,
    pub calls: Vec<String>,
    pub risk: String,
    pub undo: String,
    pub before: Value,
    pub after: Value,
    /// Every finding code this action repairs (several findings can ask for one redeploy).
    #[serde(skip)]
    pub repairs: Vec<String>,
    /// What the apply step runs.
    #[serde(skip)]
    pub change: Option<Planned>,
}

impl Action {
    fn empty(action: &str, target: String) -> Self {
        Action {
            action: action.to_string(),
            target,
            finding: String::new(),
            status: Status::Planned,
            reason: None,
            calls: Vec::new(),
            risk: String::new(),
            undo: String::new(),
            before: json!({}),
            after: json!({}),
            repairs: Vec::new(),
            change: None,
        }
    }

    /// An action this run cannot describe (not built yet, or its resource was not read): it
    /// still appears, skipped, so the report names every remedy (SPEC §7).
    fn undescribed(name: &str, finding: &Finding) -> (Self, Option<String>) {
        let target = target_of(finding)
            .or_else(|| finding.resource.clone())
            .unwrap_or_default();
        let reason = if IMPLEMENTED.contains(&name) {
            format!("{target} is not in what this run read, so its change cannot be planned")
        } else {
            format!("{name} is not built yet: repair by hand")
        };
        (Action::empty(name, target), Some(reason))
    }

    /// Whether this action, once verified, repairs `finding`.
    pub fn repairs(&self, finding: &Finding) -> bool {
        self.repairs.contains(&finding.code) && Some(&self.target) == target_of(finding).as_ref()
    }
}

/// The resource a finding's action changes, as the report's `target` names it.
fn target_of(finding: &Finding) -> Option<String> {
    match (finding.remedy_action()?, &finding.api_id, &finding.stage) {
        ("enable_private_dns", _, _) => finding.resource.clone(),
        (_, Some(api), Some(stage)) => Some(format!("{api}/{stage}")),
        _ => None,
    }
}

/// The actions this build can apply.
const IMPLEMENTED: &[&str] = &[
    "redeploy_stage",
    "enable_private_dns",
    "enable_execution_logging",
];

/// Order of application: integrations are repointed before stages are redeployed.
const ORDER: &[&str] = &[
    "recreate_vpc_link",
    "add_integration_header",
    "redeploy_stage",
    "enable_private_dns",
    "enable_execution_logging",
];

/// The actions allowed in this run: the configured list, narrowed by the event's `actions`.
fn allowed(config: &Config, incident: &Incident, action: &str) -> Result<(), String> {
    if !config.actions.iter().any(|a| a == action) {
        return Err(if action == "enable_private_dns" {
            "enable_private_dns changes DNS for every client of the VPC, so it runs only when listed explicitly in APIGW_DOCTOR_ACTIONS".to_string()
        } else {
            format!(
                "{action} is not in APIGW_DOCTOR_ACTIONS ({})",
                config.actions.join(",")
            )
        });
    }
    if let Some(narrowed) = &incident.actions {
        if !narrowed.iter().any(|a| a == action) {
            return Err(format!(
                "{action} is not in this event's `actions` ({})",
                narrowed.join(",")
            ));
        }
    }
    Ok(())
}

/// The change a finding's remedy names, with its description and any reason to skip it.
fn describe(
    name: &str,
    finding: &Finding,
    snapshot: &Snapshot,
    context: &Context,
) -> Option<(Action, Option<String>)> {
    fn build<C: Change>(
        change: C,
        state: &C::State,
        context: &Context,
        wrap: fn(C) -> Planned,
    ) -> (Action, Option<String>) {
        let mut action = Action::empty(C::ACTION, String::new());
        let skip = actions::assess(&change, state, context, &mut action);
        action.change = Some(wrap(change));
        (action, skip)
    }
    match name {
        "redeploy_stage" => {
            let (change, state) = RedeployStage::from_snapshot(finding, snapshot)?;
            Some(build(change, &state, context, Planned::RedeployStage))
        }
        "enable_private_dns" => {
            let (change, state) = EnablePrivateDns::from_snapshot(finding, snapshot)?;
            Some(build(change, &state, context, Planned::EnablePrivateDns))
        }
        "enable_execution_logging" => {
            let (change, state) = EnableExecutionLogging::from_snapshot(finding, snapshot)?;
            Some(build(
                change,
                &state,
                context,
                Planned::EnableExecutionLogging,
            ))
        }
        _ => None,
    }
}

/// Builds the plan; `mode` is the run's effective mode.
pub fn plan(
    findings: &[Finding],
    snapshot: &Snapshot,
    incident: &Incident,
    config: &Config,
    mode: Mode,
    context: &Context,
) -> Vec<Action> {
    let mut actions: Vec<Action> = Vec::new();
    for finding in findings {
        let Some(name) = finding.remedy_action() else {
            continue;
        };
        let (mut action, skip) = describe(name, finding, snapshot, context)
            .unwrap_or_else(|| Action::undescribed(name, finding));
        if let Some(same) = actions
            .iter_mut()
            .find(|a| a.action == action.action && a.target == action.target)
        {
            same.repairs.push(finding.code.clone());
            continue;
        }
        action.finding = finding.code.clone();
        action.repairs.push(finding.code.clone());
        // Why this change cannot be made outranks whether this run may make it.
        let reason = if action.change.is_none() {
            skip
        } else {
            allowed(config, incident, name).err().or(skip)
        };
        match (reason, mode) {
            (Some(reason), _) => {
                action.status = Status::Skipped;
                action.reason = Some(reason);
            }
            (None, Mode::DryRun) => {
                action.status = Status::Planned;
                action.reason = Some("dry-run: nothing was changed".to_string());
            }
            (None, Mode::Apply) => action.status = Status::Planned,
        }
        actions.push(action);
    }
    actions.sort_by_key(|a| ORDER.iter().position(|o| *o == a.action));
    actions
}
