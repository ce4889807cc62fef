//! Emits: LOG_SIGNATURE.
//! The stage's own logs over the incident window: every line the classifier of SPEC §6 knows,
//! one finding per cause and stage (SPEC §5), with a redacted sample; and the log a probe
//! returned ([`test_invoke`]).

mod test_invoke;
pub use test_invoke::{check as probed, notes as probe_notes};

use super::access_logs::own_events;
use crate::catalog::{Code, Severity};
use crate::cause::{classify_line, Cause};
use crate::finding::Finding;
use crate::intake::Incident;
use crate::logs::{redact, request_id, LogKind};
use crate::snapshot::Snapshot;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// What one cause left in one stage's logs.
struct Seen<'a> {
    count: usize,
    first: i64,
    last: i64,
    sample: &'a str,
    groups: Vec<&'a str>,
    bounds: Vec<&'static str>,
}

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let (start, end) = window_millis(incident);
    let mut seen: BTreeMap<(&str, &str, Cause), Seen> = BTreeMap::new();
    for search in &snapshot.log_searches {
        // Only this stage's lines in the window (`own_events`).
        let classified: Vec<_> = own_events(snapshot, search, (start, end))
            .into_iter()
            .filter_map(|e| classify_line(&e.message).map(|cause| (e, cause)))
            .collect();
        // The requests that logged a specific cause: their summary lines (the 502 status, a
        // configuration error of no known kind) add nothing.
        let explained: BTreeSet<&str> = classified
            .iter()
            .filter(|(_, cause)| !cause.summarises())
            .filter_map(|(e, _)| request_id(&e.message))
            .collect();
        for (event, cause) in classified {
            let repeats = cause.summarises()
                && request_id(&event.message).is_some_and(|id| explained.contains(id));
            if repeats {
                continue;
            }
            let entry = seen
                .entry((&search.api_id, &search.stage, cause))
                .or_insert(Seen {
                    count: 0,
                    first: event.timestamp,
                    last: event.timestamp,
                    sample: &event.message,
                    groups: Vec::new(),
                    bounds: Vec::new(),
                });
            entry.count += 1;
            if event.timestamp < entry.first {
                entry.first = event.timestamp;
            }
            if event.timestamp >= entry.last {
                entry.last = event.timestamp;
                entry.sample = &event.message;
            }
            if !entry.groups.contains(&search.log_group.as_str()) {
                entry.groups.push(&search.log_group);
            }
            if let Some(bound) = search.bound.map(|b| b.as_str()) {
                if !entry.bounds.contains(&bound) {
                    entry.bounds.push(bound);
                }
            }
        }
    }
    seen.into_iter()
        .map(|((api_id, stage, cause), seen)| {
            let explanation = cause.explanation();
            let bound = if seen.bounds.is_empty() {
                String::new()
            } else {
                format!(
                    " The search stopped at its {} bound, so there may be more.",
                    seen.bounds.join(" and ")
                )
            };
            let (severity, background) = weight(cause, incident);
            Finding::new(
                Code::LogSignature,
                format!(
                    "Stage {stage} of API {api_id} logged {cause} {} time(s) between {} and {}: {}.{bound}{background}",
                    seen.count,
                    time(seen.first),
                    time(seen.last),
                    explanation.meaning
                ),
            )
            .severity(severity)
            .api(api_id)
            .stage(Some(stage))
            .evidence(json!({
                "cause": cause.as_str(),
                "count": seen.count,
                "first_seen": time(seen.first),
                "last_seen": time(seen.last),
                "log_groups": seen.groups,
                "sample": redact(seen.sample),
                "check": explanation.check,
                "fix": explanation.fix,
                "reference": explanation.reference,
                "bound_reached": seen.bounds,
            }))
        })
        .collect()
}

/// How much a logged cause weighs in this incident: an error when it is the kind of error the
/// incident reports; otherwise the API's background (clients with expired tokens, say), worth
/// knowing but no error of this incident: a warning, and the sentence that says so.
fn weight(cause: Cause, incident: &Incident) -> (Severity, &'static str) {
    if cause.fits(incident.symptom) {
        (Severity::Error, "")
    } else {
        (
            Severity::Warning,
            " That is not the kind of error this incident reports, so it is background here, not its cause.",
        )
    }
}

