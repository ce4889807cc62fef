//! POLICY_DENIES_VPC_ENDPOINT and VPC_ENDPOINT_POLICY_DENIES: the API's resource policy and the
//! endpoint's own policy, evaluated for `execute-api:Invoke` on every deployed method, per way in.

use super::private_api::NamedInPolicy;
use crate::catalog::Severity;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::policy::{self, Decision, Evaluation, PolicyDocument, Principal, RequestContext};
use crate::snapshot::{RestApi, Snapshot, VpcEndpoint};
use serde_json::{json, Value};

const INVOKE: &str = "execute-api:Invoke";

/// One method call to evaluate: the ARN API Gateway authorizes and who is calling.
struct MethodCall {
    method: String,
    path: String,
    authorization: String,
    arn: String,
}

impl MethodCall {
    /// Methods without IAM authorization reach the policy as anonymous callers; IAM-signed ones
    /// are evaluated as a principal of the API's own account.
    fn principal(&self, account: &str) -> Principal {
        if self.authorization == "AWS_IAM" {
            Principal::aws(format!("arn:aws:iam::{account}:role/caller"))
        } else {
            Principal::Anonymous
        }
    }
}

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let Some(account) = snapshot.account.as_deref() else {
        return Vec::new();
    };
    if !snapshot.network_read || snapshot.read_failed("ec2:DescribeVpcEndpoints") {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for api in snapshot.rest_apis.iter().filter(|a| a.is_private()) {
        let Some(text) = api.policy.as_deref() else {
            continue;
        };
        let ways_in = ways_in(snapshot, api, incident);
        let document = match policy::parse_policy(text) {
            Ok(document) => document,
            Err(error) => {
                findings.push(
                    Finding::new(
                        "POLICY_DENIES_VPC_ENDPOINT",
                        format!(
                            "The resource policy of API {} cannot be evaluated: {error}.",
                            api.id
                        ),
                    )
                    .severity(Severity::Warning)
                    .api(&api.id)
                    .resource(&api.id)
                    .evidence(json!({ "undecided": [error.to_string()], "policy": text })),
                );
                continue;
            }
        };
        for stage in &api.stages {
            let calls = method_calls(snapshot, api, &stage.name, account, incident);
            for endpoint in &ways_in {
                findings.extend(resource_policy(
                    api,
                    &stage.name,
                    &document,
                    endpoint,
                    &calls,
                    account,
                    incident,
                ));
            }
        }
        for endpoint in &ways_in {
            let calls: Vec<MethodCall> = api
                .stages
                .iter()
                .flat_map(|s| method_calls(snapshot, api, &s.name, account, incident))
                .collect();
            findings.extend(endpoint_policy(api, endpoint, &calls, account, incident));
        }
    }
    findings
}

/// Every available execute-api endpoint a request can come through: those the API names
/// (endpoint configuration, aws:SourceVpce, endpoints in aws:SourceVpc VPCs) and those in the
/// client's VPC.
fn ways_in<'a>(snapshot: &'a Snapshot, api: &RestApi, incident: &Incident) -> Vec<&'a VpcEndpoint> {
    let named = NamedInPolicy::of(api);
    let client_vpc = incident.client.as_ref().and_then(|c| c.vpc_id.as_deref());
    snapshot
        .execute_api_endpoints()
        .filter(|e| e.is_available())
        .filter(|e| {
            named.endpoints.iter().any(|(id, _)| *id == e.id)
                || named.vpcs.contains(&e.vpc_id)
                || client_vpc == Some(e.vpc_id.as_str())
        })
        .collect()
}

/// The methods of a stage as ARNs: the request's method and path when the event gives one,
/// else every method of the API's current definition.
fn method_calls(
    snapshot: &Snapshot,
    api: &RestApi,
    stage: &str,
    account: &str,
    incident: &Incident,
) -> Vec<MethodCall> {
    let arn = |method: &str, path: &str| {
        let verb = if method == "ANY" { "*" } else { method };
        format!(
            "arn:aws:execute-api:{}:{account}:{}/{stage}/{verb}/{}",
            snapshot.region,
            api.id,
            path.trim_start_matches('/')
        )
    };
    let all: Vec<MethodCall> = api
        .resources
        .iter()
        .flat_map(|r| {
            r.methods.iter().map(|m| MethodCall {
                method: m.http_method.clone(),
                path: r.path.clone(),
                authorization: m.authorization_type.clone(),
                arn: arn(&m.http_method, &r.path),
            })
        })
        .collect();
    let requested = incident.request.as_ref().and_then(|request| {
        let uri = request.url.as_deref()?.parse::<http::Uri>().ok()?;
        let rest = uri.path().strip_prefix('/')?.strip_prefix(stage)?;
        let path = if rest.is_empty() { "/" } else { rest };
        Some((
            request
                .method
                .clone()
                .unwrap_or_else(|| "GET".to_string())
                .to_ascii_uppercase(),
            path.to_string(),
        ))
    });
    match requested {
        Some((method, path)) => {
            let authorization = all
                .iter()
                .find(|c| c.path == path && (c.method == method || c.method == "ANY"))
                .map_or_else(|| "NONE".to_string(), |c| c.authorization.clone());
            vec![MethodCall {
                arn: arn(&method, &path),
                method,
                path,
                authorization,
            }]
        }
        None => all,
    }
}

