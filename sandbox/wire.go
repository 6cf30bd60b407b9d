package sandbox

// Wire encoding: Query-protocol request parameters in, XML out, for the EC2
// flavour (lower-camel element names, <item> lists, <Response><Errors> errors)
// and the awsquery flavour used by ELBv2 and STS (<XResult>, <member> lists,
// <ErrorResponse>).

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// apiError is an AWS error reply.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, a ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// badParam is the common 400 InvalidParameterValue.
func badParam(format string, a ...any) *apiError {
	return errf(400, "InvalidParameterValue", format, a...)
}

// invalidParam is the common 400 InvalidParameter.
func invalidParam(format string, a ...any) *apiError {
	return errf(400, "InvalidParameter", format, a...)
}

func missingParam(name string) *apiError {
	return errf(400, "MissingParameter", "The request must contain the parameter %s", name)
}

// ---- XML building ----

// xn is an XML element: either text or children. The zero xn is omitted.
type xn struct {
	name string
	text string
	kids []xn
	leaf bool
}

// el builds an element with children (zero children are skipped).
func el(name string, kids ...xn) xn { return xn{name: name, kids: kids} }

// tx builds a text element that is always written, even when empty.
func tx(name, text string) xn { return xn{name: name, text: text, leaf: true} }

// opt builds a text element that is omitted when text is empty.
func opt(name, text string) xn {
	if text == "" {
		return xn{}
	}
	return tx(name, text)
}

func bl(name string, v bool) xn { return tx(name, strconv.FormatBool(v)) }

func num(name string, v int) xn { return tx(name, strconv.Itoa(v)) }

// ts formats a timestamp as AWS does (ISO 8601, milliseconds, UTC).
func ts(name string, t time.Time) xn {
	if t.IsZero() {
		return xn{}
	}
	return tx(name, t.UTC().Format("2006-01-02T15:04:05.000Z"))
}

// set builds an EC2 list: <name><item>..</item></name>; always written.
func set(name string, items []xn) xn {
	n := xn{name: name, kids: make([]xn, 0, len(items))}
	for _, it := range items {
		it.name = "item"
		n.kids = append(n.kids, it)
	}
	return n
}

// strSet builds an EC2 list of strings.
func strSet(name string, vals []string) xn {
	items := make([]xn, len(vals))
	for i, v := range vals {
		items[i] = tx("item", v)
	}
	return set(name, items)
}

// members builds an awsquery list: <name><member>..</member></name>.
func members(name string, items []xn) xn {
	n := xn{name: name, kids: make([]xn, 0, len(items))}
	for _, it := range items {
		it.name = "member"
		n.kids = append(n.kids, it)
	}
	return n
}

func (n xn) write(b *strings.Builder) {
	if n.name == "" {
		return
	}
	b.WriteByte('<')
	b.WriteString(n.name)
	b.WriteByte('>')
	if n.leaf {
		xml.EscapeText(b2w{b}, []byte(n.text))
	} else {
		for _, k := range n.kids {
			k.write(b)
		}
	}
	b.WriteString("</")
	b.WriteString(n.name)
	b.WriteByte('>')
}

type b2w struct{ b *strings.Builder }

func (w b2w) Write(p []byte) (int, error) { return w.b.Write(p) }

const (
	ec2NS   = "http://ec2.amazonaws.com/doc/2016-11-15/"
	elbNS   = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
	stsNS   = "https://sts.amazonaws.com/doc/2011-06-15/"
	xmlHead = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

func writeXML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// ec2Body renders an EC2 success reply.
func ec2Body(action, reqID string, kids []xn) string {
	var b strings.Builder
	b.WriteString(xmlHead)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, ec2NS)
	tx("requestId", reqID).write(&b)
	for _, k := range kids {
		k.write(&b)
	}
	fmt.Fprintf(&b, "</%sResponse>", action)
	return b.String()
}

// ec2ErrorBody renders an EC2 error reply.
func ec2ErrorBody(e *apiError, reqID string) string {
	var b strings.Builder
	b.WriteString(xmlHead)
	el("Response",
		el("Errors", el("Error", tx("Code", e.Code), tx("Message", e.Message))),
		tx("RequestID", reqID)).write(&b)
	return b.String()
}

// queryBody renders an awsquery (ELBv2, STS) success reply.
func queryBody(ns, action, reqID string, result []xn) string {
	var b strings.Builder
	b.WriteString(xmlHead)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, ns)
	el(action+"Result", result...).write(&b)
	el("ResponseMetadata", tx("RequestId", reqID)).write(&b)
	fmt.Fprintf(&b, "</%sResponse>", action)
	return b.String()
}

