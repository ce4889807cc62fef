//! `recreate_vpc_link`'s I/O: the old link, a replacement tagged `apigw-doctor:replaces=<old
//! id>` (found by listing the links, so a pending run's link is resumed, never doubled), the
//! load balancers behind it, what each use points at and the affected stages, read again; the
//! new link created once (the marker is among its tags), awaited until `AVAILABLE` within the
//! invocation's deadline, then every use repointed and every affected stage deployed.

use super::stage;
use crate::aws::Session;
use crate::failure::{CallFailure, FailureKind};
use crate::gather::vpc_links::{get_link, list_links, load_balancer};
use crate::gather::{rest, v2};
use crate::plan::{
    ApiKind, LinkUse, Marker, RecreateVpcLink, VpcLinkState as State, VpcLinkWritten as Written,
};
use crate::snapshot::{VpcLink, VpcLinkVersion};
use aws_config::retry::RetryConfig;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use futures::future::join_all;
use std::collections::HashMap;
use std::time::Duration;

/// How often a new link's status is asked while it is PENDING.
const POLL: Duration = Duration::from_secs(5);
/// How long a run without a deadline (the command line) waits for a new link.
const MAX_WAIT: Duration = Duration::from_secs(600);
/// Time kept back from the deadline for the repoint, and per stage for its deployment
/// (`CreateDeployment`: 1 per 5 s).
const RESERVE: Duration = Duration::from_secs(10);
const PER_STAGE: Duration = Duration::from_secs(5);

