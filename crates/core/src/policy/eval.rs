//! Three-valued evaluation of a parsed policy against one execute-api request: a statement that
//! cannot be decided makes the answer `Unknown`, never `Allow`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::condition::{evaluate_condition, RequestValue};
use super::parse::{
    expand_short_form, is_short_form, ActionElement, Condition, Effect, PolicyDocument,
    PrincipalElement, PrincipalId, ResourceElement, Statement,
};
use super::wildcard::wildcard_match;

/// Who signed the request; unsigned (or bearer-token) requests are `Anonymous`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Principal {
    Anonymous,
    /// A SigV4-signed caller whose identity is not known: a statement naming specific
    /// principals may or may not apply to it.
    Unidentified,
    /// `arn` is the caller's IAM user/role ARN or STS assumed-role session ARN.
    Aws {
        arn: String,
        account: String,
    },
}

impl Principal {
    /// An AWS principal whose account is read from its ARN (empty if the ARN has none).
    pub fn aws(arn: impl Into<String>) -> Principal {
        let arn = arn.into();
        let account = Arn::parse(&arn)
            .map(|a| a.account.to_string())
            .unwrap_or_default();
        Principal::Aws { arn, account }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestContext {
    /// e.g. `execute-api:Invoke`
    pub action: String,
    /// full ARN: `arn:aws:execute-api:us-east-1:111122223333:a1b2c3/prod/GET/items`
    pub resource: String,
    pub principal: Principal,
    /// Condition keys present in the request (names compared case-insensitively, stored lowercase).
    /// A key mapped to an empty list is explicitly absent; a key missing from the map is absent
    /// or unknowable depending on the key (see the module docs).
    pub keys: BTreeMap<String, Vec<String>>,
    /// Keys the request surely carries but whose value is not known (stored lowercase).
    pub unknown: Vec<String>,
}

impl RequestContext {
    pub fn new(
        action: impl Into<String>,
        resource: impl Into<String>,
        principal: Principal,
    ) -> Self {
        RequestContext {
            action: action.into(),
            resource: resource.into(),
            principal,
            keys: BTreeMap::new(),
            unknown: Vec::new(),
        }
    }

    /// Marks `key` as carried by the request with a value nobody told us.
    pub fn with_unknown_key(mut self, key: &str) -> Self {
        self.unknown.push(key.to_ascii_lowercase());
        self
    }

    /// Adds one value for `key`; calling it again for the same key makes it multivalued.
    pub fn with_key(mut self, key: &str, value: impl Into<String>) -> Self {
        self.keys
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// The statement that decided it: its Sid, or `#<index>` (0-based) when it has none.
    pub statement: Option<String>,
    /// For `Unknown`: what could not be evaluated, one entry each.
    pub undecided: Vec<String>,
    /// For `ImplicitDeny`/`Unknown`: Allow statements that matched but for their first failing
    /// condition. For `ExplicitDeny`: the conditions of the deciding Deny statement.
    pub misses: Vec<ConditionMiss>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionMiss {
    pub statement: String,
    pub operator: String,
    pub key: String,
    pub expected: Vec<String>,
    pub actual: Option<Vec<String>>,
}

/// Whether a statement (or one of its elements) applies to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Yes,
    No,
    Maybe,
}

impl Match {
    fn from_bool(b: bool) -> Match {
        if b {
            Match::Yes
        } else {
            Match::No
        }
    }

    fn and(self, other: Match) -> Match {
        match (self, other) {
            (Match::No, _) | (_, Match::No) => Match::No,
            (Match::Yes, Match::Yes) => Match::Yes,
            _ => Match::Maybe,
        }
    }

    fn or(self, other: Match) -> Match {
        match (self, other) {
            (Match::Yes, _) | (_, Match::Yes) => Match::Yes,
            (Match::No, Match::No) => Match::No,
            _ => Match::Maybe,
        }
    }

    fn not(self) -> Match {
        match self {
            Match::Yes => Match::No,
            Match::No => Match::Yes,
            Match::Maybe => Match::Maybe,
        }
    }

    fn any(matches: impl IntoIterator<Item = Match>) -> Match {
        matches.into_iter().fold(Match::No, Match::or)
    }
}

/// The components of an ARN; `resource` keeps any further colons.
struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> Arn<'a> {
    fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }
}

/// Everything evaluating one statement needs to know about the request.
struct Request<'a> {
    ctx: &'a RequestContext,
    /// The request ARN split up, when it is an execute-api ARN that short forms can expand against.
    api: Option<(Arn<'a>, &'a str)>,
    substitutes_variables: bool,
}

