//! A finding: one cause (or contributing condition) found, with the evidence that proves it.

use crate::action::Action;
use crate::catalog::{Code, Remedy, Severity};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One entry of the report's `findings` (SPEC §4).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub resource: Option<String>,
    pub summary: String,
    pub evidence: Value,
    pub remedy: Remedy,
}

impl Finding {
    /// A finding with the catalog's severity and remedy for `code`.
    pub fn new(code: Code, summary: impl Into<String>) -> Self {
        let entry = code.entry();
        Finding {
            code,
            severity: entry.severity,
            api_id: None,
            stage: None,
            resource: None,
            summary: summary.into(),
            evidence: json!({}),
            remedy: entry.remedy,
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
    pub fn remedy_action(&self) -> Option<Action> {
        match self.remedy {
            Remedy::Action(action) => Some(action),
            Remedy::Manual(_) => None,
        }
    }
}
