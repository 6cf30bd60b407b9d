// Package sandbox is a local AWS for PrivateLink.
//
// It speaks the wire protocols that the unmodified aws-sdk-go-v2 clients (and
// botocore / the AWS CLI) use for EC2, Elastic Load Balancing v2, STS,
// CloudWatch GetMetricData and SNS GetTopicAttributes, so a client needs only
// its endpoint URL changed (BaseEndpoint or AWS_ENDPOINT_URL). Principals
// with identity policies are authorized on every call as IAM does (authz.go,
// docs/authorization.md).
// It keeps many accounts and regions, verifies SigV4 signatures, follows the
// documented PrivateLink state machines, quotas and error codes, can put any
// resource into any state AWS reports (Force*), and can inject latency,
// throttling, server errors, dropped connections and eventual consistency.
//
// The package owns: the world model (accounts, identities, VPCs, subnets,
// security groups, load balancers, assumable roles; see worlds/default.yaml),
// the mutable PrivateLink state (endpoint services, permissions, endpoints,
// connections, notifications, tags, temporary credentials) and its persistence
// to a file, and the HTTP handler that serves it. Time-based transitions are
// computed lazily from timestamps with an injectable clock, so a state file
// keeps progressing across separate processes.
//
// It must not import any other plink package: plink talks to it only over HTTP,
// exactly as it talks to AWS. docs/sandbox.md lists every action and rule it
// implements and where it knowingly differs from AWS.
package sandbox
