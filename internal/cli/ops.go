package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/drift"
	"github.com/plinkdev/plink/export"
	"github.com/plinkdev/plink/graph"
	"github.com/plinkdev/plink/internal/atomicfile"
	"github.com/plinkdev/plink/live"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

func newDriftCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drift [-f PATH]...",
		Short: "Report every difference between live state and the manifest (for cron and pipelines)",
		Long: `Read live state like plan and report every difference as drift: resources changed
or deleted outside plink, principals added or removed by hand, pending connections
nobody accepted, undeclared connected endpoints, unverified private DNS, load
balancers that disappeared or lost an Availability Zone, and zones where consumers'
connections are reset because the load balancer has no healthy target there and
cross-zone load balancing is off (target_health).

Output: --output text, json, junit or markdown.
Exit status: 0 no drift; 2 drift, including live state that makes the manifest
unplannable (a load balancer deleted, an adopted resource gone); 1 plink could not
find out (an unreachable account is named and the others are still reported, an
invalid manifest, a plan error of the manifest alone). Never prompts.`,
		Example: `  plink drift -f manifests/
  plink drift -f manifests/ --output junit --report drift.xml --timeout 5m
  plink drift -f manifests/ --output markdown > drift.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := outputFormat(f, "text", "json", "junit", "markdown")
			if err != nil {
				return err
			}
			m, _, err := manifestFromFlags(f)
			if err != nil {
				return err
			}
			useShard(f, cmd)
			ctx, cancel := withTimeout(cmd.Context(), f)
			defer cancel()
			sess, err := openAWS(ctx, f, m)
			if err != nil {
				return err
			}
			defer sess.Close()
			// A shard checks its own entries, reading the ones they connect to.
			sm := shardManifest(f, m)
			// A failed account is reported and the rest still read.
			f.setPhase("resolving credentials of %s", plural(len(m.Accounts), "account"))
			verifyErr := sess.resolver.Verify(ctx)
			if verifyErr != nil {
				report(f.IO.ErrOut, "plink drift", credentialsError(verifyErr), nil, "")
			}
			f.setPhase("reading live state of %s", describeScopes(m))
			snap, readErr := live.Read(ctx, sm, sess.resolver, live.ReadOptions{PerScope: f.Config.Int("parallelism"), Shard: shardReadOption(f)})
			if snap == nil {
				return readErr
			}
			if ctx.Err() != nil {
				// Interrupted or timed out: a report of what could not be
				// read would say nothing; report names the cause and phase.
				return silentExit(ExitError)
			}
			// What consumers experience is drift too: zones whose
			// connections are reset (target_health).
			th := readTargetHealth(ctx, f, sm, snap, sess)
			if ctx.Err() != nil {
				return silentExit(ExitError)
			}
			f.setPhase("building the drift report")
			p := plan.Compute(sm, snap, planOptions(f, sm))
			r := shardDrift(f, m, sm, drift.BuildWith(sm, snap, p, drift.Options{LoadBalancerHealth: th.LoadBalancers, HealthFailures: th.Failures}))
			var out bytes.Buffer
			if err := renderDrift(&out, format, r); err != nil {
				return err
			}
			if file := f.Config.String("report"); file != "" {
				if err := atomicfile.WriteFile(file, out.Bytes(), 0o644); err != nil {
					return fmt.Errorf("write report: %w", err)
				}
				fmt.Fprintln(f.IO.Out, drift.Summary(r))
			} else {
				if _, err := f.IO.Out.Write(out.Bytes()); err != nil {
					return err
				}
				if format != "text" {
					fmt.Fprintln(f.IO.ErrOut, drift.Summary(r))
				}
			}
			code := r.ExitCode()
			if verifyErr != nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
				code = ExitError
			}
			// Plan errors raised by live state are drift items (exit 2);
			// manifest-only ones are r.Errors, which ExitCode counts as 1:
			// plink could not find out.
			if format != "text" {
				for _, e := range r.Errors {
					fmt.Fprintf(f.IO.ErrOut, "plink: error %s: %s\n", e.Code, e.Message)
				}
			}
			return silentExit(code)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().String("report", "", "write the report (in the --output format) to FILE and print only the summary")
	cmd.Flags().Duration("timeout", 0, "give up after this long (e.g. 5m; 0 means no limit)")
	addShardFlags(cmd)
	return cmd
}

// shardDrift keeps the items, checked resources and errors of r that
// belong to the run's shard: the entries it reads from other shards were
// compared only to plan its own, and are the other shards' to report.
// Failed reads stay: the shard's report is incomplete without them.
func shardDrift(f *Factory, m, sm *manifest.Manifest, r *drift.Report) *drift.Report {
	if f.selection().All() {
		return r
	}
	entry := map[string]bool{} // address of an entry of sm → owned
	for _, p := range sm.Providers {
		entry["provider."+p.Name] = owns(f, m, p.Account, "", regionOr(m, p.Region))
	}
	for _, c := range sm.Consumers {
		entry["consumer."+c.Name] = owns(f, m, c.Account, "", regionOr(m, c.Region))
	}
	items := r.Items[:0:0]
	kept := map[string]bool{}
	for _, it := range r.Items {
		if mine, ok := entry[it.Address]; ok && !mine {
			continue
		}
		if owns(f, m, it.Account, it.AccountID, it.Region) {
			items = append(items, it)
			kept[it.Address] = true
		}
	}
	r.Items = items
	checked := r.Checked[:0:0]
	for _, a := range r.Checked {
		if mine, ok := entry[a]; (ok && mine) || (!ok && kept[a]) {
			checked = append(checked, a)
		}
	}
	r.Checked = checked
	errs := r.Errors[:0:0]
	for _, e := range r.Errors {
		if mine, ok := entry[e.Address]; (!ok || mine) && owns(f, m, e.Account, "", e.Region) {
			errs = append(errs, e)
		}
	}
	r.Errors = errs
	return r
}

// regionOr is r, or the manifest's default region when r is empty.
func regionOr(m *manifest.Manifest, r string) string {
	if r == "" {
		return m.Defaults.Region
	}
	return r
}

func renderDrift(w io.Writer, format string, r *drift.Report) error {
	switch format {
	case "json":
		return drift.JSON(w, r)
	case "junit":
		return drift.JUnit(w, r)
	case "markdown":
		return drift.Markdown(w, r)
	default:
		return drift.Text(w, r)
	}
}

// accountFlag is ALIAS=ID[:role/NAME|:profile/NAME].
var accountFlag = regexp.MustCompile(`^([a-z0-9][a-z0-9-]*)=(\d{12})(?::(role|profile)/(.+))?$`)

func newExportCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export (-f MANIFEST | --account ALIAS=ID[:role/NAME|:profile/NAME]...) --region REGION... --project NAME",
		Short: "Write a manifest that adopts the endpoint services and endpoints that already exist",
		Long: `Read the endpoint services (with their principals) and interface endpoints that
