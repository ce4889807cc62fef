use super::*;
use crate::cause::{classify_line, known_strings, Cause};

// ---- classification of log lines: the one table of cause.rs ----

#[test]
fn execution_log_lines_read_as_their_causes() {
    let lines = [
        ("(0f1e) Execution failed due to configuration error: There was an internal error while executing your request", Cause::VpcLinkInternalError),
        ("(0f1e) Execution failed due to configuration error: Host name 'api.example.com' does not match the certificate subject provided by the peer (CN=other.example.com)", Cause::TlsHostnameMismatch),
        ("(0f1e) Execution failed due to configuration error: General SSLEngine problem: PKIX path building failed", Cause::TlsUntrustedCa),
        ("(0f1e) Execution failed due to an internal error", Cause::BackendReset),
        ("(0f1e) Execution failed due to configuration error: Connection timed out", Cause::ConnectionTimedOut),
        ("(0f1e) User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/", Cause::IamNotAuthorized),
        ("(0f1e) User: arn:aws:iam::123456789012:user/x is not authorized to perform: execute-api:Invoke on resource: arn with an explicit deny", Cause::IamExplicitDeny),
        ("(0f1e) Forbidden: Invalid API Key identifier specified", Cause::InvalidApiKey),
        ("(0f1e) Could not find issuer for certificate", Cause::MtlsCertificateInvalid),
        ("{\"status\":\"403\",\"errorType\":\"IncompleteSignatureException\"}", Cause::IncompleteSignature),
        ("(0f1e) Gateway response body: {\"message\":\"Missing Authentication Token\"}", Cause::MissingAuthenticationToken),
    ];
    for (line, cause) in lines {
        assert_eq!(classify_line(line), Some(cause), "{line}");
    }
}

/// The runbook's patterns, each from the line its article shows (cited per line).
#[test]
fn runbook_lines_read_as_their_causes() {
    let lines = [
        // https://repost.aws/knowledge-center/api-gateway-rest-api-lambda-integrations
        ("(0f1e) Execution failed due to configuration error: Invalid permissions on Lambda function", Cause::LambdaPermissionMissing),
        // https://repost.aws/knowledge-center/malformed-502-api-gateway
        ("Thu Dec 08 01:13:00 UTC 2016 : Execution failed due to configuration error: Malformed Lambda proxy response", Cause::LambdaProxyMalformedResponse),
        ("Thu Dec 08 01:13:00 UTC 2016 : Method completed with status: 502", Cause::BadGateway),
        ("Wed Aug 03 08:20:33 UTC 2022 : Lambda execution failed with status 200 due to customer function error: [Errno 13] Permission denied: '/var/task/lambda_function.py'. Lambda request id: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", Cause::LambdaFunctionError),
        // The runbook's pattern (api-gateway-lambda-integration-errors).
        ("(0f1e) Lambda invocation failed with status: 429", Cause::LambdaThrottled),
        // https://repost.aws/knowledge-center/api-gateway-504-errors
        ("(0f1e) Execution failed due to a timeout error", Cause::IntegrationTimeout),
        // https://repost.aws/knowledge-center/api-gateway-network-endpoint-error, and the
        // runbook's lower-case "error".
        ("(0f1e) Execution failed due to configuration error: Network Error communicating with endpoint", Cause::EndpointNetworkError),
        ("(0f1e) Network error communicating with endpoint", Cause::EndpointNetworkError),
        // https://repost.aws/knowledge-center/api-gateway-invalid-endpoint-address
        ("(0f1e) Execution failed due to configuration error: Invalid endpoint address", Cause::InvalidEndpointAddress),
        // https://repost.aws/knowledge-center/api-gateway-internal-server-error
        ("(0f1e) Execution failed due to configuration error: Output mapping refers to an invalid method response: 2xx/4xx/5xx", Cause::OutputMappingInvalid),
        // https://repost.aws/knowledge-center/api-gateway-429-limit
        ("(f277a0b4-2bcd-41b3-8e43-4de770663ffb) API Key **********************************F0yrv6 exceeded throttle limit for API Stage rohkz08x02/dev: Key throttle limit exceeded for Usage Plan ID n", Cause::Throttled),
        ("(7b819c41-e0a0-433a-883e-bc461fd70fd6) API Key **********************************F0yrv6 exceeded quota limit for API Stage rohkz08x02/dev: Key quota exhausted for Usage Plan ID nnpegc.", Cause::QuotaExceeded),
        // The runbook's "401 Unauthorized" (its article shows no line).
        ("(0f1e) 401 Unauthorized", Cause::AuthorizerUnauthorized),
        // The runbook's last pattern: a configuration error of no kind a row names, as the
        // Lambda-authorizer variant of the permissions article logs it.
        ("(0f1e) Execution failed due to configuration error: Authorizer error", Cause::ConfigurationError),
    ];
    for (line, cause) in lines {
        assert_eq!(classify_line(line), Some(cause), "{line}");
    }
}