struct Verdict {
    applies: Match,
    undecided: Vec<String>,
    /// An Allow whose action, resource and principal matched: its first failing condition.
    miss: Option<ConditionMiss>,
    /// Conditions that held, reported when this statement is the deciding Deny.
    held: Vec<ConditionMiss>,
}

/// Decides whether `doc` allows the request in `ctx`. Deny wins over Allow, and a Deny that might
/// apply makes the answer `Unknown` even when an Allow surely applies.
pub fn evaluate(doc: &PolicyDocument, ctx: &RequestContext) -> Evaluation {
    decide(doc, ctx, Phase::Full)
}

/// The first phase of API Gateway's Lambda-authorizer and Cognito workflows: only an explicit
/// Deny blocks the request there, and otherwise the authorizer decides
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html>).
/// `ExplicitDeny` when a Deny applies, `Unknown` when one might, else `Allow` (nothing in the
/// policy blocks the request).
pub fn evaluate_denies(doc: &PolicyDocument, ctx: &RequestContext) -> Evaluation {
    decide(doc, ctx, Phase::DenyOnly)
}

/// Whether Allow statements take part in the decision.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Full,
    DenyOnly,
}

fn decide(doc: &PolicyDocument, ctx: &RequestContext, phase: Phase) -> Evaluation {
    let api = Arn::parse(&ctx.resource)
        .filter(|arn| arn.service == "execute-api")
        .and_then(|arn| {
            let (api_id, _) = arn.resource.split_once('/')?;
            (!api_id.is_empty()).then_some((arn, api_id))
        });
    let request = Request {
        ctx,
        api,
        substitutes_variables: doc.substitutes_variables(),
    };
    let verdicts: Vec<(String, Effect, Verdict)> = doc
        .statements
        .iter()
        .enumerate()
        .map(|(index, statement)| {
            let label = match &statement.sid {
                Some(sid) if !sid.is_empty() => sid.clone(),
                _ => format!("#{index}"),
            };
            let verdict = judge(statement, &label, &request);
            (label, statement.effect, verdict)
        })
        .collect();

    let first = |effect: Effect, applies: Match| {
        verdicts
            .iter()
            .find(|(_, e, v)| *e == effect && v.applies == applies)
    };
    let undecided_of = |effect: Effect| {
        verdicts
            .iter()
            .filter(move |(_, e, v)| *e == effect && v.applies == Match::Maybe)
            .flat_map(|(_, _, v)| v.undecided.iter().cloned())
    };
    let allow_misses: Vec<ConditionMiss> = verdicts
        .iter()
        .filter(|(_, e, _)| *e == Effect::Allow)
        .filter_map(|(_, _, v)| v.miss.clone())
        .collect();
    let outcome = |decision, statement: Option<&String>, undecided: Vec<String>, misses| {
        let mut unique = Vec::new();
        for item in undecided {
            if !unique.contains(&item) {
                unique.push(item);
            }
        }
        Evaluation {
            decision,
            statement: statement.cloned(),
            undecided: unique,
            misses,
        }
    };

    if let Some((label, _, verdict)) = first(Effect::Deny, Match::Yes) {
        return outcome(
            Decision::ExplicitDeny,
            Some(label),
            Vec::new(),
            verdict.held.clone(),
        );
    }
    let allowed = first(Effect::Allow, Match::Yes);
    if let Some((label, _, _)) = first(Effect::Deny, Match::Maybe) {
        let mut undecided: Vec<String> = undecided_of(Effect::Deny).collect();
        if allowed.is_none() && phase == Phase::Full {
            undecided.extend(undecided_of(Effect::Allow));
        }
        return outcome(Decision::Unknown, Some(label), undecided, allow_misses);
    }
    if phase == Phase::DenyOnly {
        return outcome(Decision::Allow, None, Vec::new(), Vec::new());
    }
    if let Some((label, _, _)) = allowed {
        return outcome(Decision::Allow, Some(label), Vec::new(), Vec::new());
    }
    if let Some((label, _, _)) = first(Effect::Allow, Match::Maybe) {
        let undecided = undecided_of(Effect::Allow).collect();
        return outcome(Decision::Unknown, Some(label), undecided, allow_misses);
    }
    outcome(Decision::ImplicitDeny, None, Vec::new(), allow_misses)
}

