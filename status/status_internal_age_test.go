package status

import (
	"testing"
	"time"
)

// TestRoundAge: an age reads in days past two days, in minutes past one,
// and in seconds under a minute (it read "0s" for a 20-second wait).
func TestRoundAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second:               "20s",
		90*time.Second + time.Second/3: "2m0s",
		3*time.Hour + 29*time.Second:   "3h0m0s",
		50 * time.Hour:                 "2 days",
	} {
		if got := roundAge(d); got != want {
			t.Errorf("roundAge(%s) = %q, want %q", d, got, want)
		}
	}
}
