//! Reads REST APIs (API Gateway v1): the API, its stages, deployments and resources, and the
//! account settings.

use super::{epoch, tags, trail};
use crate::aws::{CallFailure, Session};
use crate::snapshot::{
    AccountSettings, ApiKey, ApiStage, ChangeHistory, Deployment, Method, MethodIntegration,
    Resource, RestApi, RestStage, UsagePlan,
};
use std::collections::{BTreeMap, BTreeSet};

/// `GetRestApis` items and `GetRestApi` output are different types with the same accessors.
macro_rules! rest_api {
    ($api:expr, $id:expr) => {{
        let api = $api;
        let endpoint = api.endpoint_configuration();
        RestApi {
            id: api.id().unwrap_or($id).to_string(),
            name: api.name().unwrap_or_default().to_string(),
            endpoint_types: endpoint
                .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
                .unwrap_or_default(),
            vpc_endpoint_ids: endpoint
                .map(|e| e.vpc_endpoint_ids().to_vec())
                .unwrap_or_default(),
            policy: api
                .policy()
                .filter(|p| !p.trim().is_empty())
                .map(str::to_string),
            tags: tags(api.tags()),
            stages: Vec::new(),
            deployments: Vec::new(),
            resources: Vec::new(),
            last_policy_change: None,
            disable_execute_api_endpoint: Some(api.disable_execute_api_endpoint()),
        }
    }};
}

/// Every REST API in the region (paginated).
pub async fn list_apis(session: Session<'_>) -> Result<Vec<RestApi>, CallFailure> {
    let items = rest_items!(session, "apigateway:GetRestApis", |client| client
        .get_rest_apis())?;
    Ok(items.iter().map(|api| rest_api!(api, "")).collect())
}

/// One REST API by id.
pub async fn get_api(session: Session<'_>, id: &str) -> Result<RestApi, CallFailure> {
    let out = session
        .call(
            "apigateway:GetRestApi",
            session.aws.apigateway.get_rest_api().rest_api_id(id).send(),
        )
        .await?;
    Ok(rest_api!(&out, id))
}

/// Every stage of a REST API.
pub async fn stages(session: Session<'_>, api_id: &str) -> Result<Vec<RestStage>, CallFailure> {
    let out = session
        .call(
            "apigateway:GetStages",
            session
                .aws
                .apigateway
                .get_stages()
                .rest_api_id(api_id)
                .send(),
        )
        .await?;
    Ok(out
        .item()
        .iter()
        .map(|s| RestStage {
            name: s.stage_name().unwrap_or_default().to_string(),
            deployment_id: s.deployment_id().map(str::to_string),
            tags: tags(s.tags()),
            logging_level: s
                .method_settings()
                .and_then(|m| m.get("*/*"))
                .and_then(|m| m.logging_level())
                .map(str::to_string),
            access_log_destination: s
                .access_log_settings()
                .and_then(|a| a.destination_arn())
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            access_log_format: s
                .access_log_settings()
                .and_then(|a| a.format())
                .filter(|f| !f.is_empty())
                .map(str::to_string),
            web_acl_arn: s
                .web_acl_arn()
                .filter(|a| !a.is_empty())
                .map(str::to_string),
            variables: tags(s.variables()),
        })
        .collect())
}

/// Every deployment of a REST API (paginated), for "changed after the last deployment".
pub async fn deployments(
    session: Session<'_>,
    api_id: &str,
) -> Result<Vec<Deployment>, CallFailure> {
    let items = rest_items!(session, "apigateway:GetDeployments", |client| {
        client.get_deployments().rest_api_id(api_id)
    })?;
    Ok(items
        .iter()
        .map(|d| Deployment {
            id: d.id().unwrap_or_default().to_string(),
            description: d
                .description()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            created_date: epoch(d.created_date()),
            api_summary: None,
            api_key_methods: None,
        })
        .collect())
}

/// What one deployment serves: path → methods (`embed=apisummary`), and the methods that
/// require an API key ("METHOD /path").
pub async fn deployment_summary(
    session: Session<'_>,
    api_id: &str,
    deployment_id: &str,
) -> Result<(BTreeMap<String, Vec<String>>, BTreeSet<String>), CallFailure> {
    let out = session
        .call(
            "apigateway:GetDeployment",
            session
                .aws
                .apigateway
                .get_deployment()
                .rest_api_id(api_id)
                .deployment_id(deployment_id)
                .embed("apisummary")
                .send(),
        )
        .await?;
    let summary = out.api_summary().into_iter().flatten();
    let key_methods = summary
        .clone()
        .flat_map(|(path, methods)| {
            methods
                .iter()
                .filter(|(_, m)| m.api_key_required())
                .map(move |(verb, _)| format!("{verb} {path}"))
        })
        .collect();
    let served = summary
        .map(|(path, methods)| {
            let mut methods: Vec<String> = methods.keys().cloned().collect();
            methods.sort();
            (path.clone(), methods)
        })
        .collect();
    Ok((served, key_methods))
}

