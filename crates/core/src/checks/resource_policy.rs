//! Emits: POLICY_DENIES_VPC_ENDPOINT, VPC_ENDPOINT_POLICY_DENIES.
//! The API's resource policy and the endpoint's own policy, evaluated for `execute-api:Invoke`
//! on every deployed method, per way in.

use super::private_api::NamedInPolicy;
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::partition::Partition;
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
    fn principal(&self, partition: &Partition<'_>, account: &str) -> Principal {
        if self.authorization == "AWS_IAM" {
            Principal::aws(partition.global_arn("iam", account, "role/caller"))
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
    let probe = Probe {
        partition: snapshot.partition(),
        account,
        incident,
    };
    let mut findings = Vec::new();
    for api in snapshot.rest_apis.iter().filter(|a| a.is_private()) {
        let Some(text) = api.policy.as_deref() else {
            continue;
        };
        let document = match policy::parse_policy(text) {
            Ok(document) => document,
            Err(error) => {
                findings.push(
                    unreadable(Code::PolicyDeniesVpcEndpoint, &api.id, text, &error)
                        .api(&api.id)
                        .resource(&api.id),
                );
                continue;
            }
        };
        let named = NamedInPolicy::from_document(api, Some(&document));
        let stage_calls: Vec<(&str, Vec<MethodCall>)> = api
            .stages
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    method_calls(snapshot, api, &s.name, account, incident),
                )
            })
            .collect();
        let all_calls: Vec<&MethodCall> = stage_calls.iter().flat_map(|(_, c)| c).collect();
        for endpoint in ways_in(snapshot, &named, incident) {
            for (stage, calls) in &stage_calls {
                let verdicts =
                    Verdicts::of(calls, |call| probe.evaluate(&document, call, endpoint));
                findings.extend(
                    probe
                        .finding(Gate::ResourcePolicy, api, endpoint, &verdicts)
                        .map(|f| f.stage(Some(stage))),
                );
            }
            findings.extend(endpoint_policy(&probe, api, endpoint, &all_calls));
        }
    }
    findings
}

/// Every available execute-api endpoint a request can come through: those the API names
/// (endpoint configuration, aws:SourceVpce, endpoints in aws:SourceVpc VPCs) and those in the
/// client's VPC.
fn ways_in<'a>(
    snapshot: &'a Snapshot,
    named: &NamedInPolicy,
    incident: &Incident,
) -> Vec<&'a VpcEndpoint> {
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
        snapshot.partition().arn(
            "execute-api",
            account,
            &format!("{}/{stage}/{verb}/{}", api.id, path.trim_start_matches('/')),
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

/// What stays fixed while methods are evaluated: the partition, the account and the incident.
struct Probe<'a> {
    partition: Partition<'a>,
    account: &'a str,
    incident: &'a Incident,
}

/// Which policy stands in the way: the API's resource policy or the endpoint's own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    ResourcePolicy,
    EndpointPolicy,
}

