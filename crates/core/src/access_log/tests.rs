//! The formats AWS documents, custom orderings and the lines that must not be guessed at.
//!
//! The example formats are copied from the API Gateway developer guide: "Setting up CloudWatch
//! logging for a REST API in API Gateway" (awsdocs/amazon-api-gateway-developer-guide,
//! `doc_source/set-up-logging.md`, whose examples carry `\` continuation characters that "are
//! meant as a visual aid. The log format must be a single line", so they are joined here), the
//! current "Access logging for REST APIs" page
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-access-logging.html>,
//! CLF with `$context.extendedRequestId`) and "Configure logging for HTTP APIs"
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html>).

use super::*;

const REST_CLF: &str = "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength $context.requestId";
const REST_CLF_CURRENT: &str = "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime]\"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength $context.requestId $context.extendedRequestId";
const HTTP_CLF: &str = "$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.routeKey $context.protocol\" $context.status $context.responseLength $context.requestId $context.extendedRequestId";
const REST_JSON: &str = "{ \"requestId\":\"$context.requestId\", \"ip\": \"$context.identity.sourceIp\", \"caller\":\"$context.identity.caller\", \"user\":\"$context.identity.user\", \"requestTime\":\"$context.requestTime\", \"httpMethod\":\"$context.httpMethod\", \"resourcePath\":\"$context.resourcePath\", \"status\":\"$context.status\", \"protocol\":\"$context.protocol\", \"responseLength\":\"$context.responseLength\" }";
const HTTP_JSON: &str = "{ \"requestId\":\"$context.requestId\", \"ip\": \"$context.identity.sourceIp\", \"requestTime\":\"$context.requestTime\", \"httpMethod\":\"$context.httpMethod\",\"routeKey\":\"$context.routeKey\", \"status\":\"$context.status\",\"protocol\":\"$context.protocol\", \"responseLength\":\"$context.responseLength\", \"extendedRequestId\": \"$context.extendedRequestId\" }";
const REST_XML: &str = "<request id=\"$context.requestId\"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>";
const REST_CSV: &str = "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId";

/// A line as API Gateway writes it: each variable of `format` replaced by its value in
/// `values`, or by a plausible value for the variables the examples log.
fn render(format: &str, values: &[(&str, &str)]) -> String {
    segments(format)
        .iter()
        .map(|segment| match segment {
            Segment::Literal(literal) => literal.clone(),
            Segment::Variable(name) => values
                .iter()
                .find(|(n, _)| *n == name.trim_start_matches("context."))
                .map(|(_, v)| v.to_string())
                .unwrap_or_else(|| default_value(name).to_string()),
        })
        .collect()
}

fn default_value(name: &str) -> &'static str {
    match name {
        "context.identity.sourceIp" => "198.51.100.7",
        "context.requestTime" => "30/Nov/2026:22:00:00 +0000",
        "context.httpMethod" => "GET",
        "context.resourcePath" | "context.routeKey" => "/pets/{id}",
        "context.protocol" => "HTTP/1.1",
        "context.responseLength" => "42",
        "context.requestId" => "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "context.extendedRequestId" => "BQGojGpuoAMEcNQ=",
        _ => "-",
    }
}

fn read(format: &str, values: &[(&str, &str)]) -> Option<Entry> {
    AccessFormat::parse(format)
        .expect("a format with a status")
        .read(&render(format, values))
}

#[test]
fn every_example_format_aws_documents_reads_its_status() {
    for (format, shape) in [
        (REST_CLF, Shape::Clf),
        (REST_CLF_CURRENT, Shape::Clf),
        (HTTP_CLF, Shape::Clf),
        (REST_JSON, Shape::Json),
        (HTTP_JSON, Shape::Json),
        (REST_XML, Shape::Xml),
        (REST_CSV, Shape::Csv),
    ] {
        let parsed = AccessFormat::parse(format).expect(format);
        assert_eq!(parsed.shape, shape, "{format}");
        for status in ["403", "200", "504"] {
            let line = render(format, &[("status", status)]);
            let entry = parsed.read(&line).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(entry.status.to_string(), status, "{line}");
            assert_eq!(entry.response_type, None, "{line}");
        }
    }
}

