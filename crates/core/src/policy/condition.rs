//! Condition operators, evaluated the way IAM does for one request.

use std::net::IpAddr;

use ipnet::IpNet;

use super::parse::Condition;
use super::wildcard::wildcard_match;

/// What the request carries for one condition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RequestValue {
    Present(Vec<String>),
    /// Known not to be in the request (e.g. `aws:SourceVpce` on a call from the internet).
    Absent,
    /// The request may or may not carry it, and if it does this tool cannot know its value.
    Unknowable,
}

/// How one request value is compared with one policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Equals,
    EqualsIgnoreCase,
    Like,
    Arn,
    Ip,
    Bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `negated` operators (StringNotEquals, NotIpAddress, ...) hold when the request value
    /// matches none of the policy values, i.e. they invert the positive test.
    Compare {
        test: Test,
        negated: bool,
    },
    Null,
}

impl Kind {
    fn from_name(name: &str) -> Option<Kind> {
        const fn compare(test: Test, negated: bool) -> Kind {
            Kind::Compare { test, negated }
        }
        const KINDS: [(&str, Kind); 14] = [
            ("StringEquals", compare(Test::Equals, false)),
            ("StringNotEquals", compare(Test::Equals, true)),
            (
                "StringEqualsIgnoreCase",
                compare(Test::EqualsIgnoreCase, false),
            ),
            (
                "StringNotEqualsIgnoreCase",
                compare(Test::EqualsIgnoreCase, true),
            ),
            ("StringLike", compare(Test::Like, false)),
            ("StringNotLike", compare(Test::Like, true)),
            // IAM gives ArnEquals the same wildcard semantics as ArnLike.
            ("ArnEquals", compare(Test::Arn, false)),
            ("ArnLike", compare(Test::Arn, false)),
            ("ArnNotEquals", compare(Test::Arn, true)),
            ("ArnNotLike", compare(Test::Arn, true)),
            ("IpAddress", compare(Test::Ip, false)),
            ("NotIpAddress", compare(Test::Ip, true)),
            ("Bool", compare(Test::Bool, false)),
            ("Null", Kind::Null),
        ];
        KINDS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|&(_, kind)| kind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    set: Option<SetQualifier>,
    kind: Kind,
    if_exists: bool,
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

impl Operator {
    fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(rest) = strip_prefix_ignore_case(name, "ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = strip_prefix_ignore_case(name, "ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (base, if_exists) = match strip_suffix_ignore_case(rest, "IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let kind = Kind::from_name(base)?;
        // IAM has no NullIfExists or set-qualified Null; treat them as operators we do not know.
        if kind == Kind::Null && (if_exists || set.is_some()) {
            return None;
        }
        Some(Operator {
            set,
            kind,
            if_exists,
        })
    }
}

/// Whether one condition entry holds; `Err` names what could not be decided.
pub(super) fn evaluate_condition(
    condition: &Condition,
    request: &RequestValue,
    substitutes_variables: bool,
) -> Result<bool, String> {
    let operator = Operator::parse(&condition.operator)
        .ok_or_else(|| format!("unsupported condition operator {}", condition.operator))?;
    if substitutes_variables && condition.values.iter().any(|v| v.contains("${")) {
        return Err(format!(
            "policy variable in {} value for {}",
            condition.operator, condition.key
        ));
    }
    let values = match request {
        RequestValue::Unknowable => {
            return Err(format!(
                "condition key {} is not known for this request",
                condition.key
            ))
        }
        RequestValue::Present(values) if !values.is_empty() => values,
        _ => return when_absent(operator, &condition.values),
    };
    let (test, negated) = match operator.kind {
        Kind::Null => return Ok(expects_null(&condition.values)?.contains(&false)),
        Kind::Compare { test, negated } => (test, negated),
    };
    let one = |value: &String| test_value(test, negated, value, &condition.values);
    match operator.set {
        None => match values.as_slice() {
            [value] => one(value),
            _ => Err(format!(
                "condition key {} has several request values but {} compares a single value",
                condition.key, condition.operator
            )),
        },
        Some(SetQualifier::ForAnyValue) => any(values.iter().map(one)),
        Some(SetQualifier::ForAllValues) => all(values.iter().map(one)),
    }
}

fn when_absent(operator: Operator, policy_values: &[String]) -> Result<bool, String> {
    let negated = match operator.kind {
        Kind::Null => return Ok(expects_null(policy_values)?.contains(&true)),
        Kind::Compare { negated, .. } => negated,
    };
    if operator.if_exists {
        return Ok(true);
    }
    Ok(match operator.set {
        Some(SetQualifier::ForAllValues) => true,
        Some(SetQualifier::ForAnyValue) => false,
        // A negated operator is true when the key is missing: this is what makes
        // `Deny unless StringEquals aws:SourceVpce` deny calls that bypass the endpoint.
        None => negated,
    })
}

fn expects_null(policy_values: &[String]) -> Result<Vec<bool>, String> {
    policy_values
        .iter()
        .map(|v| parse_bool(v).ok_or_else(|| format!("Null expects true or false, found {v:?}")))
        .collect()
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Three-valued OR: a definite match wins over an undecidable one.
fn any(results: impl Iterator<Item = Result<bool, String>>) -> Result<bool, String> {
    let mut undecided = None;
    for result in results {
        match result {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(reason) => undecided = undecided.or(Some(reason)),
        }
    }
    undecided.map_or(Ok(false), Err)
}

/// Three-valued AND: a definite failure wins over an undecidable one.
fn all(results: impl Iterator<Item = Result<bool, String>>) -> Result<bool, String> {
    let mut undecided = None;
    for result in results {
        match result {
            Ok(false) => return Ok(false),
            Ok(true) => {}
            Err(reason) => undecided = undecided.or(Some(reason)),
        }
    }
    undecided.map_or(Ok(true), Err)
}

/// One request value against all the policy's values: OR'ed, then inverted for negated operators.
fn test_value(
    test: Test,
    negated: bool,
    request: &str,
    policy_values: &[String],
) -> Result<bool, String> {
    let matched = any(policy_values
        .iter()
        .map(|expected| value_matches(test, expected, request)))?;
    Ok(matched != negated)
}

fn value_matches(test: Test, expected: &str, request: &str) -> Result<bool, String> {
    match test {
        Test::Equals => Ok(expected == request),
        Test::EqualsIgnoreCase => Ok(expected.to_lowercase() == request.to_lowercase()),
        Test::Like => Ok(wildcard_match(expected, request)),
        Test::Arn => arn_matches(expected, request),
        Test::Ip => ip_matches(expected, request),
        Test::Bool => Ok(expected.eq_ignore_ascii_case(request)),
    }
}

/// IAM compares ARNs component by component, so a `*` never spans a colon before the resource part.
fn arn_matches(expected: &str, request: &str) -> Result<bool, String> {
    if expected == "*" {
        return Ok(true);
    }
    let pattern: Vec<&str> = expected.splitn(6, ':').collect();
    if pattern.len() != 6 || pattern[0] != "arn" {
        return Err(format!("ARN condition value {expected:?} is not an ARN"));
    }
    let actual: Vec<&str> = request.splitn(6, ':').collect();
    Ok(actual.len() == 6
        && pattern
            .iter()
            .zip(&actual)
            .all(|(p, a)| wildcard_match(p, a)))
}

fn ip_matches(expected: &str, request: &str) -> Result<bool, String> {
    let range = expected
        .parse::<IpNet>()
        .or_else(|_| expected.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("IP condition value {expected:?} is not an address or CIDR"))?;
    let address = request
        .parse::<IpAddr>()
        .map_err(|_| format!("request value {request:?} is not an IP address"))?;
    Ok(range.contains(&address))
}
