package awsenv

// Credential helpers (credential_process) that plink starts are plink's to
// stop. The SDK's processcreds provider runs the helper with the context
// the credentials cache gives it, and the cache suppresses the caller's
// cancellation: --timeout and SIGINT/SIGTERM never reach the helper, and
// its own one-minute timeout kills only `sh`, not what the helper started.
// In a cron job such helpers pile up. So plink replaces that provider with
// processProvider: the same command line, run the same way (sh -c, the
// environment, stdin and stderr passed through for MFA prompts), but in a
// process group of its own, killed whole when the run's context ends, when
// the retrieval gives up, or when plink exits (StopHelpers).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// helperTimeout bounds one run of a credential helper, as the SDK's
// processcreds.DefaultTimeout does (a variable for tests).
var helperTimeout = processcreds.DefaultTimeout

// helperOutputCap bounds what a helper may print: credentials are a few
// KiB, and a helper that streams forever must not fill plink's memory.
const helperOutputCap = 1 << 20

// running are the helpers started and not yet reaped, for StopHelpers.
var running = struct {
	sync.Mutex
	procs map[*os.Process]bool // → whether it leads a process group of its own
}{procs: map[*os.Process]bool{}}

// StopHelpers kills every credential helper plink started that is still
// running, with everything it started. plink calls it before it exits, on
// every path (os.Exit skips deferred calls and pending context callbacks).
func StopHelpers() {
	running.Lock()
	defer running.Unlock()
	for p, grouped := range running.procs {
		killHelper(p, grouped)
	}
}

// processProvider runs a credential_process command line.
type processProvider struct {
	command string
	// stop is the run's context: when it ends, a helper still running is
	// killed even though the cache suppressed the caller's cancellation.
	stop context.Context
}

// useOwnProcessCredentials replaces the SDK's processcreds provider, when
// cfg's credentials come from one, by processProvider with the same
// command line (the shared-config profile's credential_process).
func useOwnProcessCredentials(cfg *aws.Config, stop context.Context) {
	if cfg.Credentials == nil || !aws.IsCredentialsProvider(cfg.Credentials, (*processcreds.Provider)(nil)) {
		return
	}
	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok && sc.CredentialProcess != "" {
			cfg.Credentials = aws.NewCredentialsCache(&processProvider{command: sc.CredentialProcess, stop: stop})
			return
		}
	}
}

// Retrieve runs the helper and reads the credentials it prints, in the
// format the AWS CLI and SDKs define (Version 1).
func (p *processProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	fail := func(format string, a ...any) (aws.Credentials, error) {
		return aws.Credentials{Source: processcreds.ProviderName}, &processcreds.ProviderError{Err: fmt.Errorf(format, a...)}
	}
	shell := []string{"sh", "-c"}
	if runtime.GOOS == "windows" {
		shell = []string{"cmd.exe", "/C"}
	}
	cmd := exec.Command(shell[0], shell[1], p.command)
	cmd.Env = os.Environ()
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	out := &cappedBuffer{max: helperOutputCap}
	cmd.Stdout = out
	grouped := ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return fail("credential_process %q: %w", p.command, err)
	}
	running.Lock()
	running.procs[cmd.Process] = grouped
	running.Unlock()
	defer func() {
		running.Lock()
		delete(running.procs, cmd.Process)
		running.Unlock()
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(helperTimeout)
	defer timer.Stop()
	var why string
	select {
	case err := <-done:
		if out.over {
			return fail("credential_process %q printed more than %d bytes", p.command, helperOutputCap)
		}
		if err != nil {
			return fail("error in credential_process %q: %w", p.command, err)
		}
	case <-ctx.Done():
		why = "the call that needed it ended: " + context.Cause(ctx).Error()
	case <-p.stop.Done():
		why = "plink is stopping: " + context.Cause(p.stop).Error()
	case <-timer.C:
		why = fmt.Sprintf("it ran longer than %s", helperTimeout)
	}
	if why != "" {
		killHelper(cmd.Process, grouped)
		<-done // reap it; its group is gone, so nothing holds stdout open
		return fail("credential_process %q was stopped, with every process it started: %s", p.command, why)
	}
	var resp processcreds.CredentialProcessResponse
	if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
		// The output may hold a secret: name the error, not the text.
		return fail("credential_process %q: its output is not the credentials JSON: %w", p.command, err)
	}
	switch {
	case resp.Version != 1:
		return fail("credential_process %q: Version is %d, want 1", p.command, resp.Version)
	case resp.AccessKeyID == "":
		return fail("credential_process %q: no AccessKeyId in its output", p.command)
	case resp.SecretAccessKey == "":
		return fail("credential_process %q: no SecretAccessKey in its output", p.command)
	}
	creds := aws.Credentials{
		Source:          processcreds.ProviderName,
		AccessKeyID:     resp.AccessKeyID,
		SecretAccessKey: resp.SecretAccessKey,
		SessionToken:    resp.SessionToken,
		AccountID:       resp.AccountID,
	}
	if resp.Expiration != nil {
		creds.CanExpire, creds.Expires = true, *resp.Expiration
	}
	return creds, nil
}

// cappedBuffer keeps at most max bytes and remembers that there were more.
// The buffer is a field, not embedded: an embedded bytes.Buffer's ReadFrom
// would let io.Copy bypass Write and the cap.
type cappedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.buf.Len()+len(p) > b.max {
		b.over = true
		return 0, errors.New("credential_process output over its cap")
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) Bytes() []byte { return b.buf.Bytes() }
