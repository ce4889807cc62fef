//! The report (SPEC §4): built from the incident, snapshot, findings and plan; JSON and text.

use crate::catalog::{Remedy, Severity, Symptom};
use crate::finding::Finding;
use crate::intake::{AlarmInfo, Incident, Source, Window};
use crate::plan::{ActionRow, Status};
use crate::snapshot::{Incomplete, Snapshot};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use strum::IntoEnumIterator;

pub const REPORT_SCHEMA: &str = "apigw-doctor/report/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentSection {
    pub source: Source,
    pub id: String,
    pub alarm: Option<AlarmInfo>,
    pub symptom: Option<Symptom>,
    pub region: String,
    pub account: Option<String>,
    pub window: Window,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub api_id: String,
    pub api_name: String,
    pub kind: &'static str,
    pub endpoint_type: String,
    pub stages: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub aws_calls: u64,
    pub duration_ms: u64,
}

/// The one object `--format json` prints and the Lambda function returns.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    pub incident: IncidentSection,
    pub mode: &'static str,
    pub targets: Vec<Target>,
    pub findings: Vec<Finding>,
    pub actions: Vec<ActionRow>,
    pub incomplete: Vec<Incomplete>,
    pub stats: Stats,
    /// Where an unfinished sweep continues: pass it back as the event's `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The answer to an event that asks for `"reply": "summary"` (the sweep's state machine): the
/// report's counts, why it could not be made, and the cursor, small whatever the report's size
/// (a Step Functions state holds at most 256 KiB). `cursor` and `not_diagnosed` are always
/// present, `null` when the sweep finished or the run was made, so a state machine can test them.
#[derive(Debug, Clone, Serialize)]
pub struct ReplySummary {
    pub schema: &'static str,
    pub incident: String,
    pub targets: usize,
    /// Findings by severity: `error`, `warning`, `info`, each always present.
    pub findings: std::collections::BTreeMap<&'static str, usize>,
    /// Actions by status (`planned`, `applied`, …), only the statuses that occur.
    pub actions: std::collections::BTreeMap<&'static str, usize>,
    pub incomplete: usize,
    /// The `error` findings (the first `SUMMARY_ERRORS`), so a summary alone says what to fix.
    pub errors: Vec<SummaryFinding>,
    /// Each step that could not be read or checked, once.
    pub incomplete_steps: Vec<String>,
    pub not_diagnosed: Option<String>,
    pub stats: Stats,
    pub cursor: Option<String>,
}

/// An `error` finding in a summary: what and where, without the evidence.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryFinding {
    pub code: crate::catalog::Code,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub resource: Option<String>,
}

pub const SUMMARY_SCHEMA: &str = "apigw-doctor/summary/v1";

/// At most this many `error` findings are listed in a summary (about 100 bytes each, so the
/// summary stays far below a Step Functions state's 256 KiB); `findings.error` counts them all.
pub const SUMMARY_ERRORS: usize = 200;

impl Report {
    /// The summary answer; `not_diagnosed` is the one-line reason the run could not be made.
    pub fn summary(&self, not_diagnosed: Option<&str>) -> ReplySummary {
        let mut findings: std::collections::BTreeMap<&'static str, usize> =
            Severity::iter().map(|s| (s.into(), 0)).collect();
        for finding in &self.findings {
            *findings.entry(finding.severity.into()).or_default() += 1;
        }
        let mut actions = std::collections::BTreeMap::new();
        for row in &self.actions {
            *actions.entry(row.status.into()).or_default() += 1;
        }
        ReplySummary {
            schema: SUMMARY_SCHEMA,
            incident: self.incident.id.clone(),
            targets: self.targets.len(),
            findings,
            actions,
            incomplete: self.incomplete.len(),
            errors: self
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .take(SUMMARY_ERRORS)
                .map(|f| SummaryFinding {
                    code: f.code,
                    api_id: f.api_id.clone(),
                    stage: f.stage.clone(),
                    resource: f.resource.clone(),
                })
                .collect(),
            incomplete_steps: crate::unique(self.incomplete.iter().map(|i| i.step.clone())),
            not_diagnosed: not_diagnosed.map(str::to_string),
            stats: self.stats.clone(),
            cursor: self.cursor.clone(),
        }
    }

