package drift_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/sandbox/sandboxtest"
)

// Resource and ServiceNetwork consumers of the default world's VPC Lattice
// resources (sandbox/worlds/default.yaml), for the drift side of the state
// matrix.
const (
	mxOrdersDB = `  - name: orders-db
    account: checkout
    type: Resource
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    resourceConfigurationArn: arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a
`
	mxMesh = `  - name: mesh
    account: checkout
    type: ServiceNetwork
    vpcId: vpc-02100000000000001
    subnetIds: [subnet-0210000000000000a]
    securityGroupIds: [sg-02100000000000001]
    serviceNetworkArn: arn:aws:vpc-lattice:us-east-1:111111111111:servicenetwork/sn-0111000000000000a
`
)

// TestDriftStateMatrixLattice: a Resource and a ServiceNetwork endpoint in
// each state AWS reports (they have no acceptance, so no
// pendingAcceptance), declared or removed from the manifest: a broken one
// is drift (plan replaces it), a gone one is missing, and one removed from
// the manifest is unmanaged until it is going.
func TestDriftStateMatrixLattice(t *testing.T) {
	none := epWant{nil, 0}
	K := func(ks ...drift.Kind) []drift.Kind { return ks }
	table := []struct {
		state             string
		declared, removed epWant
	}{
		{"pending", none, epWant{K(drift.Unmanaged), 2}},
		{"available", none, epWant{K(drift.Unmanaged), 2}},
		{"rejected", epWant{K(drift.Changed), 2}, epWant{K(drift.Unmanaged), 2}},
		{"expired", epWant{K(drift.Changed), 2}, epWant{K(drift.Unmanaged), 2}},
		{"failed", epWant{K(drift.Changed), 2}, epWant{K(drift.Unmanaged), 2}},
		{"deleting", epWant{K(drift.Missing), 2}, none},
		{"deleted", epWant{K(drift.Missing), 2}, none},
	}
	for _, c := range []struct{ name, consumer string }{{"orders-db", mxOrdersDB}, {"mesh", mxMesh}} {
		full := mxManifest(nil, []string{c.consumer, mxS3})
		removed := mxManifest(nil, []string{mxS3})
		for _, row := range table {
			for _, in := range []struct {
				intent string
				text   string
				want   epWant
			}{{"declared", full, row.declared}, {"removed", removed, row.removed}} {
				t.Run(c.name+"/"+row.state+"/"+in.intent, func(t *testing.T) {
					w := &mxWorld{t: t, ctx: context.Background(), srv: sandboxtest.Start(t)}
					w.apply(full)
					id := w.taggedIn(full, c.name)
					w.force("endpoint", id, row.state)
					r := w.drift(in.text)
					var got []drift.Kind
					for _, it := range r.Items {
						if (it.ID == id || it.Resource == "consumer."+c.name) && !slices.Contains(got, it.Kind) {
							got = append(got, it.Kind)
						}
					}
					sortKinds(got)
					if !slices.Equal(got, in.want.kinds) || r.ExitCode() != in.want.exit || len(r.Errors) > 0 {
						var buf bytes.Buffer
						_ = drift.Text(&buf, r)
						t.Errorf("kinds %v exit %d, want %v exit %d\n%s", got, r.ExitCode(), in.want.kinds, in.want.exit, buf.String())
					}
					if in.intent == "declared" && row.state == "deleted" && !strings.Contains(textOf(r), "connecting to arn:aws:vpc-lattice:") {
						t.Errorf("the missing endpoint's item does not say what it connects to:\n%s", textOf(r))
					}
				})
			}
		}
	}
}

// taggedIn is tagged for a manifest other than the default rows'.
func (w *mxWorld) taggedIn(text, name string) string {
	w.t.Helper()
	for _, ep := range w.read(w.parse(text)).Endpoints {
		if ep.Tags[live.TagName] == name {
			return ep.ID
		}
	}
	w.t.Fatalf("no endpoint tagged %s", name)
	return ""
}

func textOf(r *drift.Report) string {
	var buf bytes.Buffer
	_ = drift.Text(&buf, r)
	return buf.String()
}
