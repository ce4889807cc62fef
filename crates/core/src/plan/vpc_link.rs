//! `recreate_vpc_link`'s rules: a FAILED VPC link is replaced by a new one with the same
//! targets (v1) or subnets and security groups (v2), the same tags plus
//! `apigw-doctor:replaces=<old id>`; once the new link is `AVAILABLE`, every integration of the
//! incident's targets that used the old link (by its id, or through a stage variable) is
//! repointed, and each stage whose integrations changed is redeployed unless it deploys itself
//! (a stage variable's new value is live at once, so it needs no deployment). The old link
//! is kept and named in the undo. A new link takes minutes to become available: when the
//! invocation's deadline comes first the action is `pending`, and the next invocation finds the
//! new link by its `replaces` tag and resumes — never a second link.
//!
//! A link's FAILED status does not recover by itself; AWS's fix is a new link
//! (<https://repost.aws/knowledge-center/api-gateway-500-error-vpc>). An INACTIVE v2 link heals
//! on the next request and is never recreated
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html>).

use super::redeploy_stage::newer_release;
use super::stage::{ApiKind, StageNow};
use super::{protected_by_tags, Marker, Rules};
use crate::action::Action;
use crate::finding::Finding;
use crate::snapshot::{Snapshot, VpcLink, VpcLinkVersion};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The tag a replacement carries, naming the link it replaces: how a later run finds it.
pub const REPLACES_TAG: &str = "apigw-doctor:replaces";

/// What a new link's name adds to the old one's.
const NAME_SUFFIX: &str = "-apigw-doctor";

/// Where an incident's target uses the old link.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkUse {
    /// A REST integration whose connection id is the link's id.
    RestIntegration {
        api_id: String,
        resource_id: String,
        http_method: String,
    },
    /// An HTTP or WebSocket integration whose connection id is the link's id.
    V2Integration {
        api_id: String,
        integration_id: String,
    },
    /// A stage variable holding the link's id (the connection id is `${stageVariables.name}`).
    StageVariable {
        api_id: String,
        kind: ApiKind,
        stage: String,
        variable: String,
    },
}

impl LinkUse {
    fn api_id(&self) -> &str {
        match self {
            LinkUse::RestIntegration { api_id, .. }
            | LinkUse::V2Integration { api_id, .. }
            | LinkUse::StageVariable { api_id, .. } => api_id,
        }
    }

    /// The call that points this use at `link`.
    pub fn call(&self, link: &str) -> String {
        match self {
            LinkUse::RestIntegration {
                api_id,
                resource_id,
                http_method,
            } => format!(
                "apigateway:UpdateIntegration RestApiId={api_id} ResourceId={resource_id} HttpMethod={http_method} PatchOperations=[replace /connectionId {link}]"
            ),
            LinkUse::V2Integration {
                api_id,
                integration_id,
            } => format!(
                "apigatewayv2:UpdateIntegration ApiId={api_id} IntegrationId={integration_id} ConnectionId={link}"
            ),
            LinkUse::StageVariable {
                api_id,
                kind: ApiKind::Rest,
                stage,
                variable,
            } => format!(
                "apigateway:UpdateStage RestApiId={api_id} StageName={stage} PatchOperations=[replace /variables/{variable} {link}]"
            ),
            LinkUse::StageVariable {
                api_id,
                stage,
                variable,
                ..
            } => format!(
                "apigatewayv2:UpdateStage ApiId={api_id} StageName={stage} StageVariables={{{variable}={link}}}"
            ),
        }
    }

    /// What this use is, for the evidence and the undo.
    pub fn describe(&self) -> String {
        match self {
            LinkUse::RestIntegration {
                api_id,
                resource_id,
                http_method,
            } => format!("REST integration {api_id} {http_method} (resource {resource_id})"),
            LinkUse::V2Integration {
                api_id,
                integration_id,
            } => format!("integration {api_id}/{integration_id}"),
            LinkUse::StageVariable {
                api_id,
                stage,
                variable,
                ..
            } => format!("stage variable {variable} of {api_id}/{stage}"),
        }
    }
}

/// A stage that must serve the repointed integrations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AffectedStage {
    pub api_id: String,
    pub kind: ApiKind,
    pub stage: String,
}

