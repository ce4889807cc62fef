//! The role in `template.yaml` may write only what the built actions write (issue 9, item 13).
//!
//! Every AWS operation the shell calls is in `apigw_doctor::operations::OPERATIONS` (whose own
//! test holds it to the step literals in `src/`). This test maps each API Gateway and EC2 write
//! to the IAM grants it needs and holds the template to exactly those: a grant no call
//! needs (PATCH `/restapis/{id}`, i.e. `UpdateRestApi`, or an integration, authorizer or VPC link
//! write) fails it, and so does a new write call nobody granted. `template.yaml` is read as text:
//! the project has no YAML parser, and the template's policies are plain block YAML.

use apigw_doctor::action::Action;
use apigw_doctor::operations::{self, Access, OPERATIONS};
use apigw_doctor::plan::Marker;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How the template names an API Gateway control-plane path (`!Sub`).
const APIGW: &str = "arn:${AWS::Partition}:apigateway:${AWS::Region}::";
/// How the template names the account's VPC endpoints (`!Sub`).
const VPC_ENDPOINTS: &str =
    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-endpoint/*";
/// A stage's ARN, url-encoded as the SDK sends it in `/tags/{resource-arn}`, up to its API kind.
const STAGE_ARN_ENCODED: &str = "arn%3A${AWS::Partition}%3Aapigateway%3A${AWS::Region}%3A%3A%2F";

/// The (IAM action, resource) pairs a write step needs; `None` for a step this test does not
/// know, which must be added here and to the template together.
fn grants_for(step: &str) -> Option<Vec<(&'static str, String)>> {
    let apigw = |path: &str| format!("{APIGW}{path}");
    let stage_tags =
        |kind: &str| format!("{APIGW}/tags/{STAGE_ARN_ENCODED}{kind}%2F*%2Fstages%2F*");
    Some(match step {
        "apigateway:CreateDeployment" => {
            vec![("apigateway:POST", apigw("/restapis/*/deployments"))]
        }
        "apigatewayv2:CreateDeployment" => vec![("apigateway:POST", apigw("/apis/*/deployments"))],
        "apigateway:UpdateStage" => vec![("apigateway:PATCH", apigw("/restapis/*/stages/*"))],
        "apigatewayv2:UpdateStage" => vec![("apigateway:PATCH", apigw("/apis/*/stages/*"))],
        // REST TagResource is PUT /tags/{arn}, and PATCH on the tagged resource; the code tags
        // stages only (`EnableExecutionLogging::stage_arn`).
        "apigateway:TagResource" => vec![
            ("apigateway:PUT", stage_tags("restapis")),
            ("apigateway:PATCH", apigw("/restapis/*/stages/*")),
        ],
        // v2 TagResource is POST /tags/{arn}: stages (`EnableExecutionLogging::stage_arn`) and
        // APIs (`AddIntegrationHeader::api_arn`).
        "apigatewayv2:TagResource" => vec![
            ("apigateway:POST", stage_tags("apis")),
            (
                "apigateway:POST",
                format!("{APIGW}/tags/{STAGE_ARN_ENCODED}apis%2F*"),
            ),
        ],
        "apigatewayv2:UpdateIntegration" => {
            vec![("apigateway:PATCH", apigw("/apis/*/integrations/*"))]
        }
        "ec2:ModifyVpcEndpoint" => vec![("ec2:ModifyVpcEndpoint", VPC_ENDPOINTS.to_string())],
        "ec2:CreateTags" => vec![("ec2:CreateTags", VPC_ENDPOINTS.to_string())],
        _ => return None,
    })
}

/// The condition operator and tag key a tagging grant on `resource` may write: the marker of the
/// one action that tags there.
fn marker_key(action: &str, resource: &str) -> Option<(&'static str, String)> {
    match action {
        "apigateway:POST" if resource.ends_with("apis%2F*") => Some((
            "ForAllValues:StringLike:",
            format!("{}:*", Marker::tag_key(Action::AddIntegrationHeader)),
        )),
        "apigateway:PUT" | "apigateway:POST" => Some((
            "ForAllValues:StringEquals:",
            Marker::tag_key(Action::EnableExecutionLogging),
        )),
        "ec2:CreateTags" => Some((
            "ForAllValues:StringEquals:",
            Marker::tag_key(Action::EnablePrivateDns),
        )),
        _ => None,
    }
}

