package sandbox

// Authentication: SigV4 parsing and verification, and resolving an access key
// to the principal it acts as (a world credential or an STS session).

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// identity is the authenticated caller.
type identity struct {
	AccessKey string
	Secret    string
	Account   string
	// Arn is the caller's ARN as GetCallerIdentity reports it: an IAM user
	// ARN, or arn:aws:sts::ACCT:assumed-role/ROLE/SESSION.
	Arn    string
	UserID string
	// RoleArn is set for assumed-role sessions.
	RoleArn string
	// Token is the session token temporary credentials must present.
	Token string
	// Session is set for temporary credentials.
	Session *session
}

// sigv4 is a parsed Authorization header.
type sigv4 struct {
	AccessKey     string
	Date          string
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
}

var reAuth = regexp.MustCompile(`^AWS4-HMAC-SHA256\s+Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})\s*$`)

// parseAuth parses a SigV4 Authorization header; ok is false if there is
// none; err is set if it is malformed.
func parseAuth(r *http.Request) (sig *sigv4, ok bool, err *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, false, nil
	}
	m := reAuth.FindStringSubmatch(h)
	if m == nil {
		return nil, true, errf(400, "IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters with an AWS4-HMAC-SHA256 algorithm.")
	}
	return &sigv4{
		AccessKey:     m[1],
		Date:          m[2],
		Region:        m[3],
		Service:       m[4],
		SignedHeaders: strings.Split(m[5], ";"),
		Signature:     m[6],
	}, true, nil
}

// verify recomputes the signature of r with secret and compares.
func (s *sigv4) verify(r *http.Request, body []byte, secret string) bool {
	amzDate := r.Header.Get("X-Amz-Date")
	if len(amzDate) < 8 || amzDate[:8] != s.Date {
		return false
	}
	var canon strings.Builder
	canon.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	// SigV4 encodes the (already encoded) path once more for every
	// service but S3: an ARN in a REST path (VPC Lattice's identifiers)
	// is signed as arn%253Aaws%253A....
	canon.WriteString(encodeTwice(path) + "\n")
	canon.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range s.SignedHeaders {
		canon.WriteString(h + ":" + headerValue(r, h) + "\n")
	}
	canon.WriteString("\n")
	canon.WriteString(strings.Join(s.SignedHeaders, ";") + "\n")
	// The payload hash is always the sandbox's own hash of the body, never
	// the client's X-Amz-Content-Sha256: a header taken on trust would let a
	// captured signature carry any body (checkPayload refuses a header that
	// disagrees before this runs).
	canon.WriteString(bodyHash(body))
	crh := sha256.Sum256([]byte(canon.String()))
	scope := s.Date + "/" + s.Region + "/" + s.Service + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crh[:])
	key := hmacSHA256([]byte("AWS4"+secret), s.Date)
	key = hmacSHA256(key, s.Region)
	key = hmacSHA256(key, s.Service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, sts))
	return hmac.Equal([]byte(want), []byte(s.Signature))
}

func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// unsignedPayload is the X-Amz-Content-Sha256 value by which S3 clients
// leave the body out of the signature. EC2, ELBv2, STS and CloudWatch do
// not accept it: their signatures always cover the body.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// checkPayload refuses an X-Amz-Content-Sha256 header that is not the
// SHA-256 of the body the sandbox received. AWS's Query and JSON services
// hash the body themselves, so such a request fails as a signature
// mismatch; the message says which of the two it was.
func checkPayload(r *http.Request, body []byte, ae authErrors) *apiError {
	claimed := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case claimed == "":
		return nil
	case claimed == unsignedPayload:
		return errf(ae.badSignature.Status, ae.badSignature.Code, "X-Amz-Content-Sha256 %s is accepted only by S3; this service signs the body: send its hex SHA-256 (or no X-Amz-Content-Sha256 header).", unsignedPayload)
	case !strings.EqualFold(claimed, bodyHash(body)):
		return errf(ae.badSignature.Status, ae.badSignature.Code, "The request signature we calculated does not match the signature you provided: X-Amz-Content-Sha256 is not the SHA-256 of the request body (the body was changed after signing, or the header was).")
	}
	return nil
}

// checkSignedHeaders requires host among the signed headers, as AWS does:
// a signature that does not cover Host could be replayed to another
// endpoint.
func checkSignedHeaders(sig *sigv4) *apiError {
	for _, h := range sig.SignedHeaders {
		if h == "host" {
			return nil
		}
	}
	return errf(400, "IncompleteSignature", "'Host' must be a 'SignedHeader' in the AWS Authorization (signed headers: %s).", strings.Join(sig.SignedHeaders, ";"))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return strconv.FormatInt(r.ContentLength, 10)
	}
	vals := r.Header.Values(http.CanonicalHeaderKey(name))
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

