package sandbox

// IAM identity policies: parsing and evaluation for one account, as IAM's
// policy evaluation logic describes it (explicit deny wins; otherwise an
// Allow whose action, resource and every condition match). Only what
// identity policies may hold is accepted; an operator the sandbox does not
// evaluate is refused when the policy is attached rather than guessed at.

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// policy is one parsed identity policy document.
type policy struct {
	// Name is where the document came from, for messages ("policy 1").
	Name       string
	Statements []statement
}

type statement struct {
	Sid         string
	Deny        bool
	Actions     []string
	NotAction   bool
	Resources   []string
	NotResource bool
	Conditions  []condition
	// Index is the statement's position in its policy.
	Index int
}

// condition is one operator/key pair with its values.
type condition struct {
	Op       string // as written, e.g. ForAllValues:StringLikeIfExists
	base     string // StringLike
	set      string // "", ForAllValues, ForAnyValue
	ifExists bool
	Key      string
	Values   []string
}

// condition operators the sandbox evaluates (base names).
var condOps = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"ArnEquals": true, "ArnNotEquals": true, "ArnLike": true, "ArnNotLike": true,
	"Bool": true, "Null": true,
}

// parsePolicy parses an identity policy document.
func parsePolicy(doc, name string) (*policy, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", name, err)
	}
	for k := range raw {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return nil, fmt.Errorf("%s: unknown top-level element %q (valid: Version, Id, Statement)", name, k)
		}
	}
	if v, ok := raw["Version"]; ok {
		var s string
		if json.Unmarshal(v, &s) != nil || (s != "2012-10-17" && s != "2008-10-17") {
			return nil, fmt.Errorf("%s: Version must be \"2012-10-17\" or \"2008-10-17\"", name)
		}
	}
	st, ok := raw["Statement"]
	if !ok {
		return nil, fmt.Errorf("%s: Statement is required", name)
	}
	var list []json.RawMessage
	if json.Unmarshal(st, &list) != nil {
		list = []json.RawMessage{st}
	}
	p := &policy{Name: name}
	for i, s := range list {
		stmt, err := parseStatement(s)
		if err != nil {
			return nil, fmt.Errorf("%s: Statement[%d]: %w", name, i, err)
		}
		stmt.Index = i
		p.Statements = append(p.Statements, stmt)
	}
	return p, nil
}

