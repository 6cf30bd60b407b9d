package manifest

import "testing"

func TestTrailingComma(t *testing.T) {
	for _, tc := range []struct {
		in    string
		off   int
		comma int
		ok    bool
	}{
		{`{"a": 1, }`, 7, 7, true},     // reported at the comma
		{`{"a": 1, }`, 9, 7, true},     // reported at the brace after it
		{"[1, 2,\n ]", 5, 5, true},     // a list, a newline between
		{`{"a": 1, "b"}`, 7, 0, false}, // a comma with more after it
		{`{"a" 1}`, 5, 0, false},       // no comma at all
		{`{"a": 1,`, 8, 0, false},      // past the end
		{`{"a": 1,`, -1, 0, false},
	} {
		comma, ok := trailingComma([]byte(tc.in), tc.off)
		if comma != tc.comma || ok != tc.ok {
			t.Errorf("trailingComma(%q, %d) = %d, %v; want %d, %v", tc.in, tc.off, comma, ok, tc.comma, tc.ok)
		}
	}
}
