package lease

import (
	"cmp"
	"sort"

	"github.com/plinkdev/plink/manifest"
)

// defaultRegion is where a manifest that names no region keeps its lease
// (awsenv.DefaultRegion, the region plink uses for account-level calls).
const defaultRegion = "us-east-1"

// Home is where a project's lease lives: the first provider's account
// (alias) and region, else the first consumer's, else the first account
// by alias in defaults.region. It moves if the first provider (or
// consumer) changes, so two runs of different manifest versions that
// differ there do not exclude each other (docs/concurrency.md).
func Home(m *manifest.Manifest) (alias, region string) {
	switch {
	case len(m.Providers) > 0:
		alias, region = m.Providers[0].Account, m.Providers[0].Region
	case len(m.Consumers) > 0:
		alias, region = m.Consumers[0].Account, m.Consumers[0].Region
	default:
		aliases := make([]string, 0, len(m.Accounts))
		for a := range m.Accounts {
			aliases = append(aliases, a)
		}
		sort.Strings(aliases)
		if len(aliases) > 0 {
			alias = aliases[0]
		}
	}
	return alias, cmp.Or(region, m.Defaults.Region, defaultRegion)
}
