package awsauthz

import (
	"fmt"
	"sort"
	"strings"
)

// Markdown renders the table for docs/authorization.md: one line per action
// with its resource types (* = required), request keys, dependent
// permissions, when vpce:AllowMultiRegion is checked, and its sources.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Permission | Resource types (* required) and request keys | Also checked | Verified | Source, notes |\n")
	b.WriteString("| --- | --- | --- | --- | --- |\n")
	for _, a := range Actions() {
		var rows []string
		for _, r := range a.Rows {
			if r.Type == "" {
				rows = append(rows, "`*` (no resource-level permissions)")
				continue
			}
			s := "`" + r.Type + "`"
			if r.Required {
				s += "*"
			}
			if len(r.RequestKeys) > 0 {
				s += " + `" + strings.Join(r.RequestKeys, "`, `") + "`"
			}
			rows = append(rows, s)
		}
		var also []string
		for _, d := range a.Dependent {
			switch d {
			case AllowMultiRegion:
				also = append(also, "`"+d+"` when "+a.MultiRegion)
			case "ec2:CreateTags":
				also = append(also, "`"+d+"` (with `ec2:CreateAction`) when the call carries TagSpecification")
			default:
				also = append(also, "`"+d+"`")
			}
		}
		if a.NoAuth {
			also = []string{"nothing: no permission is required"}
		}
		verified := "inferred"
		if a.Verified != "" {
			verified = esc(a.Verified)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | [reference](%s)%s |\n", a.Permission(), strings.Join(rows, "; "), strings.Join(also, "; "), verified, a.Source, noteText(a.Note))
	}
	b.WriteString("\n| Resource type | ARN | Condition keys AWS sets for it |\n| --- | --- | --- |\n")
	names := make([]string, 0, len(Types))
	for n := range Types {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := Types[n]
		fmt.Fprintf(&b, "| `%s` (%s) | `%s` | `%s` |\n", n, t.Service, t.ARN, strings.Join(t.Keys, "`, `"))
	}
	return b.String()
}

func noteText(n string) string {
	if n == "" {
		return ""
	}
	return ". " + esc(n)
}

func esc(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