    /// A run that could not be made (another account or region, no such API, an unreadable
    /// scope): the reason goes into the incident's notes and `incomplete`, so the report never
    /// looks like a clean bill of health.
    pub fn record_not_diagnosed(&mut self, reason: &str) {
        self.incident.notes.push(reason.to_string());
        if !self.incomplete.is_empty() {
            return;
        }
        self.incomplete.push(Incomplete {
            step: "diagnosis".to_string(),
            error: "NotDiagnosed".to_string(),
            detail: reason.to_string(),
        });
    }

    pub fn new(incident: &Incident, snapshot: &Snapshot, mode: &'static str) -> Self {
        let targets = snapshot
            .rest_apis
            .iter()
            .map(|a| Target {
                api_id: a.id.clone(),
                api_name: a.name.clone(),
                kind: "rest",
                endpoint_type: a.endpoint_type().to_string(),
                stages: a.stages.iter().map(|s| s.name.clone()).collect(),
            })
            .chain(snapshot.v2_apis.iter().map(|a| Target {
                api_id: a.id.clone(),
                api_name: a.name.clone(),
                kind: if a.protocol == "WEBSOCKET" {
                    "websocket"
                } else {
                    "http"
                },
                endpoint_type: "REGIONAL".to_string(),
                stages: a.stages.iter().map(|s| s.name.clone()).collect(),
            }))
            .collect();
        Report {
            schema: REPORT_SCHEMA,
            tool: Tool {
                name: "apigw-doctor",
                version: env!("CARGO_PKG_VERSION"),
            },
            incident: IncidentSection {
                source: incident.source,
                id: incident.id.clone(),
                alarm: incident.alarm.clone(),
                symptom: incident.symptom,
                region: snapshot.region.clone(),
                account: snapshot.account.clone(),
                window: incident.window,
                notes: incident.notes.clone(),
            },
            mode,
            targets,
            findings: Vec::new(),
            actions: Vec::new(),
            incomplete: snapshot.incomplete.clone(),
            stats: Stats {
                aws_calls: 0,
                duration_ms: 0,
            },
            cursor: snapshot.cursor.clone(),
        }
    }

    /// Exit status of SPEC §3 for a run that finished: 1 when an error finding remains (one a
    /// verified action repaired does not), an action failed, or a check could not run.
    pub fn exit_code(&self) -> i32 {
        let errors = self.findings.iter().any(|f| {
            f.severity == Severity::Error
                && !self
                    .actions
                    .iter()
                    .any(|a| a.status == Status::Verified && a.repairs(f))
        });
        let failed = self.actions.iter().any(|a| a.status == Status::Failed);
        if errors || failed || !self.incomplete.is_empty() {
            1
        } else {
            0
        }
    }

    /// The finding a person should act on first: with a symptom, the first finding (they are
    /// ranked most relevant to it first, SPEC §4); without one, the first error, else the first.
    pub fn most_likely_cause(&self) -> Option<&Finding> {
        if self.incident.symptom.is_some() {
            return self.findings.first();
        }
        self.findings
            .iter()
            .find(|f| f.severity == Severity::Error)
            .or_else(|| self.findings.first())
    }

    /// A summary a person reads at 3 a.m.: what was looked at, the most likely cause, every
    /// finding, what to do.
    pub fn to_text(&self) -> String {
        self.text(true)
    }

    /// The summary without its "Most likely cause" line, for a message that leads with it.
    pub fn to_text_without_lead(&self) -> String {
        self.text(false)
    }

