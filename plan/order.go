package plan

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/pricing"
)

// deletes plans the removal of resources tagged for this project that no
// manifest entry claims, in account-regions that were read completely: those
// the manifest no longer names, and leftovers of an interrupted replace.
func (c *computer) deletes() {
	var orphans []Change
	for i := range c.s.Endpoints {
		ep := &c.s.Endpoints[i]
		if c.claimed[ep.ID] || c.going[ep.ID] != "" || ep.Tags[live.TagProject] != c.m.Project || c.m.Project == "" || !c.readOK(ep.AccountID, ep.Region) {
			continue
		}
		ch := Change{Address: "consumer." + ownedName(ep.Tags, ep.ID), Kind: KindEndpoint, Action: Delete, Account: c.alias(ep.AccountID), AccountID: ep.AccountID,
			Region: ep.Region, ID: ep.ID, Before: c.liveEndpointValues(ep)}
		if lo, ok := c.leftovers[ep.ID]; ok {
			ch.Breaks = append(ch.Breaks, c.leftoverBreak(lo))
		}
		if ep.State == stateAvailable {
			target := cmp.Or(ep.ServiceName, ep.ResourceConfigurationARN, ep.ServiceNetworkARN) // Resource and ServiceNetwork endpoints name no service
			ch.Breaks = append(ch.Breaks, fmt.Sprintf("clients in %s lose access to %s through this endpoint", ep.VPCID, target))
		}
		orphans = append(orphans, ch)
	}
	for i := range c.s.Services {
		sv := &c.s.Services[i]
		if c.claimed[sv.ID] || c.going[sv.ID] != "" || sv.Tags[live.TagProject] != c.m.Project || c.m.Project == "" || !c.readOK(sv.AccountID, sv.Region) {
			continue
		}
		ch := Change{Address: "provider." + ownedName(sv.Tags, sv.ID), Kind: KindService, Action: Delete, Account: c.alias(sv.AccountID),
			AccountID: sv.AccountID, Region: sv.Region, ID: sv.ID, Before: liveServiceValues(sv)}
		if lo, ok := c.leftovers[sv.ID]; ok {
			ch.Breaks = append(ch.Breaks, c.leftoverBreak(lo))
		}
		// the connected endpoints: addServiceBreaks
		orphans = append(orphans, ch)
	}
	c.uniqueAddresses(orphans)
	for i := range orphans {
		ch := &orphans[i]
		if ep := c.epByID[ch.ID]; ch.Kind == KindEndpoint && ep != nil {
			if w := adoptedDeleteWarning(ch.Address, ep.ID, ep.Tags); w != "" {
				ch.Warnings = append(ch.Warnings, w)
			}
		}
	}
	epDeletes := map[string]string{}
	for _, ch := range orphans {
		if ch.Kind == KindEndpoint {
			epDeletes[ch.ID] = ch.Address
		}
	}
	for i := range orphans {
		ch := &orphans[i]
		if ch.Kind != KindService {
			continue
		}
		for _, cn := range c.svcByID[ch.ID].Connections {
			if a := epDeletes[cn.EndpointID]; a != "" {
				ch.DependsOn = append(ch.DependsOn, a)
			}
		}
		sort.Strings(ch.DependsOn)
	}
	c.changes = append(c.changes, orphans...)
}

// uniqueAddresses gives orphan deletes addresses no other change has. An
// orphan is addressed by its plink:name (consumer.NAME, provider.NAME) when
// that is unique in the plan; when the name is shared — with a manifest
// entry (a leftover of an interrupted replace) or with another orphan (one
// per account or region) — every orphan of that name gets its live id as
// well: consumer.NAME[vpce-…], provider.NAME[vpce-svc-…].
func (c *computer) uniqueAddresses(orphans []Change) {
	if len(orphans) == 0 {
		return // (an index of every address was 12 MB at 50,000 consumers)
	}
	taken := map[string]bool{}
	for _, ch := range c.changes {
		taken[ch.Address] = true
	}
	count := map[string]int{}
	for _, ch := range orphans {
		count[ch.Address]++
	}
	for i := range orphans {
		ch := &orphans[i]
		if taken[ch.Address] || count[ch.Address] > 1 {
			ch.Address += "[" + ch.ID + "]"
		}
	}
}

// leftoverBreak says why a resource carrying a manifest entry's name is
// deleted: it is what an interrupted replace left behind.
func (c *computer) leftoverBreak(lo leftover) string {
	return fmt.Sprintf("leftover of an interrupted replace of %s: %s carries the same plink:name and is kept", lo.addr, lo.keptID)
}

// ---- ordering, cost, fingerprints ----

