package awsenv

import (
	"testing"
	"time"
)

// TestSTSPaceRefusedDrainsOnce: a refusal empties a full limiter (to less
// than a token), a second refusal right after takes nothing more (no debt),
// and the limiter then refills at its rate, no faster.
func TestSTSPaceRefusedDrainsOnce(t *testing.T) {
	p := stsLimiter(stsKey{caller: "AKIATESTDRAINONCE", endpoint: t.Name(), region: "us-east-1", rate: DefaultSTSRate})
	if got := p.bucket.Tokens(); got < 94 {
		t.Fatalf("a new limiter holds %.2f tokens, want its burst of 95", got)
	}
	p.refused()
	after := p.bucket.Tokens()
	if after < 0 || after >= 1 {
		t.Errorf("after a refusal the limiter holds %.3f tokens, want [0, 1)", after)
	}
	p.refused()
	if again := p.bucket.Tokens(); again < after {
		t.Errorf("a second refusal took more: %.3f → %.3f tokens", after, again)
	}
	now := time.Now()
	if got, max := p.bucket.TokensAt(now.Add(time.Second)), p.bucket.TokensAt(now)+DefaultSTSRate*stsPaceMargin; got > max+1e-9 {
		t.Errorf("a second after the refusal it holds %.3f tokens, more than its rate allows (%.3f)", got, max)
	}
}