/// Every usage plan of the region (paginated), with the API stages it admits; its keys are
/// read apart ([`usage_plan_keys`]), and only for the plans that need it.
pub async fn usage_plans(session: Session<'_>) -> Result<Vec<UsagePlan>, CallFailure> {
    let items = rest_items!(session, "apigateway:GetUsagePlans", |client| client
        .get_usage_plans())?;
    Ok(items
        .iter()
        .map(|p| UsagePlan {
            id: p.id().unwrap_or_default().to_string(),
            name: p.name().unwrap_or_default().to_string(),
            api_stages: p
                .api_stages()
                .iter()
                .map(|s| ApiStage {
                    api_id: s.api_id().unwrap_or_default().to_string(),
                    stage: s.stage().unwrap_or_default().to_string(),
                })
                .collect(),
            key_ids: None,
        })
        .collect())
}

/// The ids of the API keys one usage plan holds (`GetUsagePlanKeys`, paginated). The answer
/// carries each key's value too; only the id is kept.
pub async fn usage_plan_keys(
    session: Session<'_>,
    plan_id: &str,
) -> Result<Vec<String>, CallFailure> {
    let items = rest_items!(session, "apigateway:GetUsagePlanKeys", |client| {
        client.get_usage_plan_keys().usage_plan_id(plan_id)
    })?;
    Ok(items
        .iter()
        .filter_map(|k| k.id().map(str::to_string))
        .collect())
}

/// Whether each API key of the region is enabled (`GetApiKeys`, paginated, 500 a page, without
/// values). One listing answers for every plan's keys: at most 20 calls at the Regional quota
/// of 10,000 keys, where `GetApiKey` would cost a call for every key of every plan read.
pub async fn api_keys(session: Session<'_>) -> Result<Vec<ApiKey>, CallFailure> {
    let items = rest_items!(session, "apigateway:GetApiKeys", |client| {
        client.get_api_keys().include_values(false)
    })?;
    Ok(items
        .iter()
        .filter_map(|k| {
            k.id().map(|id| ApiKey {
                id: id.to_string(),
                enabled: k.enabled(),
            })
        })
        .collect())
}

/// API Gateway's account settings in this region (the CloudWatch Logs role).
pub async fn account(session: Session<'_>) -> Result<AccountSettings, CallFailure> {
    let out = session
        .call(
            "apigateway:GetAccount",
            session.aws.apigateway.get_account().send(),
        )
        .await?;
    Ok(AccountSettings {
        cloudwatch_role_arn: out
            .cloudwatch_role_arn()
            .filter(|r| !r.is_empty())
            .map(str::to_string),
    })
}

/// Every resource of a REST API with its methods and their integrations (paginated;
/// `GetResources` has its own quota).
pub async fn resources(session: Session<'_>, api_id: &str) -> Result<Vec<Resource>, CallFailure> {
    let items = rest_items!(session, "apigateway:GetResources", |client| {
        client.get_resources().rest_api_id(api_id).embed("methods")
    })?;
    Ok(items
        .iter()
        .map(|r| {
            let mut methods: Vec<Method> = r
                .resource_methods()
                .into_iter()
                .flatten()
                .map(|(verb, m)| Method {
                    http_method: m.http_method().unwrap_or(verb).to_string(),
                    authorization_type: m.authorization_type().unwrap_or("NONE").to_string(),
                    integration: m.method_integration().map(|i| MethodIntegration {
                        connection_type: i.connection_type().map(|t| t.as_str().to_string()),
                        connection_id: i.connection_id().map(str::to_string),
                        uri: i.uri().map(str::to_string),
                        integration_target: i.integration_target().map(str::to_string),
                    }),
                })
                .collect();
            methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
            Resource {
                id: r.id().map(str::to_string),
                path: r.path().unwrap_or("/").to_string(),
                methods,
            }
        })
        .collect())
}

/// The connection id of one method's integration, read again (`recreate_vpc_link`).
pub async fn integration_connection(
    session: Session<'_>,
    api_id: &str,
    resource_id: &str,
    http_method: &str,
) -> Result<Option<String>, CallFailure> {
    let out = session
        .call(
            "apigateway:GetIntegration",
            session
                .aws
                .apigateway
                .get_integration()
                .rest_api_id(api_id)
                .resource_id(resource_id)
                .http_method(http_method)
                .send(),
        )
        .await?;
    Ok(out.connection_id().map(str::to_string))
}

/// The calls that can change a REST API's resource policy (see `intake::history_evidence`).
const POLICY_CALLS: [&str; 2] = ["UpdateRestApi", "PutRestApi"];

/// What CloudTrail's event history says about REST API `api_id`'s resource policy since `since`
/// (epoch seconds): see [`trail::last_change`].
pub async fn last_policy_change(
    session: Session<'_>,
    api_id: &str,
    since: i64,
) -> Result<Option<ChangeHistory>, CallFailure> {
    let history = trail::last_change(session, &POLICY_CALLS, since, |call, record| {
        crate::intake::history_evidence(call, record, api_id)
    })
    .await?;
    Ok(Some(history))
}
