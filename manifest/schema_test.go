package manifest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/schemas"
)

const schemaURL = "https://raw.githubusercontent.com/plinkdev/plink/main/schemas/manifest.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.ManifestSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlToJSON converts a manifest file to the JSON value an editor's schema
// validator sees.
func yamlToJSON(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func fixtureFiles(t testing.TB, pattern string) []string {
	t.Helper()
	var files []string
	matches, _ := filepath.Glob(filepath.Join(fixtures, pattern))
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.IsDir() {
			inner, _ := filepath.Glob(filepath.Join(m, "*.y*ml"))
			files = append(files, inner...)
		} else {
			files = append(files, m)
		}
	}
	return files
}

func TestValidFixturesPassSchema(t *testing.T) {
	s := compileSchema(t)
	files := append(fixtureFiles(t, "valid-*"), fixtureFiles(t, "lint-*")...)
	if len(files) < 8 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		if err := s.Validate(yamlToJSON(t, f)); err != nil {
			t.Errorf("%s does not pass the schema:\n%v", f, err)
		}
	}
}

// Invalid fixtures whose problems the schema can see must fail it too.
func TestInvalidFixturesFailSchema(t *testing.T) {
	s := compileSchema(t)
	for _, name := range []string{
		"invalid-unknown-field.yaml", "invalid-types.yaml", "invalid-required.yaml", "invalid-ids.yaml",
		"invalid-conflicts.yaml", "invalid-policy.yaml", "invalid-version.yaml", "invalid-version-missing.yaml",
		"invalid-lattice.yaml",
	} {
		if err := s.Validate(yamlToJSON(t, filepath.Join(fixtures, name))); err == nil {
			t.Errorf("%s passes the schema; want it rejected", name)
		}
	}
}

type schemaNode = map[string]any

func deref(root, n schemaNode) schemaNode {
	for {
		ref, ok := n["$ref"].(string)
		if !ok {
			return n
		}
		n = root["$defs"].(schemaNode)[strings.TrimPrefix(ref, "#/$defs/")].(schemaNode)
	}
}

