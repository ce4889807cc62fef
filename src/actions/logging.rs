//! `enable_execution_logging`: sets execution logging to `INFO` on a REST or WebSocket stage;
//! verified when the stage reports `INFO`. A tag on the stage is the cooldown marker.

use super::stage::{self, ApiKind, StageNow};
use super::{protected_by_tags, Change, Marker};
use crate::aws::{CallFailure, Session};
use crate::finding::Finding;
use crate::gather::rest;
use crate::snapshot::Snapshot;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use aws_sdk_apigatewayv2::types::{LoggingLevel, RouteSettings};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The stage-wide method setting that holds a REST stage's execution log level.
const REST_LOG_LEVEL_PATH: &str = "/*/*/logging/loglevel";

/// Turn execution logging on for one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct EnableExecutionLogging {
    pub api_id: String,
    /// `Rest` or `WebSocket`: HTTP APIs have no execution logging.
    pub kind: ApiKind,
    pub stage: String,
    pub region: String,
}

/// The stage (its log level and the tags that may protect it) and the account's CloudWatch role.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub stage: StageNow,
    /// `None`: the account settings were not read.
    pub cloudwatch_role: Option<Option<String>>,
}

impl EnableExecutionLogging {
    pub fn from_snapshot(finding: &Finding, snapshot: &Snapshot) -> Option<(Self, State)> {
        let api_id = finding.api_id.as_deref()?;
        let stage_name = finding.stage.as_deref()?;
        let (kind, stage) = stage::in_snapshot(snapshot, api_id, stage_name)?;
        // HTTP APIs have no execution logging.
        (kind != ApiKind::Http).then_some(())?;
        let state = State {
            stage,
            cloudwatch_role: snapshot
                .account_settings
                .as_ref()
                .map(|a| a.cloudwatch_role_arn.clone()),
        };
        let change = EnableExecutionLogging {
            api_id: api_id.to_string(),
            kind,
            stage: stage_name.to_string(),
            region: snapshot.region.clone(),
        };
        Some((change, state))
    }

    fn is_rest(&self) -> bool {
        self.kind.is_rest()
    }

    fn stage_arn(&self) -> String {
        let collection = if self.is_rest() { "restapis" } else { "apis" };
        format!(
            "arn:{}:apigateway:{}::/{collection}/{}/stages/{}",
            super::partition(&self.region),
            self.region,
            self.api_id,
            self.stage
        )
    }

    fn set_level(&self, level: &str) -> String {
        if self.is_rest() {
            format!(
                "apigateway:UpdateStage restApiId={} stageName={} patchOperations=[{{op=replace,path={REST_LOG_LEVEL_PATH},value={level}}}]",
                self.api_id, self.stage
            )
        } else {
            format!(
                "apigatewayv2:UpdateStage ApiId={} StageName={} DefaultRouteSettings={{LoggingLevel={level}, other settings kept}}",
                self.api_id, self.stage
            )
        }
    }

    fn log_group(&self) -> String {
        if self.is_rest() {
            format!("API-Gateway-Execution-Logs_{}/{}", self.api_id, self.stage)
        } else {
            format!("/aws/apigateway/{}/{}", self.api_id, self.stage)
        }
    }

    /// A WebSocket stage's default route settings with the level changed and every other
    /// member kept: `UpdateStage` replaces the whole structure.
    async fn v2_route_settings(&self, session: Session<'_>) -> Result<RouteSettings, CallFailure> {
        let stage = session
            .call(
                "apigatewayv2:GetStage",
                session
                    .aws
                    .apigatewayv2
                    .get_stage()
                    .api_id(&self.api_id)
                    .stage_name(&self.stage)
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
}

impl Change for EnableExecutionLogging {
    type State = State;
    type Written = ();
    const ACTION: &'static str = "enable_execution_logging";

    fn target(&self) -> String {
        format!("{}/{}", self.api_id, self.stage)
    }

    fn calls(&self, marker: &Marker) -> Vec<String> {
        let tag = if self.is_rest() {
            "apigateway:TagResource resourceArn"
        } else {
            "apigatewayv2:TagResource ResourceArn"
        };
        vec![
            self.set_level("INFO"),
            format!(
                "{tag}={} tags={{{}={}}}",
                self.stage_arn(),
                Marker::tag_key(Self::ACTION),
                marker.tag_value()
            ),
        ]
    }

    fn risk(&self, _state: &State) -> String {
        format!(
            "every request on stage {} writes execution log lines to CloudWatch Logs group {} (billed per GB ingested); INFO records each request's steps, not bodies (data tracing stays as it is)",
            self.stage,
            self.log_group()
        )
    }

    fn undo(&self, state: &State) -> String {
        self.set_level(state.stage.logging_level.as_deref().unwrap_or("OFF"))
    }

    fn describe(&self, state: &State) -> Value {
        json!({ "logging_level": state.stage.logging_level.as_deref().unwrap_or("OFF") })
    }

    fn refusal(&self, state: &State) -> Option<String> {
        if state.cloudwatch_role == Some(None) {
            return Some(format!(
                "refused while ACCOUNT_CLOUDWATCH_ROLE_MISSING holds: API Gateway has no CloudWatch Logs role in {}, so no log would be written; set it first (apigateway:UpdateAccount /cloudwatchRoleArn)",
                self.region
            ));
        }
        protected_by_tags("the stage", &state.stage.tags)
            .or_else(|| protected_by_tags("the API", &state.stage.api_tags))
    }

    fn done(&self, state: &State) -> Option<String> {
        state
            .stage
            .logging_level
            .as_deref()
            .filter(|l| !l.eq_ignore_ascii_case("OFF"))
            .map(|l| format!("execution logging is at {l} on stage {}", self.stage))
    }

    fn last_applied(&self, state: &State) -> Option<Marker> {
        Marker::from_tags(&state.stage.tags, Self::ACTION)
    }

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
            let settings = self.v2_route_settings(session).await?;
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
        let tags = HashMap::from([(Marker::tag_key(Self::ACTION), marker.tag_value())]);
        if self.is_rest() {
            session
                .call(
                    "apigateway:TagResource",
                    session
                        .aws
                        .apigateway
                        .tag_resource()
                        .resource_arn(self.stage_arn())
                        .set_tags(Some(tags))
                        .send(),
                )
                .await?;
        } else {
            session
                .call(
                    "apigatewayv2:TagResource",
                    session
                        .aws
                        .apigatewayv2
                        .tag_resource()
                        .resource_arn(self.stage_arn())
                        .set_tags(Some(tags))
                        .send(),
                )
                .await?;
        }
        Ok(())
    }

    fn verify(&self, state: &State, _written: &()) -> Result<String, String> {
        match state.stage.logging_level.as_deref() {
            Some(level) if level.eq_ignore_ascii_case("INFO") => {
                Ok(format!("stage {} logs at INFO", self.stage))
            }
            other => Err(format!(
                "stage {} logging at {}",
                self.stage,
                other.unwrap_or("OFF")
            )),
        }
    }
}
