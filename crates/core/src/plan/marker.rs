//! The proof apigw-doctor leaves on what it changes (when, for which incident) and the cooldown
//! that proof enforces.

use crate::action::Action;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What one run knows when it plans or applies.
#[derive(Debug, Clone)]
pub struct Context {
    pub incident_id: String,
    pub now: DateTime<Utc>,
    pub cooldown_seconds: u64,
}

impl Context {
    /// The marker this run leaves on what it changes.
    pub fn marker(&self) -> Marker {
        Marker {
            at: self.now,
            incident: self.incident_id.clone(),
        }
    }
}

/// Proof, kept on the resource itself, that apigw-doctor changed it: when and for which incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub at: DateTime<Utc>,
    pub incident: String,
}

/// Longest tag value EC2 and API Gateway accept.
const TAG_VALUE_MAX: usize = 256;

impl Marker {
    /// The tag key that records the last time `action` was applied to a resource.
    pub fn tag_key(action: Action) -> String {
        format!("apigw-doctor:{action}")
    }

    /// `<RFC 3339 time> <incident id>`, limited to the characters and length both EC2 and
    /// API Gateway accept in a tag value.
    pub fn tag_value(&self) -> String {
        let text = format!(
            "{} {}",
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            self.incident
        );
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || " _.:/=+-@".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(TAG_VALUE_MAX)
            .collect()
    }

    /// The marker recorded in a resource's tags for `action`, if any.
    pub fn from_tags(tags: &BTreeMap<String, String>, action: Action) -> Option<Marker> {
        Self::from_tag(tags, &Self::tag_key(action))
    }

    /// The marker recorded under tag `key`, if any (an action that marks one of several
    /// sub-resources on their parent uses one key per sub-resource).
    pub fn from_tag(tags: &BTreeMap<String, String>, key: &str) -> Option<Marker> {
        let value = tags.get(key)?;
        let (at, incident) = value.split_once(' ').unwrap_or((value, ""));
        Some(Marker {
            at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
            incident: incident.to_string(),
        })
    }
}

/// Why `action` must wait: it was applied to `target` less than the cooldown ago.
pub fn cooldown(
    action: Action,
    target: &str,
    last: Option<Marker>,
    context: &Context,
) -> Option<String> {
    let last = last?;
    let age = context.now.signed_duration_since(last.at).num_seconds();
    let window = i64::try_from(context.cooldown_seconds).unwrap_or(i64::MAX);
    (age < window).then(|| {
        format!(
            "cooldown: {action} was applied to {target} at {} for incident {} ({age} s ago, APIGW_DOCTOR_COOLDOWN_SECONDS={window})",
            last.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            if last.incident.is_empty() { "(unknown)" } else { &last.incident },
        )
    })
}
