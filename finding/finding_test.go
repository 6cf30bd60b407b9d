package finding

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestRank(t *testing.T) {
	for s, want := range map[Severity]int{Error: 3, Warning: 2, Info: 1, "": 0, "fatal": 0} {
		if got := s.Rank(); got != want {
			t.Errorf("%q.Rank() = %d, want %d", s, got, want)
		}
	}
}

func TestIsError(t *testing.T) {
	for s, want := range map[Severity]bool{Error: true, "": true, Warning: false, Info: false} {
		if got := s.IsError(); got != want {
			t.Errorf("%q.IsError() = %v, want %v", s, got, want)
		}
	}
}

func TestFindingString(t *testing.T) {
	cases := []struct {
		f    Finding
		want string
	}{
		{Finding{Severity: Warning, Subject: "consumer.x", Message: "idle"}, "warning: consumer.x: idle"},
		{Finding{Message: "no severity"}, "error: no severity"},
	}
	for _, c := range cases {
		if got := c.f.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// The failure's JSON is the snapshot's, status's and drift's: the cause is
// not part of it.
func TestFailureJSON(t *testing.T) {
	f := Failure{Account: "a", AccountID: "1", Region: "r", Call: "c", Error: "boom", Err: errors.New("boom")}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"account":"a","accountId":"1","region":"r","call":"c","error":"boom"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if got, want := f.String(), "c in account a (1) region r: boom"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
