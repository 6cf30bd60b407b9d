package drift

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JSON writes the report as the versioned JSON document described by
// schemas/drift.schema.json, indented, with a final newline.
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// MarshalJSON writes the report's fields and then its verdict, the
// verdict's exit code and the summary line, all taken from one Verdict
// when the report is written, so that the JSON cannot disagree with the
// sentence printed or the exit code.
func (r *Report) MarshalJSON() ([]byte, error) {
	type fields Report // the fields without this method
	v := r.Verdict()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as JSON's encoder: a message's <, > and & stay
	err := enc.Encode(struct {
		*fields
		Verdict  string `json:"verdict"`
		ExitCode int    `json:"exitCode"`
		Summary  string `json:"summary"`
	}{(*fields)(r), v, exitCode(v), summary(r, v)})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), err
}

// Summary is the one-line summary for logs, e.g.
// "drift: 3 resources drifted in 2 accounts (payments, checkout)" or
// "no drift: 12 resources match". Read failures are named first.
func Summary(r *Report) string { return summary(r, r.Verdict()) }

// summary is the summary line of verdict v, the report's.
func summary(r *Report, v string) string {
	var parts []string
	if len(r.Failures) > 0 {
		parts = append(parts, "could not read "+failedScopes(r.Failures))
	}
	if len(r.Errors) > 0 {
		verb := "keep"
		if len(r.Errors) == 1 {
			verb = "keeps"
		}
		parts = append(parts, fmt.Sprintf("the manifest has %s that %s it from being checked", plural(len(r.Errors), "error"), verb))
	}
	if r.Incomplete != "" {
		parts = append(parts, r.Incomplete)
	}
	if len(r.Items) == 0 {
		if v == VerdictIncomplete {
			parts = append(parts, fmt.Sprintf("no drift in the rest: %s match", plural(len(r.Checked), "resource")))
			return "drift check incomplete: " + strings.Join(parts, "; ")
		}
		return fmt.Sprintf("no drift: %s match", plural(len(r.Checked), "resource"))
	}
	resources, accounts := r.drifted()
	msg := fmt.Sprintf("%s drifted in %s (%s)", plural(len(resources), "resource"), plural(len(accounts), "account"), strings.Join(accounts, ", "))
	if v == VerdictIncomplete {
		return "drift check incomplete: " + strings.Join(append(parts, msg), "; ")
	}
	return "drift: " + msg
}

// drifted returns the drifted top-level resources and their accounts, in
// item order.
func (r *Report) drifted() (resources, accounts []string) {
	seenR, seenA := map[string]bool{}, map[string]bool{}
	for _, it := range r.Items {
		if !seenR[it.Resource] {
			seenR[it.Resource] = true
			resources = append(resources, it.Resource)
		}
		a := it.Account
		if a == "" {
			a = it.AccountID
		}
		if a != "" && !seenA[a] {
			seenA[a] = true
			accounts = append(accounts, a)
		}
	}
	return resources, accounts
}

