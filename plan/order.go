package plan

import (
	"fmt"
	"math"
	"sort"

	"github.com/plinkdev/plink/live"
)

// deletes plans the removal of resources tagged for this project that no
// manifest entry claims, in account-regions that were read completely.
func (c *computer) deletes() {
	epDeletes := map[string]string{}
	for i := range c.s.Endpoints {
		ep := &c.s.Endpoints[i]
		if c.claimed[ep.ID] || ep.Tags[live.TagProject] != c.m.Project || c.m.Project == "" || !c.readOK(ep.AccountID, ep.Region) {
			continue
		}
		addr := "consumer." + ownedName(ep.Tags, ep.ID)
		epDeletes[ep.ID] = addr
		ch := Change{Address: addr, Kind: KindEndpoint, Action: Delete, Account: c.alias(ep.AccountID), AccountID: ep.AccountID,
			Region: ep.Region, ID: ep.ID, Before: c.liveEndpointValues(ep)}
		if ep.State == stateAvailable {
			ch.Breaks = []string{fmt.Sprintf("clients in %s lose access to %s through this endpoint", ep.VPCID, ep.ServiceName)}
		}
		c.changes = append(c.changes, ch)
	}
	for i := range c.s.Services {
		sv := &c.s.Services[i]
		if c.claimed[sv.ID] || sv.Tags[live.TagProject] != c.m.Project || c.m.Project == "" || !c.readOK(sv.AccountID, sv.Region) {
			continue
		}
		ch := Change{Address: "provider." + ownedName(sv.Tags, sv.ID), Kind: KindService, Action: Delete, Account: c.alias(sv.AccountID),
			AccountID: sv.AccountID, Region: sv.Region, ID: sv.ID, Before: liveServiceValues(sv), Breaks: c.serviceBreaks(sv)}
		for _, cn := range sv.Connections {
			if a := epDeletes[cn.EndpointID]; a != "" {
				ch.DependsOn = append(ch.DependsOn, a)
			}
		}
		sort.Strings(ch.DependsOn)
		c.changes = append(c.changes, ch)
	}
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
	}
	return 9
}

func sortChanges(chs []Change) {
	sort.SliceStable(chs, func(i, j int) bool {
		pi, pj := phase(&chs[i]), phase(&chs[j])
		if pi != pj {
			return pi < pj
		}
		return chs[i].Address < chs[j].Address
	})
}

func sortDiagnostics(ds []Diagnostic) {
	sev := func(s Severity) int {
		if s == SeverityError {
			return 0
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

// cost estimates the monthly change in interface endpoint charges; nil when
// the plan touches no endpoint.
func cost(chs []Change, opts Options) *Cost {
	azs := 0
	usd := 0.0
	touched := false
	for _, ch := range chs {
		if ch.Kind != KindEndpoint || ch.Action == NoOp {
			continue
		}
		touched = true
		n := 0
		if ch.After != nil && ch.Action != Delete && ch.After.Type == typeInterface {
			n += len(ch.After.SubnetIDs)
		}
		if ch.Before != nil && ch.Before.Type == typeInterface && (ch.Action == Delete || ch.Action == Replace || ch.Action == Update || ch.Action == Adopt) {
			n -= len(ch.Before.SubnetIDs)
		}
		azs += n
		usd += float64(n) * opts.price(ch.Region) * opts.hours()
	}
	if !touched {
		return nil
	}
	price := opts.price("us-east-1")
	return &Cost{
		MonthlyDelta:     math.Round(usd*100) / 100,
		Currency:         "USD",
		EndpointAZsDelta: azs,
		Note:             fmt.Sprintf("estimate: $%.4g per endpoint-AZ-hour, %g hours a month, data processing not included", price, opts.hours()),
	}
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
