//! Emits: POLICY_DENIES_VPC_ENDPOINT, VPC_ENDPOINT_POLICY_DENIES.
//! The API's resource policy and the endpoint's own policy, evaluated for `execute-api:Invoke`
//! on every deployed method, per way in.

use super::routing;
use super::ways_in::WaysIn;
use crate::catalog::{Code, Severity};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::policy::{self, Decision, Evaluation, PolicyDocument, Principal, RequestContext};
use crate::snapshot::{RestApi, Snapshot, VpcEndpoint};
use serde_json::{json, Value};

const INVOKE: &str = "execute-api:Invoke";
/// Every undecided reason that depends only on who the IAM caller is says so with these words
/// (the evaluator's own notes for an unidentified principal use them too).
const CALLER_DECIDES: &str = "the caller's identity";

/// One method call to evaluate: the ARN API Gateway authorizes and the method's authorization.
struct MethodCall {
    method: String,
    path: String,
    authorization: String,
    arn: String,
    /// Expanded from an `ANY` method (no request given): one call per verb.
    from_any: bool,
}

/// The verbs an `ANY` method serves, each authorized under its own name in the ARN.
const ANY_VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// How API Gateway combines the resource policy with a method's authorization type
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html>).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Workflow {
    /// `NONE`: the policy alone decides, so an anonymous caller needs an explicit Allow.
    PolicyOnly,
    /// `CUSTOM` (Lambda) and `COGNITO_USER_POOLS`: the policy blocks only by an explicit Deny;
    /// otherwise the authorizer decides.
    Authorizer,
    /// `AWS_IAM`: an explicit Deny blocks; an implicit deny is decided by the caller's identity
    /// policy too (same account: either may allow; another account: both must).
    Iam,
}

impl MethodCall {
    fn workflow(&self) -> Workflow {
        match self.authorization.as_str() {
            "CUSTOM" | "COGNITO_USER_POOLS" => Workflow::Authorizer,
            "AWS_IAM" => Workflow::Iam,
            _ => Workflow::PolicyOnly,
        }
    }
}

/// The signer named by an error message such as "User: arn:aws:sts::…:assumed-role/app/s is not
/// authorized to perform: execute-api:Invoke …"; `None` for "anonymous" or no message.
fn caller_in(message: &str) -> Option<&str> {
    let rest = &message[message.find("User: ")? + "User: ".len()..];
    let arn = rest.split_whitespace().next()?;
    arn.starts_with("arn:").then_some(arn)
}

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let Some(account) = snapshot.account.as_deref() else {
        return Vec::new();
    };
    if !snapshot.endpoints_read() {
        return Vec::new();
    }
    let probe = Probe {
        account,
        incident,
        caller: incident
            .error
            .as_ref()
            .and_then(|e| e.message.as_deref())
            .and_then(caller_in),
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
        let ways = WaysIn::of(snapshot, api, Some(&document), incident);
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
        // With no endpoint to name, the request still comes through some interface endpoint.
        let ways_in: Vec<Option<&VpcEndpoint>> = if ways.endpoints.is_empty() {
            vec![None]
        } else {
            ways.endpoints.iter().copied().map(Some).collect()
        };
        for endpoint in ways_in {
            for (stage, calls) in &stage_calls {
                let verdicts = Verdicts::of(calls, |call| {
                    probe.evaluate(Gate::ResourcePolicy, &document, call, endpoint)
                })
                .settle_templates();
                findings.extend(
                    probe
                        .finding(Gate::ResourcePolicy, api, endpoint, &verdicts)
                        .map(|f| f.stage(Some(stage))),
                );
            }
            if let Some(endpoint) = endpoint {
                findings.extend(endpoint_policy(&probe, api, endpoint, &all_calls));
            }
        }
    }
    findings
}

/// The methods of a stage as ARNs: the request's method and path when the event gives one,
/// else every method of the API's current definition. The request keeps its concrete path in
/// the ARN (that is what API Gateway authorizes) and takes the authorization of the resource
/// that serves it, path parameters included.
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
    // API Gateway authorizes the request's own verb, never `*`, so an `ANY` method is judged
    // verb by verb.
    let all: Vec<MethodCall> = api
        .resources
        .iter()
        .flat_map(|r| {
            r.methods.iter().flat_map(move |m| {
                let from_any = m.http_method == "ANY";
                let verbs: Vec<&str> = if from_any {
                    ANY_VERBS.to_vec()
                } else {
                    vec![m.http_method.as_str()]
                };
                verbs.into_iter().map(move |verb| MethodCall {
                    method: verb.to_string(),
                    path: r.path.clone(),
                    authorization: m.authorization_type.clone(),
                    arn: arn(verb, &r.path),
                    from_any,
                })
            })
        })
        .collect();
    let requested = incident.request.as_ref().and_then(|request| {
        let uri = request.url.as_deref()?.parse::<http::Uri>().ok()?;
        let path = routing::after_stage(uri.path(), stage)?;
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
            // The most specific resource serves the request; on it, the method itself before
            // `ANY` (none: API Gateway answers "Missing Authentication Token").
            let served_by = routing::serving(api.resources.iter().map(|r| r.path.as_str()), &path)
                .and_then(|p| api.resources.iter().find(|r| r.path == p));
            let authorization = served_by
                .and_then(|r| routing::answering(&r.methods, &method, |m| &m.http_method))
                .map_or_else(|| "NONE".to_string(), |m| m.authorization_type.clone());
            vec![MethodCall {
                arn: arn(&method, &path),
                method,
                path,
                authorization,
                from_any: false,
            }]
        }
        None => all,
    }
}