func failedScopes(fs []Failure) string {
	var names []string
	seen := map[string]bool{}
	for _, f := range fs {
		n := scopeName(f)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func scopeName(f Failure) string {
	n := f.Account
	if n == "" {
		n = f.AccountID
	} else if f.AccountID != "" {
		n += " (" + f.AccountID + ")"
	}
	if f.Region != "" {
		n += " in " + f.Region
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Text writes the report for a person at a terminal: one block per drifted
// resource, the read failures, then the summary line.
func Text(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	if len(r.Items) > 0 {
		ew.printf("Drift in project %s:\n", r.Project)
		cur := ""
		for _, it := range r.Items {
			if it.Resource != cur {
				cur = it.Resource
				sym := symbol(it.Kind)
				if it.Address != it.Resource {
					// A part of the resource (its dns_record, a principal)
					// is missing or unmanaged, not the resource itself.
					sym = "~"
				}
				ew.printf("\n  %s %s%s\n", sym, it.Resource, where(it))
			}
			label := string(it.Kind)
			if it.Address != it.Resource {
				label += " " + strings.TrimPrefix(it.Address, it.Resource+".")
			}
			ew.printf("      %s: %s\n", label, it.Message)
			if it.Hint != "" {
				ew.printf("        hint: %s\n", it.Hint)
			}
		}
		ew.printf("\n")
	}
	if len(r.Errors) > 0 {
		ew.printf("Could not check (the manifest has errors of its own):\n")
		for _, e := range r.Errors {
			ew.printf("  ! %s\n", errorLine(e))
			if e.Hint != "" {
				ew.printf("      hint: %s\n", e.Hint)
			}
		}
		ew.printf("\n")
	}
	if len(r.Failures) > 0 {
		ew.printf("Could not read (these resources were not checked):\n")
		for _, f := range r.Failures {
			call := ""
			if f.Call != "" {
				call = f.Call + ": "
			}
			ew.printf("  ! %s: %s%s\n", scopeName(f), call, f.Error)
		}
		ew.printf("\n")
	}
	ew.printf("%s\n", Summary(r))
	return ew.err
}

// errorLine is "CODE address: message".
func errorLine(e Error) string {
	head := e.Code
	if e.Address != "" {
		head += " " + e.Address
	}
	return head + ": " + e.Message
}

func where(it Item) string {
	var p []string
	if it.Account != "" {
		p = append(p, it.Account)
	}
	if it.Region != "" {
		p = append(p, it.Region)
	}
	if len(p) == 0 {
		return ""
	}
	return " (" + strings.Join(p, ", ") + ")"
}

func symbol(k Kind) string {
	switch k {
	case Missing:
		return "+"
	case Unmanaged:
		return "-"
	}
	return "~"
}

// Markdown writes the report as a GitHub-flavoured Markdown section (a
// heading, the summary and a table) for a pull request comment or a chat
// message.
func Markdown(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	title := "plink drift"
	if r.Project != "" {
		title += ": " + mdEscape(r.Project)
	}
	ew.printf("### %s\n\n", title)
	icon := ":white_check_mark:"
	switch {
	case len(r.Failures) > 0 || len(r.Errors) > 0:
		icon = ":x:"
	case len(r.Items) > 0:
		icon = ":warning:"
	}
	ew.printf("%s **%s**\n", icon, mdEscape(Summary(r)))
	if len(r.Items) > 0 {
		ew.printf("\n| Resource | Kind | Account | Region | Details |\n|---|---|---|---|---|\n")
		for _, it := range r.Items {
			details := it.Message
			if it.Hint != "" {
				details += " (hint: " + it.Hint + ")"
			}
			ew.printf("| `%s` | %s | %s | %s | %s |\n", codeEscape(it.Address), it.Kind, mdEscape(it.Account), mdEscape(it.Region), mdEscape(details))
		}
	}
	if len(r.Errors) > 0 {
		ew.printf("\n**Not checked** (the manifest has errors):\n\n")
		for _, e := range r.Errors {
			ew.printf("- %s\n", mdEscape(errorLine(e)))
		}
	}
	if len(r.Failures) > 0 {
		ew.printf("\n**Not checked** (read failed):\n\n")
		for _, f := range r.Failures {
			call := ""
			if f.Call != "" {
				call = " `" + codeEscape(f.Call) + "`"
			}
			ew.printf("- %s%s: %s\n", mdEscape(scopeName(f)), call, mdEscape(f.Error))
		}
	}
	return ew.err
}

var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "\r", "", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;", "`", "\\`")

func mdEscape(s string) string { return mdReplacer.Replace(s) }

// codeEscape keeps a code span intact: backticks cannot be escaped inside
// one, and a pipe would end the table cell.
func codeEscape(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}

// JUnit XML shapes, in the form CI systems (GitHub, GitLab, Jenkins) read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// JUnit writes the report as JUnit XML: one test case per checked resource
// (a <failure> listing its drift items when it drifted) and one per
// account-region that could not be read (an <error>).
func JUnit(w io.Writer, r *Report) error {
	suite := junitSuite{Name: "plink drift " + r.Project}
	byRes := map[string][]Item{}
	for _, it := range r.Items {
		byRes[it.Resource] = append(byRes[it.Resource], it)
	}
	for _, addr := range r.Checked {
		c := junitCase{Name: addr, Classname: classname(r.Project, addr)}
		if items := byRes[addr]; len(items) > 0 {
			var body strings.Builder
			kinds := []string{}
			seen := map[Kind]bool{}
			for _, it := range items {
				fmt.Fprintf(&body, "%s %s: %s\n", it.Kind, it.Address, it.Message)
				if it.Hint != "" {
					fmt.Fprintf(&body, "  hint: %s\n", it.Hint)
				}
				if !seen[it.Kind] {
					seen[it.Kind] = true
					kinds = append(kinds, string(it.Kind))
				}
			}
			msg := items[0].Message
			if len(items) > 1 {
				msg = fmt.Sprintf("%s: %s", plural(len(items), "difference"), strings.Join(kinds, ", "))
			}
			c.Failure = &junitProblem{Message: msg, Type: strings.Join(kinds, ","), Body: body.String()}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, f := range r.Failures {
		name := "read " + scopeName(f)
		msg := f.Error
		if f.Call != "" {
			msg = f.Call + ": " + f.Error
		}
		suite.Cases = append(suite.Cases, junitCase{
			Name: name, Classname: classname(r.Project, "account."+f.Account),
			Error: &junitProblem{Message: msg, Type: "read_failure", Body: msg + "\n"},
		})
		suite.Errors++
	}
	for _, e := range r.Errors {
		msg := errorLine(e)
		suite.Cases = append(suite.Cases, junitCase{
			Name: "check " + cmp.Or(e.Address, "manifest"), Classname: classname(r.Project, "manifest"),
			Error: &junitProblem{Message: msg, Type: "manifest_error", Body: msg + "\n"},
		})
		suite.Errors++
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "plink drift", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func classname(project, addr string) string {
	kind := addr
	if i := strings.IndexByte(addr, '.'); i >= 0 {
		kind = addr[:i]
	}
	if project == "" {
		return "plink." + kind
	}
	return project + "." + kind
}
