package awsenv

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/aws/smithy-go/logging"
)

// sdkLogger is the AWS SDK's logger for plink: the SDK's own lines go to
// stderr marked as the SDK's, except the warning that a response body
// could not be drained, which smithy-go logs whenever a call is cut off
// (an interrupt, a timeout, a reset): it says nothing a user can act on.
type sdkLogger struct {
	mu sync.Mutex
	w  io.Writer
}

// quietSDKLines are the SDK's messages plink does not pass on.
var quietSDKLines = []string{"failed to discard remaining HTTP response body"}

func (l *sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	for _, q := range quietSDKLines {
		if strings.Contains(msg, q) {
			return
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "plink: aws sdk %s: %s\n", strings.ToLower(string(c)), msg)
}

// stderrLogger is the logger every client of a run shares.
var stderrLogger logging.Logger = &sdkLogger{w: os.Stderr}
