//! Words for JSON values in the one-line errors of the event and policy parsers.

use serde_json::Value;

/// What kind of JSON value this is, as an error message names it ("an array", "null"…).
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
