//! Reads REST APIs (API Gateway v1): the API, its stages, deployments and resources, and the
//! account settings.

use crate::aws::{CallFailure, Scanned, Session};
use crate::snapshot::{
    AccountSettings, Deployment, HistoryLimit, HistoryLimitReason, Method, PolicyChange,
    PolicyHistory, Resource, RestApi, RestStage,
};
use std::collections::{BTreeMap, HashMap};

fn epoch(time: Option<&aws_smithy_types::DateTime>) -> Option<i64> {
    time.map(aws_smithy_types::DateTime::secs)
}

fn tags(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

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
        }
    }};
}

/// Every REST API in the region (paginated).
pub async fn list_apis(session: Session<'_>) -> Result<Vec<RestApi>, CallFailure> {
    let client = &session.aws.apigateway;
    let pages = session
        .paginate(
            "apigateway:GetRestApis",
            |position| {
                client
                    .get_rest_apis()
                    .limit(500)
                    .set_position(position)
                    .send()
            },
            |page| page.position(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.items())
        .map(|api| rest_api!(api, ""))
        .collect())
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
        })
        .collect())
}

/// Every deployment of a REST API (paginated), for "changed after the last deployment".
pub async fn deployments(
    session: Session<'_>,
    api_id: &str,
) -> Result<Vec<Deployment>, CallFailure> {
    let client = &session.aws.apigateway;
    let pages = session
        .paginate(
            "apigateway:GetDeployments",
            |position| {
                client
                    .get_deployments()
                    .rest_api_id(api_id)
                    .limit(500)
                    .set_position(position)
                    .send()
            },
            |page| page.position(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.items())
        .map(|d| Deployment {
            id: d.id().unwrap_or_default().to_string(),
            description: d
                .description()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            created_date: epoch(d.created_date()),
            api_summary: None,
        })
        .collect())
}

