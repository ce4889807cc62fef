//! Reads a stage again the way both stage actions judge it: REST or v2, with its API's tags
//! and, when asked, its deployments.

use crate::aws::Session;
use crate::failure::{CallFailure, FailureKind};
use crate::gather::{rest, v2};
use crate::plan::{ApiKind, StageNow};

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