fn judge(statement: &Statement, label: &str, request: &Request) -> Verdict {
    let mut notes = Vec::new();
    let target = action_matches(&statement.action, &request.ctx.action)
        .and(resource_matches(&statement.resource, request, &mut notes))
        .and(principal_matches(
            &statement.principal,
            &request.ctx.principal,
            &mut notes,
        ));
    let mut verdict = Verdict {
        applies: target,
        undecided: Vec::new(),
        miss: None,
        held: Vec::new(),
    };
    if target == Match::No {
        return verdict;
    }
    for condition in &statement.conditions {
        let value = request_value(request.ctx, &condition.key);
        let record = || miss(label, condition, &value);
        match evaluate_condition(condition, &value, request.substitutes_variables) {
            Ok(true) => verdict.held.push(record()),
            Ok(false) => {
                if verdict.miss.is_none() && target == Match::Yes {
                    verdict.miss = Some(record());
                }
                verdict.applies = Match::No;
            }
            Err(reason) => {
                notes.push(reason);
                verdict.applies = verdict.applies.and(Match::Maybe);
            }
        }
    }
    if statement.effect == Effect::Deny {
        verdict.miss = None;
    }
    verdict.undecided = notes
        .into_iter()
        .map(|note| format!("{note} (statement {label})"))
        .collect();
    verdict
}

fn miss(label: &str, condition: &Condition, value: &RequestValue) -> ConditionMiss {
    ConditionMiss {
        statement: label.to_string(),
        operator: condition.operator.clone(),
        key: condition.key.clone(),
        expected: condition.values.clone(),
        actual: match value {
            RequestValue::Present(values) => Some(values.clone()),
            RequestValue::Absent | RequestValue::Unknowable => None,
        },
    }
}

fn action_matches(element: &ActionElement, action: &str) -> Match {
    let action = action.to_lowercase();
    let listed = |patterns: &[String]| {
        Match::from_bool(
            patterns
                .iter()
                .any(|p| wildcard_match(&p.to_lowercase(), &action)),
        )
    };
    match element {
        ActionElement::Action(patterns) => listed(patterns),
        ActionElement::NotAction(patterns) => listed(patterns).not(),
    }
}

fn resource_matches(
    element: &ResourceElement,
    request: &Request,
    notes: &mut Vec<String>,
) -> Match {
    let (patterns, negated) = match element {
        ResourceElement::Resource(patterns) => (patterns, false),
        ResourceElement::NotResource(patterns) => (patterns, true),
    };
    let listed = Match::any(
        patterns
            .iter()
            .map(|pattern| resource_pattern_matches(pattern, request, notes)),
    );
    if negated {
        listed.not()
    } else {
        listed
    }
}

fn resource_pattern_matches(pattern: &str, request: &Request, notes: &mut Vec<String>) -> Match {
    let resource = &request.ctx.resource;
    if request.substitutes_variables && pattern.contains("${") {
        notes.push(format!("policy variable in Resource {pattern:?}"));
        return Match::Maybe;
    }
    if is_short_form(pattern) {
        let expanded = request.api.as_ref().and_then(|(arn, api_id)| {
            expand_short_form(pattern, arn.partition, arn.region, arn.account, api_id)
        });
        return match expanded {
            Some(full) => Match::from_bool(wildcard_match(&full, resource)),
            None => {
                notes.push(format!(
                    "cannot expand {pattern:?}: request resource is not an execute-api ARN"
                ));
                Match::Maybe
            }
        };
    }
    if wildcard_match(pattern, resource) {
        return Match::Yes;
    }
    if pattern.starts_with("arn:") {
        return Match::No;
    }
    // Not an ARN, "*" or a documented short form: API Gateway may rewrite it in ways we do not know.
    notes.push(format!("unrecognised Resource form {pattern:?}"));
    Match::Maybe
}

