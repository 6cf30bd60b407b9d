package render

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/plinkdev/plink/plan"
)

// TextOptions control the human view.
type TextOptions struct {
	// Color adds ANSI colours; callers set it only on a TTY without NO_COLOR.
	Color bool
	// Verbose also lists resources that need no change.
	Verbose bool
	// Targeted says the plan is a --target view: with nothing to do its
	// summary speaks of the targets, not of the whole of live state.
	Targeted bool
}

// Symbols of each action in the text view.
var symbols = map[plan.Action]string{
	plan.Create:  "+",
	plan.Update:  "~",
	plan.Replace: "-/+",
	plan.Delete:  "-",
	plan.Accept:  ">",
	plan.Reject:  "x",
	plan.Adopt:   "<",
	plan.NoOp:    "=",
}

var legend = []struct {
	action plan.Action
	text   string
}{
	{plan.Create, "create"},
	{plan.Update, "update in-place"},
	{plan.Replace, "replace: create the new one, then destroy the old"},
	{plan.Delete, "destroy"},
	{plan.Accept, "accept endpoint connection"},
	{plan.Reject, "reject endpoint connection"},
	{plan.Adopt, "adopt (tag an existing resource so plink manages it)"},
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

// Text writes the human view of p. The plan is first encoded to JSON and
// decoded again, and the view is drawn from the decoded value: whatever the
// text shows, the JSON document holds.
func Text(w io.Writer, p *plan.Plan, opts TextOptions) error {
	dp, err := frameTrip(p)
	if err != nil {
		return err
	}
	// The changes are p's, each decoded from its JSON just before it is
	// drawn (change), and the text is written as it is drawn: a plan of
	// many thousand changes is held neither twice nor as text.
	dp.Changes = p.Changes
	t := &textRenderer{opts: opts, b: bufio.NewWriterSize(w, 64<<10)}
	t.plan(dp)
	if t.err != nil {
		return t.err
	}
	return t.b.Flush()
}

type textRenderer struct {
	opts TextOptions
	b    *bufio.Writer
	err  error // the first change that did not go through JSON
}

func (t *textRenderer) color(code, s string) string {
	if !t.opts.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func actionColor(a plan.Action) string {
	switch a {
	case plan.Create, plan.Accept:
		return ansiGreen
	case plan.Update:
		return ansiYellow
	case plan.Delete, plan.Reject:
		return ansiRed
	case plan.Adopt:
		return ansiCyan
	case plan.NoOp:
		return ansiDim
	}
	return ""
}

func (t *textRenderer) sym(a plan.Action) string {
	if a == plan.Replace {
		return t.color(ansiRed, "-") + "/" + t.color(ansiGreen, "+")
	}
	return t.color(actionColor(a), symbols[a])
}

func (t *textRenderer) linef(format string, args ...any) {
	fmt.Fprintf(t.b, format, args...)
	t.b.WriteByte('\n')
}

func (t *textRenderer) plan(p *plan.Plan) {
	var shown []*plan.Change
	used := map[plan.Action]bool{}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == plan.NoOp && !t.opts.Verbose {
			continue
		}
		shown = append(shown, c)
		used[c.Action] = true
	}
	if hasAction(shown) {
		t.linef("plink will perform the following actions for project %s.", p.Project)
		t.linef("")
		t.linef("Resource actions are indicated with the following symbols:")
		for _, l := range legend {
			if used[l.action] {
				t.linef("  %s %s", t.sym(l.action), l.text)
			}
		}
		t.linef("")
	}
	if len(shown) > 0 {
		t.groups(shown)
	}
	t.diagnostics(p.Diagnostics)
	if line := costLine(p); line != "" {
		t.linef("%s", line)
		t.linef("")
	}
	t.linef("%s", t.color(ansiBold, summaryLine(p, t.opts.Targeted)))
	if line := errorsLine(p); line != "" {
		t.linef("%s", t.color(ansiRed, line))
	}
}

func hasAction(chs []*plan.Change) bool {
	for _, c := range chs {
		if c.Action != plan.NoOp {
			return true
		}
	}
	return false
}

func countErrors(ds []plan.Diagnostic) int {
	n := 0
	for _, d := range ds {
		if d.Severity == plan.SeverityError {
			n++
		}
	}
	return n
}

// groups writes changes grouped by account and region, groups in order of
// first appearance (the plan is in apply order), changes in plan order.
func (t *textRenderer) groups(chs []*plan.Change) {
	type group struct {
		account, accountID, region string
		changes                    []*plan.Change
	}
	var order []*group
	byKey := map[string]*group{}
	for _, c := range chs {
		k := c.AccountID + "/" + c.Region
		g := byKey[k]
		if g == nil {
			g = &group{account: c.Account, accountID: c.AccountID, region: c.Region}
			byKey[k] = g
			order = append(order, g)
		}
		g.changes = append(g.changes, c)
	}
	for _, g := range order {
		name := g.accountID
		if g.account != "" {
			name = fmt.Sprintf("%s (%s)", g.account, g.accountID)
		}
		t.linef("%s", t.color(ansiBold, fmt.Sprintf("Account %s, region %s:", name, g.region)))
		t.linef("")
		for i := range g.changes {
			t.change(g.changes[i])
			if i+1 == len(g.changes) || g.changes[i].Action != plan.NoOp || g.changes[i+1].Action != plan.NoOp {
				t.linef("")
			}
		}
	}
}

var headline = map[plan.Action]string{
	plan.Create:  "will be created",
	plan.Update:  "will be updated in-place",
	plan.Replace: "must be replaced",
	plan.Delete:  "will be destroyed",
	plan.Accept:  "will be accepted",
	plan.Reject:  "will be rejected",
	plan.Adopt:   "will be adopted",
	plan.NoOp:    "is up to date",
}

func (t *textRenderer) change(in *plan.Change) {
	c := new(plan.Change)
	if err := elementTrip(in, c); err != nil {
		if t.err == nil {
			t.err = err
		}
		return
	}
	id := ""
	if c.ID != "" && c.Kind != plan.KindPrincipal {
		id = " (" + c.ID + ")"
	}
	if c.Action == plan.NoOp {
		t.linef("  %s %s%s %s", t.sym(c.Action), c.Address, id, t.color(ansiDim, "# up to date"))
		return
	}
	t.linef("  # %s %s", t.color(ansiBold, c.Address), headline[c.Action])
	pad := "  "
	if c.Action == plan.Replace {
		pad = ""
	}
	switch {
	case c.Kind == plan.KindPrincipal && principalTagged(c):
		// The tags of the principal's service permission, shown as any
		// resource's; its ARN is in the address already.
		for _, v := range []*plan.Values{c.Before, c.After} {
			if v != nil {
				v.Principal = ""
			}
		}
		t.linef("  %s %s {", t.sym(c.Action), c.Address)
		t.attributes(c)
		t.linef("    }")
	case c.Kind == plan.KindPrincipal:
		t.linef("  %s %s", t.sym(c.Action), c.Address)
	case c.Kind == plan.KindConnection:
		t.connection(c)
	default:
		t.linef("%s%s %s%s {", pad, t.sym(c.Action), c.Address, id)
		t.attributes(c)
		t.linef("    }")
	}
	switch len(c.Breaks) {
	case 0:
	case 1:
		t.linef("    %s %s", t.color(ansiRed, "! breaks:"), c.Breaks[0])
	default:
		t.linef("    %s", t.color(ansiRed, "! breaks:"))
		for _, b := range c.Breaks {
			t.linef("        %s", b)
		}
	}
	for _, w := range c.Warnings {
		t.linef("    %s %s", t.color(ansiYellow, "! warning:"), w)
	}
	if len(c.WaitsFor) > 0 {
		t.linef("    %s %s (another shard's change): this shard's apply makes it once that is applied (--shard-wait), or its next run", t.color(ansiYellow, "! waits for"), strings.Join(c.WaitsFor, ", "))
	}
}

// principalTagged reports a principal change with tags to show: a create
// that tags its permission, or an update (which only changes tags).
func principalTagged(c *plan.Change) bool {
	switch c.Action {
	case plan.Create:
		return c.After != nil && len(c.After.Tags) > 0
	case plan.Update:
		return true
	}
	return false
}

// connectionStates is what both views say of a connection change: the
// endpoint's owner account and its state before and after.
func connectionStates(c *plan.Change) (owner, from, to string) {
	v := c.After
	if v == nil {
		v = c.Before
	}
	if v == nil {
		v = &plan.Values{}
	}
	owner = v.EndpointOwner
	if owner == "" {
		owner = "(unknown)"
	}
	from = "new endpoint"
	if c.Before != nil && c.Before.State != "" {
		from = c.Before.State
	}
	if c.After != nil {
		to = c.After.State
	}
	return owner, from, to
}

func (t *textRenderer) connection(c *plan.Change) {
	owner, from, to := connectionStates(c)
	t.linef("  %s %s (account %s: %s -> %s)", t.sym(c.Action), c.Address, owner, from, to)
	if c.Reason != "" {
		t.linef("      # %s", c.Reason)
	}
}

// line is one attribute line before alignment.
type line struct {
	sym, name, value, comment string
	sub                       []string // item lines under the attribute
	block                     []string // verbatim lines (policy, tags)
}

func (t *textRenderer) attributes(c *plan.Change) {
	var lines []line
	unknown := func(name string) bool { _, ok := c.Refs[name]; return ok }
	forces := map[string]bool{}
	for _, r := range c.ReplaceReasons {
		forces[r] = true
	}
	comment := func(name string) string {
		if forces[name] {
			return t.color(ansiRed, "# forces replacement")
		}
		return ""
	}
	switch c.Action {
	case plan.Create:
		for _, a := range c.After.Attributes() {
			lines = append(lines, t.setLine("+", a.Name, a.Value))
		}
		for _, name := range slices.Sorted(maps.Keys(c.Refs)) {
			if !hasAttr(c.After, name) {
				lines = append(lines, line{sym: "+", name: name, value: "(known after apply)"})
			}
		}
		sort.SliceStable(lines, func(i, j int) bool { return plan.AttrRank(lines[i].name) < plan.AttrRank(lines[j].name) })
	case plan.Delete:
		for _, a := range c.Before.Attributes() {
			lines = append(lines, t.setLine("-", a.Name, a.Value))
		}
	default:
		if c.PriorAccountID != "" && c.PriorAccountID != c.AccountID {
			lines = append(lines, line{sym: "~", name: "account", value: c.PriorAccountID + " -> " + c.AccountID, comment: comment("account")})
		}
		if c.PriorRegion != "" && c.PriorRegion != c.Region {
			lines = append(lines, line{sym: "~", name: "region", value: c.PriorRegion + " -> " + c.Region, comment: comment("region")})
		}
		diffs := plan.Diff(c.Kind, c.Before, c.After)
		changed := map[string]bool{}
		for _, d := range diffs {
			changed[d.Name] = true
			if unknown(d.Name) {
				continue
			}
			lines = append(lines, t.diffLine(d, comment(d.Name)))
		}
		for _, name := range slices.Sorted(maps.Keys(c.Refs)) {
			before := ""
			if c.Before != nil {
				before = attrString(c.Before, name)
			}
			v := "(known after apply)"
			if before != "" {
				v = before + " -> " + v
			}
			changed[name] = true
			lines = append(lines, line{sym: "~", name: name, value: v, comment: comment(name)})
		}
		hidden := 0
		for _, a := range c.After.Attributes() {
			if !changed[a.Name] {
				hidden++
			}
		}
		if hidden > 0 {
			defer t.linef("        # (%d unchanged attributes hidden)", hidden)
		}
	}
	if note := plan.PrivateDNSNote(c); note != "" {
		defer t.linef("        # %s", note)
	}
	t.writeLines(lines)
}

func (t *textRenderer) writeLines(lines []line) {
	width := 0
	for _, l := range lines {
		if len(l.name) > width {
			width = len(l.name)
		}
	}
	for _, l := range lines {
		sym := t.color(symColor(l.sym), l.sym)
		if l.block != nil {
			t.linef("      %s %-*s = %s", sym, width, l.name, l.value)
			for _, b := range l.block {
				t.linef("%s", b)
			}
			continue
		}
		s := fmt.Sprintf("      %s %-*s = %s", sym, width, l.name, l.value)
		if l.comment != "" {
			s += " " + l.comment
		}
		t.linef("%s", s)
		for _, sub := range l.sub {
			t.linef("%s", sub)
		}
	}
}

func symColor(s string) string {
	switch s {
	case "+":
		return ansiGreen
	case "-":
		return ansiRed
	case "~":
		return ansiYellow
	}
	return ""
}

func (t *textRenderer) setLine(sym, name string, v any) line {
	switch val := v.(type) {
	case map[string]string:
		l := line{sym: sym, name: name, value: "{"}
		l.block = t.mapLines(sym, val, nil)
		l.block = append(l.block, "        }")
		return l
	case string:
		if name == "policy" {
			l := line{sym: sym, name: name, value: "<<EOT"}
			for _, pl := range strings.Split(plan.PrettyPolicy(val), "\n") {
				l.block = append(l.block, "          "+t.color(symColor(sym), sym)+" "+pl)
			}
			l.block = append(l.block, "        EOT")
			return l
		}
	}
	return line{sym: sym, name: name, value: formatValue(v)}
}

// mapLines lists map entries (a set, or a diff against before).
func (t *textRenderer) mapLines(sym string, after, before map[string]string) []string {
	keys := map[string]bool{}
	for k := range after {
		keys[k] = true
	}
	for k := range before {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	width := 0
	for k := range keys {
		names = append(names, k)
		if len(k) > width {
			width = len(k)
		}
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		a, inA := after[k]
		b, inB := before[k]
		switch {
		case before == nil:
			out = append(out, fmt.Sprintf("          %s %-*s = %s", t.color(symColor(sym), sym), width, k, formatValue(a)))
		case inA && !inB:
			out = append(out, fmt.Sprintf("          %s %-*s = %s", t.color(ansiGreen, "+"), width, k, formatValue(a)))
		case inB && !inA:
			out = append(out, fmt.Sprintf("          %s %-*s = %s", t.color(ansiRed, "-"), width, k, formatValue(b)))
		case a != b:
			out = append(out, fmt.Sprintf("          %s %-*s = %s -> %s", t.color(ansiYellow, "~"), width, k, formatValue(b), formatValue(a)))
		}
	}
	return out
}

func (t *textRenderer) diffLine(d plan.AttrDiff, comment string) line {
	if d.Name == "policy" {
		b, _ := d.Before.(string)
		a, _ := d.After.(string)
		l := line{sym: "~", name: "policy", value: "<<EOT"}
		l.block = append(t.policyDiff(b, a), "        EOT")
		return l
	}
	bm, bIsMap := d.Before.(map[string]string)
	am, aIsMap := d.After.(map[string]string)
	if bIsMap || aIsMap {
		if bm == nil {
			bm = map[string]string{}
		}
		l := line{sym: "~", name: d.Name, value: "{"}
		l.block = append(t.mapLines("~", am, bm), "        }")
		return l
	}
	l := line{sym: "~", name: d.Name, value: formatValue(d.Before) + " -> " + formatValue(d.After), comment: comment}
	if d.Before == nil {
		l.sym, l.value = "+", formatValue(d.After)
	} else if d.After == nil {
		l.sym, l.value = "-", formatValue(d.Before)+" -> (none)"
	}
	bl, bIsList := d.Before.([]string)
	al, aIsList := d.After.([]string)
	if bIsList && aIsList {
		for _, s := range minus(al, bl) {
			l.sub = append(l.sub, "          "+t.color(ansiGreen, "+")+" "+s)
		}
		for _, s := range minus(bl, al) {
			l.sub = append(l.sub, "          "+t.color(ansiRed, "-")+" "+s)
		}
	}
	return l
}

// policyDiff is a line diff of the pretty-printed normalized policies.
func (t *textRenderer) policyDiff(before, after string) []string {
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(plan.PrettyPolicy(before)+"\n", plan.PrettyPolicy(after)+"\n")
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out []string
	for _, d := range diffs {
		text := strings.TrimSuffix(d.Text, "\n")
		for _, l := range strings.Split(text, "\n") {
			switch d.Type {
			case diffmatchpatch.DiffInsert:
				out = append(out, "          "+t.color(ansiGreen, "+")+" "+l)
			case diffmatchpatch.DiffDelete:
				out = append(out, "          "+t.color(ansiRed, "-")+" "+l)
			default:
				out = append(out, "            "+l)
			}
		}
	}
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		found := false
		for _, x := range b {
			if x == s {
				found = true
				break
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	return out
}

func formatValue(v any) string {
	switch val := v.(type) {
	case nil:
		return "(none)"
	case string:
		if val == "" {
			return `""`
		}
		return val
	case bool:
		return fmt.Sprint(val)
	case []string:
		return "[" + strings.Join(val, ", ") + "]"
	case map[string]string:
		parts := make([]string, 0, len(val))
		for _, k := range slices.Sorted(maps.Keys(val)) {
			parts = append(parts, k+" = "+val[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func hasAttr(v *plan.Values, name string) bool {
	for _, a := range v.Attributes() {
		if a.Name == name {
			return true
		}
	}
	return false
}

func attrString(v *plan.Values, name string) string {
	for _, a := range v.Attributes() {
		if a.Name == name {
			return formatValue(a.Value)
		}
	}
	return ""
}

func (t *textRenderer) diagnostics(ds []plan.Diagnostic) {
	if len(ds) == 0 {
		return
	}
	t.linef("%s", t.color(ansiBold, "Diagnostics:"))
	t.linef("")
	for _, d := range ds {
		label := t.color(ansiYellow+ansiBold, "Warning")
		if d.Severity == plan.SeverityError {
			label = t.color(ansiRed+ansiBold, "Error")
		} else if d.Severity == plan.SeverityInfo {
			label = t.color(ansiCyan+ansiBold, "Note")
		}
		where := ""
		if d.Account != "" || d.Region != "" {
			where = fmt.Sprintf(" (%s)", strings.Trim(d.Account+" "+d.Region, " "))
		}
		t.linef("  %s %s%s: %s", label, d.Code, where, d.Message)
		if d.Hint != "" {
			t.linef("    hint: %s", d.Hint)
		}
	}
	t.linef("")
}
