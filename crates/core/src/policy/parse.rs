//! Parsing of IAM policy documents (API Gateway resource policies, VPC endpoint policies) into a typed model.

use crate::json;
use crate::partition::Partition;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A parse failure; its `Display` is always one line, fit for a diagnosis report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum PolicyError {
    #[error("empty policy")]
    Empty,
    #[error("policy is not valid JSON: {0}")]
    Json(String),
    #[error("policy is not a JSON object (found {0})")]
    NotAnObject(String),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: PrincipalElement,
    pub action: ActionElement,
    pub resource: ResourceElement,
    /// Every entry must hold for the statement to apply.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalElement {
    Principal(Vec<PrincipalId>),
    NotPrincipal(Vec<PrincipalId>),
}

/// One entry of a `Principal` block; `"Principal": "*"` is `Everyone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrincipalId {
    Everyone,
    Aws(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionElement {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceElement {
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

/// One `operator: { key: values }` entry, kept verbatim so that operators this tool does not
/// implement survive into the snapshot and evaluate as undecided rather than vanish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

/// Version under which `${...}` policy variables are substituted; under 2008-10-17 they are literal.
pub(super) const VERSION_WITH_VARIABLES: &str = "2012-10-17";
const SUPPORTED_VERSIONS: [&str; 2] = [VERSION_WITH_VARIABLES, "2008-10-17"];
const SHORT_FORM_PREFIX: &str = "execute-api:/";
/// Enough for a document that was JSON-encoded and then backslash-escaped once more.
const MAX_UNWRAP_DEPTH: usize = 4;

impl PolicyDocument {
    /// Rewrites API Gateway's `execute-api:/stage/METHOD/path` short forms into full ARNs, as API
    /// Gateway itself does when it saves a policy.
    pub fn expand_execute_api(&self, region: &str, account: &str, api_id: &str) -> PolicyDocument {
        let partition = Partition::of(region).arn;
        let expand = |patterns: &[String]| {
            patterns
                .iter()
                .map(|p| {
                    expand_short_form(p, partition, region, account, api_id)
                        .unwrap_or_else(|| p.clone())
                })
                .collect()
        };
        let mut doc = self.clone();
        for statement in &mut doc.statements {
            statement.resource = match &statement.resource {
                ResourceElement::Resource(p) => ResourceElement::Resource(expand(p)),
                ResourceElement::NotResource(p) => ResourceElement::NotResource(expand(p)),
            };
        }
        doc
    }

    pub(super) fn substitutes_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSION_WITH_VARIABLES)
    }
}

/// The full ARN for a short-form resource, or `None` when `pattern` is not a short form.
pub(super) fn expand_short_form(
    pattern: &str,
    partition: &str,
    region: &str,
    account: &str,
    api_id: &str,
) -> Option<String> {
    let path = pattern.strip_prefix(SHORT_FORM_PREFIX)?;
    Some(format!(
        "arn:{partition}:execute-api:{region}:{account}:{api_id}/{path}"
    ))
}

pub(super) fn is_short_form(pattern: &str) -> bool {
    pattern.starts_with(SHORT_FORM_PREFIX)
}

/// Parses any IAM policy document API Gateway or EC2 returns: plain JSON, the backslash-escaped
/// text of `GetRestApi.policy`, or a JSON string literal wrapping a document.
pub fn parse_policy(text: &str) -> Result<PolicyDocument, PolicyError> {
    parse_layer(text, 0)
}

fn parse_layer(text: &str, depth: usize) -> Result<PolicyDocument, PolicyError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(PolicyError::Empty);
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(Value::Object(map)) => document_from_map(map),
        Ok(Value::String(inner)) if depth < MAX_UNWRAP_DEPTH => parse_layer(&inner, depth + 1),
        Ok(other) => Err(PolicyError::NotAnObject(json::kind(&other).to_string())),
        Err(err) => {
            // GetRestApi returns the document with `"` and `/` escaped but without the surrounding
            // quotes, so it only parses once read back as the body of a JSON string literal.
            if depth < MAX_UNWRAP_DEPTH && trimmed.contains('\\') {
                if let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{trimmed}\"")) {
                    match parse_layer(&unescaped, depth + 1) {
                        Err(PolicyError::Json(_)) | Err(PolicyError::Empty) => {}
                        decided => return decided,
                    }
                }
            }
            Err(PolicyError::Json(err.to_string()))
        }
    }
}