// queryErrorBody renders an awsquery error reply.
func queryErrorBody(ns string, e *apiError, reqID string) string {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	var b strings.Builder
	b.WriteString(xmlHead)
	fmt.Fprintf(&b, `<ErrorResponse xmlns="%s">`, ns)
	el("Error", tx("Type", typ), tx("Code", e.Code), tx("Message", e.Message)).write(&b)
	tx("RequestId", reqID).write(&b)
	b.WriteString("</ErrorResponse>")
	return b.String()
}

// ---- request parameters ----

// params wraps the decoded Query-protocol form.
type params url.Values

func (p params) str(name string) string { return url.Values(p).Get(name) }

func (p params) has(name string) bool { _, ok := p[name]; return ok }

// list returns prefix.1, prefix.2, ... in index order. It also accepts
// prefix.member.N (awsquery lists).
func (p params) list(prefix string) []string {
	type kv struct {
		i int
		v string
	}
	var out []kv
	for k, vs := range p {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		rest = strings.TrimPrefix(rest, "member.")
		i, err := strconv.Atoi(rest)
		if err != nil || len(vs) == 0 {
			continue
		}
		out = append(out, kv{i, vs[0]})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].i < out[b].i })
	vals := make([]string, len(out))
	for i, x := range out {
		vals[i] = x.v
	}
	return vals
}

// indices returns the sorted distinct N of keys prefix.N.rest.
func (p params) indices(prefix string) []int {
	seen := map[int]bool{}
	for k := range p {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		rest = strings.TrimPrefix(rest, "member.")
		num, _, _ := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(num); err == nil {
			seen[i] = true
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// boolean parses an optional boolean parameter.
func (p params) boolean(name string) (val, present bool, err *apiError) {
	s := p.str(name)
	if !p.has(name) {
		return false, false, nil
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, true, badParam("Invalid value '%s' for %s. Expected a boolean.", s, name)
}

// integer parses an optional integer parameter.
func (p params) integer(name string) (val int, present bool, err *apiError) {
	if !p.has(name) {
		return 0, false, nil
	}
	n, e := strconv.Atoi(p.str(name))
	if e != nil {
		return 0, true, badParam("Invalid value '%s' for %s. Expected an integer.", p.str(name), name)
	}
	return n, true, nil
}

// filter is one EC2 Filter.N.
type filter struct {
	Name   string
	Values []string
}

func (p params) filters() []filter {
	var out []filter
	for _, i := range p.indices("Filter") {
		pre := fmt.Sprintf("Filter.%d", i)
		out = append(out, filter{Name: p.str(pre + ".Name"), Values: p.list(pre + ".Value")})
	}
	return out
}

// tag is a key/value pair.
type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// tags reads prefix.N.Key / prefix.N.Value.
func (p params) tags(prefix string) []tag {
	var out []tag
	for _, i := range p.indices(prefix) {
		pre := fmt.Sprintf("%s.%d", prefix, i)
		out = append(out, tag{Key: p.str(pre + ".Key"), Value: p.str(pre + ".Value")})
	}
	return out
}

// tagSpec is one TagSpecification.N.
type tagSpec struct {
	ResourceType string
	Tags         []tag
}

func (p params) tagSpecs() []tagSpec {
	var out []tagSpec
	for _, i := range p.indices("TagSpecification") {
		pre := fmt.Sprintf("TagSpecification.%d", i)
		out = append(out, tagSpec{ResourceType: p.str(pre + ".ResourceType"), Tags: p.tags(pre + ".Tag")})
	}
	return out
}

// tagsFor returns the tags of the specifications for resourceType, and an
// error if a specification names another resource type.
func (p params) tagsFor(resourceType string) ([]tag, *apiError) {
	var out []tag
	for _, s := range p.tagSpecs() {
		if s.ResourceType != resourceType {
			return nil, invalidParam("'%s' is not a valid taggable resource type for this operation.", s.ResourceType)
		}
		for _, t := range s.Tags {
			if err := validTag(t); err != nil {
				return nil, err
			}
			out = setTag(out, t)
		}
	}
	return out, nil
}

func validTag(t tag) *apiError {
	if t.Key == "" {
		return badParam("Tag keys must not be empty")
	}
	if len(t.Key) > 128 || len(t.Value) > 256 {
		return badParam("Tag key or value too long: %s", t.Key)
	}
	if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
		return badParam("Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

func setTag(tags []tag, t tag) []tag {
	for i := range tags {
		if tags[i].Key == t.Key {
			tags[i].Value = t.Value
			return tags
		}
	}
	return append(tags, t)
}

func tagSetXN(tags []tag) xn {
	items := make([]xn, len(tags))
	for i, t := range tags {
		items[i] = el("item", tx("key", t.Key), tx("value", t.Value))
	}
	return set("tagSet", items)
}

func itoa(i int) string { return strconv.Itoa(i) }
