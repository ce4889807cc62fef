//! A stage as both stage actions judge it — REST or v2, with its API's tags and deployments —
//! as the snapshot shows it (for the plan) or read again (for the apply).

use crate::aws::{CallFailure, FailureKind, Session};
use crate::gather::{rest, v2};
use crate::snapshot::{Deployment, RestStage, Snapshot, V2Stage};
use std::collections::BTreeMap;

/// Which API Gateway the stage belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Rest,
    Http,
    WebSocket,
}

impl ApiKind {
    pub fn is_rest(self) -> bool {
        self == ApiKind::Rest
    }
}

/// What the stage actions need of a stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageNow {
    pub name: String,
    pub deployment_id: Option<String>,
    pub auto_deploy: bool,
    pub logging_level: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub api_tags: BTreeMap<String, String>,
    /// The API's deployments (empty when not read).
    pub deployments: Vec<Deployment>,
}

impl From<RestStage> for StageNow {
    fn from(stage: RestStage) -> Self {
        StageNow {
            name: stage.name,
            deployment_id: stage.deployment_id,
            logging_level: stage.logging_level,
            tags: stage.tags,
            ..StageNow::default()
        }
    }
}

impl From<V2Stage> for StageNow {
    fn from(stage: V2Stage) -> Self {
        StageNow {
            name: stage.name,
            deployment_id: stage.deployment_id,
            auto_deploy: stage.auto_deploy,
            logging_level: stage.logging_level,
            tags: stage.tags,
            ..StageNow::default()
        }
    }
}

/// Stage `stage` of API `api_id` as the snapshot shows it, with the API's kind.
pub fn in_snapshot(snapshot: &Snapshot, api_id: &str, stage: &str) -> Option<(ApiKind, StageNow)> {
    if let Some(api) = snapshot.rest_api(api_id) {
        let found = api.stages.iter().find(|s| s.name == stage)?.clone();
        let now = StageNow {
            api_tags: api.tags.clone(),
            deployments: api.deployments.clone(),
            ..found.into()
        };
        return Some((ApiKind::Rest, now));
    }
    let api = snapshot.v2_api(api_id)?;
    let found = api.stages.iter().find(|s| s.name == stage)?.clone();
    let kind = if api.is_websocket() {
        ApiKind::WebSocket
    } else {
        ApiKind::Http
    };
    let now = StageNow {
        api_tags: api.tags.clone(),
        deployments: api.deployments.clone(),
        ..found.into()
    };
    Some((kind, now))
}

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
