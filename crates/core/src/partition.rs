//! The AWS partition a region belongs to: the ARN partition, the DNS suffix of its service
//! hostnames and the prefix of its VPC endpoint service names. Every ARN, hostname and service
//! name apigw-doctor builds comes from here.
//!
//! Sources: "Endpoints and ARNs for Amazon Web Services in China" (docs.amazonaws.cn: `aws-cn`,
//! `*.amazonaws.com.cn`); the execute-api endpoint service is `cn.com.amazonaws.<region>.execute-api`
//! in the China regions, `gov.ic.c2s.…` / `gov.sgov.sc2s.…` in the ISO regions and
//! `com.amazonaws.…` elsewhere, GovCloud included (EC2 DescribeVpcEndpointServices).

/// One region's partition naming, derived from the region name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition<'r> {
    pub region: &'r str,
    /// The partition in ARNs: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`.
    pub arn: &'static str,
    /// The suffix of service hostnames: `amazonaws.com`, `amazonaws.com.cn`, …
    pub dns_suffix: &'static str,
    /// The reverse-DNS prefix of AWS services' VPC endpoint service names.
    pub service_prefix: &'static str,
}

impl<'r> Partition<'r> {
    pub fn of(region: &'r str) -> Self {
        let (arn, dns_suffix, service_prefix) = if region.starts_with("cn-") {
            ("aws-cn", "amazonaws.com.cn", "cn.com.amazonaws")
        } else if region.starts_with("us-gov-") {
            ("aws-us-gov", "amazonaws.com", "com.amazonaws")
        } else if region.starts_with("us-isob-") {
            ("aws-iso-b", "sc2s.sgov.gov", "gov.sgov.sc2s")
        } else if region.starts_with("us-iso-") {
            ("aws-iso", "c2s.ic.gov", "gov.ic.c2s")
        } else {
            ("aws", "amazonaws.com", "com.amazonaws")
        };
        Partition {
            region,
            arn,
            dns_suffix,
            service_prefix,
        }
    }

    /// `<label>.<region>.<dns suffix>`, e.g. an API's default host `<api-id>.execute-api…`.
    pub fn host(&self, label: &str) -> String {
        format!("{label}.{}.{}", self.region, self.dns_suffix)
    }

    /// The `@connections` endpoint of a WebSocket stage, which the API Gateway Management API
    /// (`GetConnection`) is sent to: `https://<api-id>.execute-api.<region>.<dns suffix>/<stage>`,
    /// or `<endpoint_url>/<stage>` when every client is pointed at one URL (`AWS_ENDPOINT_URL`,
    /// an emulator)
    /// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html>).
    pub fn connections_endpoint(
        &self,
        api_id: &str,
        stage: &str,
        endpoint_url: Option<&str>,
    ) -> String {
        match endpoint_url {
            Some(url) => format!("{}/{stage}", url.trim_end_matches('/')),
            None => format!(
                "https://{}/{stage}",
                self.host(&format!("{api_id}.execute-api"))
            ),
        }
    }

    /// The VPC endpoint service name of an AWS service in this region.
    pub fn endpoint_service(&self, service: &str) -> String {
        format!("{}.{}.{service}", self.service_prefix, self.region)
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    pub fn arn(&self, service: &str, account: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{account}:{resource}",
            self.arn, self.region
        )
    }

    /// The ARN of a global resource (IAM): no region.
    pub fn global_arn(&self, service: &str, account: &str, resource: &str) -> String {
        format!("arn:{}:{service}::{account}:{resource}", self.arn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commercial_regions() {
        let p = Partition::of("us-east-1");
        assert_eq!(p.arn, "aws");
        assert_eq!(
            p.host("a1b2c3d4e5.execute-api"),
            "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
        );
        assert_eq!(
            p.endpoint_service("execute-api"),
            "com.amazonaws.us-east-1.execute-api"
        );
        assert_eq!(
            p.arn("execute-api", "111122223333", "a1/prod/GET/"),
            "arn:aws:execute-api:us-east-1:111122223333:a1/prod/GET/"
        );
    }

    #[test]
    fn china_regions() {
        let p = Partition::of("cn-north-1");
        assert_eq!(p.arn, "aws-cn");
        assert_eq!(
            p.host("a1b2c3d4e5.execute-api"),
            "a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            p.endpoint_service("execute-api"),
            "cn.com.amazonaws.cn-north-1.execute-api"
        );
        assert_eq!(
            Partition::of("cn-northwest-1").arn("apigateway", "", "/restapis/a1"),
            "arn:aws-cn:apigateway:cn-northwest-1::/restapis/a1"
        );
        assert_eq!(
            p.global_arn("iam", "111122223333", "role/caller"),
            "arn:aws-cn:iam::111122223333:role/caller"
        );
    }

    #[test]
    fn govcloud_regions() {
        let p = Partition::of("us-gov-west-1");
        assert_eq!(p.arn, "aws-us-gov");
        assert_eq!(
            p.host("a1b2c3d4e5.execute-api"),
            "a1b2c3d4e5.execute-api.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            p.endpoint_service("execute-api"),
            "com.amazonaws.us-gov-west-1.execute-api"
        );
    }

    #[test]
    fn connections_endpoints_follow_the_partition_or_the_configured_url() {
        assert_eq!(
            Partition::of("us-east-1").connections_endpoint("ws1", "prod", None),
            "https://ws1.execute-api.us-east-1.amazonaws.com/prod"
        );
        assert_eq!(
            Partition::of("cn-north-1").connections_endpoint("ws1", "prod", None),
            "https://ws1.execute-api.cn-north-1.amazonaws.com.cn/prod"
        );
        assert_eq!(
            Partition::of("us-east-1").connections_endpoint(
                "ws1",
                "prod",
                Some("http://127.0.0.1:5000/")
            ),
            "http://127.0.0.1:5000/prod"
        );
    }

    #[test]
    fn iso_regions_are_told_apart() {
        assert_eq!(Partition::of("us-iso-east-1").arn, "aws-iso");
        assert_eq!(Partition::of("us-isob-east-1").arn, "aws-iso-b");
        assert_eq!(Partition::of("us-isob-east-1").dns_suffix, "sc2s.sgov.gov");
    }
}
