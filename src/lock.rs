//! The optional lock table (`APIGW_DOCTOR_LOCK_TABLE`, partition key `pk`): a conditional-write
//! lock per action and resource, so parallel runs never apply the same change twice, and an
//! audit record of every apply.

use crate::action::Action;
use crate::aws::{Aws, Session};
use crate::failure::CallFailure;
use crate::plan::{Context, Planned, Status, Verdict};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{SecondsFormat, Utc};
use std::collections::HashMap;

/// How long a lock holds when its owner dies without releasing it. One apply of any action
/// here takes seconds; a Lambda invocation at most 15 minutes.
const LOCK_SECONDS: i64 = 900;

/// How long an audit record is kept: its `expires_at` (epoch seconds, like a lock's) is the
/// attribute the template's table expires items by (DynamoDB TTL), so locks left behind and old
/// audit records are deleted by DynamoDB, and nothing else is.
pub const AUDIT_RETENTION_DAYS: i64 = 365;

/// The attribute, in epoch seconds, after which DynamoDB's TTL may delete an item (a lock or an
/// audit record); `template.yaml`'s lock table names it.
pub const EXPIRY_ATTRIBUTE: &str = "expires_at";

const CONDITION_FAILED: &str = "ConditionalCheckFailedException";

/// A DynamoDB table shared by every run that may apply changes.
#[derive(Debug, Clone)]
pub struct LockTable {
    table: String,
    /// Unique to this run, so only the run that took a lock releases it.
    owner: String,
    /// The clients of the account the table is in, when the run works in another (a member
    /// account's role): the table stays the function's own.
    home: Option<Aws>,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn text(item: &HashMap<String, AttributeValue>, key: &str) -> String {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_else(|| "(unknown)".to_string())
}

impl LockTable {
    pub fn new(table: &str, incident_id: &str) -> Self {
        let started = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        LockTable {
            table: table.to_string(),
            owner: format!("{incident_id} pid={} at={started}", std::process::id()),
            home: None,
        }
    }

    /// The table is in the account of `aws` (the function's own), whatever account the
    /// changes are made in.
    pub fn at_home(mut self, aws: &Aws) -> Self {
        self.home = Some(aws.clone());
        self
    }

    /// `session`'s deadline on the table's own clients.
    pub fn session<'s>(&'s self, session: Session<'s>) -> Session<'s> {
        self.home.as_ref().map_or(session, |aws| session.on(aws))
    }

    /// A session on the table's clients with no deadline (release and audit are always tried).
    pub fn unbounded<'s>(&'s self, session: Session<'s>) -> Session<'s> {
        self.home.as_ref().unwrap_or(session.aws).session(None)
    }

    /// The item key of the lock on `action` for `target`.
    pub fn lock_key(action: Action, target: &str) -> String {
        format!("lock#{action}#{target}")
    }

    /// Takes the lock for `action` on `target`, or says who holds it.
    pub async fn acquire(
        &self,
        session: Session<'_>,
        context: &Context,
        action: Action,
        target: &str,
    ) -> Result<(), Verdict> {
        let now = Utc::now();
        let put = session
            .aws
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item("pk", s(Self::lock_key(action, target)))
            .item("owner", s(&self.owner))
            .item("incident", s(&context.incident_id))
            .item(
                "acquired_at",
                s(now.to_rfc3339_opts(SecondsFormat::Millis, true)),
            )
            .item(
                EXPIRY_ATTRIBUTE,
                AttributeValue::N((now.timestamp() + LOCK_SECONDS).to_string()),
            )
            .condition_expression("attribute_not_exists(#pk) OR #expires < :now")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .send();
        match session.call("dynamodb:PutItem", put).await {
            Ok(_) => Ok(()),
            Err(failure) if failure.code == CONDITION_FAILED => {
                let holder = self.holder(session, context, action, target).await;
                Err(Verdict::new(
                    Status::Skipped,
                    format!(
                        "another run holds the lock on {action} for {target} in {} ({holder}): it is making this change now",
                        self.table
                    ),
                    serde_json::Value::Null,
                ))
            }
            Err(failure) => Err(Verdict::new(
                Status::Failed,
                format!(
                    "nothing was changed: could not take the lock in {}: {} {} ({})",
                    self.table, failure.step, failure.code, failure.detail
                ),
                serde_json::Value::Null,
            )),
        }
    }

    /// Who holds the lock, for the reason a person reads.
    async fn holder(
        &self,
        session: Session<'_>,
        context: &Context,
        action: Action,
        target: &str,
    ) -> String {
        let get = session
            .aws
            .dynamodb
            .get_item()
            .table_name(&self.table)
            .key("pk", s(Self::lock_key(action, target)))
            .consistent_read(true)
            .send();
        match session.call("dynamodb:GetItem", get).await {
            Ok(out) => match out.item() {
                Some(item) => {
                    let incident = text(item, "incident");
                    let earlier = if incident == context.incident_id {
                        ", perhaps left by an earlier run for this incident"
                    } else {
                        ""
                    };
                    format!(
                        "incident {incident}, since {}, expiring at epoch {}{earlier}",
                        text(item, "acquired_at"),
                        item.get("expires_at")
                            .and_then(|v| v.as_n().ok())
                            .map_or("(unknown)", String::as_str)
                    )
                }
                None => "released since".to_string(),
            },
            Err(failure) => format!("holder unknown: {}", failure.code),
        }
    }

    /// Releases a lock this run holds; a lock that expired and was taken over is left alone.
    pub async fn release(
        &self,
        session: Session<'_>,
        action: Action,
        target: &str,
    ) -> Result<(), CallFailure> {
        let delete = session
            .aws
            .dynamodb
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(Self::lock_key(action, target)))
            .condition_expression("#owner = :me")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":me", s(&self.owner))
            .send();
        match session.call("dynamodb:DeleteItem", delete).await {
            Err(failure) if failure.code != CONDITION_FAILED => Err(failure),
            _ => Ok(()),
        }
    }

    /// Writes what this run did with a planned change: incident, action, target, finding, calls,
    /// before, after, outcome.
    pub async fn record(
        &self,
        session: Session<'_>,
        context: &Context,
        planned: &Planned,
        verdict: &Verdict,
    ) -> Result<(), CallFailure> {
        let recorded = Utc::now();
        let now = recorded.to_rfc3339_opts(SecondsFormat::Nanos, true);
        let expires = recorded.timestamp() + AUDIT_RETENTION_DAYS * 86_400;
        let (action, target) = (planned.change.action(), planned.change.target());
        let calls = planned.change.calls(&context.marker());
        let put = session
            .aws
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item(
                "pk",
                s(format!(
                    "audit#{}#{action}#{target}#{now}",
                    context.incident_id
                )),
            )
            .item("incident", s(&context.incident_id))
            .item("action", s(action.as_str()))
            .item("target", s(&target))
            .item("finding", s(planned.finding.as_str()))
            .item("outcome", s(verdict.status.as_str()))
            .item("reason", s(&verdict.reason))
            .item("before", s(verdict.before.to_string()))
            .item("after", s(verdict.after.to_string()))
            .item("calls", AttributeValue::L(calls.iter().map(s).collect()))
            .item("recorded_at", s(&now))
            .item(EXPIRY_ATTRIBUTE, AttributeValue::N(expires.to_string()))
            .item("owner", s(&self.owner))
            .send();
        session.call("dynamodb:PutItem", put).await.map(|_| ())
    }
}
