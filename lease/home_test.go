package lease

import (
	"testing"

	"github.com/plinkdev/plink/manifest"
)

func TestHome(t *testing.T) {
	accounts := map[string]*manifest.Account{"y": {ID: "2"}, "x": {ID: "1"}}
	base := func() *manifest.Manifest {
		return &manifest.Manifest{Defaults: manifest.Defaults{Region: "ap-south-1"}, Accounts: accounts}
	}
	withProviders := base()
	withProviders.Providers = []*manifest.Provider{{Name: "a", Account: "x", Region: "eu-west-1"}, {Name: "b", Account: "y"}}
	withProviders.Consumers = []*manifest.Consumer{{Name: "c", Account: "y", Region: "us-west-2"}}
	defaulted := base()
	defaulted.Providers = []*manifest.Provider{{Name: "a", Account: "y"}}
	consumersOnly := base()
	consumersOnly.Consumers = []*manifest.Consumer{{Name: "c", Account: "y", Region: "us-west-2"}, {Name: "d", Account: "x"}}
	for _, tc := range []struct {
		name          string
		m             *manifest.Manifest
		alias, region string
	}{
		{"first provider", withProviders, "x", "eu-west-1"},
		{"provider in defaults.region", defaulted, "y", "ap-south-1"},
		{"first consumer", consumersOnly, "y", "us-west-2"},
		{"first account by alias", base(), "x", "ap-south-1"},
		{"no region anywhere", &manifest.Manifest{}, "", "us-east-1"},
	} {
		alias, region := Home(tc.m)
		if alias != tc.alias || region != tc.region {
			t.Errorf("%s: %s %s, want %s %s", tc.name, alias, region, tc.alias, tc.region)
		}
	}
}
