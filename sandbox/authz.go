package sandbox

// Authorization: every call of a principal that has identity policies is
// evaluated as IAM does, on each resource the action authorizes (the rows
// of awsauthz for the action) with the condition keys AWS sets for it. A
// principal without policies is allowed everything, as before policies
// existed. Denials answer as the service does (EC2 UnauthorizedOperation
// with an encoded message, the others AccessDenied) and are recorded.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/plinkdev/plink/awsauthz"
)

// Denial is one refused authorization.
type Denial struct {
	// Principal is the caller's ARN (an IAM user, or an assumed-role
	// session); PolicyPrincipal is whose policies were evaluated (the user,
	// or the session's role).
	Principal, PolicyPrincipal string
	// Service and APIAction are the call; Action is the permission that was
	// refused (the call's own, or one it depends on such as
	// vpce:AllowMultiRegion or ec2:CreateTags).
	Service, APIAction, Action string
	// Resource is the ARN authorized ("*" for actions without resource-level
	// permissions).
	Resource        string
	Account, Region string
	// DryRun marks an EC2 call made with DryRun=true.
	DryRun bool
	// ExplicitDeny is set when a Deny statement matched; Reason says which,
	// or that no statement allows the action.
	ExplicitDeny bool
	Reason       string
}

// authzState is the sandbox's identity policies and denial log.
type authzState struct {
	once sync.Once
	// policies by principal ARN (user or role); absent means allow-all.
	// Guarded by Sandbox.mu.
	policies map[string][]*policy
	key      []byte

	dmu     sync.Mutex
	denials []Denial
}

// authzInit builds the policies from the world once. Called with s.mu held.
// New has validated the world, so every document parses here.
func (s *Sandbox) authzInit() *authzState {
	a := &s.authz
	a.once.Do(func() {
		a.policies = map[string][]*policy{}
		for _, acct := range s.world.Accounts {
			for _, c := range acct.Credentials {
				if ps, err := parsePolicies(c.PrincipalArn, c.Policies); err == nil && len(ps) > 0 {
					a.policies[c.PrincipalArn] = ps
				}
			}
			for _, r := range acct.Roles {
				if ps, err := parsePolicies(r.Arn, r.Policies); err == nil && len(ps) > 0 {
					a.policies[r.Arn] = ps
				}
			}
		}
		var seed [8]byte
		binary.BigEndian.PutUint64(seed[:], uint64(s.opts.Seed))
		sum := sha256.Sum256(append([]byte("plink sandbox authorization messages "), seed[:]...))
		a.key = sum[:]
	})
	return a
}

