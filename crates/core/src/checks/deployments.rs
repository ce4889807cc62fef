//! Emits: STAGE_NOT_ON_LATEST_DEPLOYMENT, UNDEPLOYED_CHANGES, UNDEPLOYED_POLICY_CHANGE.
//! Deployments: stages that serve less than the API's definition, an older deployment than the
//! newest, or a resource policy older than the change made to it (SPEC §5).

use crate::catalog::Code;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::{
    ChangeHistory, Deployment, HistoryLimitReason, RestApi, RestStage, Snapshot,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in &snapshot.rest_apis {
        for stage in &api.stages {
            let Some(current) = stage
                .deployment_id
                .as_deref()
                .and_then(|id| api.deployments.iter().find(|d| d.id == id))
            else {
                continue;
            };
            findings.extend(not_on_latest(
                &api.id,
                &stage.name,
                current,
                &api.deployments,
            ));
            if !snapshot.read_failed("apigateway:GetResources") {
                findings.extend(undeployed_changes(api, stage, current));
            }
            findings.extend(undeployed_policy_change(api, stage, current, incident));
        }
    }
    for api in &snapshot.v2_apis {
        // An auto-deploy stage follows every change by itself.
        for stage in api.stages.iter().filter(|s| !s.auto_deploy) {
            let current = stage
                .deployment_id
                .as_deref()
                .and_then(|id| api.deployments.iter().find(|d| d.id == id));
            if let Some(current) = current {
                findings.extend(not_on_latest(
                    &api.id,
                    &stage.name,
                    current,
                    &api.deployments,
                ));
                findings.extend(undeployed_definition_change(api, &stage.name, current));
            }
        }
    }
    findings
}

/// What CloudTrail's event history could not tell about a REST stage's policy, for stages no
/// `UNDEPLOYED_POLICY_CHANGE` finding already carries it on: the report's notes, so a history
/// cut short is said even when nothing was found (and never fails the run).
pub fn notes(snapshot: &Snapshot, findings: &[Finding]) -> Vec<String> {
    let rest = snapshot.rest_apis.iter().flat_map(|api| {
        api.stages.iter().map(move |s| {
            let history = (
                api.last_policy_change.as_ref(),
                Code::UndeployedPolicyChange,
                POLICY,
            );
            (
                &api.id,
                &s.name,
                s.deployment_id.as_deref(),
                &api.deployments,
                history,
            )
        })
    });
    // An auto-deploying stage follows every change: no history is read for it.
    let v2 = snapshot.v2_apis.iter().flat_map(|api| {
        api.stages.iter().filter(|s| !s.auto_deploy).map(move |s| {
            let history = (
                api.last_definition_change.as_ref(),
                Code::UndeployedChanges,
                DEFINITION,
            );
            (
                &api.id,
                &s.name,
                s.deployment_id.as_deref(),
                &api.deployments,
                history,
            )
        })
    });
    let mut notes = Vec::new();
    for (api_id, stage, deployment_id, deployments, (history, code, subject)) in rest.chain(v2) {
        let Some(history) = history else {
            continue;
        };
        let found = findings.iter().any(|f| {
            f.code == code
                && f.api_id.as_deref() == Some(api_id.as_str())
                && f.stage.as_deref() == Some(stage.as_str())
        });
        let deployed_at = deployment_id
            .and_then(|id| deployments.iter().find(|d| d.id == id))
            .and_then(|d| d.created_date);
        let (false, Some(deployed_at)) = (found, deployed_at) else {
            continue;
        };
        let blind_spots =
            (code == Code::UndeployedChanges).then(|| DEFINITION_BLIND_SPOTS.to_string());
        for note in history_notes(history, deployed_at, subject)
            .into_iter()
            .chain(blind_spots)
        {
            let note = format!("API {api_id} stage {stage}: {note}");
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    notes
}

/// What a history is about, as its notes say it: a change of it, and it.
const POLICY: (&str, &str) = ("a policy change", "the policy");
const DEFINITION: (&str, &str) = ("a route or integration change", "a route or integration");

/// What CloudTrail's event history cannot show about an HTTP or WebSocket API's definition: a
/// call appears there minutes after it is made (AWS gives no bound), and only route and
/// integration writes are looked up — a quiet run is no proof that everything is deployed.
const DEFINITION_BLIND_SPOTS: &str = "undeployed changes are judged from the route and integration writes in CloudTrail's event history, where a call appears only some minutes after it is made, so a write of the last minutes may not be seen yet; changes to route or integration responses, authorizers, models and the API's own settings are not looked up";

fn deployment_json(deployment: &Deployment) -> Value {
    json!({
        "id": deployment.id,
        "created": deployment.created_date.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)),
        "description": deployment.description,
    })
}