#[test]
fn lines_that_merely_resemble_the_runbooks_read_as_nothing() {
    for line in [
        "(0f1e) Method completed with status: 200",
        "(0f1e) Method completed with status: 500",
        "(0f1e) Endpoint response body before transformations: {\"statusCode\":200,\"body\":\"ok\"}",
        "(0f1e) Sending request to https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations",
        "(0f1e) Usage Plan check succeeded for API Key **********F0yrv6 and API Stage a1b2c3d4e5/prod",
        "(0f1e) Lambda execution succeeded",
    ] {
        assert_eq!(classify_line(line), None, "{line}");
    }
}

/// A backend's own answer, or the client's request, echoed in the execution log: the words are
/// the backend's (its own 401, its own timeout message), not API Gateway failing.
#[test]
fn payloads_echoed_from_the_client_or_the_backend_read_as_nothing() {
    for line in [
        "(0f1e) Endpoint response body before transformations: <html><title>401 Unauthorized</title></html>",
        "(0f1e) Endpoint response body before transformations: {\"error\":\"Too Many Requests\"}",
        "(0f1e) Endpoint response body before transformations: {\"message\":\"upstream: Connection timed out\"}",
        "(0f1e) Method response body after transformations: {\"detail\":\"Invalid permissions on Lambda function\"}",
        "(0f1e) Method request body before transformations: {\"note\":\"Execution failed due to a timeout error\"}",
        "(0f1e) Method request headers: {X-Reason=Key quota exhausted}",
        "(0f1e) Endpoint response headers: {WWW-Authenticate=Bearer error=\"401 Unauthorized\"}",
    ] {
        assert_eq!(classify_line(line), None, "{line}");
    }
    // API Gateway's own words beside them still read.
    assert_eq!(
        classify_line("(0f1e) Execution failed due to a timeout error"),
        Some(Cause::IntegrationTimeout)
    );
}

#[test]
fn ordinary_lines_and_a_bare_status_read_as_nothing() {
    for line in [
        "(0f1e) Method request path: {}",
        "(0f1e) Method completed with status: 200",
        "(0f1e) Method completed with status: 410",
        "",
    ] {
        assert_eq!(classify_line(line), None, "{line}");
    }
}

#[test]
fn the_filter_pattern_asks_for_every_known_string() {
    let pattern = filter_pattern();
    for s in known_strings() {
        let term = FILTER_TERMS.iter().find(|t| s.contains(*t));
        let term = term.unwrap_or_else(|| panic!("no filter term finds {s:?}"));
        assert!(pattern.contains(&format!("?\"{term}\"")), "{s}");
        assert!(
            classify_line(s).is_some(),
            "{s} is a string the table reads"
        );
    }
    // No term asks for what the table does not read.
    for term in FILTER_TERMS {
        assert!(
            known_strings().iter().any(|s| s.contains(term)),
            "{term} finds no known string"
        );
    }
    let mut unique = known_strings();
    unique.dedup();
    assert_eq!(unique.len(), known_strings().len());
    assert!(!pattern.contains("\"\""));
}

// ---- log groups ----

#[test]
fn log_groups_are_named_as_api_gateway_names_them() {
    assert_eq!(
        rest_execution_group("a1b2c3d4e5", "prod"),
        "API-Gateway-Execution-Logs_a1b2c3d4e5/prod"
    );
    assert_eq!(
        websocket_execution_group("w1", "dev"),
        "/aws/apigateway/w1/dev"
    );
    assert_eq!(
        access_log_group("arn:aws:logs:us-east-1:123456789012:log-group:my-access-logs"),
        Some("my-access-logs".to_string())
    );
    assert_eq!(
        access_log_group("arn:aws-cn:logs:cn-north-1:123456789012:log-group:/a/b:*"),
        Some("/a/b".to_string())
    );
    assert_eq!(
        access_log_group(
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/amazon-apigateway-x"
        ),
        None
    );
}

