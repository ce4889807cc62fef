//! Leaves a cooldown marker as a tag on an API Gateway resource (REST or v2, by the API's kind).

use crate::aws::Session;
use crate::failure::CallFailure;
use crate::plan::{ApiKind, Marker};
use std::collections::HashMap;

/// Tags `arn` with `key` = the marker's value.
pub async fn tag(
    session: Session<'_>,
    kind: ApiKind,
    arn: String,
    key: String,
    marker: &Marker,
) -> Result<(), CallFailure> {
    let tags = HashMap::from([(key, marker.tag_value())]);
    if kind.is_rest() {
        session
            .call(
                "apigateway:TagResource",
                session
                    .aws
                    .apigateway
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(tags))
                    .send(),
            )
            .await?;
    } else {
        session
            .call(
                "apigatewayv2:TagResource",
                session
                    .aws
                    .apigatewayv2
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(tags))
                    .send(),
            )
            .await?;
    }
    Ok(())
}
