//! One test per documented response: the knowledge-center 403 table, the mutual-TLS log lines,
//! the VPC-link 5xx strings and the 410; and the readings that must not match.

use super::{classify, Cause, Reading, BARE_FORBIDDEN};
use crate::intake::ErrorHint;
use strum::IntoEnumIterator;

fn error(status: Option<u16>, error_type: Option<&str>, message: Option<&str>) -> ErrorHint {
    ErrorHint {
        status,
        error_type: error_type.map(str::to_string),
        message: message.map(str::to_string),
    }
}

fn reads(status: Option<u16>, error_type: Option<&str>, message: &str) -> Reading {
    classify(&error(status, error_type, Some(message)))
}

fn known(cause: Cause) -> Reading {
    Reading::Known(cause)
}

#[test]
fn lambda_authorizer_deny_in_both_wordings() {
    for message in [
        "User is not authorized to access this resource with an explicit deny",
        "User is not authorized to access this resource with an explicit deny in an identity-based policy",
    ] {
        assert_eq!(
            reads(Some(403), Some("AccessDeniedException"), message),
            known(Cause::LambdaAuthorizerDeny),
            "{message}"
        );
    }
}

#[test]
fn iam_explicit_deny() {
    assert_eq!(
        reads(
            Some(403),
            Some("AccessDeniedException"),
            "User: arn:aws:iam::123456789012:user/app is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/items with an explicit deny"
        ),
        known(Cause::IamExplicitDeny)
    );
}

#[test]
fn iam_not_authorized_for_anonymous_and_a_signer() {
    for user in ["anonymous", "arn:aws:sts::123456789012:assumed-role/app/s"] {
        let message = format!("User: {user} is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/items");
        assert_eq!(
            reads(Some(403), Some("AccessDeniedException"), &message),
            known(Cause::IamNotAuthorized)
        );
    }
}

#[test]
fn invalid_security_token() {
    assert_eq!(
        reads(
            Some(403),
            Some("AccessDeniedException"),
            "The security token included in the request is invalid."
        ),
        known(Cause::InvalidSecurityToken)
    );
}