fn invalid(message: String) -> PolicyError {
    PolicyError::Invalid(message)
}

fn document_from_map(map: Map<String, Value>) -> Result<PolicyDocument, PolicyError> {
    let mut version = None;
    let mut id = None;
    let mut statements = None;
    for (name, value) in map {
        match name.as_str() {
            "Version" => version = Some(string_value(&value, "Version")?),
            "Id" => id = Some(string_value(&value, "Id")?),
            "Statement" => statements = Some(parse_statements(value)?),
            // An unrecognised element may be a misspelt Condition; ignoring it could widen an Allow.
            other => return Err(invalid(format!("unknown policy element {other:?}"))),
        }
    }
    if let Some(v) = &version {
        if !SUPPORTED_VERSIONS.contains(&v.as_str()) {
            return Err(invalid(format!("unsupported policy Version {v:?}")));
        }
    }
    let statements = statements.ok_or_else(|| invalid("policy has no Statement".to_string()))?;
    Ok(PolicyDocument {
        version,
        id,
        statements,
    })
}

fn parse_statements(value: Value) -> Result<Vec<Statement>, PolicyError> {
    let items = match value {
        Value::Array(items) => items,
        single @ Value::Object(_) => vec![single],
        other => {
            return Err(invalid(format!(
                "Statement must be an object or an array, found {}",
                json::kind(&other)
            )))
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Object(map) => parse_statement(map)
                .map_err(|message| invalid(format!("statement #{index}: {message}"))),
            other => Err(invalid(format!(
                "statement #{index}: must be an object, found {}",
                json::kind(&other)
            ))),
        })
        .collect()
}

#[derive(Default)]
struct RawStatement {
    sid: Option<String>,
    effect: Option<Effect>,
    principal: Option<PrincipalElement>,
    action: Option<ActionElement>,
    resource: Option<ResourceElement>,
    conditions: Vec<Condition>,
}

fn set_once<T>(slot: &mut Option<T>, value: T, first: &str, second: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("has both {first} and {second}"));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_statement(map: Map<String, Value>) -> Result<Statement, String> {
    let mut raw = RawStatement::default();
    for (name, value) in map {
        match name.as_str() {
            "Sid" => raw.sid = Some(string_value(&value, "Sid").map_err(|e| e.to_string())?),
            "Effect" => raw.effect = Some(parse_effect(&value)?),
            "Principal" => set_once(
                &mut raw.principal,
                PrincipalElement::Principal(parse_principal(&value, "Principal")?),
                "Principal",
                "NotPrincipal",
            )?,
            "NotPrincipal" => set_once(
                &mut raw.principal,
                PrincipalElement::NotPrincipal(parse_principal(&value, "NotPrincipal")?),
                "Principal",
                "NotPrincipal",
            )?,
            "Action" => set_once(
                &mut raw.action,
                ActionElement::Action(string_list(&value, "Action")?),
                "Action",
                "NotAction",
            )?,
            "NotAction" => set_once(
                &mut raw.action,
                ActionElement::NotAction(string_list(&value, "NotAction")?),
                "Action",
                "NotAction",
            )?,
            "Resource" => set_once(
                &mut raw.resource,
                ResourceElement::Resource(string_list(&value, "Resource")?),
                "Resource",
                "NotResource",
            )?,
            "NotResource" => set_once(
                &mut raw.resource,
                ResourceElement::NotResource(string_list(&value, "NotResource")?),
                "Resource",
                "NotResource",
            )?,
            "Condition" => raw.conditions = parse_conditions(&value)?,
            other => return Err(format!("unknown element {other:?}")),
        }
    }
    Ok(Statement {
        sid: raw.sid,
        effect: raw.effect.ok_or("missing Effect")?,
        // Resource and VPC endpoint policies must name who they apply to.
        principal: raw.principal.ok_or("missing Principal or NotPrincipal")?,
        action: raw.action.ok_or("missing Action or NotAction")?,
        resource: raw.resource.ok_or("missing Resource or NotResource")?,
        conditions: raw.conditions,
    })
}

