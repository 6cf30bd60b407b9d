package campaign

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/plinkdev/plink/sandbox"
)

// Proxy stands in front of a sandbox's handler. It adds what the sandbox
// does not model itself: a connection reset after the sandbox has carried a
// call out (the client never learns that its create or accept happened;
// the sandbox's own ResetRate resets before), a hook at every mutating call
// for kill points, and a log of mutating calls with the resource ids they
// name, for the foreign-touched and declared-rejected checks.
type Proxy struct {
	next http.Handler

	// ResetAfterRate is the probability (0..1) that a call is carried out
	// and its connection then closed without a reply.
	ResetAfterRate float64
	// Hook, when set (before any call is served), is called at every mutating call, numbered from 1,
	// before the sandbox sees it; it returns what to do with the call.
	Hook func(seq int, action string) HookAction
	// AfterServe, when set, runs for a call its Hook made ServeThenDrop,
	// after the sandbox carried it out and before the connection is closed
	// (a kill after commit).
	AfterServe func(seq int)

	mu  sync.Mutex
	rng *rand.Rand
	seq int
	log []Mutation
}

// HookAction is what the proxy does with a mutating call after its Hook.
type HookAction int

const (
	// Pass serves the call.
	Pass HookAction = iota
	// Drop closes the connection without passing the call on: the client
	// sent it, the server never carried it out.
	Drop
	// ServeThenDrop carries the call out and closes the connection without
	// a reply.
	ServeThenDrop
)

// Mutation is one mutating call as the proxy saw it.
type Mutation struct {
	Seq    int
	Action string
	// IDs are the form values that are PrivateLink ids (vpce-…,
	// vpce-svc-…, vpce-nfn-…): what the call acts on.
	IDs []string
	// Status is the HTTP status of the reply, 0 when there was none.
	Status int
}

// NewProxy wraps sb's handler; seed makes the reset draws repeatable.
func NewProxy(sb *sandbox.Sandbox, seed int64) *Proxy {
	return &Proxy{next: sb.Handler(), rng: rand.New(rand.NewSource(seed))}
}

// Mutations returns the mutating calls seen so far.
func (p *Proxy) Mutations() []Mutation {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Mutation, len(p.log))
	copy(out, p.log)
	return out
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "campaign proxy: reading the request body failed", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	action := form.Get("Action")
	mutating := sandbox.IsMutating(action)

	p.mu.Lock()
	resetAfter := p.ResetAfterRate > 0 && p.rng.Float64() < p.ResetAfterRate
	seq := 0
	if mutating {
		p.seq++
		seq = p.seq
		p.log = append(p.log, Mutation{Seq: seq, Action: action, IDs: ids(form)})
	}
	hook, after := p.Hook, p.AfterServe
	p.mu.Unlock()

	act := Pass
	if mutating && hook != nil {
		act = hook(seq, action)
	}
	switch {
	case act == Drop:
		abort(w)
		return
	case act == ServeThenDrop || resetAfter:
		rec := httptest.NewRecorder()
		p.next.ServeHTTP(rec, r)
		p.record(seq, rec.Code)
		if act == ServeThenDrop && after != nil {
			after(seq)
		}
		abort(w)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	p.next.ServeHTTP(sw, r)
	p.record(seq, sw.status)
}

func (p *Proxy) record(seq, status int) {
	if seq == 0 {
		return
	}
	p.mu.Lock()
	p.log[seq-1].Status = status
	p.mu.Unlock()
}

// abort closes the client's connection without a reply, as a reset would.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// ids returns the form values that name PrivateLink resources.
func ids(form url.Values) []string {
	var out []string
	for _, vs := range form {
		for _, v := range vs {
			if strings.HasPrefix(v, "vpce-") {
				out = append(out, v)
			}
		}
	}
	return out
}

// statusWriter remembers the status written through it and still lets the
// sandbox hijack the connection for its own resets.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("campaign proxy: the connection cannot be hijacked")
	}
	return hj.Hijack()
}