// ---- bounds ----

const SMALL: Bounds = Bounds {
    pages: 2,
    bytes: 10,
    events: 3,
};

#[test]
fn a_search_within_its_bounds_keeps_everything() {
    let mut progress = Progress::default();
    assert_eq!(progress.page(["ab", "cd"], SMALL), (2, None));
    assert_eq!(progress.next_page(SMALL), Ok(()));
}

#[test]
fn the_events_bound_cuts_a_page() {
    let mut progress = Progress::default();
    assert_eq!(
        progress.page(["a", "b", "c", "d"], SMALL),
        (3, Some(Bound::Events))
    );
}

#[test]
fn the_bytes_bound_cuts_a_page() {
    let mut progress = Progress::default();
    assert_eq!(
        progress.page(["123456", "123456"], SMALL),
        (1, Some(Bound::Bytes))
    );
}

#[test]
fn the_pages_bound_stops_the_next_page() {
    let mut progress = Progress::default();
    progress.page(["a"], SMALL);
    progress.page(["b"], SMALL);
    assert_eq!(progress.next_page(SMALL), Err(Bound::Pages));
}

// ---- redaction ----

#[test]
fn execution_log_headers_lose_their_secret_values() {
    let line = "(0f1e) Method request headers: {Authorization=AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261130/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef0123456789, x-api-key=k3yk3yk3yk3y, Host=a1b2c3d4e5.execute-api.us-east-1.amazonaws.com, X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE, User-Agent=curl/8.0}";
    let out = redact(line);
    for secret in [
        "AKIAIOSFODNN7EXAMPLE",
        "abcdef0123456789",
        "k3yk3yk3yk3y",
        "FwoGZXIvYXdzEXAMPLE",
        "SignedHeaders",
    ] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    assert!(out.contains("Authorization=[REDACTED]"), "{out}");
    assert!(out.contains("x-api-key=[REDACTED]"), "{out}");
    assert!(
        out.contains("Host=a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"),
        "{out}"
    );
    assert!(out.contains("User-Agent=curl/8.0"), "{out}");
}

#[test]
fn json_fields_query_parameters_and_bare_tokens_are_redacted() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
    let line = format!(
        "{{\"authorization\": \"Bearer {jwt}\", \"apiKey\":\"abc123\", \"path\":\"/x?token=s3cr3t&page=2\", \"note\":\"seen {jwt} twice\", \"key\":\"ASIAIOSFODNN7EXAMPLE\"}}"
    );
    let out = redact(&line);
    for secret in [jwt, "abc123", "s3cr3t", "ASIAIOSFODNN7EXAMPLE"] {
        assert!(!out.contains(secret), "{secret} in {out}");
    }
    assert!(out.contains("page=2"), "{out}");
    assert!(
        out.contains("\"path\":\"/x?token=[REDACTED]&page=2\""),
        "{out}"
    );
}

#[test]
fn lines_without_secrets_and_words_that_only_contain_a_name_are_kept() {
    let line =
        "(0f1e) Execution failed due to configuration error: Connection timed out; tokenizer=on";
    assert_eq!(redact(line), line);
    let line = "Missing Authentication Token";
    assert_eq!(redact(line), line);
}

#[test]
fn a_long_sample_is_cut() {
    let line = "x".repeat(SAMPLE_CHARS * 2);
    let out = redact(&line);
    assert_eq!(out.chars().count(), SAMPLE_CHARS + 1);
    assert!(out.ends_with('…'));
}

#[test]
fn the_filter_pattern_fits_filter_log_events() {
    // FilterLogEvents takes a filterPattern of at most 1024 characters.
    let pattern = filter_pattern();
    assert!(
        pattern.len() <= 1024,
        "{} characters: {pattern}",
        pattern.len()
    );
}

#[test]
fn a_request_id_is_the_parenthesised_head_of_an_execution_log_line() {
    assert_eq!(
        request_id("(f277a0b4-2bcd-41b3-8e43-4de770663ffb) Method completed with status: 502"),
        Some("f277a0b4-2bcd-41b3-8e43-4de770663ffb")
    );
    for line in [
        "Thu Dec 08 01:13:00 UTC 2016 : Method completed with status: 502",
        "{\"status\":\"502\"}",
        "() Method completed with status: 502",
        "(two words) Method completed",
    ] {
        assert_eq!(request_id(line), None, "{line}");
    }
}
