//! Access-log lines read with the stage's own `accessLogSettings.format`: which field of a JSON,
//! CLF, CSV or XML line holds `$context.status`, `$context.error.responseType` and
//! `$context.error.message`, taken from the format itself and never guessed.
//!
//! API Gateway writes one line per request by substituting `$context` variables into the format
//! ("Choose a log format that is also adopted by your analytic backend, such as Common Log Format
//! (CLF), JSON, XML, or CSV"; only `$context` variables are supported, so a response header such
//! as `x-amzn-errortype` cannot be logged: its counterpart is `$context.error.responseType`, the
//! gateway response type) —
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-access-logging.html> and
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html>.

use serde_json::Value;

/// The variables read from a line.
const STATUS: &str = "context.status";
const RESPONSE_TYPE: &str = "context.error.responseType";
const MESSAGE: &str = "context.error.message";
/// `"$context.error.message"`, quotes included.
const MESSAGE_STRING: &str = "context.error.messageString";
/// Which API and stage a line is of: one log group may take several stages' access logs.
const API_ID: &str = "context.apiId";
const STAGE: &str = "context.stage";

/// The shape of a format, as the evidence names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Json,
    Clf,
    Csv,
    Xml,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Json => "json",
            Shape::Clf => "clf",
            Shape::Csv => "csv",
            Shape::Xml => "xml",
        }
    }
}

/// A stage's access-log format, ready to read lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessFormat {
    pub shape: Shape,
    fields: Fields,
}

/// Where the wanted values are in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fields {
    /// The key path of each variable in a JSON object.
    Json(Wanted<Vec<String>>),
    /// The element (or attribute) named for each variable.
    Xml(Wanted<XmlField>),
    /// The whole format as literal text and variables (CLF, CSV, anything else).
    Template(Vec<Segment>),
}

/// The location of each variable read, in one kind of line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted<T> {
    status: T,
    response_type: Option<T>,
    message: Option<(T, bool)>,
    api_id: Option<T>,
    stage: Option<T>,
}

/// The values a line holds, as text.
struct Values {
    status: String,
    response_type: Option<String>,
    message: Option<String>,
    api_id: Option<String>,
    stage: Option<String>,
}

impl<T> Wanted<T> {
    /// Where each variable is, found with `locate`; `None` without a status.
    fn locate(locate: impl Fn(&str) -> Option<T>) -> Option<Wanted<T>> {
        Some(Wanted {
            status: locate(STATUS)?,
            response_type: locate(RESPONSE_TYPE),
            message: locate(MESSAGE)
                .map(|f| (f, false))
                .or_else(|| locate(MESSAGE_STRING).map(|f| (f, true))),
            api_id: locate(API_ID),
            stage: locate(STAGE),
        })
    }

