//! Decision table for the policy evaluator (including the API Gateway Developer Guide examples),
//! parser error cases, and property tests.

use super::*;

const API_ARN: &str = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5";
const ROLE_APP: &str = "arn:aws:iam::111122223333:role/app";
const PARTNER_ROLE: &str = "arn:aws:iam::444455556666:role/partner";

fn res(path: &str) -> String {
    format!("{API_ARN}/{path}")
}

fn anon(path: &str) -> RequestContext {
    RequestContext::new("execute-api:Invoke", res(path), Principal::Anonymous)
}

fn signed(arn: &str, path: &str) -> RequestContext {
    RequestContext::new("execute-api:Invoke", res(path), Principal::aws(arn))
}

/// A request against the VPC endpoint policy examples' account 123412341234.
fn endpoint_request(principal: Principal, api: &str, path: &str) -> RequestContext {
    let resource = format!("arn:aws:execute-api:us-east-1:123412341234:{api}/{path}");
    RequestContext::new("execute-api:Invoke", resource, principal)
}

fn doc(statements: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

const ALLOW_ALL: &str = r#"{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}"#;

fn allow_if(condition: &str) -> String {
    doc(&[&format!(
        r#"{{"Sid":"AllowIf","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{condition}}}"#
    )])
}

fn deny_if(condition: &str) -> String {
    format!(
        r#"{{"Sid":"DenyIf","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{condition}}}"#
    )
}

fn allow_all_deny_if(condition: &str) -> String {
    doc(&[ALLOW_ALL, &deny_if(condition)])
}

fn allow_resource(resource: &str) -> String {
    doc(&[&format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":{resource}}}"#
    )])
}

fn allow_principal(principal: &str) -> String {
    doc(&[&format!(
        r#"{{"Effect":"Allow","Principal":{principal},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}}"#
    )])
}

// "API Gateway resource policy examples": roles in another account.
const CROSS_ACCOUNT_ROLES: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::444455556666:role/developer", "arn:aws:iam::444455556666:role/Admin"]},
    "Action": "execute-api:Invoke",
    "Resource": ["execute-api:/stage/GET/pets"]
  }]
}"#;

// Earlier revision of the same example: a user and the whole account.
const CROSS_ACCOUNT_USER_AND_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::444455556666:user/Alice", "444455556666"]},
    "Action": "execute-api:Invoke",
    "Resource": ["execute-api:/stage/GET/pets"]
  }]
}"#;

const SOURCE_IP_DENY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]},
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
     "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}
  ]
}"#;

const PRIVATE_VPC_SOURCE_IP_DENY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]},
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
     "Condition": {"IpAddress": {"aws:VpcSourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}
  ]
}"#;

const SOURCE_VPC: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]},
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
     "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}
  ]
}"#;

const SOURCE_VPCE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]},
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"],
     "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}
  ]
}"#;

const ALLOW_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                 "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]
}"#;

const DENY_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {"Sid": "DenyPartner", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
  ]
}"#;

const ORG_ID: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "AllowOrg", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                 "Resource": "execute-api:/*",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]
}"#;

const VPCE_ALLOW_ONLY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "AllowVpce", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                 "Resource": "execute-api:/*",
                 "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1a2b3c4d", "vpce-5e6f7a8b"]}}}]
}"#;

// "Set up a resource policy for a private API": the console's VPC endpoint allowlist template.
const PRIVATE_VPCE_ALLOWLIST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}},
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
  ]
}"#;

const PRIVATE_TWO_VPCE_ALLOWLIST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-0aaa", "vpce-0bbb"]}}},
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
  ]
}"#;

const PRIVATE_VPC_ALLOWLIST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
     "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-0123456789abcdef0"}}},
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
  ]
}"#;

const PRIVATE_CROSS_ACCOUNT_VPCE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                 "Resource": "execute-api:/*",
                 "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0fedcba9876543210"}}}]
}"#;