/// Recreate one FAILED VPC link and move its integrations over.
#[derive(Debug, Clone, PartialEq)]
pub struct RecreateVpcLink {
    /// The old link as the plan saw it.
    pub old: VpcLink,
    pub incident: String,
    pub uses: Vec<LinkUse>,
    /// Stages to redeploy after the repoint: those whose integrations name the link directly
    /// and that do not deploy themselves.
    pub stages: Vec<AffectedStage>,
    /// The load balancers behind the link: a v1 link's targets, a v2 link's integrations'.
    pub load_balancers: Vec<String>,
    /// Integrations whose connection id the action cannot rewrite (a stage variable inside a
    /// longer template): the action is refused rather than leave them on the old link.
    pub unsupported: Vec<String>,
}

/// The old link, its replacement if one exists, the load balancers, what each use points at,
/// and the affected stages, as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// `None`: the old link is gone.
    pub old: Option<VpcLink>,
    /// A link tagged `apigw-doctor:replaces=<old id>`.
    pub replacement: Option<VpcLink>,
    /// Load balancers behind the link that Elastic Load Balancing does not know.
    pub missing_load_balancers: Vec<String>,
    /// For each of `uses`, in order, the link id it holds now (`None`: the use is gone).
    pub pointing_at: Vec<Option<String>>,
    /// The affected stages as they are now, with their API's tags and deployments.
    pub stages: Vec<(AffectedStage, StageNow)>,
}

/// What the write did: the new link, and the deployment made for each stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Written {
    pub new_link: String,
    pub deployed: Vec<(AffectedStage, String)>,
}

const DESCRIPTION_PREFIX: &str = "apigw-doctor recreate_vpc_link";

impl RecreateVpcLink {
    /// The change a `VPC_LINK_FAILED` finding asks for: every use of the link by the
    /// snapshot's targets (the incident's own; other APIs are not changed), and the state the
    /// snapshot shows.
    pub fn from_snapshot(
        finding: &Finding,
        snapshot: &Snapshot,
        incident: &str,
    ) -> Option<(Self, State)> {
        let link_id = finding.resource.as_deref()?;
        let path = snapshot.private_path.as_ref()?;
        let old = path.vpc_link(link_id)?.clone();
        let mut uses = Vec::new();
        let mut stages = Vec::new();
        let mut unsupported = Vec::new();
        let mut load_balancers = old.target_arns.clone();
        for at in snapshot.private_integrations() {
            if at.vpc_link_id.as_deref() != Ok(link_id) {
                continue;
            }
            let kind = api_kind(snapshot, at.api_id);
            let direct = at.connection_id == link_id;
            let used = if direct {
                direct_use(snapshot, at.api_id, kind, &at.integration)
            } else {
                stage_variable(at.connection_id).map(|variable| LinkUse::StageVariable {
                    api_id: at.api_id.to_string(),
                    kind,
                    stage: at.stage.to_string(),
                    variable: variable.to_string(),
                })
            };
            match used {
                Some(used) => {
                    if !uses.contains(&used) {
                        uses.push(used);
                    }
                }
                None => unsupported.push(format!(
                    "{} {} (connection id {})",
                    at.api_id, at.integration, at.connection_id
                )),
            }
            if let Some(target) = at.integration_target {
                load_balancers.push(target.to_string());
            }
            // An integration's new connection id is live once deployed; a stage variable is
            // stage configuration, live at once ("Resource updates require redeploying the
            // API, where configuration updates do not":
            // https://docs.aws.amazon.com/apigateway/latest/developerguide/updating-api.html),
            // so a stage only repointed through its variables is not redeployed.
            let stage = AffectedStage {
                api_id: at.api_id.to_string(),
                kind,
                stage: at.stage.to_string(),
            };
            if direct && !stages.contains(&stage) {
                stages.push(stage);
            }
        }
        load_balancers.sort();
        load_balancers.dedup();
        uses.sort();
        let state = State {
            old: Some(old.clone()),
            replacement: None,
            missing_load_balancers: path
                .missing_load_balancers
                .iter()
                .filter(|arn| load_balancers.contains(arn))
                .cloned()
                .collect(),
            pointing_at: uses.iter().map(|_| Some(link_id.to_string())).collect(),
            stages: stages
                .iter()
                .filter_map(|s| {
                    let (_, now) = super::stage::in_snapshot(snapshot, &s.api_id, &s.stage)?;
                    Some((s.clone(), now))
                })
                .collect(),
        };
        let change = RecreateVpcLink {
            old,
            incident: incident.to_string(),
            uses,
            stages: stages
                .into_iter()
                .filter(|s| {
                    state
                        .stages
                        .iter()
                        .any(|(a, now)| a == s && !now.auto_deploy)
                })
                .collect(),
            load_balancers,
            unsupported,
        };
        Some((change, state))
    }

