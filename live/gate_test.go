package live

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadGateHoldsWhatApplyChanges: ReadOptions.Gate holds the parts of
// an account-region that apply changes (services, their connections,
// endpoints) until it returns, while the network there and the other
// account-regions are read; each part is asked for separately.
func TestReadGateHoldsWhatApplyChanges(t *testing.T) {
	changed := map[Part][]string{
		PartServices:    {callServices, callPermissions, callNotifications},
		PartConnections: {callConnections},
		PartEndpoints:   {callEndpoints},
	}
	for _, holdPart := range []Part{PartServices, PartConnections, PartEndpoints} {
		fs := world()
		held := fs["payments/us-east-1"]
		release := make(chan struct{})
		var mu sync.Mutex
		asked := map[string]bool{}
		waiting := make(chan struct{})
		var once sync.Once
		gate := func(ctx context.Context, account, region string, part Part) error {
			mu.Lock()
			asked[account+"/"+region+"/"+string(part)] = true
			mu.Unlock()
			if account+"/"+region != "payments/us-east-1" || part != holdPart {
				return nil
			}
			once.Do(func() { close(waiting) })
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
		case <-waiting:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the gate was not asked", holdPart)
		}
		// Let every other read finish: the held scope's calls then are all
		// it makes before the gate opens.
		settled := func() []string {
			held.mu.Lock()
			defer held.mu.Unlock()
			return slices.Clone(held.calls)
		}
		var before []string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			now := settled()
			if len(now) > 0 && slices.Equal(now, before) {
				break
			}
			before = now
		}
		for _, c := range before {
			if slices.Contains(changed[holdPart], callName(c)) {
				t.Errorf("%s held: %s called before the gate opened", holdPart, c)
			}
		}
		if !slices.ContainsFunc(before, func(c string) bool { return callName(c) == callZones }) {
			t.Errorf("%s held: the network was not read meanwhile (calls %v)", holdPart, before)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("%s: %v", holdPart, err)
		}
		after := settled()
		for _, want := range changed[holdPart] {
			if !slices.ContainsFunc(after, func(c string) bool { return callName(c) == want }) {
				t.Errorf("%s: %s not called once the gate opened (calls %v)", holdPart, want, after)
			}
		}
		for scope := range fs {
			for _, p := range []Part{PartServices, PartEndpoints} {
				if !asked[scope+"/"+string(p)] {
					t.Errorf("%s read without asking the gate for %s", scope, p)
				}
			}
		}
	}
}

// callName is the action of a recorded fake call ("Action" or
// "Action(args)").
func callName(c string) string {
	name, _, _ := strings.Cut(c, "(")
	return name
}

// TestReadGateFailure: a gate's error is its part's one failure, and
// nothing behind it is called.
func TestReadGateFailure(t *testing.T) {
	fs := world()
	_, err := read(t, fs, ReadOptions{Gate: func(_ context.Context, account, region string, part Part) error {
		if account == "checkout" && region == "us-east-1" && part == PartEndpoints {
			return context.Canceled
		}
		return nil
	}})
	var rerr *ReadError
	if !errors.As(err, &rerr) || len(rerr.Failures) != 1 || !strings.Contains(err.Error(), "wait to read endpoints in account checkout (222222222222) region us-east-1") {
		t.Fatalf("a failed gate: %v", err)
	}
	for _, c := range fs["checkout/us-east-1"].calls {
		if callName(c) == callEndpoints {
			t.Errorf("%s called behind a gate that failed", c)
		}
	}
}

// TestVisibleServicesReadBesideHeldParts: what consumers' accounts see of
// services needs only every account-region's services, so it is read
// while endpoints and connections are still held.
func TestVisibleServicesReadBesideHeldParts(t *testing.T) {
	fs := world()
	release := make(chan struct{})
	gate := func(ctx context.Context, _, _ string, part Part) error {
		if part == PartServices {
			return nil
		}
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
	visible := func() bool {
		for _, f := range fs {
			f.mu.Lock()
			seen := slices.ContainsFunc(f.calls, func(c string) bool { return callName(c) == callVisible })
			f.mu.Unlock()
			if seen {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second)
	for !visible() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	seen := visible()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Error("visible services were not read while endpoints and connections were held")
	}
	if !visible() {
		t.Fatal("the test world reads no visible services: the test proves nothing")
	}
}
