package live

// The read under apply's lease (ReadOptions.Network) takes the network
// from the read the plan shown was made from. The lease guards against
// another run of plink changing what this one planned, and plink never
// changes subnets, VPCs, security groups or load balancers: reading them
// again, seconds later, was half the calls of the read under the lease at
// 10,000 consumers against the empty world (docs/scale.md).

// scopeNetwork is what a prior read saw of one account-region's network.
type scopeNetwork struct {
	subnets []Subnet
	vpcs    []VPC
	groups  []SecurityGroup
	lbs     []LoadBalancer
}

func (n *scopeNetwork) addTo(s *Snapshot) {
	s.Subnets = append(s.Subnets, n.subnets...)
	s.VPCs = append(s.VPCs, n.vpcs...)
	s.SecurityGroups = append(s.SecurityGroups, n.groups...)
	s.LoadBalancers = append(s.LoadBalancers, n.lbs...)
}

// priorNetwork is the network of sc in ReadOptions.Network, or nil when
// it must be read: no prior read, or the prior read did not read the
// account-region or failed a call there.
func (rd *reader) priorNetwork(sc *scopeState) *scopeNetwork {
	if rd.opts.Network == nil {
		return nil
	}
	rd.prior.Do(func() { rd.nets = indexNetwork(rd.opts.Network) })
	return rd.nets[[2]string{sc.AccountID, sc.Region}]
}

func indexNetwork(prior *Snapshot) map[[2]string]*scopeNetwork {
	out := map[[2]string]*scopeNetwork{}
	for _, sc := range prior.Scopes {
		out[[2]string{sc.AccountID, sc.Region}] = &scopeNetwork{}
	}
	for _, f := range prior.Failures {
		delete(out, [2]string{f.AccountID, f.Region})
	}
	at := func(account, region string) *scopeNetwork { return out[[2]string{account, region}] }
	for _, x := range prior.Subnets {
		if n := at(x.AccountID, x.Region); n != nil {
			n.subnets = append(n.subnets, x)
		}
	}
	for _, x := range prior.VPCs {
		if n := at(x.AccountID, x.Region); n != nil {
			n.vpcs = append(n.vpcs, x)
		}
	}
	for _, x := range prior.SecurityGroups {
		if n := at(x.AccountID, x.Region); n != nil {
			n.groups = append(n.groups, x)
		}
	}
	for _, x := range prior.LoadBalancers {
		if n := at(x.AccountID, x.Region); n != nil {
			n.lbs = append(n.lbs, x)
		}
	}
	return out
}
