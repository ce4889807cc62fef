//! `enable_execution_logging`'s rules: sets execution logging to `INFO` on a REST or WebSocket
//! stage; verified when the stage reports `INFO`. A tag on the stage is the cooldown marker.

use super::stage::{self, ApiKind, StageNow};
use super::{protected_by_tags, Marker, Rules};
use crate::action::Action;
use crate::finding::Finding;
use crate::partition::Partition;
use crate::snapshot::Snapshot;
use serde_json::{json, Value};

/// The stage-wide method setting that holds a REST stage's execution log level.
pub const REST_LOG_LEVEL_PATH: &str = "/*/*/logging/loglevel";

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

    pub fn is_rest(&self) -> bool {
        self.kind.is_rest()
    }

    /// The stage's ARN, which tagging takes.
    pub fn stage_arn(&self) -> String {
        let collection = if self.is_rest() { "restapis" } else { "apis" };
        Partition::of(&self.region).arn(
            "apigateway",
            "",
            &format!("/{collection}/{}/stages/{}", self.api_id, self.stage),
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
}

impl Rules for EnableExecutionLogging {
    type State = State;
    type Written = ();
    const ACTION: Action = Action::EnableExecutionLogging;

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
