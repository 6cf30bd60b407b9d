package render_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
	"github.com/plinkdev/plink/plan/render"
)

func markdown(t *testing.T, p *plan.Plan) string {
	t.Helper()
	var b bytes.Buffer
	if err := render.Markdown(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMarkdownGolden(t *testing.T) {
	for _, sc := range scenario.All() {
		t.Run(sc.Name, func(t *testing.T) {
			p := compute(sc)
			md := markdown(t, p)
			golden(t, sc.Name+".md.golden", []byte(md))
			checkMarkdown(t, md)
			if again := markdown(t, compute(sc)); again != md {
				t.Error("Markdown is not deterministic")
			}
			// drawn from the JSON: the decoded plan renders the same
			var js bytes.Buffer
			if err := render.JSON(&js, p); err != nil {
				t.Fatal(err)
			}
			decoded, err := render.Decode(&js)
			if err != nil {
				t.Fatal(err)
			}
			if markdown(t, decoded) != md {
				t.Error("Markdown(p) != Markdown(decode(JSON(p)))")
			}
			// the collapsed section holds the text view, unchanged
			var text bytes.Buffer
			if err := render.Text(&text, p, render.TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if p.HasChanges() || len(p.Diagnostics) > 0 {
				if !strings.Contains(md, "```diff\n"+text.String()+"```\n") {
					t.Error("the details section does not hold the text view")
				}
			} else if strings.Contains(md, "<details>") {
				t.Error("a plan without changes or diagnostics needs no details section")
			}
			for _, c := range p.Changes {
				inTable := strings.Contains(md, "| `"+c.Address+"`")
				if c.Action == plan.NoOp && inTable {
					t.Errorf("no-op %s is in the table", c.Address)
				}
				if c.Action != plan.NoOp && !inTable {
					t.Errorf("%s %s is not in the table", c.Action, c.Address)
				}
			}
		})
	}
}

// unescapedPipes counts the pipes in a table line that separate cells: those
// not preceded by an odd number of backslashes.
func unescapedPipes(line string) int {
	n, bs := 0, 0
	for _, r := range line {
		switch {
		case r == '\\':
			bs++
			continue
		case r == '|' && bs%2 == 0:
			n++
		}
		bs = 0
	}
	return n
}

var rawHTML = regexp.MustCompile(`<(/?)([a-zA-Z]+)`)

// checkMarkdown asserts the structure every document must have.
func checkMarkdown(t *testing.T, md string) {
	t.Helper()
	if n := len(utf16.Encode([]rune(md))); n > render.MarkdownLimit {
		t.Errorf("document has %d characters, more than %d", n, render.MarkdownLimit)
	}
	if !strings.HasPrefix(md, render.MarkdownMarker+" project=") {
		t.Errorf("document does not start with the marker: %.60q", md)
	}
	first, _, _ := strings.Cut(md, "\n")
	if strings.Count(first, "--") != 2 || !strings.HasSuffix(first, " -->") {
		t.Errorf("marker line can end the comment early: %q", first)
	}
	head, details, hasDetails := strings.Cut(md, "<details>")
	for i, line := range strings.Split(head, "\n") {
		if strings.HasPrefix(line, "|") && unescapedPipes(line) != 7 {
			t.Errorf("table line %d has %d cell separators, want 7: %s", i, unescapedPipes(line), line)
		}
		for _, m := range rawHTML.FindAllStringSubmatch(line, -1) {
			if m[2] != "br" && m[2] != "sub" {
				t.Errorf("line %d has raw HTML <%s%s>: %s", i, m[1], m[2], line)
			}
		}
	}
	if !hasDetails {
		return
	}
	if strings.Count(md, "<details>") != 1 || !strings.Contains(details, "\n</details>\n") {
		t.Fatalf("details section is not closed once")
	}
	lines := strings.Split(details, "\n")
	open := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "```") {
			open = i
			break
		}
	}
	if open < 0 {
		if !strings.Contains(details, "(truncated)") {
			t.Error("details section without a code block is not marked truncated")
		}
		return
	}
	fence := strings.TrimSuffix(lines[open], "diff")
	if strings.Trim(fence, "`") != "" || len(fence) < 3 {
		t.Fatalf("bad opening fence %q", lines[open])
	}
	for i := open + 1; i < len(lines); i++ {
		l := strings.TrimLeft(lines[i], " ")
		if strings.HasPrefix(l, fence) && strings.Trim(l, "` ") == "" {
			if lines[i] != fence {
				t.Errorf("content line %q would close the code block", lines[i])
			}
			if !strings.HasPrefix(strings.Join(lines[i+1:], "\n"), "\n") {
				t.Error("no blank line after the code block")
			}
			return
		}
	}
	t.Error("the code block is never closed")
}

func hostile() *plan.Plan {
	yes := true
	return &plan.Plan{
		FormatVersion: plan.FormatVersion,
		Project:       "proj|<b>x</b>--> `y`",
		Changes: []plan.Change{
			{
				Address: "consumer.a|b<c>", Kind: plan.KindEndpoint, Action: plan.Update,
				Account: "team|<i>ops</i>", AccountID: "111111111111", Region: "us-east-1\nus-west-2",
				ID:     "vpce-`1`",
				Before: &plan.Values{PrivateDNSEnabled: &yes, Tags: map[string]string{"k": "v"}},
				After:  &plan.Values{PrivateDNSEnabled: &yes, Tags: map[string]string{"k": "```\n</details>\n````", "x|y": "a\\|b"}},
				Refs:   map[string]string{"service|Name": "provider.`p`"},
				Warnings: []string{
					"line one\nline two | <script>alert(1)</script> *bold* _it_ [link](http://x) $1 and $2 # h ~s~",
					"a\\|b\r\nc",
				},
			},
			{
				Address: "consumer.`tick`", Kind: plan.KindEndpoint, Action: plan.Delete,
				Account: "a", AccountID: "222222222222", Region: "eu-west-1", ID: "vpce-2",
				Before: &plan.Values{Type: "Interface"},
				Breaks: []string{"clients | lose <access>\n# not a heading\n- not an item"},
			},
			{
				Address: "provider.moved", Kind: plan.KindService, Action: plan.Replace,
				Account: "new", AccountID: "333333333333", Region: "us-west-2", ID: "vpce-svc-1",
				PriorAccount: "old", PriorAccountID: "444444444444", PriorRegion: "us-east-1",
				Before: &plan.Values{Type: "Interface"}, After: &plan.Values{Type: "Interface"},
				ReplaceReasons: []string{"account", "region"},
			},
			{
				Address: "provider.moved-region", Kind: plan.KindService, Action: plan.Replace,
				AccountID: "333333333333", Region: "us-west-2", ID: "vpce-svc-2",
				PriorAccountID: "333333333333", PriorRegion: "us-east-1",
				Before: &plan.Values{Type: "Interface"}, After: &plan.Values{Type: "Interface"},
				ReplaceReasons: []string{"region"},
			},
			{
				Address: "provider.stays", Kind: plan.KindService, Action: plan.Replace,
				Account: "new", AccountID: "333333333333", Region: "us-west-2", ID: "vpce-svc-3",
				PriorAccount: "new", PriorAccountID: "333333333333", PriorRegion: "us-west-2",
				Before: &plan.Values{Type: "Interface"}, After: &plan.Values{Type: "GatewayLoadBalancer"},
				ReplaceReasons: []string{"type"},
			},
		},
		Diagnostics: []plan.Diagnostic{{
			Severity: plan.SeverityError, Code: "PL9|9", Account: "a<b>", Region: "r",
			Message: "bad | <x>\nsecond line", Hint: "use ```code``` and </details>",
		}},
	}
}

func TestMarkdownEscaping(t *testing.T) {
	md := markdown(t, hostile())
	golden(t, "escaping.md.golden", []byte(md))
	checkMarkdown(t, md)
	for _, want := range []string{
		"`` consumer.`tick` ``",         // code span around backticks
		"&lt;script&gt;",                // HTML made inert
		`line one<br>line two \| `,      // line break and pipe in a cell
		`\*bold\* \_it\_ \[link\](http`, // emphasis and links made inert
		"&#36;1 and &#36;2",             // no GitHub math
		"a\\\\\\|b<br>c",                // a backslash before a pipe stays text
		"`` vpce-`1` ``",                // id with backticks
		"known after apply: `service\\|Name`",
		"### plink plan for proj\\|&lt;b&gt;x&lt;/b&gt;--&gt; \\`y\\`\n", // no code span for angle brackets
		"| consumer.a\\|b&lt;c&gt; (`` vpce-`1` ``) |",
		"  - breaks: clients \\| lose &lt;access&gt;<br>\\# not a heading<br>- not an item",
		"`PL9|9` (a&lt;b&gt; r): bad \\| &lt;x&gt;<br>second line", // no pipe escape outside tables
		"\n`````diff\n", // fence longer than the longest backtick run (4)
		"| `-/+` | replace | `provider.moved` (`vpce-svc-1`) | new (333333333333) | us-west-2 | moves from old (444444444444), us-east-1<br>replaced because of `account`, `region` |",
		"`provider.moved-region` (`vpce-svc-2`) in 333333333333, us-west-2; the resource it replaces is in 333333333333, us-east-1\n",
		"| `-/+` | replace | `provider.stays` (`vpce-svc-3`) | new (333333333333) | us-west-2 | changes `type`<br>replaced because of `type` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

// bigPlan has n created endpoints in accounts spread over regions, each with
// many tags, so that the text view is long.
func bigPlan(n int, action plan.Action) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Project: "big", PlinkVersion: "v0.0.0-test"}
	for i := 0; i < n; i++ {
		tags := map[string]string{}
		for j := 0; j < 8; j++ {
			tags[fmt.Sprintf("tag-%d", j)] = fmt.Sprintf("value %d of endpoint %d 𝄞", j, i)
		}
		v := &plan.Values{Type: "Interface", VPCID: "vpc-0abc", SubnetIDs: []string{"subnet-1", "subnet-2"}, Tags: tags}
		c := plan.Change{
			Address: fmt.Sprintf("consumer.endpoint-%04d", i), Kind: plan.KindEndpoint, Action: action,
			Account: fmt.Sprintf("acct-%d", i%7), AccountID: fmt.Sprintf("%012d", i%7), Region: []string{"us-east-1", "eu-west-1"}[i%2],
		}
		if action == plan.Delete {
			c.ID, c.Before = fmt.Sprintf("vpce-%d", i), v
			c.Breaks = []string{fmt.Sprintf("clients in vpc-0abc lose access to service %d 𝄞", i)}
		} else {
			c.After = v
		}
		p.Changes = append(p.Changes, c)
	}
	p.Diagnostics = []plan.Diagnostic{{Severity: plan.SeverityWarning, Code: "PL102", Message: "a warning"}}
	return p
}

func TestMarkdownTruncation(t *testing.T) {
	tests := []struct {
		name   string
		p      *plan.Plan
		want   []string
		absent []string
		noRows bool // the destroys alone fill the comment
	}{
		{
			name:   "details cut",
			p:      bigPlan(120, plan.Create),
			want:   []string{"<summary>Full plan (truncated)</summary>", "lines are not shown to keep this comment within GitHub's size limit", "```diff\nplink will perform", "| `+` | create | `consumer.endpoint-0119` |", "`PL102`"},
			absent: []string{"more changes are not listed"},
		},
		{
			name:   "table cut",
			p:      bigPlan(1500, plan.Create),
			want:   []string{"<summary>Full plan (truncated)</summary>", "lines, too many to show to keep this comment within GitHub's size limit.", "more changes are not listed", "| `+` | create | `consumer.endpoint-0000` |", "`PL102`"},
			absent: []string{"```diff"},
		},
		{
			name:   "destroys cut",
			p:      bigPlan(1500, plan.Delete),
			want:   []string{"more destructive changes are not listed", "1500 more changes are not listed", "`PL102`"},
			noRows: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := markdown(t, tt.p)
			checkMarkdown(t, md)
			if rows := strings.Count(md, "\n| `"); (rows == 0) != tt.noRows || rows >= len(tt.p.Changes) && strings.Contains(md, "more changes are not listed") {
				t.Errorf("%d table rows for %d changes", rows, len(tt.p.Changes))
			}
			if n := len(utf16.Encode([]rune(md))); n < render.MarkdownLimit-2000 {
				t.Errorf("document has %d characters; it was cut more than needed", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(md, w) {
					t.Errorf("Markdown lacks %q", w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(md, a) {
					t.Errorf("Markdown has %q", a)
				}
			}
			if !strings.HasSuffix(md, "</details>\n\n<sub>plink v0.0.0-test</sub>\n") {
				t.Errorf("document does not end with the details and footer: %q", md[len(md)-80:])
			}
		})
	}
}

func TestMarkdownOnlyErrors(t *testing.T) {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Project: "p", Changes: []plan.Change{},
		Diagnostics: []plan.Diagnostic{{Severity: plan.SeverityError, Code: "PL201", Message: "reading failed"}}}
	md := markdown(t, p)
	checkMarkdown(t, md)
	for _, want := range []string{
		"**No changes planned, but the plan has errors.**<br>\n❌ The plan has 1 error and cannot be applied.\n",
		"- ❌ **Error** `PL201`: reading failed\n",
		"<details><summary>Full plan</summary>",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "#### Changes") || strings.Contains(md, "Destroys") {
		t.Errorf("a plan without changes has a changes table or destroys:\n%s", md)
	}
}

func TestMarkdownErrors(t *testing.T) {
	var b bytes.Buffer
	if err := render.Markdown(&b, nil); err == nil || err.Error() != "render: no plan to write" {
		t.Errorf("Markdown(nil) error = %v", err)
	}
	bad := compute(scenario.All()[0])
	bad.FormatVersion = "2.0"
	if err := render.Markdown(&b, bad); err == nil || !strings.Contains(err.Error(), `formatVersion "2.0" is not supported`) {
		t.Errorf("Markdown of a plan of another major version: error = %v", err)
	}
	err := render.Markdown(failWriter{}, compute(scenario.All()[0]))
	if err == nil || !strings.Contains(err.Error(), "render: writing plan Markdown: ") {
		t.Errorf("Markdown to a failing writer: error = %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("failed Markdown wrote %q", b.String())
	}
}
