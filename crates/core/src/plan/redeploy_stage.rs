//! `redeploy_stage`'s rules: a deployment of the API's current definition on one REST, HTTP or
//! WebSocket stage; verified when the stage serves the new deployment. The deployment's
//! description is the cooldown marker.

use super::stage::{self, ApiKind, StageNow};
use super::{protected_by_tags, Marker, Rules};
use crate::action::Action;
use crate::catalog::Code;
use crate::finding::Finding;
use crate::snapshot::{Deployment, Snapshot};
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
}

const DESCRIPTION_PREFIX: &str = "apigw-doctor redeploy_stage";

impl RedeployStage {
    /// The redeploy a finding on a stage asks for, and the stage as the snapshot shows it.
    pub fn from_snapshot(finding: &Finding, snapshot: &Snapshot) -> Option<(Self, StageNow)> {
        let api_id = finding.api_id.as_deref()?;
        let stage_name = finding.stage.as_deref()?;
        let (kind, state) = stage::in_snapshot(snapshot, api_id, stage_name)?;
        let change = RedeployStage {
            api_id: api_id.to_string(),
            kind,
            stage: stage_name.to_string(),
            finding: finding.code,
            seen_deployment: state.deployment_id.clone(),
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
        let rest = deployment
            .description
            .as_deref()?
            .strip_prefix(DESCRIPTION_PREFIX)?;
        let mut stage = None;
        let mut incident = String::new();
        for (i, word) in rest.split(' ').enumerate() {
            if let Some(s) = word.strip_prefix("stage=") {
                stage = Some(s);
            }
            if let Some(start) = word.strip_prefix("incident=") {
                incident = std::iter::once(start)
                    .chain(rest.split(' ').skip(i + 1))
                    .collect::<Vec<_>>()
                    .join(" ");
                break;
            }
        }
        (stage == Some(self.stage.as_str())).then_some(())?;
        Some(Marker {
            at: DateTime::<Utc>::from_timestamp(deployment.created_date?, 0)?,
            incident,
        })
    }

    pub fn is_rest(&self) -> bool {
        self.kind.is_rest()
    }
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
        // A newer deployment than the stage's may be a rollback, or a release not yet promoted
        // to this stage: a deployment of the current definition would ship it either way.
        if let Some(newest) = Deployment::newest(&state.deployments)
            .filter(|n| Some(&n.id) != state.deployment_id.as_ref())
        {
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
