//! The role in `template.yaml` may write only what the built actions write (issue 9, item 13).
//!
//! Every AWS operation the shell calls is in `apigw_doctor::operations::OPERATIONS` (whose own
//! test holds it to the step literals in `src/`). This test maps each API Gateway and EC2 write
//! to the IAM grants it needs and holds the template to exactly those: a grant no call
//! needs (PATCH `/restapis/{id}`, i.e. `UpdateRestApi`, an authorizer write, a VPC link change
//! other than its creation, an integration write other than the two repairs') fails it, and so
//! does a new write call nobody granted. `template.yaml` is read as text:
//! the project has no YAML parser, and the template's policies are plain block YAML.

use apigw_doctor::action::Action;
use apigw_doctor::operations::{self, action_writes, Access, ACTION_WRITES, OPERATIONS};
use apigw_doctor::plan::Marker;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How the template names an API Gateway control-plane path (`!Sub`).
const APIGW: &str = "arn:${AWS::Partition}:apigateway:${AWS::Region}::";
/// How the template names the account's VPC endpoints (`!Sub`).
const VPC_ENDPOINTS: &str =
    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-endpoint/*";
/// How the template names the account's VPC endpoint services (`!Sub`).
const VPC_ENDPOINT_SERVICES: &str =
    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-endpoint-service/*";
/// A stage's ARN, url-encoded as the SDK sends it in `/tags/{resource-arn}`, up to its API kind.
const STAGE_ARN_ENCODED: &str = "arn%3A${AWS::Partition}%3Aapigateway%3A${AWS::Region}%3A%3A%2F";

/// The (IAM action, resource) pairs a write step of `action` needs; `None` for a step this test
/// does not know, which must be added here and to the template together.
fn grants_for(action: Action, step: &str) -> Option<Vec<(&'static str, String)>> {
    let apigw = |path: &str| format!("{APIGW}{path}");
    let stage_tags =
        |kind: &str| format!("{APIGW}/tags/{STAGE_ARN_ENCODED}{kind}%2F*%2Fstages%2F*");
    Some(match (action, step) {
        (_, "apigateway:CreateDeployment") => {
            vec![("apigateway:POST", apigw("/restapis/*/deployments"))]
        }
        (_, "apigatewayv2:CreateDeployment") => {
            vec![("apigateway:POST", apigw("/apis/*/deployments"))]
        }
        (_, "apigateway:UpdateStage") => vec![("apigateway:PATCH", apigw("/restapis/*/stages/*"))],
        (_, "apigatewayv2:UpdateStage") => vec![("apigateway:PATCH", apigw("/apis/*/stages/*"))],
        // REST TagResource is PUT /tags/{arn}, and PATCH on the tagged resource; the code tags
        // stages only (`EnableExecutionLogging::stage_arn`).
        (Action::EnableExecutionLogging, "apigateway:TagResource") => vec![
            ("apigateway:PUT", stage_tags("restapis")),
            ("apigateway:PATCH", apigw("/restapis/*/stages/*")),
        ],
        // v2 TagResource is POST /tags/{arn}: stages (`EnableExecutionLogging::stage_arn`) and
        // APIs (`AddIntegrationHeader::api_arn`).
        (Action::EnableExecutionLogging, "apigatewayv2:TagResource") => {
            vec![("apigateway:POST", stage_tags("apis"))]
        }
        (Action::AddIntegrationHeader, "apigatewayv2:TagResource") => vec![(
            "apigateway:POST",
            format!("{APIGW}/tags/{STAGE_ARN_ENCODED}apis%2F*"),
        )],
        (_, "apigatewayv2:UpdateIntegration") => {
            vec![("apigateway:PATCH", apigw("/apis/*/integrations/*"))]
        }
        // REST UpdateIntegration is PATCH on the method's integration (recreate_vpc_link's
        // repoint of /connectionId).
        (Action::RecreateVpcLink, "apigateway:UpdateIntegration") => vec![(
            "apigateway:PATCH",
            apigw("/restapis/*/resources/*/methods/*/integration"),
        )],
        // CreateVpcLink (v1 and v2) is POST /vpclinks; a v1 link also makes API Gateway create
        // the load balancer's VPC endpoint service with the caller's permissions
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/grant-permissions-to-create-vpclink.html).
        (Action::RecreateVpcLink, "apigateway:CreateVpcLink") => vec![
            ("apigateway:POST", apigw("/vpclinks")),
            (
                "ec2:CreateVpcEndpointServiceConfiguration",
                VPC_ENDPOINT_SERVICES.to_string(),
            ),
            (
                "ec2:DeleteVpcEndpointServiceConfigurations",
                VPC_ENDPOINT_SERVICES.to_string(),
            ),
            (
                "ec2:ModifyVpcEndpointServicePermissions",
                VPC_ENDPOINT_SERVICES.to_string(),
            ),
        ],
        (Action::RecreateVpcLink, "apigatewayv2:CreateVpcLink") => {
            vec![("apigateway:POST", apigw("/vpclinks"))]
        }
        (_, "ec2:ModifyVpcEndpoint") => {
            vec![("ec2:ModifyVpcEndpoint", VPC_ENDPOINTS.to_string())]
        }
        (_, "ec2:CreateTags") => vec![("ec2:CreateTags", VPC_ENDPOINTS.to_string())],
        _ => return None,
    })
}

