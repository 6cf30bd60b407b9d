package plan

// A no-op change names a resource that matches the manifest: its address,
// kind, account, region and live id. Its values, read and desired, are
// needed only to find that it is a no-op, and at 10,000 consumers they were
// most of a plan's memory (docs/scale.md): Compute drops them as soon as
// each group of changes is decided, and no reader of a plan (apply, drift,
// the renderers, shards, saved plans) looks at them.
//
// An endpoint service keeps its after values: they name the live service
// (serviceName) and its load balancers, which apply reads to create a
// consumer's endpoint of a kept service and iam-policy reads to scope its
// grants. Kinds not listed in valuelessNoOp keep theirs.

// valuelessNoOp are the kinds whose no-op changes carry no values; they
// are all but a handful of a large plan's changes.
var valuelessNoOp = map[Kind]bool{KindPrincipal: true, KindEndpoint: true, KindConnection: true, KindNotification: true}

// dropNoOpValues drops the values of the no-op changes in chs: no before
// values for an endpoint service, none at all for valuelessNoOp kinds.
func dropNoOpValues(chs []Change) {
	for i := range chs {
		ch := &chs[i]
		switch {
		case ch.Action != NoOp:
		case valuelessNoOp[ch.Kind]:
			ch.Before, ch.After = nil, nil
		case ch.Kind == KindService:
			ch.Before = nil
		}
	}
}