func canonicalQuery(q url.Values) string {
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, awsEscape(k)+"="+awsEscape(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

func awsEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// authErrors are the replies a service gives for each authentication failure.
type authErrors struct {
	missing, unknownKey, badSignature, expired *apiError
}

func authErrorsFor(service string) authErrors {
	sigMsg := "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	if service == svcEC2 {
		return authErrors{
			missing:      errf(401, "AuthFailure", "AWS was not able to validate the provided access credentials"),
			unknownKey:   errf(401, "AuthFailure", "AWS was not able to validate the provided access credentials"),
			badSignature: errf(403, "SignatureDoesNotMatch", "%s", sigMsg),
			expired:      errf(400, "RequestExpired", "Request has expired."),
		}
	}
	return authErrors{
		missing:      errf(403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
		unknownKey:   errf(403, "InvalidClientTokenId", "The security token included in the request is invalid."),
		badSignature: errf(403, "SignatureDoesNotMatch", "%s", sigMsg),
		expired:      errf(403, "ExpiredToken", "The security token included in the request is expired"),
	}
}

// MaxSkew is how far a request's X-Amz-Date may be from the time it
// arrives, either way, as AWS allows for SigV4.
const MaxSkew = 15 * time.Minute

// checkSkew refuses a request signed more than MaxSkew before or after now,
// with the error each service gives. now is the wall clock, not
// Options.Clock: the SDK signs with the wall clock, and a fake sandbox
// clock only drives resource lifecycles.
func checkSkew(amzDate string, now time.Time, service string) *apiError {
	const layout = "20060102T150405Z"
	t, err := time.Parse(layout, amzDate)
	if err != nil {
		return errf(400, "IncompleteSignature", "X-Amz-Date %q must be an ISO 8601 basic date-time such as 20150830T123600Z", amzDate)
	}
	early, late := now.Add(-MaxSkew), now.Add(MaxSkew)
	switch {
	case !t.Before(early) && !t.After(late):
		return nil
	case service == svcEC2:
		return errf(400, "RequestExpired", "Request has expired.")
	case t.Before(early):
		return errf(403, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)", amzDate, early.Format(layout), now.Format(layout))
	}
	return errf(403, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s (%s + 15 min.)", amzDate, late.Format(layout), now.Format(layout))
}

// lookupKey resolves an access key id. Called with s.mu held.
func (s *Sandbox) lookupKey(key string) *identity {
	if id, ok := s.keys[key]; ok {
		c := *id
		return &c
	}
	if ses, ok := s.st.Sessions[key]; ok {
		return &identity{
			AccessKey: ses.AccessKeyID,
			Secret:    ses.SecretAccessKey,
			Account:   ses.Account,
			Arn:       ses.Arn,
			UserID:    ses.RoleID + ":" + ses.SessionName,
			RoleArn:   ses.RoleArn,
			Token:     ses.SessionToken,
			Session:   ses,
		}
	}
	return nil
}

// authenticate verifies the request signature and returns the caller.
func (s *Sandbox) authenticate(r *http.Request, body []byte, sig *sigv4, service string) (*identity, *apiError) {
	ae := authErrorsFor(service)
	s.mu.Lock()
	id := s.lookupKey(sig.AccessKey)
	s.mu.Unlock()
	if id == nil {
		return nil, ae.unknownKey
	}
	if e := checkSignedHeaders(sig); e != nil {
		return nil, e
	}
	if e := checkPayload(r, body, ae); e != nil {
		return nil, e
	}
	if !sig.verify(r, body, id.Secret) {
		return nil, ae.badSignature
	}
	if e := checkSkew(r.Header.Get("X-Amz-Date"), time.Now().UTC(), service); e != nil {
		return nil, e
	}
	tok := r.Header.Get("X-Amz-Security-Token")
	if id.Session == nil && tok != "" {
		// A long-term (AKIA…) key has no session token; AWS refuses a
		// request that sends one with it as an invalid token.
		return nil, ae.unknownKey
	}
	if id.Session != nil {
		if tok != id.Token {
			return nil, ae.unknownKey
		}
		if !s.now().Before(id.Session.Expiration) {
			return nil, ae.expired
		}
	}
	return id, nil
}

// principalAllowed reports whether a service permission entry admits caller.
func principalAllowed(entry string, caller *identity) bool {
	switch {
	case entry == "*":
		return true
	case entry == "arn:aws:iam::"+caller.Account+":root":
		return true
	case entry == caller.Arn:
		return true
	case caller.RoleArn != "" && entry == caller.RoleArn:
		return true
	}
	return false
}

// encodeTwice URI-encodes every byte of an escaped path outside the
// unreserved characters and '/', as SigV4's canonical URI has it.
func encodeTwice(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}
