//! `redeploy_stage`'s rules: a deployment of the API's current definition on one REST, HTTP or
//! WebSocket stage; verified when the stage serves the new deployment. The deployment's
//! description is the cooldown marker.

use super::stage::{self, ApiKind, StageNow};
use super::{protected_by_tags, Marker, Rules};
use crate::action::Action;
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::snapshot::{Deployment, RestApi, Snapshot};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// Redeploy one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct RedeployStage {
    pub api_id: String,
    pub kind: ApiKind,
    pub stage: String,
    /// The finding the deployment repairs, recorded in its description.
    pub finding: Code,
    /// The deployment the stage served when the diagnosis read it.
    pub seen_deployment: Option<String>,
    /// This run's incident: deployments it made for other stages are not "newer deployments".
    pub incident: String,
    /// Why the whole picture forbids deploying the API's current definition (SPEC §7), judged
    /// on every finding of the run before any change.
    pub held_back: Option<String>,
}

const DESCRIPTION_PREFIX: &str = "apigw-doctor redeploy_stage";

impl RedeployStage {
    /// The redeploy a finding on a stage asks for, and the stage as the snapshot shows it;
    /// `findings` are all of the run's findings, `incident` the run's incident id.
    pub fn from_snapshot(
        finding: &Finding,
        snapshot: &Snapshot,
        findings: &[Finding],
        incident: &str,
    ) -> Option<(Self, StageNow)> {
        let api_id = finding.api_id.as_deref()?;
        let stage_name = finding.stage.as_deref()?;
        let (kind, state) = stage::in_snapshot(snapshot, api_id, stage_name)?;
        let change = RedeployStage {
            api_id: api_id.to_string(),
            kind,
            stage: stage_name.to_string(),
            finding: finding.code,
            seen_deployment: state.deployment_id.clone(),
            incident: incident.to_string(),
            held_back: snapshot
                .rest_api(api_id)
                .and_then(|api| held_back(api, &state, snapshot, findings)),
        };
        Some((change, state))
    }

    /// The new deployment's description: it names the stage and the incident, so the next run
    /// can tell that apigw-doctor made it, for which stage and when.
    pub fn description(&self, marker: &Marker) -> String {
        format!(
            "{DESCRIPTION_PREFIX} stage={} finding={} incident={}",
            self.stage, self.finding, marker.incident
        )
    }

    fn deployed_by_doctor(&self, deployment: &Deployment) -> Option<Marker> {
        let (stage, incident) = made_by_doctor(deployment)?;
        (stage == self.stage).then_some(())?;
        Some(Marker {
            at: DateTime::<Utc>::from_timestamp(deployment.created_date?, 0)?,
            incident: incident.to_string(),
        })
    }

    pub fn is_rest(&self) -> bool {
        self.kind.is_rest()
    }
}

/// The stage and incident a deployment's description names, when apigw-doctor made it.
fn made_by_doctor(deployment: &Deployment) -> Option<(&str, &str)> {
    let rest = deployment
        .description
        .as_deref()?
        .strip_prefix(DESCRIPTION_PREFIX)?;
    let (head, incident) = rest.split_once(" incident=")?;
    let stage = head.split(' ').find_map(|w| w.strip_prefix("stage="))?;
    Some((stage, incident))
}

/// The incident a deployment's description names, when any apigw-doctor action made it
/// (`redeploy_stage`, or `add_integration_header`'s deployments).
fn made_in(deployment: &Deployment) -> Option<&str> {
    let description = deployment.description.as_deref()?;
    description.strip_prefix("apigw-doctor ")?;
    description
        .rsplit_once(" incident=")
        .map(|(_, incident)| incident)
}

/// A deployment of the API newer than the one `state` serves: a rollback, or a release not yet
/// promoted to this stage, that a deployment of the current definition would ship either way.
/// The deployments apigw-doctor made in incident `incident` (this run, any action) are the same
/// definition, not a release (SPEC §7). When a parallel run of this incident has already
/// redeployed the stage, it serves this incident's deployment, and an older release is no
/// reason to refuse (the change is simply done).
pub(super) fn newer_release(state: &StageNow, incident: &str) -> Option<Deployment> {
    let others: Vec<Deployment> = state
        .deployments
        .iter()
        .filter(|d| made_in(d) != Some(incident))
        .cloned()
        .collect();
    let serving = state
        .deployments
        .iter()
        .find(|d| Some(&d.id) == state.deployment_id.as_ref());
    let newer = |n: &&Deployment| match serving {
        Some(serving) => n.created_date > serving.created_date,
        None => Some(&n.id) != state.deployment_id.as_ref(),
    };
    Deployment::newest(&others).filter(newer).cloned()
}

