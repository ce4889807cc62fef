//! Emits: TARGET_NOT_FOUND, TARGET_AMBIGUOUS.
//! What the incident named, against what exists.

use crate::catalog::Code;
use crate::finding::Finding;
use crate::snapshot::{LookupKey, Snapshot};
use serde_json::json;

pub fn check(snapshot: &Snapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for lookup in &snapshot.lookups {
        let (how, name) = match &lookup.key {
            LookupKey::ApiName(name) => ("name", name.as_str()),
            LookupKey::ApiId(id) => ("id", id.as_str()),
            LookupKey::Sweep => continue,
        };
        if lookup.api_ids.is_empty() {
            findings.push(
                Finding::new(
                    Code::TargetNotFound,
                    format!(
                        "No API with {how} {name} exists in account {} region {}.",
                        snapshot.account.as_deref().unwrap_or("(unknown)"),
                        snapshot.region
                    ),
                )
                .resource(name)
                .evidence(json!({ "lookup": how, "value": name, "region": snapshot.region, "account": snapshot.account })),
            );
            continue;
        }
        if lookup.api_ids.len() > 1 {
            findings.push(
                Finding::new(
                    Code::TargetAmbiguous,
                    format!(
                        "{} REST APIs are named {name}; the alarm cannot tell them apart, so all were diagnosed.",
                        lookup.api_ids.len()
                    ),
                )
                .resource(name)
                .evidence(json!({ "api_name": name, "api_ids": lookup.api_ids })),
            );
        }
        for missing in &lookup.missing_stages {
            let (api_id, stage) = (&missing.api_id, &missing.stage);
            findings.push(
                Finding::new(
                    Code::TargetNotFound,
                    format!("API {api_id} has no stage named {stage}."),
                )
                .api(api_id)
                .stage(Some(stage))
                .resource(&format!("{api_id}/{stage}"))
                .evidence(json!({ "api_id": api_id, "stage": stage })),
            );
        }
    }
    findings
}
