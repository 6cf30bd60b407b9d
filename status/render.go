package status

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/plinkdev/plink/live"
)

// JSON writes the report as indented JSON (schemas/status.schema.json).
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// SummaryLine is the one-line summary, from the report's Summary alone
// (the verdict and the counts) and its cost: it begins with the verdict
// (Healthy, Findings, Incomplete), as the exit code follows it.
func SummaryLine(r *Report) string {
	s := r.Summary
	counts := fmt.Sprintf("%d error, %d warning, %d info", s.Errors, s.Warnings, s.Infos)
	switch s.Verdict {
	case VerdictHealthy:
		if s.Errors+s.Warnings+s.Infos == 0 {
			return fmt.Sprintf("Healthy: no findings; endpoints cost $%.2f a month.", r.Cost.Monthly)
		}
		return fmt.Sprintf("Healthy: no finding at or above %s (%s); endpoints cost $%.2f a month.", s.FailOn, counts, r.Cost.Monthly)
	case VerdictFindings:
		return fmt.Sprintf("Findings: %s; endpoints cost $%.2f a month.", counts, r.Cost.Monthly)
	}
	found := "no findings"
	if s.Errors+s.Warnings+s.Infos > 0 {
		found = counts
	}
	return fmt.Sprintf("Incomplete: %s failed (%s); in what was read: %s; the endpoints read cost $%.2f a month.",
		plural(s.Failed, "read"), failedAccounts(r.Failures), found, r.Cost.Monthly)
}

// failedAccounts names the accounts of the failed reads, once each.
func failedAccounts(fs []live.Failure) string {
	var names []string
	for _, f := range fs {
		n := "account " + f.Account + " (" + f.AccountID + ")"
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "nothing named"
	}
	return strings.Join(names, ", ")
}

// unpriced reports an endpoint status does not price (Resource and
// ServiceNetwork endpoints: its note says so), whose MonthlyCost is no
// price.
func unpriced(e EndpointView) bool { return e.Type == "Resource" || e.Type == "ServiceNetwork" }

// monthlyText is an endpoint's price in the text view: none for one
// status does not price.
func monthlyText(e EndpointView) string {
	if unpriced(e) {
		return ""
	}
	return fmt.Sprintf("  $%.2f/month", e.MonthlyCost)
}

// monthlyCell is the $/month cell of the Markdown view: "-" for an
// endpoint status does not price.
func monthlyCell(e EndpointView) string {
	if unpriced(e) {
		return "-"
	}
	return fmt.Sprintf("%.2f", e.MonthlyCost)
}

// Text writes the human view: one block per account and region, then the
// findings with their hints, the cost, and the summary.
func Text(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plink status: project %s, metrics over the last %s\n", r.Project, r.Window)
	for _, sc := range r.Scopes {
		if len(sc.Services) == 0 && len(sc.Endpoints) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%s) %s\n", sc.Account, sc.AccountID, sc.Region)
		for _, s := range sc.Services {
			name := s.ID
			if s.Provider != "" {
				name = "provider." + s.Provider + " " + s.ID
			}
			fmt.Fprintf(&b, "  service  %s  %s  connections: %s%s\n", name, s.State, counts(s.Connections), metricsText(s.Metrics))
		}
		for _, e := range sc.Endpoints {
			name := e.ID
			if e.Consumer != "" {
				name = "consumer." + e.Consumer + " " + e.ID
			}
			fmt.Fprintf(&b, "  endpoint %s  %s  zones: %s%s%s%s\n", name, e.State, listOr(e.ZoneIDs, "-"), monthlyText(e), metricsText(e.Metrics), metricsNote(e))
		}
	}
	others := false
	for _, sc := range r.Scopes {
		for _, o := range sc.OtherEndpoints {
			if !others {
				b.WriteString("\nOther endpoints in these VPCs (not this project's: not audited, not costed):\n")
				others = true
			}
			fmt.Fprintf(&b, "  %s (%s) %s  %s  %s  %s  %s\n", sc.Account, sc.AccountID, sc.Region, o.ID, o.VPCID, o.State, otherOwner(o))
		}
	}
	if len(r.Findings) > 0 {
		b.WriteString("\nFindings:\n")
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "  %-7s %s: %s\n", f.Severity, f.Kind, f.Message)
			for _, c := range f.Consumers {
				fmt.Fprintf(&b, "          affects %s\n", affected(c))
			}
			if len(f.TargetGroups) > 0 {
				fmt.Fprintf(&b, "          target groups: %s\n", strings.Join(f.TargetGroups, ", "))
			}
			fmt.Fprintf(&b, "          hint: %s\n", f.Hint)
		}
	}
	b.WriteString("\nCost by account:\n")
	costText(&b, r.Cost.ByAccount)
	b.WriteString("Cost by consumer:\n")
	costText(&b, r.Cost.ByConsumer)
	for _, k := range slices.Sorted(maps.Keys(r.Cost.ByTag)) {
		fmt.Fprintf(&b, "Cost by tag %s:\n", k)
		costText(&b, r.Cost.ByTag[k])
	}
	fmt.Fprintf(&b, "  (%s)\n", r.Cost.Note)
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "\nfailed: %s\n", f.String())
	}
	fmt.Fprintf(&b, "\n%s\n", SummaryLine(r))
	_, err := io.WriteString(w, b.String())
	return err
}

