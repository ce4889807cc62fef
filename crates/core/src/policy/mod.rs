//! IAM policy parsing and evaluation: does an API Gateway resource policy or VPC endpoint policy
//! allow `execute-api:Invoke` for this caller, ARN and network origin?
//!
//! Anything the evaluator cannot decide (an operator it does not implement, a condition key whose
//! request value it cannot know, a policy variable) yields `Decision::Unknown` with the reason in
//! `Evaluation::undecided`, never `Allow`.
//!
//! Condition keys: a key in `RequestContext::keys` is present with those values; a key in
//! `RequestContext::unknown` is present with a value the tool does not know. Otherwise
//! `aws:SourceVpce`, `aws:SourceVpc`, `aws:SourceIp`, `aws:VpcSourceIp` are absent;
//! `aws:SecureTransport` is `true` for execute-api actions (API Gateway is HTTPS-only);
//! `aws:PrincipalAccount` (and `aws:PrincipalArn` for IAM users/roles) come from the principal;
//! principal keys (`aws:PrincipalArn`, `aws:PrincipalOrgID`, ...) are absent for anonymous
//! callers and unknowable for signed ones; every other key is unknowable. A signed caller whose
//! identity is not known (`Principal::Unidentified`) matches `*` surely and any named principal
//! only maybe.

mod condition;
mod eval;
mod named;
mod parse;
mod wildcard;

pub use eval::{
    evaluate, evaluate_denies, ConditionMiss, Decision, Evaluation, Principal, RequestContext,
};
pub use parse::{
    parse_policy, ActionElement, Condition, Effect, PolicyDocument, PolicyError, PrincipalElement,
    PrincipalId, ResourceElement, Statement,
};
pub use wildcard::wildcard_match;

#[cfg(test)]
mod tests;