fn string_value(value: &Value, element: &str) -> Result<String, PolicyError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(invalid(format!(
            "{element} must be a string, found {}",
            json::kind(other)
        ))),
    }
}

fn parse_effect(value: &Value) -> Result<Effect, String> {
    match value {
        Value::String(s) if s == "Allow" => Ok(Effect::Allow),
        Value::String(s) if s == "Deny" => Ok(Effect::Deny),
        Value::String(s) => Err(format!("Effect must be \"Allow\" or \"Deny\", found {s:?}")),
        other => Err(format!(
            "Effect must be a string, found {}",
            json::kind(other)
        )),
    }
}

fn string_list(value: &Value, element: &str) -> Result<Vec<String>, String> {
    let list = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "{element} entries must be strings, found {}",
                    json::kind(other)
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => {
            return Err(format!(
                "{element} must be a string or an array of strings, found {}",
                json::kind(other)
            ))
        }
    };
    if list.is_empty() {
        return Err(format!("{element} is an empty list"));
    }
    Ok(list)
}

fn parse_principal(value: &Value, element: &str) -> Result<Vec<PrincipalId>, String> {
    match value {
        Value::String(s) if s == "*" => Ok(vec![PrincipalId::Everyone]),
        Value::String(s) => Err(format!("{element} must be \"*\" or an object, found {s:?}")),
        Value::Object(map) if map.is_empty() => Err(format!("{element} is an empty object")),
        Value::Object(map) => {
            let mut ids = Vec::new();
            for (kind, entries) in map {
                let make: fn(String) -> PrincipalId = match kind.as_str() {
                    "AWS" => PrincipalId::Aws,
                    "Service" => PrincipalId::Service,
                    "Federated" => PrincipalId::Federated,
                    "CanonicalUser" => PrincipalId::CanonicalUser,
                    other => return Err(format!("unknown {element} type {other:?}")),
                };
                let label = format!("{element}.{kind}");
                ids.extend(string_list(entries, &label)?.into_iter().map(make));
            }
            Ok(ids)
        }
        other => Err(format!(
            "{element} must be \"*\" or an object, found {}",
            json::kind(other)
        )),
    }
}

fn parse_conditions(value: &Value) -> Result<Vec<Condition>, String> {
    let Value::Object(operators) = value else {
        return Err(format!(
            "Condition must be an object, found {}",
            json::kind(value)
        ));
    };
    let mut conditions = Vec::new();
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else {
            return Err(format!(
                "Condition operator {operator:?} must map to an object, found {}",
                json::kind(keys)
            ));
        };
        // An operator with no keys would hold vacuously, which no policy author means.
        if keys.is_empty() {
            return Err(format!("Condition operator {operator:?} has no keys"));
        }
        for (key, values) in keys {
            conditions.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values: condition_values(values)
                    .map_err(|message| format!("Condition {operator:?} {key:?}: {message}"))?,
            });
        }
    }
    Ok(conditions)
}

fn condition_values(value: &Value) -> Result<Vec<String>, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "values must be strings, booleans or numbers, found {}",
            json::kind(other)
        )),
    };
    match value {
        Value::Array(items) if items.is_empty() => Err("empty value list".to_string()),
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}
