//! Emits: STAGE_NOT_ON_LATEST_DEPLOYMENT, UNDEPLOYED_CHANGES, UNDEPLOYED_POLICY_CHANGE.
//! Deployments: stages that serve less than the API's definition, an older deployment than the
//! newest, or a resource policy older than the change made to it (SPEC §5).

use crate::catalog::Code;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::{Deployment, RestApi, RestStage, Snapshot};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeSet;

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
            }
        }
    }
    findings
}

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
    let deployed: BTreeSet<String> = current
        .api_summary
        .as_ref()?
        .iter()
        .flat_map(|(path, methods)| methods.iter().map(move |m| format!("{m} {path}")))
        .collect();
    let defined: BTreeSet<String> = api
        .resources
        .iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(|m| format!("{} {}", m.http_method, r.path))
        })
        .collect();
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
/// event, else the newest change CloudTrail recorded.
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
    let newest = api.last_policy_change.as_ref()?;
    Some((
        DateTime::<Utc>::from_timestamp(newest.event_time, 0)?,
        format!(
            "CloudTrail LookupEvents: {} event {}",
            newest.event_name, newest.event_id
        ),
    ))
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
        .evidence(json!({
            "policy_changed_at": changed_at,
            "change_time_from": source,
            "deployment": deployment_json(current),
        })),
    )
}