/// The grants `action`'s writes need (`ACTION_WRITES`).
fn action_grants(action: Action) -> BTreeSet<(String, String)> {
    action_writes(action)
        .iter()
        .flat_map(|step| {
            grants_for(action, step).unwrap_or_else(|| {
                panic!("{action} calls {step}: add the IAM grants it needs to grants_for and template.yaml")
            })
        })
        .map(|(a, r)| (a.to_string(), r))
        .collect()
}

/// The condition that attaches `action`'s write policy: `IsApplyWith` and the action's name in
/// CamelCase (`redeploy_stage` → `IsApplyWithRedeployStage`).
fn apply_condition(action: Action) -> String {
    format!("IsApplyWith{}", camel(action.as_str()))
}

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
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
                found.insert(format!("{service}:{}", camel(&method)));
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

/// Roles of the template that are not the function's; what they grant is tested with what they
/// serve (`every_trigger_can_invoke_the_function_and_nothing_else_can`).
const OTHER_ROLES: [&str; 1] = ["SweepScheduleRole"];

/// Whether line `at` is inside a role's trust policy (`AssumeRolePolicyDocument`), which says
/// who may assume the role, not what the role may do.
fn in_trust_policy(lines: &[&str], at: usize) -> bool {
    let mut column = indent(lines[at]);
    for line in lines[..at].iter().rev().filter(|l| is_meaningful(l)) {
        if indent(line) < column {
            if line.trim() == "AssumeRolePolicyDocument:" {
                return true;
            }
            column = indent(line);
            if column <= 2 {
                return false;
            }
        }
    }
    false
}

/// The top-level entry (resource) line `at` belongs to: the last two-space key above it.
fn holder_of(lines: &[&str], at: usize) -> usize {
    (0..at)
        .rev()
        .find(|&i| indent(lines[i]) == 2 && lines[i].trim().ends_with(':'))
        .expect("a statement inside a resource")
}

/// Whether line `at` grants the function nothing: in a trust policy or in another role.
fn not_the_function_s(lines: &[&str], at: usize) -> bool {
    let holder = lines[holder_of(lines, at)].trim().trim_end_matches(':');
    in_trust_policy(lines, at) || OTHER_ROLES.contains(&holder)
}

/// How many policy statements grant the function something (`Effect:` lines).
fn granting_statements(template: &str) -> usize {
    let lines: Vec<&str> = template.lines().collect();
    (0..lines.len())
        .filter(|&i| lines[i].contains("Effect:") && !not_the_function_s(&lines, i))
        .count()
}

