//! A sweep past one invocation: the cursor an unfinished sweep answers with, and when to stop.
//!
//! A sweep reads its APIs in id order, a chunk at a time. Before each chunk after the first it
//! asks whether the invocation has time for one more; when it has not (or the configured batch
//! is done), the report carries a cursor, and the next invocation (`"cursor"` in the event,
//! from the state machine in `template.yaml`) reads the APIs whose ids sort after it.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// How many APIs a sweep reads at once between two looks at the clock.
pub const CHUNK_APIS: usize = 10;

/// Time kept after the last chunk for what a sweep does once its APIs are read: the region's
/// endpoints and VPC links, the checks, and sending the report on.
pub const RESERVE: Duration = Duration::from_secs(15);

/// Where an unfinished sweep continues: the APIs of `account` and `region` whose ids sort after
/// `after`. API ids are unique across REST, HTTP and WebSocket APIs in a region (they share the
/// `{api-id}.execute-api.{region}.amazonaws.com` host names), so one order covers all three.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Cursor {
    pub account: String,
    pub region: String,
    pub after: String,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.account, self.region, self.after)
    }
}

impl TryFrom<String> for Cursor {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Cursor::parse(&text)
    }
}

impl Cursor {
    /// Reads a cursor a report gave; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let [account, region, after] = parts.as_slice() else {
            return Err(format!(
                "{text:?} is not a cursor from a sweep's report (account:region:api-id)"
            ));
        };
        if !crate::is_account_id(account) {
            return Err(format!(
                "{text:?}: the account is not a 12-digit account id"
            ));
        }
        let region_like = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !region_like {
            return Err(format!("{text:?}: {region:?} is not a region"));
        }
        if after.is_empty() || !after.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("{text:?}: {after:?} is not an API id"));
        }
        Ok(Cursor {
            account: (*account).to_string(),
            region: (*region).to_string(),
            after: (*after).to_string(),
        })
    }

    /// Why a run that continues from `cursor` and lists `actions` is refused, if it is: only a
    /// sweep's first run may apply, since SPEC §7's change budget is one run's and a sweep cut in
    /// batches would get one per batch, as many as the deadlines make. `field` names where the
    /// actions came from.
    pub fn refuses_actions<T>(
        cursor: Option<&Cursor>,
        actions: Option<&[T]>,
        field: &str,
    ) -> Option<String> {
        (cursor.is_some() && actions.is_some_and(|a| !a.is_empty())).then(|| {
            format!("{field}: a sweep continued from a cursor applies nothing (each batch would have its own change budget); leave it out")
        })
    }

    /// Why this cursor cannot continue a sweep of `account` and `region`, if it cannot.
    pub fn mismatch(&self, account: Option<&str>, region: &str) -> Option<String> {
        let same = account == Some(self.account.as_str()) && region == self.region;
        (!same).then(|| {
            format!(
                "the cursor continues a sweep of account {} region {}, but this run works in account {} region {region}",
                self.account,
                self.region,
                account.unwrap_or("(unknown)")
            )
        })
    }
}

/// Whether another chunk fits before the deadline: the time left must hold twice the slowest
/// chunk so far, plus `RESERVE`. Without a deadline (the command line) it always does.
pub fn room_for_another(slowest_chunk: Duration, time_left: Option<Duration>) -> bool {
    time_left.is_none_or(|left| left > slowest_chunk * 2 + RESERVE)
}

/// Where a batch stops within a chunk it read: of the chunk's APIs (id, whether the deadline cut
/// its reads short), the first cut one, which the batch leaves with every later one to the
/// next (the cursor stops before it). `None`: keep the whole chunk, when nothing was cut, or
/// when leaving the cut ones would leave the batch with nothing read (`read_before` APIs before
/// this chunk), so that a sweep always moves on; the cut reads are then in `incomplete`.
pub fn first_left<'a>(chunk: &[(&'a str, bool)], read_before: usize) -> Option<&'a str> {
    let first_cut = chunk
        .iter()
        .filter(|(_, cut)| *cut)
        .map(|(id, _)| *id)
        .min()?;
    let whole_before = chunk.iter().filter(|(id, _)| *id < first_cut).count();
    (read_before + whole_before > 0).then_some(first_cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote() {
        let cursor = Cursor {
            account: "123456789012".to_string(),
            region: "us-gov-west-1".to_string(),
            after: "a1b2c3d4e5".to_string(),
        };
        assert_eq!(cursor.to_string(), "123456789012:us-gov-west-1:a1b2c3d4e5");
        assert_eq!(Cursor::parse(&cursor.to_string()), Ok(cursor));
    }

    #[test]
    fn a_cursor_that_is_not_one_is_refused_with_the_reason() {
        for (text, says) in [
            ("", "not a cursor"),
            ("a1b2c3d4e5", "not a cursor"),
            ("123456789012:us-east-1:a1b2:c3", "not a cursor"),
            ("12345:us-east-1:a1b2c3d4e5", "12-digit"),
            ("123456789012::a1b2c3d4e5", "not a region"),
            ("123456789012:US East:a1b2c3d4e5", "not a region"),
            ("123456789012:us-east-1:", "not an API id"),
            ("123456789012:us-east-1:../x", "not an API id"),
        ] {
            let error = Cursor::parse(text).expect_err(text);
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_cursor_continues_only_the_account_and_region_it_came_from() {
        let cursor = Cursor::parse("123456789012:us-east-1:a1b2c3d4e5").expect("a cursor");
        assert_eq!(cursor.mismatch(Some("123456789012"), "us-east-1"), None);
        let other_region = cursor.mismatch(Some("123456789012"), "eu-west-1");
        assert!(other_region.is_some_and(|m| m.contains("region eu-west-1")));
        let other_account = cursor.mismatch(Some("210987654321"), "us-east-1");
        assert!(other_account.is_some_and(|m| m.contains("account 210987654321")));
        assert!(cursor.mismatch(None, "us-east-1").is_some());
    }

    #[test]
    fn a_batch_leaves_what_the_deadline_cut_to_the_next_one_but_always_moves_on() {
        let chunk = [
            ("b2", false),
            ("a1", false),
            ("d4", true),
            ("c3", true),
            ("e5", false),
        ];
        // In id order a1 b2 c3 d4 e5: c3 is the first cut, so c3, d4 and e5 are left.
        assert_eq!(first_left(&chunk, 0), Some("c3"));
        let nothing_cut = [("a1", false), ("b2", false)];
        assert_eq!(first_left(&nothing_cut, 0), None);
        // The first API read is cut: left only when an earlier chunk moved the batch on.
        let first_cut = [("a1", true), ("b2", false)];
        assert_eq!(first_left(&first_cut, 0), None);
        assert_eq!(first_left(&first_cut, 10), Some("a1"));
    }

    #[test]
    fn another_chunk_runs_only_while_twice_the_slowest_and_the_reserve_fit() {
        let slowest = Duration::from_secs(8);
        assert!(room_for_another(slowest, None), "no deadline: the CLI");
        assert!(room_for_another(slowest, Some(Duration::from_secs(32))));
        assert!(!room_for_another(slowest, Some(Duration::from_secs(31))));
        assert!(!room_for_another(slowest, Some(Duration::ZERO)));
        assert!(room_for_another(
            Duration::ZERO,
            Some(RESERVE + Duration::from_millis(1))
        ));
    }
}
