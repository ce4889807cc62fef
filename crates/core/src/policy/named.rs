//! Which ids a policy admits through a condition key: the endpoints (`aws:SourceVpce`) and
//! VPCs (`aws:SourceVpc`) a private API's resource policy names as ways in.

use super::{Condition, Effect, PolicyDocument};

impl PolicyDocument {
    /// Exact ids (starting with `prefix`) that a policy admits by `key`: listed in an Allow's
    /// `StringEquals`/`ForAnyValue:StringEquals` or in a Deny's `StringNotEquals`. Patterns are not
    /// ids, and an id that a Deny's `StringEquals`/`StringLike` blocks is not a way in (SPEC §5,
    /// `VPC_ENDPOINT_NOT_AVAILABLE`).
    pub fn admitted(&self, key: &str, prefix: &str) -> Vec<String> {
        let on_key = |effect: Effect| {
            self.statements
                .iter()
                .filter(move |s| s.effect == effect)
                .flat_map(|s| s.conditions.iter())
                .filter(|c| c.key.eq_ignore_ascii_case(key))
        };
        let operator = |c: &Condition| {
            let name = c.operator.to_ascii_lowercase();
            let name = name
                .strip_prefix("forallvalues:")
                .or_else(|| name.strip_prefix("foranyvalue:"))
                .unwrap_or(&name);
            name.strip_suffix("ifexists").unwrap_or(name).to_string()
        };
        let blocks = |id: &str| {
            on_key(Effect::Deny).any(|c| match operator(c).as_str() {
                "stringequals" => c.values.iter().any(|v| v == id),
                "stringlike" => c.values.iter().any(|v| super::wildcard_match(v, id)),
                _ => false,
            })
        };
        let mut ids: Vec<String> = Vec::new();
        let listed = on_key(Effect::Allow)
            .filter(|c| operator(c) == "stringequals")
            .chain(on_key(Effect::Deny).filter(|c| operator(c) == "stringnotequals"))
            .flat_map(|c| c.values.iter());
        for id in listed {
            let exact = id.starts_with(prefix) && !id.contains(['*', '?', '$']);
            if exact && !blocks(id) && !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    }
}