const SERVICES: [&str; 3] = ["apigateway", "apigatewayv2", "ec2"];

fn is_read(operation: &str) -> bool {
    ["Get", "Describe", "List", "Search"]
        .iter()
        .any(|prefix| operation.starts_with(prefix))
}

/// Whether an IAM action of the template writes (API Gateway's verbs, EC2's operations).
fn is_write(action: &str) -> bool {
    match action.split_once(':') {
        Some(("apigateway", verb)) => verb != "GET",
        Some(("ec2", operation)) => !is_read(operation),
        _ => false,
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read a source file");
            out.push((path, text));
        }
    }
}

/// Every SDK call written `<client>.<method>(` on an API Gateway or EC2 client whose method
/// writes, as the step it should be labelled with (`ec2.create_tags(` → `ec2:CreateTags`).
fn sdk_writes(text: &str) -> BTreeSet<String> {
    const WRITES: [&str; 20] = [
        "create_",
        "update_",
        "delete_",
        "put_",
        "tag_",
        "untag_",
        "modify_",
        "import_",
        "reimport_",
        "reset_",
        "flush_",
        "associate_",
        "disassociate_",
        "replace_",
        "attach_",
        "detach_",
        "revoke_",
        "authorize_",
        "accept_",
        "reject_",
    ];
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found = BTreeSet::new();
    for service in SERVICES {
        let client = format!(".{service}.");
        for (at, _) in compact.match_indices(&client) {
            let rest = &compact[at + client.len()..];
            let method: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if rest[method.len()..].starts_with('(') && WRITES.iter().any(|w| method.starts_with(w))
            {
                let camel: String = method
                    .split('_')
                    .map(|word| {
                        let mut chars = word.chars();
                        chars.next().map_or_else(String::new, |first| {
                            first.to_ascii_uppercase().to_string() + chars.as_str()
                        })
                    })
                    .collect();
                found.insert(format!("{service}:{camel}"));
            }
        }
    }
    found
}

/// One policy statement of the template, as far as this test reads it.
#[derive(Debug)]
struct Statement {
    sid: String,
    /// The logical id of the resource that holds it, and that resource's `Condition`.
    resource: String,
    resource_condition: Option<String>,
    effect: String,
    actions: Vec<String>,
    resources: Vec<String>,
    /// The `Condition` block as written.
    condition: String,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_meaningful(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// A scalar as IAM sees it: no `!Sub`, no quotes.
fn scalar(value: &str) -> String {
    let value = value.trim();
    let value = value.strip_prefix("!Sub ").unwrap_or(value).trim();
    value.trim_matches('"').trim_matches('\'').to_string()
}

/// A key's value: an inline scalar, an inline `[a, b]` list, or the `- item` lines under it.
fn values(inline: &str, below: &[&str]) -> Vec<String> {
    let inline = inline.trim();
    if let Some(list) = inline.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
        return list.split(',').map(scalar).collect();
    }
    if !inline.is_empty() {
        return vec![scalar(inline)];
    }
    below
        .iter()
        .filter(|l| is_meaningful(l))
        .filter_map(|l| l.trim().strip_prefix("- "))
        .map(scalar)
        .collect()
}

/// Every statement (`- Sid: …` list item) of every policy in the template.
fn statements(template: &str) -> Vec<Statement> {
    let lines: Vec<&str> = template.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(sid) = line.trim().strip_prefix("- Sid:") else {
            continue;
        };
        let dash = indent(line);
        let end = (start + 1..lines.len())
            .find(|&i| is_meaningful(lines[i]) && indent(lines[i]) <= dash)
            .unwrap_or(lines.len());
        let key_column = dash + 2;
        // The statement's keys, each with the lines under it.
        let body = &lines[start + 1..end];
        let keys: Vec<usize> = (0..body.len())
            .filter(|&i| is_meaningful(body[i]) && indent(body[i]) == key_column)
            .collect();
        let key = |name: &str| -> Option<(String, Vec<&str>)> {
            let at = keys
                .iter()
                .position(|&i| body[i].trim().starts_with(&format!("{name}:")))?;
            let line = body[keys[at]].trim();
            let next = keys.get(at + 1).copied().unwrap_or(body.len());
            let inline = line[name.len() + 1..].to_string();
            Some((inline, body[keys[at] + 1..next].to_vec()))
        };
        for forbidden in ["NotAction", "NotResource", "Principal"] {
            assert!(
                key(forbidden).is_none(),
                "statement {sid} uses {forbidden}: write it as Action and Resource"
            );
        }
        let list = |name: &str| key(name).map_or_else(Vec::new, |(i, below)| values(&i, &below));
        // The resource that holds the statement: the last two-space key above it.
        let holder = (0..start)
            .rev()
            .find(|&i| indent(lines[i]) == 2 && lines[i].trim().ends_with(':'))
            .expect("a statement inside a resource");
        let resource_condition = (holder + 1..start)
            .take_while(|&i| !is_meaningful(lines[i]) || indent(lines[i]) > 2)
            .find_map(|i| {
                (indent(lines[i]) == 4)
                    .then(|| lines[i].trim().strip_prefix("Condition:"))
                    .flatten()
                    .map(scalar)
            });
        found.push(Statement {
            sid: sid.trim().to_string(),
            resource: lines[holder].trim().trim_end_matches(':').to_string(),
            resource_condition,
            effect: list("Effect").concat(),
            actions: list("Action"),
            resources: list("Resource"),
            condition: key("Condition").map_or_else(String::new, |(_, below)| below.join("\n")),
        });
    }
    found
}

