//! Working in a member account (SPEC §2 `APIGW_DOCTOR_MEMBER_ROLE_NAME`): the role
//! `arn:<partition>:iam::<account>:role/<name>` is assumed through STS, and its temporary
//! credentials are what the clients use there.

use crate::aws::{CallFailure, FailureKind, Session};
use crate::partition::Partition;
use aws_credential_types::Credentials;

/// Assumes `role` in `account` for the incident `incident_id`, with the external id the role's
/// trust policy asks for, if any
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>).
pub async fn assume(
    session: Session<'_>,
    account: &str,
    role: &str,
    external_id: Option<&str>,
    incident_id: &str,
) -> Result<Credentials, CallFailure> {
    const STEP: &str = "sts:AssumeRole";
    let role_arn =
        Partition::of(&session.aws.region).global_arn("iam", account, &format!("role/{role}"));
    let out = session
        .call(
            STEP,
            session
                .aws
                .sts
                .assume_role()
                .role_arn(&role_arn)
                .role_session_name(session_name(incident_id))
                .set_external_id(external_id.map(str::to_string))
                .send(),
        )
        .await?;
    let issued = out.credentials().ok_or_else(|| CallFailure {
        step: STEP.to_string(),
        kind: FailureKind::Other,
        code: "NoCredentials".to_string(),
        detail: format!("AssumeRole of {role_arn} answered without credentials"),
    })?;
    Ok(Credentials::new(
        issued.access_key_id(),
        issued.secret_access_key(),
        Some(issued.session_token().to_string()),
        std::time::SystemTime::try_from(*issued.expiration()).ok(),
        "apigw-doctor-member-role",
    ))
}

/// `apigw-doctor-<incident>`, in the 2-64 characters `[\w+=,.@-]` STS accepts, so CloudTrail
/// in the member account names the incident that acted there.
fn session_name(incident_id: &str) -> String {
    format!("apigw-doctor-{incident_id}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::session_name;

    #[test]
    fn the_session_name_names_the_incident_in_what_sts_accepts() {
        let name = session_name(
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders 5xx@2026-11-30T03:00:00+00:00",
        );
        assert_eq!(
            name,
            "apigw-doctor-arn-aws-cloudwatch-us-east-1-123456789012-alarm-ord"
        );
        assert_eq!(name.len(), 64, "STS's maximum");
        assert!(name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)));
    }
}