    /// The new link's name.
    pub fn new_name(&self) -> String {
        format!("{}{NAME_SUFFIX}", self.old.name)
    }

    /// The new link's tags: the old link's own (not the `aws:` ones, which only AWS sets, nor an
    /// earlier `replaces`), the `replaces` tag and the marker.
    pub fn new_tags(&self, marker: &Marker) -> BTreeMap<String, String> {
        let mut tags: BTreeMap<String, String> = self
            .old
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with("aws:") && !k.starts_with("apigw-doctor:"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        tags.insert(REPLACES_TAG.to_string(), self.old.id.clone());
        tags.insert(Marker::tag_key(Self::ACTION), marker.tag_value());
        tags
    }

    /// The description of the deployments this change makes.
    pub fn description(&self, stage: &str) -> String {
        format!(
            "{DESCRIPTION_PREFIX} link={} stage={stage} incident={}",
            self.old.id, self.incident
        )
    }

    /// Whether `link` is the replacement of this change's link.
    pub fn replaces(&self, link: &VpcLink) -> bool {
        link.tags.get(REPLACES_TAG) == Some(&self.old.id)
    }

    fn create_call(&self, marker: &Marker) -> String {
        let tags: Vec<String> = self
            .new_tags(marker)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        match self.old.version {
            VpcLinkVersion::V1 => format!(
                "apigateway:CreateVpcLink Name={} TargetArns={:?} Tags={{{}}}",
                self.new_name(),
                self.old.target_arns,
                tags.join(", ")
            ),
            VpcLinkVersion::V2 => format!(
                "apigatewayv2:CreateVpcLink Name={} SubnetIds={:?} SecurityGroupIds={:?} Tags={{{}}}",
                self.new_name(),
                self.old.subnet_ids,
                self.old.security_group_ids,
                tags.join(", ")
            ),
        }
    }

    fn get_step(&self) -> &'static str {
        match self.old.version {
            VpcLinkVersion::V1 => "apigateway:GetVpcLink",
            VpcLinkVersion::V2 => "apigatewayv2:GetVpcLink",
        }
    }

    fn deploy_call(&self, stage: &AffectedStage) -> String {
        if stage.kind.is_rest() {
            format!(
                "apigateway:CreateDeployment RestApiId={} StageName={} Description=\"{}\"",
                stage.api_id,
                stage.stage,
                self.description(&stage.stage)
            )
        } else {
            format!(
                "apigatewayv2:CreateDeployment ApiId={} StageName={} Description=\"{}\"",
                stage.api_id,
                stage.stage,
                self.description(&stage.stage)
            )
        }
    }

    /// Whether a stage serves a deployment this change made.
    fn serves_ours(&self, now: &StageNow) -> bool {
        let ours = format!("{DESCRIPTION_PREFIX} link={} ", self.old.id);
        now.deployments.iter().any(|d| {
            Some(&d.id) == now.deployment_id.as_ref()
                && d.description
                    .as_deref()
                    .is_some_and(|text| text.starts_with(&ours))
        })
    }
}

fn api_kind(snapshot: &Snapshot, api_id: &str) -> ApiKind {
    match snapshot.v2_api(api_id) {
        Some(api) if api.is_websocket() => ApiKind::WebSocket,
        Some(_) => ApiKind::Http,
        None => ApiKind::Rest,
    }
}

/// The variable a connection id is exactly (`${stageVariables.name}`), if it is one.
fn stage_variable(connection_id: &str) -> Option<&str> {
    let name = connection_id
        .strip_prefix("${stageVariables.")?
        .strip_suffix('}')?;
    (!name.is_empty() && !name.contains(['{', '}', '$'])).then_some(name)
}

/// The integration `integration` ("GET /items" for REST, the id for v2) names, as a use.
fn direct_use(
    snapshot: &Snapshot,
    api_id: &str,
    kind: ApiKind,
    integration: &str,
) -> Option<LinkUse> {
    if !kind.is_rest() {
        return Some(LinkUse::V2Integration {
            api_id: api_id.to_string(),
            integration_id: integration.to_string(),
        });
    }
    let (method, path) = integration.split_once(' ')?;
    let resource = snapshot
        .rest_api(api_id)?
        .resources
        .iter()
        .find(|r| r.path == path && r.id.is_some())?;
    Some(LinkUse::RestIntegration {
        api_id: api_id.to_string(),
        resource_id: resource.id.clone()?,
        http_method: method.to_string(),
    })
}

impl Rules for RecreateVpcLink {
    type State = State;
    type Written = Written;
    const ACTION: Action = Action::RecreateVpcLink;