/// What the searches could not show: a log group that does not exist, a bound reached with
/// nothing found.
pub fn notes(snapshot: &Snapshot, findings: &[Finding]) -> Vec<String> {
    let mut notes = Vec::new();
    for search in &snapshot.log_searches {
        let kind = match search.kind {
            LogKind::Execution => "execution",
            LogKind::Access => "access",
        };
        if !search.exists {
            let logging_off = findings.iter().any(|f| {
                f.code == Code::ExecutionLoggingDisabled
                    && f.api_id.as_deref() == Some(search.api_id.as_str())
                    && f.stage.as_deref() == Some(search.stage.as_str())
            });
            let why = if logging_off && search.kind == LogKind::Execution {
                " (execution logging is off: EXECUTION_LOGGING_DISABLED)"
            } else {
                " (nothing was ever logged there, or the account's CloudWatch Logs role cannot write it)"
            };
            notes.push(format!(
                "The {kind} log group {} of stage {} of API {} does not exist{why}, so its logs could not be searched.",
                search.log_group, search.stage, search.api_id
            ));
            continue;
        }
        let found = search
            .events
            .iter()
            .any(|e| classify_line(&e.message).is_some());
        if let (Some(bound), false) = (search.bound, found) {
            notes.push(format!(
                "The search of {kind} log group {} stopped at its {} bound before it found a known error line.",
                search.log_group,
                bound.as_str()
            ));
        }
    }
    notes
}

/// The incident window in milliseconds since the epoch, as `FilterLogEvents` takes it.
pub fn window_millis(incident: &Incident) -> (i64, i64) {
    (
        incident.window.start.timestamp_millis(),
        incident.window.end.timestamp_millis(),
    )
}

