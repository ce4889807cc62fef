//! `redeploy_stage`'s I/O. `CreateDeployment` has no idempotency token, so it is sent once,
//! never retried: a retry after a lost answer would deploy twice.

use super::{stage, Io};
use crate::aws::Session;
use crate::failure::CallFailure;
use crate::plan::{Marker, RedeployStage, StageNow};
use aws_config::retry::RetryConfig;

impl Io for RedeployStage {
    async fn read(&self, session: Session<'_>) -> Result<StageNow, CallFailure> {
        stage::read(session, &self.api_id, self.kind, &self.stage, true).await
    }

    async fn write(&self, session: Session<'_>, marker: &Marker) -> Result<String, CallFailure> {
        let description = self.description(marker);
        if self.is_rest() {
            let out = session
                .call(
                    "apigateway:CreateDeployment",
                    session
                        .aws
                        .apigateway
                        .create_deployment()
                        .rest_api_id(&self.api_id)
                        .stage_name(&self.stage)
                        .description(description)
                        .customize()
                        .config_override(
                            aws_sdk_apigateway::config::Builder::default()
                                .retry_config(RetryConfig::disabled()),
                        )
                        .send(),
                )
                .await?;
            Ok(out.id().unwrap_or_default().to_string())
        } else {
            let out = session
                .call(
                    "apigatewayv2:CreateDeployment",
                    session
                        .aws
                        .apigatewayv2
                        .create_deployment()
                        .api_id(&self.api_id)
                        .stage_name(&self.stage)
                        .description(description)
                        .customize()
                        .config_override(
                            aws_sdk_apigatewayv2::config::Builder::default()
                                .retry_config(RetryConfig::disabled()),
                        )
                        .send(),
                )
                .await?;
            Ok(out.deployment_id().unwrap_or_default().to_string())
        }
    }

    async fn mark(&self, _session: Session<'_>, _marker: &Marker) -> Result<(), CallFailure> {
        Ok(())
    }
}