/// What stays fixed while methods are evaluated: the account, the incident and the caller the
/// incident names.
struct Probe<'a> {
    account: &'a str,
    incident: &'a Incident,
    caller: Option<&'a str>,
}

/// Which policy stands in the way: the API's resource policy or the endpoint's own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    ResourcePolicy,
    EndpointPolicy,
}

impl Probe<'_> {
    /// Unsigned (and bearer-token) requests are anonymous; IAM-signed ones are the caller the
    /// incident names, else a caller whose identity is not known.
    fn principal(&self, call: &MethodCall) -> Principal {
        match (call.workflow(), self.caller) {
            (Workflow::Iam, Some(arn)) => Principal::aws(arn),
            (Workflow::Iam, None) => Principal::Unidentified,
            _ => Principal::Anonymous,
        }
    }

    /// The request as an interface endpoint delivers it: `aws:SourceVpce`, `aws:SourceVpc` and
    /// `aws:VpcSourceIp` always present (unknown when not given), and no `aws:SourceIp`, which
    /// requests through a VPC endpoint do not carry
    /// (<https://repost.aws/knowledge-center/iam-restrict-access-policy>).
    fn context(&self, call: &MethodCall, endpoint: Option<&VpcEndpoint>) -> RequestContext {
        let mut context = RequestContext::new(INVOKE, call.arn.clone(), self.principal(call));
        context = match endpoint {
            Some(endpoint) => context
                .with_key("aws:SourceVpce", endpoint.id.clone())
                .with_key("aws:SourceVpc", endpoint.vpc_id.clone()),
            None => context
                .with_unknown_key("aws:SourceVpce")
                .with_unknown_key("aws:SourceVpc"),
        };
        match self
            .incident
            .client
            .as_ref()
            .and_then(|c| c.source_ip.clone())
        {
            Some(ip) => context.with_key("aws:VpcSourceIp", ip),
            None => context.with_unknown_key("aws:VpcSourceIp"),
        }
    }

    /// The policy's answer as it stands in the method's authorization workflow. The endpoint
    /// policy runs before any authorizer, so there an unsigned caller always needs an Allow.
    fn evaluate(
        &self,
        gate: Gate,
        document: &PolicyDocument,
        call: &MethodCall,
        endpoint: Option<&VpcEndpoint>,
    ) -> Evaluation {
        let context = self.context(call, endpoint);
        match (gate, call.workflow()) {
            (Gate::ResourcePolicy, Workflow::Authorizer) => {
                policy::evaluate_denies(document, &context)
            }
            (Gate::ResourcePolicy, Workflow::Iam) => {
                let mut evaluation = policy::evaluate(document, &context);
                if evaluation.decision == Decision::ImplicitDeny && !self.caller_elsewhere() {
                    evaluation.decision = Decision::Unknown;
                    evaluation.undecided.push(match self.caller {
                        Some(arn) => format!("no statement allows {arn}, but for a caller of the API's own account {CALLER_DECIDES} policy may allow it (AWS_IAM)"),
                        None => format!("no statement allows the caller, so {CALLER_DECIDES} and its policy decide (AWS_IAM; name the caller to decide)"),
                    });
                }
                evaluation
            }
            _ => policy::evaluate(document, &context),
        }
    }

    /// Whether the incident names a caller from another account: then the resource policy must
    /// allow it as well as the caller's identity policy.
    fn caller_elsewhere(&self) -> bool {
        match self.caller.map(Principal::aws) {
            Some(Principal::Aws { account, .. }) => !account.is_empty() && account != self.account,
            _ => false,
        }
    }

    fn context_evidence(&self, call: &MethodCall, endpoint: Option<&VpcEndpoint>) -> Value {
        let context = self.context(call, endpoint);
        json!({
            "action": context.action,
            "resource": context.resource,
            "authorization": call.authorization,
            "principal": match &context.principal {
                Principal::Anonymous => "anonymous".to_string(),
                Principal::Unidentified => "a signed caller whose identity is not known".to_string(),
                Principal::Aws { arn, .. } => arn.clone(),
            },
            "keys": context.keys,
            "unknown_keys": context.unknown,
        })
    }

    /// One finding for the denied methods (error) or, when none is denied, the undecided ones
    /// (warning); `None` when every method is allowed.
    fn finding(
        &self,
        gate: Gate,
        api: &RestApi,
        endpoint: Option<&VpcEndpoint>,
        verdicts: &Verdicts,
    ) -> Option<Finding> {
        let (first_call, _) = verdicts.denied.first().or(verdicts.undecided.first())?;
        let through = endpoint.map_or("any VPC endpoint", |e| e.id.as_str());
        let (code, policy_name) = match gate {
            Gate::ResourcePolicy => (
                Code::PolicyDeniesVpcEndpoint,
                format!("the resource policy of API {}", api.id),
            ),
            Gate::EndpointPolicy => (
                Code::VpcEndpointPolicyDenies,
                format!("the policy of VPC endpoint {through}"),
            ),
        };
        let mut evidence = json!({
            "vpc_endpoint_id": endpoint.map(|e| &e.id),
            "vpc_id": endpoint.map(|e| &e.vpc_id),
            "denied_methods": Verdicts::methods(&verdicts.denied),
            "undecided_methods": Verdicts::methods(&verdicts.undecided),
            "undecided": verdicts.undecided_reasons(),
            "undecided_by_caller_only": verdicts.undecided_by_caller_only(),
            "context": self.context_evidence(first_call, endpoint),
        });
        let finding = match verdicts.denied.first() {
            Some((call, evaluation)) => {
                if gate == Gate::ResourcePolicy {
                    evidence["smallest_change"] =
                        json!(smallest_change(evaluation, call, endpoint, through));
                }
                Finding::new(
                    code,
                    format!(
                        "{} denies execute-api:Invoke on API {} through {through} for {} ({}).",
                        capitalized(&policy_name),
                        api.id,
                        names(&verdicts.denied),
                        describe_decision(evaluation)
                    ),
                )
            }
            None => Finding::new(
                code,
                format!(
                    "Whether {policy_name} allows {} on API {} through {through} cannot be decided: {}.",
                    names(&verdicts.undecided),
                    api.id,
                    verdicts.undecided_reasons().join("; ")
                ),
            )
            .severity(Severity::Warning),
        };
        Some(
            finding
                .api(&api.id)
                .resource(endpoint.map_or(&api.id, |e| &e.id))
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

    /// Judgements of templates rather than of a request: an `ANY` method whose verbs are only
    /// partly denied, and a path with parameters that no Allow statement's Resource matched as
    /// written (a policy may name concrete paths one by one), are undecided, not denied.
    fn settle_templates(mut self) -> Self {
        let denied = std::mem::take(&mut self.denied);
        let verbs_denied = |path: &str| {
            denied
                .iter()
                .filter(|(c, _)| c.from_any && c.path == path)
                .count()
        };
        for (call, mut evaluation) in denied.iter().cloned() {
            let partly_denied_any = call.from_any && verbs_denied(&call.path) < ANY_VERBS.len();
            let template_unmatched = call.path.contains('{')
                && evaluation.decision == Decision::ImplicitDeny
                && evaluation.misses.is_empty();
            let reason = if partly_denied_any {
                Some(format!(
                    "ANY {}: {} is denied while other methods are allowed",
                    call.path, call.method
                ))
            } else if template_unmatched {
                Some(format!(
                    "{} {} has path parameters and no Allow names it as written: a concrete path may be allowed",
                    call.method, call.path
                ))
            } else {
                None
            };
            match reason {
                Some(reason) => {
                    evaluation.decision = Decision::Unknown;
                    evaluation.undecided.push(reason);
                    self.undecided.push((call, evaluation));
                }
                None => self.denied.push((call, evaluation)),
            }
        }
        self
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

    /// Whether every undecided answer depends only on who the IAM caller is: deploying the
    /// policy does not change that, so such a warning does not hold a redeploy back.
    fn undecided_by_caller_only(&self) -> bool {
        let reasons = self.undecided_reasons();
        !reasons.is_empty() && reasons.iter().all(|r| r.contains(CALLER_DECIDES))
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
        .map(|(c, _)| {
            let method = if c.from_any { "ANY" } else { &c.method };
            format!("{method} {}", c.path)
        })
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
    let verdicts = Verdicts::of(calls, |call| {
        probe.evaluate(Gate::EndpointPolicy, &document, call, Some(endpoint))
    });
    let mut finding = probe.finding(Gate::EndpointPolicy, api, Some(endpoint), &verdicts)?;
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
fn smallest_change(
    evaluation: &Evaluation,
    call: &MethodCall,
    endpoint: Option<&VpcEndpoint>,
    through: &str,
) -> String {
    // A Resource to write into a policy: path parameters become `*`, never literal braces.
    let arn = call
        .arn
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let value_for = |key: &str| match key.to_ascii_lowercase().as_str() {
        "aws:sourcevpce" => endpoint.map(|e| e.id.as_str()),
        "aws:sourcevpc" => endpoint.map(|e| e.vpc_id.as_str()),
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
            "narrow Deny statement '{}' so that it no longer matches {arn} through {through}",
            evaluation.statement.as_deref().unwrap_or("?"),
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
            "add a statement: Effect Allow, Principal \"*\", Action execute-api:Invoke, Resource {arn}, Condition StringEquals aws:SourceVpce {through}"
        ),
    }
}