    fn text(&self, lead: bool) -> String {
        let mut out = String::new();
        let i = &self.incident;
        let _ = writeln!(
            out,
            "apigw-doctor {} — {} incident {} ({}, {})",
            self.tool.version,
            label(i.source),
            i.id,
            i.region,
            self.mode
        );
        if let Some(alarm) = &i.alarm {
            let _ = writeln!(
                out,
                "alarm: {} is {} ({} {})",
                alarm.name,
                alarm.state,
                alarm.namespace.as_deref().unwrap_or("-"),
                alarm.metric.as_deref().unwrap_or("-")
            );
        }
        if let Some(symptom) = &i.symptom {
            let _ = writeln!(out, "symptom: {symptom}");
        }
        for note in &i.notes {
            let _ = writeln!(out, "note: {note}");
        }
        for t in &self.targets {
            let _ = writeln!(
                out,
                "target: {} {} ({} {}) stages: {}",
                t.api_id,
                t.api_name,
                t.kind,
                t.endpoint_type,
                if t.stages.is_empty() {
                    "-".to_string()
                } else {
                    t.stages.join(", ")
                }
            );
        }
        let _ = writeln!(out);
        match (self.findings.is_empty(), self.incomplete.is_empty()) {
            (true, true) => {
                let _ = writeln!(out, "No problem found.");
            }
            (true, false) => {
                let _ = writeln!(
                    out,
                    "No problem found in what could be checked; see \"Could not check\" below."
                );
            }
            _ => {}
        }
        if let Some(cause) = self.most_likely_cause().filter(|_| lead) {
            let _ = writeln!(out, "{}\n", lead_line(cause));
        }
        for (n, f) in self.findings.iter().enumerate() {
            let severity = match f.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "WARNING",
                Severity::Info => "INFO",
            };
            let _ = writeln!(out, "{}. [{severity}] {}", n + 1, f.code);
            let _ = writeln!(out, "   {}", f.summary);
            if let Some(resource) = &f.resource {
                let _ = writeln!(out, "   resource: {resource}");
            }
            for line in key_evidence(&f.evidence) {
                let _ = writeln!(out, "   {line}");
            }
            match &f.remedy {
                Remedy::Action(action) => {
                    let _ = writeln!(out, "   remedy: action {action}");
                }
                Remedy::Manual(manual) => {
                    let _ = writeln!(out, "   remedy: {manual}");
                }
            }
        }
        if !self.actions.is_empty() {
            let _ = writeln!(out, "\nActions:");
            for a in &self.actions {
                let status = a.status.as_str();
                let _ = writeln!(out, "- {} on {}: {status}", a.action, a.target);
                if let Some(reason) = &a.reason {
                    let _ = writeln!(out, "  why: {reason}");
                }
                for call in &a.calls {
                    let _ = writeln!(out, "  call: {call}");
                }
                if !a.risk.is_empty() {
                    let _ = writeln!(out, "  risk: {}", a.risk);
                }
                if !a.undo.is_empty() {
                    let _ = writeln!(out, "  undo: {}", a.undo);
                }
                let changed =
                    !a.after.is_null() && a.after.as_object().is_none_or(|o| !o.is_empty());
                if changed {
                    let _ = writeln!(out, "  before: {}  after: {}", a.before, a.after);
                }
            }
        }
        if !self.incomplete.is_empty() {
            let _ = writeln!(out, "\nCould not check:");
            for i in &self.incomplete {
                let _ = writeln!(out, "- {}: {} ({})", i.step, i.error, i.detail);
            }
        }
        let _ = writeln!(
            out,
            "\n{} finding(s), {} action(s), {} AWS call(s), {} ms",
            self.findings.len(),
            self.actions.len(),
            self.stats.aws_calls,
            self.stats.duration_ms
        );
        if let Some(cursor) = &self.cursor {
            let _ = writeln!(
                out,
                "The sweep stopped before its last API: continue it with the event {{\"sweep\": true, \"cursor\": \"{cursor}\"}}"
            );
        }
        out
    }
}

/// "Most likely cause: CODE - summary", the line a report or message leads with.
pub fn lead_line(finding: &Finding) -> String {
    format!("Most likely cause: {} - {}", finding.code, finding.summary)
}