func loadSchemaJSON(t *testing.T) schemaNode {
	t.Helper()
	var root schemaNode
	if err := json.Unmarshal(schemas.ManifestSchema, &root); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestSchemaMatchesGoTypes checks that every field of the Go types is in the
// schema and every schema property is a field, recursively.
func TestSchemaMatchesGoTypes(t *testing.T) {
	root := loadSchemaJSON(t)
	var walk func(path string, typ reflect.Type, n schemaNode)
	walk = func(path string, typ reflect.Type, n schemaNode) {
		n = deref(root, n)
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		switch typ.Kind() {
		case reflect.Struct:
			props, _ := n["properties"].(schemaNode)
			if n["additionalProperties"] != false {
				t.Errorf("%s: schema object lacks additionalProperties: false", path)
			}
			fi := fieldsOf(typ)
			var goNames, schemaNames []string
			goNames = append(goNames, fi.names...)
			for k := range props {
				schemaNames = append(schemaNames, k)
			}
			sort.Strings(goNames)
			sort.Strings(schemaNames)
			if !slices.Equal(goNames, schemaNames) {
				t.Errorf("%s: Go fields %v, schema properties %v", path, goNames, schemaNames)
			}
			{
				req := requiredFields[typ]
				var sreq []string
				for _, r := range asList(n["required"]) {
					sreq = append(sreq, r.(string))
				}
				want := slices.Clone(req)
				sort.Strings(want)
				sort.Strings(sreq)
				if !slices.Equal(want, sreq) {
					t.Errorf("%s: required in Go %v, in schema %v", path, want, sreq)
				}
			}
			for _, name := range fi.names {
				p, ok := props[name].(schemaNode)
				if !ok {
					continue
				}
				if d, _ := p["description"].(string); d == "" {
					t.Errorf("%s.%s has no description", path, name)
				}
				walk(path+"."+name, typ.Field(fi.index[name]).Type, p)
			}
		case reflect.Slice:
			if n["type"] != "array" {
				t.Errorf("%s: Go slice, schema type %v", path, n["type"])
				return
			}
			walk(path+"[]", typ.Elem(), n["items"].(schemaNode))
		case reflect.Map:
			if typ.Elem().Kind() == reflect.Interface {
				return // free-form policy document, checked by its own $def
			}
			if n["type"] != "object" {
				t.Errorf("%s: Go map, schema type %v", path, n["type"])
				return
			}
			walk(path+"{}", typ.Elem(), n["additionalProperties"].(schemaNode))
		case reflect.String:
			if n["type"] != "string" && n["enum"] == nil {
				t.Errorf("%s: Go string, schema %v", path, n)
			}
		case reflect.Bool:
			if n["type"] != "boolean" {
				t.Errorf("%s: Go bool, schema %v", path, n)
			}
		case reflect.Int:
			if n["type"] != "integer" && n["const"] == nil {
				t.Errorf("%s: Go int, schema %v", path, n)
			}
		}
	}
	walk("manifest", reflect.TypeFor[Manifest](), root)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestSchemaPatternsMatchValidator keeps the schema's patterns and enums the
// very ones the Go validator uses.
func TestSchemaPatternsMatchValidator(t *testing.T) {
	root := loadSchemaJSON(t)
	defs := root["$defs"].(schemaNode)
	for name, pat := range map[string]string{
		"project": patProject, "name": patName, "alias": patAlias, "accountId": patAccountID,
		"region": patRegion, "roleArn": patRoleARN, "principalArn": patPrincipalARN,
		"nlbArn": patNLBARN, "gwlbArn": patGWLBARN, "topicArn": patTopicARN,
		"vpcId": patVPCID, "subnetId": patSubnetID, "securityGroupId": patSecurityGroup,
		"serviceId": patServiceID, "endpointId": patEndpointID, "serviceName": patServiceName,
		"dnsName": patDNSName, "externalId": patExternalID, "routeTableId": patRouteTableID,
		"resourceConfigurationArn": patResourceConfigurationARN, "serviceNetworkArn": patServiceNetworkARN,
	} {
		d, ok := defs[name].(schemaNode)
		if !ok {
			t.Errorf("schema has no $defs.%s", name)
			continue
		}
		if d["pattern"] != pat {
			t.Errorf("$defs.%s.pattern = %v, validator uses %s", name, d["pattern"], pat)
		}
		if desc, _ := d["description"].(string); desc == "" {
			t.Errorf("$defs.%s has no description", name)
		}
	}
	enum := func(n schemaNode) []string {
		var out []string
		for _, v := range asList(n["enum"]) {
			out = append(out, v.(string))
		}
		return out
	}
	prop := func(def string, path ...string) schemaNode {
		n := defs[def].(schemaNode)
		for _, p := range path {
			n = deref(root, n)
			if p == "[]" {
				n = n["items"].(schemaNode)
			} else {
				n = n["properties"].(schemaNode)[p].(schemaNode)
			}
		}
		return n
	}
	for _, tc := range []struct {
		got, want []string
		what      string
	}{
		{enum(prop("notification", "events", "[]")), notificationEvents, "events"},
		{enum(prop("provider", "supportedIpAddressTypes", "[]")), serviceIPTypes, "supportedIpAddressTypes"},
		{enum(prop("consumer", "ipAddressType")), endpointIPTypes, "ipAddressType"},
		{enum(prop("consumer", "type")), consumerTypes, "consumer type"},
		{enum(prop("dnsOptions", "dnsRecordIpType")), dnsRecordIPTypes, "dnsRecordIpType"},
		{enum(prop("dnsOptions", "privateDnsPreference")), privateDNSPreferences, "privateDnsPreference"},
		{enum(prop("policy", "Version")), policyVersions, "policy Version"},
		{enum(prop("policyStatement", "Effect")), policyEffects, "policy Effect"},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: schema enum %v, validator %v", tc.what, tc.got, tc.want)
		}
	}
}