// The response length comes right after the status in the CLF example: a status read from the
// wrong position would be 42.
#[test]
fn clf_takes_the_status_from_its_position_in_the_format_not_the_first_number() {
    let line = render(REST_CLF, &[("status", "502"), ("responseLength", "403")]);
    assert_eq!(
        read(REST_CLF, &[("status", "502"), ("responseLength", "403")]).map(|e| e.status),
        Some(502),
        "{line}"
    );
}

#[test]
fn a_custom_ordering_with_a_message_of_several_words_reads_every_field() {
    let format =
        "$context.requestId $context.error.message $context.status $context.error.responseType";
    let entry = read(
        format,
        &[
            ("error.message", "Missing Authentication Token"),
            ("status", "403"),
            ("error.responseType", "MISSING_AUTHENTICATION_TOKEN"),
        ],
    )
    .expect("parsed");
    assert_eq!(entry.status, 403);
    assert_eq!(
        entry.response_type.as_deref(),
        Some("MISSING_AUTHENTICATION_TOKEN")
    );
    assert_eq!(
        entry.message.as_deref(),
        Some("Missing Authentication Token")
    );
}

#[test]
fn quoted_csv_fields_may_hold_commas() {
    let format =
        "$context.requestId,\"$context.error.message\",$context.status,$context.error.responseType";
    let parsed = AccessFormat::parse(format).expect("status");
    assert_eq!(parsed.shape, Shape::Csv);
    let entry = parsed
        .read("id-1,\"Invalid key, or none, sent\",403,INVALID_API_KEY")
        .expect("parsed");
    assert_eq!(entry.status, 403);
    assert_eq!(entry.message.as_deref(), Some("Invalid key, or none, sent"));
    assert_eq!(entry.response_type.as_deref(), Some("INVALID_API_KEY"));

    // `$context.error.messageString` is the message with its quotes.
    let format = "$context.status,$context.error.messageString,$context.requestId";
    let entry = AccessFormat::parse(format)
        .expect("status")
        .read("504,\"Endpoint request timed out, again\",id-2")
        .expect("parsed");
    assert_eq!(entry.status, 504);
    assert_eq!(
        entry.message.as_deref(),
        Some("Endpoint request timed out, again")
    );
}

#[test]
fn lines_that_do_not_have_the_formats_shape_are_not_read() {
    let clf = AccessFormat::parse(REST_CLF).expect("status");
    assert_eq!(clf.read("Execution failed due to an internal error"), None);
    // The status position holds no status code.
    assert_eq!(clf.read(&render(REST_CLF, &[("status", "abc")])), None);
    assert_eq!(clf.read(&render(REST_CLF, &[("status", "-")])), None);
    let csv = AccessFormat::parse(REST_CSV).expect("status");
    assert_eq!(csv.read("198.51.100.7,-,-,403"), None, "too few fields");
    let json = AccessFormat::parse(REST_JSON).expect("status");
    assert_eq!(json.read("{\"status\": \"403\""), None, "cut short");
    assert_eq!(json.read("{\"requestId\": \"x\"}"), None, "no status key");
    assert_eq!(json.read(&render(REST_CLF, &[])), None, "not JSON");
    let xml = AccessFormat::parse(REST_XML).expect("status");
    assert_eq!(xml.read("<request id=\"x\"> <ip>1</ip> </request>"), None);
    assert_eq!(xml.read(&render(REST_CSV, &[])), None);
}

// `$context.integration.status` and `$context.integrationStatus` are the backend's status, not
// the method response's: a format that logs only those cannot count responses.
#[test]
fn a_format_without_context_status_cannot_count_statuses() {
    for format in [
        "$context.requestId",
        "{\"requestId\":\"$context.requestId\",\"integrationStatus\":\"$context.integrationStatus\",\"backend\":\"$context.integration.status\"}",
        "$context.requestId $context.status.code",
    ] {
        assert_eq!(AccessFormat::parse(format), Err(NoStatus), "{format}");
    }
}

