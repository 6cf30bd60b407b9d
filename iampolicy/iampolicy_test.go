package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/plinkdev/plink/manifest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./iampolicy -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (rerun with -update if intended)\n--- got ---\n%s", name, got)
	}
}

func loadTestManifest(t *testing.T) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load("testdata/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGoldens(t *testing.T) {
	m := loadTestManifest(t)
	for _, mode := range Modes {
		for _, withManifest := range []bool{true, false} {
			var mm *manifest.Manifest
			name := string(mode) + "-any.json"
			if withManifest {
				mm = m
				name = string(mode) + ".json"
			}
			docs, err := For(mode, mm)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := JSON(&buf, docs); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		}
	}
	op, err := MarshalDocument(*Operator(m))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "operator.json", op)
}

func TestReadersNeverWrite(t *testing.T) {
	m := loadTestManifest(t)
	for _, mode := range []Mode{Plan, Drift, Export} {
		docs, _ := For(mode, m)
		for alias, d := range docs {
			for _, a := range d.Actions() {
				verb := a[strings.IndexByte(a, ':')+1:]
				if !strings.HasPrefix(verb, "Describe") && !strings.HasPrefix(verb, "Get") {
					t.Errorf("%s policy for %s allows %s", mode, alias, a)
				}
			}
		}
	}
}

