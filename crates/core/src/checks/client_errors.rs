//! Emits: DEFAULT_ENDPOINT_DISABLED, WAF_ACL_ATTACHED, RESOURCE_NOT_FOUND.
//! The configuration behind 403s that need no network read: a disabled default endpoint, a
//! web ACL on the stage, and a request path or method the stage's deployment does not serve.
//! The first two are deliberate setups as often as not, so they are reported only when a 403 is
//! being investigated and the reported error could be theirs.

use super::invoke_url::{is_execute_api, named_api};
use super::routing;
use crate::catalog::{Code, Severity, Symptom};
use crate::cause::{self, Cause, Reading};
use crate::finding::Finding;
use crate::intake::{Incident, RequestHint, Scope};
use crate::snapshot::{RestApi, Snapshot};
use serde_json::json;

/// The request the incident names, parsed.
struct Request<'a> {
    url: &'a str,
    host: String,
    path: String,
    /// Upper-case; `None` when the person did not say.
    method: Option<String>,
    hint: &'a RequestHint,
}

impl<'a> Request<'a> {
    fn of(incident: &'a Incident) -> Option<Self> {
        let hint = incident.request.as_ref()?;
        let url = hint.url.as_deref()?;
        let uri = url.parse::<http::Uri>().ok()?;
        Some(Request {
            url,
            host: uri.host()?.to_string(),
            path: uri.path().to_string(),
            method: hint.method.as_deref().map(str::to_ascii_uppercase),
            hint,
        })
    }

    /// The API this request reaches through an execute-api host; `None` for a custom domain.
    fn api<'s>(&'s self, snapshot: &Snapshot) -> Option<&'s str> {
        named_api(&self.host, &self.hint.headers, &snapshot.partition())
    }
}

/// Whether a 403 is being investigated and the reported error, if any, could be `cause`: the
/// symptom is forbidden or client-error, and the error is a bare "Forbidden" or says nothing
/// the classifier reads (an AccessDeniedException, say, rules WAF and the endpoint out).
pub(super) fn could_be(incident: &Incident, cause: Cause) -> bool {
    let symptom = matches!(
        incident.symptom,
        Some(Symptom::Forbidden | Symptom::ClientError)
    );
    let reading = incident.error.as_ref().map(cause::classify);
    symptom
        && match reading {
            None | Some(Reading::Unknown | Reading::BareForbidden) => true,
            Some(Reading::Known(known)) => known == cause,
        }
}

/// The stage the incident names for `api_id`, if any.
fn named_stage<'i>(incident: &'i Incident, api_id: &str) -> Option<&'i str> {
    let Scope::Named(targets) = &incident.scope else {
        return None;
    };
    targets
        .iter()
        .filter(|t| t.api_id.as_deref().is_none_or(|id| id == api_id))
        .find_map(|t| t.stage.as_deref())
}

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let request = Request::of(incident);
    let mut findings = Vec::new();
    let apis = snapshot
        .rest_apis
        .iter()
        .map(|a| (a.id.as_str(), a.disable_execute_api_endpoint))
        .chain(
            snapshot
                .v2_apis
                .iter()
                .map(|a| (a.id.as_str(), a.disable_execute_api_endpoint)),
        );
    for (api_id, disabled) in apis {
        if disabled == Some(true) {
            findings.extend(default_endpoint_disabled(
                snapshot,
                incident,
                request.as_ref(),
                api_id,
            ));
        }
    }
    if !snapshot.read_failed("apigateway:GetStages") {
        for api in &snapshot.rest_apis {
            findings.extend(waf_acl_attached(snapshot, incident, request.as_ref(), api));
            if let Some(request) = &request {
                findings.extend(resource_not_found(snapshot, request, api));
            }
        }
    }
    findings
}

/// `disableExecuteApiEndpoint`: API Gateway answers the execute-api URL with 403 "Forbidden"
/// and only custom domain names reach the API
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html>).
/// A request through a custom domain name is not affected, so it rules this out.
fn default_endpoint_disabled(
    snapshot: &Snapshot,
    incident: &Incident,
    request: Option<&Request>,
    api_id: &str,
) -> Option<Finding> {
    if !could_be(incident, Cause::DefaultEndpointDisabled) {
        return None;
    }
    let used = match request {
        Some(r) if !is_execute_api(&r.host, &snapshot.partition()) => return None,
        Some(r) if r.api(snapshot) != Some(api_id) => return None,
        Some(r) => Some(r.url),
        None => None,
    };
    let summary = match used {
        Some(url) => format!(
            "API {api_id} has its default execute-api endpoint disabled, and the request used it ({url}): API Gateway answers 403 \"Forbidden\" there. Call the API through its custom domain name, or re-enable the default endpoint."
        ),
        None => format!(
            "API {api_id} has its default execute-api endpoint disabled: callers that use https://{}/… get 403 \"Forbidden\"; only its custom domain names reach it. The request URL was not given, so whether the caller used it is not known.",
            snapshot.partition().host(&format!("{api_id}.execute-api"))
        ),
    };
    Some(
        Finding::new(Code::DefaultEndpointDisabled, summary)
            .api(api_id)
            .resource(api_id)
            .evidence(json!({
                "disable_execute_api_endpoint": true,
                "request_url": used,
                "used_default_endpoint": used.is_some(),
                "cause": Cause::DefaultEndpointDisabled,
            })),
    )
}