/// What one deployment serves: path → methods (`embed=apisummary`).
pub async fn deployment_summary(
    session: Session<'_>,
    api_id: &str,
    deployment_id: &str,
) -> Result<BTreeMap<String, Vec<String>>, CallFailure> {
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
    Ok(out
        .api_summary()
        .into_iter()
        .flatten()
        .map(|(path, methods)| {
            let mut methods: Vec<String> = methods.keys().cloned().collect();
            methods.sort();
            (path.clone(), methods)
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

/// Every resource of a REST API with its methods (paginated; `GetResources` has its own quota).
pub async fn resources(session: Session<'_>, api_id: &str) -> Result<Vec<Resource>, CallFailure> {
    let client = &session.aws.apigateway;
    let pages = session
        .paginate(
            "apigateway:GetResources",
            |position| {
                client
                    .get_resources()
                    .rest_api_id(api_id)
                    .embed("methods")
                    .limit(500)
                    .set_position(position)
                    .send()
            },
            |page| page.position(),
        )
        .await?;
    Ok(pages
        .iter()
        .flat_map(|page| page.items())
        .map(|r| {
            let mut methods: Vec<Method> = r
                .resource_methods()
                .into_iter()
                .flatten()
                .map(|(verb, m)| Method {
                    http_method: m.http_method().unwrap_or(verb).to_string(),
                    authorization_type: m.authorization_type().unwrap_or("NONE").to_string(),
                })
                .collect();
            methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
            Resource {
                path: r.path().unwrap_or("/").to_string(),
                methods,
            }
        })
        .collect())
}

/// Pages of events (50 each, newest first) read per call name before giving up.
const POLICY_LOOKUP_PAGES: usize = 10;
/// CloudTrail's event history holds the last 90 days of management events
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html).
const EVENT_HISTORY_SECONDS: i64 = 90 * 24 * 60 * 60;
/// The calls that can change a REST API's resource policy (see `intake::history_evidence`).
const POLICY_CALLS: [&str; 2] = ["UpdateRestApi", "PutRestApi"];

/// What CloudTrail's event history says about REST API `api_id`'s resource policy since `since`
/// (epoch seconds): the newest change, the calls whose patch could not be read, and how far back
/// the history reached. Looked up by event name (the API id is in the request, whatever
/// CloudTrail names as resource), newest first, each name stopping at its first change to this
/// API. Reaching neither back to `since` (90-day retention, page cap) nor reading a patch is a
/// note for the checks, never a failed read.
pub async fn last_policy_change(
    session: Session<'_>,
    api_id: &str,
    since: i64,
) -> Result<Option<PolicyHistory>, CallFailure> {
    let horizon = chrono::Utc::now().timestamp() - EVENT_HISTORY_SECONDS;
    let from = since.max(horizon);
    let mut history = PolicyHistory {
        limit: (since < horizon).then_some(HistoryLimit {
            read_back_to: horizon,
            reason: HistoryLimitReason::Retention,
        }),
        ..PolicyHistory::default()
    };
    for call in POLICY_CALLS {
        let calls = policy_calls(session, call, api_id, from).await?;
        merge(&mut history, calls);
    }
    let newest = history.newest.as_ref().map_or(i64::MIN, |c| c.event_time);
    history.unreadable.retain(|c| c.event_time > newest);
    history
        .unreadable
        .sort_by_key(|c| std::cmp::Reverse(c.event_time));
    if let Some(limit) = &history.limit {
        tracing::warn!(
            api_id,
            read_back_to = limit.read_back_to,
            reason = ?limit.reason,
            "CloudTrail history not read back to the oldest deployment in use"
        );
    }
    Ok(Some(history))
}

/// What one call name's events say about the policy: the newest change, the unreadable calls
/// newer than it, and where the lookup stopped when it hit the page cap.
#[derive(Default)]
struct PolicyCalls {
    change: Option<PolicyChange>,
    unreadable: Vec<PolicyChange>,
    capped_at: Option<i64>,
}

/// Adds what one call name's events showed: the newer change wins, the later cut stays.
fn merge(history: &mut PolicyHistory, calls: PolicyCalls) {
    if calls.change.as_ref().map(|c| c.event_time) > history.newest.as_ref().map(|c| c.event_time) {
        history.newest = calls.change;
    }
    history.unreadable.extend(calls.unreadable);
    if let Some(read_back_to) = calls.capped_at {
        if history
            .limit
            .as_ref()
            .is_none_or(|limit| limit.read_back_to < read_back_to)
        {
            history.limit = Some(HistoryLimit {
                read_back_to,
                reason: HistoryLimitReason::PageCap,
            });
        }
    }
}

/// `call` events since `from`, newest first, until the first change to `api_id`'s policy.
async fn policy_calls(
    session: Session<'_>,
    call: &str,
    api_id: &str,
    from: i64,
) -> Result<PolicyCalls, CallFailure> {
    use crate::intake::{history_evidence, PolicyEvidence};
    use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
    const STEP: &str = "cloudtrail:LookupEvents";
    let by_name = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value(call)
        .build()
        .map_err(|e| CallFailure {
            step: STEP.to_string(),
            kind: crate::aws::FailureKind::Other,
            code: "InvalidRequest".to_string(),
            detail: e.to_string(),
        })?;
    let client = &session.aws.cloudtrail;
    let mut calls = PolicyCalls::default();
    let mut oldest_read: Option<i64> = None;
    let scanned = session
        .scan(
            STEP,
            |token| {
                client
                    .lookup_events()
                    .lookup_attributes(by_name.clone())
                    .start_time(aws_smithy_types::DateTime::from_secs(from))
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            POLICY_LOOKUP_PAGES,
            |page| {
                page.events().iter().find_map(|event| {
                    let record = policy_change(call, event, from);
                    oldest_read =
                        Some(oldest_read.map_or(record.event_time, |t| t.min(record.event_time)));
                    let evidence = history_evidence(
                        call,
                        event.cloud_trail_event().unwrap_or_default(),
                        api_id,
                    )?;
                    match evidence {
                        PolicyEvidence::Changed => Some(record),
                        PolicyEvidence::Unreadable => {
                            calls.unreadable.push(record);
                            None
                        }
                        PolicyEvidence::Unchanged => None,
                    }
                })
            },
        )
        .await?;
    match scanned {
        Scanned::Found(change) => calls.change = Some(change),
        Scanned::Exhausted => {}
        // Pages without events tell nothing: then nothing was seen back from now.
        Scanned::Capped => {
            calls.capped_at = Some(oldest_read.unwrap_or_else(|| chrono::Utc::now().timestamp()));
        }
    }
    Ok(calls)
}

/// The event as a record of a `call` (its time defaults to `from`, where the lookup started).
fn policy_change(call: &str, event: &aws_sdk_cloudtrail::types::Event, from: i64) -> PolicyChange {
    PolicyChange {
        event_name: call.to_string(),
        event_id: event.event_id().unwrap_or_default().to_string(),
        event_time: event.event_time().map_or(from, |t| t.secs()),
        user: event.username().map(str::to_string),
    }
}
