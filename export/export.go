// Package export owns brownfield import: it reads the endpoint services and
// interface endpoints that already exist in a set of accounts and regions
// and writes a manifest that adopts them by id, so that `plink plan` on the
// result shows only adoption (tagging) and never a create or delete.
//
// Like package live it only reads AWS (Describe* calls, paginated with the
// SDK's paginators, behind the narrow EC2API interface); it must not write
// to AWS, compute plans or print. The command layer resolves credentials,
// calls Export and writes Result.YAML where the user asked.
package export

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/finding"
	"github.com/plinkdev/plink/manifest"
)

// SchemaURL is the manifest schema the written YAML points editors at.
const SchemaURL = "https://raw.githubusercontent.com/plinkdev/plink/main/schemas/manifest.schema.json"

// EC2API is the part of the EC2 client export calls; *ec2.Client
// satisfies it and tests fake it.
type EC2API interface {
	ec2.DescribeVpcEndpointServiceConfigurationsAPIClient
	ec2.DescribeVpcEndpointServicePermissionsAPIClient
	ec2.DescribeVpcEndpointConnectionNotificationsAPIClient
	ec2.DescribeVpcEndpointConnectionsAPIClient
	ec2.DescribeVpcEndpointsAPIClient
}

// ClientSource hands out the EC2 API for an account alias in a region.
type ClientSource interface {
	EC2(ctx context.Context, account, region string) (EC2API, error)
}

// ClientSourceFunc adapts a function to ClientSource.
type ClientSourceFunc func(ctx context.Context, account, region string) (EC2API, error)

// EC2 calls f.
func (f ClientSourceFunc) EC2(ctx context.Context, account, region string) (EC2API, error) {
	return f(ctx, account, region)
}

// FromAWSEnv adapts an *awsenv.Resolver (or any awsenv.ClientSource).
func FromAWSEnv(src awsenv.ClientSource) ClientSource {
	return ClientSourceFunc(func(ctx context.Context, account, region string) (EC2API, error) {
		return awsenv.Client(ctx, src, account, region, "EC2", func(c *awsenv.Clients) EC2API { return c.EC2 })
	})
}

// Account is an account to export, as it will appear under `accounts:`
// (Alias is the key; ID is required; RoleARN, ExternalID and Profile are
// copied to the manifest).
type Account = manifest.Account

// Options tune an export.
type Options struct {
	// Project is the manifest's project (required): the plink:project tag
	// value that adoption will write.
	Project string
	// Concurrency bounds the account-regions read at once (default 4).
	Concurrency int
	// Manifest is the manifest the accounts come from (-f), or nil. Export
	// carries over from it what AWS does not hold: defaults.region and
	// each provider's connections settings (plink's policy). Without it,
	// a note says what export cannot know.
	Manifest *manifest.Manifest
}

// Result is an exported manifest.
type Result struct {
	// YAML is the manifest file, starting with the yaml-language-server
	// schema line.
	YAML []byte
	// Manifest is YAML loaded back with manifest.Parse: proof it is valid.
	Manifest *manifest.Manifest
	// Notes say what was left out and why (gateway endpoints, deleted
	// resources, …), for the command to print to stderr.
	Notes []string
}

// ReadError names every account-region whose reads failed.
type ReadError struct{ Failures []Failure }

// Failure is one failed read: the failure every report shares.
type Failure = finding.Failure

// Unwrap is each failure's error, for errors.Is and errors.As.
func (e *ReadError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failures))
	for _, f := range e.Failures {
		if f.Err != nil {
			errs = append(errs, f.Err)
		}
	}
	return errs
}

func (e *ReadError) Error() string {
	lines := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		lines[i] = fmt.Sprintf("export: %s in account %s (%s) region %s: %v", f.Call, f.Account, f.AccountID, f.Region, f.Err)
	}
	return strings.Join(lines, "\n")
}

