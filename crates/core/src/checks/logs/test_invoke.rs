//! The log a probe returned (`TestInvokeMethod`), classified with the same table as the stage's
//! logs: part of `checks::logs`, one `LOG_SIGNATURE` per cause with `evidence.source:
//! "test-invoke"`, the status and latency the probe saw, and a redacted sample line.

use crate::catalog::Code;
use crate::cause::{classify_line, Cause};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::logs::redact;
use crate::probe::{self, ProbeRun};
use crate::snapshot::Snapshot;
use serde_json::json;
use std::collections::BTreeMap;

/// The API reference of the call, cited in every probe finding.
const REFERENCE: &str =
    "https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html";

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let Some(run) = &snapshot.probe else {
        return Vec::new();
    };
    let mut seen: BTreeMap<Cause, (usize, &str)> = BTreeMap::new();
    for line in run.log.lines() {
        if let Some(cause) = classify_line(line) {
            seen.entry(cause).or_insert((0, line)).0 += 1;
        }
    }
    // The log is one request's: beside a specific cause, its summary lines add nothing.
    if seen.keys().any(|cause| !cause.summarises()) {
        seen.retain(|cause, _| !cause.summarises());
    }
    let target = &run.target;
    seen.into_iter()
        .map(|(cause, (count, sample))| {
            let explanation = cause.explanation();
            let (severity, background) = super::weight(cause, incident);
            Finding::new(
                Code::LogSignature,
                format!(
                    "{} and logged {cause}: {}.{background}",
                    described(run),
                    explanation.meaning
                ),
            )
            .severity(severity)
            .api(&target.api_id)
            .stage(Some(&target.stage))
            .resource(&format!("{} {}", target.http_method, target.resource_path))
            .evidence(json!({
                "source": "test-invoke",
                "cause": cause.as_str(),
                "count": count,
                "sample": redact(sample),
                "status": run.status,
                "latency_ms": run.latency_ms,
                "method": target.http_method,
                "verb": target.verb,
                "method_named": target.method_named,
                "resource_id": target.resource_id,
                "resource_path": target.resource_path,
                "path_with_query_string": redact(&target.path_with_query_string),
                "stage_variables": target.stage_variables.keys().collect::<Vec<_>>(),
                "definition": format!(
                    "current: TestInvokeMethod runs the API's current definition, not the deployment stage {} serves",
                    target.stage
                ),
                "check": explanation.check,
                "fix": explanation.fix,
                "reference": explanation.reference,
                "test_invoke_reference": REFERENCE,
            }))
        })
        .collect()
}

/// A probe that was refused, or that ran and found no known line: one note each.
pub fn notes(snapshot: &Snapshot, incident: &Incident) -> Vec<String> {
    match probe::target(snapshot, incident) {
        Some(Err(reason)) => vec![format!("Probe not run: {reason}.")],
        Some(Ok(_)) => snapshot
            .probe
            .iter()
            .filter(|run| !run.log.lines().any(|l| classify_line(l).is_some()))
            .map(|run| {
                format!(
                    "{}; its execution log holds no error line the classifier knows.",
                    described(run)
                )
            })
            .collect(),
        None => Vec::new(),
    }
}

