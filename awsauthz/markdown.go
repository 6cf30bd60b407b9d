package awsauthz

import (
	"fmt"
	"sort"
	"strings"
)

// Markdown renders the table for docs/authorization.md: one line per action
// with its resource types (* = required) and the condition keys the
// reference lists for each, the keys it lists for the action as a whole,
// the reference's dependent actions, the permissions the sandbox checks
// besides (and when vpce:AllowMultiRegion is), what the row was checked
// against, and its sources.
func Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Checked against: the Service Authorization Reference's pages as kept in %s at commit %s (%s…).\n\n", DataRepo, DataCommit, DataDir)
	b.WriteString("| Permission | Access | Resource types (* required) and their condition keys | Keys of the action | Dependent actions (reference) | Also checked by the sandbox | Checked against | Source, notes |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
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
			if len(r.Keys) > 0 {
				s += ": `" + strings.Join(r.Keys, "`, `") + "`"
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
		checked := "`" + a.Data + "`"
		if a.Verified != "" {
			checked += "; " + esc(a.Verified)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | [reference](%s)%s |\n", a.Permission(), a.Access, strings.Join(rows, "; "),
			codeList(a.Keys), codeList(a.RefDependent), strings.Join(also, "; "), checked, a.Source, noteText(a.Note))
	}
	b.WriteString("\n| Resource type | ARN | Condition keys of the type (the reference's resource types table) |\n| --- | --- | --- |\n")
	names := make([]string, 0, len(Types))
	for n := range Types {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := Types[n]
		fmt.Fprintf(&b, "| `%s` (%s) | `%s` | %s |\n", n, t.Service, t.ARN, codeList(t.Keys))
	}
	return b.String()
}

func codeList(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return "`" + strings.Join(s, "`, `") + "`"
}

func noteText(n string) string {
	if n == "" {
		return ""
	}
	return ". " + esc(n)
}

func esc(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
