package live

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadGateHoldsAScope: ReadOptions.Gate holds an account-region's
// reads until it returns, while the others are read; a gate's error is
// the scope's one failure, with no call made there.
func TestReadGateHoldsAScope(t *testing.T) {
	fs := world()
	held := fs["checkout/us-east-1"]
	release := make(chan struct{})
	var mu sync.Mutex
	asked := map[string]bool{}
	others := make(chan struct{})
	var once sync.Once
	gate := func(ctx context.Context, account, region string) error {
		mu.Lock()
		asked[account+"/"+region] = true
		mu.Unlock()
		if account+"/"+region != "checkout/us-east-1" {
			return nil
		}
		// The others are read while this one waits.
		go func() {
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				p := fs["payments/us-east-1"]
				p.mu.Lock()
				n := len(p.calls)
				p.mu.Unlock()
				if n > 0 {
					once.Do(func() { close(others) })
					return
				}
			}
		}()
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := read(t, fs, ReadOptions{Gate: gate})
		done <- err
	}()
	select {
	case <-others:
	case <-time.After(10 * time.Second):
		t.Fatal("other account-regions were not read while one was held")
	}
	held.mu.Lock()
	n := len(held.calls)
	held.mu.Unlock()
	if n != 0 {
		t.Errorf("%d calls in the held account-region before its gate opened", n)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(held.calls) == 0 {
		t.Error("the held account-region was not read once its gate opened")
	}
	for scope := range fs {
		if !asked[scope] {
			t.Errorf("%s read without asking the gate", scope)
		}
	}

	// A gate that fails: the scope's one failure, nothing called there.
	fs = world()
	_, err := read(t, fs, ReadOptions{Gate: func(_ context.Context, account, region string) error {
		if account == "checkout" && region == "us-east-1" {
			return context.Canceled
		}
		return nil
	}})
	var rerr *ReadError
	if !errors.As(err, &rerr) || len(rerr.Failures) != 1 || !strings.Contains(err.Error(), "wait to read in account checkout (222222222222) region us-east-1") {
		t.Fatalf("a failed gate: %v", err)
	}
	if n := len(fs["checkout/us-east-1"].calls); n != 0 {
		t.Errorf("%d calls behind a gate that failed", n)
	}
}