    /// Every variable's value, each read with `at`; `None` without a status.
    fn values(&self, at: impl Fn(&T) -> Option<String>) -> Option<Values> {
        Some(Values {
            status: at(&self.status)?,
            response_type: self.response_type.as_ref().and_then(&at),
            message: self
                .message
                .as_ref()
                .and_then(|(field, quoted)| at(field).map(|m| unquote(&m, *quoted))),
            api_id: self.api_id.as_ref().and_then(&at),
            stage: self.stage.as_ref().and_then(&at),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum XmlField {
    Element(String),
    Attribute(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Variable(String),
}

/// What a format without `$context.status` leaves: nothing to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoStatus;

/// What one line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub status: u16,
    /// `$context.error.responseType` (`MISSING_AUTHENTICATION_TOKEN`, `ACCESS_DENIED`, …).
    pub response_type: Option<String>,
    pub message: Option<String>,
    /// `$context.apiId` and `$context.stage`, when the format logs them.
    pub api_id: Option<String>,
    pub stage: Option<String>,
}

impl Entry {
    /// Whether the line may be of `stage` of `api_id`: it is not when the format logs another
    /// API or stage; a format that logs neither cannot tell, so the line may be.
    pub fn may_be_of(&self, api_id: &str, stage: &str) -> bool {
        self.api_id.as_deref().is_none_or(|a| a == api_id)
            && self.stage.as_deref().is_none_or(|s| s == stage)
    }
}

impl AccessFormat {
    /// Reads a format: its shape, and where `$context.status` and the error variables are.
    pub fn parse(format: &str) -> Result<AccessFormat, NoStatus> {
        // A format may end with a newline ("You can add a newline character (\n) at the end of
        // the log format"); CloudWatch Logs events carry none.
        let format = format.trim();
        let segments = segments(format);
        let has = |name: &str| {
            segments
                .iter()
                .any(|s| matches!(s, Segment::Variable(v) if v == name))
        };
        if !has(STATUS) {
            return Err(NoStatus);
        }
        if format.starts_with('{') {
            if let Some(wanted) = json_paths(&segments) {
                return Ok(AccessFormat {
                    shape: Shape::Json,
                    fields: Fields::Json(wanted),
                });
            }
        }
        if format.starts_with('<') {
            if let Some(wanted) = xml_fields(&segments) {
                return Ok(AccessFormat {
                    shape: Shape::Xml,
                    fields: Fields::Xml(wanted),
                });
            }
        }
        Ok(AccessFormat {
            shape: template_shape(&segments),
            fields: Fields::Template(segments),
        })
    }

    /// Whether lines of stage `other` can be told from lines of stage `own` (each an API id and
    /// a stage name) when both stages log to one group: the format logs `$context.apiId` where
    /// the APIs differ, or `$context.stage` where the stages do.
    pub fn tells_apart(&self, own: (&str, &str), other: (&str, &str)) -> bool {
        let (api_id, stage) = match &self.fields {
            Fields::Json(wanted) => (wanted.api_id.is_some(), wanted.stage.is_some()),
            Fields::Xml(wanted) => (wanted.api_id.is_some(), wanted.stage.is_some()),
            Fields::Template(segments) => {
                let logs = |name: &str| {
                    segments
                        .iter()
                        .any(|s| matches!(s, Segment::Variable(v) if v == name))
                };
                (logs(API_ID), logs(STAGE))
            }
        };
        (api_id && own.0 != other.0) || (stage && own.1 != other.1)
    }

    /// Reads one line; `None` when it does not have the format's shape or its status is not a
    /// status code.
    pub fn read(&self, line: &str) -> Option<Entry> {
        let line = line.trim();
        let values = match &self.fields {
            Fields::Json(wanted) => {
                let value: Value = serde_json::from_str(line).ok()?;
                wanted.values(|path| json_at(&value, path))?
            }
            Fields::Xml(wanted) => {
                if !line.starts_with('<') {
                    return None;
                }
                wanted.values(|field| xml_at(line, field))?
            }
            Fields::Template(segments) => {
                let values = match_template(segments, line)?;
                let value = |name: &str| {
                    values
                        .iter()
                        .find(|(v, _)| v == name)
                        .map(|(_, value)| value.to_string())
                };
                Values {
                    status: value(STATUS)?,
                    response_type: value(RESPONSE_TYPE),
                    message: value(MESSAGE)
                        .or_else(|| value(MESSAGE_STRING).map(|m| unquote(&m, true))),
                    api_id: value(API_ID),
                    stage: value(STAGE),
                }
            }
        };
        Some(Entry {
            status: status_code(&values.status)?,
            response_type: present(values.response_type),
            message: present(values.message),
            api_id: present(values.api_id),
            stage: present(values.stage),
        })
    }
}

/// A status code as API Gateway writes it: three digits, 100 to 599.
fn status_code(value: &str) -> Option<u16> {
    let value = value.trim();
    let code: u16 = (value.len() == 3 && value.bytes().all(|b| b.is_ascii_digit()))
        .then(|| value.parse().ok())??;
    (100..600).contains(&code).then_some(code)
}

/// A variable with no value is logged as `-` (or left empty).
fn present(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty() && v.trim() != "-")
}

fn unquote(value: &str, quoted: bool) -> String {
    let value = value.trim();
    if quoted && value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value[1..value.len() - 1].to_string()
    } else {
        value.to_string()
    }
}

/// The format as literal text and `$context.…` variables (names without the `$`).
fn segments(format: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = format;
    while let Some(at) = rest.find("$context.") {
        literal.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(after.len());
        let name = after[..len].trim_end_matches('.');
        if !literal.is_empty() {
            out.push(Segment::Literal(std::mem::take(&mut literal)));
        }
        out.push(Segment::Variable(name.to_string()));
        rest = &after[name.len()..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        out.push(Segment::Literal(literal));
    }
    out
}

/// CSV when the text between variables is mostly commas, CLF (space-separated, Apache's Common
/// Log Format) otherwise.
fn template_shape(segments: &[Segment]) -> Shape {
    let separators: Vec<&str> = segments
        .windows(3)
        .filter_map(|w| match w {
            [Segment::Variable(_), Segment::Literal(l), Segment::Variable(_)] => Some(l.as_str()),
            _ => None,
        })
        .collect();
    let commas = separators.iter().filter(|s| s.contains(',')).count();
    if commas * 2 > separators.len() {
        Shape::Csv
    } else {
        Shape::Clf
    }
}

/// The JSON key paths of the wanted variables: every variable becomes a placeholder string
/// (quoted when the format leaves it bare, as for `"status": $context.status`), the format is
/// parsed as JSON and the placeholders found.
fn json_paths(segments: &[Segment]) -> Option<Wanted<Vec<String>>> {
    let mut text = String::new();
    let mut in_string = false;
    for (index, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Literal(literal) => {
                let mut escaped = false;
                for c in literal.chars() {
                    if c == '"' && !escaped {
                        in_string = !in_string;
                    }
                    escaped = c == '\\' && !escaped;
                }
                text.push_str(literal);
            }
            Segment::Variable(_) if in_string => text.push_str(&placeholder(index)),
            Segment::Variable(_) => text.push_str(&format!("\"{}\"", placeholder(index))),
        }
    }
    let value: Value = serde_json::from_str(&text).ok()?;
    let path_of = |name: &str| {
        let index = segments
            .iter()
            .position(|s| matches!(s, Segment::Variable(v) if v == name))?;
        json_path(&value, &placeholder(index))
    };
    Wanted::locate(path_of)
}

fn placeholder(index: usize) -> String {
    format!("@@apigw-doctor-{index}@@")
}

/// The keys that lead to the string `wanted` in `value`.
fn json_path(value: &Value, wanted: &str) -> Option<Vec<String>> {
    match value {
        Value::String(s) if s == wanted => Some(Vec::new()),
        Value::Object(map) => map.iter().find_map(|(key, v)| {
            let mut path = json_path(v, wanted)?;
            path.insert(0, key.clone());
            Some(path)
        }),
        _ => None,
    }
}

/// The value at `path` as text (a status may be logged as a number).
fn json_at(value: &Value, path: &[String]) -> Option<String> {
    let found = path.iter().try_fold(value, |v, key| v.get(key))?;
    match found {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The element whose text is each wanted variable (`<status>$context.status</status>`), or the
/// attribute whose value it is (`<request status="$context.status">`).
fn xml_fields(segments: &[Segment]) -> Option<Wanted<XmlField>> {
    let field_of = |name: &str| {
        let index = segments
            .iter()
            .position(|s| matches!(s, Segment::Variable(v) if v == name))?;
        let Some(Segment::Literal(before)) = index.checked_sub(1).map(|i| &segments[i]) else {
            return None;
        };
        if let Some(open) = before.strip_suffix('>') {
            let tag = &open[open.rfind('<')? + 1..];
            let element = tag.split_whitespace().next()?;
            (!element.starts_with('/')).then(|| XmlField::Element(element.to_string()))
        } else {
            let attribute = before.strip_suffix("=\"")?;
            let start = attribute
                .rfind(|c: char| c.is_whitespace())
                .map_or(0, |i| i + 1);
            Some(XmlField::Attribute(attribute[start..].to_string()))
        }
    };
    Wanted::locate(field_of)
}

/// The text of the first such element, or the value of the first such attribute, in a line.
fn xml_at(line: &str, field: &XmlField) -> Option<String> {
    match field {
        XmlField::Element(name) => {
            let open = format!("<{name}");
            let mut from = 0;
            loop {
                let at = from + line[from..].find(&open)?;
                let after = &line[at + open.len()..];
                if after.starts_with('>') || after.starts_with(char::is_whitespace) {
                    let body = &after[after.find('>')? + 1..];
                    let end = body.find(&format!("</{name}>"))?;
                    return Some(body[..end].to_string());
                }
                from = at + open.len();
            }
        }
        XmlField::Attribute(name) => {
            let key = format!(" {name}=\"");
            let at = line.find(&key)? + key.len();
            let end = line[at..].find('"')?;
            Some(line[at..at + end].to_string())
        }
    }
}

/// How far the matcher may backtrack on one line before it gives the line up as unparsed.
const MATCH_STEPS: usize = 20_000;

/// Matches a line against the format's literal text and variables, and returns each variable's
/// value. Literal text must appear exactly; a variable takes the shortest text that lets the
/// rest match, except that `$context.status` must be a status code and
/// `$context.error.responseType` a gateway response type (or `-`) and
/// `$context.error.messageString` a quoted string, so a message with blanks or
/// commas inside does not shift the fields after it.
fn match_template<'a>(segments: &[Segment], line: &'a str) -> Option<Vec<(String, &'a str)>> {
    let mut values = Vec::new();
    let mut steps = 0;
    matches_from(segments, line, 0, &mut values, &mut steps).then_some(values)
}

fn matches_from<'a>(
    segments: &[Segment],
    line: &'a str,
    at: usize,
    values: &mut Vec<(String, &'a str)>,
    steps: &mut usize,
) -> bool {
    *steps += 1;
    if *steps > MATCH_STEPS {
        return false;
    }
    let Some((first, rest)) = segments.split_first() else {
        return at == line.len();
    };
    match first {
        Segment::Literal(literal) => {
            line[at..].starts_with(literal.as_str())
                && matches_from(rest, line, at + literal.len(), values, steps)
        }
        Segment::Variable(name) => {
            let ends: Vec<usize> = match rest.first() {
                None => vec![line.len()],
                Some(Segment::Literal(next)) => line[at..]
                    .match_indices(next.as_str())
                    .map(|(i, _)| at + i)
                    .collect(),
                Some(Segment::Variable(_)) => (at..=line.len())
                    .filter(|i| line.is_char_boundary(*i))
                    .collect(),
            };
            for end in ends {
                let value = &line[at..end];
                if !fits(name, value) {
                    continue;
                }
                values.push((name.clone(), value));
                if matches_from(rest, line, end, values, steps) {
                    return true;
                }
                values.pop();
            }
            false
        }
    }
}

/// Whether `value` can be what the variable `name` logs.
fn fits(name: &str, value: &str) -> bool {
    match name {
        STATUS => value.len() == 3 && value.bytes().all(|b| b.is_ascii_digit()),
        RESPONSE_TYPE => {
            value == "-"
                || value.is_empty()
                || value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        }
        MESSAGE_STRING => {
            value == "-" || (value.len() >= 2 && value.starts_with('"') && value.ends_with('"'))
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests;
