// Package check asks AWS whether the calls plink would make are allowed,
// without making any change: plink iam-policy --check.
//
// For each account and region it makes the read calls of the mode (they are
// made anyway when planning), and for the writes of a plan it makes each
// mutating EC2 call with DryRun=true, built from the plan's changes the way
// apply builds it. EC2 answers DryRunOperation when the call would be
// allowed and UnauthorizedOperation with an encoded message when not; the
// message is decoded with sts:DecodeAuthorizationMessage when the account's
// credentials may, and every denial is reported with the statement of
// plink's own policy (package iampolicy) that grants it.
//
// It never calls a mutating action without DryRun, and it does not print:
// the command layer renders the Report.
package check

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/plinkdev/plink/awsauthz"
	"github.com/plinkdev/plink/awsenv"
	"github.com/plinkdev/plink/iampolicy"
	"github.com/plinkdev/plink/lease"
	"github.com/plinkdev/plink/manifest"
	"github.com/plinkdev/plink/plan"
)

// Status is the answer for one call.
type Status string

// Statuses.
const (
	// Allowed: the read succeeded, or the dry run answered DryRunOperation.
	Allowed Status = "allowed"
	// Denied: AWS refused the call for lack of permission.
	Denied Status = "denied"
	// Unknown: AWS answered something else; plink could not find out.
	Unknown Status = "unknown"
	// Skipped: the call cannot be asked about yet (it names a resource the
	// plan creates first); Reason says which.
	Skipped Status = "skipped"
)

// Result is one call asked about.
type Result struct {
	Account   string `json:"account"`
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	// Call is the API call made (ec2:CreateVpcEndpoint); DryRun says it was
	// made with DryRun=true (every mutating call is).
	Call   string `json:"call"`
	DryRun bool   `json:"dryRun,omitempty"`
	// Change is the address of the plan change the call carries out.
	Change string `json:"change,omitempty"`
	Status Status `json:"status"`
	// Action and Resource are what AWS refused (from the decoded message:
	// the call's own permission or one it depends on, such as
	// vpce:AllowMultiRegion); Resource is "" when AWS did not say.
	Action   string `json:"action,omitempty"`
	Resource string `json:"resource,omitempty"`
	// Reason is the decoded reason of a denial, AWS's message otherwise.
	Reason string `json:"reason,omitempty"`
	// Decoded says the encoded authorization message was decoded;
	// DecodeNote says why it was not.
	Decoded    bool   `json:"decoded,omitempty"`
	DecodeNote string `json:"decodeNote,omitempty"`
	// Statement is the statement of plink's policy for the account (plink
	// iam-policy --for MODE) that grants the refused action (on the refused
	// resource, when AWS named it); Missing is set when plink's policy has
	// none for it.
	Statement *iampolicy.Statement `json:"statement,omitempty"`
	Missing   bool                 `json:"missing,omitempty"`
	// Statements, when AWS's reason was not decoded (Decoded false, and
	// no AccessDenied text named the action), are every statement of
	// plink's policy the call depends on: the action's own, tag on create,
	// vpce:AllowMultiRegion, each network resource's. AWS refused one of
	// them and did not say which; Statement is then nil. When AWS named
	// the permission and resource and several statements grant it under
	// different conditions, they are those statements.
	Statements []iampolicy.Statement `json:"statements,omitempty"`
}

// FormatVersion is the version of the JSON Report (--output json): the
// minor grows with added fields, the major with breaking changes.
const FormatVersion = "1.2"

// Report is the outcome of a check.
type Report struct {
	FormatVersion string         `json:"formatVersion"`
	Mode          iampolicy.Mode `json:"mode"`
	Project       string         `json:"project"`
	Results       []Result       `json:"results"`
	// PlanError says why the plan's writes were not checked (its reads
	// failed); the reads' results say which were denied.
	PlanError string `json:"planError,omitempty"`
	// LeaseNote says why the lease's take-over and release were not asked
	// about (apply: its placement group does not exist now).
	LeaseNote string `json:"leaseNote,omitempty"`
	// Verdict is the one answer, which plink's exit status gives too:
	// Denied (2) when a call is denied; else Unknown (1) when any call
	// could not be checked (NotChecked) or the plan's writes were not
	// (PlanError); else Allowed (0).
	Verdict Status `json:"verdict"`
	// NotChecked counts the calls not known to be allowed or denied:
	// unknown answers and calls left for later (skipped).
	NotChecked int `json:"notChecked"`
}

