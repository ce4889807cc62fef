//! What a report becomes when it is sent on (SPEC §2): a readable summary for an SNS topic
//! (subject with severity and API; body with the most likely cause, the findings, the actions
//! and a console link) and an EventBridge entry carrying the report itself. Pure: the shell
//! sends them.

use crate::catalog::Severity;
use crate::partition::Partition;
use crate::report::Report;
use serde_json::{json, Value};

/// The EventBridge entry's `source` and `detail-type` (SPEC §2).
pub const EVENT_SOURCE: &str = "apigw-doctor";
pub const EVENT_DETAIL_TYPE: &str = "API Gateway Diagnosis";

/// SNS subjects are at most 100 ASCII characters with no line break
/// (<https://docs.aws.amazon.com/sns/latest/api/API_Publish.html>).
const SUBJECT_MAX: usize = 100;
/// SNS messages are at most 256 KB; the body is cut well below it.
const BODY_MAX: usize = 200 * 1024;
/// A PutEvents entry (source, detail-type and detail in UTF-8 bytes) must stay under 256 KB
/// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html>).
const ENTRY_MAX: usize = 256 * 1024;

/// An SNS message.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub subject: String,
    pub body: String,
}

/// The worst severity among the findings, as the subject says it; `INCOMPLETE` when nothing
/// was found but something could not be checked, `OK` otherwise.
fn level(report: &Report) -> &'static str {
    let worst = report
        .findings
        .iter()
        .map(|f| f.severity)
        .max_by_key(|s| match s {
            Severity::Error => 3,
            Severity::Warning => 2,
            Severity::Info => 1,
        });
    match worst {
        Some(Severity::Error) => "ERROR",
        Some(Severity::Warning) => "WARNING",
        Some(Severity::Info) if report.incomplete.is_empty() => "INFO",
        None if report.incomplete.is_empty() => "OK",
        _ => "INCOMPLETE",
    }
}

/// The APIs the report is about, as a person names them.
fn apis(report: &Report) -> String {
    match report.targets.as_slice() {
        [] => "no API".to_string(),
        [one] if one.api_name.is_empty() => one.api_id.clone(),
        [one] => format!("{} ({})", one.api_name, one.api_id),
        many => format!("{} APIs", many.len()),
    }
}

/// The console page of each target, in the region's partition.
fn console_links(report: &Report) -> Vec<String> {
    let region = &report.incident.region;
    let host = match Partition::of(region).arn {
        "aws-cn" => "console.amazonaws.cn".to_string(),
        "aws-us-gov" => "console.amazonaws-us-gov.com".to_string(),
        _ => format!("{region}.console.aws.amazon.com"),
    };
    report
        .targets
        .iter()
        .map(|t| {
            format!(
                "https://{host}/apigateway/main/apis/{id}?api={id}&region={region}",
                id = t.api_id
            )
        })
        .collect()
}

/// At most `max` bytes of `text`, cut on a character boundary, marked when cut.
fn cut(text: &str, max: usize, mark: &str) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(mark.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{mark}", &text[..end])
}

/// The SNS summary of `report`.
pub fn summary(report: &Report) -> Summary {
    let level = level(report);
    let cause = report.most_likely_cause();
    let headline = cause.map_or_else(|| "no problem found".to_string(), |f| f.code.to_string());
    let subject: String = format!("apigw-doctor {level}: {} - {headline}", apis(report))
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect();
    let mut body = String::new();
    if let Some(f) = cause {
        body.push_str(&format!("{}\n\n", crate::report::lead_line(f)));
    }
    body.push_str(&report.to_text_without_lead());
    let links = console_links(report);
    if !links.is_empty() {
        body.push_str("\nConsole:\n");
        for link in links {
            body.push_str(&format!("  {link}\n"));
        }
    }
    Summary {
        subject: cut(&subject, SUBJECT_MAX, "..."),
        body: cut(
            &body,
            BODY_MAX,
            "\n[cut: the whole report is in the function's log]\n",
        ),
    }
}

/// The EventBridge entry's detail: the whole report, or — when that would not fit in an entry
/// — its incident, counts, finding codes and action statuses, marked `truncated`.
pub fn event_detail(report: &Report) -> String {
    let whole = serde_json::to_string(report).unwrap_or_default();
    let room = ENTRY_MAX - EVENT_SOURCE.len() - EVENT_DETAIL_TYPE.len() - 1024;
    if whole.len() <= room {
        return whole;
    }
    let short: Value = json!({
        "schema": report.schema,
        "truncated": true,
        "reason": format!("the report ({} bytes) does not fit in an EventBridge entry (256 KB); it is in the function's log", whole.len()),
        "incident": report.incident,
        "mode": report.mode,
        "targets": report.targets,
        "findings": report.findings.iter().map(|f| json!({
            "code": f.code,
            "severity": f.severity,
            "api_id": f.api_id,
            "stage": f.stage,
            "resource": f.resource,
        })).collect::<Vec<_>>(),
        "actions": report.actions.iter().map(|a| json!({
            "action": a.action,
            "target": a.target,
            "status": a.status,
        })).collect::<Vec<_>>(),
        "incomplete": report.incomplete,
        "stats": report.stats,
    });
    let text = short.to_string();
    if text.len() <= room {
        return text;
    }
    // Even the short form is too large (thousands of findings in a sweep): counts only.
    json!({
        "schema": report.schema,
        "truncated": true,
        "reason": format!("the report ({} bytes) does not fit in an EventBridge entry (256 KB); it is in the function's log", whole.len()),
        "incident": { "id": report.incident.id, "source": report.incident.source },
        "mode": report.mode,
        "counts": {
            "targets": report.targets.len(),
            "findings": report.findings.len(),
            "actions": report.actions.len(),
            "incomplete": report.incomplete.len(),
        },
    })
    .to_string()
}

#[cfg(test)]
mod tests;