func parsePolicies(principal string, docs []string) ([]*policy, error) {
	var out []*policy
	for i, d := range docs {
		p, err := parsePolicy(d, fmt.Sprintf("policy %d", i+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", principal, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// SetPolicies replaces the identity policies of a world principal: an IAM
// user (a credential's principalArn) or a role, by ARN. Sessions of an
// assumed role are evaluated with the role's policies. With no documents
// the principal is allowed everything again. A principal the world does not
// have, or a document that is not a valid identity policy, is an error and
// changes nothing.
func (s *Sandbox) SetPolicies(principalArn string, docs ...string) error {
	if !s.knownPrincipal(principalArn) {
		return fmt.Errorf("sandbox: no user or role %q in the world (valid: %s)", principalArn, strings.Join(s.principals(), ", "))
	}
	ps, err := parsePolicies(principalArn, docs)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.authzInit()
	if len(ps) == 0 {
		delete(a.policies, principalArn)
		return nil
	}
	a.policies[principalArn] = ps
	return nil
}

// principals lists the world's users and roles, sorted.
func (s *Sandbox) principals() []string {
	seen := map[string]bool{}
	for arn := range s.roles {
		seen[arn] = true
	}
	for _, id := range s.keys {
		seen[id.Arn] = true
	}
	out := make([]string, 0, len(seen))
	for arn := range seen {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}

func (s *Sandbox) knownPrincipal(arn string) bool {
	if _, ok := s.roles[arn]; ok {
		return true
	}
	for _, id := range s.keys {
		if id.Arn == arn {
			return true
		}
	}
	return false
}

// Denials returns the authorizations refused since the sandbox started (or
// ResetDenials), in order.
func (s *Sandbox) Denials() []Denial {
	s.authz.dmu.Lock()
	defer s.authz.dmu.Unlock()
	return slices.Clone(s.authz.denials)
}

// ResetDenials forgets the recorded denials.
func (s *Sandbox) ResetDenials() {
	s.authz.dmu.Lock()
	s.authz.denials = nil
	s.authz.dmu.Unlock()
}

// countDryRun counts a call made with DryRun=true (Call.DryRuns), so a
// test can tell a permission check that changed nothing from a change.
func (s *Sandbox) countDryRun(service, action, account, region string) {
	s.fmu.Lock()
	s.dryRuns[callKey{service, action, account, region}]++
	s.fmu.Unlock()
}

// iamPrefix is the IAM service prefix of a sandbox service.
func iamPrefix(service string) string {
	if service == svcELB {
		return "elasticloadbalancing"
	}
	return service
}

// authorize evaluates the call's identity policies on every resource it
// authorizes. Called with s.mu held, before the handler.
func (s *Sandbox) authorize(c *call) *apiError {
	a := s.authzInit()
	who := c.caller.Arn
	if c.caller.RoleArn != "" {
		who = c.caller.RoleArn
	}
	pols, ok := a.policies[who]
	if !ok {
		return nil
	}
	act, ok := awsauthz.Lookup(iamPrefix(c.service), c.action)
	if !ok {
		// Every served action has a row (TestAuthzTableCoversHandlers);
		// an action without one is refused rather than allowed unchecked.
		return s.deny(c, who, authzRequest{Action: iamPrefix(c.service) + ":" + c.action, Resource: "*"}, decision{}, "the sandbox has no authorization row for this action")
	}
	if act.NoAuth {
		return nil
	}
	for _, r := range c.authzRequests(act) {
		if d := evaluate(pols, r); !d.Allowed {
			return s.deny(c, who, r, d, "")
		}
	}
	return nil
}

// deny records a refusal and returns the service's answer to it.
func (s *Sandbox) deny(c *call, who string, r authzRequest, d decision, why string) *apiError {
	reason := why
	if reason == "" {
		reason = "no identity-based policy allows the " + r.Action + " action"
		if d.ExplicitDeny {
			var ms []string
			for _, m := range d.Matched {
				ms = append(ms, fmt.Sprintf("%s Statement[%d]%s", m.Policy, m.Statement, sidText(m.Sid)))
			}
			reason = "explicit deny in an identity-based policy: " + strings.Join(ms, ", ")
		}
	}
	s.authz.dmu.Lock()
	s.authz.denials = append(s.authz.denials, Denial{
		Principal: c.caller.Arn, PolicyPrincipal: who,
		Service: c.service, APIAction: c.action, Action: r.Action, Resource: r.Resource,
		Account: c.caller.Account, Region: c.region, DryRun: c.dryRun,
		ExplicitDeny: d.ExplicitDeny, Reason: reason,
	})
	s.authz.dmu.Unlock()
	if c.service == svcEC2 {
		msg := s.encodeAuthzMessage(c, r, d)
		return errf(403, "UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: %s", msg)
	}
	perform := iamPrefix(c.service) + ":" + c.action
	on := ""
	if r.Resource != "*" {
		on = " on resource: " + r.Resource
	}
	if d.ExplicitDeny {
		return errf(403, "AccessDenied", "User: %s is not authorized to perform: %s%s with an explicit deny in an identity-based policy", c.caller.Arn, perform, on)
	}
	return errf(403, "AccessDenied", "User: %s is not authorized to perform: %s%s because no identity-based policy allows the %s action", c.caller.Arn, perform, on, r.Action)
}

func sidText(sid string) string {
	if sid == "" {
		return ""
	}
	return " (Sid " + sid + ")"
}

// ---- the encoded authorization message ----

// authzMessage is the JSON DecodeAuthorizationMessage returns, in AWS's
// shape.
type authzMessage struct {
	Allowed           bool       `json:"allowed"`
	ExplicitDeny      bool       `json:"explicitDeny"`
	MatchedStatements items      `json:"matchedStatements"`
	Failures          items      `json:"failures"`
	Context           msgContext `json:"context"`
}

type items struct {
	Items []any `json:"items"`
}

type msgContext struct {
	Principal  msgPrincipal `json:"principal"`
	Action     string       `json:"action"`
	Resource   string       `json:"resource"`
	Conditions items        `json:"conditions"`
}

type msgPrincipal struct {
	ID  string `json:"id"`
	Arn string `json:"arn"`
}

type msgValue struct {
	Value string `json:"value"`
}

type msgCondition struct {
	Key    string `json:"key"`
	Values items  `json:"values"`
}

type msgStatement struct {
	StatementID string `json:"statementId"`
	Effect      string `json:"effect"`
	Policy      string `json:"policy"`
	Index       int    `json:"statementIndex"`
}

func (s *Sandbox) encodeAuthzMessage(c *call, r authzRequest, d decision) string {
	m := authzMessage{
		ExplicitDeny:      d.ExplicitDeny,
		MatchedStatements: items{Items: []any{}},
		Failures:          items{Items: []any{}},
		Context: msgContext{
			Principal:  msgPrincipal{ID: c.caller.UserID, Arn: c.caller.Arn},
			Action:     r.Action,
			Resource:   r.Resource,
			Conditions: items{Items: []any{}},
		},
	}
	for _, st := range d.Matched {
		m.MatchedStatements.Items = append(m.MatchedStatements.Items, msgStatement{StatementID: st.Sid, Effect: strings.ToUpper(st.Effect), Policy: st.Policy, Index: st.Statement})
	}
	keys := make([]string, 0, len(r.Context))
	for k := range r.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var vs []any
		for _, v := range r.Context[k] {
			vs = append(vs, msgValue{Value: v})
		}
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, msgCondition{Key: k, Values: items{Items: vs}})
	}
	b, _ := json.Marshal(m)
	mac := hmac.New(sha256.New, s.authz.key)
	mac.Write(b)
	// "." is outside base64url's alphabet, so it separates the two parts.
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// decodeAuthzMessage returns the JSON of a message this sandbox encoded.
func (s *Sandbox) decodeAuthzMessage(msg string) (string, bool) {
	i := strings.LastIndex(msg, ".")
	if i < 0 {
		return "", false
	}
	b, err1 := base64.RawURLEncoding.DecodeString(msg[:i])
	sum, err2 := base64.RawURLEncoding.DecodeString(msg[i+1:])
	if err1 != nil || err2 != nil {
		return "", false
	}
	mac := hmac.New(sha256.New, s.authz.key)
	mac.Write(b)
	if !hmac.Equal(mac.Sum(nil)[:18], sum) {
		return "", false
	}
	return string(b), true
}

func stsDecodeAuthorizationMessage(c *call) ([]xn, *apiError) {
	msg := c.p.str("EncodedMessage")
	if msg == "" {
		return nil, errf(400, "ValidationError", "1 validation error detected: Value null at 'encodedMessage' failed to satisfy constraint: Member must not be null")
	}
	c.sb.authzInit()
	out, ok := c.sb.decodeAuthzMessage(msg)
	if !ok {
		return nil, errf(400, "InvalidAuthorizationMessageException", "The encoded authorization message is invalid or was not issued by this sandbox.")
	}
	return []xn{tx("DecodedMessage", out)}, nil
}