/// Every statement (`- Sid: …` list item) that grants the function something.
fn statements(template: &str) -> Vec<Statement> {
    let lines: Vec<&str> = template.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(sid) = line.trim().strip_prefix("- Sid:") else {
            continue;
        };
        if not_the_function_s(&lines, start) {
            continue;
        }
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
        let holder = holder_of(&lines, start);
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
    for step in &writes {
        assert!(
            ACTION_WRITES.iter().any(|(_, w)| w.contains(step)),
            "src/ calls {step}: add it to the action that makes it in ACTION_WRITES"
        );
    }
    let needed: BTreeSet<(String, String)> = ACTION_WRITES
        .iter()
        .flat_map(|(action, _)| action_grants(*action))
        .collect();

    // What the template grants.
    let statements = statements(&template);
    assert_eq!(
        statements.len(),
        granting_statements(&template),
        "every policy statement must start with `- Sid:` so this test reads it"
    );
    let mut granted = BTreeSet::new();
    // The probe's grant is no repair: the_probe_is_granted_only_with_allow_probe holds it.
    let repairs = statements.iter().filter(|s| {
        s.effect == "Allow" && s.resource_condition.as_deref() != Some(PROBE_CONDITION)
    });
    for statement in repairs {
        let sid = &statement.sid;
        let written: Vec<&String> = statement.actions.iter().filter(|a| is_write(a)).collect();
        if written.is_empty() {
            continue;
        }
        assert!(
            statement.actions.iter().all(|a| is_write(a)),
            "statement {sid} mixes reads and writes"
        );
        // Writes are attached in apply mode only, each under the condition of the action whose
        // calls it grants (each_action_s_writes_are_attached_only_when_it_may_run).
        let condition = statement.resource_condition.as_deref().unwrap_or("");
        assert!(
            ACTION_WRITES
                .iter()
                .any(|(action, _)| condition == apply_condition(*action)),
            "statement {sid} of {} writes under {condition:?}, not an action's apply condition",
            statement.resource
        );
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
        // Integrations: only the PATCH of a v2 integration (add_integration_header,
        // recreate_vpc_link) and of a REST method's integration (recreate_vpc_link's repoint).
        let rest_integration = "/restapis/*/resources/*/methods/*/integration";
        assert!(
            !path.contains("integration")
                || (action == "apigateway:PATCH"
                    && (path == "/apis/*/integrations/*" || path == rest_integration)),
            "{action} on {resource}: the built actions write no other integration"
        );
        // VPC links: only their creation (recreate_vpc_link never changes or deletes one).
        assert!(
            !path.contains("vpclinks") || (action == "apigateway:POST" && path == "/vpclinks"),
            "{action} on {resource}: the built actions only create VPC links"
        );
        for part in ["authorizers", "methods", "/resources"] {
            assert!(
                !path.contains(part) || path == rest_integration,
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

/// The condition that attaches the probe's grant: the `AllowProbe` parameter set to "true".
const PROBE_CONDITION: &str = "AllowsProbe";

/// `TestInvokeMethod` (POST /restapis/{id}/resources/{rid}/methods/{verb},
/// <https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html>) really calls
/// the backend: the template grants it, and nothing else, only when `AllowProbe` is "true" (off
/// by default), and it is the one operation of its kind in the code.
#[test]
fn the_probe_is_granted_only_with_allow_probe() {
    let template = template();
    let probes: Vec<&str> = OPERATIONS
        .iter()
        .filter(|(_, access)| *access == Access::Probe)
        .map(|(op, _)| *op)
        .collect();
    assert_eq!(probes, ["apigateway:TestInvokeMethod"]);
    let granting: Vec<Statement> = statements(&template)
        .into_iter()
        .filter(|s| s.resource_condition.as_deref() == Some(PROBE_CONDITION))
        .collect();
    assert_eq!(granting.len(), 1, "{granting:#?}");
    assert_eq!(granting[0].effect, "Allow");
    assert_eq!(granting[0].actions, ["apigateway:POST"]);
    assert_eq!(
        granting[0].resources,
        [format!("{APIGW}/restapis/*/resources/*/methods/*")]
    );
    assert_eq!(
        entry(&template, PROBE_CONDITION).trim(),
        r#"AllowsProbe: !Equals [!Ref AllowProbe, "true"]"#
    );
    let parameter = entry(&template, "AllowProbe");
    assert!(parameter.contains(r#"Default: "false""#), "{parameter}");
    assert!(
        parameter.contains("The backend is really called"),
        "{parameter}"
    );
    // No other statement grants a POST under /methods/ (recreate_vpc_link's PATCH of an
    // integration is not a test invocation).
    let elsewhere: Vec<Statement> = statements(&template)
        .into_iter()
        .filter(|s| s.resource_condition.as_deref() != Some(PROBE_CONDITION))
        .filter(|s| {
            s.actions
                .iter()
                .any(|a| a == "apigateway:POST" || a == "apigateway:*")
        })
        .filter(|s| s.resources.iter().any(|r| r.contains("/methods")))
        .collect();
    assert!(elsewhere.is_empty(), "{elsewhere:#?}");
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
        // The SDK names the service cloudwatchlogs; IAM names it logs.
        ("cloudwatchlogs", operation) => Some(format!("logs:{operation}")),
        // The SDK names Elastic Load Balancing v2 elasticloadbalancingv2; IAM names it
        // elasticloadbalancing.
        ("elasticloadbalancingv2", operation) => Some(format!("elasticloadbalancing:{operation}")),
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

/// Every ARN the templates build names the stack's partition: one written `arn:aws:` fails in
/// China and GovCloud, Step Functions' service integrations included
/// (<https://docs.amazonaws.cn/en_us/step-functions/latest/dg/lambda-iam.html>). The parameters'
/// patterns accept any partition (`arn:aws[a-zA-Z-]*:`).
#[test]
fn no_arn_is_bound_to_the_aws_partition() {
    for file in ["template.yaml", "member-role.yaml"] {
        let text = std::fs::read_to_string(root().join(file)).expect("a template");
        let bound: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && l.contains("arn:aws:"))
            .collect();
        assert_eq!(bound, Vec::<&str>::new(), "{file}");
    }
}

fn template() -> String {
    std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml")
}

/// The lines of the top-level entry `name` (a resource, a condition, a parameter) after its own
/// line, up to the next entry at its indent.
fn block<'a>(template: &'a str, name: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = template.lines().collect();
    let start = lines
        .iter()
        .position(|l| indent(l) == 2 && l.trim().split(':').next() == Some(name))
        .unwrap_or_else(|| panic!("template.yaml has no entry {name}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| !is_meaningful(l) || indent(l) > 2)
        .copied()
        .collect()
}

/// The whole entry `name` as text (its own line included), comments left out.
fn entry(template: &str, name: &str) -> String {
    let own = template
        .lines()
        .find(|l| indent(l) == 2 && l.trim().split(':').next() == Some(name))
        .expect("entry");
    std::iter::once(own)
        .chain(block(template, name))
        .filter(|l| !l.trim().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A resource's `Condition`, if any.
fn condition_of(template: &str, resource: &str) -> Option<String> {
    block(template, resource)
        .iter()
        .find_map(|l| (indent(l) == 4).then(|| l.trim().strip_prefix("Condition:"))?)
        .map(scalar)
}

/// The logical ids of the resources of `kind`, in template order.
fn resources_of(template: &str, kind: &str) -> Vec<String> {
    let lines: Vec<&str> = template.lines().collect();
    lines
        .windows(2)
        .filter(|w| indent(w[0]) == 2 && w[1].trim() == format!("Type: {kind}"))
        .map(|w| w[0].trim().trim_end_matches(':').to_string())
        .collect()
}

/// The sweep's state machine is a well-formed graph (moto's interpreter, which runs it in
/// e2e `sweep::`, checks a state's references only when it reaches them): it starts at a state,
/// every `Next` and `Default` names a state, every state is reached, every state but the
/// terminal ones goes on, and its one task invokes the function the substitution names.
#[test]
fn the_sweep_state_machine_is_a_well_formed_loop() {
    let template = template();
    let lines = block(&template, "SweepStateMachine");
    let at = lines
        .iter()
        .position(|l| l.trim() == "States:")
        .expect("States:");
    let state_indent = indent(lines[at + 1]);
    let mut states: Vec<(String, Vec<&str>)> = Vec::new();
    for line in lines[at + 1..].iter().filter(|l| is_meaningful(l)) {
        if indent(line) < state_indent {
            break;
        }
        if indent(line) == state_indent {
            states.push((line.trim().trim_end_matches(':').to_string(), Vec::new()));
        } else if let Some((_, body)) = states.last_mut() {
            body.push(line.trim());
        }
    }
    let names: BTreeSet<&str> = states.iter().map(|(n, _)| n.as_str()).collect();
    let start = lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("StartAt:"))
        .map(str::trim)
        .expect("StartAt");
    let mut reached = BTreeSet::from([start]);
    for (name, body) in &states {
        let targets: Vec<&str> = body
            .iter()
            .filter_map(|l| {
                l.strip_prefix("Next:")
                    .or_else(|| l.strip_prefix("Default:"))
                    .or_else(|| l.strip_prefix("- Next:"))
            })
            .map(str::trim)
            .collect();
        let terminal = body
            .iter()
            .any(|l| *l == "Type: Succeed" || *l == "Type: Fail" || *l == "End: true");
        assert!(terminal || !targets.is_empty(), "{name} goes nowhere");
        for target in targets {
            assert!(
                names.contains(target),
                "{name} goes to {target}, no such state"
            );
            reached.insert(target);
        }
    }
    assert!(names.contains(start), "StartAt {start}");
    assert_eq!(reached, names, "every state is reached");
    let entry = entry(&template, "SweepStateMachine");
    assert!(entry.contains("SweepFunctionArn: !GetAtt SweepFunction.Arn"));
    assert!(entry.contains(
        "Resource: arn:${Partition}:states:::lambda:invoke\n            Parameters:\n              FunctionName: ${SweepFunctionArn}\n              Payload.$: $"
    ));
}

/// Each action's write policy is attached in apply mode only while that action may run: the
/// statements under `IsApplyWith<Action>` grant exactly what that action's calls need
/// (`ACTION_WRITES`), and the condition is true when `Actions` lists the action or, for the
/// actions of the built-in default list (`Action::allowed_by_default`), when `Actions` is empty.
#[test]
fn each_action_s_writes_are_attached_only_when_it_may_run() {
    let template = template();
    let statements = statements(&template);
    for (action, _) in ACTION_WRITES {
        let condition = apply_condition(*action);
        let granted: BTreeSet<(String, String)> = statements
            .iter()
            .filter(|s| s.resource_condition.as_deref() == Some(condition.as_str()))
            .flat_map(|s| {
                s.actions
                    .iter()
                    .flat_map(|a| s.resources.iter().map(move |r| (a.clone(), r.clone())))
            })
            .collect();
        assert_eq!(
            granted,
            action_grants(*action),
            "{action}: what the statements under {condition} grant vs what its calls need"
        );

        let definition = entry(&template, &condition);
        let lists = format!("Lists{}", camel(action.as_str()));
        assert!(
            definition.contains("!Condition IsApply,") && definition.contains("!And"),
            "{definition}"
        );
        assert!(
            definition.contains(&format!("!Condition {lists}")),
            "{definition}"
        );
        assert_eq!(
            definition.contains("!Not [!Condition HasActions]"),
            action.allowed_by_default(),
            "{condition} must hold with Actions empty exactly when the default list has {action}: {definition}"
        );
        let listing = entry(&template, &lists);
        assert!(
            listing.contains(&format!("!Split [{}, !Ref Actions]", action.as_str())),
            "{listing}"
        );
    }
    assert_eq!(
        entry(&template, "HasActions").trim(),
        r#"HasActions: !Not [!Equals [!Ref Actions, ""]]"#
    );
    // The Actions parameter admits every action name, so the substring tests above see whole
    // names; and no action's name contains another's.
    let actions = entry(&template, "Actions");
    for name in Action::names() {
        assert!(
            actions.contains(name),
            "Actions' AllowedPattern misses {name}"
        );
        for other in Action::names() {
            assert!(
                name == other || !name.contains(other),
                "{name} contains {other}"
            );
        }
    }
    // Every write statement is under one of these conditions (the exact-grant test checks it);
    // the lock table's writes need apply mode and a table.
    assert_eq!(
        condition_of(&template, "DoctorLockTableWritePolicy").as_deref(),
        Some("IsApplyWithLockTable")
    );
}

/// The function as SPEC §8 and issue 13 describe it.
#[test]
fn the_function_is_packaged_as_specified() {
    let template = template();
    let functions = resources_of(&template, "AWS::Serverless::Function");
    assert_eq!(functions, ["DoctorFunction", "SweepFunction"]);
    // The sweep's function: the same build and role, a slot of its own, never applying.
    let sweep = entry(&template, "SweepFunction");
    for needle in [
        "BuildMethod: rust-cargolambda",
        "Binary: apigw-doctor",
        "Runtime: provided.al2023",
        "Architectures: [arm64]",
        "ReservedConcurrentExecutions: 1",
        "Role: !GetAtt DoctorFunctionRole.Arn",
        "LogGroup: !Ref DoctorLogGroup",
        "APIGW_DOCTOR_MODE: dry-run",
        "APIGW_DOCTOR_ACTIONS: \"\"",
        "APIGW_DOCTOR_SWEEP_RATE_SHARE: !Ref SweepRateShare",
    ] {
        assert!(sweep.contains(needle), "SweepFunction lacks {needle:?}");
    }
    for absent in ["Policies:", "Events:", "APIGW_DOCTOR_LOCK_TABLE"] {
        assert!(!sweep.contains(absent), "SweepFunction has {absent:?}");
    }
    let function = entry(&template, "DoctorFunction");
    for needle in [
        "BuildMethod: rust-cargolambda",
        "Runtime: provided.al2023",
        "Architectures: [arm64]",
        "ReservedConcurrentExecutions: 1",
        "LogFormat: JSON",
        "LogGroup: !Ref DoctorLogGroup",
        "MaximumRetryAttempts: 0",
        "OnFailure:\n            Type: SQS\n            Destination: !GetAtt FailedInvocationQueue.Arn",
        "APIGW_DOCTOR_MAX_CHANGES: !Ref MaxChanges",
    ] {
        assert!(function.contains(needle), "DoctorFunction lacks {needle:?}");
    }
    for (key, range) in [("MemorySize:", 128..=10240), ("Timeout:", 1..=900)] {
        let value: u32 = block(&template, "DoctorFunction")
            .iter()
            .find_map(|l| l.trim().strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("DoctorFunction has no numeric {key}"));
        assert!(range.contains(&value), "{key} {value}");
    }
    assert_eq!(
        resources_of(&template, "AWS::SQS::Queue"),
        ["FailedInvocationQueue"]
    );
    assert!(entry(&template, "DoctorLogGroup").contains("RetentionInDays: !Ref LogRetentionInDays"));
}

/// Every rule but the schedule invokes the function under a permission for exactly that rule;
/// the schedule starts the sweep's state machine, which alone invokes the sweep's function;
/// the alarm action's permission is for this account's alarms named with the prefix.
#[test]
fn every_trigger_can_invoke_the_function_and_nothing_else_can() {
    let template = template();
    let rules = resources_of(&template, "AWS::Events::Rule");
    assert_eq!(
        rules,
        ["AlarmStateChangeRule", "SweepScheduleRule", "ApiChangeRule"]
    );
    let permissions = resources_of(&template, "AWS::Lambda::Permission");
    assert_eq!(permissions.len(), rules.len(), "{permissions:?}");
    for rule in rules.iter().filter(|r| *r != "SweepScheduleRule") {
        let text = entry(&template, rule);
        assert!(
            text.contains(
                "Targets:\n        - Id: apigw-doctor\n          Arn: !GetAtt DoctorFunction.Arn"
            ),
            "{text}"
        );
        let permission = format!("{}InvokePermission", rule.trim_end_matches("Rule"));
        let granted = entry(&template, &permission);
        assert!(
            granted.contains("Principal: events.amazonaws.com"),
            "{granted}"
        );
        assert!(
            granted.contains("Action: lambda:InvokeFunction"),
            "{granted}"
        );
        assert!(
            granted.contains(&format!("SourceArn: !GetAtt {rule}.Arn")),
            "{granted}"
        );
        assert_eq!(
            condition_of(&template, rule),
            condition_of(&template, &permission),
            "{rule} and {permission} exist together"
        );
    }
    let schedule = entry(&template, "SweepScheduleRule");
    assert!(
        schedule.contains(
            "Targets:\n        - Id: apigw-doctor-sweep\n          Arn: !Ref SweepStateMachine\n          RoleArn: !GetAtt SweepScheduleRole.Arn"
        ),
        "{schedule}"
    );
    let role = entry(&template, "SweepScheduleRole");
    for needle in [
        "Principal: { Service: events.amazonaws.com }",
        "aws:SourceAccount: !Ref AWS::AccountId",
        "Action: states:StartExecution\n                Resource: !Ref SweepStateMachine",
    ] {
        assert!(role.contains(needle), "{needle:?} in\n{role}");
    }
    assert_eq!(
        condition_of(&template, "SweepScheduleRole").as_deref(),
        Some("HasSweepSchedule")
    );
    let machine = entry(&template, "SweepStateMachine");
    assert!(
        machine.contains("- LambdaInvokePolicy:\n            FunctionName: !Ref SweepFunction"),
        "{machine}"
    );
    // Besides, it may only tell FailedInvocationQueue of a failed batch.
    assert!(
        machine.contains("- SQSSendMessagePolicy:\n            QueueName: !GetAtt FailedInvocationQueue.QueueName"),
        "{machine}"
    );
    assert!(machine.contains("FailedInvocationQueueUrl: !Ref FailedInvocationQueue"));
    let alarm_action = entry(&template, "AlarmActionInvokePermission");
    for needle in [
        "Action: lambda:InvokeFunction",
        "Principal: lambda.alarms.cloudwatch.amazonaws.com",
        "SourceAccount: !Ref AWS::AccountId",
        "SourceArn: !Sub arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${AlarmNamePrefix}*",
    ] {
        assert!(alarm_action.contains(needle), "{alarm_action}");
    }
    assert_eq!(condition_of(&template, "AlarmActionInvokePermission"), None);
}

/// The alarm rule reacts to API Gateway alarms going into ALARM, filtered by the name prefix
/// only when one is given; the schedule and the CloudTrail rule are off by default.
#[test]
fn the_rules_match_what_the_intake_diagnoses() {
    use apigw_doctor::intake::{self, IntakeSettings, Scope};
    let template = template();
    let settings = IntakeSettings {
        now: chrono::DateTime::parse_from_rfc3339("2026-11-21T10:30:00Z")
            .expect("time")
            .into(),
        lookback_minutes: 30,
    };

    let alarm = entry(&template, "AlarmStateChangeRule");
    for needle in [
        "source: [aws.cloudwatch]",
        "detail-type: [CloudWatch Alarm State Change]",
        "alarmName: !If\n            - HasAlarmNamePrefix\n            - [{ prefix: !Ref AlarmNamePrefix }]\n            - !Ref AWS::NoValue",
        "state:\n            value: [ALARM]",
        "namespace: [AWS/ApiGateway]",
    ] {
        assert!(alarm.contains(needle), "{needle:?} in\n{alarm}");
    }
    assert_eq!(condition_of(&template, "AlarmStateChangeRule"), None);
    assert!(entry(&template, "HasAlarmNamePrefix")
        .contains(r#"!Not [!Equals [!Ref AlarmNamePrefix, ""]]"#));

    // Off by default: a parameter whose default turns the condition off.
    for (rule, condition, parameter, default, definition) in [
        (
            "SweepScheduleRule",
            "HasSweepSchedule",
            "SweepSchedule",
            r#"Default: """#,
            r#"!Not [!Equals [!Ref SweepSchedule, ""]]"#,
        ),
        (
            "ApiChangeRule",
            "ReactsToApiChanges",
            "ReactToApiChanges",
            r#"Default: "false""#,
            r#"!Equals [!Ref ReactToApiChanges, "true"]"#,
        ),
    ] {
        assert_eq!(condition_of(&template, rule).as_deref(), Some(condition));
        assert!(entry(&template, parameter).contains(default), "{parameter}");
        assert!(
            entry(&template, condition).contains(definition),
            "{condition}"
        );
    }
    assert!(
        entry(&template, "SweepScheduleRule").contains("ScheduleExpression: !Ref SweepSchedule")
    );
    // The schedule starts the state machine, whose events are sweeps asking for the summary.
    let machine = entry(&template, "SweepStateMachine");
    assert!(machine.contains("Result: { sweep: true, reply: summary }"));
    assert!(machine.contains("Parameters:\n              sweep: true\n              reply: summary\n              cursor.$: $.result.cursor"));
    for event in [
        serde_json::json!({ "sweep": true, "reply": "summary" }),
        serde_json::json!({ "sweep": true, "reply": "summary", "cursor": "123456789012:us-east-1:a1b2c3d4e5" }),
    ] {
        let incident = intake::parse(&event, settings).expect("parses");
        assert_eq!(
            (incident.scope, incident.reply),
            (Scope::Sweep, intake::Reply::Summary)
        );
    }
    // A scheduled event invoking the function directly is a sweep too.
    let schedule: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("events/schedule.json")).expect("schedule.json"),
    )
    .expect("json");
    assert_eq!(
        intake::parse(&schedule, settings).expect("parses").scope,
        Scope::Sweep
    );

    // The CloudTrail rule: successful API Gateway calls that name an API, not the function's own.
    let changes = entry(&template, "ApiChangeRule");
    for needle in [
        "source: [aws.apigateway]",
        "detail-type: [AWS API Call via CloudTrail]",
        "eventSource: [apigateway.amazonaws.com]",
        "errorCode: [{ exists: false }]",
        "- anything-but:\n                  prefix: !Sub arn:${AWS::Partition}:sts::${AWS::AccountId}:assumed-role/${DoctorFunctionRole}/",
    ] {
        assert!(changes.contains(needle), "{needle:?} in\n{changes}");
    }
    let lines = block(&template, "ApiChangeRule");
    let at = lines
        .iter()
        .position(|l| l.trim() == "eventName:")
        .expect("an eventName list");
    let names: Vec<&str> = lines[at + 1..]
        .iter()
        .map_while(|l| l.trim().strip_prefix("- "))
        .collect();
    for name in [
        "UpdateRestApi",
        "PutRestApi",
        "UpdateIntegration",
        "PutIntegration",
        "UpdateStage",
        "CreateDeployment",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let record = |name: &str, parameters: serde_json::Value| {
        serde_json::json!({
            "version": "0", "id": "e", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.apigateway", "account": "123456789012",
            "time": "2026-11-21T10:00:00Z", "region": "us-east-1", "resources": [],
            "detail": {
                "eventSource": "apigateway.amazonaws.com", "eventName": name,
                "eventTime": "2026-11-21T10:00:00Z", "awsRegion": "us-east-1",
                "requestParameters": parameters
            }
        })
    };
    for name in &names {
        for key in ["restApiId", "apiId"] {
            let incident = intake::parse(
                &record(name, serde_json::json!({ key: "a1b2c3d4e5" })),
                settings,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            match incident.scope {
                Scope::Named(targets) => {
                    assert_eq!(targets[0].api_id.as_deref(), Some("a1b2c3d4e5"), "{name}")
                }
                other => panic!("{name} with {key}: the intake diagnoses nothing ({other:?})"),
            }
        }
    }
    // DeleteVpcLink names no API: the intake would only acknowledge it, so the rule leaves it out.
    let vpc_link = intake::parse(
        &record(
            "DeleteVpcLink",
            serde_json::json!({ "vpcLinkId": "abc123" }),
        ),
        settings,
    )
    .expect("parses");
    assert_eq!(vpc_link.scope, Scope::Nothing);
    assert!(!names.contains(&"DeleteVpcLink"));
}

/// The example alarms exist only for a named API, watch metrics the intake maps to a symptom,
/// and are named with the prefix so the alarm rule routes them (they have no alarm action: both
/// would run the function twice per state change).
#[test]
fn the_example_alarms_are_routed_by_the_alarm_rule() {
    let template = template();
    let alarms = resources_of(&template, "AWS::CloudWatch::Alarm");
    assert_eq!(alarms, ["Example5XXErrorAlarm", "Example4XXErrorAlarm"]);
    for (alarm, metric, symptom) in [
        ("Example5XXErrorAlarm", "5XXError", "server-error"),
        ("Example4XXErrorAlarm", "4XXError", "client-error"),
    ] {
        let text = entry(&template, alarm);
        assert_eq!(
            condition_of(&template, alarm).as_deref(),
            Some("HasExampleAlarms")
        );
        for needle in [
            "Namespace: AWS/ApiGateway".to_string(),
            format!("MetricName: {metric}"),
            "- Name: ApiName\n          Value: !Ref ExampleAlarmApiName".to_string(),
            "- Name: Stage\n          Value: !Ref ExampleAlarmStage".to_string(),
            "AlarmName: !Sub ${AlarmNamePrefix}".to_string(),
        ] {
            assert!(text.contains(&needle), "{needle:?} in\n{text}");
        }
        assert!(!text.contains("AlarmActions"), "{text}");
        assert_eq!(
            apigw_doctor::intake::symptom_for_metric(metric).map(<&str>::from),
            Some(symptom)
        );
    }
    assert!(entry(&template, "HasExampleAlarms")
        .contains(r#"!Not [!Equals [!Ref ExampleAlarmApiName, ""]]"#));
}

/// The lock table the template creates on request: `pk` (String) on demand, TTL on the
/// attribute the code writes on locks and audit records, and the function pointed at it.
#[test]
fn the_created_lock_table_expires_what_the_code_marks() {
    let template = template();
    assert_eq!(
        resources_of(&template, "AWS::DynamoDB::Table"),
        ["DoctorLockTable"]
    );
    assert_eq!(
        condition_of(&template, "DoctorLockTable").as_deref(),
        Some("CreatesLockTable")
    );
    let table = entry(&template, "DoctorLockTable");
    for needle in [
        "BillingMode: PAY_PER_REQUEST".to_string(),
        "- AttributeName: pk\n          AttributeType: S".to_string(),
        "- AttributeName: pk\n          KeyType: HASH".to_string(),
        format!(
            "TimeToLiveSpecification:\n        AttributeName: {}\n        Enabled: true",
            apigw_doctor::lock::EXPIRY_ATTRIBUTE
        ),
        "DeletionPolicy: Retain".to_string(),
    ] {
        assert!(table.contains(&needle), "{needle:?} in\n{table}");
    }
    assert!(entry(&template, "DoctorFunction").contains(
        "APIGW_DOCTOR_LOCK_TABLE: !If\n            - CreatesLockTable\n            - !Ref DoctorLockTable"
    ));
    // Read and write grants follow the created table too.
    for policy in ["DoctorLockTableReadPolicy", "DoctorLockTableWritePolicy"] {
        assert!(
            entry(&template, policy)
                .contains("- CreatesLockTable\n              - !GetAtt DoctorLockTable.Arn"),
            "{policy}"
        );
    }
    assert!(entry(&template, "HasLockTable").contains("!Condition CreatesLockTable"));
}

/// The samples in `events/` name one account (123456789012) and one region (us-east-1), which
/// the README's console-test recipe replaces with the deployment's own: an event for another
/// account or region is refused (SPEC §1). A sample with another id would slip past the recipe.
#[test]
fn the_samples_name_only_the_account_and_region_the_readme_replaces() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(
        readme.contains("s/123456789012/") && readme.contains("s/us-east-1/"),
        "the README's recipe replaces the samples' account and region"
    );
    let mut accounts = BTreeSet::new();
    let mut regions = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("events")).expect("events/") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("sample");
        let bytes = text.as_bytes();
        // Runs of exactly 12 digits: account ids.
        let mut at = 0;
        while at < bytes.len() {
            let run = bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if run == 12 {
                accounts.insert(text[at..at + 12].to_string());
            }
            at += run.max(1);
        }
        // Region codes: two letters, a dash, a word, a dash, a digit (us-east-1, eu-west-2...).
        for (start, _) in text.match_indices('-') {
            let Some(head) = start.checked_sub(2).map(|s| &text[s..start]) else {
                continue;
            };
            let before = start.checked_sub(3).and_then(|s| text[s..].chars().next());
            let tail: String = text[start + 1..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase())
                .collect();
            let rest = &text[start + 1 + tail.len()..];
            let digit: String = rest
                .strip_prefix('-')
                .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
                .unwrap_or_default();
            if head.chars().all(|c| c.is_ascii_lowercase())
                && !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && [
                    "east",
                    "west",
                    "north",
                    "south",
                    "central",
                    "northeast",
                    "southeast",
                ]
                .contains(&tail.as_str())
                && !digit.is_empty()
            {
                regions.insert(format!("{head}-{tail}-{digit}"));
            }
        }
    }
    assert_eq!(accounts, BTreeSet::from(["123456789012".to_string()]));
    assert_eq!(regions, BTreeSet::from(["us-east-1".to_string()]));
}

/// member-role.yaml gives the function in a member account exactly what template.yaml gives it
/// at home — every read, and each action's writes under the same per-action condition — and
/// nothing of the function's own (lock table, report topic and bus, the member role itself).
#[test]
fn the_member_role_grants_what_the_function_has_at_home() {
    let template = template();
    let member =
        std::fs::read_to_string(root().join("member-role.yaml")).expect("member-role.yaml");
    let shape = |s: &Statement| {
        (
            s.sid.clone(),
            s.effect.clone(),
            s.actions.clone(),
            s.resources.clone(),
            s.resource_condition.clone(),
            s.condition.clone(),
        )
    };
    let own_only = |s: &Statement| {
        s.actions.iter().any(|a| {
            a.starts_with("dynamodb:")
                || NOTIFICATIONS.iter().any(|(_, iam, _, _)| a == iam)
                || a.starts_with("sqs:")
                || a.starts_with("lambda:")
        })
    };
    let home: BTreeSet<_> = statements(&template)
        .iter()
        .filter(|s| !own_only(s))
        .map(shape)
        .collect();
    let there: BTreeSet<_> = statements(&member)
        .iter()
        .filter(|s| !s.sid.is_empty())
        .map(shape)
        .collect();
    let missing: Vec<_> = home.difference(&there).collect();
    let extra: Vec<_> = there.difference(&home).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "member-role.yaml lacks {missing:#?}\nand grants more: {extra:#?}"
    );
    // The conditions and the parameters they read are the same text.
    let same = |name: &str| {
        assert_eq!(
            entry(&member, name).trim_end(),
            entry(&template, name).trim_end(),
            "{name}"
        );
    };
    same("Mode");
    same("Actions");
    same("AllowProbe");
    same(PROBE_CONDITION);
    for (action, _) in ACTION_WRITES {
        same(&apply_condition(*action));
    }
    // Only the function's role may assume it, and only with the external id.
    let trust = entry(&member, "MemberRole");
    assert!(trust.contains("AWS: !Ref DoctorRoleArn"), "{trust}");
    assert!(trust.contains("sts:ExternalId: !Ref ExternalId"), "{trust}");
}
