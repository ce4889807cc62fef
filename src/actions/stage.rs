//! The re-read both stage actions start from: one REST or v2 stage, its API's tags and,
//! when asked, the API's deployments.

use crate::aws::{CallFailure, FailureKind, Session};
use crate::gather::{rest, v2};
use crate::snapshot::Deployment;
use std::collections::BTreeMap;

/// A stage as read right before a change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageNow {
    pub deployment_id: Option<String>,
    pub auto_deploy: bool,
    pub logging_level: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub api_tags: BTreeMap<String, String>,
    /// Empty unless asked for.
    pub deployments: Vec<Deployment>,
}

/// Reads stage `stage` of API `api_id` (REST when `rest`, else HTTP/WebSocket).
pub async fn read(
    session: Session<'_>,
    api_id: &str,
    rest: bool,
    stage: &str,
    with_deployments: bool,
) -> Result<StageNow, CallFailure> {
    let step = if rest {
        "apigateway:GetStages"
    } else {
        "apigatewayv2:GetStages"
    };
    let deployments = async {
        match (with_deployments, rest) {
            (false, _) => Ok(Vec::new()),
            (true, true) => rest::deployments(session, api_id).await,
            (true, false) => v2::deployments(session, api_id).await,
        }
    };
    let (found, api_tags, deployments) = if rest {
        let (api, stages, deployments) = futures::join!(
            rest::get_api(session, api_id),
            rest::stages(session, api_id),
            deployments
        );
        let found = stages?
            .into_iter()
            .find(|s| s.name == stage)
            .map(|s| StageNow {
                deployment_id: s.deployment_id,
                auto_deploy: false,
                logging_level: s.logging_level,
                tags: s.tags,
                ..StageNow::default()
            });
        (found, api?.tags, deployments?)
    } else {
        let (api, stages, deployments) = futures::join!(
            v2::get_api(session, api_id),
            v2::stages(session, api_id),
            deployments
        );
        let found = stages?
            .into_iter()
            .find(|s| s.name == stage)
            .map(|s| StageNow {
                deployment_id: s.deployment_id,
                auto_deploy: s.auto_deploy,
                logging_level: s.logging_level,
                tags: s.tags,
                ..StageNow::default()
            });
        (found, api?.tags, deployments?)
    };
    let mut found = found.ok_or_else(|| CallFailure {
        step: step.to_string(),
        kind: FailureKind::NotFound,
        code: "NotFoundException".to_string(),
        detail: format!("stage {stage} of API {api_id} no longer exists"),
    })?;
    found.api_tags = api_tags;
    found.deployments = deployments;
    Ok(found)
}
