package plan_test

import (
	"reflect"
	"testing"

	"github.com/plinkdev/plink/plan"
)

// DiffAll is Diff with the attributes AWS assigns and the state: a report
// of differences shows them, a change does not make them.
func TestDiffAll(t *testing.T) {
	before := &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-1", State: "available", SubnetIDs: []string{"subnet-1"}}
	after := &plan.Values{ServiceName: "com.amazonaws.vpce.us-east-1.vpce-svc-2", SubnetIDs: []string{"subnet-1", "subnet-2"}}
	names := func(ds []plan.AttrDiff) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	if got, want := names(plan.Diff(plan.KindService, before, after)), []string{"subnetIds"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Diff = %v, want %v", got, want)
	}
	all := plan.DiffAll(before, after)
	if got, want := names(all), []string{"serviceName", "subnetIds", "state"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DiffAll = %v, want %v", got, want)
	}
	if d := all[2]; d.Before != "available" || d.After != nil {
		t.Errorf("state diff = %+v, want available → nil", d)
	}
}
