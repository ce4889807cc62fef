//! `redeploy_stage`'s I/O: a deployment of the stage (see [`stage::create_deployment`]).

use super::{stage, Io};
use crate::aws::Session;
use crate::failure::CallFailure;
use crate::plan::{Marker, RedeployStage, StageNow};

impl Io for RedeployStage {
    async fn read(&self, session: Session<'_>) -> Result<StageNow, CallFailure> {
        stage::read(session, &self.api_id, self.kind, &self.stage, true).await
    }

    async fn write(&self, session: Session<'_>, marker: &Marker) -> Result<String, CallFailure> {
        stage::create_deployment(
            session,
            self.kind,
            &self.api_id,
            &self.stage,
            self.description(marker),
        )
        .await
    }

    async fn mark(&self, _session: Session<'_>, _marker: &Marker) -> Result<(), CallFailure> {
        Ok(())
    }
}
