//! `add_integration_header`'s rules: merges `integration.request.header.connectionId =
//! context.connectionId` into a WebSocket integration's request parameters, keeping every
//! existing key, then deploys the stages that do not deploy themselves; verified when the
//! integration has the mapping and every stage serves a deployment made after the change. A tag
//! on the API, one key per integration, is the cooldown marker.
//!
//! The mapping and the redeploy are AWS's own fix
//! (<https://repost.aws/knowledge-center/api-gateway-vpc-link-integration>: "update-integration"
//! with the `RequestParameters`, then deploy the API).

use super::redeploy_stage::newer_release;
use super::stage::StageNow;
use super::{protected_by_tags, Marker, Rules};
use crate::action::Action;
use crate::finding::Finding;
use crate::partition::Partition;
use crate::snapshot::{connection_id_header, Snapshot};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The request parameter the action adds, and what it maps.
pub const CONNECTION_ID_HEADER: &str = "integration.request.header.connectionId";
pub const CONNECTION_ID_SOURCE: &str = "context.connectionId";

/// Add the connection id header to one integration, and deploy it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddIntegrationHeader {
    pub api_id: String,
    pub integration_id: String,
    pub region: String,
    /// The stages the change must reach: the incident's stage, or every stage of the API.
    pub stages: Vec<String>,
    /// Those of them that deployed themselves when the plan was made (AWS deploys the change).
    pub auto_deploy: Vec<String>,
    /// The deployment description names the incident, so the next run can tell who deployed.
    pub incident: String,
}

/// The integration's request parameters, the API's tags, and the stages the change must reach.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub request_parameters: BTreeMap<String, String>,
    pub api_tags: BTreeMap<String, String>,
    /// The stages named by the change, as they are now (a deleted one is missing).
    pub stages: Vec<StageNow>,
}

/// What the write did: the deployment made for each stage that does not auto-deploy, and the
/// deployment each auto-deploying stage served before the change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    pub deployed: Vec<(String, String)>,
    pub auto_deployed: Vec<(String, Option<String>)>,
}

const DESCRIPTION_PREFIX: &str = "apigw-doctor add_integration_header";

impl AddIntegrationHeader {
    /// The change a `WS_CONNECTION_ID_HEADER_MISSING` finding asks for, and the state the
    /// snapshot shows (its stages are the incident's, or all of the API's).
    pub fn from_snapshot(
        finding: &Finding,
        snapshot: &Snapshot,
        incident: &str,
    ) -> Option<(Self, State)> {
        let api_id = finding.api_id.as_deref()?;
        let integration_id = finding.resource.as_deref()?;
        let api = snapshot.v2_api(api_id)?;
        let integration = api.integrations.iter().find(|i| i.id == integration_id)?;
        let state = State {
            request_parameters: integration.request_parameters.clone(),
            api_tags: api.tags.clone(),
            stages: api
                .stages
                .iter()
                .map(|s| StageNow {
                    api_tags: api.tags.clone(),
                    deployments: api.deployments.clone(),
                    ..s.clone().into()
                })
                .collect(),
        };
        let change = AddIntegrationHeader {
            api_id: api_id.to_string(),
            integration_id: integration_id.to_string(),
            region: snapshot.region.clone(),
            stages: api.stages.iter().map(|s| s.name.clone()).collect(),
            auto_deploy: api
                .stages
                .iter()
                .filter(|s| s.auto_deploy)
                .map(|s| s.name.clone())
                .collect(),
            incident: incident.to_string(),
        };
        Some((change, state))
    }

    /// The request parameters to write: every existing one, plus the connection id header.
    pub fn merged(&self, existing: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut merged = existing.clone();
        merged.insert(
            CONNECTION_ID_HEADER.to_string(),
            CONNECTION_ID_SOURCE.to_string(),
        );
        merged
    }

    /// The description of the deployments this change makes.
    pub fn description(&self, stage: &str) -> String {
        format!(
            "{DESCRIPTION_PREFIX} integration={} stage={stage} incident={}",
            self.integration_id, self.incident
        )
    }

    /// The API's ARN, which tagging takes.
    pub fn api_arn(&self) -> String {
        Partition::of(&self.region).arn("apigateway", "", &format!("/apis/{}", self.api_id))
    }

    /// The tag key of this integration's marker on the API (integrations cannot be tagged).
    pub fn marker_key(&self) -> String {
        format!("{}:{}", Marker::tag_key(Self::ACTION), self.integration_id)
    }

    /// The stages a deployment must be made for (the others deploy themselves).
    pub fn stages_to_deploy<'a>(&self, state: &'a State) -> Vec<&'a StageNow> {
        state.stages.iter().filter(|s| !s.auto_deploy).collect()
    }
}

/// Whether a stage serves `deployment` (by id).
fn serves(stage: &StageNow, deployment: &str) -> bool {
    stage.deployment_id.as_deref() == Some(deployment)
}

impl Rules for AddIntegrationHeader {
    type State = State;
    type Written = Written;
    const ACTION: Action = Action::AddIntegrationHeader;

    fn target(&self) -> String {
        format!("{}/integrations/{}", self.api_id, self.integration_id)
    }