/// The evidence lines a person acts on first: the deciding statement and the smallest change,
/// what could not be decided, the blocking rules, and the URL forms that work instead.
fn key_evidence(evidence: &Value) -> Vec<String> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let mut lines = Vec::new();
    if let Some(statement) = evidence["denied_methods"][0]["statement"].as_str() {
        lines.push(format!("deciding statement: {statement}"));
    }
    if let Some(change) = text(&evidence["smallest_change"]) {
        lines.push(format!("smallest change: {change}"));
    }
    if let Some(undecided) = evidence["undecided"].as_array().filter(|u| !u.is_empty()) {
        let reasons: Vec<String> = undecided.iter().filter_map(text).collect();
        lines.push(format!("undecided: {}", reasons.join("; ")));
    }
    for closed in evidence["denied"].as_array().into_iter().flatten().take(4) {
        let rule = match closed["rule_number"].as_i64() {
            // The catch-all rules: 32767 (IPv4) and 32768 (IPv6).
            Some(32767 | 32768) => "*".to_string(),
            Some(n) => n.to_string(),
            None => "?".to_string(),
        };
        let peer = match &closed["peer"] {
            Value::Array(ranges) => ranges.iter().filter_map(text).collect::<Vec<_>>().join(" "),
            other => text(other).unwrap_or_default(),
        };
        let ports = text(&closed["ports"])
            .or_else(|| closed["port"].as_i64().map(|p| p.to_string()))
            .unwrap_or_default();
        lines.push(format!(
            "blocked by rule {rule}: {} ports {ports} {peer}",
            closed["direction"].as_str().unwrap_or("")
        ));
    }
    if let Some(form) = evidence["url_forms"][0].as_str() {
        lines.push(format!("works instead: {form}"));
    }
    lines
}