exist in the given accounts and regions, and write a manifest that describes them
with adopt: ids, so that the first plan only adds plink's tags.

Accounts come from a manifest's accounts section (-f) or from --account flags.`,
		Example: `  plink export --account payments=111111111111:role/plink --account checkout=222222222222:profile/checkout \
      --region us-east-1 --region us-west-2 --project payments > plink.yaml
  plink export --sandbox -f accounts.yaml --region us-east-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The manifest is YAML; -o json writes the same document as JSON
			// (which plink also loads), without the YAML's comments.
			format, err := outputFormat(f, "text", "yaml", "json")
			if err != nil {
				return err
			}
			accounts, project, err := exportAccounts(f)
			if err != nil {
				return err
			}
			regions := f.Config.Strings("region")
			if len(regions) == 0 {
				return flagErrorf("no region given: pass --region REGION (repeatable)")
			}
			m := &manifest.Manifest{Version: manifest.Version, Project: project, Accounts: map[string]*manifest.Account{}}
			for i := range accounts {
				m.Accounts[accounts[i].Alias] = &accounts[i]
			}
			ctx, cancel := withTimeout(cmd.Context(), f)
			defer cancel()
			sess, err := openAWS(ctx, f, m)
			if err != nil {
				return err
			}
			defer sess.Close()
			f.setPhase("resolving credentials of %s", plural(len(accounts), "account"))
			if err := sess.resolver.Verify(ctx); err != nil {
				return credentialsError(err)
			}
			f.setPhase("reading %s in %s", plural(len(accounts), "account"), plural(len(regions), "region"))
			res, err := export.Export(ctx, accounts, regions, export.FromAWSEnv(sess.resolver), export.Options{Project: project, Concurrency: f.Config.Int("parallelism")})
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
			if out := f.Config.String("out"); out != "" {
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
	cmd.Flags().StringArray("region", nil, "region to read (repeatable)")
	cmd.Flags().String("project", "", "project of the new manifest (default: the -f manifest's)")
	cmd.Flags().String("out", "", "write the manifest to FILE instead of stdout")
	cmd.Flags().Duration("timeout", 0, "give up after this long (0 means no limit)")
	return cmd
}

// exportAccounts returns the accounts to export and the project name.
func exportAccounts(f *Factory) ([]manifest.Account, string, error) {
	project := f.Config.String("project")
	var accounts []manifest.Account
	if files := f.Config.Strings("file"); len(files) > 0 {
		m, err := loadValid(f, files)
		if err != nil {
			return nil, "", err
		}
		if project == "" {
			project = m.Project
		}
		for alias, a := range m.Accounts {
			acc := *a
			acc.Alias = alias
			accounts = append(accounts, acc)
		}
	}
	for _, spec := range f.Config.Strings("account") {
		g := accountFlag.FindStringSubmatch(spec)
		if g == nil {
			return nil, "", flagErrorf("invalid --account %q: expected ALIAS=ID, ALIAS=ID:role/NAME or ALIAS=ID:profile/NAME (ID is 12 digits)", spec)
		}
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
		return nil, "", flagErrorf("no accounts to export: pass -f MANIFEST or --account ALIAS=ID")
	}
	if project == "" {
		return nil, "", flagErrorf("no project: pass --project NAME (it becomes the plink:project tag)")
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].Alias < accounts[j].Alias })
	return accounts, project, nil
}

func newGraphCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "graph [-f PATH]... [--live] [--format mermaid|dot]",
		Short: "Draw the topology: accounts, services, endpoints and their connections",
		Long: `Print the topology as Mermaid (renders in GitHub Markdown) or Graphviz DOT.