#[test]
fn the_template_grants_exactly_the_writes_the_code_makes() {
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    let mut sources = Vec::new();
    rust_sources(&root().join("src"), &mut sources);

    // What the code calls: the operations list (its own test holds it to the steps in src/),
    // and every SDK write call, which the list must name.
    for (path, text) in &sources {
        for write in sdk_writes(text) {
            assert_eq!(
                operations::access(&write),
                Some(Access::Write),
                "{} calls {write}, which OPERATIONS does not list as a write",
                path.display()
            );
        }
    }
    let writes: Vec<&str> = OPERATIONS
        .iter()
        .filter(|(step, access)| {
            *access == Access::Write
                && SERVICES.contains(&step.split_once(':').map_or("", |(service, _)| service))
        })
        .map(|(step, _)| *step)
        .collect();
    assert!(
        !writes.is_empty(),
        "no write step found in src/: the scan is broken"
    );
    let mut needed = BTreeSet::new();
    for step in &writes {
        let grants = grants_for(step).unwrap_or_else(|| {
            panic!("src/ calls {step}: add the IAM grants it needs to grants_for and template.yaml")
        });
        needed.extend(grants.into_iter().map(|(a, r)| (a.to_string(), r)));
    }

    // What the template grants.
    let statements = statements(&template);
    assert_eq!(
        statements.len(),
        template.matches("Effect:").count(),
        "every policy statement must start with `- Sid:` so this test reads it"
    );
    let mut granted = BTreeSet::new();
    for statement in statements.iter().filter(|s| s.effect == "Allow") {
        let sid = &statement.sid;
        let written: Vec<&String> = statement.actions.iter().filter(|a| is_write(a)).collect();
        if written.is_empty() {
            continue;
        }
        assert!(
            statement.actions.iter().all(|a| is_write(a)),
            "statement {sid} mixes reads and writes"
        );
        // Writes are attached in apply mode only; EC2's only when enable_private_dns is listed.
        let condition = statement.resource_condition.as_deref().unwrap_or("");
        assert!(
            condition.starts_with("IsApply"),
            "statement {sid} of {} writes without the apply-mode condition",
            statement.resource
        );
        if written.iter().any(|a| a.starts_with("ec2:")) {
            assert_eq!(condition, "IsApplyWithPrivateDns", "statement {sid}");
        }
        let tags = statement.resources.iter().any(|r| r.contains("/tags/"));
        for action in &written {
            for resource in &statement.resources {
                granted.insert(((*action).clone(), resource.clone()));
            }
            // A tagging grant carries the marker's key and no other.
            if tags || *action == "ec2:CreateTags" {
                for resource in &statement.resources {
                    let (operator, key) = marker_key(action, resource)
                        .unwrap_or_else(|| panic!("statement {sid}: {action} cannot tag"));
                    assert!(
                        statement.condition.contains(operator)
                            && statement
                                .condition
                                .contains(&format!("aws:TagKeys: [\"{key}\"]")),
                        "statement {sid} tags {resource} without limiting aws:TagKeys to [\"{key}\"] ({operator}):\n{}",
                        statement.condition
                    );
                }
            }
        }
    }

    // The grants the issue names as out of bounds, spelled out for a clear failure.
    for (action, resource) in &granted {
        let path = resource.strip_prefix(APIGW).unwrap_or(resource);
        assert!(
            resource != "*" && path != "/restapis/*",
            "{action} on {resource}: that includes PATCH /restapis/{{id}} (UpdateRestApi)"
        );
        assert!(
            path != "/apis/*",
            "{action} on {resource}: that includes UpdateApi"
        );
        // Integrations: only add_integration_header's PATCH of a v2 integration.
        assert!(
            !path.contains("integrations")
                || (action == "apigateway:PATCH" && path == "/apis/*/integrations/*"),
            "{action} on {resource}: the built actions write no other integration"
        );
        for part in ["vpclinks", "authorizers", "methods", "/resources"] {
            assert!(
                !path.contains(part),
                "{action} on {resource}: the built actions write no {part}"
            );
        }
    }
    let verbs: BTreeSet<&str> = granted
        .iter()
        .filter_map(|(a, _)| a.strip_prefix("apigateway:"))
        .collect();
    let needed_verbs: BTreeSet<&str> = needed
        .iter()
        .filter_map(|(a, _)| a.strip_prefix("apigateway:"))
        .collect();
    assert_eq!(verbs, needed_verbs, "API Gateway verbs granted vs needed");

    let extra: Vec<_> = granted.difference(&needed).collect();
    let missing: Vec<_> = needed.difference(&granted).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "template.yaml grants writes no call in src/ makes: {extra:#?}\n\
         and misses writes src/ makes ({writes:?}): {missing:#?}"
    );
}