/// How one `AWS` principal entry names principals.
enum Entry<'a> {
    Everyone,
    Account(&'a str),
    Identity(&'a str),
    /// A unique ID (AIDA.../AROA...) is what IAM shows once the named user or role was deleted,
    /// so it matches no current caller.
    Deleted,
    Unrecognised,
}

fn classify(entry: &str) -> Entry<'_> {
    if entry == "*" {
        return Entry::Everyone;
    }
    if crate::is_account_id(entry) {
        return Entry::Account(entry);
    }
    if let Some(arn) = Arn::parse(entry) {
        if arn.service == "iam" && arn.resource == "root" {
            return Entry::Account(arn.account);
        }
        // IAM rejects partial wildcards in principals, so their meaning is unspecified.
        if entry.contains(['*', '?']) {
            return Entry::Unrecognised;
        }
        return Entry::Identity(entry);
    }
    let unique_id = (entry.starts_with("AIDA") || entry.starts_with("AROA"))
        && entry
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if unique_id {
        Entry::Deleted
    } else {
        Entry::Unrecognised
    }
}

/// Whether an identity-level entry names the caller, including a role named by its role ARN
/// when the caller is one of that role's sessions.
fn identity_matches(entry: &str, caller: &str, notes: &mut Vec<String>) -> Match {
    if entry == caller {
        return Match::Yes;
    }
    if let (Some(named), Some(session)) = (Arn::parse(entry), Arn::parse(caller)) {
        let role_name = named
            .resource
            .strip_prefix("role/")
            .and_then(|path| path.rsplit('/').next());
        let session_role = session
            .resource
            .strip_prefix("assumed-role/")
            .and_then(|rest| rest.split('/').next());
        if let (Some(role), Some(assumed)) = (role_name, session_role) {
            let same_account = named.service == "iam"
                && session.service == "sts"
                && named.partition == session.partition
                && named.account == session.account;
            if same_account && role == assumed {
                return Match::Yes;
            }
            if same_account && role.eq_ignore_ascii_case(assumed) {
                notes.push(format!(
                    "principal {entry:?} differs from the caller's role only in letter case"
                ));
                return Match::Maybe;
            }
        }
    }
    if entry.eq_ignore_ascii_case(caller) {
        notes.push(format!(
            "principal {entry:?} differs from the caller only in letter case"
        ));
        return Match::Maybe;
    }
    Match::No
}

fn principal_matches(
    element: &PrincipalElement,
    principal: &Principal,
    notes: &mut Vec<String>,
) -> Match {
    match element {
        PrincipalElement::Principal(ids) => Match::any(
            ids.iter()
                .map(|id| principal_id_matches(id, principal, notes)),
        ),
        PrincipalElement::NotPrincipal(ids) => not_principal_matches(ids, principal, notes),
    }
}

fn principal_id_matches(id: &PrincipalId, principal: &Principal, notes: &mut Vec<String>) -> Match {
    let entry = match id {
        PrincipalId::Everyone => return Match::Yes,
        PrincipalId::Aws(entry) => entry,
        // Service and web-identity principals never call execute-api:Invoke in these contexts.
        PrincipalId::Service(_) | PrincipalId::Federated(_) | PrincipalId::CanonicalUser(_) => {
            return Match::No
        }
    };
    match (classify(entry), principal) {
        (Entry::Everyone, _) => Match::Yes,
        (_, Principal::Anonymous) | (Entry::Deleted, _) => Match::No,
        (_, Principal::Unidentified) => {
            notes.push(format!(
                "the caller's identity is not known, and the statement names principal {entry:?}"
            ));
            Match::Maybe
        }
        (Entry::Account(listed), Principal::Aws { account, .. }) => {
            Match::from_bool(listed == account)
        }
        (Entry::Identity(listed), Principal::Aws { arn, .. }) => {
            identity_matches(listed, arn, notes)
        }
        (Entry::Unrecognised, Principal::Aws { .. }) => {
            notes.push(format!("unrecognised principal {entry:?}"));
            Match::Maybe
        }
    }
}

