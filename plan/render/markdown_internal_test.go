package render

import (
	"strings"
	"testing"

	"github.com/plinkdev/plink/plan"
	"github.com/plinkdev/plink/plan/internal/scenario"
)

// TestFitEveryLimit fits a document with parts of every kind into every
// size from too small to large enough: the result is the whole document
// once that fits, never exceeds the limit above the least document fit can
// make, and is that least document below it.
func TestFitEveryLimit(t *testing.T) {
	var sc scenario.Scenario
	for _, s := range scenario.All() {
		if s.Name == "service-deleted-with-connections" {
			sc = s
		}
	}
	p := plan.Compute(sc.Manifest, sc.Snapshot, plan.Options{PlinkVersion: "v0"})
	p.Diagnostics = append(p.Diagnostics,
		plan.Diagnostic{Severity: plan.SeverityWarning, Code: "PL1", Message: "one"},
		plan.Diagnostic{Severity: plan.SeverityError, Code: "PL2", Message: "two"})
	d := newMarkdownDoc(p)
	if len(d.destroys) == 0 || len(d.rows) == 0 || len(d.diags) == 0 || len(d.full) == 0 {
		t.Fatalf("test document lacks a part: %+v", d)
	}
	whole := d.render(noLimits)
	least := charCount(d.fit(0))
	if zero := charCount(d.render(limits{0, 0, 0, 0})); least > zero {
		t.Fatalf("fit(0) has %d characters, more than the document cut to nothing (%d)", least, zero)
	}
	prev := 0
	for max := 0; max <= charCount(whole)+10; max += 7 {
		got := d.fit(max)
		n := charCount(got)
		switch {
		case max >= charCount(whole):
			if got != whole {
				t.Fatalf("limit %d: the whole document (%d) fits but was cut", max, charCount(whole))
			}
		case max >= least:
			if n > max {
				t.Fatalf("limit %d: document has %d characters", max, n)
			}
			if !strings.Contains(got, cutReason) {
				t.Fatalf("limit %d: cut document does not say so", max)
			}
		default:
			if n != least {
				t.Fatalf("limit %d below the minimum %d: got %d characters, want the minimum", max, least, n)
			}
		}
		if n+200 < prev {
			t.Fatalf("limit %d: document shrank from %d to %d characters as the limit grew", max, prev, n)
		}
		prev = n
	}
}

func TestCharCount(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "⚠": 1, "𝄞": 2, "a\xffb": 3} {
		if got := charCount(s); got != want {
			t.Errorf("charCount(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestMarkdownInline(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		name, in string
		want     string
	}{
		{mdCode, "empty", "", ""},
		{mdCode, "plain", "provider.api", "`provider.api`"},
		{mdCode, "inner tick", "a`b", "``a`b``"},
		{mdCode, "edge ticks", "``x`", "``` ``x` ```"},
		{mdCode, "spaces kept", " a ", "`  a  `"},
		{mdCode, "newline", "a\nb\r\nc", "`a b c`"},
		{mdCode, "pipe outside table", "a|b", "`a|b`"},
		{mdCode, "angle brackets", "a<b>", `a&lt;b&gt;`},
		{mdCode, "invalid utf-8", "a\xffb", "`a\uFFFDb`"},
		{mdCodeCell, "pipe in table", "a|b", "`a\\|b`"},
		{mdCodeCell, "backslash", `a\|b`, `a\\\|b`},
		{mdText, "html", "<a href='x'>&amp;</a>", "&lt;a href='x'&gt;&amp;amp;&lt;/a&gt;"},
		{mdText, "markdown", "*a* _b_ [c] `d` ~e~ #f", "\\*a\\* \\_b\\_ \\[c\\] \\`d\\` \\~e\\~ \\#f"},
		{mdText, "lines", "a\nb\r\nc\rd", "a<br>b<br>c<br>d"},
		{mdText, "dollars", "$1 $2", "&#36;1 &#36;2"},
		{mdText, "invalid utf-8", "a\xffb", "a\uFFFDb"},
		{func(s string) string { return accountName("", s) }, "no alias", "1", "1"},
		{func(s string) string { return accountName(s, "") }, "no id", "a", "a"},
		{commentSafe, "comment", "a--b--->c", "a-b-_c"},
		{commentSafe, "trailing dash", "x-", "x"},
		{codeFence, "short", "a ``b`` c", "```"},
		{codeFence, "long", "a\n`````\nb", "``````"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s: %q -> %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestMovedFrom(t *testing.T) {
	tests := []struct {
		c    plan.Change
		want string
	}{
		{plan.Change{Account: "a", AccountID: "1", Region: "r1"}, ""},
		{plan.Change{Account: "a", AccountID: "1", Region: "r1", PriorAccountID: "1", PriorRegion: "r1"}, ""},
		{plan.Change{Account: "a", AccountID: "1", Region: "r1", PriorRegion: "r2"}, "a (1), r2"},
		{plan.Change{Account: "a", AccountID: "1", Region: "r1", PriorAccount: "b", PriorAccountID: "2"}, "b (2), r1"},
	}
	for _, tt := range tests {
		if got := movedFrom(&tt.c); got != tt.want {
			t.Errorf("movedFrom(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestWhatChangesConnectionWithoutValues(t *testing.T) {
	c := plan.Change{Address: "provider.p.connection[vpce-1]", Kind: plan.KindConnection, Action: plan.Reject}
	got := strings.Join(whatChanges(&c), "<br>")
	if want := "endpoint of account (unknown): new endpoint → "; got != want {
		t.Errorf("whatChanges = %q, want %q", got, want)
	}
}
