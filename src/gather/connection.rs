//! Asks a WebSocket stage's `@connections` endpoint whether a connection exists: the API Gateway
//! Management API's `GetConnection`, sent to `https://<api-id>.execute-api.<region>.<dns
//! suffix>/<stage>` (or under `AWS_ENDPOINT_URL`).

use crate::aws::{CallFailure, Session};
use crate::snapshot::{ApiStage, Connection, ConnectionState};
use aws_sdk_apigatewaymanagement::operation::get_connection::{
    GetConnectionError, GetConnectionOutput,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

/// What the stage's endpoint says of `connection_id`: connected or gone (410); `Err` when the
/// read failed.
pub async fn connection(
    session: Session<'_>,
    target: &ApiStage,
    connection_id: &str,
) -> Result<Connection, CallFailure> {
    let endpoint = session
        .aws
        .connections_endpoint(&target.api_id, &target.stage);
    let request = session
        .aws
        .apigatewaymanagement
        .get_connection()
        .connection_id(connection_id)
        .customize()
        .config_override(
            aws_sdk_apigatewaymanagement::config::Builder::default().endpoint_url(&endpoint),
        )
        .send();
    let state = session
        .call("apigatewaymanagementapi:GetConnection", async {
            match request.await {
                Ok(output) => Ok(connected(&output)),
                Err(error) if is_gone(&error) => Ok(ConnectionState::Gone),
                Err(error) => Err(error),
            }
        })
        .await?;
    Ok(Connection {
        api_id: target.api_id.clone(),
        stage: target.stage.clone(),
        connection_id: connection_id.to_string(),
        endpoint,
        state,
    })
}

fn connected(output: &GetConnectionOutput) -> ConnectionState {
    ConnectionState::Connected {
        connected_at: output.connected_at().map(aws_smithy_types::DateTime::secs),
        source_ip: output
            .identity()
            .and_then(|i| i.source_ip())
            .map(str::to_string),
        last_active_at: output
            .last_active_at()
            .map(aws_smithy_types::DateTime::secs),
    }
}

/// A 410 means the connection no longer exists, whether or not the response names
/// `GoneException`: the status is how the Management API models it.
fn is_gone(error: &SdkError<GetConnectionError, HttpResponse>) -> bool {
    error
        .as_service_error()
        .is_some_and(GetConnectionError::is_gone_exception)
        || error
            .raw_response()
            .is_some_and(|r| r.status().as_u16() == 410)
}
