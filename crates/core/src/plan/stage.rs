//! A stage as both stage actions judge it — REST or v2, with its API's tags and deployments —
//! as the snapshot shows it (for the plan); the apply step reads the same shape again.

use crate::snapshot::{Deployment, RestStage, Snapshot, V2Stage};
use std::collections::BTreeMap;

/// Which API Gateway the stage belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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