impl Probe<'_> {
    fn context(&self, call: &MethodCall, endpoint: &VpcEndpoint) -> RequestContext {
        let mut context = RequestContext::new(
            INVOKE,
            call.arn.clone(),
            call.principal(&self.partition, self.account),
        )
        .with_key("aws:SourceVpce", endpoint.id.clone())
        .with_key("aws:SourceVpc", endpoint.vpc_id.clone());
        if let Some(ip) = self
            .incident
            .client
            .as_ref()
            .and_then(|c| c.source_ip.clone())
        {
            context = context.with_key("aws:VpcSourceIp", ip);
        }
        context
    }

    fn evaluate(
        &self,
        document: &PolicyDocument,
        call: &MethodCall,
        endpoint: &VpcEndpoint,
    ) -> Evaluation {
        policy::evaluate(document, &self.context(call, endpoint))
    }

    fn context_evidence(&self, call: &MethodCall, endpoint: &VpcEndpoint) -> Value {
        let context = self.context(call, endpoint);
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

    /// One finding for the denied methods (error) or, when none is denied, the undecided ones
    /// (warning); `None` when every method is allowed.
    fn finding(
        &self,
        gate: Gate,
        api: &RestApi,
        endpoint: &VpcEndpoint,
        verdicts: &Verdicts,
    ) -> Option<Finding> {
        let (first_call, _) = verdicts.denied.first().or(verdicts.undecided.first())?;
        let (code, policy_name) = match gate {
            Gate::ResourcePolicy => (
                Code::PolicyDeniesVpcEndpoint,
                format!("the resource policy of API {}", api.id),
            ),
            Gate::EndpointPolicy => (
                Code::VpcEndpointPolicyDenies,
                format!("the policy of VPC endpoint {}", endpoint.id),
            ),
        };
        let mut evidence = json!({
            "vpc_endpoint_id": endpoint.id,
            "vpc_id": endpoint.vpc_id,
            "denied_methods": Verdicts::methods(&verdicts.denied),
            "undecided_methods": Verdicts::methods(&verdicts.undecided),
            "undecided": verdicts.undecided_reasons(),
            "context": self.context_evidence(first_call, endpoint),
        });
        let finding = match verdicts.denied.first() {
            Some((call, evaluation)) => {
                if gate == Gate::ResourcePolicy {
                    evidence["smallest_change"] =
                        json!(smallest_change(evaluation, call, endpoint));
                }
                Finding::new(
                    code,
                    format!(
                        "{} denies execute-api:Invoke on API {} through {} for {} ({}).",
                        capitalized(&policy_name),
                        api.id,
                        endpoint.id,
                        names(&verdicts.denied),
                        describe_decision(evaluation)
                    ),
                )
            }
            None => Finding::new(
                code,
                format!(
                    "Whether {policy_name} allows {} on API {} through {} cannot be decided: {}.",
                    names(&verdicts.undecided),
                    api.id,
                    endpoint.id,
                    verdicts.undecided_reasons().join("; ")
                ),
            )
            .severity(Severity::Warning),
        };
        Some(
            finding
                .api(&api.id)
                .resource(&endpoint.id)
                .evidence(evidence),
        )
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A policy that does not parse: a warning, never a silent pass.
fn unreadable(code: Code, subject: &str, text: &str, error: &policy::PolicyError) -> Finding {
    Finding::new(
        code,
        format!("The policy of {subject} cannot be evaluated: {error}."),
    )
    .severity(Severity::Warning)
    .evidence(json!({ "undecided": [error.to_string()], "policy": text }))
}

/// Denied and undecided methods of one evaluation run.
#[derive(Default)]
struct Verdicts<'a> {
    denied: Vec<(&'a MethodCall, Evaluation)>,
    undecided: Vec<(&'a MethodCall, Evaluation)>,
}

impl<'a> Verdicts<'a> {
    fn of<C>(calls: &'a [C], evaluate: impl Fn(&MethodCall) -> Evaluation) -> Self
    where
        C: std::borrow::Borrow<MethodCall>,
    {
        let mut verdicts = Verdicts::default();
        for call in calls.iter().map(std::borrow::Borrow::borrow) {
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

fn endpoint_policy(
    probe: &Probe,
    api: &RestApi,
    endpoint: &VpcEndpoint,
    calls: &[&MethodCall],
) -> Option<Finding> {
    let text = endpoint.policy.as_deref()?;
    let document = match policy::parse_policy(text) {
        Ok(document) => document,
        Err(error) => {
            return Some(
                unreadable(Code::VpcEndpointPolicyDenies, &endpoint.id, text, &error)
                    .api(&api.id)
                    .resource(&endpoint.id),
            )
        }
    };
    let verdicts = Verdicts::of(calls, |call| probe.evaluate(&document, call, endpoint));
    let mut finding = probe.finding(Gate::EndpointPolicy, api, endpoint, &verdicts)?;
    finding.evidence["endpoint_policy"] =
        serde_json::from_str::<Value>(text).unwrap_or(Value::String(text.to_string()));
    Some(finding)
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
