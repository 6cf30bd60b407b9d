package scale

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/sandbox"
)

// parse loads a generated manifest and fails on load or lint errors.
func parse(tb testing.TB, name string, y []byte) *manifest.Manifest {
	tb.Helper()
	m, err := manifest.Parse(name, y)
	if err != nil {
		tb.Fatalf("generated manifest %s does not load: %v", name, err)
	}
	for _, d := range manifest.Lint(m) {
		if d.Severity == manifest.SeverityError {
			tb.Errorf("generated manifest %s: lint: %s", name, d)
		}
	}
	return m
}

func TestGenerateIsValid(t *testing.T) {
	for _, sz := range []size{{1, 1, 1}, {1, 3, 9}, {2, 2, 0}, {3, 1, 10}, small, double, large} {
		t.Run(fmt.Sprintf("%dx%dx%d", sz.accounts, sz.providers, sz.consumers), func(t *testing.T) {
			w, y := Generate(sz.accounts, sz.providers, sz.consumers, 1)
			if _, err := sandbox.New(w, sandbox.Options{}); err != nil {
				t.Fatalf("generated world is invalid: %v", err)
			}
			m := parse(t, "gen.yaml", y)
			if len(m.Accounts) != sz.accounts || len(m.Providers) != sz.providers || len(m.Consumers) != sz.consumers {
				t.Fatalf("got %d accounts, %d providers, %d consumers", len(m.Accounts), len(m.Providers), len(m.Consumers))
			}
			ds := manifest.Lint(m)
			if sz.accounts == 1 {
				// With one account nobody else can be allowed: acceptance-
				// required providers get the no-principal warning.
				for _, d := range ds {
					if d.Code != manifest.LintAcceptanceNoPrincipal {
						t.Errorf("unexpected lint finding: %s", d)
					}
				}
				return
			}
			for _, d := range ds {
				t.Errorf("lint finding on a generated manifest: %s", d)
			}
		})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	_, a := Generate(5, 20, 60, 7)
	_, b := Generate(5, 20, 60, 7)
	if !bytes.Equal(a, b) {
		t.Error("two manifests generated with one seed differ")
	}
	_, c := Generate(5, 20, 60, 8)
	if bytes.Equal(a[bytes.IndexByte(a, '\n'):], c[bytes.IndexByte(c, '\n'):]) {
		t.Error("manifests generated with seeds 7 and 8 are the same: the seed is not used")
	}
}

func TestGeneratePanicsOnImpossibleSizes(t *testing.T) {
	for _, tc := range []struct {
		a, p, c int
		want    string
	}{
		{0, 1, 1, "scale: Generate needs at least 1 account, got 0"},
		{1, -1, 0, "scale: Generate needs non-negative providers and consumers, got -1 and 0"},
		{1, 1, -2, "scale: Generate needs non-negative providers and consumers, got 1 and -2"},
		{1, 0, 3, "scale: Generate cannot place 3 consumers without providers"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			defer func() {
				if got := fmt.Sprint(recover()); got != tc.want {
					t.Errorf("panic %q, want %q", got, tc.want)
				}
			}()
			Generate(tc.a, tc.p, tc.c, 1)
		})
	}
}

