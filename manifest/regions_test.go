package manifest

import (
	"slices"
	"testing"
)

func TestDefaultsRegionsMergeAcrossFiles(t *testing.T) {
	m, err := ParseFiles(map[string][]byte{
		"a.yaml": []byte("version: 1\nproject: p\ndefaults:\n  region: us-east-1\n  regions: [us-west-2, eu-west-1]\naccounts: { x: { id: \"111111111111\" } }\n"),
		"b.yaml": []byte("version: 1\nproject: p\ndefaults:\n  regions: [eu-west-1, ap-south-1]\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"us-west-2", "eu-west-1", "ap-south-1"}; !slices.Equal(m.Defaults.Regions, want) {
		t.Fatalf("Regions = %v, want %v", m.Defaults.Regions, want)
	}
}

func TestDefaultsRegionsErrors(t *testing.T) {
	_, err := Parse("r.yaml", []byte("version: 1\nproject: p\ndefaults:\n  regions: [us-west-2, mars-1, us-west-2]\naccounts: { x: { id: \"111111111111\" } }\n"))
	got := diagLines(t, err)
	want := []string{
		"r.yaml:4:24: error: invalid region `mars-1`; expected a region name like us-west-2",
		"r.yaml:4:32: error: `us-west-2` is listed twice in `defaults.regions`; first at line 4, column 13",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%v\nwant\n%v", got, want)
	}
}