/// What the whole picture says against deploying a REST API's current definition on a stage:
/// a private API's policy that is missing, denies or could not be evaluated (a deployment would
/// make it live, or fail), and methods the stage serves that a new deployment would drop.
fn held_back(
    api: &RestApi,
    stage: &StageNow,
    snapshot: &Snapshot,
    findings: &[Finding],
) -> Option<String> {
    let on_api = |code: Code| {
        findings
            .iter()
            .filter(move |f| f.code == code && f.api_id.as_deref() == Some(api.id.as_str()))
    };
    if api.is_private() {
        if on_api(Code::PrivateApiNoPolicy).next().is_some() {
            return Some(format!(
                "refused while PRIVATE_API_NO_POLICY holds: API Gateway refuses to deploy private API {} without a resource policy; add the policy first",
                api.id
            ));
        }
        // Denials on this stage (or on the API as a whole): a deployment makes the policy live
        // on this stage only.
        let denials = on_api(Code::PolicyDeniesVpcEndpoint)
            .filter(|f| f.stage.as_deref().is_none_or(|s| s == stage.name));
        if let Some(denial) = denials.clone().find(|f| f.severity == Severity::Error) {
            return Some(format!(
                "refused while POLICY_DENIES_VPC_ENDPOINT holds on stage {}: a deployment would make the current policy live, and it denies callers ({})",
                stage.name, denial.summary
            ));
        }
        // A warning that depends only on who the IAM caller is does not change by deploying;
        // any other undecided answer (an unreadable policy, a condition the tool cannot judge)
        // would go live unjudged.
        if let Some(undecided) = denials
            .clone()
            .find(|f| f.evidence["undecided_by_caller_only"] != true)
        {
            return Some(format!(
                "refused: the API's current policy could not be evaluated ({}); a deployment would make it live unjudged",
                undecided.summary
            ));
        }
        if snapshot.account.is_none() || !snapshot.endpoints_read() {
            return Some(
                "refused: the API's current policy could not be evaluated (the account or its VPC endpoints were not read); a deployment would make it live unchecked".to_string(),
            );
        }
    }
    let deployment = stage.deployment_id.as_ref()?;
    let Some(served) = stage
        .deployments
        .iter()
        .find(|d| d.id == *deployment)
        .and_then(Deployment::served_methods)
    else {
        return Some(format!(
            "refused: what stage {} serves now (deployment {deployment}) could not be read (GetDeployment embed=apisummary), so whether a new deployment would drop a method is unknown",
            stage.name
        ));
    };
    let removed: Vec<String> = served.difference(&api.defined_methods()).cloned().collect();
    (!removed.is_empty()).then(|| {
        format!(
            "refused: a new deployment would stop serving {} that stage {} serves now (removed from the API since its deployment); redeploy by hand once that is intended",
            removed.join(", "),
            stage.name
        )
    })
}

impl Rules for RedeployStage {
    type State = StageNow;
    type Written = String;
    const ACTION: Action = Action::RedeployStage;

    fn target(&self) -> String {
        format!("{}/{}", self.api_id, self.stage)
    }

    fn calls(&self, marker: &Marker) -> Vec<String> {
        let description = self.description(marker);
        vec![if self.is_rest() {
            format!(
                "apigateway:CreateDeployment restApiId={} stageName={} description=\"{description}\"",
                self.api_id, self.stage
            )
        } else {
            format!(
                "apigatewayv2:CreateDeployment ApiId={} StageName={} Description=\"{description}\"",
                self.api_id, self.stage
            )
        }]
    }

    fn risk(&self, state: &StageNow) -> String {
        format!(
            "stage {} starts serving the API's current definition: every change made since deployment {} goes live with it, not only the one behind {}",
            self.stage,
            state.deployment_id.as_deref().unwrap_or("(none)"),
            self.finding
        )
    }

    fn undo(&self, state: &StageNow) -> String {
        let Some(old) = &state.deployment_id else {
            return format!(
                "stage {} had no deployment before: delete the new deployment",
                self.stage
            );
        };
        if self.is_rest() {
            format!(
                "apigateway:UpdateStage restApiId={} stageName={} patchOperations=[{{op=replace,path=/deploymentId,value={old}}}]",
                self.api_id, self.stage
            )
        } else {
            format!(
                "apigatewayv2:UpdateStage ApiId={} StageName={} DeploymentId={old}",
                self.api_id, self.stage
            )
        }
    }

    fn describe(&self, state: &StageNow) -> Value {
        json!({ "deployment_id": state.deployment_id })
    }

    fn refusal(&self, state: &StageNow) -> Option<String> {
        // Both HTTP and WebSocket stages can deploy automatically (v2 `autoDeploy`).
        if !self.is_rest() && state.auto_deploy {
            let kind = if self.kind == ApiKind::WebSocket {
                "WebSocket"
            } else {
                "HTTP"
            };
            return Some(format!(
                "stage {} of {kind} API {} deploys automatically (autoDeploy): API Gateway deploys every change itself, so there is nothing to redeploy",
                self.stage, self.api_id
            ));
        }
        if let Some(reason) = &self.held_back {
            return Some(reason.clone());
        }
        if let Some(newest) = newer_release(state, &self.incident) {
            return Some(format!(
                "stage {} serves deployment {}, older than the API's newest deployment {} (STAGE_NOT_ON_LATEST_DEPLOYMENT): redeploying would ship everything since, which may undo a deliberate rollback; decide by hand",
                self.stage,
                state.deployment_id.as_deref().unwrap_or("(none)"),
                newest.id
            ));
        }
        protected_by_tags("the stage", &state.tags)
            .or_else(|| protected_by_tags("the API", &state.api_tags))
    }

    fn done(&self, state: &StageNow) -> Option<String> {
        (state.deployment_id != self.seen_deployment).then(|| {
            format!(
                "the stage now serves deployment {}, not {} that the diagnosis saw",
                state.deployment_id.as_deref().unwrap_or("(none)"),
                self.seen_deployment.as_deref().unwrap_or("(none)")
            )
        })
    }

    fn last_applied(&self, state: &StageNow) -> Option<Marker> {
        state
            .deployments
            .iter()
            .filter_map(|d| self.deployed_by_doctor(d))
            .max_by_key(|m| m.at)
    }

    fn verify(&self, state: &StageNow, written: &String) -> Result<String, String> {
        if state.deployment_id.as_ref() == Some(written) {
            Ok(format!(
                "stage {} now serves deployment {written}",
                self.stage
            ))
        } else {
            Err(format!(
                "stage {} serving deployment {}, not the new {written}",
                self.stage,
                state.deployment_id.as_deref().unwrap_or("(none)")
            ))
        }
    }
}