#[test]
fn missing_authentication_token_by_message_or_type() {
    assert_eq!(
        reads(
            Some(403),
            Some("MissingAuthenticationTokenException"),
            "Missing Authentication Token"
        ),
        known(Cause::MissingAuthenticationToken)
    );
    assert_eq!(
        classify(&error(
            None,
            Some("MissingAuthenticationTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/"),
            None
        )),
        known(Cause::MissingAuthenticationToken),
        "the coral suffix API Gateway appends to the type is ignored"
    );
    assert_eq!(
        reads(None, None, r#"{"message":"Missing Authentication Token"}"#),
        known(Cause::MissingAuthenticationToken),
        "a pasted response body"
    );
}

#[test]
fn signature_expired() {
    assert_eq!(
        reads(
            Some(403),
            Some("InvalidSignatureException"),
            "Signature expired: 20261130T030000Z is now earlier than 20261130T030600Z (20261130T031100Z - 5 min.)"
        ),
        known(Cause::SignatureExpired)
    );
}

#[test]
fn invalid_api_key_in_the_older_wording() {
    assert_eq!(
        reads(Some(403), Some("ForbiddenException"), "Invalid API Key"),
        known(Cause::InvalidApiKey)
    );
}

#[test]
fn signature_mismatch() {
    assert_eq!(
        reads(
            Some(403),
            Some("InvalidSignatureException"),
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
        ),
        known(Cause::SignatureMismatch)
    );
}

#[test]
fn incomplete_signature_by_message_or_type() {
    assert_eq!(
        reads(
            Some(403),
            Some("IncompleteSignatureException"),
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization=allow"
        ),
        known(Cause::IncompleteSignature)
    );
    assert_eq!(
        classify(&error(
            Some(403),
            Some("IncompleteSignatureException"),
            None
        )),
        known(Cause::IncompleteSignature)
    );
}

#[test]
fn mutual_tls_log_lines() {
    for line in [
        "Access denied. Reason: Could not find issuer for certificate",
        "Access denied. Reason: Client cert using an insecure Signature Algorithm",
        "Access denied. Reason: self signed certificate",
    ] {
        assert_eq!(
            reads(Some(403), None, line),
            known(Cause::MtlsCertificateInvalid),
            "{line}"
        );
    }
}

#[test]
fn vpc_link_5xx_strings() {
    for (line, cause) in [
        ("Execution failed due to configuration error: There was an internal error while executing your request", Cause::VpcLinkInternalError),
        ("Execution failed due to configuration error: Host name 'domain.com.com' does not match the certificate subject provided by the peer (CN=myinstance.com)", Cause::TlsHostnameMismatch),
        ("Execution failed due to configuration error: General SSLEngine problem: PKIX path building failed", Cause::TlsUntrustedCa),
        ("Execution failed due to configuration error: Cannot verify ECDH ServerKeyExchange signature", Cause::TlsKeyMismatch),
        ("Execution failed due to an internal error", Cause::BackendReset),
        ("Execution failed due to configuration error: Not a valid protocol version", Cause::BackendInvalidHttp),
        ("Connection timed out", Cause::ConnectionTimedOut),
    ] {
        assert_eq!(reads(Some(500), None, line), known(cause), "{line}");
        assert_eq!(reads(None, None, line), known(cause), "no status: {line}");
    }
}

#[test]
fn gone_by_type_or_status() {
    assert_eq!(
        classify(&error(None, Some("GoneException"), None)),
        known(Cause::ConnectionGone)
    );
    assert_eq!(
        classify(&error(Some(410), None, None)),
        known(Cause::ConnectionGone)
    );
}

#[test]
fn a_bare_forbidden_is_left_to_the_configuration() {
    for (status, error_type, message) in [
        (Some(403), Some("ForbiddenException"), Some("Forbidden")),
        (Some(403), None, Some(r#"{"message":"Forbidden"}"#)),
        (None, Some("ForbiddenException"), None),
        (Some(403), None, Some("forbidden")),
    ] {
        assert_eq!(
            classify(&error(status, error_type, message)),
            Reading::BareForbidden,
            "{status:?} {error_type:?} {message:?}"
        );
    }
}

#[test]
fn what_says_nothing_or_contradicts_a_row_is_unknown() {
    for (status, error_type, message) in [
        // A bare 403 says nothing of its kind.
        (Some(403), None, None),
        // A 403's message with a 500 status matches no 403 row.
        (Some(500), None, Some("Missing Authentication Token")),
        (Some(500), Some("ForbiddenException"), Some("Forbidden")),
        (Some(502), None, Some("Internal server error")),
        (Some(504), None, Some("Endpoint request timed out")),
        (None, None, None),
    ] {
        assert_eq!(
            classify(&error(status, error_type, message)),
            Reading::Unknown,
            "{status:?} {error_type:?} {message:?}"
        );
    }
}

#[test]
fn every_cause_has_an_explanation_naming_its_article_and_reads_as_spec_names_it() {
    for cause in Cause::iter() {
        let e = cause.explanation();
        assert!(e
            .reference
            .starts_with("https://repost.aws/knowledge-center/"));
        assert!(!e.check.is_empty() && !e.fix.is_empty() && !e.meaning.is_empty());
        assert_eq!(
            serde_json::to_value(cause).expect("serialises"),
            cause.as_str()
        );
    }
    assert_eq!(Cause::IamNotAuthorized.as_str(), "iam_not_authorized");
    assert_eq!(Cause::TlsUntrustedCa.as_str(), "tls_untrusted_ca");
    assert!(BARE_FORBIDDEN.contains(&Cause::WafBlocked));
    assert!(!BARE_FORBIDDEN.contains(&Cause::IamNotAuthorized));
}

// ---- the runbook's responses beyond the 403 table ---------------------------------------------

#[test]
fn a_429_reads_as_a_throttle_or_a_quota() {
    // https://repost.aws/knowledge-center/api-gateway-429-limit: "429 Too Many Requests" or
    // "Limit Exceeded".
    assert_eq!(
        reads(Some(429), None, "{\"message\":\"Too Many Requests\"}"),
        known(Cause::Throttled)
    );
    assert_eq!(
        reads(Some(429), None, "Limit Exceeded"),
        known(Cause::QuotaExceeded)
    );
    // The same words with another status are no throttle.
    assert_eq!(
        reads(Some(500), None, "Too Many Requests"),
        Reading::Unknown
    );
}

#[test]
fn a_401_is_the_authorizer_whatever_its_message() {
    for message in ["Unauthorized", "{\"message\":\"Unauthorized\"}", ""] {
        assert_eq!(
            classify(&error(Some(401), None, Some(message))),
            known(Cause::AuthorizerUnauthorized),
            "{message:?}"
        );
    }
}

#[test]
fn a_reported_5xx_with_a_runbook_message_reads_as_its_cause() {
    for (status, message, cause) in [
        (500, "Execution failed due to configuration error: Invalid permissions on Lambda function", Cause::LambdaPermissionMissing),
        (502, "Execution failed due to configuration error: Malformed Lambda proxy response", Cause::LambdaProxyMalformedResponse),
        (504, "Execution failed due to a timeout error", Cause::IntegrationTimeout),
        (500, "Execution failed due to configuration error: Invalid endpoint address", Cause::InvalidEndpointAddress),
        (500, "Execution failed due to configuration error: Output mapping refers to an invalid method response: 2xx/4xx/5xx", Cause::OutputMappingInvalid),
        (500, "Execution failed due to configuration error: Authorizer error", Cause::ConfigurationError),
    ] {
        assert_eq!(reads(Some(status), None, message), known(cause), "{message}");
    }
}

#[test]
fn every_cause_fits_the_symptom_of_its_status() {
    use crate::catalog::Symptom;
    for (cause, fits, not) in [
        (
            Cause::AuthorizerUnauthorized,
            Symptom::ClientError,
            Symptom::Forbidden,
        ),
        (Cause::Throttled, Symptom::ClientError, Symptom::ServerError),
        (
            Cause::QuotaExceeded,
            Symptom::ClientError,
            Symptom::Forbidden,
        ),
        (
            Cause::IntegrationTimeout,
            Symptom::Timeout,
            Symptom::ClientError,
        ),
        (
            Cause::LambdaProxyMalformedResponse,
            Symptom::ServerError,
            Symptom::Forbidden,
        ),
        (
            Cause::LambdaPermissionMissing,
            Symptom::ServerError,
            Symptom::ClientError,
        ),
        (Cause::BadGateway, Symptom::ServerError, Symptom::Gone),
    ] {
        assert!(cause.fits(Some(fits)), "{cause} fits {fits:?}");
        assert!(!cause.fits(Some(not)), "{cause} does not fit {not:?}");
    }
}

#[test]
fn only_the_status_line_and_the_unnamed_configuration_error_summarise() {
    let summaries: Vec<Cause> = Cause::iter().filter(|c| c.summarises()).collect();
    assert_eq!(summaries, [Cause::BadGateway, Cause::ConfigurationError]);
}

#[test]
fn the_report_reference_lists_every_cause() {
    let reference = include_str!("../../../../docs/report.md");
    for cause in Cause::iter() {
        assert!(
            reference.contains(&format!("`{cause}`")),
            "docs/report.md does not list {cause}"
        );
    }
}