pub(super) fn time(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tests::incident;
    use crate::logs::{Bound, LogEvent, LogSearch};
    use serde_json::json;

    fn search(kind: LogKind, group: &str, events: &[(i64, &str)]) -> LogSearch {
        LogSearch {
            api_id: "a1b2c3d4e5".into(),
            stage: "prod".into(),
            kind,
            log_group: group.into(),
            exists: true,
            events: events
                .iter()
                .map(|(timestamp, message)| LogEvent {
                    timestamp: *timestamp,
                    message: message.to_string(),
                })
                .collect(),
            bound: None,
        }
    }

    fn run(searches: Vec<LogSearch>) -> (Vec<Finding>, Vec<String>) {
        let incident = incident(json!({"api_id": "a1b2c3d4e5", "stage": "prod"}));
        let mut snapshot = Snapshot::new("us-east-1", None);
        snapshot.log_searches = searches;
        let findings = check(&snapshot, &incident);
        let notes = notes(&snapshot, &findings);
        (findings, notes)
    }

    fn now_minus(minutes: i64) -> i64 {
        (chrono::Utc::now() - chrono::Duration::minutes(minutes)).timestamp_millis()
    }

    #[test]
    fn every_cause_found_is_one_finding_with_count_times_and_a_redacted_sample() {
        let (t1, t2, t3) = (now_minus(20), now_minus(10), now_minus(5));
        let (findings, notes) = run(vec![
            search(
                LogKind::Execution,
                "API-Gateway-Execution-Logs_a1b2c3d4e5/prod",
                &[
                    (t1, "(1) Execution failed due to configuration error: Connection timed out"),
                    (t2, "(2) Method request path: {}"),
                    (t3, "(3) Execution failed due to configuration error: Connection timed out Authorization=Bearer abc.def"),
                    (t2, "(4) Forbidden: Invalid API Key identifier specified {x-api-key=k3y}"),
                ],
            ),
            search(LogKind::Access, "access", &[(t2, "{\"status\":\"504\",\"error\":\"Connection timed out\"}")]),
        ]);
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings.iter().all(|f| f.code == Code::LogSignature));
        let timeout = findings
            .iter()
            .find(|f| f.evidence["cause"] == "connection_timed_out")
            .expect("timeout");
        assert_eq!(timeout.evidence["count"], 3);
        assert_eq!(timeout.evidence["first_seen"], time(t1));
        assert_eq!(timeout.evidence["last_seen"], time(t3));
        assert_eq!(
            timeout.evidence["log_groups"],
            json!(["API-Gateway-Execution-Logs_a1b2c3d4e5/prod", "access"])
        );
        assert_eq!(
            timeout.evidence["sample"],
            "(3) Execution failed due to configuration error: Connection timed out Authorization=[REDACTED]"
        );
        let key = findings
            .iter()
            .find(|f| f.evidence["cause"] == "invalid_api_key")
            .expect("api key");
        assert!(!key.evidence["sample"].as_str().unwrap().contains("k3y"));
        assert_eq!(key.stage.as_deref(), Some("prod"));
    }

    // The malformed-502 article's two lines (https://repost.aws/knowledge-center/malformed-502-api-gateway)
    // are one failure: the status line of a request that named its cause is not a second one;
    // a request that logged only its 502 still counts.
    #[test]
    fn a_requests_summary_line_counts_only_when_nothing_more_specific_was_logged() {
        let t = now_minus(5);
        let (findings, _) = run(vec![search(
            LogKind::Execution,
            "API-Gateway-Execution-Logs_a1b2c3d4e5/prod",
            &[
                (t, "(a1) Execution failed due to configuration error: Malformed Lambda proxy response"),
                (t, "(a1) Method completed with status: 502"),
                (t, "(b2) Execution failed due to configuration error: Invalid permissions on Lambda function"),
                (t, "(b2) Execution failed due to configuration error: Authorizer error"),
                (t, "(c3) Method completed with status: 502"),
                (t, "(c3) Method completed with status: 200"),
            ],
        )]);
        let mut counts: Vec<(String, u64)> = findings
            .iter()
            .map(|f| {
                (
                    f.evidence["cause"].as_str().unwrap_or_default().to_string(),
                    f.evidence["count"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        counts.sort();
        assert_eq!(
            counts,
            [
                ("bad_gateway".to_string(), 1),
                ("lambda_permission_missing".to_string(), 1),
                ("lambda_proxy_malformed_response".to_string(), 1),
            ]
        );
        let status = findings
            .iter()
            .find(|f| f.evidence["cause"] == "bad_gateway")
            .expect("the lone 502");
        assert!(status.evidence["sample"]
            .as_str()
            .unwrap()
            .starts_with("(c3)"));
    }

    // Real APIs with an authorizer log denials all day (clients with expired tokens): on a 5xx
    // incident they are background, a warning, not an error that fails the run; the 5xx cause
    // stays an error, and on a 403 incident the denial is the error.
    #[test]
    fn another_kind_of_error_than_the_incidents_is_background_not_an_error() {
        let lines = [
            (now_minus(10), "Execution failed due to an internal error"),
            (now_minus(9), "Unauthorized request: 5c7d...: User is not authorized to access this resource with an explicit deny"),
        ];
        let mut snapshot = Snapshot::new("us-east-1", None);
        snapshot.log_searches = vec![search(LogKind::Execution, "g", &lines)];
        let severity_of = |findings: &[Finding], cause: &str| {
            findings
                .iter()
                .find(|f| f.evidence["cause"] == cause)
                .map(|f| f.severity)
        };
        let server = incident(json!({"api_id": "a1b2c3d4e5", "symptom": "server-error"}));
        let found = check(&snapshot, &server);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(severity_of(&found, "backend_reset"), Some(Severity::Error));
        let deny = found
            .iter()
            .find(|f| f.severity == Severity::Warning)
            .expect("the denial is background");
        assert!(
            deny.summary.contains("background here, not its cause"),
            "{}",
            deny.summary
        );
        let forbidden = incident(json!({"api_id": "a1b2c3d4e5", "symptom": "forbidden"}));
        let found = check(&snapshot, &forbidden);
        assert!(found
            .iter()
            .any(|f| f.severity == Severity::Error && f.evidence["cause"] != "backend_reset"));
        assert_eq!(
            severity_of(&found, "backend_reset"),
            Some(Severity::Warning)
        );
    }

    #[test]
    fn lines_outside_the_incident_window_are_not_evidence() {
        let (findings, _) = run(vec![search(
            LogKind::Execution,
            "g",
            &[
                (now_minus(90), "Execution failed due to an internal error"),
                (now_minus(-90), "Execution failed due to an internal error"),
            ],
        )]);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn a_bound_reached_is_said_in_the_finding_or_a_note() {
        let mut bounded = search(
            LogKind::Execution,
            "g",
            &[(now_minus(1), "PKIX path building failed")],
        );
        bounded.bound = Some(Bound::Pages);
        let (findings, notes) = run(vec![bounded]);
        assert_eq!(findings[0].evidence["bound_reached"], json!(["pages"]));
        assert!(findings[0].summary.contains("pages bound"));
        assert!(notes.is_empty());

        let mut nothing = search(LogKind::Execution, "g", &[(now_minus(1), "ok")]);
        nothing.bound = Some(Bound::Bytes);
        let (findings, notes) = run(vec![nothing]);
        assert!(findings.is_empty());
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("bytes bound"), "{notes:?}");
    }

    #[test]
    fn a_missing_log_group_is_stated_and_names_disabled_logging() {
        let mut missing = search(
            LogKind::Execution,
            "API-Gateway-Execution-Logs_a1b2c3d4e5/prod",
            &[],
        );
        missing.exists = false;
        let mut snapshot = Snapshot::new("us-east-1", None);
        snapshot.log_searches = vec![missing];
        let off = Finding::new(Code::ExecutionLoggingDisabled, "off")
            .api("a1b2c3d4e5")
            .stage(Some("prod"));
        let notes = notes(&snapshot, &[off]);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("does not exist"), "{notes:?}");
        assert!(notes[0].contains("EXECUTION_LOGGING_DISABLED"), "{notes:?}");
        let notes = super::notes(&snapshot, &[]);
        assert!(
            !notes[0].contains("EXECUTION_LOGGING_DISABLED"),
            "{notes:?}"
        );
    }
}