impl super::Io for RecreateVpcLink {
    async fn read(&self, session: Session<'_>) -> Result<State, CallFailure> {
        // Every precondition is read at once; none depends on another.
        let (old, replacement, balancers, pointing_at, stages) = futures::join!(
            get_link(session, &self.old.id, self.old.version),
            replacement(session, self),
            join_all(
                self.load_balancers
                    .iter()
                    .map(|arn| load_balancer(session, arn))
            ),
            join_all(self.uses.iter().map(|used| pointing_at_now(session, used))),
            join_all(self.stages.iter().map(|affected| stage::read(
                session,
                &affected.api_id,
                affected.kind,
                &affected.stage,
                true,
            ))),
        );
        let mut missing_load_balancers = Vec::new();
        for (arn, found) in self.load_balancers.iter().zip(balancers) {
            if found?.is_none() {
                missing_load_balancers.push(arn.clone());
            }
        }
        let pointing_at = pointing_at.into_iter().collect::<Result<Vec<_>, _>>()?;
        let stages = self
            .stages
            .iter()
            .cloned()
            .zip(stages)
            .map(|(affected, now)| now.map(|now| (affected, now)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(State {
            old: old?,
            replacement: replacement?,
            missing_load_balancers,
            pointing_at,
            stages,
        })
    }

    async fn write(&self, session: Session<'_>, marker: &Marker) -> Result<Written, CallFailure> {
        let link = match replacement(session, self).await? {
            Some(link) => link,
            None => create(session, self, marker).await?,
        };
        wait_until_available(session, self, &link).await?;
        for used in &self.uses {
            if pointing_at_now(session, used).await?.as_deref() != Some(link.id.as_str()) {
                repoint(session, used, &link.id).await?;
            }
        }
        let mut written = Written {
            new_link: link.id.clone(),
            deployed: Vec::new(),
        };
        for affected in &self.stages {
            let deployment = stage::create_deployment(
                session,
                affected.kind,
                &affected.api_id,
                &affected.stage,
                self.description(&affected.stage),
            )
            .await
            .map_err(|mut failure| {
                failure.detail = format!(
                    "{}; link {} serves the integrations, but stage {} of {} does not yet: the next run redeploys it",
                    failure.detail, link.id, affected.stage, affected.api_id
                );
                failure
            })?;
            written.deployed.push((affected.clone(), deployment));
        }
        Ok(written)
    }

    async fn mark(&self, _session: Session<'_>, _marker: &Marker) -> Result<(), CallFailure> {
        // The marker is one of the new link's tags from its creation.
        Ok(())
    }
}

/// The link tagged as this change's replacement, if one exists.
async fn replacement(
    session: Session<'_>,
    change: &RecreateVpcLink,
) -> Result<Option<VpcLink>, CallFailure> {
    Ok(list_links(session, change.old.version)
        .await?
        .into_iter()
        .find(|link| change.replaces(link)))
}

/// Creates the replacement once: `CreateVpcLink` has no idempotency token, so it is never
/// retried (a lost answer is found by its tag on the next run instead).
async fn create(
    session: Session<'_>,
    change: &RecreateVpcLink,
    marker: &Marker,
) -> Result<VpcLink, CallFailure> {
    let tags: HashMap<String, String> = change.new_tags(marker).into_iter().collect();
    let id = match change.old.version {
        VpcLinkVersion::V1 => session
            .call(
                "apigateway:CreateVpcLink",
                session
                    .aws
                    .apigateway
                    .create_vpc_link()
                    .name(change.new_name())
                    .set_target_arns(Some(change.old.target_arns.clone()))
                    .set_tags(Some(tags))
                    .customize()
                    .config_override(
                        aws_sdk_apigateway::config::Builder::default()
                            .retry_config(RetryConfig::disabled()),
                    )
                    .send(),
            )
            .await?
            .id()
            .unwrap_or_default()
            .to_string(),
        VpcLinkVersion::V2 => session
            .call(
                "apigatewayv2:CreateVpcLink",
                session
                    .aws
                    .apigatewayv2
                    .create_vpc_link()
                    .name(change.new_name())
                    .set_subnet_ids(Some(change.old.subnet_ids.clone()))
                    .set_security_group_ids(Some(change.old.security_group_ids.clone()))
                    .set_tags(Some(tags))
                    .customize()
                    .config_override(
                        aws_sdk_apigatewayv2::config::Builder::default()
                            .retry_config(RetryConfig::disabled()),
                    )
                    .send(),
            )
            .await?
            .vpc_link_id()
            .unwrap_or_default()
            .to_string(),
    };
    tracing::info!(old = %change.old.id, new = %id, "VPC link created");
    Ok(VpcLink {
        id,
        status: "PENDING".to_string(),
        ..change.old.clone()
    })
}

/// Asks for the new link's status until it is AVAILABLE; `Deadline` (the action is `pending`)
/// when the invocation would end first, an error when the link failed.
async fn wait_until_available(
    session: Session<'_>,
    change: &RecreateVpcLink,
    link: &VpcLink,
) -> Result<(), CallFailure> {
    let step = match change.old.version {
        VpcLinkVersion::V1 => "apigateway:GetVpcLink",
        VpcLinkVersion::V2 => "apigatewayv2:GetVpcLink",
    };
    let reserve = RESERVE + PER_STAGE * u32::try_from(change.stages.len()).unwrap_or(u32::MAX);
    let started = tokio::time::Instant::now();
    loop {
        let status = get_link(session, &link.id, change.old.version)
            .await?
            .map(|l| l.status)
            .unwrap_or_else(|| "gone".to_string());
        match status.as_str() {
            "AVAILABLE" => return Ok(()),
            "PENDING" => {}
            other => {
                return Err(CallFailure {
                    step: step.to_string(),
                    kind: FailureKind::Other,
                    code: other.to_string(),
                    detail: format!(
                        "the new link {} is {other}, not AVAILABLE; the old link {} is unchanged",
                        link.id, change.old.id
                    ),
                })
            }
        }
        let out_of_time = match session.time_left() {
            Some(left) => left < reserve + POLL,
            None => started.elapsed() + POLL > MAX_WAIT,
        };
        if out_of_time {
            return Err(CallFailure {
                step: step.to_string(),
                kind: FailureKind::Deadline,
                code: "StillPending".to_string(),
                detail: format!(
                    "the new link {} is still PENDING; no integration was repointed yet, and the next invocation for this target finds the link by its tag apigw-doctor:replaces={} and continues",
                    link.id, change.old.id
                ),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The link id a use holds now (`None`: the integration or the variable is gone).
async fn pointing_at_now(
    session: Session<'_>,
    used: &LinkUse,
) -> Result<Option<String>, CallFailure> {
    Ok(match used {
        LinkUse::RestIntegration {
            api_id,
            resource_id,
            http_method,
        } => rest::integration_connection(session, api_id, resource_id, http_method).await?,
        LinkUse::V2Integration {
            api_id,
            integration_id,
        } => {
            v2::integration(session, api_id, integration_id)
                .await?
                .connection_id
        }
        LinkUse::StageVariable {
            api_id,
            kind,
            stage,
            variable,
        } => {
            let variables = if kind.is_rest() {
                rest::stages(session, api_id)
                    .await?
                    .into_iter()
                    .find(|s| s.name == *stage)
                    .map(|s| s.variables)
            } else {
                v2::stages(session, api_id)
                    .await?
                    .into_iter()
                    .find(|s| s.name == *stage)
                    .map(|s| s.variables)
            };
            variables.and_then(|mut v| v.remove(variable))
        }
    })
}

/// Points one use at `link`.
async fn repoint(session: Session<'_>, used: &LinkUse, link: &str) -> Result<(), CallFailure> {
    let replace = |path: String| {
        PatchOperation::builder()
            .op(Op::Replace)
            .path(path)
            .value(link)
            .build()
    };
    match used {
        LinkUse::RestIntegration {
            api_id,
            resource_id,
            http_method,
        } => {
            session
                .call(
                    "apigateway:UpdateIntegration",
                    session
                        .aws
                        .apigateway
                        .update_integration()
                        .rest_api_id(api_id)
                        .resource_id(resource_id)
                        .http_method(http_method)
                        .patch_operations(replace("/connectionId".to_string()))
                        .send(),
                )
                .await?;
        }
        LinkUse::V2Integration {
            api_id,
            integration_id,
        } => {
            session
                .call(
                    "apigatewayv2:UpdateIntegration",
                    session
                        .aws
                        .apigatewayv2
                        .update_integration()
                        .api_id(api_id)
                        .integration_id(integration_id)
                        .connection_id(link)
                        .send(),
                )
                .await?;
        }
        LinkUse::StageVariable {
            api_id,
            kind: ApiKind::Rest,
            stage,
            variable,
        } => {
            session
                .call(
                    "apigateway:UpdateStage",
                    session
                        .aws
                        .apigateway
                        .update_stage()
                        .rest_api_id(api_id)
                        .stage_name(stage)
                        .patch_operations(replace(format!("/variables/{variable}")))
                        .send(),
                )
                .await?;
        }
        LinkUse::StageVariable {
            api_id,
            stage,
            variable,
            ..
        } => {
            session
                .call(
                    "apigatewayv2:UpdateStage",
                    session
                        .aws
                        .apigatewayv2
                        .update_stage()
                        .api_id(api_id)
                        .stage_name(stage)
                        .stage_variables(variable, link)
                        .send(),
                )
                .await?;
        }
    }
    Ok(())
}
