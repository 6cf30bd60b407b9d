// Package shard cuts a manifest into shards for a pipeline matrix: each
// shard is a set of accounts (and optionally regions) that one job plans
// and applies with its own credentials and its own share of AWS's
// throttling buckets (plink plan --account A --account B --region R).
//
// It owns the selection (which account-regions a shard owns), the shard's
// manifest (its entries and the entries they connect to, which are read
// but never changed), the accounts a shard must reach, the filter that
// keeps only the shard's changes of a plan, and the matrix of plink shards.
// It calls no AWS and decides nothing a full plan would not.
package shard

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// Selection is what a shard owns: the accounts (aliases) and, when
// Regions is not empty, only those regions of them. The zero Selection is
// no shard: it owns everything.
type Selection struct {
	Accounts []string
	Regions  []string
}

// All reports whether s owns everything (no --account, no --region).
func (s Selection) All() bool { return len(s.Accounts) == 0 && len(s.Regions) == 0 }

// Owns reports whether the account-region belongs to the shard.
func (s Selection) Owns(account, region string) bool {
	if len(s.Accounts) > 0 && !slices.Contains(s.Accounts, account) {
		return false
	}
	return len(s.Regions) == 0 || slices.Contains(s.Regions, region)
}

// String is "accounts a, b in regions r" for messages.
func (s Selection) String() string {
	var parts []string
	if n := len(s.Accounts); n == 1 {
		parts = append(parts, "account "+s.Accounts[0])
	} else if n > 1 {
		parts = append(parts, "accounts "+strings.Join(s.Accounts, ", "))
	}
	if n := len(s.Regions); n == 1 {
		parts = append(parts, "region "+s.Regions[0])
	} else if n > 1 {
		parts = append(parts, "regions "+strings.Join(s.Regions, ", "))
	}
	return strings.Join(parts, " in ")
}

// Check says whether every account and region of s is one the manifest
// knows, naming the ones it declares when not.
func Check(m *manifest.Manifest, s Selection) error {
	for _, a := range s.Accounts {
		if m.Accounts[a] == nil {
			return fmt.Errorf("--account %s: the manifest declares no such account; it declares %s\n  hint: name an alias under accounts: (plink shards -f MANIFEST lists shards of them)",
				a, strings.Join(slices.Sorted(maps.Keys(m.Accounts)), ", "))
		}
	}
	regions := Regions(m)
	for _, r := range s.Regions {
		if !slices.Contains(regions, r) {
			return fmt.Errorf("--region %s: the manifest uses no such region; it uses %s", r, strings.Join(regions, ", "))
		}
	}
	return nil
}

// Regions lists the regions the manifest uses, sorted: defaults.region,
// and every provider's, consumer's and supported region.
func Regions(m *manifest.Manifest) []string {
	set := map[string]bool{}
	add := func(r string) {
		if r == "" {
			r = m.Defaults.Region
		}
		if r != "" {
			set[r] = true
		}
	}
	add("")
	for _, r := range m.Defaults.Regions {
		add(r)
	}
	for _, p := range m.Providers {
		add(p.Region)
		for _, r := range p.SupportedRegions {
			add(r)
		}
	}
	for _, c := range m.Consumers {
		add(c.Region)
	}
	return slices.Sorted(maps.Keys(set))
}

func region(m *manifest.Manifest, r string) string {
	if r == "" {
		return m.Defaults.Region
	}
	return r
}

// Manifest is the manifest a shard plans: its own providers and consumers,
// the providers its consumers connect to (their service names and zones)
// and the consumers of its providers (so their connections are known as
// declared, not rejected). Accounts stay whole: principals and labels name
// them. The entries of other shards are read, never changed: Filter drops
// their changes. With the zero Selection it is m itself.
func Manifest(m *manifest.Manifest, s Selection) *manifest.Manifest {
	if s.All() {
		return m
	}
	out := *m
	out.Providers, out.Consumers = nil, nil
	owned := map[string]bool{}
	for _, p := range m.Providers {
		if s.Owns(p.Account, region(m, p.Region)) {
			owned[p.Name] = true
		}
	}
	need := map[string]bool{}
	for _, c := range m.Consumers {
		mine := s.Owns(c.Account, region(m, c.Region))
		if mine || owned[c.Provider] {
			out.Consumers = append(out.Consumers, c)
		}
		if mine && c.Provider != "" {
			need[c.Provider] = true
		}
	}
	for _, p := range m.Providers {
		if owned[p.Name] || need[p.Name] {
			out.Providers = append(out.Providers, p)
		}
	}
	return &out
}