#[test]
fn json_reads_nested_keys_bare_numbers_and_ignores_extra_keys() {
    let format = "{\"request\":{\"id\":\"$context.requestId\",\"backend\":\"$context.integration.status\"},\"response\":{\"status\":$context.status,\"error\":{\"type\":\"$context.error.responseType\",\"message\":$context.error.messageString}}}";
    let parsed = AccessFormat::parse(format).expect("status");
    assert_eq!(parsed.shape, Shape::Json);
    let line = "{\"added\":1,\"request\":{\"id\":\"r1\",\"backend\":\"200\",\"more\":[1]},\"response\":{\"status\":429,\"error\":{\"type\":\"THROTTLED\",\"message\":\"Too Many Requests\"}}}";
    let entry = parsed.read(line).expect("parsed");
    assert_eq!(entry.status, 429);
    assert_eq!(entry.response_type.as_deref(), Some("THROTTLED"));
    assert_eq!(entry.message.as_deref(), Some("Too Many Requests"));
}

#[test]
fn a_variable_with_no_value_is_none() {
    let format = "{\"status\":\"$context.status\",\"type\":\"$context.error.responseType\",\"error\":\"$context.error.message\"}";
    let entry = AccessFormat::parse(format)
        .expect("status")
        .read("{\"status\":\"200\",\"type\":\"-\",\"error\":\"\"}")
        .expect("parsed");
    assert_eq!(
        entry,
        Entry {
            status: 200,
            response_type: None,
            message: None,
            api_id: None,
            stage: None,
        }
    );
}

/// One log group often takes the access logs of several stages and APIs; a format that logs
/// `$context.apiId` and `$context.stage` says whose each line is, in every shape.
#[test]
fn a_line_names_its_api_and_stage_when_the_format_logs_them() {
    let cases = [
        (
            "{\"api\":\"$context.apiId\",\"stage\":\"$context.stage\",\"status\":\"$context.status\"}",
            "{\"api\":\"b2c3\",\"stage\":\"beta\",\"status\":\"502\"}",
        ),
        (
            "<r api=\"$context.apiId\"><stage>$context.stage</stage><s>$context.status</s></r>",
            "<r api=\"b2c3\"><stage>beta</stage><s>502</s></r>",
        ),
        (
            "$context.apiId,$context.stage,$context.status",
            "b2c3,beta,502",
        ),
        (
            "$context.identity.sourceIp [$context.requestTime] $context.apiId $context.stage $context.status",
            "10.0.0.1 [30/Nov/2026:10:00:00 +0000] b2c3 beta 502",
        ),
    ];
    for (format, line) in cases {
        let entry = AccessFormat::parse(format)
            .expect("status")
            .read(line)
            .expect(format);
        assert_eq!(
            (entry.api_id.as_deref(), entry.stage.as_deref()),
            (Some("b2c3"), Some("beta")),
            "{format}"
        );
        assert!(entry.may_be_of("b2c3", "beta"), "{format}");
        assert!(!entry.may_be_of("a1b2", "beta"), "another API: {format}");
        assert!(!entry.may_be_of("b2c3", "prod"), "another stage: {format}");
    }
    // A format that logs neither cannot tell: the line may be the stage's.
    let entry = AccessFormat::parse("$context.status")
        .expect("status")
        .read("502")
        .expect("parsed");
    assert!(entry.may_be_of("a1b2", "prod"));
}

#[test]
fn xml_reads_elements_and_attributes() {
    let format = "<r status=\"$context.status\"><type>$context.error.responseType</type><m>$context.error.message</m></r>";
    let parsed = AccessFormat::parse(format).expect("status");
    assert_eq!(parsed.shape, Shape::Xml);
    let entry = parsed
        .read("<r status=\"403\"><type>WAF_FILTERED</type><m>Forbidden</m></r>")
        .expect("parsed");
    assert_eq!(entry.status, 403);
    assert_eq!(entry.response_type.as_deref(), Some("WAF_FILTERED"));
    assert_eq!(entry.message.as_deref(), Some("Forbidden"));
}

#[test]
fn a_trailing_newline_in_the_format_changes_nothing() {
    let format = format!("{REST_CSV}\n");
    let entry = AccessFormat::parse(&format)
        .expect("status")
        .read(&render(REST_CSV, &[("status", "500")]));
    assert_eq!(entry.map(|e| e.status), Some(500));
}