fn context(
    call: &MethodCall,
    endpoint: &VpcEndpoint,
    account: &str,
    incident: &Incident,
) -> RequestContext {
    let mut context = RequestContext::new(INVOKE, call.arn.clone(), call.principal(account))
        .with_key("aws:SourceVpce", endpoint.id.clone())
        .with_key("aws:SourceVpc", endpoint.vpc_id.clone());
    if let Some(ip) = incident.client.as_ref().and_then(|c| c.source_ip.clone()) {
        context = context.with_key("aws:VpcSourceIp", ip);
    }
    context
}

fn context_evidence(
    call: &MethodCall,
    endpoint: &VpcEndpoint,
    account: &str,
    incident: &Incident,
) -> Value {
    let context = context(call, endpoint, account, incident);
    json!({
        "action": context.action,
        "resource": context.resource,
        "principal": match &context.principal {
            Principal::Anonymous => "anonymous".to_string(),
            Principal::Aws { arn, .. } => arn.clone(),
        },
        "keys": context.keys,
    })
}

/// Denied and undecided methods of one evaluation run, with the first denial kept for evidence.
#[derive(Default)]
struct Verdicts<'a> {
    denied: Vec<(&'a MethodCall, Evaluation)>,
    undecided: Vec<(&'a MethodCall, Evaluation)>,
}

impl<'a> Verdicts<'a> {
    fn of(calls: &'a [MethodCall], evaluate: impl Fn(&MethodCall) -> Evaluation) -> Self {
        let mut verdicts = Verdicts::default();
        for call in calls {
            let evaluation = evaluate(call);
            match evaluation.decision {
                Decision::Allow => {}
                Decision::ExplicitDeny | Decision::ImplicitDeny => {
                    verdicts.denied.push((call, evaluation))
                }
                Decision::Unknown => verdicts.undecided.push((call, evaluation)),
            }
        }
        verdicts
    }

    fn methods(list: &[(&MethodCall, Evaluation)]) -> Vec<Value> {
        list.iter()
            .map(|(call, e)| {
                json!({
                    "method": call.method, "path": call.path, "authorization": call.authorization,
                    "arn": call.arn, "decision": e.decision, "statement": e.statement,
                })
            })
            .collect()
    }

    fn undecided_reasons(&self) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .undecided
            .iter()
            .flat_map(|(_, e)| e.undecided.clone())
            .collect();
        reasons.sort();
        reasons.dedup();
        reasons
    }
}

fn names(list: &[(&MethodCall, Evaluation)]) -> String {
    let mut names: Vec<String> = list
        .iter()
        .map(|(c, _)| format!("{} {}", c.method, c.path))
        .collect();
    names.dedup();
    names.join(", ")
}

fn resource_policy(
    api: &RestApi,
    stage: &str,
    document: &PolicyDocument,
    endpoint: &VpcEndpoint,
    calls: &[MethodCall],
    account: &str,
    incident: &Incident,
) -> Option<Finding> {
    let verdicts = Verdicts::of(calls, |call| {
        policy::evaluate(document, &context(call, endpoint, account, incident))
    });
    let (first_call, _) = verdicts.denied.first().or(verdicts.undecided.first())?;
    let evidence = |change: Option<String>| {
        json!({
            "vpc_endpoint_id": endpoint.id,
            "vpc_id": endpoint.vpc_id,
            "stage": stage,
            "denied_methods": Verdicts::methods(&verdicts.denied),
            "undecided_methods": Verdicts::methods(&verdicts.undecided),
            "undecided": verdicts.undecided_reasons(),
            "context": context_evidence(first_call, endpoint, account, incident),
            "smallest_change": change,
        })
    };
    let finding = match verdicts.denied.first() {
        Some((call, evaluation)) => Finding::new(
            "POLICY_DENIES_VPC_ENDPOINT",
            format!(
                "The resource policy of API {} denies execute-api:Invoke through {} on stage {stage} for {} ({}).",
                api.id,
                endpoint.id,
                names(&verdicts.denied),
                describe_decision(evaluation)
            ),
        )
        .evidence(evidence(Some(smallest_change(evaluation, call, endpoint)))),
        None => Finding::new(
            "POLICY_DENIES_VPC_ENDPOINT",
            format!(
                "Whether the resource policy of API {} allows {} through {} on stage {stage} cannot be decided: {}.",
                api.id,
                names(&verdicts.undecided),
                endpoint.id,
                verdicts.undecided_reasons().join("; ")
            ),
        )
        .severity(Severity::Warning)
        .evidence(evidence(None)),
    };
    Some(
        finding
            .api(&api.id)
            .stage(Some(stage))
            .resource(&endpoint.id),
    )
}