// finish sets the verdict from the results.
func (r *Report) finish() {
	r.NotChecked = r.Count(Unknown) + r.Count(Skipped)
	switch {
	case r.Count(Denied) > 0:
		r.Verdict = Denied
	case r.NotChecked > 0 || r.PlanError != "":
		r.Verdict = Unknown
	default:
		r.Verdict = Allowed
	}
}

// Count returns how many results have status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, x := range r.Results {
		if x.Status == s {
			n++
		}
	}
	return n
}

// Source gives the SDK clients of an account (manifest alias) in a region;
// *awsenv.Resolver is one.
type Source = awsenv.ClientSource

// Options say what to check.
type Options struct {
	Mode     iampolicy.Mode
	Manifest *manifest.Manifest
	// Plan computes the plan whose writes are checked (modes apply,
	// destroy: a destroy plan, and connections, which checks
	// plan.Connections of it).
	Plan func(ctx context.Context) (*plan.Plan, error)
}

// Run checks every read of opts.Mode in every account and region of the
// manifest, then (apply, destroy, connections) every write of the plan,
// with DryRun.
// It returns an error only when it could not start; a call that cannot be
// asked about is a result with status Unknown.
func Run(ctx context.Context, src Source, opts Options) (*Report, error) {
	m := opts.Manifest
	if m == nil {
		return nil, errors.New("iam-policy --check needs a manifest (-f): it checks the calls plink makes for it")
	}
	docs, err := iampolicy.For(opts.Mode, m)
	if err != nil {
		return nil, err
	}
	ck := &checker{src: src, m: m, mode: opts.Mode, docs: docs, rep: &Report{FormatVersion: FormatVersion, Mode: opts.Mode, Project: m.Project}}
	for _, alias := range sortedAliases(m) {
		for _, region := range iampolicy.Regions(m) {
			ck.reads(ctx, alias, region)
		}
	}
	if opts.Mode == iampolicy.Plan { // only plink plan reads the topics (lint PL117)
		ck.topics(ctx)
	}
	writes := opts.Mode == iampolicy.Apply || opts.Mode == iampolicy.Destroy // destroy is apply of a destroy plan
	if writes {
		alias, region := lease.Home(m)
		ck.lease(ctx, alias, region)
	}
	if (writes || opts.Mode == iampolicy.Connections) && opts.Plan != nil {
		p, err := opts.Plan(ctx)
		if err == nil {
			// The statements to suggest are those of the policy --live
			// prints for this plan.
			if docs, derr := iampolicy.ForLive(opts.Mode, m, iampolicy.LiveOf(p)); derr == nil {
				ck.docs = docs
			}
		}
		switch {
		case err != nil:
			ck.rep.PlanError = err.Error()
		case opts.Mode == iampolicy.Connections:
			ck.writes(ctx, plan.Connections(p))
		default:
			ck.writes(ctx, p)
		}
	}
	ck.rep.finish()
	return ck.rep, nil
}

type checker struct {
	src  Source
	m    *manifest.Manifest
	mode iampolicy.Mode
	docs map[string]iampolicy.Document
	rep  *Report
}

