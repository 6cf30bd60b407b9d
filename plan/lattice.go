package plan

// Resource endpoints (type Resource, to a VPC Lattice resource
// configuration) and service-network endpoints (type ServiceNetwork, to a
// service network). They are VPC endpoints without a service name: what
// one connects to is its ARN, and a new ARN replaces the endpoint (AWS's
// ModifyVpcEndpoint cannot change it). Subnets, security groups, the IP
// address type and the private DNS options change in place. AWS has no
// acceptance step for them and no endpoint policy.

import (
	"fmt"

	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
)

// latticeType reports whether an endpoint type is Resource or
// ServiceNetwork.
func latticeType(t string) bool {
	return t == manifest.TypeResource || t == manifest.TypeServiceNetwork
}

// latticeTarget is the replace-forcing part of a Resource or
// ServiceNetwork consumer: its type, VPC and ARN.
func latticeTarget(cm *manifest.Consumer) *Values {
	v := &Values{Type: cm.Type, VPCID: cm.VPCID}
	if cm.Type == manifest.TypeResource {
		v.ResourceConfigurationARN = cm.ResourceConfigurationARN
	} else {
		v.ServiceNetworkARN = cm.ServiceNetworkARN
	}
	return v
}

// latticeDNS sets the private DNS preference and domains a Resource or
// ServiceNetwork consumer wants. A preference left out takes what AWS
// reports (before), so AWS's default never shows as drift; with private
// DNS off there is none (AWS drops it).
func latticeDNS(cm *manifest.Consumer, before, after *Values) {
	if !latticeType(after.Type) {
		return
	}
	if d := cm.DNSOptions; d != nil {
		after.PrivateDNSPreference = d.PrivateDNSPreference
		after.PrivateDNSSpecifiedDomains = sorted(d.PrivateDNSSpecifiedDomains)
	}
	if after.PrivateDNSEnabled == nil || !*after.PrivateDNSEnabled {
		after.PrivateDNSPreference, after.PrivateDNSSpecifiedDomains = "", nil
		return
	}
	if after.PrivateDNSPreference == "" && before != nil && before.PrivateDNSEnabled != nil && *before.PrivateDNSEnabled {
		after.PrivateDNSPreference = before.PrivateDNSPreference
		if len(after.PrivateDNSSpecifiedDomains) == 0 {
			after.PrivateDNSSpecifiedDomains = before.PrivateDNSSpecifiedDomains
		}
	}
}

// latticeReplaceReasons are the ARNs a live Resource or ServiceNetwork
// endpoint (before) has other than the manifest's (after).
func latticeReplaceReasons(before, after *Values) []string {
	var out []string
	if before.ResourceConfigurationARN != after.ResourceConfigurationARN {
		out = append(out, "resourceConfigurationArn")
	}
	if before.ServiceNetworkARN != after.ServiceNetworkARN {
		out = append(out, "serviceNetworkArn")
	}
	return out
}

// endpointTargetLabel names what an endpoint connects to, for messages:
// its service name, or its resource configuration or service network.
func endpointTargetLabel(ep *live.Endpoint) string {
	switch {
	case ep.ResourceConfigurationARN != "":
		return "resource configuration " + ep.ResourceConfigurationARN
	case ep.ServiceNetworkARN != "":
		return "service network " + ep.ServiceNetworkARN
	}
	return ep.ServiceName
}

// sameLatticeTarget reports whether a live endpoint is a Resource or
// ServiceNetwork endpoint to what want (latticeTarget) names.
func sameLatticeTarget(ep *live.Endpoint, want *Values) bool {
	return latticeType(want.Type) && ep.Type == want.Type &&
		ep.ResourceConfigurationARN == want.ResourceConfigurationARN && ep.ServiceNetworkARN == want.ServiceNetworkARN
}

// latticeCostNote says how many Resource and ServiceNetwork endpoint
// changes the estimate leaves out. AWS's PrivateLink pricing page
// (https://aws.amazon.com/privatelink/pricing/, "Resource endpoint
// pricing") gives their data processing ($0.01 per GB for the first PB a
// month in a Region, $0.006 the next 4 PB, $0.004 beyond, as for interface
// endpoints) but no hourly figure plink could cite, and service-network
// endpoints are billed through VPC Lattice per resource and service
// associated; so they are not priced rather than priced wrong.
func latticeCostNote(chs []Change) string {
	n := 0
	for _, ch := range chs {
		if ch.Kind != KindEndpoint || ch.Action == NoOp {
			continue
		}
		if (ch.After != nil && latticeType(ch.After.Type)) || (ch.Before != nil && latticeType(ch.Before.Type)) {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d Resource/ServiceNetwork endpoint change(s) not priced (AWS bills them per GB processed and through VPC Lattice; see docs/plan.md)", n)
}
