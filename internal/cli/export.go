package cli

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/internal/atomicfile"
	"github.com/plinkdev/plink/manifest"
)

// accountFlag is ALIAS=ID[:role/NAME|:profile/NAME].
var accountFlag = regexp.MustCompile(`^([a-z0-9][a-z0-9-]*)=(\d{12})(?::(role|profile)/(.+))?$`)

func newExportCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export (-f MANIFEST | --account ALIAS=ID[:role/NAME|:profile/NAME]...) --region REGION... --project NAME",
		Short: "Write a manifest that adopts the endpoint services and endpoints that already exist",
		Long: `Read the endpoint services (with their principals) and interface endpoints that
exist in the given accounts and regions, and write a manifest that describes them
with adopt: ids, so that the first plan only adds plink's tags.

Accounts come from a manifest's accounts section (-f) and from --account flags
(a flag wins over the manifest's account of its alias); regions from --region,
else from the manifest (defaults.region, defaults.regions, entries' regions and
providers' supportedRegions). What AWS does not hold comes from the manifest too:
its defaults.region and each provider's connections settings (acceptDeclared,
acceptFrom, rejectUndeclared); without -f, a note says they were not written.`,
		Example: `  plink export --account payments=111111111111:role/plink --account checkout=222222222222:profile/checkout \
      --region us-east-1 --region us-west-2 --project payments > plink.yaml
  plink export --sandbox -f plink.yaml                     # its accounts, project and regions
  plink export --sandbox -f accounts.yaml --region us-east-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The manifest is YAML; -o json writes the same document as JSON
			// (which plink also loads), without the YAML's comments.
			format, err := outputFormat(f, "text", "yaml", "json")
			if err != nil {
				return err
			}
			run := newExportRun(f, cmd, format)
			accounts, project, from, err := exportAccounts(f, run)
			if err != nil {
				return err
			}
			regions := run.regions
			if len(regions) == 0 && from != nil {
				regions = manifestRegions(from)
			}
			if len(regions) == 0 {
				if from != nil {
					return flagErrorf("no region given: the manifest names none (defaults.region, defaults.regions, or an entry's region); pass --region REGION (repeatable)")
				}
				return flagErrorf("no region given: pass --region REGION (repeatable)")
			}
			m := &manifest.Manifest{Version: manifest.Version, Project: project, Accounts: map[string]*manifest.Account{}}
			for i := range accounts {
				m.Accounts[accounts[i].Alias] = &accounts[i]
			}
			ctx, cancel := withTimeout(cmd.Context(), run.timeout)
			defer cancel()
			sess, err := openAWS(ctx, f, m, run.awsRun)
			if err != nil {
				return err
			}
			defer sess.Close()
			stateOf(ctx).setActivity("resolving credentials of %s", plural(len(accounts), "account"))
			if err := sess.Verify(ctx); err != nil {
				return credentialsError(err)
			}
			stateOf(ctx).setActivity("reading %s in %s", plural(len(accounts), "account"), plural(len(regions), "region"))
			res, err := sess.Export(ctx, accounts, regions, export.Options{Project: project, Concurrency: run.session.Parallelism, Manifest: from})
			if err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintf(f.IO.ErrOut, "note: %s\n", n)
			}
			doc := res.YAML
			if format == "json" {
				if doc, err = yamlToJSON(res.YAML); err != nil {
					return fmt.Errorf("export: %w", err)
				}
			}
			if out := run.out; out != "" {
				if err := atomicfile.WriteFile(out, doc, 0o644); err != nil {
					return fmt.Errorf("write manifest: %w", err)
				}
				fmt.Fprintf(f.IO.ErrOut, "wrote %s: %s\n", out, describeManifest(res.Manifest))
				return nil
			}
			_, err = f.IO.Out.Write(doc)
			return err
		},
	}
	cmd.Flags().StringArrayP("file", "f", nil, "manifest whose accounts (and project) to export")
	addAWSFlags(cmd)
	cmd.Flags().StringArray("account", nil, "account to export: ALIAS=ID, ALIAS=ID:role/NAME or ALIAS=ID:profile/NAME (repeatable)")
	cmd.Flags().StringArray("region", nil, "region to read (repeatable; default: the -f manifest's regions)")
	cmd.Flags().String("project", "", "project of the new manifest (default: the -f manifest's)")
	cmd.Flags().String("out", "", "write the manifest to FILE instead of stdout")
	cmd.Flags().Duration("timeout", 0, "give up after this long (0 means no limit)")
	return cmd
}

// exportAccounts returns the accounts to export, the project name and the
// -f manifest (nil without -f). An --account flag wins over the manifest's
// account of the same alias.
func exportAccounts(f *Factory, run exportRun) ([]manifest.Account, string, *manifest.Manifest, error) {
	project := run.project
	var accounts []manifest.Account
	var from *manifest.Manifest
	if files := run.files; len(files) > 0 {
		m, err := loadValid(f, files, run.quotas, run.format)
		if err != nil {
			return nil, "", nil, err
		}
		from = m
		if project == "" {
			project = m.Project
		}
		for alias, a := range m.Accounts {
			acc := *a
			acc.Alias = alias
			accounts = append(accounts, acc)
		}
	}
	for _, spec := range run.accounts {
		g := accountFlag.FindStringSubmatch(spec)
		if g == nil {
			return nil, "", nil, flagErrorf("invalid --account %q: expected ALIAS=ID, ALIAS=ID:role/NAME or ALIAS=ID:profile/NAME (ID is 12 digits)", spec)
		}
		accounts = slices.DeleteFunc(accounts, func(a manifest.Account) bool { return a.Alias == g[1] })
		acc := manifest.Account{Alias: g[1], ID: g[2]}
		switch g[3] {
		case "role":
			acc.RoleARN = fmt.Sprintf("arn:aws:iam::%s:role/%s", g[2], g[4])
		case "profile":
			acc.Profile = g[4]
		}
		accounts = append(accounts, acc)
	}
	if len(accounts) == 0 {
		return nil, "", nil, flagErrorf("no accounts to export: pass -f MANIFEST or --account ALIAS=ID")
	}
	if project == "" {
		return nil, "", nil, flagErrorf("no project: pass --project NAME (it becomes the plink:project tag)")
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].Alias < accounts[j].Alias })
	return accounts, project, from, nil
}

// manifestRegions are the regions a manifest uses, as plan reads them:
// defaults.region and defaults.regions, each entry's region and the
// providers' supportedRegions; sorted.
func manifestRegions(m *manifest.Manifest) []string {
	set := map[string]bool{}
	add := func(rs ...string) {
		for _, r := range rs {
			if r != "" {
				set[r] = true
			}
		}
	}
	add(m.Defaults.Region)
	add(m.Defaults.Regions...)
	for _, p := range m.Providers {
		add(p.Region)
		add(p.SupportedRegions...)
	}
	for _, c := range m.Consumers {
		add(c.Region)
	}
	return slices.Sorted(maps.Keys(set))
}
