package manifest

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// invalidFixtures lists, for each invalid fixture, every error line Load
// must report, in order ("file:line:col: error: message", with file
// relative to testdata/manifests).
var invalidFixtures = []struct {
	path string
	want []string
}{
	{
		path: "invalid-conflicts.yaml",
		want: []string{
			"invalid-conflicts.yaml:5:89: error: account `both` sets both `roleArn` and `profile`; set one of them, or neither to use the default credential chain",
			"invalid-conflicts.yaml:6:44: error: role `arn:aws:iam::999999999999:role/plink` is in account 999999999999, but account `mismatch` has id 222222222222; plink assumes a role in the account it manages",
			"invalid-conflicts.yaml:7:47: error: account `external` sets `externalId` without `roleArn`; an external id is only used when assuming a role",
			"invalid-conflicts.yaml:12:30: error: provider `mixed` sets both `networkLoadBalancerArns` and `gatewayLoadBalancerArns`; an endpoint service fronts one kind of load balancer",
			"invalid-conflicts.yaml:14:9: error: a principal sets either `account` or `arn`, not both",
			"invalid-conflicts.yaml:15:9: error: a principal needs `account` (an alias from `accounts:`), `arn` (an IAM principal ARN) or `service` (an AWS service principal)",
			"invalid-conflicts.yaml:16:65: error: `allowWildcard` only applies to `arn: \"*\"`",
			"invalid-conflicts.yaml:17:5: error: provider `none` needs at least one load balancer in `networkLoadBalancerArns` or `gatewayLoadBalancerArns`",
			"invalid-conflicts.yaml:25:18: error: consumer `both-targets` sets both `provider` and `serviceName`; set `provider` for a service in this manifest, `serviceName` for any other",
			"invalid-conflicts.yaml:26:5: error: consumer `no-target` needs `provider` (a provider in this manifest) or `serviceName` (such as com.amazonaws.us-east-1.s3)",
		},
	},
	{
		path: "invalid-duplicate-key.yaml",
		want: []string{
			"invalid-duplicate-key.yaml:3:1: error: duplicate key `project`; first defined at line 2, column 1",
			"invalid-duplicate-key.yaml:6:3: error: duplicate key `shared`; first defined at line 5, column 3",
			"invalid-duplicate-key.yaml:11:5: error: duplicate key `region`; first defined at line 10, column 5",
			"invalid-duplicate-key.yaml:14:22: error: duplicate key `team`; first defined at line 14, column 13",
		},
	},
	{
		path: "invalid-duplicate-name.yaml",
		want: []string{
			"invalid-duplicate-name.yaml:10:11: error: duplicate provider name `api`; also defined at line 7, column 11",
			"invalid-duplicate-name.yaml:17:43: error: `subnet-0123456789abcdef0` is listed twice in `subnetIds`; first at line 17, column 17",
			"invalid-duplicate-name.yaml:18:46: error: `sg-0123456789abcdef0` is listed twice in `securityGroupIds`; first at line 18, column 24",
			"invalid-duplicate-name.yaml:20:11: error: duplicate consumer name `client`; also defined at line 14, column 11",
		},
	},
	{
		path: "invalid-empty.yaml",
		want: []string{
			"invalid-empty.yaml:1:1: error: file is empty; expected a manifest",
		},
	},
	{
		path: "invalid-ids.yaml",
		want: []string{
			"invalid-ids.yaml:2:10: error: invalid project `Bad_Project`; use 1-63 lowercase letters, digits and hyphens, starting with a letter or digit",
			"invalid-ids.yaml:3:21: error: invalid region `us-east` in defaults.region; expected a region name like us-east-1",
			"invalid-ids.yaml:5:17: error: invalid account id `11111111111`; expected 12 digits",
			"invalid-ids.yaml:8:11: error: invalid provider name `Api`; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit",
			"invalid-ids.yaml:10:13: error: invalid region `useast1`; expected a region name like us-east-1",
			"invalid-ids.yaml:12:9: error: `arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/gwy/fw/0123456789abcdef` is not a network load balancer; list it under `gatewayLoadBalancerArns`",
			"invalid-ids.yaml:13:9: error: load balancer `arn:aws:elasticloadbalancing:us-west-2:333333333333:loadbalancer/net/api/0123456789abcdef` is in account 333333333333, but provider `Api` is in account `ok` (222222222222)",
			"invalid-ids.yaml:14:9: error: invalid network load balancer ARN `not-an-arn`; expected arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/ID",
			"invalid-ids.yaml:15:21: error: invalid `privateDnsName` `not a name`: its label `not a name` has a space; labels take letters, digits and hyphens only; expected a DNS name like api.example.com",
			"invalid-ids.yaml:16:37: error: invalid `supportedIpAddressTypes` value `ipv5`; valid values are ipv4, ipv6",
			"invalid-ids.yaml:17:24: error: invalid region `mars-1`; expected a region name like us-west-2",
			"invalid-ids.yaml:19:14: error: invalid principal ARN `arn:aws:iam::222222222222:group/admins`; expected arn:aws:iam::ACCOUNT:root, arn:aws:iam::ACCOUNT:role/NAME or arn:aws:iam::ACCOUNT:user/NAME",
			"invalid-ids.yaml:21:24: error: `allowWildcard` only applies to `arn: \"*\"`",
			"invalid-ids.yaml:23:19: error: invalid SNS topic ARN `arn:aws:sqs:us-east-1:222222222222:queue`; expected arn:aws:sns:REGION:ACCOUNT:NAME",
			"invalid-ids.yaml:24:27: error: invalid `events` value `Created`; valid values are Connect, Accept, Reject, Delete",
			"invalid-ids.yaml:25:13: error: tag key `aws:owner` uses the prefix `aws:`, which is reserved by AWS",
			"invalid-ids.yaml:25:29: error: tag key `plink:name` uses the prefix `plink:`, which is reserved for plink",
			"invalid-ids.yaml:26:12: error: invalid endpoint service id `vpce-svc-123`; expected vpce-svc- and 17 hex digits",
			"invalid-ids.yaml:31:9: error: `arn:aws:elasticloadbalancing:us-east-1:222222222222:loadbalancer/net/api/0123456789abcdef` is not a gateway load balancer; list it under `networkLoadBalancerArns`",
			"invalid-ids.yaml:32:21: error: provider `gw` fronts gateway load balancers, which do not support `privateDnsName`",
			"invalid-ids.yaml:34:11: error: invalid consumer name `client_1`; use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit",
			"invalid-ids.yaml:37:12: error: invalid VPC id `vpc-123`; expected vpc- and 8 or 17 hex digits",
			"invalid-ids.yaml:38:17: error: invalid subnet id `subnet-0123456789abcdefg`; expected subnet- and 8 or 17 hex digits",
			"invalid-ids.yaml:39:24: error: invalid security group id `sg-consumer`; expected sg- and 8 or 17 hex digits",
			"invalid-ids.yaml:40:18: error: invalid service name `S3`; expected a name like com.amazonaws.us-east-1.s3 or com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
			"invalid-ids.yaml:41:36: error: invalid `dnsRecordIpType` value `ipv5`; valid values are ipv4, ipv6, dualstack, service-defined",
			"invalid-ids.yaml:42:20: error: invalid `ipAddressType` value `ipv4only`; valid values are ipv4, ipv6, dualstack",
			"invalid-ids.yaml:43:12: error: invalid endpoint id `vpce-svc-0123456789abcdef0`; expected vpce- and 17 hex digits",
			"invalid-ids.yaml:48:16: error: `subnetIds` of consumer `empty-subnets` is empty; list at least one subnet, ideally one per Availability Zone",
		},
	},
	{
		path: "invalid-multi",
		want: []string{
			"invalid-multi/b.yaml:2:10: error: project `multi-other` differs from project `multi` set at invalid-multi/a.yaml:2:10",
			"invalid-multi/b.yaml:3:21: error: defaults.region `us-west-2` differs from `us-east-1` set at invalid-multi/a.yaml:3:21",
			"invalid-multi/b.yaml:3:46: error: default tag `team` is `b` here but `a` at invalid-multi/a.yaml:3:46",
			"invalid-multi/b.yaml:5:3: error: duplicate account alias `shared`; also defined at invalid-multi/a.yaml:5:3",
			"invalid-multi/b.yaml:7:11: error: duplicate consumer name `client`; also defined at invalid-multi/a.yaml:7:11",
		},
	},
	{
		path: "invalid-multidoc.yaml",
		want: []string{
			"invalid-multidoc.yaml:3:1: error: a manifest file holds one YAML document; found another one here",
		},
	},
	{
		path: "invalid-policy.yaml",
		want: []string{
			"invalid-policy.yaml:13:7: error: policy of consumer `bad-policy`: missing `Statement`; a policy needs at least one statement",
			"invalid-policy.yaml:13:16: error: policy of consumer `bad-policy`: `Version` must be \"2012-10-17\" or \"2008-10-17\", got \"2012-10-18\"",
			"invalid-policy.yaml:14:7: error: policy of consumer `bad-policy`: unknown element `Statment`; did you mean `Statement`?",
			"invalid-policy.yaml:22:19: error: policy of consumer `bad-statements`: `Effect` must be Allow or Deny, got \"Permit\"",
			"invalid-policy.yaml:24:11: error: policy of consumer `bad-statements`: statement sets both `Action` and `NotAction`",
			"invalid-policy.yaml:25:11: error: policy of consumer `bad-statements`: statement is missing `Effect` (Allow or Deny)",
			"invalid-policy.yaml:25:11: error: policy of consumer `bad-statements`: statement needs `Action` or `NotAction`",
			"invalid-policy.yaml:26:24: error: policy of consumer `bad-statements`: unknown principal type `Group`; valid types are AWS, Service, Federated, CanonicalUser",
			"invalid-policy.yaml:27:38: error: policy of consumer `bad-statements`: condition operator `StringEquals` must map condition keys to values",
			"invalid-policy.yaml:28:11: error: policy of consumer `bad-statements`: a statement must be a mapping with `Effect` and `Action`",
		},
	},
	{
		path: "invalid-policy-string.yaml",
		want: []string{
			"invalid-policy-string.yaml:12:61: error: policy of consumer `quoted`: `Effect` must be Allow or Deny, got \"Permit\"",
			"invalid-policy-string.yaml:19:7: error: policy of consumer `block`: missing `Statement`; a policy needs at least one statement",
			"invalid-policy-string.yaml:21:9: error: policy of consumer `block`: unknown element `Statment`; did you mean `Statement`?",
			"invalid-policy-string.yaml:31:43: error: policy of consumer `broken`: not valid JSON: a comma before `}`; JSON allows none after the last element",
			"invalid-policy-string.yaml:38:14: error: policy of consumer `not-object`: the string holds a list, not a JSON object",
			"invalid-policy-string.yaml:44:38: error: policy of consumer `duplicate`: `Version` appears twice in one object; JSON keys must be unique",
			"invalid-policy-string.yaml:50:37: error: policy of consumer `truncated`: not valid JSON: the string ends before the JSON does",
			"invalid-policy-string.yaml:56:13: error: policy of consumer `empty`: the string is empty; expected a policy document",
		},
	},
	{
		path: "invalid-references.yaml",
		want: []string{
			"invalid-references.yaml:9:14: error: unknown account `paymnts` in provider `api`; did you mean `payments`?",
			"invalid-references.yaml:12:18: error: unknown account `shop` in allowedPrincipals of provider `api`; defined accounts are `checkout`, `payments`",
			"invalid-references.yaml:14:20: error: `12345` in connections.acceptFrom of provider `api` is neither a 12-digit account id nor an account alias; defined accounts are `checkout`, `payments`",
			"invalid-references.yaml:20:15: error: unknown provider `apii` in consumer `client`; did you mean `api`?",
			"invalid-references.yaml:25:15: error: unknown provider `billing` in consumer `client-2`; defined providers are `api`",
		},
	},
	{
		path: "invalid-region-missing.yaml",
		want: []string{
			"invalid-region-missing.yaml:6:5: error: provider `api` has no region; set `region` or `defaults.region`",
		},
	},
	{
		path: "invalid-required.yaml",
		want: []string{
			"invalid-required.yaml:1:1: error: missing required field `project`",
			"invalid-required.yaml:3:11: error: missing required field `id` in account `shared`",
			"invalid-required.yaml:5:5: error: missing required field `account` in provider `api`",
			"invalid-required.yaml:5:5: error: provider `api` needs at least one load balancer in `networkLoadBalancerArns` or `gatewayLoadBalancerArns`",
			"invalid-required.yaml:8:9: error: a principal needs `account` (an alias from `accounts:`), `arn` (an IAM principal ARN) or `service` (an AWS service principal)",
			"invalid-required.yaml:10:9: error: missing required field `topicArn` in notification",
			"invalid-required.yaml:12:5: error: missing required field `name` in consumer",
			"invalid-required.yaml:12:5: error: missing required field `subnetIds` in consumer",
			"invalid-required.yaml:12:5: error: missing required field `vpcId` in consumer",
		},
	},
	{
		path: "invalid-syntax.yaml",
		want: []string{
			"invalid-syntax.yaml:5:1: error: invalid YAML: did not find expected ',' or '}' (in the structure that starts at line 4)",
		},
	},
	{
		path: "invalid-types.yaml",
		want: []string{
			"invalid-types.yaml:4:17: error: `id` must be a string, got integer 111111111111",
			"invalid-types.yaml:5:10: error: `accounts.other` must be a mapping, got string \"222222222222\"",
			"invalid-types.yaml:10:30: error: `networkLoadBalancerArns` must be a list, got string \"arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/50dc6c495c0c9188\"",
			"invalid-types.yaml:11:25: error: `acceptanceRequired` must be a boolean, got string \"yes\"",
			"invalid-types.yaml:12:35: error: `supportedRegions[1]` must be a string, got integer 42",
			"invalid-types.yaml:13:26: error: `tags.cost-center` must be a string, got integer 4711",
			"invalid-types.yaml:14:18: error: `connections` must be a mapping, got a list",
			"invalid-types.yaml:22:24: error: `privateDnsEnabled` must be a boolean, got integer 1",
			"invalid-types.yaml:23:28: error: policy of consumer `client`: `Statement` is an empty list",
		},
	},
	{
		path: "invalid-private-dns.yaml",
		want: []string{
			"invalid-private-dns.yaml:11:25: error: provider `disagree` sets `privateDnsName` `api.example.com` and `privateDns.name` `other.example.com`",
			"invalid-private-dns.yaml:15:61: error: invalid `privateDns.route53HostedZoneId` `/hostedzone/Z123`; expected a hosted zone id like Z0123456789ABCDEFGHIJ",
			"invalid-private-dns.yaml:19:25: error: invalid `privateDns.name` `not a name`: its label `not a name` has a space; labels take letters, digits and hyphens only; expected a DNS name like api.example.com",
			"invalid-private-dns.yaml:23:17: error: missing required field `privateDns.name`",
			"invalid-private-dns.yaml:27:17: error: provider `gateway` fronts gateway load balancers, which do not support `privateDns`",
			"invalid-private-dns.yaml:31:26: error: invalid `payerResponsibility` value `Consumer`; valid values are EndpointOwner, ServiceOwner",
			"invalid-private-dns.yaml:33:20: error: invalid service principal `not a service`; expected an AWS service principal like elasticloadbalancing.amazonaws.com",
			"invalid-private-dns.yaml:34:9: error: a principal sets one of `account`, `arn` and `service`, not several",
			"invalid-private-dns.yaml:35:71: error: `allowWildcard` only applies to `arn: \"*\"`",
			"invalid-private-dns.yaml:36:38: error: tag key `aws:x` uses the prefix `aws:`, which is reserved by AWS",
			"invalid-private-dns.yaml:44:20: error: consumer `s3` is a Gateway endpoint; AWS creates connection notifications for interface endpoints only",
			"invalid-private-dns.yaml:52:9: error: topic `arn:aws:sns:us-east-1:111111111111:t` is notified twice by consumer `twice`; first at line 51, column 9",
			"invalid-private-dns.yaml:52:70: error: invalid `events` value `Bounce`; valid values are Connect, Accept, Reject, Delete",
		},
	},
	{
		path: "invalid-unknown-field.yaml",
		want: []string{
			"invalid-unknown-field.yaml:5:3: error: unknown field `tag`; did you mean `tags`?",
			"invalid-unknown-field.yaml:7:33: error: unknown field `rolearn`; did you mean `roleArn`?",
			"invalid-unknown-field.yaml:13:5: error: unknown field `acceptanceRequred`; did you mean `acceptanceRequired`?",
			"invalid-unknown-field.yaml:14:5: error: unknown field `colour`; valid fields are `name`, `renamedFrom`, `account`, `region`, `networkLoadBalancerArns`, `gatewayLoadBalancerArns`, `acceptanceRequired`, `privateDnsName`, `privateDns`, `supportedIpAddressTypes`, `payerResponsibility`, `supportedRegions`, `allowedPrincipals`, `connections`, `notifications`, `tags`, `adopt`, `protect`",
			"invalid-unknown-field.yaml:20:5: error: unknown field `subnet`; did you mean `subnetIds`?",
			"invalid-unknown-field.yaml:22:19: error: unknown field `recordType`; valid fields are `dnsRecordIpType`, `privateDnsOnlyForInboundResolverEndpoint`, `privateDnsPreference`, `privateDnsSpecifiedDomains`",
		},
	},
	{
		path: "invalid-version-missing.yaml",
		want: []string{
			"invalid-version-missing.yaml:1:1: error: missing required field `version`; this build of plink supports version 1",
		},
	},
	{
		path: "invalid-lattice.yaml",
		want: []string{
			"invalid-lattice.yaml:14:18: error: consumer `orders-db` is a Resource endpoint (type: Resource), which has no `serviceName`; it takes `resourceConfigurationArn`, subnetIds, securityGroupIds, ipAddressType, privateDnsEnabled and dnsOptions",
			"invalid-lattice.yaml:15:31: error: invalid resourceConfiguration ARN `arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-01`; expected arn:aws:vpc-lattice:REGION:ACCOUNT:resourceconfiguration/rcfg- and 17 hex digits",
			"invalid-lattice.yaml:20:24: error: consumer `mesh` sets `serviceNetworkArn`, which only service-network endpoints (type: ServiceNetwork) have; its type is Interface (the default)",
		},
	},
	{
		path: "invalid-version.yaml",
		want: []string{
			"invalid-version.yaml:1:10: error: unsupported manifest version 2; this build of plink supports version 1",
		},
	},
}

func TestInvalidFixtures(t *testing.T) {
	all, err := filepath.Glob(filepath.Join(fixtures, "invalid-*"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, tc := range invalidFixtures {
		listed = append(listed, filepath.Join(fixtures, tc.path))
		t.Run(tc.path, func(t *testing.T) {
			m, err := Load(filepath.Join(fixtures, tc.path))
			if err == nil {
				t.Fatalf("Load succeeded; want errors:\n%s", strings.Join(tc.want, "\n"))
			}
			if m != nil {
				t.Errorf("Load returned a manifest along with errors")
			}
			got := diagLines(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("errors differ\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	for _, p := range all {
		if !slices.Contains(listed, p) {
			t.Errorf("fixture %s has no entry in invalidFixtures", p)
		}
	}
}