/// IAM evaluates NotPrincipal against every identity in the caller's chain (account, role,
/// session), so a caller is only surely excluded when both its account and its own identity are
/// listed, and surely included when neither is.
fn not_principal_matches(
    ids: &[PrincipalId],
    principal: &Principal,
    notes: &mut Vec<String>,
) -> Match {
    let mut account_listed = Match::No;
    let mut identity_listed = Match::No;
    for id in ids {
        let PrincipalId::Aws(entry) = id else {
            if *id == PrincipalId::Everyone {
                return Match::No;
            }
            continue;
        };
        match (classify(entry), principal) {
            (Entry::Everyone, _) => return Match::No,
            (_, Principal::Anonymous) | (Entry::Deleted, _) => {}
            (_, Principal::Unidentified) => {
                notes.push(format!(
                    "the caller's identity is not known, and NotPrincipal names {entry:?}"
                ));
                identity_listed = identity_listed.or(Match::Maybe);
            }
            (Entry::Account(listed), Principal::Aws { account, .. }) => {
                account_listed = account_listed.or(Match::from_bool(listed == account));
            }
            (Entry::Identity(listed), Principal::Aws { arn, .. }) => {
                identity_listed = identity_listed.or(identity_matches(listed, arn, notes));
            }
            (Entry::Unrecognised, Principal::Aws { .. }) => {
                notes.push(format!("unrecognised principal {entry:?} in NotPrincipal"));
                identity_listed = identity_listed.or(Match::Maybe);
            }
        }
    }
    if let Principal::Aws { arn, .. } = principal {
        if Arn::parse(arn).is_some_and(|a| a.service == "iam" && a.resource == "root") {
            identity_listed = identity_listed.or(account_listed);
        }
    }
    match (account_listed, identity_listed) {
        _ if *principal == Principal::Unidentified && identity_listed == Match::Maybe => {
            Match::Maybe
        }
        (Match::No, Match::No) => Match::Yes,
        (Match::Yes, Match::Yes) => Match::No,
        _ => {
            notes.push(
                "NotPrincipal lists only part of the caller's identity chain (account and role/user)"
                    .to_string(),
            );
            Match::Maybe
        }
    }
}

/// Keys that exist only for signed requests, so an anonymous caller surely lacks them.
const PRINCIPAL_KEYS: [&str; 4] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
];

/// Keys the caller is expected to fill in whenever the request carries them.
const NETWORK_KEYS: [&str; 5] = [
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:securetransport",
];

fn request_value(ctx: &RequestContext, key: &str) -> RequestValue {
    if ctx.unknown.iter().any(|k| k.eq_ignore_ascii_case(key)) {
        return RequestValue::Unknowable;
    }
    let mut provided: Option<Vec<String>> = None;
    for (name, values) in &ctx.keys {
        if name.eq_ignore_ascii_case(key) {
            provided
                .get_or_insert_with(Vec::new)
                .extend(values.iter().cloned());
        }
    }
    if let Some(values) = provided {
        return if values.is_empty() {
            RequestValue::Absent
        } else {
            RequestValue::Present(values)
        };
    }
    let key = key.to_ascii_lowercase();
    let key = key.as_str();
    match &ctx.principal {
        // API Gateway only accepts HTTPS, so every execute-api request is over TLS.
        _ if key == "aws:securetransport"
            && ctx.action.to_lowercase().starts_with("execute-api:") =>
        {
            RequestValue::Present(vec!["true".to_string()])
        }
        Principal::Aws { account, .. } if key == "aws:principalaccount" => {
            RequestValue::Present(vec![account.clone()])
        }
        // A session's aws:PrincipalArn is its role's ARN, whose path the session ARN omits.
        Principal::Aws { arn, .. }
            if key == "aws:principalarn" && Arn::parse(arn).is_some_and(|a| a.service == "iam") =>
        {
            RequestValue::Present(vec![arn.clone()])
        }
        Principal::Anonymous
            if PRINCIPAL_KEYS.contains(&key) || key.starts_with("aws:principaltag/") =>
        {
            RequestValue::Absent
        }
        _ if NETWORK_KEYS.contains(&key) => RequestValue::Absent,
        _ => RequestValue::Unknowable,
    }
}
