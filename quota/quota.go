// Package quota owns the AWS quotas plink checks a manifest and a plan
// against: AWS's defaults, and a Table a project fills from its config
// where it had a quota raised (endpoints-per-vpc), so that a raised quota
// is honoured by every check alike: plan's quota check (PL230) and
// manifest's offline lints (PL012, PL015, through manifest.LintWith) read
// their limits here.
//
// It holds values only: it must not import another plink package.
package quota

// AWS's default quotas (Amazon VPC, adjustable in Service Quotas).
const (
	// DefaultEndpointsPerVPC is "Interface and Gateway Load Balancer
	// endpoints per VPC".
	DefaultEndpointsPerVPC = 50
	// DefaultGatewayEndpointsPerRegion is "Gateway VPC endpoints per
	// Region".
	DefaultGatewayEndpointsPerRegion = 20
)

// Table is the quotas of one project; a zero field is AWS's default.
type Table struct {
	// EndpointsPerVPC is the quota of interface and Gateway Load Balancer
	// endpoints in one VPC (the config's endpoints-per-vpc).
	EndpointsPerVPC int
	// GatewayEndpointsPerRegion is the quota of gateway endpoints in one
	// account-region.
	GatewayEndpointsPerRegion int
}

// Effective is the table with AWS's default in every field that is not
// set (zero or negative).
func (t Table) Effective() Table {
	if t.EndpointsPerVPC <= 0 {
		t.EndpointsPerVPC = DefaultEndpointsPerVPC
	}
	if t.GatewayEndpointsPerRegion <= 0 {
		t.GatewayEndpointsPerRegion = DefaultGatewayEndpointsPerRegion
	}
	return t
}
