//! `add_integration_header`'s I/O: the integration, its API's tags, the stages and the
//! deployments, read again;
//! the merge written from a read made right before the write, a deployment for each stage that
//! does not auto-deploy, and the
//! marker tag on the API.

use super::stage;
use crate::aws::Session;
use crate::failure::CallFailure;
use crate::gather::v2;
use crate::plan::{
    AddIntegrationHeader, ApiKind, IntegrationHeaderState as State,
    IntegrationHeaderWritten as Written, Marker, StageNow,
};
use crate::snapshot::connection_id_header;
use std::collections::HashMap;

impl super::Io for AddIntegrationHeader {
    async fn read(&self, session: Session<'_>) -> Result<State, CallFailure> {
        // The deployments too: a stage behind the API's newest one is refused (see the rules).
        let (integration, api, stages, deployments) = futures::join!(
            v2::integration(session, &self.api_id, &self.integration_id),
            v2::get_api(session, &self.api_id),
            v2::stages(session, &self.api_id),
            v2::deployments(session, &self.api_id)
        );
        let (api, deployments) = (api?, deployments?);
        Ok(State {
            request_parameters: integration?.request_parameters,
            stages: stages?
                .into_iter()
                .filter(|s| self.stages.contains(&s.name))
                .map(|s| StageNow {
                    api_tags: api.tags.clone(),
                    deployments: deployments.clone(),
                    ..s.into()
                })
                .collect(),
            api_tags: api.tags,
        })
    }

    async fn write(&self, session: Session<'_>, _marker: &Marker) -> Result<Written, CallFailure> {
        // Merged onto what the integration holds right now, so no mapping added since the
        // precondition read is lost.
        // The stages first: an auto-deploying one moves to a new deployment on the update.
        let (now, stages) = futures::join!(
            v2::integration(session, &self.api_id, &self.integration_id),
            v2::stages(session, &self.api_id)
        );
        let (now, stages) = (now?, stages?);
        if connection_id_header(&now.request_parameters).is_none() {
            let merged: HashMap<String, String> =
                self.merged(&now.request_parameters).into_iter().collect();
            session
                .call(
                    "apigatewayv2:UpdateIntegration",
                    session
                        .aws
                        .apigatewayv2
                        .update_integration()
                        .api_id(&self.api_id)
                        .integration_id(&self.integration_id)
                        .set_request_parameters(Some(merged))
                        .send(),
                )
                .await?;
        }
        let mut written = Written::default();
        for stage in stages.iter().filter(|s| self.stages.contains(&s.name)) {
            if stage.auto_deploy {
                written
                    .auto_deployed
                    .push((stage.name.clone(), stage.deployment_id.clone()));
                continue;
            }
            let deployment = stage::create_deployment(
                session,
                ApiKind::WebSocket,
                &self.api_id,
                &stage.name,
                self.description(&stage.name),
            )
            .await
                .map_err(|mut failure| {
                    failure.detail = format!(
                        "{}; the integration already has the connectionId mapping, but stage {} does not serve it yet: redeploy the stage",
                        failure.detail, stage.name
                    );
                    failure
                })?;
            written.deployed.push((stage.name.clone(), deployment));
        }
        await_auto_deployment(session, &self.api_id, &written).await;
        Ok(written)
    }

    async fn mark(&self, session: Session<'_>, marker: &Marker) -> Result<(), CallFailure> {
        let (arn, key) = (self.api_arn(), self.marker_key());
        super::marker::tag(session, ApiKind::WebSocket, arn, key, marker).await
    }
}

/// How long, and how often, the auto-deploying stages are watched for AWS's own deployment.
const AUTO_DEPLOY_WAIT: u32 = 10;
const AUTO_DEPLOY_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Gives AWS's automatic deployment a few seconds to reach the auto-deploying stages (a v2
/// deployment can be `PENDING` for a moment), so the verification that follows does not take
/// "not yet" for "not done". A failed read ends the wait; the verification reads again.
async fn await_auto_deployment(session: Session<'_>, api_id: &str, written: &Written) {
    for _ in 0..AUTO_DEPLOY_WAIT {
        if written.auto_deployed.is_empty() {
            return;
        }
        let Ok(stages) = v2::stages(session, api_id).await else {
            return;
        };
        let moved = written.auto_deployed.iter().all(|(name, before)| {
            stages
                .iter()
                .find(|s| &s.name == name)
                .is_none_or(|s| s.deployment_id.is_some() && s.deployment_id != *before)
        });
        if moved {
            return;
        }
        tokio::time::sleep(AUTO_DEPLOY_POLL).await;
    }
}
