package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

const protectDoc = `version: 1
project: p
defaults: {region: us-east-1}
accounts: {a: {id: "111111111111"}}
providers:
  - name: api
    account: a
    networkLoadBalancerArns: [arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/api/50dc6c495c0c9188]
    protect: %s
consumers:
  - name: c
    account: a
    vpcId: vpc-01234567
    subnetIds: [subnet-01234567]
    provider: api
    protect: %s
`

func protectManifest(p, c string) []byte {
	return []byte(fmt.Sprintf(protectDoc, p, c))
}

// protect is a boolean on providers and consumers, in the loader and in the
// schema alike.
func TestProtect(t *testing.T) {
	m, err := Parse("x.yaml", protectManifest("true", "false"))
	if err != nil {
		t.Fatal(err)
	}
	if !m.Providers[0].Protect || m.Consumers[0].Protect {
		t.Errorf("protect = %v, %v; want true, false", m.Providers[0].Protect, m.Consumers[0].Protect)
	}
	_, err = Parse("x.yaml", protectManifest(`"yes"`, "1"))
	want := "x.yaml:9:14: error: `protect` must be a boolean, got string \"yes\"\n" +
		"x.yaml:16:14: error: `protect` must be a boolean, got integer 1"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}

	schema := compileSchema(t)
	for _, tc := range []struct {
		p, c  string
		valid bool
	}{{"true", "true", true}, {`"yes"`, "false", false}, {"false", "1", false}} {
		var v any
		if err := yaml.Unmarshal(protectManifest(tc.p, tc.c), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(doc); (err == nil) != tc.valid {
			t.Errorf("schema on protect %s/%s: %v, want valid=%v", tc.p, tc.c, err, tc.valid)
		}
	}
}
