//! Reads a stage again the way the stage actions judge it (REST or v2, with its API's tags and,
//! when asked, its deployments), and deploys a stage.

use crate::aws::Session;
use crate::failure::{CallFailure, FailureKind};
use crate::gather::{rest, v2};
use crate::plan::{ApiKind, StageNow};
use aws_config::retry::RetryConfig;

/// Reads stage `stage` of API `api_id` again, with the API's deployments when asked.
pub async fn read(
    session: Session<'_>,
    api_id: &str,
    kind: ApiKind,
    stage: &str,
    with_deployments: bool,
) -> Result<StageNow, CallFailure> {
    let deployments = async {
        match (with_deployments, kind.is_rest()) {
            (false, _) => Ok(Vec::new()),
            (true, true) => rest::deployments(session, api_id).await,
            (true, false) => v2::deployments(session, api_id).await,
        }
    };
    let (api_tags, stages, deployments) = if kind.is_rest() {
        let (api, stages, deployments) = futures::join!(
            rest::get_api(session, api_id),
            rest::stages(session, api_id),
            deployments
        );
        let stages: Vec<StageNow> = stages?.into_iter().map(StageNow::from).collect();
        (api?.tags, stages, deployments?)
    } else {
        let (api, stages, deployments) = futures::join!(
            v2::get_api(session, api_id),
            v2::stages(session, api_id),
            deployments
        );
        let stages: Vec<StageNow> = stages?.into_iter().map(StageNow::from).collect();
        (api?.tags, stages, deployments?)
    };
    let found = stages
        .into_iter()
        .find(|s| s.name == stage)
        .ok_or_else(|| CallFailure {
            step: if kind.is_rest() {
                "apigateway:GetStages"
            } else {
                "apigatewayv2:GetStages"
            }
            .to_string(),
            kind: FailureKind::NotFound,
            code: "NotFoundException".to_string(),
            detail: format!("stage {stage} of API {api_id} no longer exists"),
        })?;
    Ok(StageNow {
        api_tags,
        deployments,
        ..found
    })
}

/// Deploys the API's current definition on `stage`; returns the new deployment's id.
/// `CreateDeployment` has no idempotency token, so it is sent once, never retried: a retry after
/// a lost answer would deploy twice.
pub async fn create_deployment(
    session: Session<'_>,
    kind: ApiKind,
    api_id: &str,
    stage: &str,
    description: String,
) -> Result<String, CallFailure> {
    if kind.is_rest() {
        let out = session
            .call(
                "apigateway:CreateDeployment",
                session
                    .aws
                    .apigateway
                    .create_deployment()
                    .rest_api_id(api_id)
                    .stage_name(stage)
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
                    .api_id(api_id)
                    .stage_name(stage)
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