// TestGenerateShape checks the properties the scale tests rely on: ids and
// AZ mappings as AWS has them, providers and consumers spread over accounts
// and regions, the PrivateLink features exercised, and principals that
// admit exactly the consumers' accounts.
func TestGenerateShape(t *testing.T) {
	w, y := Generate(small.accounts, small.providers, small.consumers, 1)
	m := parse(t, "small.yaml", y)

	// Accounts: 12-digit ids, the operator may assume role/plink everywhere.
	if len(w.Accounts) != small.accounts+1 || w.Operator != OperatorAlias {
		t.Fatalf("world has %d accounts and operator %q", len(w.Accounts), w.Operator)
	}
	op := w.Accounts[len(w.Accounts)-1]
	if op.ID != OperatorID || len(op.Credentials) != 1 {
		t.Fatalf("operator account %+v", op)
	}
	mappings := map[string]bool{}
	for i, a := range w.Accounts[:small.accounts] {
		if a.ID != AccountID(i+1) || a.ID != fmt.Sprintf("1000000000%02d", i+1) || m.Accounts[a.Alias].ID != a.ID {
			t.Errorf("account %d: id %s, manifest %+v", i+1, a.ID, m.Accounts[a.Alias])
		}
		if len(a.Roles) != 1 || a.Roles[0].Arn != m.Accounts[a.Alias].RoleARN || !slices.Contains(a.Roles[0].TrustedPrincipals, op.Credentials[0].PrincipalArn) {
			t.Errorf("account %s: roles %+v do not let the operator assume %s", a.Alias, a.Roles, m.Accounts[a.Alias].RoleARN)
		}
		for _, r := range Regions {
			rw := a.Regions[r]
			if len(rw.VPCs) != 1 || len(rw.VPCs[0].Subnets) != 3 || len(rw.VPCs[0].SecurityGroups) != 1 || len(rw.AvailabilityZones) != 3 {
				t.Errorf("account %s %s: network %+v", a.Alias, r, rw)
			}
			mappings[fmt.Sprint(rw.AvailabilityZones)] = true
		}
	}
	if len(mappings) < small.accounts {
		t.Errorf("AZ names map to ids the same way in several accounts: %d mappings for %d accounts", len(mappings), small.accounts)
	}

	// Providers: one NLB each, in its account and region; features spread.
	lbs := map[string]string{} // ARN → account|region
	for _, a := range w.Accounts {
		for r, rw := range a.Regions {
			for _, lb := range rw.LoadBalancers {
				lbs[lb.Arn] = a.Alias + "|" + r
			}
		}
	}
	if len(lbs) != small.providers {
		t.Errorf("%d load balancers for %d providers", len(lbs), small.providers)
	}
	provs := map[string]*manifest.Provider{}
	provScopes, accepting, crossRegion := map[string]bool{}, 0, 0
	for _, p := range m.Providers {
		provs[p.Name] = p
		if len(p.NetworkLoadBalancerARNs) != 1 || lbs[p.NetworkLoadBalancerARNs[0]] != p.Account+"|"+p.Region {
			t.Errorf("provider %s in %s %s: load balancers %v", p.Name, p.Account, p.Region, p.NetworkLoadBalancerARNs)
		}
		provScopes[p.Account+"|"+p.Region] = true
		if p.AcceptanceRequired && p.Connections.AcceptsDeclared() && p.Connections.AcceptDeclared != nil {
			accepting++
		}
		if len(p.SupportedRegions) > 0 {
			crossRegion++
		}
	}
	if len(provScopes) != small.accounts*len(Regions) || accepting == 0 || accepting == small.providers || crossRegion == 0 {
		t.Errorf("providers in %d account-regions, %d accepting declared consumers, %d serving another region",
			len(provScopes), accepting, crossRegion)
	}

	// Consumers: spread, some cross-region, every foreign account allowed.
	consScopes, remote := map[string]bool{}, 0
	allowed := map[string]map[string]bool{}
	for _, c := range m.Consumers {
		p := provs[c.Provider]
		consScopes[c.Account+"|"+c.Region] = true
		if c.Region != p.Region {
			remote++
			if !slices.Contains(p.SupportedRegions, c.Region) {
				t.Errorf("consumer %s in %s: provider %s does not serve it", c.Name, c.Region, p.Name)
			}
		}
		if !strings.HasSuffix(c.SubnetIDs[0], "a") || len(c.SubnetIDs) != 3 || len(c.SecurityGroupIDs) != 1 {
			t.Errorf("consumer %s: subnets %v, groups %v", c.Name, c.SubnetIDs, c.SecurityGroupIDs)
		}
		if c.Account != p.Account {
			if allowed[p.Name] == nil {
				allowed[p.Name] = map[string]bool{}
			}
			allowed[p.Name][c.Account] = true
		}
	}
	if len(consScopes) != small.accounts*len(Regions) || remote == 0 {
		t.Errorf("consumers in %d account-regions, %d cross-region", len(consScopes), remote)
	}
	for _, p := range m.Providers {
		var got []string
		for _, pr := range p.AllowedPrincipals {
			got = append(got, pr.Account)
		}
		for a := range allowed[p.Name] {
			if !slices.Contains(got, a) {
				t.Errorf("provider %s does not allow its consumers' account %s (allows %v)", p.Name, a, got)
			}
		}
		if len(allowed[p.Name]) > 0 && len(got) != len(allowed[p.Name]) {
			t.Errorf("provider %s allows %v, more than its consumers' accounts %v", p.Name, got, allowed[p.Name])
		}
	}
}