// phase is a change's place in apply order: services and principal
// additions, endpoints, accepts, notifications, then removals in reverse.
func phase(ch *Change) int {
	switch ch.Kind {
	case KindService:
		if ch.Action == Delete {
			return 8
		}
		return 0
	case KindPrincipal:
		if ch.Action == Delete {
			return 7
		}
		return 1
	case KindEndpoint:
		if ch.Action == Delete {
			return 6
		}
		return 2
	case KindConnection:
		if ch.Action == Reject {
			return 5
		}
		return 3
	case KindNotification:
		return 4
	case KindDNSRecord:
		if ch.Action == Delete {
			return 7
		}
		return 1
	}
	return 9
}

// sortChanges puts changes in apply order: by phase, then by address,
// equal keys in their order. It sorts the changes' indexes and then moves
// each change once: a Change is some 400 bytes, and a stable sort that
// swaps them moves each O(log² n) times.
func sortChanges(chs []Change) {
	n := len(chs)
	phases := make([]int8, n)
	order := make([]int32, n)
	for i := range chs {
		phases[i] = int8(phase(&chs[i]))
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		if phases[a] != phases[b] {
			return cmp.Compare(phases[a], phases[b])
		}
		return strings.Compare(chs[a].Address, chs[b].Address)
	})
	// chs[i] takes the change at order[i]: follow each cycle of the
	// permutation, holding one change aside.
	for i := range order {
		if order[i] < 0 || int(order[i]) == i {
			continue
		}
		held := chs[i]
		j := i
		for {
			from := int(order[j])
			order[j] = -1
			if from == i {
				chs[j] = held
				break
			}
			chs[j] = chs[from]
			j = from
		}
	}
}

func sortDiagnostics(ds []Diagnostic) {
	sev := func(s Severity) int {
		switch s {
		case SeverityError:
			return 0
		case SeverityInfo:
			return 2
		}
		return 1
	}
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if sev(a.Severity) != sev(b.Severity) {
			return sev(a.Severity) < sev(b.Severity)
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Address != b.Address {
			return a.Address < b.Address
		}
		return a.Message < b.Message
	})
}

// EstimateCost is the cost estimate of chs alone: a shard's share of a
// plan, whose Cost counts every shard's endpoints.
func EstimateCost(chs []Change, opts Options) *Cost { return cost(chs, opts) }

// cost estimates the monthly change in interface endpoint charges; nil when
// the plan touches no endpoint.
func cost(chs []Change, opts Options) *Cost {
	prices := opts.prices()
	azs := 0
	usd := 0.0
	touched := false
	regions := map[string]bool{}
	billed := func(v *Values) int {
		if v == nil || !pricing.Billed(v.Type) {
			return 0
		}
		return len(v.SubnetIDs)
	}
	for _, ch := range chs {
		if ch.Kind != KindEndpoint || ch.Action == NoOp {
			continue
		}
		touched = true
		n := 0
		if ch.Action != Delete {
			n += billed(ch.After)
		}
		if ch.Action == Delete || ch.Action == Replace || ch.Action == Update || ch.Action == Adopt {
			n -= billed(ch.Before)
		}
		azs += n
		usd += prices.Monthly(ch.Region, n)
		if n != 0 {
			regions[ch.Region] = true
		}
	}
	if !touched {
		return nil
	}
	return &Cost{
		MonthlyDelta:     math.Round(usd*100) / 100,
		Currency:         "USD",
		EndpointAZsDelta: azs,
		Note:             fmt.Sprintf("estimate: %s per endpoint-AZ-hour, %g hours a month, data processing not included", priceNote(regions, prices), prices.Hours()) + latticeCostNote(chs),
	}
}

// priceNote states the prices the estimate used: one figure when every
// region costs the same, else each region's.
func priceNote(regions map[string]bool, table pricing.Table) string {
	if len(regions) == 0 {
		return fmt.Sprintf("$%.4g", table.Price(""))
	}
	names := make([]string, 0, len(regions))
	prices := map[float64]bool{}
	for r := range regions {
		names = append(names, r)
		prices[table.Price(r)] = true
	}
	sort.Strings(names)
	if len(prices) == 1 {
		return fmt.Sprintf("$%.4g", table.Price(names[0]))
	}
	parts := make([]string, len(names))
	for i, r := range names {
		parts[i] = fmt.Sprintf("$%.4g in %s", table.Price(r), r)
	}
	return strings.Join(parts, ", ")
}

// fingerprints are the live package's fingerprints of every service and
// endpoint the plan was computed from, so that plan and apply agree on one
// definition.
func fingerprints(s *live.Snapshot) map[string]string {
	f := s.Fingerprints()
	if len(f) == 0 {
		return nil
	}
	return f
}