    fn target(&self) -> String {
        self.old.id.clone()
    }

    fn calls(&self, marker: &Marker) -> Vec<String> {
        let mut calls = vec![
            format!(
                "{} (only when no link tagged {REPLACES_TAG}={} exists: a pending run's link is resumed, never a second one)",
                self.create_call(marker),
                self.old.id
            ),
            format!(
                "{} VpcLinkId=(the new link) until its status is AVAILABLE, within the invocation's deadline (then pending; the next invocation resumes)",
                self.get_step()
            ),
        ];
        calls.extend(self.uses.iter().map(|u| u.call("(the new link)")));
        calls.extend(self.stages.iter().map(|s| self.deploy_call(s)));
        calls
    }

    fn risk(&self, state: &State) -> String {
        let stages: Vec<String> = self
            .stages
            .iter()
            .map(|s| format!("{}/{}", s.api_id, s.stage))
            .collect();
        let deploys = if stages.is_empty() {
            "no stage is redeployed".to_string()
        } else {
            format!(
                "stage(s) {} are redeployed with their API's current definition, which also makes live any other change not yet deployed",
                stages.join(", ")
            )
        };
        let apis: Vec<&str> = {
            let mut apis: Vec<&str> = self.uses.iter().map(LinkUse::api_id).collect();
            apis.dedup();
            apis
        };
        format!(
            "a second VPC link {} is created (billed like the first; a link takes minutes to become available); {} use(s) in API(s) {} are repointed to it; {deploys}; APIs outside this incident that use link {} keep using it; the old link stays{}",
            self.new_name(),
            self.uses.len(),
            apis.join(", "),
            self.old.id,
            state
                .old
                .as_ref()
                .map(|o| format!(" ({})", o.status))
                .unwrap_or_default()
        )
    }

    fn undo(&self, state: &State) -> String {
        let back: Vec<String> = self.uses.iter().map(|u| u.call(&self.old.id)).collect();
        let stages: Vec<String> = state
            .stages
            .iter()
            .filter(|(s, _)| self.stages.contains(s))
            .map(|(s, now)| {
                let deployment = now.deployment_id.as_deref().unwrap_or("(none)");
                if s.kind.is_rest() {
                    format!(
                        "apigateway:UpdateStage RestApiId={} StageName={} PatchOperations=[replace /deploymentId {deployment}]",
                        s.api_id, s.stage
                    )
                } else {
                    format!(
                        "apigatewayv2:UpdateStage ApiId={} StageName={} DeploymentId={deployment}",
                        s.api_id, s.stage
                    )
                }
            })
            .collect();
        let delete = match self.old.version {
            VpcLinkVersion::V1 => "apigateway:DeleteVpcLink",
            VpcLinkVersion::V2 => "apigatewayv2:DeleteVpcLink",
        };
        let mut undo = format!(
            "the old link {} is kept: point the integrations back ({}), then delete the new link ({delete} VpcLinkId=<the new link>)",
            self.old.id,
            back.join("; ")
        );
        if !stages.is_empty() {
            undo.push_str(&format!("; point the stages back: {}", stages.join("; ")));
        }
        undo
    }

    fn describe(&self, state: &State) -> Value {
        json!({
            "vpc_link": state.old.as_ref().map(|l| json!({
                "id": l.id, "name": l.name, "version": l.version, "status": l.status,
                "status_message": l.status_message,
            })),
            "replacement": state.replacement.as_ref().map(|l| json!({
                "id": l.id, "name": l.name, "status": l.status,
            })),
            "uses": self.uses.iter().zip(&state.pointing_at).map(|(u, at)| json!({
                "use": u.describe(), "vpc_link_id": at,
            })).collect::<Vec<_>>(),
            "stages": state.stages.iter().map(|(s, now)| json!({
                "api_id": s.api_id, "stage": s.stage, "deployment_id": now.deployment_id,
            })).collect::<Vec<_>>(),
        })
    }

