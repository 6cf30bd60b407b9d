package render

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/plinkdev/plink/plan"
)

// MarkdownLimit is the most characters (UTF-16 code units, as GitHub
// counts them) that Markdown writes. GitHub refuses comments longer than
// 65,536 characters; the rest is headroom for text a pipeline adds.
const MarkdownLimit = 65000

// MarkdownMarker is the HTML comment that opens every Markdown document,
// followed by " project=NAME -->". Pipelines find their earlier plan
// comment by it to edit it instead of adding another.
const MarkdownMarker = "<!-- plink-plan"

// Markdown writes p as a Markdown document for a pull-request comment
// (GitHub Flavored Markdown): a heading naming the project, the summary and
// cost lines, the destructive changes first with what they break, a table
// of every change, the diagnostics, and the text view in a collapsed
// section. Like Text it is drawn from the plan after a round trip through
// its JSON encoding. Everything taken from the plan is escaped, and the
// document is kept within MarkdownLimit: the collapsed text view is cut
// first, then the table, the destroys and the diagnostics, each with a
// note saying what was left out (only a heading and summary longer than
// the limit by themselves could exceed it). The output depends only on p.
func Markdown(w io.Writer, p *plan.Plan) error {
	dp, err := roundTrip(p)
	if err != nil {
		return err
	}
	doc := newMarkdownDoc(dp).fit(MarkdownLimit)
	if _, err := io.WriteString(w, doc); err != nil {
		return fmt.Errorf("render: writing plan Markdown: %w", err)
	}
	return nil
}

// markdownDoc holds the parts of the document, each list already rendered
// item by item, so that fit can drop items from the end.
type markdownDoc struct {
	head     []string // heading, summary, cost: never cut
	destroys []string // list items
	rows     []string // table rows
	diags    []string // list items
	full     []string // lines of the text view; nil: no details section
	foot     string
}

// limits say how many items of each part to show; -1 shows all.
type limits struct {
	destroys, rows, diags, full int
}

var noLimits = limits{-1, -1, -1, -1}

// actionWords name each action in the Markdown table and destroy list.
var actionWords = map[plan.Action]string{
	plan.Create:  "create",
	plan.Update:  "update",
	plan.Replace: "replace",
	plan.Delete:  "destroy",
	plan.Accept:  "accept",
	plan.Reject:  "reject",
	plan.Adopt:   "adopt",
	plan.NoOp:    "no change",
}

func newMarkdownDoc(p *plan.Plan) *markdownDoc {
	d := &markdownDoc{}
	d.head = append(d.head, fmt.Sprintf("%s project=%s -->", MarkdownMarker, commentSafe(p.Project)))
	d.head = append(d.head, "### plink plan for "+mdCode(p.Project), "")
	summary := "**" + mdText(summaryLine(p, false)) + "**"
	if line := errorsLine(p); line != "" {
		summary += "<br>\n❌ " + mdText(line)
	}
	d.head = append(d.head, summary, "")
	if line := costLine(p); line != "" {
		d.head = append(d.head, mdText(line), "")
	}

	changes := groupChanges(p.Changes)
	for i := range changes {
		c := &changes[i]
		d.rows = append(d.rows, changeRow(c))
		if c.Action == plan.Delete || c.Action == plan.Replace || c.Action == plan.Reject {
			d.destroys = append(d.destroys, destroyItem(c))
		}
	}
	for _, dg := range p.Diagnostics {
		d.diags = append(d.diags, diagnosticItem(dg))
	}
	if p.HasChanges() || len(p.Diagnostics) > 0 {
		var text strings.Builder
		t := &textRenderer{b: bufio.NewWriter(&text)}
		t.plan(p)
		_ = t.b.Flush() // a strings.Builder does not fail
		d.full = strings.Split(strings.TrimSuffix(text.String(), "\n"), "\n")
	}
	var foot []string
	if p.PlinkVersion != "" {
		foot = append(foot, "plink "+mdText(p.PlinkVersion))
	}
	if p.ManifestDigest != "" {
		foot = append(foot, "manifest "+mdCode(p.ManifestDigest))
	}
	if len(foot) > 0 {
		d.foot = "<sub>" + strings.Join(foot, " · ") + "</sub>"
	}
	return d
}

