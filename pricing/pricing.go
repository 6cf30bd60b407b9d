// Package pricing owns the price table of PrivateLink endpoints and the one
// cost function, endpoint-AZs × price × hours, that plan's estimate of a
// change and status's bill of what runs share.
//
// It holds values only: it must not import another plink package.
package pricing

// Defaults: the documented us-east-1 price of one interface endpoint in one
// Availability Zone for one hour, and hours in a month.
const (
	DefaultPerAZHour     = 0.01
	DefaultHoursPerMonth = 730
)

// Table is the prices a run uses (the config's prices). The zero value is
// AWS's us-east-1 price everywhere.
type Table struct {
	// PerAZHour is the USD price of one endpoint in one AZ for one hour,
	// by region. Regions not listed use Default.
	PerAZHour map[string]float64
	// Default is the price of regions not in PerAZHour; 0 means
	// DefaultPerAZHour.
	Default float64
	// HoursPerMonth; 0 means DefaultHoursPerMonth.
	HoursPerMonth float64
}

// Price is the USD price of one endpoint-AZ-hour in region.
func (t Table) Price(region string) float64 {
	if p, ok := t.PerAZHour[region]; ok {
		return p
	}
	if t.Default > 0 {
		return t.Default
	}
	return DefaultPerAZHour
}

// Hours is the hours in a month the table bills.
func (t Table) Hours() float64 {
	if t.HoursPerMonth > 0 {
		return t.HoursPerMonth
	}
	return DefaultHoursPerMonth
}

// Monthly is what azs endpoint-AZs cost a month in region, unrounded
// (negative azs: what removing them saves).
func (t Table) Monthly(region string, azs int) float64 {
	return float64(azs) * t.Price(region) * t.Hours()
}

// Billed reports whether an endpoint of type typ is billed per
// endpoint-AZ-hour: Interface and Gateway Load Balancer endpoints are (a
// Gateway Load Balancer endpoint has one subnet); gateway endpoints are
// free, and Resource and ServiceNetwork endpoints are not priced here.
func Billed(typ string) bool { return typ == "Interface" || typ == "GatewayLoadBalancer" }
