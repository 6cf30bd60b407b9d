package iostreams

import "testing"

func TestColorOnlyOnATerminalWithoutNoColor(t *testing.T) {
	for _, tc := range []struct {
		name          string
		tty, disabled bool
		want          bool
	}{
		{"pipe", false, false, false},
		{"terminal", true, false, true},
		{"terminal with --no-color", true, true, false},
	} {
		s, _, _, _ := Test()
		s.SetTTY(tc.tty, tc.tty, tc.tty)
		if tc.disabled {
			s.DisableColor()
		}
		if got := s.ColorEnabled(); got != tc.want {
			t.Errorf("%s: ColorEnabled() = %v, want %v", tc.name, got, tc.want)
		}
		if got := s.CanPrompt(); got != tc.tty {
			t.Errorf("%s: CanPrompt() = %v, want %v", tc.name, got, tc.tty)
		}
	}
}

func TestSystemHonoursNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	s := System()
	s.SetTTY(true, true, true)
	if s.ColorEnabled() || s.ColorEnabledStderr() {
		t.Fatal("NO_COLOR=1 must turn colour off even on a terminal")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	s = System()
	s.SetTTY(true, true, true)
	if !s.ColorEnabled() {
		t.Fatal("an empty NO_COLOR must not turn colour off (no-color.org)")
	}
}
