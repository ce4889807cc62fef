//! A finding: one cause (or contributing condition) found, with the evidence that proves it.

use crate::catalog::{self, Remedy, Severity};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One entry of the report's `findings` (SPEC §4).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub resource: Option<String>,
    pub summary: String,
    pub evidence: Value,
    pub remedy: Value,
}

impl Finding {
    /// A finding with the catalog's severity and remedy for `code`.
    ///
    /// Panics only on a code missing from the catalog, which the catalog tests rule out.
    pub fn new(code: &'static str, summary: impl Into<String>) -> Self {
        let entry = catalog::lookup(code).unwrap_or_else(|| panic!("{code} is not in the catalog"));
        let remedy = match entry.remedy {
            Remedy::Action(action) => json!({ "action": action }),
            Remedy::Manual(advice) => json!({ "manual": advice }),
        };
        Finding {
            code: code.to_string(),
            severity: entry.severity,
            api_id: None,
            stage: None,
            resource: None,
            summary: summary.into(),
            evidence: json!({}),
            remedy,
        }
    }

    pub fn api(mut self, api_id: &str) -> Self {
        self.api_id = Some(api_id.to_string());
        self
    }

    pub fn stage(mut self, stage: Option<&str>) -> Self {
        self.stage = stage.map(str::to_string);
        self
    }

    pub fn resource(mut self, resource: &str) -> Self {
        self.resource = Some(resource.to_string());
        self
    }

    pub fn evidence(mut self, evidence: Value) -> Self {
        self.evidence = evidence;
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The action this finding's remedy names, if apigw-doctor can apply one.
    pub fn remedy_action(&self) -> Option<&str> {
        self.remedy.get("action").and_then(Value::as_str)
    }
}
