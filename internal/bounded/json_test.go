package bounded

import (
	"strings"
	"testing"
)

func TestScanJSON(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		kind      string
		line, col int
	}{
		{"object", `{"a": 1, "b": [1, 2], "c": {"d": null}}`, "", 0, 0},
		{"duplicate key", `{"action": "delete", "action": "create"}`, DuplicateKey, 1, 22},
		{"duplicate key after escapes", `{"a": 1, "\u0061": 2}`, DuplicateKey, 1, 10},
		{"one key in two objects", `[{"a": 1}, {"a": 2}]`, "", 0, 0},
		{"duplicate top-level object", "{\"plan\": {},\n \"plan\": {}}", DuplicateKey, 2, 2},
		{"key in a value is not a key", `{"a": "b", "b": "a"}`, "", 0, 0},
		{"too deep", `{"a": [[[1]]]}`, TooDeep, 1, 9},
		{"unclosed", strings.Repeat("[", 100), TooDeep, 1, 4},
		{"too wide", `[1, 2, 3, 4]`, TooWide, 1, 11},
		{"object too wide", `{"a": 1, "b": 2, "c": 3, "d": 4}`, TooWide, 1, 26},
		{"entries in all", `[[1, 2, 3], [1, 2, 3], [1, 2, [3]]]`, TooMany, 1, 32},
		{"string too long", `{"a": "` + strings.Repeat("x", 39) + `"}`, TooLong, 1, 7},
		{"quote inside a string", `{"a": "\"{{{{", "b": 1}`, "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ScanJSON([]byte(tc.doc), small)
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("not refused; want %s at %d:%d", tc.kind, tc.line, tc.col)
			}
			if err.Kind != tc.kind || err.Line != tc.line || err.Column != tc.col {
				t.Fatalf("got %s at %d:%d (%v); want %s at %d:%d", err.Kind, err.Line, err.Column, err, tc.kind, tc.line, tc.col)
			}
		})
	}
	err := ScanJSON([]byte(`{"action": 1, "action": 2}`), Limits{})
	if want := `line 1, column 15: duplicate key "action"; first defined at line 1, column 2`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("a", 60_000_000)
	short, note := Cut(long)
	if short != strings.Repeat("a", QuotePrefix)+"…" || note != " (60,000,000 characters)" {
		t.Fatalf("Cut = %q, %q", short[:min(len(short), 80)], note)
	}
	for _, s := range []string{"payments-api", strings.Repeat("é", MaxQuote), "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments/50dc6c495c0c9188"} {
		if Quote(s) != s {
			t.Errorf("Quote(%q) = %q, want it whole", s, Quote(s))
		}
	}
	if got := Quote(strings.Repeat("é", MaxQuote+1)); got != strings.Repeat("é", QuotePrefix)+"… (129 characters)" {
		t.Errorf("a cut splits characters: %q", got)
	}
	if got := Quote("a\xffb"); got != "a?b" {
		t.Errorf("invalid UTF-8 kept: %q", got)
	}
	for _, secret := range []string{
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6" + strings.Repeat("Ab1+", 60),
	} {
		if got := Quote(secret); strings.Contains(got, "EXAMPLEKEY") || strings.Contains(got, "IQoJ") || !strings.Contains(got, "not shown") {
			t.Errorf("Quote(secret) = %q", got)
		}
	}
	for _, s := range []string{strings.Repeat("a", 50), "subnet-0123456789abcdef0", "payments-api-consumer-in-us-east-1-production-2024"} {
		if LooksSecret(s) {
			t.Errorf("LooksSecret(%q)", s)
		}
	}
	if Thousands(0) != "0" || Thousands(999) != "999" || Thousands(1000) != "1,000" || Thousands(-1234567) != "-1,234,567" {
		t.Error("Thousands")
	}
}