    fn refusal(&self, state: &State) -> Option<String> {
        let old = state.old.as_ref();
        if old.is_none() && state.replacement.is_none() {
            return Some(format!("VPC link {} no longer exists", self.old.id));
        }
        let tags = old.map_or(&self.old.tags, |o| &o.tags);
        if let Some(reason) = protected_by_tags("the VPC link", tags) {
            return Some(reason);
        }
        if old.is_some_and(|o| o.status == "INACTIVE") {
            return Some(format!(
                "VPC link {} is INACTIVE (VPC_LINK_INACTIVE): it heals itself on the next request, so it is never recreated",
                self.old.id
            ));
        }
        if !state.missing_load_balancers.is_empty() {
            return Some(format!(
                "VPC_LINK_TARGET_MISSING holds: load balancer(s) {} behind link {} no longer exist, so a new link to them would fail the same way; recreate the load balancer first",
                state.missing_load_balancers.join(", "),
                self.old.id
            ));
        }
        if !self.unsupported.is_empty() {
            return Some(format!(
                "integration(s) {} build the connection id from a stage variable inside a longer text, which this action does not rewrite: repoint them by hand",
                self.unsupported.join(", ")
            ));
        }
        if self.uses.is_empty() {
            return Some(format!(
                "no integration of this incident's targets uses VPC link {}",
                self.old.id
            ));
        }
        let pending = state.replacement.is_some();
        if !pending && old.is_some_and(|o| o.status != "FAILED") {
            return Some(format!(
                "VPC link {} is {} now, not FAILED",
                self.old.id,
                old.map_or("", |o| o.status.as_str())
            ));
        }
        state
            .stages
            .iter()
            .filter(|(s, _)| self.stages.contains(s))
            .find_map(|(s, now)| {
                protected_by_tags(&format!("stage {}", s.stage), &now.tags)
                    .or_else(|| protected_by_tags("the API", &now.api_tags))
                    .or_else(|| {
                        if self.serves_ours(now) {
                            return None;
                        }
                        let newest = newer_release(now, &self.incident)?;
                        Some(format!(
                            "stage {} of {} serves deployment {}, older than the API's newest deployment {} (STAGE_NOT_ON_LATEST_DEPLOYMENT): redeploying it would ship everything since; recreate the link and repoint by hand",
                            s.stage,
                            s.api_id,
                            now.deployment_id.as_deref().unwrap_or("(none)"),
                            newest.id
                        ))
                    })
            })
    }

    fn done(&self, state: &State) -> Option<String> {
        let replacement = state.replacement.as_ref()?;
        let repointed = state
            .pointing_at
            .iter()
            .all(|at| at.as_deref() == Some(replacement.id.as_str()));
        let deployed = state
            .stages
            .iter()
            .filter(|(s, _)| self.stages.contains(s))
            .all(|(_, now)| self.serves_ours(now));
        (replacement.status == "AVAILABLE" && repointed && deployed).then(|| {
            format!(
                "link {} replaces {} and is AVAILABLE; every use points at it and every affected stage serves it",
                replacement.id, self.old.id
            )
        })
    }

    fn last_applied(&self, state: &State) -> Option<Marker> {
        // A link apigw-doctor itself created recently is not recreated again within the
        // cooldown; a pending replacement is resumed, not cooled down.
        Marker::from_tags(&state.old.as_ref()?.tags, Self::ACTION)
    }

    fn verify(&self, state: &State, written: &Written) -> Result<String, String> {
        let Some(replacement) = state
            .replacement
            .as_ref()
            .filter(|r| r.id == written.new_link)
        else {
            return Err(format!(
                "no link {} tagged {REPLACES_TAG}",
                written.new_link
            ));
        };
        if replacement.status != "AVAILABLE" {
            return Err(format!("link {} {}", replacement.id, replacement.status));
        }
        for (used, at) in self.uses.iter().zip(&state.pointing_at) {
            if at.as_deref() != Some(written.new_link.as_str()) {
                return Err(format!(
                    "{} on {}",
                    used.describe(),
                    at.as_deref().unwrap_or("nothing")
                ));
            }
        }
        let mut seen = Vec::new();
        for (stage, deployment) in &written.deployed {
            match state.stages.iter().find(|(s, _)| s == stage) {
                Some((_, now)) if now.deployment_id.as_deref() == Some(deployment) => {
                    seen.push(format!(
                        "{}/{} serves {deployment}",
                        stage.api_id, stage.stage
                    ));
                }
                Some((_, now)) => {
                    return Err(format!(
                        "stage {}/{} serving {} instead of {deployment}",
                        stage.api_id,
                        stage.stage,
                        now.deployment_id.as_deref().unwrap_or("nothing")
                    ))
                }
                None => return Err(format!("stage {}/{} gone", stage.api_id, stage.stage)),
            }
        }
        Ok(format!(
            "link {} is AVAILABLE and replaces {} (kept); {} use(s) point at it; {}",
            written.new_link,
            self.old.id,
            self.uses.len(),
            if seen.is_empty() {
                "no stage to deploy".to_string()
            } else {
                seen.join(", ")
            }
        ))
    }
}