var reName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// Export reads every account in every region and returns a manifest that
// adopts what it found. Reads run concurrently; if any fail, Export returns
// a *ReadError naming each failed account, region and call (a partial
// manifest would silently miss resources).
func Export(ctx context.Context, accounts []Account, regions []string, src ClientSource, opts Options) (*Result, error) {
	if err := checkArgs(accounts, regions, opts); err != nil {
		return nil, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	type job struct {
		acct   Account
		region string
	}
	var jobs []job
	for _, a := range accounts {
		for _, r := range regions {
			jobs = append(jobs, job{a, r})
		}
	}
	scopes := make([]*scopeData, len(jobs))
	var (
		mu       sync.Mutex
		failures []Failure
		wg       sync.WaitGroup
		sem      = make(chan struct{}, opts.Concurrency)
	)
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			sd, f := readScope(ctx, src, j.acct, j.region, opts.Project)
			if f != nil {
				mu.Lock()
				failures = append(failures, *f)
				mu.Unlock()
				return
			}
			scopes[i] = sd
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		slices.SortFunc(failures, func(a, b Failure) int {
			return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Call, b.Call))
		})
		return nil, &ReadError{Failures: failures}
	}
	return adoptionManifest(accounts, regions, scopes, opts)
}

func checkArgs(accounts []Account, regions []string, opts Options) error {
	var errs []error
	if !reName.MatchString(opts.Project) {
		errs = append(errs, fmt.Errorf("invalid project %q: use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit", opts.Project))
	}
	if len(accounts) == 0 {
		errs = append(errs, errors.New("no accounts to export: name at least one account as alias=ID"))
	}
	if len(regions) == 0 {
		errs = append(errs, errors.New("no regions to export: name at least one region, e.g. us-east-1"))
	}
	seen := map[string]bool{}
	for _, a := range accounts {
		switch {
		case !reName.MatchString(a.Alias):
			errs = append(errs, fmt.Errorf("invalid account alias %q: use lowercase letters, digits and hyphens", a.Alias))
		case seen[a.Alias]:
			errs = append(errs, fmt.Errorf("account alias %q given twice", a.Alias))
		}
		seen[a.Alias] = true
		if len(a.ID) != 12 || strings.Trim(a.ID, "0123456789") != "" {
			errs = append(errs, fmt.Errorf("account %s: invalid id %q: an AWS account id is 12 digits", a.Alias, a.ID))
		}
	}
	return errors.Join(errs...)
}

func tagMap(ts []types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// userTags are the tags a manifest declares: everything but aws:* (AWS's)
// and plink:* (plink's own, written on adoption).
func userTags(ts []types.Tag) map[string]string {
	out := map[string]string{}
	for k, v := range tagMap(ts) {
		if strings.HasPrefix(k, "aws:") || strings.HasPrefix(k, "plink:") {
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// namer hands out unique manifest names.
type namer struct{ used map[string]bool }

var reNonName = regexp.MustCompile(`[^a-z0-9]+`)

// name derives a manifest name from a plink:name tag, a Name tag, or the
// id, made unique across the manifest.
func (n *namer) name(tags map[string]string, id string) string {
	base := ""
	for _, k := range []string{"plink:name", "Name"} {
		if v := tags[k]; v != "" {
			base = strings.Trim(reNonName.ReplaceAllString(strings.ToLower(v), "-"), "-")
			if len(base) > 55 {
				base = strings.Trim(base[:55], "-")
			}
			if base != "" {
				break
			}
		}
	}
	if base == "" {
		base = id
	}
	name := base
	for i := 2; n.used[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	n.used[name] = true
	return name
}

func principal(arn string, aliasOf map[string]string) manifest.Principal {
	if arn == "*" {
		return manifest.Principal{ARN: "*", AllowWildcard: true}
	}
	if !strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ".amazonaws.com") {
		return manifest.Principal{Service: arn} // a service principal
	}
	parts := strings.Split(arn, ":")
	if len(parts) == 6 && parts[2] == "iam" && parts[5] == "root" {
		if alias := aliasOf[parts[4]]; alias != "" {
			return manifest.Principal{Account: alias}
		}
	}
	return manifest.Principal{ARN: arn}
}

func render(m *manifest.Manifest, accounts []Account, regions []string) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# yaml-language-server: $schema=%s\n", SchemaURL)
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.Alias + " (" + a.ID + ")"
	}
	fmt.Fprintf(&buf, "# Written by plink export from %s in %s.\n", strings.Join(ids, ", "), strings.Join(regions, ", "))
	buf.WriteString("# Every resource is adopted by id: the first plink apply only tags them.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("export: encode manifest: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("export: encode manifest: %w", err)
	}
	return buf.Bytes(), nil
}

func sortedCopy(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	sort.Strings(out)
	return out
}

// plural is "1 resource" or "3 resources".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