/// The allowlist exactly as GetRestApi returns it: expanded ARNs, `"` and `/` backslash-escaped.
const PRIVATE_VPCE_ALLOWLIST_ESCAPED: &str = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5\/*\",\"Condition\":{\"StringNotEquals\":{\"aws:SourceVpce\":\"vpce-0123456789abcdef0\"}}},{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5\/*\"}]}"#;

// "Use VPC endpoint policies for private APIs".
const ENDPOINT_TWO_APIS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Principal": "*", "Action": ["execute-api:Invoke"], "Effect": "Allow",
                 "Resource": ["arn:aws:execute-api:us-east-1:123412341234:a1b2c3d4e5/*",
                              "arn:aws:execute-api:us-east-1:123412341234:aaaaa11111/*"]}]
}"#;

const ENDPOINT_GET_ONLY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Principal": "*", "Action": ["execute-api:Invoke"], "Effect": "Allow",
                 "Resource": ["arn:aws:execute-api:us-east-1:123412341234:a1b2c3d4e5/stageName/GET/*"]}]
}"#;

const ENDPOINT_SPECIFIC_USER: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Principal": {"AWS": ["arn:aws:iam::123412341234:user/MyUser"]},
                 "Action": ["execute-api:Invoke"], "Effect": "Allow",
                 "Resource": ["arn:aws:execute-api:us-east-1:123412341234:a1b2c3d4e5/*"]}]
}"#;

const ENDPOINT_DEFAULT_FULL_ACCESS: &str =
    r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;

const ENDPOINT_ALL_APIS: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Principal": "*", "Action": "execute-api:Invoke", "Effect": "Allow",
                 "Resource": "arn:aws:execute-api:*:*:*"}]
}"#;

const ENDPOINT_DOMAIN_AND_API: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Principal": {"AWS": "arn:aws:iam::123412341234:user/bob"},
                 "Action": "execute-api:Invoke", "Effect": "Allow",
                 "Resource": ["arn:aws:execute-api:us-east-1:123412341234:/domainnames/private.example.com+abc123",
                              "arn:aws:execute-api:us-east-1:123412341234:a1b2c3d4e5/*"]}]
}"#;

const ENDPOINT_VIA_DOMAIN: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "ViaDomain", "Principal": "*", "Action": "execute-api:Invoke", "Effect": "Allow",
                 "Resource": "arn:aws:execute-api:us-east-1:123412341234:a1b2c3d4e5/*",
                 "Condition": {"ArnEquals": {"execute-api:viaDomainArn":
                     "arn:aws:execute-api:us-east-1:123412341234:/domainnames/private.example.com+abc123"}}}]
}"#;

const ENDPOINT_DENY_ONE_API: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Principal": "*", "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
    {"Sid": "DenyLegacy", "Principal": "*", "Action": "execute-api:Invoke", "Effect": "Deny",
     "Resource": "arn:aws:execute-api:us-east-1:123412341234:aaaaa11111/*"}
  ]
}"#;

const NOT_PRINCIPAL_ACCOUNT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {"Sid": "DenyOutsiders", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
  ]
}"#;

const NOT_PRINCIPAL_ACCOUNT_AND_ROLE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {"Sid": "DenyOthers", "Effect": "Deny",
     "NotPrincipal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:role/app"]},
     "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
  ]
}"#;

const NOT_ACTION_DENY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    {"Sid": "OnlyInvoke", "Effect": "Deny", "Principal": "*", "NotAction": "execute-api:Invoke", "Resource": "*"}
  ]
}"#;

const NOT_RESOURCE_DENY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    {"Sid": "OnlyProd", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
     "NotResource": "execute-api:/prod/*"}
  ]
}"#;

const ESCAPED_ALLOW: &str = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5\/*\"}]}"#;

const STRING_WRAPPED_ALLOW: &str = r#""{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\"}}""#;

const STATEMENT_OBJECT: &str = r#"{"Version":"2012-10-17","Statement":{"Sid":"Solo","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}}"#;

fn check(policy: impl AsRef<str>, ctx: &RequestContext, expected: Decision, by: Option<&str>) {
    let doc = parse_policy(policy.as_ref()).unwrap_or_else(|e| panic!("policy must parse: {e}"));
    let result = evaluate(&doc, ctx);
    assert_eq!(result.decision, expected, "evaluation: {result:#?}");
    if let Some(statement) = by {
        assert_eq!(result.statement.as_deref(), Some(statement), "{result:#?}");
    }
    match result.decision {
        Decision::Unknown => assert!(!result.undecided.is_empty(), "{result:#?}"),
        Decision::Allow | Decision::ExplicitDeny => assert!(result.statement.is_some()),
        Decision::ImplicitDeny => assert!(result.statement.is_none()),
    }
}

macro_rules! decision_table {
    ($($name:ident: $policy:expr, $ctx:expr => $decision:ident $(by $statement:literal)?;)+) => {
        $(
            // The double underscore separates the source page from the case, as in the brief.
            #[allow(non_snake_case)]
            #[test]
            fn $name() {
                let by: Option<&str> = None $(.or(Some($statement)))?;
                check($policy, &$ctx, Decision::$decision, by);
            }
        )+

        #[test]
        fn decision_table_has_at_least_60_cases() {
            let names = [$(stringify!($name)),+];
            assert!(names.len() >= 60, "only {} cases", names.len());
        }
    };
}

decision_table! {
    apigw_dev_guide_resource_policy_examples__cross_account_roles_developer_allowed:
        CROSS_ACCOUNT_ROLES, signed("arn:aws:iam::444455556666:role/developer", "stage/GET/pets") => Allow by "#0";
    apigw_dev_guide_resource_policy_examples__cross_account_roles_admin_session_allowed:
        CROSS_ACCOUNT_ROLES, signed("arn:aws:sts::444455556666:assumed-role/Admin/ci", "stage/GET/pets") => Allow;
    apigw_dev_guide_resource_policy_examples__cross_account_roles_other_role_denied:
        CROSS_ACCOUNT_ROLES, signed("arn:aws:iam::444455556666:role/intern", "stage/GET/pets") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__cross_account_roles_other_method_denied:
        CROSS_ACCOUNT_ROLES, signed("arn:aws:iam::444455556666:role/developer", "stage/POST/pets") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__cross_account_roles_anonymous_denied:
        CROSS_ACCOUNT_ROLES, anon("stage/GET/pets") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__cross_account_roles_same_name_other_account_denied:
        CROSS_ACCOUNT_ROLES, signed("arn:aws:iam::111122223333:role/developer", "stage/GET/pets") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__cross_account_user_alice_allowed:
        CROSS_ACCOUNT_USER_AND_ACCOUNT, signed("arn:aws:iam::444455556666:user/Alice", "stage/GET/pets") => Allow;
    apigw_dev_guide_resource_policy_examples__cross_account_whole_account_allowed:
        CROSS_ACCOUNT_USER_AND_ACCOUNT, signed(PARTNER_ROLE, "stage/GET/pets") => Allow;
    apigw_dev_guide_resource_policy_examples__source_ip_deny_first_block_denied:
        SOURCE_IP_DENY, anon("prod/GET/pets").with_key("aws:SourceIp", "192.0.2.7") => ExplicitDeny by "#1";
    apigw_dev_guide_resource_policy_examples__source_ip_deny_second_block_denied:
        SOURCE_IP_DENY, anon("prod/GET/pets").with_key("aws:SourceIp", "198.51.100.200") => ExplicitDeny;
    apigw_dev_guide_resource_policy_examples__source_ip_deny_other_address_allowed:
        SOURCE_IP_DENY, anon("prod/GET/pets").with_key("aws:SourceIp", "203.0.113.5") => Allow by "#0";
    apigw_dev_guide_resource_policy_examples__source_ip_deny_without_source_ip_allowed:
        SOURCE_IP_DENY, anon("prod/GET/pets") => Allow;
    apigw_dev_guide_resource_policy_examples__private_api_vpc_source_ip_blocked:
        PRIVATE_VPC_SOURCE_IP_DENY,
        anon("prod/GET/pets").with_key("aws:SourceVpce", "vpce-1a2b3c4d").with_key("aws:VpcSourceIp", "192.0.2.10")
        => ExplicitDeny;
    apigw_dev_guide_resource_policy_examples__private_api_vpc_source_ip_other_allowed:
        PRIVATE_VPC_SOURCE_IP_DENY,
        anon("prod/GET/pets").with_key("aws:SourceVpce", "vpce-1a2b3c4d").with_key("aws:VpcSourceIp", "10.0.0.5")
        => Allow;
    apigw_dev_guide_resource_policy_examples__source_vpc_matching_vpc_allowed:
        SOURCE_VPC, anon("prod/GET/pets").with_key("aws:SourceVpc", "vpc-1a2b3c4d") => Allow;
    apigw_dev_guide_resource_policy_examples__source_vpc_other_vpc_denied:
        SOURCE_VPC, anon("prod/GET/pets").with_key("aws:SourceVpc", "vpc-99999999") => ExplicitDeny by "#1";
    apigw_dev_guide_resource_policy_examples__source_vpc_outside_any_vpc_denied:
        SOURCE_VPC, anon("prod/GET/pets") => ExplicitDeny;
    apigw_dev_guide_resource_policy_examples__source_vpce_matching_endpoint_allowed:
        SOURCE_VPCE, anon("prod/GET/pets").with_key("aws:SourceVpce", "vpce-1a2b3c4d") => Allow;
    apigw_dev_guide_resource_policy_examples__source_vpce_other_endpoint_denied:
        SOURCE_VPCE, anon("prod/GET/pets").with_key("aws:SourceVpce", "vpce-00000000") => ExplicitDeny;
    apigw_dev_guide_resource_policy_examples__source_vpce_public_internet_denied:
        SOURCE_VPCE, anon("prod/GET/pets").with_key("aws:SourceIp", "203.0.113.5") => ExplicitDeny;
    apigw_dev_guide_resource_policy_examples__allow_account_role_allowed:
        ALLOW_ACCOUNT, signed(ROLE_APP, "prod/GET/pets") => Allow;
    apigw_dev_guide_resource_policy_examples__allow_account_anonymous_denied:
        ALLOW_ACCOUNT, anon("prod/GET/pets") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__allow_account_other_account_denied:
        ALLOW_ACCOUNT, signed(PARTNER_ROLE, "prod/GET/pets") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__deny_account_partner_denied:
        DENY_ACCOUNT, signed(PARTNER_ROLE, "prod/GET/pets") => ExplicitDeny by "DenyPartner";
    apigw_dev_guide_resource_policy_examples__deny_account_own_account_allowed:
        DENY_ACCOUNT, signed(ROLE_APP, "prod/GET/pets") => Allow;
    apigw_dev_guide_resource_policy_examples__deny_account_anonymous_allowed:
        DENY_ACCOUNT, anon("prod/GET/pets") => Allow;
    apigw_dev_guide_resource_policy_examples__org_id_member_allowed:
        ORG_ID, signed(PARTNER_ROLE, "prod/GET/pets").with_key("aws:PrincipalOrgID", "o-a1b2c3d4e5") => Allow by "AllowOrg";
    apigw_dev_guide_resource_policy_examples__org_id_other_org_denied:
        ORG_ID, signed(PARTNER_ROLE, "prod/GET/pets").with_key("aws:PrincipalOrgID", "o-zzzzzzzzzz") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__org_id_not_supplied_for_signed_caller_unknown:
        ORG_ID, signed(PARTNER_ROLE, "prod/GET/pets") => Unknown by "AllowOrg";
    apigw_dev_guide_resource_policy_examples__org_id_anonymous_denied:
        ORG_ID, anon("prod/GET/pets") => ImplicitDeny;
    apigw_dev_guide_resource_policy_examples__source_vpce_allow_first_endpoint_allowed:
        VPCE_ALLOW_ONLY, anon("prod/GET/pets").with_key("aws:SourceVpce", "vpce-1a2b3c4d") => Allow by "AllowVpce";
    apigw_dev_guide_resource_policy_examples__source_vpce_allow_second_endpoint_allowed:
        VPCE_ALLOW_ONLY, anon("prod/GET/pets").with_key("aws:SourceVpce", "vpce-5e6f7a8b") => Allow;
    apigw_dev_guide_resource_policy_examples__source_vpce_allow_other_endpoint_denied:
        VPCE_ALLOW_ONLY, anon("prod/GET/pets").with_key("aws:SourceVpce", "vpce-0abc") => ImplicitDeny;

    apigw_dev_guide_private_api_resource_policy__vpce_allowlist_allowed:
        PRIVATE_VPCE_ALLOWLIST, anon("prod/GET/items").with_key("aws:SourceVpce", "vpce-0123456789abcdef0") => Allow by "#1";
    apigw_dev_guide_private_api_resource_policy__vpce_allowlist_other_endpoint_denied:
        PRIVATE_VPCE_ALLOWLIST, anon("prod/GET/items").with_key("aws:SourceVpce", "vpce-0abc") => ExplicitDeny by "#0";
    apigw_dev_guide_private_api_resource_policy__vpce_allowlist_without_endpoint_denied:
        PRIVATE_VPCE_ALLOWLIST, signed(ROLE_APP, "prod/GET/items") => ExplicitDeny by "#0";
    apigw_dev_guide_private_api_resource_policy__two_endpoints_second_allowed:
        PRIVATE_TWO_VPCE_ALLOWLIST, anon("prod/GET/items").with_key("aws:SourceVpce", "vpce-0bbb") => Allow;
    apigw_dev_guide_private_api_resource_policy__two_endpoints_third_denied:
        PRIVATE_TWO_VPCE_ALLOWLIST, anon("prod/GET/items").with_key("aws:SourceVpce", "vpce-0ccc") => ExplicitDeny;
    apigw_dev_guide_private_api_resource_policy__vpc_allowlist_allowed:
        PRIVATE_VPC_ALLOWLIST,
        anon("prod/GET/items").with_key("aws:SourceVpc", "vpc-0123456789abcdef0").with_key("aws:SourceVpce", "vpce-0abc")
        => Allow;
    apigw_dev_guide_private_api_resource_policy__cross_account_endpoint_allowed:
        PRIVATE_CROSS_ACCOUNT_VPCE,
        signed(PARTNER_ROLE, "prod/GET/items").with_key("aws:SourceVpce", "vpce-0fedcba9876543210") => Allow;
    apigw_dev_guide_private_api_resource_policy__cross_account_other_endpoint_denied:
        PRIVATE_CROSS_ACCOUNT_VPCE,
        signed(PARTNER_ROLE, "prod/GET/items").with_key("aws:SourceVpce", "vpce-0123456789abcdef0") => ImplicitDeny;
    apigw_dev_guide_private_api_resource_policy__as_returned_by_get_rest_api_allowed:
        PRIVATE_VPCE_ALLOWLIST_ESCAPED,
        anon("prod/GET/items").with_key("aws:SourceVpce", "vpce-0123456789abcdef0") => Allow;
    apigw_dev_guide_private_api_resource_policy__as_returned_by_get_rest_api_denied:
        PRIVATE_VPCE_ALLOWLIST_ESCAPED, anon("prod/GET/items") => ExplicitDeny by "#0";

    apigw_dev_guide_vpc_endpoint_policies__two_apis_first_allowed:
        ENDPOINT_TWO_APIS, endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "prod/GET/x") => Allow;
    apigw_dev_guide_vpc_endpoint_policies__two_apis_second_allowed:
        ENDPOINT_TWO_APIS, endpoint_request(Principal::Anonymous, "aaaaa11111", "dev/POST/y") => Allow;
    apigw_dev_guide_vpc_endpoint_policies__two_apis_other_api_denied:
        ENDPOINT_TWO_APIS, endpoint_request(Principal::Anonymous, "bbbbb22222", "prod/GET/x") => ImplicitDeny;
    apigw_dev_guide_vpc_endpoint_policies__get_methods_get_allowed:
        ENDPOINT_GET_ONLY, endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "stageName/GET/pets/1") => Allow;
    apigw_dev_guide_vpc_endpoint_policies__get_methods_post_denied:
        ENDPOINT_GET_ONLY, endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "stageName/POST/pets") => ImplicitDeny;
    apigw_dev_guide_vpc_endpoint_policies__get_methods_other_stage_denied:
        ENDPOINT_GET_ONLY, endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "prod/GET/pets") => ImplicitDeny;
    apigw_dev_guide_vpc_endpoint_policies__specific_user_allowed:
        ENDPOINT_SPECIFIC_USER,
        endpoint_request(Principal::aws("arn:aws:iam::123412341234:user/MyUser"), "a1b2c3d4e5", "prod/GET/x") => Allow;
    apigw_dev_guide_vpc_endpoint_policies__specific_user_anonymous_denied:
        ENDPOINT_SPECIFIC_USER, endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "prod/GET/x") => ImplicitDeny;
    apigw_dev_guide_vpc_endpoint_policies__specific_user_other_user_denied:
        ENDPOINT_SPECIFIC_USER,
        endpoint_request(Principal::aws("arn:aws:iam::123412341234:user/Other"), "a1b2c3d4e5", "prod/GET/x") => ImplicitDeny;
    apigw_dev_guide_vpc_endpoint_policies__default_full_access_allowed:
        ENDPOINT_DEFAULT_FULL_ACCESS, endpoint_request(Principal::Anonymous, "zzzzz99999", "any/GET/thing") => Allow by "#0";
    apigw_dev_guide_vpc_endpoint_policies__all_apis_allowed:
        ENDPOINT_ALL_APIS, anon("prod/DELETE/items/7") => Allow;
    apigw_dev_guide_vpc_endpoint_policies__all_apis_other_partition_denied:
        ENDPOINT_ALL_APIS,
        RequestContext::new("execute-api:Invoke", "arn:aws-cn:execute-api:cn-north-1:111122223333:abc/prod/GET/x", Principal::Anonymous)
        => ImplicitDeny;
    apigw_dev_guide_vpc_endpoint_policies__domain_and_api_for_bob_allowed:
        ENDPOINT_DOMAIN_AND_API,
        endpoint_request(Principal::aws("arn:aws:iam::123412341234:user/bob"), "a1b2c3d4e5", "prod/GET/x") => Allow;
    apigw_dev_guide_vpc_endpoint_policies__via_domain_arn_without_key_unknown:
        ENDPOINT_VIA_DOMAIN, endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "prod/GET/x") => Unknown by "ViaDomain";
    apigw_dev_guide_vpc_endpoint_policies__via_domain_arn_supplied_allowed:
        ENDPOINT_VIA_DOMAIN,
        endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "prod/GET/x").with_key(
            "execute-api:viaDomainArn",
            "arn:aws:execute-api:us-east-1:123412341234:/domainnames/private.example.com+abc123",
        ) => Allow;
    apigw_dev_guide_vpc_endpoint_policies__deny_one_api_denied:
        ENDPOINT_DENY_ONE_API, endpoint_request(Principal::Anonymous, "aaaaa11111", "prod/GET/x") => ExplicitDeny by "DenyLegacy";
    apigw_dev_guide_vpc_endpoint_policies__deny_one_api_other_api_allowed:
        ENDPOINT_DENY_ONE_API, endpoint_request(Principal::Anonymous, "a1b2c3d4e5", "prod/GET/x") => Allow;

    edge__wildcard_short_form_any_depth:
        doc(&[ALLOW_ALL]), anon("prod/GET/items/42/reviews") => Allow by "AllowAll";
    edge__wildcard_stage_method_prefix_spans_slashes:
        allow_resource(r#""execute-api:/prod/GET/*""#), anon("prod/GET/items/42/reviews") => Allow;
    edge__wildcard_stage_method_prefix_other_method_denied:
        allow_resource(r#""execute-api:/prod/GET/*""#), anon("prod/POST/items") => ImplicitDeny;
    edge__wildcard_question_mark_single_character:
        allow_resource(r#""execute-api:/prod/GET/item?""#), anon("prod/GET/items") => Allow;
    edge__resource_match_is_case_sensitive:
        allow_resource(r#""execute-api:/prod/get/items""#), anon("prod/GET/items") => ImplicitDeny;
    edge__resource_full_arn_other_region_denied:
        allow_resource(r#""arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5/*""#), anon("prod/GET/x") => ImplicitDeny;
    edge__short_form_without_execute_api_request_unknown:
        doc(&[ALLOW_ALL]), RequestContext::new("execute-api:Invoke", "not-an-arn", Principal::Anonymous) => Unknown;
    edge__unrecognised_resource_form_unknown:
        allow_resource(r#""execute-api:*""#), anon("prod/GET/x") => Unknown;
    edge__not_principal_deny_anonymous_denied:
        NOT_PRINCIPAL_ACCOUNT, anon("prod/GET/x") => ExplicitDeny by "DenyOutsiders";
    edge__not_principal_deny_other_account_denied:
        NOT_PRINCIPAL_ACCOUNT, signed(PARTNER_ROLE, "prod/GET/x") => ExplicitDeny by "DenyOutsiders";
    edge__not_principal_account_only_role_caller_unknown:
        NOT_PRINCIPAL_ACCOUNT, signed(ROLE_APP, "prod/GET/x") => Unknown by "DenyOutsiders";
    edge__not_principal_account_root_caller_allowed:
        NOT_PRINCIPAL_ACCOUNT, signed("arn:aws:iam::111122223333:root", "prod/GET/x") => Allow;
    edge__not_principal_account_and_role_listed_allowed:
        NOT_PRINCIPAL_ACCOUNT_AND_ROLE, signed(ROLE_APP, "prod/GET/x") => Allow;
    edge__not_principal_account_and_role_other_role_unknown:
        NOT_PRINCIPAL_ACCOUNT_AND_ROLE, signed("arn:aws:iam::111122223333:role/other", "prod/GET/x") => Unknown;
    edge__not_principal_role_only_listed_unknown:
        doc(&[ALLOW_ALL, r#"{"Sid":"DenyButApp","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"*","Resource":"*"}"#]),
        signed(ROLE_APP, "prod/GET/x") => Unknown by "DenyButApp";
    edge__not_principal_role_only_listed_other_caller_denied:
        doc(&[ALLOW_ALL, r#"{"Sid":"DenyButApp","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"*","Resource":"*"}"#]),
        signed(PARTNER_ROLE, "prod/GET/x") => ExplicitDeny by "DenyButApp";
    edge__not_principal_everyone_never_applies:
        doc(&[ALLOW_ALL, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"*","Resource":"*"}"#]),
        anon("prod/GET/x") => Allow;
    edge__not_action_deny_other_action_denied:
        NOT_ACTION_DENY,
        RequestContext::new("execute-api:ManageConnections", res("prod/POST/@connections"), Principal::Anonymous)
        => ExplicitDeny by "OnlyInvoke";
    edge__not_action_deny_invoke_allowed:
        NOT_ACTION_DENY, anon("prod/GET/x") => Allow;
    edge__not_resource_deny_outside_prod_denied:
        NOT_RESOURCE_DENY, anon("dev/GET/x") => ExplicitDeny by "OnlyProd";
    edge__not_resource_deny_inside_prod_allowed:
        NOT_RESOURCE_DENY, anon("prod/GET/x") => Allow;
    edge__ipv6_range_allowed:
        allow_if(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "2001:db8:1::5") => Allow;
    edge__ipv6_outside_range_denied:
        allow_if(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "2001:db9::5") => ImplicitDeny;
    edge__ipv4_request_against_ipv6_range_denied:
        allow_if(r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "192.0.2.1") => ImplicitDeny;
    edge__bare_address_is_single_host:
        allow_if(r#"{"IpAddress":{"aws:SourceIp":"198.51.100.7"}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "198.51.100.7") => Allow;
    edge__not_ip_address_deny_outside_ranges_denied:
        allow_all_deny_if(r#"{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "198.51.100.1") => ExplicitDeny by "DenyIf";
    edge__not_ip_address_deny_inside_ipv6_range_allowed:
        allow_all_deny_if(r#"{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "2001:db8::1") => Allow;
    edge__not_ip_address_deny_missing_key_denied:
        allow_all_deny_if(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), anon("prod/GET/x") => ExplicitDeny;
    edge__condition_key_name_case_insensitive:
        allow_if(r#"{"StringEquals":{"AWS:SOURCEVPCE":"vpce-1"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1") => Allow;
    edge__context_key_inserted_in_mixed_case:
        allow_if(r#"{"StringEquals":{"aws:sourcevpce":"vpce-1"}}"#),
        {
            let mut ctx = anon("prod/GET/x");
            ctx.keys.insert("aws:SourceVpce".to_string(), vec!["vpce-1".to_string()]);
            ctx
        } => Allow;
    edge__action_case_insensitive:
        doc(&[r#"{"Effect":"Allow","Principal":"*","Action":"EXECUTE-API:invoke","Resource":"*"}"#]),
        anon("prod/GET/x") => Allow;
    edge__action_wildcard_prefix:
        doc(&[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Inv*","Resource":"*"}"#]),
        anon("prod/GET/x") => Allow;
    edge__action_mismatch_denied:
        doc(&[r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:ManageConnections","Resource":"*"}"#]),
        anon("prod/GET/x") => ImplicitDeny;
    edge__principal_account_id_matches_role:
        allow_principal(r#"{"AWS":"111122223333"}"#), signed(ROLE_APP, "prod/GET/x") => Allow;
    edge__principal_account_id_excludes_anonymous:
        allow_principal(r#"{"AWS":"111122223333"}"#), anon("prod/GET/x") => ImplicitDeny;
    edge__principal_aws_star_matches_anonymous:
        allow_principal(r#"{"AWS":"*"}"#), anon("prod/GET/x") => Allow;
    edge__principal_service_never_matches:
        allow_principal(r#"{"Service":"lambda.amazonaws.com"}"#), signed(ROLE_APP, "prod/GET/x") => ImplicitDeny;
    edge__principal_deleted_role_unique_id_denied:
        allow_principal(r#"{"AWS":"AROAEXAMPLEID1234567"}"#), signed(ROLE_APP, "prod/GET/x") => ImplicitDeny;
    edge__principal_differs_only_in_case_unknown:
        allow_principal(r#"{"AWS":"arn:aws:iam::111122223333:role/App"}"#), signed(ROLE_APP, "prod/GET/x") => Unknown;
    edge__if_exists_allow_missing_key_allowed:
        allow_if(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#), anon("prod/GET/x") => Allow;
    edge__if_exists_allow_wrong_value_denied:
        allow_if(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-2") => ImplicitDeny;
    edge__if_exists_negated_deny_missing_key_denied:
        allow_all_deny_if(r#"{"StringNotEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#), anon("prod/GET/x") => ExplicitDeny;
    edge__null_true_deny_without_endpoint_denied:
        allow_all_deny_if(r#"{"Null":{"aws:SourceVpce":true}}"#), anon("prod/GET/x") => ExplicitDeny;
    edge__null_true_deny_with_endpoint_allowed:
        allow_all_deny_if(r#"{"Null":{"aws:SourceVpce":"true"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1") => Allow;
    edge__null_false_allow_with_endpoint_allowed:
        allow_if(r#"{"Null":{"aws:SourceVpce":"false"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1") => Allow;
    edge__for_any_value_missing_key_denied:
        allow_if(r#"{"ForAnyValue:StringEquals":{"aws:SourceVpce":"vpce-1"}}"#), anon("prod/GET/x") => ImplicitDeny;
    edge__for_all_values_missing_key_allowed:
        allow_if(r#"{"ForAllValues:StringEquals":{"aws:SourceVpce":"vpce-1"}}"#), anon("prod/GET/x") => Allow;
    edge__for_any_value_multivalued_key_allowed:
        allow_if(r#"{"ForAnyValue:StringLike":{"aws:TagKeys":"env*"}}"#),
        anon("prod/GET/x").with_key("aws:TagKeys", "team").with_key("aws:TagKeys", "environment") => Allow;
    edge__for_all_values_one_value_outside_denied:
        allow_if(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}"#),
        anon("prod/GET/x").with_key("aws:TagKeys", "team").with_key("aws:TagKeys", "owner") => ImplicitDeny;
    edge__unsupported_numeric_operator_unknown:
        allow_if(r#"{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}"#), signed(ROLE_APP, "prod/GET/x") => Unknown;
    edge__unsupported_date_operator_unknown:
        allow_if(r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#), anon("prod/GET/x") => Unknown;
    edge__unsupported_operator_in_deny_beats_allow:
        allow_all_deny_if(r#"{"NumericGreaterThan":{"aws:SourceVpce":1}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1") => Unknown by "DenyIf";
    edge__unknowable_key_in_allow_unknown:
        allow_if(r#"{"StringLike":{"aws:UserAgent":"curl/*"}}"#), anon("prod/GET/x") => Unknown by "AllowIf";
    edge__unknowable_key_supplied_by_caller_allowed:
        allow_if(r#"{"StringLike":{"aws:UserAgent":"curl/*"}}"#),
        anon("prod/GET/x").with_key("aws:UserAgent", "curl/8.5.0") => Allow;
    edge__deny_maybe_with_allow_yes_unknown:
        allow_all_deny_if(r#"{"StringEquals":{"aws:Referer":"https://evil.example"}}"#), anon("prod/GET/x") => Unknown by "DenyIf";
    edge__deny_yes_beats_deny_maybe:
        doc(&[
            ALLOW_ALL,
            &deny_if(r#"{"StringEquals":{"aws:Referer":"https://evil.example"}}"#),
            r#"{"Sid":"DenyDev","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/dev/*"}"#,
        ]),
        anon("dev/GET/x") => ExplicitDeny by "DenyDev";
    edge__undecidable_statement_for_other_action_ignored:
        doc(&[
            ALLOW_ALL,
            r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:ManageConnections","Resource":"*","Condition":{"NumericLessThan":{"aws:EpochTime":1}}}"#,
        ]),
        anon("prod/GET/x") => Allow;
    edge__undecidable_condition_with_failing_sibling_denied:
        allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"},"NumericLessThan":{"aws:EpochTime":1}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-2") => ImplicitDeny;
    edge__policy_variable_in_resource_unknown:
        allow_resource(r#""execute-api:/${aws:username}/*""#), anon("prod/GET/x") => Unknown;
    edge__policy_variable_literal_under_2008_version:
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/${aws:username}/*"}]}"#,
        anon("prod/GET/x") => ImplicitDeny;
    edge__escaped_policy_with_escaped_slashes_allowed:
        ESCAPED_ALLOW, anon("prod/GET/x") => Allow by "#0";
    edge__json_string_wrapped_policy_allowed:
        STRING_WRAPPED_ALLOW, anon("prod/GET/x") => Allow;
    edge__statement_as_single_object_allowed:
        STATEMENT_OBJECT, anon("prod/GET/x") => Allow by "Solo";
    edge__secure_transport_is_true_for_execute_api:
        allow_all_deny_if(r#"{"Bool":{"aws:SecureTransport":"false"}}"#), anon("prod/GET/x") => Allow;
    edge__multiple_keys_in_operator_all_match_allowed:
        allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1","aws:SourceVpc":"vpc-1"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1").with_key("aws:SourceVpc", "vpc-1") => Allow;
    edge__multiple_keys_in_operator_one_differs_denied:
        allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1","aws:SourceVpc":"vpc-1"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1").with_key("aws:SourceVpc", "vpc-2") => ImplicitDeny;
    edge__multiple_operators_are_anded:
        allow_if(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"},"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/16"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1").with_key("aws:VpcSourceIp", "10.1.0.1") => ImplicitDeny;
    edge__string_equals_ignore_case_allowed:
        allow_if(r#"{"StringEqualsIgnoreCase":{"aws:SourceVpce":"VPCE-1"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1") => Allow;
    edge__string_equals_values_case_sensitive:
        allow_if(r#"{"StringEquals":{"aws:SourceVpce":"VPCE-1"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1") => ImplicitDeny;
    edge__string_not_equals_ignore_case_deny_allowed:
        allow_all_deny_if(r#"{"StringNotEqualsIgnoreCase":{"aws:SourceVpce":"VPCE-1"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-1") => Allow;
    edge__string_like_value_wildcard_allowed:
        allow_if(r#"{"StringLike":{"aws:SourceVpce":"vpce-0abc*"}}"#),
        anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-0abc123") => Allow;
    edge__arn_like_principal_arn_derived_from_caller:
        allow_if(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}"#),
        signed(ROLE_APP, "prod/GET/x") => Allow;
    edge__arn_not_like_deny_anonymous_denied:
        allow_all_deny_if(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}"#),
        anon("prod/GET/x") => ExplicitDeny;
    edge__principal_arn_of_session_unknown:
        allow_if(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}}"#),
        signed("arn:aws:sts::111122223333:assumed-role/app/s1", "prod/GET/x") => Unknown;
    edge__statement_without_sid_labelled_by_index:
        doc(&[
            r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/dev/*"}"#,
            r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}"#,
        ]),
        anon("prod/GET/x") => Allow by "#1";
    edge__empty_statement_list_implicit_deny:
        r#"{"Version":"2012-10-17","Statement":[]}"#, anon("prod/GET/x") => ImplicitDeny;
    edge__several_request_values_for_single_valued_operator_unknown:
        allow_if(r#"{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "192.0.2.1").with_key("aws:SourceIp", "203.0.113.1") => Unknown;
    edge__invalid_cidr_in_policy_unknown:
        allow_if(r#"{"IpAddress":{"aws:SourceIp":"192.0.2.0/33"}}"#),
        anon("prod/GET/x").with_key("aws:SourceIp", "192.0.2.1") => Unknown;
}

#[test]
fn implicit_deny_names_the_failing_allow_condition() {
    let doc = parse_policy(VPCE_ALLOW_ONLY).expect("parses");
    let result = evaluate(
        &doc,
        &anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-0abc"),
    );
    assert_eq!(result.decision, Decision::ImplicitDeny);
    assert_eq!(
        result.misses,
        vec![ConditionMiss {
            statement: "AllowVpce".to_string(),
            operator: "StringEquals".to_string(),
            key: "aws:SourceVpce".to_string(),
            expected: vec!["vpce-1a2b3c4d".to_string(), "vpce-5e6f7a8b".to_string()],
            actual: Some(vec!["vpce-0abc".to_string()]),
        }]
    );
}

#[test]
fn explicit_deny_reports_the_conditions_that_held() {
    let doc = parse_policy(PRIVATE_VPCE_ALLOWLIST).expect("parses");
    let result = evaluate(&doc, &anon("prod/GET/x"));
    assert_eq!(result.decision, Decision::ExplicitDeny);
    assert_eq!(result.misses.len(), 1);
    assert_eq!(result.misses[0].operator, "StringNotEquals");
    assert_eq!(result.misses[0].key, "aws:SourceVpce");
    assert_eq!(result.misses[0].actual, None);
}

#[test]
fn unknown_names_operator_and_key() {
    let by_operator = evaluate(
        &parse_policy(&allow_if(
            r#"{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}"#,
        ))
        .expect("parses"),
        &anon("prod/GET/x").with_key("aws:MultiFactorAuthAge", "10"),
    );
    assert_eq!(by_operator.decision, Decision::Unknown);
    assert!(by_operator.undecided[0].contains("NumericLessThan"));

    let by_key = evaluate(
        &parse_policy(&allow_all_deny_if(
            r#"{"StringEquals":{"aws:Referer":"x"}}"#,
        ))
        .expect("parses"),
        &anon("prod/GET/x"),
    );
    assert_eq!(by_key.undecided.len(), 1);
    assert!(by_key.undecided[0].contains("aws:Referer"));
    assert!(by_key.undecided[0].contains("DenyIf"));
}

#[test]
fn unknown_still_reports_allow_misses() {
    let policy = doc(&[
        &deny_if(r#"{"StringEquals":{"aws:Referer":"x"}}"#),
        r#"{"Sid":"AllowVpce","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
    ]);
    let result = evaluate(&parse_policy(&policy).expect("parses"), &anon("prod/GET/x"));
    assert_eq!(result.decision, Decision::Unknown);
    assert_eq!(result.misses.len(), 1);
    assert_eq!(result.misses[0].statement, "AllowVpce");
    assert_eq!(result.misses[0].actual, None);
}

#[test]
fn escaped_forms_parse_to_the_same_document() {
    let plain = ESCAPED_ALLOW.replace("\\\"", "\"").replace("\\/", "/");
    let expected = parse_policy(&plain).expect("plain parses");
    assert_eq!(parse_policy(ESCAPED_ALLOW), Ok(expected.clone()));
    let wrapped = serde_json::to_string(&plain).expect("string literal");
    assert_eq!(parse_policy(&wrapped), Ok(expected.clone()));
    let wrapped_twice = serde_json::to_string(&wrapped).expect("string literal");
    assert_eq!(parse_policy(&wrapped_twice), Ok(expected));
}

#[test]
fn short_forms_expand_to_full_arns() {
    let doc = parse_policy(NOT_RESOURCE_DENY).expect("parses");
    let expanded = doc.expand_execute_api("us-east-1", "111122223333", "a1b2c3d4e5");
    assert_eq!(
        expanded.statements[0].resource,
        ResourceElement::Resource(vec![format!("{API_ARN}/*")])
    );
    assert_eq!(
        expanded.statements[1].resource,
        ResourceElement::NotResource(vec![format!("{API_ARN}/prod/*")])
    );
    let china = doc.expand_execute_api("cn-north-1", "111122223333", "abc");
    assert_eq!(
        china.statements[0].resource,
        ResourceElement::Resource(vec![
            "arn:aws-cn:execute-api:cn-north-1:111122223333:abc/*".to_string()
        ])
    );
    for ctx in [anon("dev/GET/x"), anon("prod/GET/x")] {
        assert_eq!(evaluate(&doc, &ctx), evaluate(&expanded, &ctx));
    }
}

#[test]
fn documents_round_trip_through_serde() {
    for policy in [
        SOURCE_VPCE,
        NOT_PRINCIPAL_ACCOUNT,
        ENDPOINT_VIA_DOMAIN,
        NOT_ACTION_DENY,
    ] {
        let doc = parse_policy(policy).expect("parses");
        let json = serde_json::to_string(&doc).expect("serializes");
        let back: PolicyDocument = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, doc);
    }
}

#[test]
fn decisions_serialize_as_their_names() {
    let names: Vec<String> = [
        Decision::Allow,
        Decision::ExplicitDeny,
        Decision::ImplicitDeny,
        Decision::Unknown,
    ]
    .iter()
    .map(|d| serde_json::to_string(d).expect("serializes"))
    .collect();
    assert_eq!(
        names,
        [
            "\"Allow\"",
            "\"ExplicitDeny\"",
            "\"ImplicitDeny\"",
            "\"Unknown\""
        ]
    );
}

#[test]
fn condition_values_may_be_bools_and_numbers() {
    let doc = parse_policy(&allow_if(
        r#"{"Bool":{"aws:SecureTransport":true},"StringEquals":{"aws:PrincipalAccount":[111122223333]}}"#,
    ))
    .expect("parses");
    let values: Vec<&[String]> = doc.statements[0]
        .conditions
        .iter()
        .map(|c| c.values.as_slice())
        .collect();
    assert_eq!(
        values,
        [&["true".to_string()][..], &["111122223333".to_string()][..]]
    );
    assert_eq!(
        evaluate(&doc, &signed(ROLE_APP, "prod/GET/x")).decision,
        Decision::Allow
    );
}

#[test]
fn malformed_policies_are_errors_not_panics() {
    let statement = |body: &str| doc(&[body]);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "empty policy"),
        ("  \n\t ".to_string(), "empty policy"),
        ("{".to_string(), "not valid JSON"),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow""#.to_string(),
            "not valid JSON",
        ),
        (r#"{\"Version\":"#.to_string(), "not valid JSON"),
        ("42".to_string(), "a number"),
        ("[]".to_string(), "an array"),
        ("true".to_string(), "a boolean"),
        ("null".to_string(), "null"),
        (r#""hello""#.to_string(), "not valid JSON"),
        (r#"{"Version":"2012-10-17"}"#.to_string(), "no Statement"),
        (
            r#"{"Version":"2099-01-01","Statement":[]}"#.to_string(),
            "Version",
        ),
        (r#"{"Statement":"Allow"}"#.to_string(), "Statement must be"),
        (
            r#"{"Statement":[],"Extra":1}"#.to_string(),
            "unknown policy element",
        ),
        (r#"{"Statement":[42]}"#.to_string(), "statement #0"),
        (
            statement(r#"{"Effect":"Permit","Principal":"*","Action":"*","Resource":"*"}"#),
            "Permit",
        ),
        (
            statement(r#"{"Principal":"*","Action":"*","Resource":"*"}"#),
            "missing Effect",
        ),
        (
            statement(r#"{"Effect":"Allow","Principal":"*","Resource":"*"}"#),
            "missing Action",
        ),
        (
            statement(r#"{"Effect":"Allow","Principal":"*","Action":"*"}"#),
            "missing Resource",
        ),
        (
            statement(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
            "missing Principal",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"s3:*","Resource":"*"}"#,
            ),
            "both Action and NotAction",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}"#,
            ),
            "both Principal and NotPrincipal",
        ),
        (
            statement(r#"{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}"#),
            "empty list",
        ),
        (
            statement(r#"{"Effect":"Allow","Principal":"*","Action":[1],"Resource":"*"}"#),
            "must be strings",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"*","Resource":"*"}"#,
            ),
            "Principal must be",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":{"Group":"x"},"Action":"*","Resource":"*"}"#,
            ),
            "Group",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condtion":{}}"#,
            ),
            "unknown element",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"a":1}}}}"#,
            ),
            "values must be",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{}}}"#,
            ),
            "has no keys",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":[]}}}"#,
            ),
            "empty value list",
        ),
        (
            statement(
                r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":["x"]}"#,
            ),
            "Condition must be",
        ),
    ];
    for (text, needle) in cases {
        let err = parse_policy(&text).expect_err(&text);
        let message = err.to_string();
        assert!(message.contains(needle), "{text:?}: {message:?}");
        assert!(!message.contains('\n'), "{text:?}: {message:?}");
    }
}

/// An IAM-authorized request whose signer is not known.
fn unidentified(path: &str) -> RequestContext {
    RequestContext::new("execute-api:Invoke", res(path), Principal::Unidentified)
}

fn decision(policy: &str, ctx: &RequestContext) -> Evaluation {
    evaluate(&parse_policy(policy).expect("policy parses"), ctx)
}

fn deny_phase(policy: &str, ctx: &RequestContext) -> Evaluation {
    evaluate_denies(&parse_policy(policy).expect("policy parses"), ctx)
}

#[test]
fn unidentified_caller_everyone_allow_applies() {
    assert_eq!(
        decision(ALLOW_ALL_DOC, &unidentified("prod/GET/x")).decision,
        Decision::Allow
    );
}

#[test]
fn unidentified_caller_named_roles_are_undecided_never_a_made_up_match() {
    let result = decision(CROSS_ACCOUNT_ROLES, &unidentified("stage/GET/pets"));
    assert_eq!(result.decision, Decision::Unknown, "{result:#?}");
    assert!(
        result
            .undecided
            .iter()
            .any(|u| u.contains("identity is not known")),
        "{result:#?}"
    );
}

#[test]
fn unidentified_caller_deny_naming_an_account_is_undecided() {
    let result = decision(DENY_ACCOUNT, &unidentified("prod/GET/x"));
    assert_eq!(result.decision, Decision::Unknown, "{result:#?}");
}

#[test]
fn unidentified_caller_not_principal_is_undecided() {
    let policy = doc(&[
        ALLOW_ALL,
        r#"{"Sid":"DenyButApp","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"*","Resource":"*"}"#,
    ]);
    assert_eq!(
        decision(&policy, &unidentified("prod/GET/x")).decision,
        Decision::Unknown
    );
}

// apigateway-authorization-flow.html, "Lambda authorizer and resource policy": before the
// authorizer runs, only an explicit Deny blocks the caller.
#[test]
fn authorization_flow_deny_phase_ignores_a_missing_allow() {
    let deny_only = doc(&[
        r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0123456789abcdef0"}}}"#,
    ]);
    let through = anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-0123456789abcdef0");
    assert_eq!(
        decision(&deny_only, &through).decision,
        Decision::ImplicitDeny
    );
    let phase = deny_phase(&deny_only, &through);
    assert_eq!(phase.decision, Decision::Allow, "{phase:#?}");
    assert_eq!(phase.statement, None);
    let elsewhere = anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-0ther");
    assert_eq!(
        deny_phase(&deny_only, &elsewhere).decision,
        Decision::ExplicitDeny
    );
}

#[test]
fn authorization_flow_deny_phase_undecided_only_by_a_deny() {
    // An Allow that cannot be decided does not matter before the authorizer...
    let allow_maybe = decision(ORG_ID, &anon("prod/GET/x"));
    assert_eq!(
        allow_maybe.decision,
        Decision::ImplicitDeny,
        "{allow_maybe:#?}"
    );
    let allow_unknowable = doc(&[
        r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringLike":{"aws:UserAgent":"curl*"}}}"#,
    ]);
    assert_eq!(
        decision(&allow_unknowable, &anon("prod/GET/x")).decision,
        Decision::Unknown
    );
    assert_eq!(
        deny_phase(&allow_unknowable, &anon("prod/GET/x")).decision,
        Decision::Allow
    );
    // ...a Deny that cannot be decided does.
    let deny_unknowable = doc(&[
        r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringLike":{"aws:UserAgent":"curl*"}}}"#,
    ]);
    let phase = deny_phase(&deny_unknowable, &anon("prod/GET/x"));
    assert_eq!(phase.decision, Decision::Unknown, "{phase:#?}");
    assert!(
        phase.undecided.iter().any(|u| u.contains("UserAgent")),
        "{phase:#?}"
    );
}

// Through an interface endpoint aws:VpcSourceIp is always in the request; when the client's
// address is not given its value is unknown, not absent.
#[test]
fn interface_endpoint_unknown_vpc_source_ip_is_undecided_not_absent() {
    let allow_range = doc(&[
        r#"{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/16"}}}"#,
    ]);
    let unknown = anon("prod/GET/x").with_unknown_key("aws:VpcSourceIp");
    assert_eq!(decision(&allow_range, &unknown).decision, Decision::Unknown);
    assert_eq!(
        decision(&allow_range, &anon("prod/GET/x")).decision,
        Decision::ImplicitDeny
    );
    let known = anon("prod/GET/x").with_key("aws:VpcSourceIp", "10.0.3.4");
    assert_eq!(decision(&allow_range, &known).decision, Decision::Allow);
    let deny_range = decision(PRIVATE_VPC_SOURCE_IP_DENY, &unknown);
    assert_eq!(deny_range.decision, Decision::Unknown, "{deny_range:#?}");
}

const ALLOW_ALL_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;

/// Hostile documents (issue 14): deep nesting, a huge policy and pathological wildcards end in
/// an answer or a one-line error, without overflowing the stack.
#[test]
fn a_policy_nested_a_hundred_thousand_deep_is_a_one_line_error() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let error = parse_policy(&text).expect_err("not a policy");
    assert!(!error.to_string().contains('\n'), "{error}");
    let nested = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{}1{}}}]}}"#,
        r#"{"a":"#.repeat(50_000),
        "}".repeat(50_000)
    );
    assert!(parse_policy(&nested).is_err());
}

#[test]
fn a_policy_of_five_thousand_statements_is_evaluated() {
    let statements: Vec<String> = (0..5000)
        .map(|i| format!(r#"{{"Sid":"S{i}","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"StringEquals":{{"aws:SourceVpce":"vpce-{i}"}}}}}}"#))
        .collect();
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    let policy = doc(&refs);
    let through = anon("prod/GET/x").with_key("aws:SourceVpce", "vpce-4999");
    assert_eq!(decision(&policy, &through).decision, Decision::Allow);
}

#[test]
fn pathological_wildcards_are_matched_without_backtracking_blowup() {
    let pattern = format!("{}x", "*?".repeat(2000));
    let text = "a".repeat(4000);
    assert!(!wildcard_match(&pattern, &text));
    assert!(wildcard_match(&"*?".repeat(2000), &text));
    let resource = format!("arn:aws:execute-api:*{}", "*a".repeat(500));
    let statement = format!(
        r#"{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"{resource}"}}"#
    );
    let policy = doc(&[statement.as_str()]);
    assert_eq!(
        decision(&policy, &anon("prod/GET/x")).decision,
        Decision::ImplicitDeny
    );
}

/// Issue 14: the wildcard matcher's work is counted, never timed, on the inputs that make a
/// backtracking matcher quadratic: at most 4·(|pattern| + |text|)·W steps, W = ⌈L/64⌉ for the
/// longest piece between two `*`s that contains `?`, of length L (W = 1 when none is that long).
#[test]
fn wildcard_work_stays_linear() {
    let text = "a".repeat(100_000);
    let cases = [
        ("*?".repeat(5_000), true),
        (format!("{}x", "*?".repeat(5_000)), false),
        (format!("{}b", "a*".repeat(5_000)), false),
        (format!("{}a", "a*".repeat(5_000)), true),
        (format!("*{}b*", "a".repeat(9_998)), false),
        (format!("*{}*", "a".repeat(9_998)), true),
        (format!("*{}b*", "a?".repeat(31)), false),
        (format!("*{}b*", "a?".repeat(4_999)), false),
        (format!("*{}*", "a?".repeat(4_999)), true),
        (format!("{}*", "?".repeat(99_999)), true),
    ];
    for (pattern, expected) in cases {
        let mut steps = 0;
        let matched = wildcard::matches_counting(&pattern, &text, &mut steps);
        assert_eq!(matched, expected, "{}", &pattern[..40.min(pattern.len())]);
        let pieces: Vec<&str> = pattern.split('*').collect();
        let between_stars = pieces.get(1..pieces.len() - 1).unwrap_or_default();
        let longest_with_any = between_stars
            .iter()
            .filter(|piece| piece.contains('?'))
            .map(|piece| piece.len())
            .max()
            .unwrap_or(0);
        let words = longest_with_any.div_ceil(64).max(1) as u64;
        let bound = 4 * (pattern.len() + text.len()) as u64 * words;
        assert!(
            steps <= bound,
            "{steps} steps > {bound} for {}",
            &pattern[..40.min(pattern.len())]
        );
    }
}

mod properties {
    use super::super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    const ACTIONS: &[&str] = &[
        "execute-api:Invoke",
        "execute-api:*",
        "*",
        "EXECUTE-API:invoke",
        "execute-api:Inv?ke",
        "execute-api:ManageConnections",
        "s3:GetObject",
    ];
    const RESOURCES: &[&str] = &[
        "*",
        "execute-api:/*",
        "execute-api:/prod/GET/*",
        "execute-api:/dev/*",
        "arn:aws:execute-api:*:*:*",
        "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*",
        "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/*/items",
        "arn:aws:execute-api:us-east-1:111122223333:zzzzz/*",
        "execute-api:/${aws:username}/*",
        "execute-api:*",
    ];
    const PRINCIPALS: &[&str] = &[
        r#""*""#,
        r#"{"AWS":"*"}"#,
        r#"{"AWS":"111122223333"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:role/app"}"#,
        r#"{"AWS":"arn:aws:iam::444455556666:root"}"#,
        r#"{"AWS":["arn:aws:iam::444455556666:user/bob","111122223333"]}"#,
        r#"{"Service":"lambda.amazonaws.com"}"#,
    ];
    const OPERATORS: &[&str] = &[
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLikeIfExists",
        "StringEqualsIgnoreCase",
        "ArnLike",
        "ArnNotEquals",
        "IpAddress",
        "NotIpAddress",
        "Null",
        "Bool",
        "ForAnyValue:StringEquals",
        "ForAllValues:StringLike",
        "NumericLessThan",
        "DateGreaterThan",
        "BinaryEquals",
    ];
    const KEYS: &[&str] = &[
        "aws:SourceVpce",
        "aws:sourcevpc",
        "aws:SourceIp",
        "aws:VpcSourceIp",
        "aws:PrincipalOrgID",
        "aws:PrincipalArn",
        "aws:SecureTransport",
        "aws:UserAgent",
        "execute-api:viaDomainArn",
    ];
    const VALUES: &[&str] = &[
        "vpce-1",
        "vpc-1",
        "192.0.2.0/24",
        "2001:db8::/32",
        "true",
        "o-1",
        "arn:aws:iam::111122223333:*",
        "*",
        "not-an-ip",
        "${aws:username}",
    ];
    const REQUEST_RESOURCES: &[&str] = &[
        "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/prod/GET/items",
        "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/dev/POST/x",
        "arn:aws:execute-api:us-west-2:444455556666:other/prod/GET/",
    ];
    const CALLERS: &[Option<&str>] = &[
        None,
        Some("arn:aws:iam::111122223333:role/app"),
        Some("arn:aws:sts::111122223333:assumed-role/app/s1"),
        Some("arn:aws:iam::444455556666:user/bob"),
    ];
    const REQUEST_KEYS: &[(&str, &str)] = &[
        ("aws:SourceVpce", "vpce-1"),
        ("aws:SourceVpce", "vpce-2"),
        ("aws:SourceIp", "192.0.2.9"),
        ("aws:SourceIp", "2001:db8::9"),
        ("aws:VpcSourceIp", "10.0.0.1"),
        ("aws:PrincipalOrgID", "o-1"),
        ("aws:UserAgent", "curl/8"),
    ];

    #[derive(Debug, Clone)]
    struct GenStatement {
        deny: bool,
        not_action: bool,
        actions: Vec<usize>,
        not_resource: bool,
        resources: Vec<usize>,
        not_principal: bool,
        principal: usize,
        condition: Option<(usize, usize, Vec<usize>)>,
    }

    fn statement() -> impl Strategy<Value = GenStatement> {
        (
            any::<bool>(),
            prop::bool::weighted(0.2),
            vec(0..ACTIONS.len(), 1..3),
            prop::bool::weighted(0.2),
            vec(0..RESOURCES.len(), 1..3),
            prop::bool::weighted(0.2),
            0..PRINCIPALS.len(),
            prop::option::weighted(
                0.5,
                (
                    0..OPERATORS.len(),
                    0..KEYS.len(),
                    vec(0..VALUES.len(), 1..3),
                ),
            ),
        )
            .prop_map(
                |(
                    deny,
                    not_action,
                    actions,
                    not_resource,
                    resources,
                    not_principal,
                    principal,
                    condition,
                )| GenStatement {
                    deny,
                    not_action,
                    actions,
                    not_resource,
                    resources,
                    not_principal,
                    principal,
                    condition,
                },
            )
    }

    fn context() -> impl Strategy<Value = RequestContext> {
        (
            prop::bool::weighted(0.9),
            0..REQUEST_RESOURCES.len(),
            0..CALLERS.len(),
            vec(0..REQUEST_KEYS.len(), 0..3),
        )
            .prop_map(|(invoke, resource, caller, keys)| {
                let action = if invoke {
                    "execute-api:Invoke"
                } else {
                    "execute-api:ManageConnections"
                };
                let principal = CALLERS[caller].map_or(Principal::Anonymous, Principal::aws);
                let mut ctx = RequestContext::new(action, REQUEST_RESOURCES[resource], principal);
                for index in keys {
                    let (key, value) = REQUEST_KEYS[index];
                    if !ctx.keys.contains_key(&key.to_ascii_lowercase()) {
                        ctx = ctx.with_key(key, value);
                    }
                }
                ctx
            })
    }

    fn render(statements: &[GenStatement]) -> String {
        let rendered: Vec<Value> = statements
            .iter()
            .map(|s| {
                let mut object = serde_json::Map::new();
                object.insert(
                    "Effect".into(),
                    json!(if s.deny { "Deny" } else { "Allow" }),
                );
                let pick = |pool: &[&str], indices: &[usize]| -> Vec<String> {
                    indices.iter().map(|&i| pool[i].to_string()).collect()
                };
                let action = if s.not_action { "NotAction" } else { "Action" };
                object.insert(action.into(), json!(pick(ACTIONS, &s.actions)));
                let resource = if s.not_resource {
                    "NotResource"
                } else {
                    "Resource"
                };
                object.insert(resource.into(), json!(pick(RESOURCES, &s.resources)));
                let principal = if s.not_principal {
                    "NotPrincipal"
                } else {
                    "Principal"
                };
                let principal_value: Value =
                    serde_json::from_str(PRINCIPALS[s.principal]).expect("pool is valid JSON");
                object.insert(principal.into(), principal_value);
                if let Some((operator, key, values)) = &s.condition {
                    object.insert(
                        "Condition".into(),
                        json!({ OPERATORS[*operator]: { KEYS[*key]: pick(VALUES, values) } }),
                    );
                }
                Value::Object(object)
            })
            .collect();
        json!({ "Version": "2012-10-17", "Statement": rendered }).to_string()
    }

    /// Reference glob, written independently of the evaluator's iterative one.
    fn glob(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*', rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
            Some(('?', rest)) => !text.is_empty() && glob(rest, &text[1..]),
            Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
        }
    }

    fn globs(pattern: &str, text: &str) -> bool {
        let pattern: Vec<char> = pattern.chars().collect();
        let text: Vec<char> = text.chars().collect();
        glob(&pattern, &text)
    }

    fn oracle_resource(pattern: &str, resource: &str) -> bool {
        if pattern.contains("${") {
            return false;
        }
        let expanded = match pattern.strip_prefix("execute-api:/") {
            Some(path) => {
                let api_prefix = resource.split('/').next().unwrap_or_default();
                format!("{api_prefix}/{path}")
            }
            None => pattern.to_string(),
        };
        globs(&expanded, resource)
    }

    fn oracle_principal(index: usize, principal: &Principal) -> bool {
        let (arn, account) = match principal {
            // Only "*" surely names a caller whose identity is not known.
            Principal::Anonymous | Principal::Unidentified => return index <= 1,
            Principal::Aws { arn, account } => (arn.as_str(), account.as_str()),
        };
        match index {
            0 | 1 => true,
            2 | 3 => account == "111122223333",
            4 => arn.contains(":role/app") || arn.contains(":assumed-role/app/"),
            5 => account == "444455556666",
            6 => account == "111122223333" || arn == "arn:aws:iam::444455556666:user/bob",
            _ => false,
        }
    }

    /// An unconditional Deny that plainly names this request.
    fn denies_outright(s: &GenStatement, ctx: &RequestContext) -> bool {
        let action = ctx.action.to_lowercase();
        let action_listed = s
            .actions
            .iter()
            .any(|&i| globs(&ACTIONS[i].to_lowercase(), &action));
        s.deny
            && s.condition.is_none()
            && !s.not_resource
            && !s.not_principal
            && action_listed != s.not_action
            && s.resources
                .iter()
                .any(|&i| oracle_resource(RESOURCES[i], &ctx.resource))
            && oracle_principal(s.principal, &ctx.principal)
    }

    /// The textbook dynamic program for `*`/`?` globs: the reference the matcher is held to.
    fn reference_glob(pattern: &str, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let mut row = vec![false; text.len() + 1];
        row[0] = true;
        for p in pattern.chars() {
            let mut next = vec![false; text.len() + 1];
            for j in 0..=text.len() {
                next[j] = match p {
                    '*' => row[j] || (j > 0 && next[j - 1]),
                    '?' => j > 0 && row[j - 1],
                    c => j > 0 && text[j - 1] == c && row[j - 1],
                };
            }
            row = next;
        }
        row[text.len()]
    }

    /// Characters weighted so that long pieces still match now and then.
    fn weighted(a: u32, b: u32, any: u32) -> impl Strategy<Value = char> {
        prop_oneof![a => Just('a'), b => Just('b'), any => Just('?')]
    }

    /// 1024 cases, or `PROPTEST_CASES` for a long run (README: hostile input).
    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1024);
        ProptestConfig::with_cases(cases)
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn never_allows_past_a_matching_unconditional_deny(
            statements in vec(statement(), 0..6),
            ctx in context(),
        ) {
            let text = render(&statements);
            let doc = parse_policy(&text)
                .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            let result = evaluate(&doc, &ctx);
            if statements.iter().any(|s| denies_outright(s, &ctx)) {
                prop_assert_eq!(result.decision, Decision::ExplicitDeny, "{}", text);
            }
            if result.decision == Decision::Unknown {
                prop_assert!(!result.undecided.is_empty());
            }
            if result.decision == Decision::Allow {
                prop_assert!(doc.statements.iter().any(|s| s.effect == Effect::Allow));
            }
            let json = serde_json::to_string(&doc).expect("serializes");
            let back: PolicyDocument = serde_json::from_str(&json).expect("deserializes");
            prop_assert_eq!(back, doc);
        }

        #[test]
        fn wildcard_match_agrees_with_the_reference(
            pattern in "[ab*?]{0,12}",
            text in "[ab*?]{0,16}",
        ) {
            prop_assert_eq!(
                wildcard_match(&pattern, &text),
                reference_glob(&pattern, &text),
                "{:?} {:?}", pattern, text
            );
        }

        #[test]
        fn wildcard_match_agrees_with_the_reference_on_long_pieces(
            pieces in vec(vec(weighted(6, 1, 3), 0..140), 1..4),
            text in vec(weighted(9, 1, 0), 0..300),
        ) {
            let pieces: Vec<String> = pieces.iter().map(|p| p.iter().collect()).collect();
            let pattern = pieces.join("*");
            let text: String = text.into_iter().collect();
            prop_assert_eq!(
                wildcard_match(&pattern, &text),
                reference_glob(&pattern, &text),
                "{:?} {:?}", pattern, text
            );
        }

        #[test]
        fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
            let _ = parse_policy(&text);
        }

        #[test]
        fn parse_and_evaluate_never_panic_on_json_like_text(
            text in r#"[{}\[\]":,\\/ a-zA-Z0-9*?$-]{0,96}"#,
            ctx in context(),
        ) {
            if let Ok(doc) = parse_policy(&text) {
                let _ = evaluate(&doc, &ctx);
            }
        }

        #[test]
        fn parse_and_evaluate_never_panic_on_mutated_policies(
            statements in vec(statement(), 1..3),
            cut in any::<prop::sample::Index>(),
            insert in r#"[{}\[\]":,\\ a*]{0,3}"#,
            ctx in context(),
        ) {
            let text = render(&statements);
            let at = cut.index(text.len() + 1);
            let mutated = format!("{}{insert}{}", &text[..at], &text[at..].chars().skip(1).collect::<String>());
            if let Ok(doc) = parse_policy(&mutated) {
                let _ = evaluate(&doc, &ctx);
            }
        }
    }
}
