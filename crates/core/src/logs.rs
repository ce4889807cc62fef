//! The stage's own logs: which log groups a stage writes to, what a search over the incident
//! window asks CloudWatch Logs for, how far it may go, and how a line is made safe to quote.
//! The shell runs the search (`FilterLogEvents`); `checks::logs` turns what it found into
//! `LOG_SIGNATURE` findings with the one classifier table of [`crate::cause`].

use serde::{Deserialize, Serialize};

/// How far one log group's search may go. The first bound reached ends it, and the finding
/// (or a note) says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// `FilterLogEvents` pages.
    pub pages: usize,
    /// Bytes of event messages read.
    pub bytes: usize,
    /// Events read.
    pub events: usize,
}

/// The bounds a run uses: enough for an incident window of a busy stage's error lines, small
/// enough for a Lambda run of seconds.
pub const BOUNDS: Bounds = Bounds {
    pages: 10,
    bytes: 4 * 1024 * 1024,
    events: 5_000,
};

/// Which bound ended a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Pages,
    Bytes,
    Events,
}

impl Bound {
    pub fn as_str(self) -> &'static str {
        match self {
            Bound::Pages => "pages",
            Bound::Bytes => "bytes",
            Bound::Events => "events",
        }
    }
}

/// What a search has read so far, and whether it may read another page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub pages: usize,
    pub bytes: usize,
    pub events: usize,
}

impl Progress {
    /// Counts one page of `messages`; the events past a bound are not kept (`keep` is how many
    /// of the page's events are).
    pub fn page<'a>(
        &mut self,
        messages: impl IntoIterator<Item = &'a str>,
        bounds: Bounds,
    ) -> (usize, Option<Bound>) {
        self.pages += 1;
        let mut keep = 0;
        for message in messages {
            if self.events >= bounds.events {
                return (keep, Some(Bound::Events));
            }
            if self.bytes + message.len() > bounds.bytes {
                return (keep, Some(Bound::Bytes));
            }
            self.events += 1;
            self.bytes += message.len();
            keep += 1;
        }
        (keep, None)
    }

    /// Whether another page may be asked for (when there is one).
    pub fn next_page(&self, bounds: Bounds) -> Result<(), Bound> {
        if self.pages >= bounds.pages {
            Err(Bound::Pages)
        } else {
            Ok(())
        }
    }
}

/// Which log a group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    Execution,
    Access,
}

/// One event a search returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub message: String,
}

/// What one log group of a named stage held over the incident window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSearch {
    pub api_id: String,
    pub stage: String,
    pub kind: LogKind,
    pub log_group: String,
    /// `false`: CloudWatch Logs has no such group (nothing was ever written to it).
    pub exists: bool,
    /// The events read (for an execution log, those matching the filter pattern).
    pub events: Vec<LogEvent>,
    /// The bound that ended the search before its last page, if one did.
    pub bound: Option<Bound>,
}

/// The execution log group of a REST stage
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>).
pub fn rest_execution_group(api_id: &str, stage: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{stage}")
}

/// The execution log group of a WebSocket stage.
pub fn websocket_execution_group(api_id: &str, stage: &str) -> String {
    format!("/aws/apigateway/{api_id}/{stage}")
}