#[test]
fn the_reader_sees_through_yaml_forms() {
    let template = r#"
Resources:
  Policy:
    Type: AWS::IAM::Policy
    Condition: IsApply
    Properties:
      PolicyDocument:
        Statement:
          - Sid: One
            Effect: Allow
            # a comment
            Action: [apigateway:POST, "apigateway:PATCH"]
            Resource:
              - !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis/*/deployments
              - "*"
            Condition:
              ForAllValues:StringEquals:
                aws:TagKeys: ["k"]
          - Sid: Two
            Effect: Allow
            Action: ec2:CreateTags
            Resource: !Sub arn:x
"#;
    let found = statements(template);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].resource, "Policy");
    assert_eq!(found[0].resource_condition.as_deref(), Some("IsApply"));
    assert_eq!(found[0].actions, ["apigateway:POST", "apigateway:PATCH"]);
    assert_eq!(
        found[0].resources,
        [
            "arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis/*/deployments",
            "*"
        ]
    );
    assert!(found[0].condition.contains("aws:TagKeys: [\"k\"]"));
    assert_eq!(found[1].sid, "Two");
    assert_eq!(found[1].resources, ["arn:x"]);
    assert_eq!(
        sdk_writes("session\n  .aws\n  .apigateway\n  .create_deployment()\n"),
        BTreeSet::from(["apigateway:CreateDeployment".to_string()])
    );
}

/// The IAM action a listed read needs: API Gateway authorizes its control plane by HTTP verb,
/// the Management API's `@connections` calls by `execute-api:ManageConnections`, STS
/// `GetCallerIdentity` needs no permission, the others are named as the operation.
fn read_grant(operation: &str) -> Option<String> {
    match operation.split_once(':')? {
        ("apigateway" | "apigatewayv2", _) => Some("apigateway:GET".to_string()),
        ("apigatewaymanagementapi", "GetConnection") => {
            Some("execute-api:ManageConnections".to_string())
        }
        ("sts", "GetCallerIdentity") => None,
        _ => Some(operation.to_string()),
    }
}

