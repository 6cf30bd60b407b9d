package manifest

import (
	"strings"
	"testing"
)

// TestAliasTypeErrorAtTheAlias: a value written as an alias that is not
// what its field wants is reported where the alias is, naming the anchor's
// position; the anchor itself (a right value where it is) is not blamed.
func TestAliasTypeErrorAtTheAlias(t *testing.T) {
	doc := `version: 1
project: p
defaults: { region: us-east-1 }
accounts:
  a: { id: "111111111111" }
consumers:
  - name: c
    account: a
    vpcId: vpc-0123456789abcdef0
    tags: &t { team: x }
    subnetIds: *t
    securityGroupIds: [sg-0123456789abcdef0]
    serviceName: com.amazonaws.us-east-1.s3
  - name: d
    account: a
    vpcId: vpc-0123456789abcdef0
    subnetIds: [subnet-0123456789abcdef0]
    securityGroupIds: [sg-0123456789abcdef0]
    serviceName: com.amazonaws.us-east-1.s3
    tags: { v: *t }
`
	_, err := Parse("x.yaml", []byte(doc))
	want := []string{
		"x.yaml:11:16: error: `subnetIds` must be a list, got a mapping (alias *t of the value anchored at line 10, column 11)",
	}
	got := ""
	if err != nil {
		got = err.Error()
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("errors lack\n%s\ngot\n%s", w, got)
		}
	}
	if strings.Contains(got, "x.yaml:10:11:") {
		t.Errorf("the anchor is blamed:\n%s", got)
	}
	if !strings.Contains(got, "x.yaml:20:16: error: `tags.v` must be a string, got a mapping (alias *t of the value anchored at line 10, column 11)") {
		t.Errorf("a map value written as an alias is not reported at the alias:\n%s", got)
	}
}

// TestMergeKeyAloneIsReported: a refused merge key (<<) is one error: the
// fields it would have brought are not reported missing, nor checked
// again by the loader; a field it does not bring still is.
func TestMergeKeyAloneIsReported(t *testing.T) {
	doc := `version: 1
project: p
defaults: { region: us-east-1 }
accounts:
  a: { id: "111111111111" }
consumers:
  - &e
    name: c
    account: a
    vpcId: vpc-0123456789abcdef0
    subnetIds: [subnet-0123456789abcdef0]
    securityGroupIds: [sg-0123456789abcdef0]
    serviceName: com.amazonaws.us-east-1.s3
  - <<: *e
    name: d
  - <<: { account: a }
    name: f
    serviceName: com.amazonaws.us-east-1.s3
`
	_, err := Parse("x.yaml", []byte(doc))
	want := "x.yaml:14:5: error: YAML merge keys (<<) are not supported\n" +
		"x.yaml:16:5: error: YAML merge keys (<<) are not supported\n" +
		"x.yaml:16:5: error: missing required field `subnetIds` in consumer `f`\n" +
		"x.yaml:16:5: error: missing required field `vpcId` in consumer `f`"
	if err == nil || err.Error() != want {
		t.Errorf("errors\n%v\nwant\n%s", err, want)
	}
}