fn not_on_latest(
    api_id: &str,
    stage: &str,
    current: &Deployment,
    deployments: &[Deployment],
) -> Option<Finding> {
    let newest = Deployment::newest(deployments)?;
    if newest.id == current.id || newest.created_date <= current.created_date {
        return None;
    }
    Some(
        Finding::new(
            Code::StageNotOnLatestDeployment,
            format!(
                "Stage {stage} of API {api_id} serves deployment {}, older than the API's newest deployment {}: if that is not a deliberate rollback, point the stage at the newest one.",
                current.id, newest.id
            ),
        )
        .api(api_id)
        .stage(Some(stage))
        .resource(&current.id)
        .evidence(json!({
            "stage_deployment": deployment_json(current),
            "newest_deployment": deployment_json(newest),
        })),
    )
}

/// Methods of the current definition that the stage's deployment does not serve.
fn undeployed_changes(api: &RestApi, stage: &RestStage, current: &Deployment) -> Option<Finding> {
    let deployed = current.served_methods()?;
    let defined = api.defined_methods();
    let missing: Vec<&String> = defined.difference(&deployed).collect();
    if missing.is_empty() {
        return None;
    }
    let removed: Vec<&String> = deployed.difference(&defined).collect();
    Some(
        Finding::new(
            Code::UndeployedChanges,
            format!(
                "Stage {} of API {} does not serve {} method(s) defined since deployment {} (e.g. {}): they answer \"Missing Authentication Token\" until the API is deployed.",
                stage.name,
                api.id,
                missing.len(),
                current.id,
                missing[0]
            ),
        )
        .api(&api.id)
        .stage(Some(&stage.name))
        .resource(&current.id)
        .evidence(json!({
            "deployment": deployment_json(current),
            "not_deployed": missing,
            "deployed_but_removed": removed,
        })),
    )
}

/// When this API's resource policy last changed, and what says so: the triggering CloudTrail
/// event, else the newest change CloudTrail's event history recorded.
fn policy_change(incident: &Incident, api: &RestApi) -> Option<(DateTime<Utc>, String)> {
    if let Some(change) = incident
        .change
        .as_ref()
        .filter(|c| c.policy_change && c.api_id.as_deref().is_none_or(|id| id == api.id))
    {
        return Some((
            change.event_time,
            format!("the triggering CloudTrail event {}", change.event_name),
        ));
    }
    let newest = api.last_policy_change.as_ref()?.newest.as_ref()?;
    Some((
        at(newest.event_time)?,
        format!(
            "CloudTrail LookupEvents: {} event {}",
            newest.event_name, newest.event_id
        ),
    ))
}

/// An epoch-seconds time (as snapshots keep them) in UTC.
fn at(epoch_seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(epoch_seconds, 0)
}

