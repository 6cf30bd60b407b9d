package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/plinkdev/plink/sandbox"
)

func pgTags(kv ...string) []types.TagSpecification {
	var tags []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{{ResourceType: types.ResourceTypePlacementGroup, Tags: tags}}
}

func tagValue(tags []types.Tag, key string) (string, bool) {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value), true
		}
	}
	return "", false
}

// TestPlacementGroups: create with tags, names unique per account and
// region, describe by name, id and filters, tags through CreateTags and
// DeleteTags (a value given must match), DescribeTags, delete.
func TestPlacementGroups(t *testing.T) {
	srv := start(t)
	pay := srv.Clients(t, "payments").EC2
	out, err := pay.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{
		GroupName: aws.String("plink-lease-demo"), Strategy: types.PlacementStrategySpread,
		TagSpecifications: pgTags("plink:project", "demo", "plink:lease-holder", "a"),
	})
	if err != nil {
		t.Fatal(err)
	}
	pg := out.PlacementGroup
	id := aws.ToString(pg.GroupId)
	if !strings.HasPrefix(id, "pg-") || pg.State != types.PlacementGroupStateAvailable || pg.Strategy != types.PlacementStrategySpread {
		t.Fatalf("created %+v", pg)
	}
	if got := aws.ToString(pg.GroupArn); got != "arn:aws:ec2:us-east-1:111111111111:placement-group/plink-lease-demo" {
		t.Errorf("arn %s", got)
	}
	if v, _ := tagValue(pg.Tags, "plink:lease-holder"); v != "a" {
		t.Errorf("tags on create: %v", pg.Tags)
	}

	// The name is taken in this account and region only.
	_, err = pay.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("plink-lease-demo"), Strategy: types.PlacementStrategySpread})
	if c := code(t, err); c != "InvalidPlacementGroup.Duplicate" {
		t.Errorf("duplicate: %s (%v)", c, err)
	}
	for _, other := range []*ec2.Client{srv.Clients(t, "checkout").EC2, srv.Clients(t, "payments", "us-west-2").EC2} {
		if _, err := other.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("plink-lease-demo"), Strategy: types.PlacementStrategySpread}); err != nil {
			t.Errorf("same name elsewhere: %v", err)
		}
	}
	_, err = srv.Clients(t, "checkout").EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	if c := code(t, err); c != "InvalidPlacementGroupId.NotFound" {
		t.Errorf("tagging another account's group: %s", c)
	}

	// Describe by name, id, filters.
	desc := func(in *ec2.DescribePlacementGroupsInput) []types.PlacementGroup {
		t.Helper()
		o, err := pay.DescribePlacementGroups(ctx, in)
		if err != nil {
			t.Fatalf("describe: %v", err)
		}
		return o.PlacementGroups
	}
	if got := desc(&ec2.DescribePlacementGroupsInput{GroupNames: []string{"plink-lease-demo"}}); len(got) != 1 || aws.ToString(got[0].GroupId) != id {
		t.Errorf("by name: %+v", got)
	}
	if got := desc(&ec2.DescribePlacementGroupsInput{GroupIds: []string{id}}); len(got) != 1 {
		t.Errorf("by id: %+v", got)
	}
	if got := desc(&ec2.DescribePlacementGroupsInput{Filters: []types.Filter{{Name: aws.String("tag:plink:project"), Values: []string{"demo"}}}}); len(got) != 1 {
		t.Errorf("by tag: %+v", got)
	}
	if got := desc(&ec2.DescribePlacementGroupsInput{Filters: []types.Filter{{Name: aws.String("group-name"), Values: []string{"plink-lease-*"}}, {Name: aws.String("strategy"), Values: []string{"cluster"}}}}); len(got) != 0 {
		t.Errorf("strategy filter: %+v", got)
	}
	for _, tc := range []struct {
		in   *ec2.DescribePlacementGroupsInput
		code string
	}{
		{&ec2.DescribePlacementGroupsInput{GroupNames: []string{"nope"}}, "InvalidPlacementGroup.Unknown"},
		{&ec2.DescribePlacementGroupsInput{GroupIds: []string{"pg-00000000000000000"}}, "InvalidPlacementGroupId.NotFound"},
		{&ec2.DescribePlacementGroupsInput{GroupIds: []string{"sg-1"}}, "InvalidPlacementGroupId.Malformed"},
		{&ec2.DescribePlacementGroupsInput{Filters: []types.Filter{{Name: aws.String("vpc-id"), Values: []string{"x"}}}}, "InvalidParameterValue"},
	} {
		_, err := pay.DescribePlacementGroups(ctx, tc.in)
		if c := code(t, err); c != tc.code {
			t.Errorf("%+v: %s, want %s (%v)", tc.in, c, tc.code, err)
		}
	}

	// Tags: overwrite, then a conditional delete that does not match is a
	// no-op and one that matches removes the tag.
	tagOf := func(key string) (string, bool) {
		t.Helper()
		return tagValue(desc(&ec2.DescribePlacementGroupsInput{GroupIds: []string{id}})[0].Tags, key)
	}
	if _, err := pay.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("plink:lease-holder"), Value: aws.String("b")}}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := tagOf("plink:lease-holder"); v != "b" {
		t.Errorf("holder after CreateTags: %q", v)
	}
	if _, err := pay.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("plink:lease-holder"), Value: aws.String("a")}}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := tagOf("plink:lease-holder"); v != "b" {
		t.Errorf("a delete with another value removed the tag: %q", v)
	}
	if _, err := pay.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("plink:lease-holder"), Value: aws.String("b")}}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := tagOf("plink:lease-holder"); ok {
		t.Error("a delete with the matching value kept the tag")
	}
	tags, err := pay.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{{Name: aws.String("resource-type"), Values: []string{"placement-group"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].ResourceId) != id || aws.ToString(tags.Tags[0].Key) != "plink:project" {
		t.Errorf("DescribeTags: %+v", tags.Tags)
	}

	// Delete by name; then it is unknown.
	if _, err := pay.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-demo")}); err != nil {
		t.Fatal(err)
	}
	_, err = pay.DeletePlacementGroup(ctx, &ec2.DeletePlacementGroupInput{GroupName: aws.String("plink-lease-demo")})
	if c := code(t, err); c != "InvalidPlacementGroup.Unknown" {
		t.Errorf("second delete: %s", c)
	}
	_, err = pay.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	if c := code(t, err); c != "InvalidPlacementGroupId.NotFound" {
		t.Errorf("tagging a deleted group: %s", c)
	}
	if got := desc(&ec2.DescribePlacementGroupsInput{}); len(got) != 0 {
		t.Errorf("after delete: %+v", got)
	}
}