With --live, connections are drawn in the state AWS reports: pending, available,
rejected, or drifted.`,
		Example: `  plink graph -f manifests/ > topology.mmd
  plink graph -f manifests/ --live --format dot | dot -Tsvg > topology.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := outputFormat(f, "text"); err != nil {
				return flagErrorf("graph draws Mermaid or DOT: choose with --format mermaid|dot, not --output %s", f.Config.String("output"))
			}
			format := f.Config.String("format")
			if format != "mermaid" && format != "dot" {
				return flagErrorf("invalid --format %q: valid values are \"mermaid\" and \"dot\"", format)
			}
			m, _, err := manifestFromFlags(f)
			if err != nil {
				return err
			}
			var snap *live.Snapshot
			if f.Config.Bool("live") {
				ctx, cancel := withTimeout(cmd.Context(), f)
				defer cancel()
				sess, err := openAWS(ctx, f, m)
				if err != nil {
					return err
				}
				defer sess.Close()
				snap, err = readLive(ctx, f, m, sess)
				if snap == nil {
					return err
				}
				if err != nil {
					report(f.IO.ErrOut, "plink graph", err, nil, "")
				}
			}
			g := graph.Build(m, snap)
			if format == "dot" {
				return graph.DOT(f.IO.Out, g)
			}
			return graph.Mermaid(f.IO.Out, g)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().Bool("live", false, "read live state and colour connections by state")
	cmd.Flags().String("format", "mermaid", "mermaid or dot")
	cmd.Flags().Duration("timeout", 0, "give up after this long (0 means no limit)")
	return cmd
}

// yamlToJSON re-encodes a YAML document as indented JSON, keeping the
// order of every mapping's keys (a manifest read top to bottom).
func yamlToJSON(doc []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeNodeJSON(&b, &n); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeNodeJSON(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			b.WriteString("null")
			return nil
		}
		return writeNodeJSON(b, n.Content[0])
	case yaml.AliasNode:
		return writeNodeJSON(b, n.Alias)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := writeNodeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeNodeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(data)
	}
	return nil
}