func sortedAliases(m *manifest.Manifest) []string {
	out := make([]string, 0, len(m.Accounts))
	for a := range m.Accounts {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// where is one account-region and its clients.
type where struct {
	alias, id, region string
	c                 *awsenv.Clients
}

func (ck *checker) clients(ctx context.Context, alias, region string) (*where, error) {
	c, err := ck.src.ClientsFor(ctx, alias, region)
	if err != nil {
		return nil, err
	}
	return &where{alias: alias, id: ck.m.Accounts[alias].ID, region: region, c: c}, nil
}

// record adds the result of one call: err nil is allowed (or, for a dry
// run, an error with code DryRunOperation).
func (ck *checker) record(ctx context.Context, w *where, call, change string, dryRun bool, err error) {
	r := Result{Account: w.alias, AccountID: w.id, Region: w.region, Call: call, DryRun: dryRun, Change: change}
	code := awsenv.ErrorCode(err)
	switch {
	case err == nil && !dryRun, code == "DryRunOperation":
		r.Status = Allowed
	case code == "UnauthorizedOperation" || code == "AccessDenied" || code == "AccessDeniedException":
		r.Status = Denied
		ck.explain(ctx, w, &r, err)
	case err == nil:
		r.Status, r.Reason = Unknown, "AWS made the call instead of answering the dry run"
	default:
		r.Status, r.Reason = Unknown, describe(err)
	}
	ck.rep.Results = append(ck.rep.Results, r)
}

// skip records a call that cannot be asked about yet.
func (ck *checker) skip(w *where, call, change, why string) {
	ck.rep.Results = append(ck.rep.Results, Result{Account: w.alias, AccountID: w.id, Region: w.region, Call: call, DryRun: true,
		Change: change, Status: Skipped, Reason: why})
}

func describe(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

var (
	reEncoded = regexp.MustCompile(`Encoded authorization failure message: (\S+)`)
	// AWS's AccessDenied text: "User: ARN is not authorized to perform:
	// ACTION [on resource: ARN] because …" or "… with an explicit deny …".
	reAccessDenied = regexp.MustCompile(`not authorized to perform: (\S+)(?: on resource: (\S+))?`)
)

// decoded is the part of sts:DecodeAuthorizationMessage's answer plink
// reads (AWS's documented shape).
type decoded struct {
	Allowed      bool `json:"allowed"`
	ExplicitDeny bool `json:"explicitDeny"`
	Context      struct {
		Action   string `json:"action"`
		Resource string `json:"resource"`
	} `json:"context"`
}

// explain fills a denial's action, resource, reason and statement.
func (ck *checker) explain(ctx context.Context, w *where, r *Result, err error) {
	r.Action, r.Reason = r.Call, describe(err)
	named := false // AWS said which permission it refused
	if m := reEncoded.FindStringSubmatch(err.Error()); m != nil {
		ck.decode(ctx, w, r, m[1])
		named = r.Decoded
	} else if m := reAccessDenied.FindStringSubmatch(err.Error()); m != nil {
		r.Action, r.Resource = m[1], m[2]
		named = true
	}
	if named {
		// Several statements may grant the action on the resource under
		// different conditions (an endpoint to the manifest's providers,
		// one to a named service): without evaluating the call's
		// conditions plink cannot say which one is missing, so it lists
		// them (Statements) rather than assert the first.
		all := statementsFor(ck.docs[w.alias], r.Action, r.Resource, r.Call)
		switch len(all) {
		case 0:
			r.Missing = true
		case 1:
			r.Statement = &all[0]
		default:
			r.Statements = all
		}
		return
	}
	// AWS did not say which permission: any the call depends on may be
	// the one. Asserting one would send the reader to a statement that is
	// attached already, or one that can never allow the call.
	r.Statements = dependsOn(ck.docs[w.alias], r.Call, w.region)
	r.Missing = len(r.Statements) == 0
	if r.DecodeNote == "" {
		r.DecodeNote = "AWS did not say which permission it refused (no encoded message)"
	}
}

// dependsOn lists the statements of doc that a call in region depends on:
// those granting the call's own action (not only as part of a create),
// ec2:CreateTags as part of it when it tags on create, and each further
// permission AWS checks with it (awsauthz: vpce:AllowMultiRegion), with a
// resource in region.
func dependsOn(doc iampolicy.Document, call, region string) []iampolicy.Statement {
	service, name, _ := strings.Cut(call, ":")
	row, _ := awsauthz.Lookup(service, name)
	var out []iampolicy.Statement
	for _, s := range doc.Statement {
		if !inRegion(s.Resource, region) {
			continue
		}
		own := slices.Contains(s.Action, call) && !(name == "CreateTags" && onlyOnCreate(&s))
		dep := false
		for _, d := range row.Dependent {
			if !slices.Contains(s.Action, d) {
				continue
			}
			if d == "ec2:CreateTags" {
				dep = dep || createdBy(&s, name)
			} else {
				dep = true
			}
		}
		if own || dep {
			out = append(out, s)
		}
	}
	return out
}

// createdBy reports whether s grants ec2:CreateTags as part of the create
// action name (its ec2:CreateAction condition lists it).
func createdBy(s *iampolicy.Statement, name string) bool {
	for _, kv := range s.Condition {
		if slices.Contains(kv["ec2:CreateAction"], name) {
			return true
		}
	}
	return false
}

// inRegion reports whether one of the resources is "*" or an ARN of
// region (or of any region).
func inRegion(resources []string, region string) bool {
	for _, r := range resources {
		parts := strings.SplitN(r, ":", 5)
		if r == "*" || len(parts) < 5 || parts[3] == "*" || parts[3] == region || parts[3] == "" {
			return true
		}
	}
	return false
}

func (ck *checker) decode(ctx context.Context, w *where, r *Result, msg string) {
	out, err := decodeMessage(ctx, w.c, msg)
	if err != nil {
		switch code := awsenv.ErrorCode(err); code {
		case "AccessDenied", "AccessDeniedException":
			r.DecodeNote = "the message was not decoded: the credentials of account " + w.alias + " may not call sts:DecodeAuthorizationMessage " +
				"(plink iam-policy prints it as statement PlinkDecodeDenialReasons; without it the denial lists every statement the call depends on)"
		default:
			r.DecodeNote = "the message was not decoded: " + describe(err)
		}
		r.Reason = "UnauthorizedOperation (encoded message not decoded)"
		return
	}
	var d decoded
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		r.DecodeNote = "the decoded message is not the JSON AWS documents: " + err.Error()
		return
	}
	r.Decoded = true
	r.Action = cmpOr(d.Context.Action, r.Action)
	r.Resource = d.Context.Resource
	on := ""
	if r.Resource != "" {
		on = " on " + r.Resource
	}
	if d.ExplicitDeny {
		r.Reason = "an explicit Deny in a policy refuses " + r.Action + on
	} else {
		r.Reason = "no identity-based policy allows " + r.Action + on
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// statementFor is the statement of doc that grants action on resource (on
// any resource when resource is unknown), or nil: one that grants the
// action on other resources only is not it (a route table the policy does
// not name is not granted by the statement for the endpoint). A statement
// that grants ec2:CreateTags only as part of a create (an ec2:CreateAction
// condition) does not grant a CreateTags call of its own.
func statementFor(doc iampolicy.Document, action, resource, call string) *iampolicy.Statement {
	if all := statementsFor(doc, action, resource, call); len(all) > 0 {
		return &all[0]
	}
	return nil
}

// statementsFor is every statement of doc that grants action on resource
// (on any resource when it is unknown), as statementFor chooses them.
func statementsFor(doc iampolicy.Document, action, resource, call string) []iampolicy.Statement {
	var out []iampolicy.Statement
	for _, s := range doc.Statement {
		if !slices.Contains(s.Action, action) || call == action && onlyOnCreate(&s) {
			continue
		}
		if resource == "" || slices.ContainsFunc(s.Resource, func(p string) bool { return arnMatch(p, resource) }) {
			out = append(out, s)
		}
	}
	return out
}

func onlyOnCreate(s *iampolicy.Statement) bool {
	for _, kv := range s.Condition {
		if _, ok := kv["ec2:CreateAction"]; ok {
			return true
		}
	}
	return false
}

// arnMatch matches an ARN pattern with * and ? wildcards.
func arnMatch(pattern, arn string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, _ := regexp.MatchString(re, arn)
	return ok
}

// decodeMessage is sts:DecodeAuthorizationMessage with the account's own
// credentials.
func decodeMessage(ctx context.Context, c *awsenv.Clients, msg string) (string, error) {
	out, err := c.STS().DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.DecodedMessage), nil
}