func TestPlacementGroupValidation(t *testing.T) {
	srv := start(t)
	pay := srv.Clients(t, "payments").EC2
	for _, tc := range []struct {
		name string
		in   *ec2.CreatePlacementGroupInput
		code string
	}{
		{"no name", &ec2.CreatePlacementGroupInput{Strategy: types.PlacementStrategySpread}, "MissingParameter"},
		{"no strategy", &ec2.CreatePlacementGroupInput{GroupName: aws.String("g")}, "MissingParameter"},
		{"bad strategy", &ec2.CreatePlacementGroupInput{GroupName: aws.String("g"), Strategy: "ring"}, "InvalidParameterValue"},
		{"long name", &ec2.CreatePlacementGroupInput{GroupName: aws.String(strings.Repeat("a", 256)), Strategy: types.PlacementStrategySpread}, "InvalidParameter"},
		{"partitions without partition", &ec2.CreatePlacementGroupInput{GroupName: aws.String("g"), Strategy: types.PlacementStrategySpread, PartitionCount: aws.Int32(2)}, "InvalidParameter"},
		{"too many partitions", &ec2.CreatePlacementGroupInput{GroupName: aws.String("g"), Strategy: types.PlacementStrategyPartition, PartitionCount: aws.Int32(8)}, "InvalidParameter"},
		{"wrong tag type", &ec2.CreatePlacementGroupInput{GroupName: aws.String("g"), Strategy: types.PlacementStrategySpread,
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}}}, "InvalidParameter"},
	} {
		_, err := pay.CreatePlacementGroup(ctx, tc.in)
		if c := code(t, err); c != tc.code {
			t.Errorf("%s: %s, want %s (%v)", tc.name, c, tc.code, err)
		}
	}
	out, err := pay.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("parts"), Strategy: types.PlacementStrategyPartition})
	if err != nil || aws.ToInt32(out.PlacementGroup.PartitionCount) != 2 {
		t.Errorf("partition group: %v %+v", err, out)
	}
}

// TestPlacementGroupsPersistAndConsistency: groups survive a restart
// through the state file, a hand-broken entry is refused, and a new group
// is hidden from Describe for ConsistencyDelay while its name is taken at
// once.
func TestPlacementGroupsPersistAndConsistency(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "state.json")
	opts := sandbox.Options{Clock: clk.Now, StatePath: path, ConsistencyDelay: 2 * time.Second}
	srv := start(t, opts)
	pay := srv.Clients(t, "payments").EC2
	if _, err := pay.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("g"), Strategy: types.PlacementStrategySpread, TagSpecifications: pgTags("k", "v")}); err != nil {
		t.Fatal(err)
	}
	o, err := pay.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{})
	if err != nil || len(o.PlacementGroups) != 0 {
		t.Errorf("visible before ConsistencyDelay: %v %+v", err, o)
	}
	_, err = pay.CreatePlacementGroup(ctx, &ec2.CreatePlacementGroupInput{GroupName: aws.String("g"), Strategy: types.PlacementStrategySpread})
	if c := code(t, err); c != "InvalidPlacementGroup.Duplicate" {
		t.Errorf("name not taken while invisible: %s", c)
	}
	clk.Advance(3 * time.Second)

	again := start(t, opts)
	o, err = again.Clients(t, "payments").EC2.DescribePlacementGroups(ctx, &ec2.DescribePlacementGroupsInput{GroupNames: []string{"g"}})
	if err != nil || len(o.PlacementGroups) != 1 {
		t.Fatalf("after restart: %v %+v", err, o)
	}
	if v, _ := tagValue(o.PlacementGroups[0].Tags, "k"); v != "v" {
		t.Errorf("tags after restart: %+v", o.PlacementGroups[0].Tags)
	}

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), `"strategy": "spread"`, `"strategy": "ring"`, 1)
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = sandbox.New(nil, sandbox.Options{StatePath: path})
	if err == nil || !strings.Contains(err.Error(), "placement group pg-") {
		t.Errorf("broken placement group in the state file: %v", err)
	}
}