fn undeployed_policy_change(
    api: &RestApi,
    stage: &RestStage,
    current: &Deployment,
    incident: &Incident,
) -> Option<Finding> {
    let (changed_at, source) = policy_change(incident, api)?;
    let deployed_at = current.created_date?;
    if changed_at.timestamp() <= deployed_at {
        return None;
    }
    let mut evidence = json!({
        "policy_changed_at": changed_at,
        "change_time_from": source,
        "deployment": deployment_json(current),
    });
    let notes = api
        .last_policy_change
        .as_ref()
        .map(|history| history_notes(history, deployed_at, POLICY))
        .unwrap_or_default();
    if !notes.is_empty() {
        evidence["notes"] = json!(notes);
    }
    Some(
        Finding::new(
            Code::UndeployedPolicyChange,
            format!(
                "The resource policy of API {} changed at {}, after deployment {} that stage {} serves: the change is not in effect until the API is deployed.",
                api.id,
                changed_at.to_rfc3339(),
                current.id,
                stage.name
            ),
        )
        .api(&api.id)
        .stage(Some(&stage.name))
        .resource(&current.id)
        .evidence(evidence),
    )
}

/// What CloudTrail's event history could not tell about changes (`what`) after `deployed_at`
/// (epoch seconds): calls whose patch was not recorded in full, and a lookup that did not reach
/// back that far. Supplementary evidence, so notes, never a failed check (SPEC §3).
fn history_notes(
    history: &ChangeHistory,
    deployed_at: i64,
    (what, object): (&str, &str),
) -> Vec<String> {
    let unreadable = history
        .unreadable
        .iter()
        .filter(|call| call.event_time > deployed_at)
        .map(|call| {
            format!(
                "a change at {} by {} ({} event {}) could not be read: CloudTrail did not record its request in full, so whether it changed {object} is unknown",
                at(call.event_time).map_or_else(|| call.event_time.to_string(), |t| t.to_rfc3339()),
                call.user.as_deref().unwrap_or("an unnamed caller"),
                call.event_name,
                call.event_id
            )
        });
    let limit = history
        .limit
        .as_ref()
        .filter(|limit| limit.read_back_to > deployed_at)
        .map(|limit| {
            let since = at(limit.read_back_to)
                .map_or_else(|| limit.read_back_to.to_string(), |t| t.to_rfc3339());
            match limit.reason {
                // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html
                HistoryLimitReason::Retention => format!(
                    "CloudTrail's event history keeps 90 days: {what} before {since} cannot be seen"
                ),
                HistoryLimitReason::PageCap => format!(
                    "the CloudTrail lookup stopped at its page cap: calls before {since} were not read"
                ),
            }
        });
    unreadable.chain(limit).collect()
}

/// Routes or integrations of an HTTP or WebSocket API written after the deployment a stage
/// without auto-deploy serves, as CloudTrail's event history recorded them: v2 routes and
/// integrations carry no update time of their own, and a v2 deployment's content cannot be
/// read, so the write's record is the evidence. A write in the deployment's own second does not
/// count (both times are whole seconds, and a deploy right after a change is the usual order).
fn undeployed_definition_change(
    api: &crate::snapshot::V2Api,
    stage: &str,
    current: &Deployment,
) -> Option<Finding> {
    let history = api.last_definition_change.as_ref()?;
    let change = history.newest.as_ref()?;
    let deployed_at = current.created_date?;
    if change.event_time <= deployed_at {
        return None;
    }
    let changed_at = at(change.event_time)?;
    let mut evidence = json!({
        "changed_at": changed_at,
        "change": {
            "event_name": change.event_name,
            "event_id": change.event_id,
            "user": change.user,
            "source": "CloudTrail LookupEvents",
        },
        "deployment": deployment_json(current),
    });
    let notes = history_notes(history, deployed_at, DEFINITION);
    if !notes.is_empty() {
        evidence["notes"] = json!(notes);
    }
    Some(
        Finding::new(
            Code::UndeployedChanges,
            format!(
                "API {} had a route or integration written at {} ({} by {}), after deployment {} that stage {stage} serves: the change is not live on {stage} until the stage is deployed.",
                api.id,
                changed_at.to_rfc3339(),
                change.event_name,
                change.user.as_deref().unwrap_or("an unnamed caller"),
                current.id,
            ),
        )
        .api(&api.id)
        .stage(Some(stage))
        .resource(&current.id)
        .evidence(evidence),
    )
}