// groupChanges orders the changes that do something as the text view
// does: grouped by account and region, groups in order of first
// appearance, changes in plan (apply) order within a group.
func groupChanges(chs []plan.Change) []plan.Change {
	var keys []string
	groups := map[string][]plan.Change{}
	for _, c := range chs {
		if c.Action == plan.NoOp {
			continue
		}
		k := c.AccountID + "/" + c.Region
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	var out []plan.Change
	for _, k := range keys {
		out = append(out, groups[k]...)
	}
	return out
}

// fit renders the document within max characters, cutting parts in order
// of least use to a reviewer: the text view, the table, the destroys, the
// diagnostics.
func (d *markdownDoc) fit(max int) string {
	l := noLimits
	doc := d.render(l)
	if charCount(doc) <= max {
		return doc
	}
	cut := []struct {
		n   *int
		all int
	}{
		{&l.full, len(d.full)},
		{&l.rows, len(d.rows)},
		{&l.destroys, len(d.destroys)},
		{&l.diags, len(d.diags)},
	}
	for _, c := range cut {
		// the most items that fit, by binary search; when none fit, the
		// shorter of none (with its note) and all, and the next part is cut
		*c.n = 0
		if none := charCount(d.render(l)); none > max {
			*c.n = -1
			if charCount(d.render(l)) > none {
				*c.n = 0
			}
			continue
		}
		lo, hi := 0, c.all-1 // all items were too many
		for lo < hi {
			mid := (lo + hi + 1) / 2
			*c.n = mid
			if charCount(d.render(l)) <= max {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		*c.n = lo
		return d.render(l)
	}
	// even the heading, summary and notes do not fit: the least there is
	return d.render(l)
}

func take(items []string, n int) ([]string, int) {
	if n < 0 || n >= len(items) {
		return items, 0
	}
	return items[:n], len(items) - n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

const cutReason = "to keep this comment within GitHub's size limit"

func (d *markdownDoc) render(l limits) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	for _, s := range d.head {
		line(s)
	}
	// list writes a titled list, with a note for the items cut to fit.
	list := func(title string, all []string, limit int, one, many string) {
		if len(all) == 0 {
			return
		}
		line(title)
		line("")
		items, left := take(all, limit)
		for _, s := range items {
			line(s)
		}
		if left > 0 {
			line("")
			line("_" + plural(left, one, many) + " not listed " + cutReason + "._")
		}
		line("")
	}
	list("#### ⚠ Destroys", d.destroys, l.destroys, "more destructive change is", "more destructive changes are")
	if len(d.rows) > 0 {
		line("#### Changes")
		line("")
		rows, left := take(d.rows, l.rows)
		if len(rows) > 0 {
			line("| | Action | Address | Account | Region | What changes |")
			line("|---|---|---|---|---|---|")
			for _, s := range rows {
				line(s)
			}
		}
		if left > 0 {
			if len(rows) > 0 {
				line("")
			}
			line("_" + plural(left, "more change is", "more changes are") + " not listed " + cutReason + "._")
		}
		line("")
	}
	list("#### Diagnostics", d.diags, l.diags, "more diagnostic is", "more diagnostics are")
	if d.full != nil {
		lines, left := take(d.full, l.full)
		if left > 0 {
			line("<details><summary>Full plan (truncated)</summary>")
		} else {
			line("<details><summary>Full plan</summary>")
		}
		line("")
		if len(lines) > 0 {
			body := strings.Join(lines, "\n")
			fence := codeFence(body)
			line(fence + "diff")
			line(body)
			line(fence)
			line("")
		}
		switch {
		case left == len(d.full):
			line(fmt.Sprintf("_The full plan has %d lines, too many to show %s. Run `plink show` on the saved plan to see it._",
				len(d.full), cutReason))
			line("")
		case left > 0:
			line(fmt.Sprintf("_The full plan has %d lines; %s not shown %s. Run `plink show` on the saved plan to see all of it._",
				len(d.full), plural(left, "line is", "lines are"), cutReason))
			line("")
		}
		line("</details>")
		line("")
	}
	if d.foot != "" {
		line(d.foot)
	}
	return b.String()
}

// charCount counts s as GitHub does its comment limit: in UTF-16 units.
func charCount(s string) int {
	n := 0
	for _, r := range s { // invalid UTF-8 comes as U+FFFD, one unit
		n += utf16.RuneLen(r)
	}
	return n
}

// codeFence is a backtick fence longer than any run of backticks in body,
// so nothing in body can close the block early.
func codeFence(body string) string {
	longest, run := 0, 0
	for i := 0; i < len(body); i++ {
		if body[i] == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	if longest < 3 {
		longest = 2
	}
	return strings.Repeat("`", longest+1)
}

func accountName(alias, id string) string {
	switch {
	case alias == "":
		return id
	case id == "":
		return alias
	}
	return alias + " (" + id + ")"
}

// showID: principals and connections carry their id in the address.
func showID(c *plan.Change) bool {
	return c.ID != "" && c.Kind != plan.KindPrincipal && c.Kind != plan.KindConnection
}

func changeRow(c *plan.Change) string {
	addr := mdCodeCell(c.Address)
	if showID(c) {
		addr += " (" + mdCodeCell(c.ID) + ")"
	}
	cells := []string{
		mdCodeCell(symbols[c.Action]),
		actionWords[c.Action],
		addr,
		mdText(accountName(c.Account, c.AccountID)),
		mdText(c.Region),
		strings.Join(whatChanges(c), "<br>"),
	}
	return "| " + strings.Join(cells, " | ") + " |"
}

// whatChanges describes a change in a few cell-safe phrases.
func whatChanges(c *plan.Change) []string {
	var out []string
	names := func(ns []string) string {
		parts := make([]string, len(ns))
		for i, n := range ns {
			parts[i] = mdCodeCell(n)
		}
		return strings.Join(parts, ", ")
	}
	if c.Kind == plan.KindConnection {
		owner, from, to := connectionStates(c)
		out = append(out, mdText(fmt.Sprintf("endpoint of account %s: %s → %s", owner, from, to)))
		if c.Reason != "" {
			out = append(out, mdText(c.Reason))
		}
	} else if c.Action == plan.Update || c.Action == plan.Replace || c.Action == plan.Adopt {
		if from := movedFrom(c); from != "" {
			out = append(out, "moves from "+from)
		}
		var changed []string
		for _, dd := range plan.Diff(c.Kind, c.Before, c.After) {
			if _, later := c.Refs[dd.Name]; !later {
				changed = append(changed, dd.Name)
			}
		}
		if len(changed) > 0 {
			out = append(out, "changes "+names(changed))
		}
		if len(c.ReplaceReasons) > 0 {
			out = append(out, "replaced because of "+names(c.ReplaceReasons))
		}
	}
	if len(c.Refs) > 0 {
		out = append(out, "known after apply: "+names(slices.Sorted(maps.Keys(c.Refs))))
	}
	if note := plan.PrivateDNSNote(c); note != "" {
		out = append(out, mdText(strings.Replace(note, "privateDnsEnabled", "private DNS", 1)))
	}
	for _, w := range c.Warnings {
		out = append(out, "⚠ "+mdText(w))
	}
	if len(c.WaitsFor) > 0 {
		out = append(out, "waits for "+names(c.WaitsFor)+" (another shard's change)")
	}
	return out
}

// movedFrom names the account and region a replace moves the resource
// from, as escaped text, or is "" when it stays where it is.
func movedFrom(c *plan.Change) string {
	alias, id, region := c.PriorAccount, c.PriorAccountID, c.PriorRegion
	if (id == "" || id == c.AccountID) && (region == "" || region == c.Region) {
		return ""
	}
	if id == "" {
		alias, id = c.Account, c.AccountID
	}
	if region == "" {
		region = c.Region
	}
	return mdText(accountName(alias, id) + ", " + region)
}

func destroyItem(c *plan.Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- %s **%s** %s", mdCode(symbols[c.Action]), actionWords[c.Action], mdCode(c.Address))
	if showID(c) {
		fmt.Fprintf(&b, " (%s)", mdCode(c.ID))
	}
	fmt.Fprintf(&b, " in %s, %s", mdText(accountName(c.Account, c.AccountID)), mdText(c.Region))
	if from := movedFrom(c); from != "" {
		b.WriteString("; the resource it replaces is in " + from)
	}
	switch {
	case len(c.Breaks) == 1:
		b.WriteString("\n  - breaks: " + mdText(c.Breaks[0]))
	case len(c.Breaks) > 1:
		b.WriteString("\n  - breaks:")
		for _, br := range c.Breaks {
			b.WriteString("\n    - " + mdText(br))
		}
	}
	if c.Reason != "" {
		b.WriteString("\n  - " + mdText(c.Reason))
	}
	return b.String()
}

func diagnosticItem(d plan.Diagnostic) string {
	label := "⚠ **Warning**"
	if d.Severity == plan.SeverityError {
		label = "❌ **Error**"
	} else if d.Severity == plan.SeverityInfo {
		label = "ℹ **Note**"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "- %s %s", label, mdCode(d.Code))
	if where := strings.Trim(d.Account+" "+d.Region, " "); where != "" {
		fmt.Fprintf(&b, " (%s)", mdText(where))
	}
	b.WriteString(": " + mdText(d.Message))
	if d.Hint != "" {
		b.WriteString("\n  - hint: " + mdText(d.Hint))
	}
	return b.String()
}

// mdEscaper makes text inert in Markdown inline content, table cells
// included: HTML characters become entities, Markdown punctuation is
// backslash-escaped, and line breaks become <br> so an item stays on one
// line.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"|", `\|`, "~", `\~`, "#", `\#`,
	// GitHub reads $…$ as math; an entity is a dollar it cannot pair
	"$", "&#36;",
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

func mdText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return mdEscaper.Replace(s)
}

// mdCode is s as a code span (outside a table): the delimiter is longer
// than any backtick run in s, and line breaks become spaces. Text with
// angle brackets is written as escaped plain text instead.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "<>") {
		// safe in a code span, but kept out of the document entirely so no
		// renderer can take it for HTML
		return mdText(s)
	}
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(strings.ToValidUTF8(s, "\uFFFD"))
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = maxInt(longest, run)
		} else {
			run = 0
		}
	}
	delim := strings.Repeat("`", longest+1)
	// a space on each side is stripped again by the parser; it keeps a
	// backtick at either end from joining the delimiter
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		s = " " + s + " "
	}
	return delim + s + delim
}

// mdCodeCell is s as a code span inside a table cell, where a pipe must
// be escaped even in code. A backslash before a pipe cannot be written in
// a code span there, so text with backslashes (or angle brackets, as in
// mdCode) is written as escaped plain text.
func mdCodeCell(s string) string {
	if strings.ContainsAny(s, `\<>`) {
		return mdText(s)
	}
	return strings.ReplaceAll(mdCode(s), "|", `\|`)
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// commentSafe keeps s from ending an HTML comment: only letters, digits
// and ._:/- are kept, and no two dashes in a row.
func commentSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:/-", c) >= 0
		if !ok {
			b[i] = '_'
		}
	}
	out := string(b)
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	return strings.TrimSuffix(out, "-")
}
