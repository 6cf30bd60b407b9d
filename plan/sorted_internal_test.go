package plan

import (
	"slices"
	"testing"
)

// TestSortedSharesCleanLists: a list sorted would not change is returned
// itself, capped so that appending to the result never writes into the
// manifest's array; any other list is copied, and the input is untouched.
func TestSortedSharesCleanLists(t *testing.T) {
	in := make([]string, 2, 4)
	in[0], in[1] = "a", "b"
	got := sorted(in)
	if &got[0] != &in[0] || cap(got) != len(in) {
		t.Fatalf("clean list copied or not capped: cap %d", cap(got))
	}
	_ = append(got, "c")
	if in[:3][2] != "" {
		t.Fatal("append to the result wrote into the input's array")
	}
	for _, tt := range []struct{ in, drop, want []string }{
		{[]string{"b", "a"}, nil, []string{"a", "b"}},
		{[]string{"a", "a"}, nil, []string{"a"}},
		{[]string{"", "a"}, nil, []string{"a"}},
		{[]string{"a", "b"}, []string{"b"}, []string{"a"}},
		{[]string{""}, nil, nil},
	} {
		orig := slices.Clone(tt.in)
		if got := sorted(tt.in, tt.drop...); !slices.Equal(got, tt.want) || (len(got) > 0 && &got[0] == &tt.in[0]) {
			t.Errorf("sorted(%q, %q) = %q, want a copy %q", tt.in, tt.drop, got, tt.want)
		}
		if !slices.Equal(tt.in, orig) {
			t.Errorf("sorted changed its input %q to %q", orig, tt.in)
		}
	}
}
