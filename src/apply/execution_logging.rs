//! `enable_execution_logging`'s I/O: the stage and the account's CloudWatch role, the stage
//! update (REST patch, or WebSocket default route settings rebuilt from a fresh read), and the
//! marker tag on the stage.

use super::{stage, Io};
use crate::aws::Session;
use crate::failure::CallFailure;
use crate::gather::rest;
use crate::plan::{
    EnableExecutionLogging, ExecutionLoggingState as State, Marker, Rules, REST_LOG_LEVEL_PATH,
};
use aws_sdk_apigateway::types::{Op, PatchOperation};
use aws_sdk_apigatewayv2::types::{LoggingLevel, RouteSettings};

impl Io for EnableExecutionLogging {
    async fn read(&self, session: Session<'_>) -> Result<State, CallFailure> {
        let (stage, account) = futures::join!(
            stage::read(session, &self.api_id, self.kind, &self.stage, false),
            rest::account(session)
        );
        Ok(State {
            stage: stage?,
            cloudwatch_role: Some(account?.cloudwatch_role_arn),
        })
    }

    async fn write(&self, session: Session<'_>, _marker: &Marker) -> Result<(), CallFailure> {
        if self.is_rest() {
            session
                .call(
                    "apigateway:UpdateStage",
                    session
                        .aws
                        .apigateway
                        .update_stage()
                        .rest_api_id(&self.api_id)
                        .stage_name(&self.stage)
                        .patch_operations(
                            PatchOperation::builder()
                                .op(Op::Replace)
                                .path(REST_LOG_LEVEL_PATH)
                                .value("INFO")
                                .build(),
                        )
                        .send(),
                )
                .await?;
        } else {
            let settings = v2_route_settings(self, session).await?;
            session
                .call(
                    "apigatewayv2:UpdateStage",
                    session
                        .aws
                        .apigatewayv2
                        .update_stage()
                        .api_id(&self.api_id)
                        .stage_name(&self.stage)
                        .default_route_settings(settings)
                        .send(),
                )
                .await?;
        }
        Ok(())
    }

    async fn mark(&self, session: Session<'_>, marker: &Marker) -> Result<(), CallFailure> {
        let key = Marker::tag_key(Self::ACTION);
        super::marker::tag(session, self.kind, self.stage_arn(), key, marker).await
    }
}

/// A WebSocket stage's default route settings with the level changed and every other
/// member kept: `UpdateStage` replaces the whole structure.
async fn v2_route_settings(
    change: &EnableExecutionLogging,
    session: Session<'_>,
) -> Result<RouteSettings, CallFailure> {
    let stage = session
        .call(
            "apigatewayv2:GetStage",
            session
                .aws
                .apigatewayv2
                .get_stage()
                .api_id(&change.api_id)
                .stage_name(&change.stage)
                .send(),
        )
        .await?;
    let current = stage.default_route_settings();
    Ok(RouteSettings::builder()
        .set_data_trace_enabled(current.and_then(RouteSettings::data_trace_enabled))
        .set_detailed_metrics_enabled(current.and_then(RouteSettings::detailed_metrics_enabled))
        .set_throttling_burst_limit(current.and_then(RouteSettings::throttling_burst_limit))
        .set_throttling_rate_limit(current.and_then(RouteSettings::throttling_rate_limit))
        .logging_level(LoggingLevel::Info)
        .build())
}
