//! Reproducing the incident's request inside API Gateway (`TestInvokeMethod`) when a person asks
//! for it (`"probe": true`, `--probe`): which REST method to run with what, or why not. The shell
//! runs the call; `checks::logs` classifies the log it returns.
//!
//! `TestInvokeMethod` "simulate[s] the invocation of a Method in your RestApi"
//! (<https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html>): it names a
//! resource id and method of the API's current definition and no stage or deployment, so it runs
//! what the next deployment would serve, not what the stage serves now; the stage's variables
//! are passed so that it runs as that stage would. It really calls the backend, as the console's
//! test does ("the same as calling the method outside of the API Gateway console",
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-test-method.html>), so a
//! method other than GET, HEAD or OPTIONS runs only when the request names it.

use crate::checks::{named_api, routing};
use crate::intake::{Incident, Scope};
use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Methods that are safe to call on a guess: they read (RFC 9110 §9.2.1).
const SAFE_VERBS: [&str; 3] = ["GET", "HEAD", "OPTIONS"];

/// What `TestInvokeMethod` is asked to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeTarget {
    pub api_id: String,
    pub stage: String,
    pub resource_id: String,
    pub resource_path: String,
    /// The method of the resource that answers the verb: the verb itself, or `ANY`.
    pub http_method: String,
    /// The verb the request used: named by it, or chosen among GET, HEAD and OPTIONS.
    pub verb: String,
    /// Whether the request named the method (`request.method`, `--method`).
    pub method_named: bool,
    /// The request's path after the stage, with its query string.
    pub path_with_query_string: String,
    /// The stage's variables, passed on as they are.
    pub stage_variables: BTreeMap<String, String>,
}

/// What `TestInvokeMethod` returned for a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeRun {
    pub target: ProbeTarget,
    /// The HTTP status the method answered.
    pub status: i32,
    /// Milliseconds, as API Gateway measured the test invocation.
    pub latency_ms: i64,
    /// The execution log API Gateway wrote for the test invocation.
    pub log: String,
}

/// What the incident's probe should run, or the one-line reason it is refused; `None` when no
/// probe was asked for.
pub fn target(snapshot: &Snapshot, incident: &Incident) -> Option<Result<ProbeTarget, String>> {
    incident.probe.then(|| plan(snapshot, incident))
}

fn plan(snapshot: &Snapshot, incident: &Incident) -> Result<ProbeTarget, String> {
    if incident.scope == Scope::Sweep {
        return Err("a sweep never probes: TestInvokeMethod really calls the backend, so it runs only for the request an incident names".into());
    }
    let request = incident.request.as_ref();
    let url = request
        .and_then(|r| r.url.as_deref())
        .ok_or("the probe needs the failing request's URL (`request.url`, --url)")?;
    let uri = url
        .parse::<http::Uri>()
        .ok()
        .filter(|u| u.host().is_some())
        .ok_or_else(|| format!("the request URL {url:?} is not an absolute URL"))?;
    let headers = request.map(|r| &r.headers).cloned().unwrap_or_default();
    let api_id = named_api(uri.host().unwrap_or_default(), &headers, &snapshot.partition())
        .ok_or_else(|| format!("the probe needs the API's execute-api URL (https://{}/{{stage}}/…): {url} goes through another host, whose mapping decides the API and the path", snapshot.partition().host("{api-id}.execute-api")))?;
    if let Some(api) = snapshot.v2_api(api_id) {
        let kind = if api.is_websocket() {
            "a WebSocket API"
        } else {
            "an HTTP API"
        };
        return Err(format!(
            "API {api_id} is {kind}: TestInvokeMethod exists for REST APIs only"
        ));
    }
    let api = snapshot.rest_api(api_id).ok_or_else(|| {
        format!("API {api_id} of the request URL is not among the APIs diagnosed")
    })?;
    for step in ["apigateway:GetStages", "apigateway:GetResources"] {
        if snapshot.read_failed(step) {
            return Err(format!(
                "{step} failed, so the stage and resource to probe are not known"
            ));
        }
    }
    let (stage, path) = api
        .stages
        .iter()
        .find_map(|s| Some((s, routing::after_stage(uri.path(), &s.name)?)))
        .ok_or_else(|| format!("the URL path {} names no stage of API {api_id}", uri.path()))?;
    let resource_path = routing::serving(api.resources.iter().map(|r| r.path.as_str()), path)
        .ok_or_else(|| format!("no resource of API {api_id}'s current definition serves {path} (TestInvokeMethod runs the current definition)"))?;
    let resource = api
        .resources
        .iter()
        .find(|r| r.path == resource_path)
        .ok_or_else(|| format!("resource {resource_path} was not read"))?;
    let resource_id = resource
        .id
        .clone()
        .ok_or_else(|| format!("resource {resource_path} has no id in this snapshot"))?;
    if resource.methods.is_empty() {
        return Err(format!(
            "resource {resource_path} of API {api_id}'s current definition has no method to probe"
        ));
    }
    let named = request
        .and_then(|r| r.method.as_deref())
        .map(str::to_ascii_uppercase);
    let answering =
        |verb: &str| routing::answering(&resource.methods, verb, |m| m.http_method.as_str());
    let (verb, method) = match &named {
        Some(verb) => {
            let method = answering(verb).ok_or_else(|| {
                format!("resource {resource_path} has no {verb} (nor ANY) method to probe")
            })?;
            (verb.clone(), method)
        }
        None => SAFE_VERBS
            .iter()
            .find_map(|verb| Some((verb.to_string(), answering(verb)?)))
            .ok_or_else(|| {
                let methods: Vec<&str> =
                    resource.methods.iter().map(|m| m.http_method.as_str()).collect();
                format!(
                    "the request names no method and resource {resource_path} serves only {}: a probe really calls the backend, so it runs a method other than GET, HEAD or OPTIONS only when the request names it (`request.method`, --method)",
                    methods.join(", ")
                )
            })?,
    };
    Ok(ProbeTarget {
        api_id: api_id.to_string(),
        stage: stage.name.clone(),
        resource_id,
        resource_path: resource_path.to_string(),
        http_method: method.http_method.clone(),
        verb,
        method_named: named.is_some(),
        path_with_query_string: match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        },
        stage_variables: stage.variables.clone(),
    })
}

#[cfg(test)]
mod tests;
