package awsenv

import (
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"
)

// TestSDKLoggerDropsTheDrainWarning: the SDK's warning that a cut-off
// response body could not be drained never reaches the user; the SDK's
// other lines do, marked as the SDK's.
func TestSDKLoggerDropsTheDrainWarning(t *testing.T) {
	var b strings.Builder
	l := &sdkLogger{w: &b}
	l.Logf(logging.Warn, "failed to discard remaining HTTP response body, this may affect connection reuse: %v", "context canceled")
	if b.Len() != 0 {
		t.Fatalf("the drain warning was passed on: %q", b.String())
	}
	l.Logf(logging.Warn, "Response has no supported checksum. Not validating response payload.")
	if got := b.String(); got != "plink: aws sdk warn: Response has no supported checksum. Not validating response payload.\n" {
		t.Fatalf("got %q", got)
	}
}