func parseStatement(b json.RawMessage) (statement, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return statement{}, errors.New("a statement must be a JSON object")
	}
	var st statement
	for k := range raw {
		switch k {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition":
		case "Principal", "NotPrincipal":
			return st, fmt.Errorf("%s belongs in resource policies, not identity policies", k)
		default:
			return st, fmt.Errorf("unknown element %q (valid: Sid, Effect, Action, NotAction, Resource, NotResource, Condition)", k)
		}
	}
	if v, ok := raw["Sid"]; ok && json.Unmarshal(v, &st.Sid) != nil {
		return st, errors.New("the Sid must be a string")
	}
	var eff string
	if json.Unmarshal(raw["Effect"], &eff) != nil || (eff != "Allow" && eff != "Deny") {
		return st, errors.New(`the Effect must be "Allow" or "Deny"`)
	}
	st.Deny = eff == "Deny"
	var err error
	switch a, na := raw["Action"], raw["NotAction"]; {
	case a != nil && na != nil:
		return st, errors.New("give Action or NotAction, not both")
	case a != nil:
		st.Actions, err = stringOrList(a)
	case na != nil:
		st.Actions, err = stringOrList(na)
		st.NotAction = true
	default:
		return st, errors.New("an Action or NotAction is required")
	}
	if err != nil {
		return st, fmt.Errorf("the Action: %w", err)
	}
	for i, a := range st.Actions {
		if a != "*" && !strings.Contains(a, ":") {
			return st, fmt.Errorf("action %q must be service:Action (such as ec2:CreateVpcEndpoint) or *", a)
		}
		// Action names match case-insensitively: kept lower-case once.
		st.Actions[i] = strings.ToLower(a)
	}
	switch r, nr := raw["Resource"], raw["NotResource"]; {
	case r != nil && nr != nil:
		return st, errors.New("give Resource or NotResource, not both")
	case r != nil:
		st.Resources, err = stringOrList(r)
	case nr != nil:
		st.Resources, err = stringOrList(nr)
		st.NotResource = true
	default:
		return st, errors.New("a Resource or NotResource is required in an identity policy")
	}
	if err != nil {
		return st, fmt.Errorf("the Resource: %w", err)
	}
	for _, r := range st.Resources {
		if r != "*" && (!strings.HasPrefix(r, "arn:") || strings.Count(r, ":") < 5) {
			return st, fmt.Errorf("resource %q must be an ARN (arn:partition:service:region:account:resource, parts may hold * and ?) or *", r)
		}
	}
	if c, ok := raw["Condition"]; ok {
		st.Conditions, err = parseConditions(c)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

func parseConditions(b json.RawMessage) ([]condition, error) {
	var ops map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &ops); err != nil {
		return nil, errors.New("the Condition must map operators to {key: value or [values]}")
	}
	var out []condition
	for op, keys := range ops {
		c := condition{Op: op}
		rest := op
		for _, set := range []string{"ForAllValues:", "ForAnyValue:"} {
			if r, ok := strings.CutPrefix(rest, set); ok {
				c.set, rest = strings.TrimSuffix(set, ":"), r
			}
		}
		if r, ok := strings.CutSuffix(rest, "IfExists"); ok && rest != "Null" {
			c.ifExists, rest = true, r
		}
		if !condOps[rest] {
			return nil, fmt.Errorf("condition operator %q is not evaluated by the sandbox (it evaluates %s, with IfExists and ForAllValues:/ForAnyValue:)", op, strings.Join(sortedKeys(condOps), ", "))
		}
		c.base = rest
		for k, v := range keys {
			vals, err := stringOrList(v)
			if err != nil {
				return nil, fmt.Errorf("the Condition %s %s: %w", op, k, err)
			}
			cc := c
			cc.Key, cc.Values = k, vals
			out = append(out, cc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Op+out[i].Key < out[j].Op+out[j].Key })
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// stringOrList decodes "x", ["x", "y"], or JSON scalars (true, 3) as text.
func stringOrList(b json.RawMessage) ([]string, error) {
	var one any
	if err := json.Unmarshal(b, &one); err != nil {
		return nil, err
	}
	scalar := func(v any) (string, error) {
		switch x := v.(type) {
		case string:
			return x, nil
		case bool:
			return strconv.FormatBool(x), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
		return "", errors.New("must be a string or a list of strings")
	}
	if l, ok := one.([]any); ok {
		if len(l) == 0 {
			return nil, errors.New("must not be an empty list")
		}
		out := make([]string, len(l))
		for i, v := range l {
			s, err := scalar(v)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	s, err := scalar(one)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// authzRequest is one question IAM answers: may the principal perform
// action on resource, given the request context.
type authzRequest struct {
	Action   string // service:Name
	Resource string // ARN, or "*"
	Context  map[string][]string
}

// matchedStatement names a statement that decided a request.
type matchedStatement struct {
	Policy    string
	Statement int
	Sid       string
	Effect    string
}

// decision is the outcome of evaluating one authzRequest.
type decision struct {
	Allowed      bool
	ExplicitDeny bool
	Matched      []matchedStatement
}

// evaluate applies the policies to r: an explicit Deny wins, then any Allow;
// nothing matching is an implicit deny.
func evaluate(policies []*policy, r authzRequest) decision {
	var d decision
	r.Action = strings.ToLower(r.Action) // statements hold theirs lower-case
	var allows []matchedStatement
	for _, p := range policies {
		for _, st := range p.Statements {
			if !st.matches(r) {
				continue
			}
			m := matchedStatement{Policy: p.Name, Statement: st.Index, Sid: st.Sid, Effect: "Allow"}
			if st.Deny {
				m.Effect = "Deny"
				d.ExplicitDeny = true
				d.Matched = append(d.Matched, m)
				continue
			}
			allows = append(allows, m)
		}
	}
	if d.ExplicitDeny {
		return d
	}
	d.Allowed = len(allows) > 0
	d.Matched = allows
	return d
}

func (st statement) matches(r authzRequest) bool {
	hit := false
	for _, a := range st.Actions {
		if glob(a, r.Action) {
			hit = true
			break
		}
	}
	if hit == st.NotAction {
		return false
	}
	hit = false
	for _, res := range st.Resources {
		if arnLike(substitute(res, r.Context), r.Resource) {
			hit = true
			break
		}
	}
	if hit == st.NotResource {
		return false
	}
	for _, c := range st.Conditions {
		if !c.holds(r.Context) {
			return false
		}
	}
	return true
}

// lookupKey finds a context key case-insensitively (IAM key names are).
func lookupKey(ctx map[string][]string, key string) ([]string, bool) {
	if v, ok := ctx[key]; ok {
		return v, true
	}
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func (c condition) holds(ctx map[string][]string) bool {
	vals, present := lookupKey(ctx, c.Key)
	if c.base == "Null" {
		want := strings.EqualFold(c.Values[0], "true")
		return want == !present
	}
	negated := strings.Contains(c.base, "Not")
	if !present || len(vals) == 0 {
		switch {
		case c.ifExists, c.set == "ForAllValues":
			return true
		case c.set == "ForAnyValue":
			return false
		}
		return negated
	}
	one := func(v string) bool { // v matches some policy value (positive form)
		for _, pv := range c.Values {
			pv = substitute(pv, ctx)
			if c.match(pv, v) {
				return true
			}
		}
		return false
	}
	switch c.set {
	case "ForAllValues":
		for _, v := range vals {
			if one(v) == negated {
				return false
			}
		}
		return true
	case "ForAnyValue":
		for _, v := range vals {
			if one(v) != negated {
				return true
			}
		}
		return false
	}
	any := false
	for _, v := range vals {
		if one(v) {
			any = true
			break
		}
	}
	return any != negated
}

// match compares one policy value with one context value in the positive
// form of the operator.
func (c condition) match(pv, v string) bool {
	switch c.base {
	case "StringEquals", "StringNotEquals":
		return pv == v
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(pv, v)
	case "StringLike", "StringNotLike":
		return glob(pv, v)
	case "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike":
		return arnLike(pv, v)
	case "Bool":
		return strings.EqualFold(pv, v)
	}
	return false
}

// substitute replaces policy variables ${key} with the context's single
// value, and the escapes ${*}, ${?}, ${$}. A variable without a value is
// left as written, which then matches nothing.
func substitute(s string, ctx map[string][]string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		switch name {
		case "*", "?", "$":
			b.WriteString("\x00" + name) // literal, never a wildcard
		default:
			if v, ok := lookupKey(ctx, name); ok && len(v) == 1 {
				b.WriteString(v[0])
			} else {
				b.WriteString(s[i : i+j+1])
			}
		}
		s = s[i+j+1:]
	}
}

// arnLike matches an ARN pattern: * alone matches everything; otherwise
// each of the six colon-separated parts is matched on its own, with * and ?
// wildcards, as IAM matches Resource and ArnLike.
func arnLike(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp, ap := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 {
		return false // parsePolicy refuses such patterns; a resource is always an ARN
	}
	for i := range pp {
		if !glob(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// glob matches s against a pattern with * (any run) and ? (one character);
// "\x00c" is the literal c (from ${*} and friends). It walks the strings
// rune by rune without converting them, backtracking to the last *.
func glob(pattern, s string) bool {
	switch {
	case pattern == "*":
		return true
	case !strings.ContainsAny(pattern, "*?\x00"):
		return pattern == s
	}
	var pi, si int
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(pattern) {
			switch pc := pattern[pi]; {
			case pc == '*':
				star, mark = pi, si
				pi++
				continue
			case pc == '?':
				_, n := utf8.DecodeRuneInString(s[si:])
				pi, si = pi+1, si+n
				continue
			case pc == 0 && pi+1 < len(pattern) && pattern[pi+1] == s[si]:
				pi, si = pi+2, si+1
				continue
			case pc != 0 && pc == s[si]:
				pi, si = pi+1, si+1
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[mark:])
		mark += n
		pi, si = star+1, mark
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}