    fn calls(&self, marker: &Marker) -> Vec<String> {
        let mut calls = vec![format!(
            "apigatewayv2:UpdateIntegration ApiId={} IntegrationId={} RequestParameters={{every existing key kept, {CONNECTION_ID_HEADER}={CONNECTION_ID_SOURCE}}}",
            self.api_id, self.integration_id
        )];
        calls.extend(
            self.stages
                .iter()
                .filter(|s| !self.auto_deploy.contains(s))
                .map(|stage| {
                    format!(
                        "apigatewayv2:CreateDeployment ApiId={} StageName={stage} Description=\"{}\"",
                        self.api_id,
                        self.description(stage)
                    )
                }),
        );
        calls.push(format!(
            "apigatewayv2:TagResource ResourceArn={} Tags={{{}={}}}",
            self.api_arn(),
            self.marker_key(),
            marker.tag_value()
        ));
        calls
    }

    fn risk(&self, state: &State) -> String {
        let deploy: Vec<&str> = self
            .stages_to_deploy(state)
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let deploys = if deploy.is_empty() {
            "no stage is redeployed (every stage auto-deploys, so AWS deploys the change itself)"
                .to_string()
        } else {
            format!(
                "stage(s) {} are redeployed with the API's current definition, which also makes live any other route or integration change not yet deployed",
                deploy.join(", ")
            )
        };
        format!(
            "the backend behind integration {} receives a new connectionId header on every message; {deploys}",
            self.integration_id
        )
    }

    fn undo(&self, state: &State) -> String {
        let stages: Vec<String> = state
            .stages
            .iter()
            .filter(|s| !s.auto_deploy)
            .map(|s| {
                format!(
                    "apigatewayv2:UpdateStage ApiId={} StageName={} DeploymentId={}",
                    self.api_id,
                    s.name,
                    s.deployment_id.as_deref().unwrap_or("(none)")
                )
            })
            .collect();
        let mut undo = format!(
            "apigatewayv2:UpdateIntegration ApiId={} IntegrationId={} RequestParameters={{{CONNECTION_ID_HEADER}=\"\"}} (an empty value removes the key)",
            self.api_id, self.integration_id
        );
        if !stages.is_empty() {
            undo.push_str(&format!(
                "; then point the stages back: {}",
                stages.join("; ")
            ));
        }
        undo
    }

    fn describe(&self, state: &State) -> Value {
        json!({
            "request_parameters": state.request_parameters,
            "stages": state.stages.iter().map(|s| json!({
                "stage": s.name,
                "deployment_id": s.deployment_id,
                "auto_deploy": s.auto_deploy,
            })).collect::<Vec<_>>(),
        })
    }

    fn refusal(&self, state: &State) -> Option<String> {
        protected_by_tags("the API", &state.api_tags)
            .or_else(|| {
                state
                    .stages
                    .iter()
                    .find_map(|s| protected_by_tags(&format!("stage {}", s.name), &s.tags))
            })
            .or_else(|| {
                // The same rule as redeploy_stage: a stage behind the API's newest deployment
                // (a rollback, or dev's changes not yet promoted to prod) would ship everything
                // since along with the header.
                self.stages_to_deploy(state).into_iter().find_map(|s| {
                    let newest = newer_release(s, &self.incident)?;
                    Some(format!(
                        "stage {} serves deployment {}, older than the API's newest deployment {} (STAGE_NOT_ON_LATEST_DEPLOYMENT): deploying it with the header would ship everything since, which may undo a deliberate rollback or release changes not yet promoted; add the mapping and deploy by hand",
                        s.name,
                        s.deployment_id.as_deref().unwrap_or("(none)"),
                        newest.id
                    ))
                })
            })
    }

    fn done(&self, state: &State) -> Option<String> {
        connection_id_header(&state.request_parameters).map(|header| {
            format!(
                "integration {} already maps {header} to {CONNECTION_ID_SOURCE}",
                self.integration_id
            )
        })
    }

    fn last_applied(&self, state: &State) -> Option<Marker> {
        Marker::from_tag(&state.api_tags, &self.marker_key())
    }

    fn verify(&self, state: &State, written: &Written) -> Result<String, String> {
        if connection_id_header(&state.request_parameters).is_none() {
            return Err(format!(
                "integration {} without a header mapped to {CONNECTION_ID_SOURCE}",
                self.integration_id
            ));
        }
        let stage = |name: &str| state.stages.iter().find(|s| s.name == name);
        let mut seen = Vec::new();
        for (name, new) in &written.deployed {
            match stage(name) {
                Some(s) if serves(s, new) => seen.push(format!("stage {name} serves {new}")),
                Some(s) => {
                    return Err(format!(
                        "stage {name} serving {} instead of the new deployment {new}",
                        s.deployment_id.as_deref().unwrap_or("nothing")
                    ))
                }
                None => return Err(format!("stage {name} gone")),
            }
        }
        for (name, before) in &written.auto_deployed {
            let Some(s) = stage(name) else {
                return Err(format!("stage {name} gone"));
            };
            if s.deployment_id.is_none() || s.deployment_id == *before {
                return Err(format!(
                    "auto-deploy stage {name} still serving {} (AWS had not deployed the change when it was read again)",
                    before.as_deref().unwrap_or("nothing")
                ));
            }
            seen.push(format!(
                "auto-deploy stage {name} serves {}",
                s.deployment_id.as_deref().unwrap_or_default()
            ));
        }
        Ok(format!(
            "integration {} maps {CONNECTION_ID_HEADER} to {CONNECTION_ID_SOURCE}; {}",
            self.integration_id,
            if seen.is_empty() {
                "no stage to deploy".to_string()
            } else {
                seen.join(", ")
            }
        ))
    }
}