fn endpoint_policy(
    api: &RestApi,
    endpoint: &VpcEndpoint,
    calls: &[MethodCall],
    account: &str,
    incident: &Incident,
) -> Option<Finding> {
    let text = endpoint.policy.as_deref()?;
    let base = |summary: String| {
        Finding::new("VPC_ENDPOINT_POLICY_DENIES", summary)
            .api(&api.id)
            .resource(&endpoint.id)
    };
    let document = match policy::parse_policy(text) {
        Ok(document) => document,
        Err(error) => {
            return Some(
                base(format!("The policy of {} cannot be evaluated: {error}.", endpoint.id))
                    .severity(Severity::Warning)
                    .evidence(json!({ "vpc_endpoint_id": endpoint.id, "undecided": [error.to_string()], "policy": text })),
            )
        }
    };
    let verdicts = Verdicts::of(calls, |call| {
        policy::evaluate(&document, &context(call, endpoint, account, incident))
    });
    let (first_call, _) = verdicts.denied.first().or(verdicts.undecided.first())?;
    let evidence = json!({
        "vpc_endpoint_id": endpoint.id,
        "denied_methods": Verdicts::methods(&verdicts.denied),
        "undecided_methods": Verdicts::methods(&verdicts.undecided),
        "undecided": verdicts.undecided_reasons(),
        "context": context_evidence(first_call, endpoint, account, incident),
        "endpoint_policy": serde_json::from_str::<Value>(text).unwrap_or(Value::String(text.to_string())),
    });
    Some(match verdicts.denied.first() {
        Some((_, evaluation)) => base(format!(
            "The policy of VPC endpoint {} does not allow execute-api:Invoke on API {} for {} ({}).",
            endpoint.id,
            api.id,
            names(&verdicts.denied),
            describe_decision(evaluation)
        ))
        .evidence(evidence),
        None => base(format!(
            "Whether the policy of VPC endpoint {} allows {} on API {} cannot be decided: {}.",
            endpoint.id,
            names(&verdicts.undecided),
            api.id,
            verdicts.undecided_reasons().join("; ")
        ))
        .severity(Severity::Warning)
        .evidence(evidence),
    })
}

fn describe_decision(evaluation: &Evaluation) -> String {
    match (&evaluation.decision, &evaluation.statement) {
        (Decision::ExplicitDeny, Some(statement)) => {
            format!("explicit Deny in statement '{statement}'")
        }
        (Decision::ExplicitDeny, None) => "explicit Deny".to_string(),
        _ => "no statement allows it".to_string(),
    }
}

/// The smallest edit that would let the call through, from the evaluation's condition misses.
fn smallest_change(evaluation: &Evaluation, call: &MethodCall, endpoint: &VpcEndpoint) -> String {
    let value_for = |key: &str| match key.to_ascii_lowercase().as_str() {
        "aws:sourcevpce" => Some(endpoint.id.as_str()),
        "aws:sourcevpc" => Some(endpoint.vpc_id.as_str()),
        _ => None,
    };
    if let Some(miss) = evaluation
        .misses
        .iter()
        .find(|m| value_for(&m.key).is_some())
    {
        let value = value_for(&miss.key).unwrap_or_default();
        return format!(
            "add {value} to {} in statement '{}'",
            miss.key, miss.statement
        );
    }
    match (&evaluation.decision, evaluation.misses.first()) {
        (Decision::ExplicitDeny, _) => format!(
            "narrow Deny statement '{}' so that it no longer matches {} through {}",
            evaluation.statement.as_deref().unwrap_or("?"),
            call.arn,
            endpoint.id
        ),
        (_, Some(miss)) => format!(
            "statement '{}' requires {} {} {:?}; the request has {}",
            miss.statement,
            miss.key,
            miss.operator,
            miss.expected,
            miss.actual.as_ref().map_or_else(|| "no value".to_string(), |a| format!("{a:?}"))
        ),
        (_, None) => format!(
            "add a statement: Effect Allow, Principal \"*\", Action execute-api:Invoke, Resource {}, Condition StringEquals aws:SourceVpce {}",
            call.arn, endpoint.id
        ),
    }
}