/// `execute-api:ManageConnections` also allows posting to and deleting connections: the
/// template grants it on the GET form of the `@connections` resource only, so the function can
/// look a connection up and never write to or close one.
#[test]
fn managing_connections_is_granted_for_get_only() {
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    let granting: Vec<Statement> = statements(&template)
        .into_iter()
        .filter(|s| s.actions.iter().any(|a| a.starts_with("execute-api:")))
        .collect();
    assert_eq!(granting.len(), 1, "{granting:#?}");
    let statement = &granting[0];
    assert_eq!(statement.effect, "Allow");
    assert_eq!(statement.actions, ["execute-api:ManageConnections"]);
    assert_eq!(
        statement.resources,
        ["arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/GET/@connections/*"]
    );
    assert_eq!(
        statement.resource_condition, None,
        "a read: granted in every mode"
    );
}

#[test]
fn the_template_grants_exactly_the_reads_the_code_makes() {
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    let granted: BTreeSet<String> = statements(&template)
        .into_iter()
        .filter(|s| s.effect == "Allow")
        .flat_map(|s| s.actions)
        .filter(|action| {
            !is_write(action)
                && !action.starts_with("dynamodb:Put")
                && !action.starts_with("dynamodb:Delete")
                && !NOTIFICATIONS.iter().any(|(operation, iam, _, _)| {
                    action == iam && operations::access(operation) == Some(Access::Notify)
                })
        })
        .filter(|action| !action.starts_with("lambda:"))
        .collect();
    let needed: BTreeSet<String> = OPERATIONS
        .iter()
        .filter(|(_, access)| *access == Access::Read)
        .filter_map(|(operation, _)| read_grant(operation))
        .collect();
    let missing: Vec<&String> = needed.difference(&granted).collect();
    assert!(
        missing.is_empty(),
        "reads the code makes but the template does not grant: {missing:?}"
    );
    let unused: Vec<&String> = granted.difference(&needed).collect();
    assert!(
        unused.is_empty(),
        "reads the template grants but the code never makes: {unused:?}"
    );
}

/// The report's destinations and the member role: (operation, IAM action, condition, resource).
const NOTIFICATIONS: [(&str, &str, &str, &str); 3] = [
    (
        "sns:Publish",
        "sns:Publish",
        "HasReportTopic",
        "ReportTopicArn",
    ),
    (
        "eventbridge:PutEvents",
        "events:PutEvents",
        "HasEventBus",
        "EventBus",
    ),
    (
        "sts:AssumeRole",
        "sts:AssumeRole",
        "HasMemberRole",
        "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}",
    ),
];

/// Sending the report on and assuming the member role are granted only when their parameter
/// is set, on what it names, and the code lists each call.
#[test]
fn notifications_and_the_member_role_are_granted_only_where_configured() {
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    let statements = statements(&template);
    for (operation, iam, condition, resource) in NOTIFICATIONS {
        assert!(
            operations::access(operation).is_some(),
            "{operation} is not in OPERATIONS"
        );
        let granting: Vec<&Statement> = statements
            .iter()
            .filter(|s| s.actions.iter().any(|a| a == iam))
            .collect();
        assert_eq!(granting.len(), 1, "{iam}: {granting:#?}");
        let statement = granting[0];
        assert_eq!(statement.actions, [iam], "{iam} alone");
        assert_eq!(
            statement.resource_condition.as_deref(),
            Some(condition),
            "{iam}"
        );
        // The statement's own text: its resource may be an `!If` over the parameter's forms.
        let start = template
            .find(&format!("- Sid: {}", statement.sid))
            .expect("the statement");
        let block = template[start..].split("\n\n").next().unwrap_or_default();
        assert!(
            block.contains(resource) && !block.contains("Resource: \"*\""),
            "{iam} not on {resource}:\n{block}"
        );
        assert!(
            template.contains(&format!("  {condition}: !Not [!Equals [!Ref ")),
            "{condition} is a parameter-set condition"
        );
    }
}
