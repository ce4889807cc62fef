//! Maps findings to actions (SPEC §7): the exact calls, the risk, the undo, and whether this run
//! may apply each one — and if not, why.

use crate::config::{Config, Mode};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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
}

/// Tags that put a resource out of apigw-doctor's reach.
const SKIP_TAG: &str = "apigw-doctor:skip";
const STACK_TAG: &str = "aws:cloudformation:stack-name";

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

/// Why a resource must not be changed, from its tags.
fn protected_by_tags(tags: &BTreeMap<String, String>) -> Option<String> {
    if tags
        .get(SKIP_TAG)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Some(format!("the resource is tagged {SKIP_TAG}=true"));
    }
    tags.get(STACK_TAG).map(|stack| {
        format!("the resource is owned by CloudFormation stack {stack}: fix the stack's template instead")
    })
}

/// Builds the plan; `mode` is the run's effective mode.
pub fn plan(
    findings: &[Finding],
    snapshot: &Snapshot,
    incident: &Incident,
    config: &Config,
    mode: Mode,
) -> Vec<Action> {
    let mut actions: Vec<Action> = Vec::new();
    for finding in findings {
        let Some(name) = finding.remedy_action() else {
            continue;
        };
        let Some(mut action) = describe(name, finding, snapshot) else {
            continue;
        };
        if actions
            .iter()
            .any(|a| a.action == action.action && a.target == action.target)
        {
            continue;
        }
        let refusal = allowed(config, incident, name)
            .err()
            .or_else(|| refusal(name, finding, findings, snapshot));
        match (refusal, mode) {
            (Some(reason), _) => {
                action.status = Status::Skipped;
                action.reason = Some(reason);
            }
            (None, Mode::DryRun) => {
                action.status = Status::Planned;
                action.reason = Some("dry-run: nothing was changed".to_string());
            }
            (None, Mode::Apply) => {
                action.status = Status::Skipped;
                action.reason = Some(
                    "this build cannot apply changes yet; make the calls listed here by hand"
                        .to_string(),
                );
            }
        }
        actions.push(action);
    }
    actions
}

/// A refusal rule of SPEC §7 that holds for this action, if any.
fn refusal(
    name: &str,
    finding: &Finding,
    findings: &[Finding],
    snapshot: &Snapshot,
) -> Option<String> {
    match name {
        "enable_private_dns" => {
            let endpoint = snapshot.vpc_endpoint(finding.resource.as_deref()?)?;
            if findings.iter().any(|f| {
                f.code == "VPC_DNS_DISABLED"
                    && f.resource.as_deref() == Some(endpoint.vpc_id.as_str())
            }) {
                return Some(format!(
                    "refused while VPC_DNS_DISABLED holds for {}: private DNS cannot work until the VPC's DNS attributes are on",
                    endpoint.vpc_id
                ));
            }
            protected_by_tags(&endpoint.tags)
        }
        _ => None,
    }
}

/// The calls, risk and undo of one action for one finding.
fn describe(name: &str, finding: &Finding, snapshot: &Snapshot) -> Option<Action> {
    let (target, calls, risk, undo, before) = match name {
        "enable_private_dns" => {
            let endpoint = snapshot.vpc_endpoint(finding.resource.as_deref()?)?;
            (
                endpoint.id.clone(),
                vec![format!(
                    "ec2:ModifyVpcEndpoint VpcEndpointId={} PrivateDnsEnabled=true",
                    endpoint.id
                )],
                format!(
                    "every client in {} will resolve *.execute-api.{}.amazonaws.com to this endpoint: public (REGIONAL or EDGE) APIs called from that VPC by their default URL will start answering 403",
                    endpoint.vpc_id, snapshot.region
                ),
                format!(
                    "ec2:ModifyVpcEndpoint VpcEndpointId={} PrivateDnsEnabled=false",
                    endpoint.id
                ),
                json!({ "private_dns_enabled": endpoint.private_dns_enabled }),
            )
        }
        other => {
            let target = match (&finding.api_id, &finding.stage) {
                (Some(api), Some(stage)) => format!("{api}/{stage}"),
                (Some(api), None) => api.clone(),
                _ => finding.resource.clone()?,
            };
            (
                target.clone(),
                vec![format!("{other} {target}")],
                String::new(),
                String::new(),
                json!({}),
            )
        }
    };
    Some(Action {
        action: name.to_string(),
        target,
        finding: finding.code.clone(),
        status: Status::Planned,
        reason: None,
        calls,
        risk,
        undo,
        before,
        after: json!({}),
    })
}
