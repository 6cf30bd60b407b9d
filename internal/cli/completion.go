package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/manifest"
)

// outputValues are the --output values each command accepts (what it
// passes to outputFormat); commands not listed take text and json.
var outputValues = map[string][]string{
	"plan":   {"text", "json", "markdown"},
	"show":   {"text", "json", "markdown"},
	"drift":  {"text", "json", "junit", "markdown"},
	"status": {"text", "json", "markdown"},
	"graph":  {"text"},
}

// flagValues are the fixed values of flags other than --output, by flag
// name and command.
var flagValues = map[string]map[string][]string{
	"format": {"graph": {"mermaid", "dot"}},
	"kind":   {"schema": {"manifest", "plan", "drift", "status"}},

	"target-health": {"plan": {HealthChanged, HealthAll, HealthOff}},
}

// registerCompletions makes shell completion offer flag values: --output
// per command, --format, --kind, --for, and --target addresses from the
// manifest of -f (or the default paths).
func registerCompletions(root *cobra.Command) {
	_ = root.RegisterFlagCompletionFunc("output", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		if v, ok := outputValues[cmd.Name()]; ok {
			return v, cobra.ShellCompDirectiveNoFileComp
		}
		return []string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp
	})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, byCmd := range flagValues {
			if vals, ok := byCmd[c.Name()]; ok && c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fixed(vals))
			}
		}
		if c.Name() == "iam-policy" && c.Flags().Lookup("for") != nil {
			modes := make([]string, len(iampolicy.Modes))
			for i, m := range iampolicy.Modes {
				modes[i] = string(m)
			}
			_ = c.RegisterFlagCompletionFunc("for", fixed(modes))
		}
		if c.Flags().Lookup("target") != nil {
			_ = c.RegisterFlagCompletionFunc("target", completeTargets)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func fixed(vals []string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return vals, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeTargets lists the resource addresses of the manifest given with
// -f (or plink.yaml, manifests/): providers with their principals and
// notifications, and consumers. A manifest that does not load offers
// nothing; completion never prints errors.
func completeTargets(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	paths, _ := cmd.Flags().GetStringArray("file")
	if len(paths) == 0 {
		for _, p := range []string{"plink.yaml", "plink.yml", "manifests"} {
			if fileExists(p) {
				paths = []string{p}
				break
			}
		}
	}
	if len(paths) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	m, err := manifest.Load(paths...)
	if m == nil || err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	add := func(addr, what string) {
		if strings.HasPrefix(addr, toComplete) {
			out = append(out, addr+"\t"+what)
		}
	}
	for _, p := range m.Providers {
		addr := "provider." + p.Name
		add(addr, "endpoint service in "+p.Account)
		for _, pr := range p.AllowedPrincipals {
			if pr.Resolved != "" {
				add(fmt.Sprintf("%s.principal[%s]", addr, pr.Resolved), "allowed principal")
			}
		}
		for i, n := range p.Notifications {
			add(fmt.Sprintf("%s.notification[%d]", addr, i), "notification to "+n.TopicARN)
		}
	}
	for _, c := range m.Consumers {
		add("consumer."+c.Name, "endpoint in "+c.Account)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