/// The name an enum has in the JSON report, for the text report to use the same word.
fn label(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Code;
    use crate::intake::IntakeSettings;
    use serde_json::json;

    fn empty_report() -> Report {
        let incident = crate::intake::parse(
            &json!({ "api_id": "a1b2c3d4e5" }),
            IntakeSettings {
                now: chrono::Utc::now(),
                lookback_minutes: 30,
            },
        )
        .expect("event");
        Report::new(&incident, &Snapshot::new("us-east-1", None), "dry-run")
    }

    #[test]
    fn no_problem_found_is_never_said_when_something_could_not_be_checked() {
        let mut report = empty_report();
        assert!(report.to_text().contains("No problem found.\n"));
        report.incomplete.push(Incomplete {
            step: "ec2:DescribeVpcEndpoints".into(),
            error: "AccessDenied".into(),
            detail: "not authorized".into(),
        });
        let text = report.to_text();
        assert!(!text.contains("No problem found."), "{text}");
        assert!(
            text.contains("No problem found in what could be checked"),
            "{text}"
        );
        assert!(
            text.contains("Could not check:\n- ec2:DescribeVpcEndpoints"),
            "{text}"
        );
    }

    #[test]
    fn the_summary_counts_what_the_report_holds_and_always_names_the_cursor() {
        let mut report = empty_report();
        report.findings = vec![
            Finding::new(Code::VpcEndpointPrivateDnsDisabled, "private DNS off"),
            Finding::new(Code::ErrorResponseExplained, "an invalid API key"),
            Finding::new(Code::VpcEndpointSgBlocksHttps, "no 443"),
        ];
        let finished = serde_json::to_value(report.summary(None)).expect("json");
        assert_eq!(finished["schema"], SUMMARY_SCHEMA);
        assert_eq!(
            finished["findings"],
            json!({ "error": 2, "warning": 0, "info": 1 })
        );
        assert_eq!(
            finished["errors"],
            json!([
                { "code": "VPC_ENDPOINT_PRIVATE_DNS_DISABLED", "api_id": null, "stage": null, "resource": null },
                { "code": "VPC_ENDPOINT_SG_BLOCKS_HTTPS", "api_id": null, "stage": null, "resource": null },
            ])
        );
        assert_eq!(finished["incomplete_steps"], json!([]));
        assert_eq!(finished["cursor"], Value::Null, "present, and null");
        assert_eq!(finished["not_diagnosed"], Value::Null, "present, and null");
        assert!(!report.to_text().contains("cursor"));

        for step in [
            "logs:FilterLogEvents",
            "ec2:DescribeVpcs",
            "logs:FilterLogEvents",
        ] {
            report.incomplete.push(Incomplete {
                step: step.into(),
                error: "AccessDenied".into(),
                detail: String::new(),
            });
        }
        report.cursor = Some("123456789012:us-east-1:k3x9q2w7e1".to_string());
        let unfinished =
            serde_json::to_value(report.summary(Some("no credentials"))).expect("json");
        assert_eq!(unfinished["cursor"], "123456789012:us-east-1:k3x9q2w7e1");
        assert_eq!(unfinished["not_diagnosed"], "no credentials");
        assert_eq!(unfinished["incomplete"], 3);
        assert_eq!(
            unfinished["incomplete_steps"],
            json!(["logs:FilterLogEvents", "ec2:DescribeVpcs"])
        );
        assert_eq!(
            serde_json::to_value(&report).expect("json")["cursor"],
            "123456789012:us-east-1:k3x9q2w7e1"
        );
        assert!(report
            .to_text()
            .contains(r#"{"sweep": true, "cursor": "123456789012:us-east-1:k3x9q2w7e1"}"#));
    }

    #[test]
    fn a_run_not_made_is_noted_and_incomplete() {
        let mut report = empty_report();
        report.record_not_diagnosed("the event comes from region eu-west-1");
        assert_eq!(
            report.incident.notes,
            ["the event comes from region eu-west-1"]
        );
        assert_eq!(report.incomplete.len(), 1);
        assert!(report
            .to_text()
            .contains("note: the event comes from region eu-west-1"));
    }

    #[test]
    fn the_text_leads_with_the_first_ranked_finding_when_a_symptom_is_known() {
        let mut report = empty_report();
        report.findings = vec![
            Finding::new(Code::ErrorResponseExplained, "an invalid API key"),
            Finding::new(Code::VpcEndpointPrivateDnsDisabled, "private DNS off"),
        ];
        // No symptom: the first error.
        assert!(report
            .to_text()
            .contains("Most likely cause: VPC_ENDPOINT_PRIVATE_DNS_DISABLED - private DNS off\n"));
        // A symptom: the ranking's first, even an info explanation of the reported error.
        report.incident.symptom = Some(Symptom::Forbidden);
        let text = report.to_text();
        assert!(
            text.contains("Most likely cause: ERROR_RESPONSE_EXPLAINED - an invalid API key\n"),
            "{text}"
        );
        assert!(!report.to_text_without_lead().contains("Most likely cause"));
        report.findings.clear();
        assert!(!report.to_text().contains("Most likely cause"));
    }

    #[test]
    fn the_text_shows_the_deciding_statement_the_smallest_change_and_the_blocking_rule() {
        let mut report = empty_report();
        report.findings = vec![
            Finding::new(Code::PolicyDeniesVpcEndpoint, "denied").evidence(json!({
                "denied_methods": [{ "statement": "OnlyVpce" }],
                "smallest_change": "add vpce-1 to aws:SourceVpce in statement 'OnlyVpce'",
                "undecided": [],
            })),
            Finding::new(Code::NaclBlocksHttps, "blocked").evidence(json!({
                "denied": [{ "direction": "inbound", "ports": "443-443", "peer": ["10.0.3.0/24"], "rule_number": 32767 }],
            })),
        ];
        let text = report.to_text();
        assert!(text.contains("   deciding statement: OnlyVpce"), "{text}");
        assert!(text.contains("   smallest change: add vpce-1"), "{text}");
        assert!(!text.contains("undecided:"), "{text}");
        assert!(
            text.contains("   blocked by rule *: inbound ports 443-443 10.0.3.0/24"),
            "{text}"
        );
    }
}