// Reach lists the accounts a shard's run needs credentials for: its own
// and the accounts of the entries of sm (the shard's manifest) it reads.
func Reach(sm *manifest.Manifest, s Selection) []string {
	set := map[string]bool{}
	for alias := range sm.Accounts {
		if len(s.Accounts) == 0 || slices.Contains(s.Accounts, alias) {
			set[alias] = true
		}
	}
	for _, p := range sm.Providers {
		set[p.Account] = true
	}
	for _, c := range sm.Consumers {
		set[c.Account] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// Limit returns a copy of m whose accounts are only the ones named: what
// the shard's credentials are resolved and verified for.
func Limit(m *manifest.Manifest, aliases []string) *manifest.Manifest {
	out := *m
	out.Accounts = map[string]*manifest.Account{}
	for _, a := range aliases {
		if acc := m.Accounts[a]; acc != nil {
			out.Accounts[a] = acc
		}
	}
	return &out
}

// Filter keeps the changes and diagnostics of p that belong to the shard
// (a diagnostic without an account belongs to every shard). A change that
// depends on a change another shard makes (a consumer of a service not
// created yet) is left out too, and returned: it is planned by the next
// run once the other shard has applied. With the zero Selection p is
// returned unchanged.
func Filter(p *plan.Plan, s Selection) (*plan.Plan, []plan.Change) {
	if s.All() || p == nil {
		return p, nil
	}
	out := *p
	out.Changes = nil
	out.Diagnostics = nil
	elsewhere := map[string]bool{} // addresses of changes another shard makes
	for _, c := range p.Changes {
		if !s.Owns(c.Account, c.Region) && c.Action != plan.NoOp {
			elsewhere[c.Address] = true
		}
	}
	var waiting []plan.Change
	for _, c := range p.Changes {
		if !s.Owns(c.Account, c.Region) {
			continue
		}
		if slices.ContainsFunc(c.DependsOn, func(a string) bool { return elsewhere[a] }) {
			elsewhere[c.Address] = true // and what depends on it waits too
			waiting = append(waiting, c)
			continue
		}
		out.Changes = append(out.Changes, c)
	}
	for _, d := range p.Diagnostics {
		if s.ownsDiagnostic(d) {
			out.Diagnostics = append(out.Diagnostics, d)
		}
	}
	return &out, waiting
}

// Awaited lists the accepts another shard makes for endpoints s owns, by
// the address a plan gives them before the endpoint exists
// (provider.P.connection[consumer.C]): the accepts p plans in another
// shard for them, and, since a shard may not read another's connections,
// the endpoints of sm (the shard's manifest) that snap shows waiting for
// acceptance by a provider of another shard. The shard has not converged
// until they are made. With the zero Selection it is nil.
func Awaited(sm *manifest.Manifest, p *plan.Plan, snap *live.Snapshot, s Selection) []string {
	if s.All() || p == nil {
		return nil
	}
	consumers := map[string]plan.Change{}
	for _, c := range p.Changes {
		if c.Kind == plan.KindEndpoint && s.Owns(c.Account, c.Region) {
			consumers[c.Address] = c
		}
	}
	set := map[string]bool{}
	for _, c := range p.Changes {
		if _, ok := consumers[plan.AcceptedConsumer(c)]; ok && !s.Owns(c.Account, c.Region) && AcceptKey(c) != "" {
			set[AcceptKey(c)] = true
		}
	}
	waiting := map[string]bool{}
	if snap != nil {
		for _, ep := range snap.Endpoints {
			if live.EndpointPhase(ep.State) == live.PhaseWaiting {
				waiting[ep.ID] = true
			}
		}
	}
	providers := map[string]*manifest.Provider{}
	for _, pv := range sm.Providers {
		providers[pv.Name] = pv
	}
	for _, cm := range sm.Consumers {
		addr := "consumer." + cm.Name
		ch, ok := consumers[addr]
		pv := providers[cm.Provider]
		if !ok || pv == nil || !waiting[ch.ID] || s.Owns(pv.Account, region(sm, pv.Region)) {
			continue
		}
		set[acceptAddr("provider."+pv.Name, addr)] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// ownsDiagnostic: a diagnostic without an account or region is the
// shard's as far as it names nothing else.
func (s Selection) ownsDiagnostic(d plan.Diagnostic) bool {
	if d.Account != "" && len(s.Accounts) > 0 && !slices.Contains(s.Accounts, d.Account) {
		return false
	}
	return d.Region == "" || len(s.Regions) == 0 || slices.Contains(s.Regions, d.Region)
}