/// A web ACL on a REST stage can answer any request with a bare 403 "Forbidden"
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html>).
/// Only the stage the request or incident names, else every stage with one.
fn waf_acl_attached(
    snapshot: &Snapshot,
    incident: &Incident,
    request: Option<&Request>,
    api: &RestApi,
) -> Vec<Finding> {
    if !could_be(incident, Cause::WafBlocked) {
        return Vec::new();
    }
    if request.is_some_and(|r| {
        is_execute_api(&r.host, &snapshot.partition()) && r.api(snapshot) != Some(api.id.as_str())
    }) {
        return Vec::new();
    }
    let from_url = request
        .filter(|r| r.api(snapshot) == Some(api.id.as_str()))
        .and_then(|r| {
            api.stages
                .iter()
                .find(|s| routing::after_stage(&r.path, &s.name).is_some())
        })
        .map(|s| s.name.as_str());
    let stage = from_url.or_else(|| named_stage(incident, &api.id));
    api.stages
        .iter()
        .filter(|s| stage.is_none_or(|named| named == s.name))
        .filter_map(|s| Some((s, s.web_acl_arn.as_deref()?)))
        .map(|(s, acl)| {
            Finding::new(
                Code::WafAclAttached,
                format!(
                    "Stage {} of API {} has AWS WAF web ACL {acl}: a bare 403 \"Forbidden\" may be the web ACL blocking the request. Look at the web ACL's sampled requests and its BlockedRequests metric for the incident's time.",
                    s.name, api.id
                ),
            )
            .api(&api.id)
            .stage(Some(&s.name))
            .resource(acl)
            .evidence(json!({
                "web_acl_arn": acl,
                "cause": Cause::WafBlocked,
            }))
        })
        .collect()
}

/// "Missing Authentication Token" (or, for an unknown stage, "Forbidden") is what API Gateway
/// answers a request whose stage, path or method the stage's deployment does not serve
/// (<https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden>). Judged only
/// for requests to the API's execute-api host — the path of a custom-domain URL depends on
/// its base-path mapping, which this build does not read — and only against what the
/// deployment serves (`embed=apisummary`), never the current definition.
fn resource_not_found(snapshot: &Snapshot, request: &Request, api: &RestApi) -> Option<Finding> {
    if request.api(snapshot) != Some(api.id.as_str()) {
        return None;
    }
    let Some(stage) = api
        .stages
        .iter()
        .find(|s| routing::after_stage(&request.path, &s.name).is_some())
    else {
        let named = request
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        let stages: Vec<&str> = api.stages.iter().map(|s| s.name.as_str()).collect();
        return Some(
            Finding::new(
                Code::ResourceNotFound,
                format!(
                    "The request {} names stage \"{named}\", which API {} does not have (stages: {}): API Gateway answers 403 \"Forbidden\". Put the stage name first in the path.",
                    request.url,
                    api.id,
                    if stages.is_empty() { "none".to_string() } else { stages.join(", ") }
                ),
            )
            .api(&api.id)
            .resource(request.url)
            .evidence(json!({
                "url": request.url,
                "stage_in_url": named,
                "stages": stages,
            })),
        );
    };
    let path = routing::after_stage(&request.path, &stage.name)?;
    let deployment = api
        .deployments
        .iter()
        .find(|d| Some(&d.id) == stage.deployment_id.as_ref())?;
    let summary = deployment.api_summary.as_ref()?;
    // A percent-encoded path may match after decoding, which this check does not do.
    if path.contains('%') {
        return None;
    }
    let serving = routing::serving(summary.keys().map(String::as_str), path);
    let methods = serving.and_then(|p| summary.get(p));
    let (missing, fallback) = match (serving, methods, request.method.as_deref()) {
        (None, _, _) => (format!("no deployed resource matches path {path}"), None),
        (Some(_), _, None) => return None,
        (Some(resource), Some(methods), Some(verb)) => {
            if routing::answering(methods, verb, |m| m.as_str()).is_some() {
                return None;
            }
            // A less specific resource that would answer the verb: whether API Gateway falls
            // back to it is not documented, so the claim is only a warning.
            let fallback = summary
                .iter()
                .filter(|(p, _)| p.as_str() != resource)
                .filter(|(p, _)| routing::specificity(p, path).is_some())
                .find(|(_, m)| routing::answering(m, verb, |m| m.as_str()).is_some())
                .map(|(p, _)| p.clone());
            (
                format!(
                    "resource {resource} serves path {path} but has no {verb} (nor ANY) method; it serves {}",
                    methods.join(", ")
                ),
                fallback,
            )
        }
        (Some(_), None, Some(_)) => return None,
    };
    let verb = request.method.as_deref().unwrap_or("any method");
    let defined = api.resources.iter().any(|r| {
        routing::specificity(&r.path, path).is_some()
            && request.method.as_deref().is_none_or(|v| {
                routing::answering(&r.methods, v, |m| m.http_method.as_str()).is_some()
            })
    });
    let mut summary_text = format!(
        "{verb} {path} is not deployed on stage {} of API {} (deployment {}): {missing}. API Gateway answers such a request 403 \"Missing Authentication Token\".",
        stage.name, api.id, deployment.id
    );
    if defined {
        summary_text
            .push_str(" The API's current definition has it: redeploy the stage to serve it.");
    }
    let mut finding = Finding::new(Code::ResourceNotFound, summary_text)
        .api(&api.id)
        .stage(Some(&stage.name))
        .resource(request.url)
        .evidence(json!({
            "url": request.url,
            "method": request.method,
            "path": path,
            "deployment_id": deployment.id,
            "serving_resource": serving,
            "deployed_methods": methods,
            "in_current_definition": defined,
            "cause": Cause::MissingAuthenticationToken,
            "undecided": fallback.as_ref().map(|p| vec![format!(
                "resource {p} would answer {verb}; API Gateway routes to the most specific resource, and whether it falls back to a less specific one is not documented"
            )]).unwrap_or_default(),
        }));
    if fallback.is_some() {
        finding = finding.severity(Severity::Warning);
    }
    Some(finding)
}
