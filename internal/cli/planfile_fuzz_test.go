package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/plinkdev/plink/plan"
)

// echoWindow is the longest run of a saved plan's bytes an error may
// repeat: enough for a short value quoted as quoteValue cuts it (120
// characters), never the start of an arbitrary file.
const echoWindow = 128

// FuzzReadPlanFile feeds readPlanFile arbitrary files: it must never
// panic, must either refuse the file or return a plan, and its errors must
// never repeat more than echoWindow bytes of what the file holds (the path
// is the caller's, so it may appear).
func FuzzReadPlanFile(f *testing.F) {
	valid := func(p map[string]any, extra map[string]any) []byte {
		sp := map[string]any{"format": planFileFormat, "createdAt": "2026-01-01T00:00:00Z",
			"manifestPaths": []string{"plink.yaml"}, "sandbox": true, "plan": p}
		for k, v := range extra {
			sp[k] = v
		}
		b, _ := json.Marshal(sp)
		return b
	}
	minimal := map[string]any{"formatVersion": plan.FormatVersion, "project": "p", "changes": []any{}}
	withChange := map[string]any{"formatVersion": plan.FormatVersion, "project": "p", "changes": []any{
		map[string]any{"address": "provider.api", "kind": "endpoint_service", "action": "create", "account": "a",
			"accountId": "111111111111", "region": "us-east-1", "after": map[string]any{"acceptanceRequired": true}}},
		"fingerprints": map[string]any{"vpce-svc-0123456789abcdef0": "ab12"}}
	for _, seed := range [][]byte{
		valid(minimal, nil),
		valid(withChange, map[string]any{"allowDisconnect": true}),
		valid(map[string]any{"formatVersion": "9.0"}, nil),
		valid(map[string]any{"project": "p"}, nil),
		valid(minimal, map[string]any{"format": "plink-saved-plan/2"}),
		[]byte(`{"format":"` + planFileFormat + `","plan":{"formatVersion":"1.0","changes":null}}`),
		[]byte(`{"format":"` + planFileFormat + `","plan":"not an object"}`),
		[]byte(`{"format":"` + planFileFormat + `","plan":{"formatVersion":"1.0","changes":[{"action":7}]}}`),
		[]byte("[aws_access_key_id]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
		[]byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"),
		{},
		[]byte("null"),
		[]byte(`{"format":`),
		{0xff, 0xfe, '{', '"'},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "plan.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sp, p, err := readPlanFile(path)
		if err != nil {
			if sp != nil || p != nil {
				t.Fatalf("an error and a plan at once: %v", err)
			}
			msg := strings.ReplaceAll(err.Error(), path, "")
			if leak := echoed(data, msg); leak != "" {
				t.Fatalf("the error repeats %d bytes of the file (%q...):\n%s", len(leak), leak[:min(len(leak), 40)], msg)
			}
			return
		}
		if sp == nil || p == nil {
			t.Fatal("no error and no plan")
		}
		if sp.Format != planFileFormat {
			t.Fatalf("accepted format %q", sp.Format)
		}
	})
}

// echoed returns the longest run, of at least echoWindow bytes, of text
// (letters, digits, punctuation, spaces) from data that msg contains, or "".
func echoed(data []byte, msg string) string {
	isText := func(r rune) bool { return r < unicode.MaxASCII && (unicode.IsPrint(r) || r == ' ') }
	runs := bytes.FieldsFunc(data, func(r rune) bool { return !isText(r) })
	best := ""
	for _, run := range runs {
		for i := 0; i+echoWindow <= len(run); i++ {
			if !strings.Contains(msg, string(run[i:i+echoWindow])) {
				continue
			}
			j := i + echoWindow
			for j < len(run) && strings.Contains(msg, string(run[i:j+1])) {
				j++
			}
			if j-i > len(best) {
				best = string(run[i:j])
			}
		}
	}
	return best
}

// TestEchoed: the leak check finds a long run and ignores a short one.
func TestEchoed(t *testing.T) {
	long := strings.Repeat("x1", echoWindow)
	if got := echoed([]byte("a\x00"+long+"\x00b"), "error: "+long); got != long {
		t.Errorf("long run: got %d bytes, want %d", len(got), len(long))
	}
	if got := echoed([]byte(long), "error: "+long[:echoWindow-1]); got != "" {
		t.Errorf("short run reported: %q", got)
	}
}
