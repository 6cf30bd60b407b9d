package apply_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/apply"
	"github.com/plinkdev/plink/sandbox"
)

// A failed change's Error keeps the error the call returned: errors.As
// finds AWS's error (smithy.APIError) through it, while its JSON is what it
// was (call, code, message, hint: the cause is not serialized).
func TestErrorKeepsTheAPIError(t *testing.T) {
	e := newEnv(t)
	p, r := e.plan(gatewayManifest(t, s3Gateway))
	e.srv.Sandbox.Inject(sandbox.Fault{Action: "CreateVpcEndpoint", Code: "InvalidParameterValue"})
	res, err := apply.Run(context.Background(), p, apply.FromClientSource(r), opts())
	if err == nil || len(res.Changes) != 1 || res.Changes[0].Error == nil {
		t.Fatalf("apply: %v %+v", err, res)
	}
	ae := res.Changes[0].Error
	var api smithy.APIError
	if !errors.As(ae, &api) || api.ErrorCode() != "InvalidParameterValue" || ae.Code != "InvalidParameterValue" {
		t.Fatalf("errors.As(%v, smithy.APIError): %v", ae, api)
	}
	b, err := json.Marshal(ae)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	for k := range fields {
		if k != "call" && k != "code" && k != "message" && k != "hint" {
			t.Errorf("JSON of the error has %q: %s", k, b)
		}
	}
}

// A run whose context ends while a change's call goes out: the change's
// Error says Canceled for people, and errors.Is(err, context.Canceled)
// holds through it, so callers need not read its text.
func TestCanceledErrorIsContextCanceled(t *testing.T) {
	e := newEnv(t)
	p, r := e.plan(gatewayManifest(t, s3Gateway))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := opts()
	o.Events = func(ev apply.Event) {
		if ev.Progress == apply.ProgressStarted {
			cancel() // before the change's call is sent
		}
	}
	res, err := apply.Run(ctx, p, apply.FromClientSource(r), o)
	if err == nil || len(res.Changes) != 1 || res.Changes[0].Error == nil {
		t.Fatalf("apply: %v %+v", err, res)
	}
	ae := res.Changes[0].Error
	if !errors.Is(ae, context.Canceled) || ae.Code != "Canceled" || strings.Contains(ae.Error(), "context canceled") {
		t.Errorf("error %+v (%v): want Code Canceled, errors.Is context.Canceled", ae, ae.Err)
	}
}