func TestApplyScoping(t *testing.T) {
	m := loadTestManifest(t)
	docs, err := For(Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	for alias, d := range docs {
		id := m.Accounts[alias].ID
		for _, s := range d.Statement {
			for _, r := range s.Resource {
				if r != "*" && !strings.Contains(r, ":"+id+":") {
					t.Errorf("%s/%s: resource %s outside the account", alias, s.Sid, r)
				}
				if r == "*" && !slices.Contains([]string{"PlinkIdentity", "PlinkRead", "PlinkManageConnectionNotifications", "PlinkMultiRegion", "PlinkLeaseRead"}, s.Sid) {
					t.Errorf("%s/%s: Resource * on a write", alias, s.Sid)
				}
			}
			if strings.HasPrefix(s.Sid, "PlinkCreate") && s.Condition["StringEquals"]["aws:RequestTag/plink:project"][0] != "payments-privatelink" {
				t.Errorf("%s/%s: create without the project request tag", alias, s.Sid)
			}
			if strings.HasPrefix(s.Sid, "PlinkManageOwn") && s.Condition["StringEquals"]["aws:ResourceTag/plink:project"][0] != "payments-privatelink" {
				t.Errorf("%s/%s: modify without the project resource tag", alias, s.Sid)
			}
		}
	}
	// The lease: in the first provider's account and region only, on the
	// project's placement group only, tagged with the project.
	for alias, d := range docs {
		var sids []string
		for _, s := range d.Statement {
			if !strings.HasPrefix(s.Sid, "PlinkLease") {
				continue
			}
			sids = append(sids, s.Sid)
			if s.Sid != "PlinkLeaseRead" && (len(s.Resource) != 1 || s.Resource[0] != "arn:aws:ec2:us-east-1:111111111111:placement-group/plink-lease-payments-privatelink") {
				t.Errorf("%s/%s: resources %v", alias, s.Sid, s.Resource)
			}
			want := map[string]string{"PlinkLeaseCreate": "aws:RequestTag/plink:project", "PlinkLeaseManage": "aws:ResourceTag/plink:project"}[s.Sid]
			if want != "" && !slices.Equal(s.Condition["StringEquals"][want], []string{"payments-privatelink"}) {
				t.Errorf("%s/%s: condition %v, want %s", alias, s.Sid, s.Condition, want)
			}
		}
		if alias == "payments" && len(sids) != 4 || alias != "payments" && len(sids) != 0 {
			t.Errorf("%s: lease statements %v; only payments (the first provider's account) holds the lease", alias, sids)
		}
	}
	// checkout only consumes: no service creation, but its subnets by ARN.
	co := docs["checkout"]
	for _, s := range co.Statement {
		if s.Sid == "PlinkCreateEndpointServices" {
			t.Error("checkout may create endpoint services")
		}
		if s.Sid == "PlinkUseEndpointNetwork" && !slices.Contains(s.Resource, "arn:aws:ec2:us-west-2:222222222222:subnet/subnet-0220000000000000a") {
			t.Errorf("network statement lacks the us-west-2 subnet: %v", s.Resource)
		}
	}
	// Adopted ids by ARN.
	found := false
	for _, s := range docs["analytics"].Statement {
		if s.Sid == "PlinkAdoptResources" {
			found = slices.Contains(s.Resource, "arn:aws:ec2:us-east-1:333333333333:vpc-endpoint-service/vpce-svc-0123456789abcdef0") && slices.Contains(s.Action, "ec2:CreateTags")
		}
	}
	if !found {
		t.Error("analytics has no statement for its adopted service")
	}
}

func TestErrors(t *testing.T) {
	if _, err := For("nuke", nil); err == nil || err.Error() != `unknown mode "nuke": valid modes are plan, apply, drift, export, connections and status` {
		t.Errorf("error %v", err)
	}
	if _, err := ParseMode("Plan"); err == nil {
		t.Error("ParseMode accepted a capitalized mode")
	}
	if _, err := For(Plan, &manifest.Manifest{Project: "p"}); err == nil || !strings.Contains(err.Error(), "no accounts") {
		t.Errorf("error %v", err)
	}
	if Operator(nil) != nil || Operator(&manifest.Manifest{Accounts: map[string]*manifest.Account{"a": {ID: "111111111111", Profile: "x"}}}) != nil {
		t.Error("operator policy without roles")
	}
	if err := JSON(failWriter{}, map[string]Document{}); err == nil {
		t.Error("JSON: no error from a failing writer")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestDocumentsAreValidJSONPolicies(t *testing.T) {
	docs, _ := For(Apply, loadTestManifest(t))
	for alias, d := range docs {
		data, err := MarshalDocument(d)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if back["Version"] != "2012-10-17" {
			t.Errorf("%s: Version %v", alias, back["Version"])
		}
		sids := map[string]bool{}
		for _, s := range d.Statement {
			if sids[s.Sid] {
				t.Errorf("%s: duplicate Sid %s", alias, s.Sid)
			}
			sids[s.Sid] = true
			if len(s.Action) == 0 || len(s.Resource) == 0 {
				t.Errorf("%s/%s: empty Action or Resource", alias, s.Sid)
			}
		}
	}
}

// Cross-region PrivateLink needs the permission-only vpce:AllowMultiRegion
// in the provider's account (supportedRegions) and the consumer's.
func TestApplyAllowsMultiRegionWhereNeeded(t *testing.T) {
	m := loadTestManifest(t)
	docs, err := For(Apply, m)
	if err != nil {
		t.Fatal(err)
	}
	multi := map[string]bool{}
	for _, p := range m.Providers {
		if len(p.SupportedRegions) > 0 {
			multi[p.Account] = true
		}
	}
	for _, c := range m.Consumers {
		for _, p := range m.Providers {
			if p.Name == c.Provider && p.Region != c.Region {
				multi[c.Account] = true
			}
		}
	}
	if len(multi) == 0 {
		t.Fatal("the test manifest has no cross-region use")
	}
	for alias, d := range docs {
		if got := d.Allows("vpce:AllowMultiRegion"); got != multi[alias] {
			t.Errorf("%s: allows vpce:AllowMultiRegion = %v, want %v", alias, got, multi[alias])
		}
	}
	plan, _ := For(Plan, m)
	for alias, d := range plan {
		if d.Allows("vpce:AllowMultiRegion") {
			t.Errorf("%s: the plan (read-only) policy allows vpce:AllowMultiRegion", alias)
		}
	}
}