func otherOwner(o OtherEndpoint) string {
	if o.Project != "" {
		return "project " + o.Project
	}
	return "untagged"
}

func affected(c Affected) string {
	s := "endpoint " + c.EndpointID + " in account " + c.AccountID
	if c.Consumer != "" {
		s += " (consumer " + c.Consumer + ")"
	}
	return s
}

func costText(b *strings.Builder, lines []CostLine) {
	if len(lines) == 0 {
		b.WriteString("  none\n")
		return
	}
	for _, l := range lines {
		fmt.Fprintf(b, "  %-40s %3d endpoints %3d AZs  $%9.2f/month\n", l.Key, l.Endpoints, l.AZs, l.Monthly)
	}
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

// metricsNote is "  metrics: NOTE" for an endpoint whose metrics status
// does not read, else "".
func metricsNote(e EndpointView) string {
	if e.MetricsNote == "" {
		return ""
	}
	return "  " + e.Type + " " + e.Target + "  metrics: " + e.MetricsNote
}

// metricsText lists the metrics read, in a fixed order.
func metricsText(m map[string]float64) string {
	if m == nil {
		return ""
	}
	if len(m) == 0 {
		return "  metrics: no datapoints"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+num(m[k]))
	}
	return "  metrics: " + strings.Join(parts, " ")
}

// Markdown writes the report for a pull request comment or a wiki page.
func Markdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## plink status: %s\n\n%s\n\n", r.Project, SummaryLine(r))
	if len(r.Findings) > 0 {
		b.WriteString("### Findings\n\n| Severity | Kind | Account | Region | Resource | Finding | Hint |\n|---|---|---|---|---|---|---|\n")
		for _, f := range r.Findings {
			msg := f.Message
			for _, c := range f.Consumers {
				msg += "<br>affects " + affected(c)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | `%s` | %s | %s |\n", f.Severity, f.Kind, f.AccountID, f.Region, f.Resource, mdEscape(msg), mdEscape(f.Hint))
		}
		b.WriteString("\n")
	}
	b.WriteString("### Endpoints\n\n| Account | Region | Endpoint | Consumer | State | Zones | $/month | Metrics |\n|---|---|---|---|---|---|---|---|\n")
	for _, sc := range r.Scopes {
		for _, e := range sc.Endpoints {
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s | %s | %s | %s |\n", sc.Account, sc.Region, e.ID, e.Consumer, e.State, listOr(e.ZoneIDs, "-"), monthlyCell(e), mdEscape(strings.TrimPrefix(strings.TrimSpace(metricsText(e.Metrics)+metricsNote(e)), "metrics: ")))
		}
	}
	var others strings.Builder
	for _, sc := range r.Scopes {
		for _, o := range sc.OtherEndpoints {
			fmt.Fprintf(&others, "| %s | %s | `%s` | `%s` | %s | %s |\n", sc.Account, sc.Region, o.ID, o.VPCID, o.State, mdEscape(otherOwner(o)))
		}
	}
	if others.Len() > 0 {
		b.WriteString("\n### Other endpoints in these VPCs\n\nNot this project's: not audited, not costed.\n\n| Account | Region | Endpoint | VPC | State | Owner |\n|---|---|---|---|---|---|\n")
		b.WriteString(others.String())
	}
	b.WriteString("\n### Cost by account\n\n| Account | Endpoints | AZs | $/month |\n|---|---|---|---|\n")
	for _, l := range r.Cost.ByAccount {
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f |\n", mdEscape(l.Key), l.Endpoints, l.AZs, l.Monthly)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Cost.ByTag)) {
		fmt.Fprintf(&b, "\n### Cost by tag `%s`\n\n| Value | Endpoints | AZs | $/month |\n|---|---|---|---|\n", k)
		for _, l := range r.Cost.ByTag[k] {
			fmt.Fprintf(&b, "| %s | %d | %d | %.2f |\n", mdEscape(l.Key), l.Endpoints, l.AZs, l.Monthly)
		}
	}
	fmt.Fprintf(&b, "\n_%s_\n", r.Cost.Note)
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "\n**failed:** %s\n", mdEscape(f.String()))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", "<br>").Replace(s)
}