/// The log group named by an access-log destination ARN
/// (`arn:<partition>:logs:<region>:<account>:log-group:<name>`, perhaps ending `:*`); `None`
/// for a destination that is not a CloudWatch Logs group (a Firehose stream).
pub fn access_log_group(destination_arn: &str) -> Option<String> {
    let (_, name) = destination_arn.split_once(":log-group:")?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

/// What a search asks CloudWatch Logs for: one part of each string the classifier knows (every
/// known string contains one, a test holds them to each other), short enough that the whole
/// pattern fits `FilterLogEvents`' 1,024 characters. A wider answer costs only reading: each
/// line returned is classified again.
const FILTER_TERMS: &[&str] = &[
    "not authorized to",
    "explicit deny",
    "security token included",
    "Signature expired",
    "signature we calculated",
    "Authorization header requires",
    "IncompleteSignature",
    "Missing Authentication Token",
    "MissingAuthenticationToken",
    "Invalid API Key",
    "Could not find issuer",
    "insecure Signature Algorithm",
    "self signed certificate",
    "internal error while executing",
    "certificate subject",
    "PKIX path",
    "ServerKeyExchange",
    "Execution failed due to",
    "valid protocol version",
    "Connection timed out",
    "GoneException",
    "Invalid permissions on Lambda",
    "Malformed Lambda proxy",
    "customer function error",
    "failed with status: 429",
    "communicating with endpoint",
    "Invalid endpoint address",
    "Output mapping refers",
    "Key throttle limit",
    "Key quota exhausted",
    "Too Many Requests",
    "Limit Exceeded",
    "401 Unauthorized",
    "completed with status: 502",
];

/// The filter pattern that asks for every string the classifier knows: `?"a" ?"b" …`, any of
/// [`FILTER_TERMS`]. CloudWatch Logs matches terms case-sensitively, as API Gateway writes
/// them; each line returned is classified again, so a wider answer (an emulator's) changes
/// nothing.
pub fn filter_pattern() -> String {
    FILTER_TERMS
        .iter()
        .map(|s| format!("?\"{}\"", s.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The request an execution-log line belongs to: API Gateway starts each line with the request
/// id in parentheses, `(0f1e…) Method completed with status: 502`. `None` for a line without
/// one (an access log, a test-invoke log).
pub fn request_id(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('(')?;
    let (id, _) = rest.split_once(')')?;
    (!id.is_empty() && !id.contains(char::is_whitespace)).then_some(id)
}

/// The most of a sample line a finding quotes.
pub const SAMPLE_CHARS: usize = 500;

const REDACTED: &str = "[REDACTED]";

/// Names whose value is a secret wherever it appears (header, JSON key, query parameter),
/// compared case-insensitively.
const SECRET_NAMES: &[&str] = &[
    "authorization",
    "x-api-key",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-credential",
    "cookie",
    "set-cookie",
    "token",
    "id_token",
    "access_token",
    "refresh_token",
    "authorizationtoken",
    "apikey",
    "api_key",
    "password",
    "secret",
    "signature",
];

/// A log line made safe to quote: the values of Authorization headers, tokens, API keys,
/// signatures, credentials, cookies and JWTs are replaced with `[REDACTED]`, and the line is cut
/// to [`SAMPLE_CHARS`]. API Gateway's execution log writes request headers as `{name=value,
/// name=value}` and access logs may be JSON; both forms, `name: value` and query strings are
/// covered.
pub fn redact(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // A secret name followed (after a closing quote and blanks) by `=` or `:`.
        if let Some(value_start) = secret_name_at(&chars, i) {
            out.extend(&chars[i..value_start]);
            let value_end = value_end(&chars, value_start);
            if value_end > value_start {
                out.push_str(REDACTED);
            }
            i = value_end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    let out = redact_jwts(&out);
    let out = redact_access_keys(&out);
    if out.chars().count() > SAMPLE_CHARS {
        let cut: String = out.chars().take(SAMPLE_CHARS).collect();
        format!("{cut}…")
    } else {
        out
    }
}

/// If a secret name starts at `i` (at a word boundary), where its value starts (after the
/// separator, blanks and an opening quote).
fn secret_name_at(chars: &[char], i: usize) -> Option<usize> {
    let boundary = i == 0 || !is_name_char(chars[i - 1]);
    if !boundary {
        return None;
    }
    let mut end = i;
    while end < chars.len() && is_name_char(chars[end]) {
        end += 1;
    }
    if end == i {
        return None;
    }
    let name: String = chars[i..end]
        .iter()
        .collect::<String>()
        .to_ascii_lowercase();
    let secret = SECRET_NAMES.contains(&name.as_str())
        || (name.starts_with("x-amz-") && (name.ends_with("signature") || name.ends_with("token")));
    if !secret {
        return None;
    }
    let mut j = end;
    if j < chars.len() && chars[j] == '"' {
        j += 1;
    }
    while j < chars.len() && chars[j] == ' ' {
        j += 1;
    }
    if j >= chars.len() || !(chars[j] == '=' || chars[j] == ':') {
        return None;
    }
    j += 1;
    while j < chars.len() && chars[j] == ' ' {
        j += 1;
    }
    if j < chars.len() && chars[j] == '"' {
        j += 1;
    }
    Some(j)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Where a secret's value ends: at a closing quote, or at the `,` `}` `&` `;` `]` or line end
/// that ends a header, a field or a parameter. An Authorization value has blanks inside
/// (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, `Bearer …`), so commas
/// followed by a SigV4 part do not end it.
fn value_end(chars: &[char], start: usize) -> usize {
    let quoted = start > 0 && chars[start - 1] == '"';
    let mut j = start;
    while j < chars.len() {
        let c = chars[j];
        if quoted {
            if c == '\\' {
                j += 2;
                continue;
            }
            if c == '"' {
                return j;
            }
        } else if matches!(c, '}' | '&' | ';' | ']' | '"' | '\n') {
            return j;
        } else if c == ',' {
            let rest: String = chars[j + 1..].iter().take(20).collect();
            let rest = rest.trim_start();
            let sigv4 = ["Credential=", "SignedHeaders=", "Signature="]
                .iter()
                .any(|p| rest.starts_with(p));
            if !sigv4 {
                return j;
            }
        }
        j += 1;
    }
    chars.len()
}

/// JSON Web Tokens anywhere (`eyJ…`.`…`.`…`): an authorizer's bearer token logged outside a
/// named field.
fn redact_jwts(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("eyJ") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let len = from
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=')))
            .unwrap_or(from.len());
        let token = &from[..len];
        if token.matches('.').count() >= 2 {
            out.push_str(REDACTED);
        } else {
            out.push_str(token);
        }
        rest = &from[len..];
    }
    out.push_str(rest);
    out
}

/// AWS access key ids (`AKIA…`, `ASIA…`, 20 characters) outside a named field (inside an error
/// message that quotes the credential scope).
fn redact_access_keys(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if boundary && i + 20 <= chars.len() {
            let word: String = chars[i..i + 20].iter().collect();
            let after_ok = i + 20 == chars.len() || !chars[i + 20].is_ascii_alphanumeric();
            if after_ok
                && (word.starts_with("AKIA") || word.starts_with("ASIA"))
                && word
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                out.push_str(REDACTED);
                i += 20;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests;
