package manifest

import (
	"reflect"
	"strings"
	"testing"
)

const policyHeader = `version: 1
project: policies
defaults: { region: us-east-1 }
accounts:
  shared: { id: "111111111111" }
consumers:
  - name: c
    account: shared
    vpcId: vpc-0123456789abcdef0
    subnetIds: [subnet-0123456789abcdef0]
    serviceName: com.amazonaws.us-east-1.s3
`

// TestPolicyStringDecodesLikeMapping: a policy written as a JSON string
// (quoted, or a block scalar, as pasted from Terraform's jsonencode) is the
// same value as the mapping form, numbers and nesting included.
func TestPolicyStringDecodesLikeMapping(t *testing.T) {
	mapping := policyHeader + `    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: ["s3:GetObject", "s3:ListBucket"]
          Resource: "*"
          Condition: { NumericLessThan: { "s3:max-keys": 10 }, Bool: { "aws:SecureTransport": true } }
`
	want := load(t, mapping)
	for name, form := range map[string]string{
		"quoted":        `    policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}]}'` + "\n",
		"double-quoted": `    policy: "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":10},\"Bool\":{\"aws:SecureTransport\":true}}}]}"` + "\n",
		"block": `    policy: |
      {
        "Version": "2012-10-17",
        "Statement": [{
          "Effect": "Allow", "Principal": "*",
          "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*",
          "Condition": {"NumericLessThan": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": true}}
        }]
      }
`,
	} {
		t.Run(name, func(t *testing.T) {
			got := load(t, policyHeader+form)
			if !reflect.DeepEqual(got.Consumers[0].Policy, want.Consumers[0].Policy) {
				t.Errorf("policy = %#v\nwant %#v", got.Consumers[0].Policy, want.Consumers[0].Policy)
			}
		})
	}
}

// TestPolicyStringNotAString: a policy that is neither a mapping nor a
// string says both are valid.
func TestPolicyStringNotAString(t *testing.T) {
	_, err := Parse("p.yaml", []byte(policyHeader+"    policy: 42\n"))
	if err == nil || !strings.Contains(err.Error(), "p.yaml:12:13: error: `policy` must be a mapping, or a string holding a JSON object") {
		t.Fatalf("err = %v", err)
	}
}

func load(t *testing.T, text string) *Manifest {
	t.Helper()
	m, err := Parse("p.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return m
}