/// "A probe of GET /items on stage prod of API … returned 504 in 29000 ms".
fn described(run: &ProbeRun) -> String {
    let target = &run.target;
    let chosen = if target.method_named {
        ""
    } else {
        ", a method the request did not name,"
    };
    format!(
        "A probe of {} {}{chosen} on stage {} of API {} (TestInvokeMethod, which runs the API's current definition, not the deployment the stage serves, and really calls the backend) returned {} in {} ms",
        target.verb,
        redact(&target.path_with_query_string),
        target.stage,
        target.api_id,
        run.status,
        run.latency_ms
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use crate::checks::tests::incident;
    use crate::probe::ProbeTarget;
    use crate::snapshot::{Method, Resource, RestApi, RestStage};
    use serde_json::Value;

    const URL: &str =
        "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items?token=s3cr3t";

    /// A test-invoke log as API Gateway writes it: a header line, then `<time> : <message>`.
    fn log(lines: &[&str]) -> String {
        let stamp = "Mon Nov 30 21:04:05 UTC 2026";
        let mut log = vec![
            "Execution log for request 7c1a4b9e-0f1e-4d6b-9a1c-2b3c4d5e6f70".to_string(),
            format!(
                "{stamp} : Starting execution for request: 7c1a4b9e-0f1e-4d6b-9a1c-2b3c4d5e6f70"
            ),
            format!("{stamp} : HTTP Method: GET, Resource Path: /items"),
            format!("{stamp} : Method request headers: {{Authorization=Bearer abc.def}}"),
        ];
        log.extend(lines.iter().map(|l| format!("{stamp} : {l}")));
        log.join("\n")
    }

    fn snapshot(run: Option<ProbeRun>) -> Snapshot {
        let mut snapshot = Snapshot::new("us-east-1", None);
        snapshot.rest_apis.push(RestApi {
            id: "a1b2c3d4e5".into(),
            stages: vec![RestStage {
                name: "prod".into(),
                ..RestStage::default()
            }],
            resources: vec![Resource {
                id: Some("r1".into()),
                path: "/items".into(),
                methods: vec![Method {
                    http_method: "GET".into(),
                    authorization_type: "NONE".into(),
                    integration: None,
                }],
            }],
            ..RestApi::default()
        });
        snapshot.probe = run;
        snapshot
    }

    fn run(status: i32, lines: &[&str]) -> ProbeRun {
        ProbeRun {
            target: ProbeTarget {
                api_id: "a1b2c3d4e5".into(),
                stage: "prod".into(),
                resource_id: "r1".into(),
                resource_path: "/items".into(),
                http_method: "GET".into(),
                verb: "GET".into(),
                method_named: false,
                path_with_query_string: "/items?token=s3cr3t".into(),
                stage_variables: [("backend".to_string(), "v2".to_string())].into(),
            },
            status,
            latency_ms: 29_012,
            log: log(lines),
        }
    }

    fn probing(symptom: &str) -> Incident {
        incident(json!({
            "api_id": "a1b2c3d4e5", "symptom": symptom, "probe": true,
            "request": { "url": URL },
        }))
    }

    #[test]
    fn each_cause_in_the_probe_log_is_one_signature_from_test_invoke() {
        let snapshot = snapshot(Some(run(
            504,
            &[
                "Execution failed due to configuration error: Connection timed out",
                "Execution failed due to configuration error: Connection timed out",
                "Execution failed due to configuration error: General SSLEngine problem: PKIX path building failed",
                "Method completed with status: 504",
            ],
        )));
        let found = check(&snapshot, &probing("server-error"));
        let causes: Vec<&Value> = found.iter().map(|f| &f.evidence["cause"]).collect();
        assert_eq!(
            causes,
            [&json!("connection_timed_out"), &json!("tls_untrusted_ca")]
        );
        let timeout = &found[0];
        assert_eq!(timeout.code, Code::LogSignature);
        assert_eq!(timeout.severity, Severity::Error);
        assert_eq!(timeout.evidence["source"], "test-invoke");
        assert_eq!(timeout.evidence["count"], 2);
        assert_eq!(timeout.evidence["status"], 504);
        assert_eq!(timeout.evidence["latency_ms"], 29_012);
        assert_eq!(timeout.evidence["resource_id"], "r1");
        assert_eq!(timeout.evidence["stage_variables"], json!(["backend"]));
        assert_eq!(
            timeout.evidence["sample"],
            "Mon Nov 30 21:04:05 UTC 2026 : Execution failed due to configuration error: Connection timed out"
        );
        assert!(timeout.evidence["definition"]
            .as_str()
            .is_some_and(|d| d.contains("current definition, not the deployment")));
        let text = serde_json::to_string(&found).expect("json");
        assert!(
            !text.contains("s3cr3t"),
            "the query's token reached a finding: {text}"
        );
        assert!(
            timeout.summary.contains("returned 504 in 29012 ms"),
            "{}",
            timeout.summary
        );
        assert!(timeout
            .summary
            .contains("a method the request did not name"));
    }

    // One request's log: a malformed proxy response and its 502 status line are one cause;
    // a probe that logged only its 502 still says so.
    #[test]
    fn the_probes_502_line_adds_nothing_beside_its_cause() {
        let malformed = snapshot(Some(run(
            502,
            &[
                "Execution failed due to configuration error: Malformed Lambda proxy response",
                "Method completed with status: 502",
            ],
        )));
        let found = check(&malformed, &probing("server-error"));
        let causes: Vec<&Value> = found.iter().map(|f| &f.evidence["cause"]).collect();
        assert_eq!(causes, [&json!("lambda_proxy_malformed_response")]);
        let bare = snapshot(Some(run(502, &["Method completed with status: 502"])));
        let found = check(&bare, &probing("server-error"));
        let causes: Vec<&Value> = found.iter().map(|f| &f.evidence["cause"]).collect();
        assert_eq!(causes, [&json!("bad_gateway")]);
    }

    #[test]
    fn a_secret_on_the_signature_line_is_redacted() {
        let snapshot = snapshot(Some(run(
            403,
            // Header echoes read as nothing (`classify_line`), so the secret rides on the
            // signature line itself.
            &["Forbidden: Invalid API Key identifier specified {x-api-key=k3y}"],
        )));
        let found = check(&snapshot, &probing("forbidden"));
        assert_eq!(found.len(), 1, "{found:#?}");
        let sample = found[0].evidence["sample"].as_str().expect("sample");
        assert!(
            sample.contains("x-api-key=[REDACTED]") && !sample.contains("k3y"),
            "{sample}"
        );
    }

    #[test]
    fn a_cause_of_another_kind_than_the_incidents_is_background() {
        let snapshot = snapshot(Some(run(
            500,
            &["Execution failed due to an internal error"],
        )));
        let found = check(&snapshot, &probing("forbidden"));
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(found[0].summary.contains("background here"));
    }

    #[test]
    fn a_probe_without_a_known_line_is_a_note_not_a_finding() {
        let snapshot = snapshot(Some(run(200, &["Method completed with status: 200"])));
        let incident = probing("server-error");
        assert!(check(&snapshot, &incident).is_empty());
        let notes = notes(&snapshot, &incident);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].contains("returned 200") && notes[0].contains("no error line"),
            "{notes:?}"
        );
    }

    #[test]
    fn a_refused_probe_is_one_note_with_its_reason_and_nothing_else() {
        let incident = incident(json!({
            "api_id": "a1b2c3d4e5", "probe": true,
            "request": { "url": "https://api.example.com/items" },
        }));
        let notes = notes(&snapshot(None), &incident);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("Probe not run: the probe needs the API's execute-api URL"),
            "{notes:?}"
        );
        assert!(!notes[0].contains('\n'));
        assert!(check(&snapshot(None), &incident).is_empty());
        // Not asked: no note at all.
        let quiet = crate::checks::tests::incident(json!({ "api_id": "a1b2c3d4e5" }));
        assert!(super::notes(&snapshot(None), &quiet).is_empty());
    }
}
