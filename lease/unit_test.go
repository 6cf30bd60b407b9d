package lease

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestRunIDIsATagValue(t *testing.T) {
	id := RunID()
	if !regexp.MustCompile(`^[A-Za-z0-9 +\-=._:/@]{1,256}$`).MatchString(id) || !strings.Contains(id, ":") {
		t.Errorf("RunID %q is not a valid EC2 tag value of the form user@host:pid/random", id)
	}
	if RunID() == id {
		t.Error("two RunIDs are equal")
	}
	if got := tagSafe("ä b!c" + strings.Repeat("x", 300)); len(got) != 256 || !strings.HasPrefix(got, "_ b_c") {
		t.Errorf("tagSafe: %q", got[:10])
	}
}

func TestName(t *testing.T) {
	if got := Name("payments-privatelink"); got != "plink-lease-payments-privatelink" {
		t.Errorf("Name: %s", got)
	}
}

// A shard's lease is named for the project and its sorted, deduplicated
// selection; a name longer than AWS's 255 characters keeps its start and
// ends in a hash, so different selections keep different names; no shard
// lease's name is a project lease's name.
func TestShardName(t *testing.T) {
	for _, tc := range []struct {
		accounts, regions []string
		want              string
	}{
		{[]string{"search", "payments"}, nil, "plink-lease-demo.shard.payments+search"},
		{[]string{"payments", "payments"}, []string{"us-west-2", "us-east-1"}, "plink-lease-demo.shard.payments@us-east-1+us-west-2"},
		{nil, []string{"us-west-2"}, "plink-lease-demo.shard.@us-west-2"},
	} {
		if got := ShardName("demo", tc.accounts, tc.regions); got != tc.want {
			t.Errorf("ShardName(%v, %v) = %s, want %s", tc.accounts, tc.regions, got, tc.want)
		}
		if got := (Scope{Project: "demo", Accounts: tc.accounts, Regions: tc.regions}).Name(); got != tc.want {
			t.Errorf("Scope.Name = %s, want %s", got, tc.want)
		}
	}
	if got := (Scope{Project: "demo"}).Name(); got != "plink-lease-demo" {
		t.Errorf("the project's scope is named %s", got)
	}
	many := func(last string) []string {
		var out []string
		for i := range 40 {
			out = append(out, fmt.Sprintf("account-%02d-with-a-long-alias", i))
		}
		return append(out, last)
	}
	a := ShardName(strings.Repeat("p", 63), many("x"), []string{"us-east-1"})
	b := ShardName(strings.Repeat("p", 63), many("y"), []string{"us-east-1"})
	if len(a) != 255 || len(b) != 255 || a == b || !strings.HasPrefix(a, "plink-lease-"+strings.Repeat("p", 63)+".shard.account-00-") ||
		!regexp.MustCompile(`~[0-9a-f]{16}$`).MatchString(a) {
		t.Errorf("long names:\n%s (%d)\n%s (%d)", a, len(a), b, len(b))
	}
	if strings.Contains(ShardPrefix("demo"), "-demo-") || !strings.HasPrefix(ShardPrefix("demo"), Name("demo")+".") {
		t.Errorf("ShardPrefix %s", ShardPrefix("demo"))
	}
}

// Overlap: the whole project overlaps everything; shards overlap when
// their accounts and their regions meet (none named: all).
func TestOverlap(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"", "payments", true},
		{"checkout", "", true},
		{"checkout", "payments", false},
		{"checkout+payments", "payments+search", true},
		{"payments@us-east-1", "payments@us-west-2", false},
		{"payments@us-east-1", "payments", true},
		{"payments@us-east-1+us-west-2", "@us-west-2", true},
		{"checkout@us-east-1", "@us-west-2", false},
		{"@us-east-1", "@us-east-1", true},
	} {
		if got := Overlap(tc.a, tc.b); got != tc.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := Overlap(tc.b, tc.a); got != tc.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
}
