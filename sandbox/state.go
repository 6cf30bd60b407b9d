package sandbox

// Mutable state: the PrivateLink resources API calls create, their lazy
// time-based states, id generation, and persistence to a JSON file.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/plinkdev/plink/internal/bounded"
)

const stateVersion = 1

// state is everything API calls change. It is persisted as JSON.
type state struct {
	Version       int                      `json:"version"`
	Counter       uint64                   `json:"counter"`
	Services      map[string]*service      `json:"services"`
	Endpoints     map[string]*endpoint     `json:"endpoints"`
	Notifications map[string]*notification `json:"notifications"`
	// Tokens maps account|region|action|clientToken to the request it created.
	Tokens map[string]*tokenRecord `json:"tokens"`
	// Sessions holds STS temporary credentials by access key id.
	Sessions map[string]*session `json:"sessions"`
	// NextHost is the next host offset to hand out per subnet id.
	NextHost map[string]int `json:"nextHost"`
	// FixedIPs maps subnet|address to the endpoint given that address by a
	// SubnetConfiguration, so that allocIP passes over it (an entry whose
	// endpoint no longer holds the address is stale and ignored).
	FixedIPs map[string]string `json:"fixedIps,omitempty"`
	// LBStates overrides the state code of world load balancers by ARN
	// (ForceLoadBalancerState); lbDeleted means the load balancer is gone.
	LBStates map[string]string `json:"lbStates,omitempty"`
	// PlacementGroups by id (ec2_lease.go).
	PlacementGroups map[string]*placementGroup `json:"placementGroups,omitempty"`
	// DNSRecords are the Route 53 record sets by hosted zone id, then
	// name|type; DNSChanges the change batches by id (route53.go).
	DNSRecords map[string]map[string]*rrset `json:"dnsRecords,omitempty"`
	DNSChanges map[string]*dnsChange        `json:"dnsChanges,omitempty"`
}

func newState() *state {
	return &state{
		Version:       stateVersion,
		Services:      map[string]*service{},
		Endpoints:     map[string]*endpoint{},
		Notifications: map[string]*notification{},
		Tokens:        map[string]*tokenRecord{},
		Sessions:      map[string]*session{},
		NextHost:      map[string]int{},
		LBStates:      map[string]string{},

		PlacementGroups: map[string]*placementGroup{},
		DNSRecords:      map[string]map[string]*rrset{},
		DNSChanges:      map[string]*dnsChange{},
	}
}

// permission is one allowed principal of an endpoint service.
type permission struct {
	Principal string    `json:"principal"`
	ID        string    `json:"id"`
	Added     time.Time `json:"added"`
	Tags      []tag     `json:"tags,omitempty"`
}

// service is an endpoint service configuration.
type service struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// Type is Interface (NLB) or GatewayLoadBalancer.
	Type               string   `json:"type"`
	NLBs               []string `json:"nlbs,omitempty"`
	GWLBs              []string `json:"gwlbs,omitempty"`
	AcceptanceRequired bool     `json:"acceptanceRequired"`
	IPTypes            []string `json:"ipTypes"`
	SupportedRegions   []string `json:"supportedRegions,omitempty"`
	PrivateDNSName     string   `json:"privateDnsName,omitempty"`
	DNSState           string   `json:"dnsState,omitempty"`
	DNSVerifyName      string   `json:"dnsVerifyName,omitempty"`
	DNSVerifyValue     string   `json:"dnsVerifyValue,omitempty"`
	// DNSVerifyAt is when StartVpcEndpointServicePrivateDnsVerification
	// was last called; the outcome is decided Options.PrivateDNSVerifyDelay
	// later (resolvePrivateDNS).
	DNSVerifyAt time.Time    `json:"dnsVerifyAt,omitzero"`
	Permissions []permission `json:"permissions,omitempty"`
	// PayerResponsibility is ServiceOwner once set
	// (ModifyVpcEndpointServicePayerResponsibility); empty is AWS's
	// default, the endpoint owner.
	PayerResponsibility string    `json:"payerResponsibility,omitempty"`
	Created             time.Time `json:"created"`
	Tags                []tag     `json:"tags,omitempty"`
	// Phase is "" while the service follows its own lifecycle (Pending for
	// ServiceAvailableDelay, then Available); svcDeleting after deletion
	// (Deleting, then Deleted, then gone); or a state ForceServiceState put
	// it in and that it keeps (Pending, Available, Failed).
	Phase   string    `json:"phase,omitempty"`
	PhaseAt time.Time `json:"phaseAt,omitempty"`
	// Hold marks a deletion forced by ForceServiceState: each of Deleting
	// and Deleted lasts at least ForcedStateHold, so it can be observed.
	Hold bool `json:"hold,omitempty"`
	// Deleted marks the copy a token record keeps of a deleted service.
	Deleted bool `json:"deleted,omitempty"`
}

// service phases as stored (see service.Phase).
const (
	svcPending   = "Pending"
	svcAvailable = "Available"
	svcDeleting  = "Deleting" // becomes Deleted, then gone
	svcDeleted   = "Deleted"
	svcFailed    = "Failed"
)

// eni is the network interface an interface endpoint has in one subnet.
type eni struct {
	Subnet string `json:"subnet"`
	ID     string `json:"id"`
	IP     string `json:"ip"`
	// IPv6 is the interface's IPv6 address, given only as a fixed address
	// (SubnetConfiguration).
	IPv6 string `json:"ipv6,omitempty"`
}

// endpoint phases as stored; the reported state is derived with time.
const (
	phasePendingAcceptance = "pendingAcceptance"
	phasePending           = "pending" // becomes available after EndpointAvailableDelay
	phaseRejected          = "rejected"
	phaseDeleting          = "deleting" // becomes deleted, then gone
	phaseDeleted           = "deleted"  // reported only; stored as deleting
	phaseAvailable         = "available"
	phaseExpired           = "expired"
	phaseFailed            = "failed"
)

// ForcedStateHold is the least time a state put by ForceEndpointState or
// ForceServiceState that would otherwise pass at once (pending, deleting,
// deleted with a zero delay) lasts, in sandbox time.
const ForcedStateHold = time.Minute

// endpoint is a VPC endpoint (and, seen from the provider, a connection).
type endpoint struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	Region  string `json:"region"`
	VpcID   string `json:"vpcId"`
	// Type is Interface, GatewayLoadBalancer or Gateway.
	Type        string `json:"type"`
	ServiceName string `json:"serviceName"`
	// ServiceID is empty for AWS-managed services.
	ServiceID     string    `json:"serviceId,omitempty"`
	ServiceRegion string    `json:"serviceRegion"`
	Phase         string    `json:"phase"`
	PhaseAt       time.Time `json:"phaseAt"`
	// Hold marks a phase put by ForceEndpointState: pending does not become
	// available, and deleting and deleted each last at least ForcedStateHold.
	Hold          bool     `json:"hold,omitempty"`
	Subnets       []string `json:"subnets,omitempty"`
	ENIs          []eni    `json:"enis,omitempty"`
	Groups        []string `json:"groups,omitempty"`
	RouteTables   []string `json:"routeTables,omitempty"`
	PrivateDNS    bool     `json:"privateDns"`
	DNSRecordType string   `json:"dnsRecordIpType,omitempty"`
	IPAddressType string   `json:"ipAddressType"`
	Policy        string   `json:"policy,omitempty"`
	// ResourceConfigurationArn and ServiceNetworkArn are what a Resource or
	// ServiceNetwork endpoint connects to (ec2_lattice.go), with its private
	// DNS preference and specified domains.
	ResourceConfigurationArn string    `json:"resourceConfigurationArn,omitempty"`
	ServiceNetworkArn        string    `json:"serviceNetworkArn,omitempty"`
	PrivateDNSPreference     string    `json:"privateDnsPreference,omitempty"`
	PrivateDNSDomains        []string  `json:"privateDnsDomains,omitempty"`
	DNSSuffix                string    `json:"dnsSuffix"`
	Created                  time.Time `json:"created"`
	Tags                     []tag     `json:"tags,omitempty"`
}

// notification is a connection notification.
type notification struct {
	ID         string    `json:"id"`
	Account    string    `json:"account"`
	Region     string    `json:"region"`
	ServiceID  string    `json:"serviceId,omitempty"`
	EndpointID string    `json:"endpointId,omitempty"`
	Arn        string    `json:"arn"`
	Events     []string  `json:"events"`
	Created    time.Time `json:"created"`
}

// tokenRecord remembers what a ClientToken created. Once the resource is
// deleted, the record keeps it as it was last (in its final state) and when
// it went, for Options.ClientTokenRetention.
type tokenRecord struct {
	Hash       string     `json:"hash"`
	ResourceID string     `json:"resourceId"`
	Gone       *time.Time `json:"gone,omitempty"`
	Service    *service   `json:"service,omitempty"`
	Endpoint   *endpoint  `json:"endpoint,omitempty"`
}

// session is an STS temporary credential.
type session struct {
	AccessKeyID     string    `json:"accessKeyId"`
	SecretAccessKey string    `json:"secretAccessKey"`
	SessionToken    string    `json:"sessionToken"`
	Account         string    `json:"account"`
	RoleArn         string    `json:"roleArn"`
	RoleID          string    `json:"roleId"`
	SessionName     string    `json:"sessionName"`
	Arn             string    `json:"arn"`
	Expiration      time.Time `json:"expiration"`
}

// ---- ids ----

// randHex returns n pseudo-random hex digits, deterministic for a seed and
// the persisted counter.
func (s *Sandbox) randHex(n int) string {
	s.st.Counter++
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(s.opts.Seed))
	binary.BigEndian.PutUint64(buf[8:], s.st.Counter)
	sum := sha256.Sum256(buf[:])
	h := hex.EncodeToString(sum[:])
	for len(h) < n {
		h += h
	}
	return h[:n]
}

func (s *Sandbox) newID(prefix string) string { return prefix + "-" + s.randHex(17) }

// randAlnum returns n lowercase alphanumeric characters.
func (s *Sandbox) randAlnum(n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, n)
	for len(out) < n {
		h := s.randHex(64)
		for i := 0; i+1 < len(h) && len(out) < n; i += 2 {
			v, _ := strconv.ParseUint(h[i:i+2], 16, 8)
			out = append(out, chars[int(v)%len(chars)])
		}
	}
	return string(out)
}

// allocIP hands out the next private IP of a subnet (skipping the 4 AWS
// reserves at the start).
func (s *Sandbox) allocIP(subnetID, cidr string) string {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ""
	}
	off := s.st.NextHost[subnetID]
	if off < 4 {
		off = 4 + 6 // leave a few addresses as if other interfaces existed
	}
	s.st.NextHost[subnetID] = off + 1
	a := pfx.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(a[:]) + uint32(off)
	binary.BigEndian.PutUint32(a[:], v)
	ip := netip.AddrFrom4(a).String()
	if s.holdsFixed(subnetID, ip) {
		return s.allocIP(subnetID, cidr) // a fixed address took it: the next one
	}
	return ip
}

// ---- time ----

func (s *Sandbox) now() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock().UTC()
	}
	return time.Now().UTC()
}

// visible reports whether a resource created at t may be returned by a
// Describe call yet (eventual consistency).
func (s *Sandbox) visible(created, now time.Time) bool {
	return s.opts.ConsistencyDelay <= 0 || !now.Before(created.Add(s.opts.ConsistencyDelay))
}

// span is how long a timed phase lasts: the configured delay, or at least
// ForcedStateHold for a forced phase.
func span(d time.Duration, hold bool) time.Duration {
	if hold && d < ForcedStateHold {
		return ForcedStateHold
	}
	return d
}

// serviceState is the reported ServiceState of an endpoint service, and
// whether it is gone.
func (s *Sandbox) serviceState(sv *service, now time.Time) (state string, gone bool) {
	if sv.Deleted {
		return svcDeleted, true
	}
	switch sv.Phase {
	case "":
		if now.Before(sv.Created.Add(s.opts.ServiceAvailableDelay)) {
			return svcPending, false
		}
		return svcAvailable, false
	case svcDeleting:
		d := span(s.opts.ServiceDeleteDelay, sv.Hold)
		switch {
		case now.Before(sv.PhaseAt.Add(d)):
			return svcDeleting, false
		case now.Before(sv.PhaseAt.Add(2 * d)):
			return svcDeleted, false
		}
		return svcDeleted, true
	}
	return sv.Phase, false
}

// serviceGoneAt is when a deleted service stops being reported.
func (s *Sandbox) serviceGoneAt(sv *service) time.Time {
	return sv.PhaseAt.Add(2 * span(s.opts.ServiceDeleteDelay, sv.Hold))
}

// serviceLive reports whether a service is neither being deleted nor gone:
// it holds its load balancers and consumers can see it.
func (s *Sandbox) serviceLive(sv *service, now time.Time) bool {
	st, gone := s.serviceState(sv, now)
	return !gone && st != svcDeleting && st != svcDeleted
}

// endpointState is the reported state of an endpoint, and whether it is gone.
func (s *Sandbox) endpointState(ep *endpoint, now time.Time) (state string, gone bool) {
	d := span(s.opts.EndpointAvailableDelay, ep.Hold)
	switch ep.Phase {
	case phasePending:
		if !ep.Hold && !now.Before(ep.PhaseAt.Add(d)) {
			return phaseAvailable, false
		}
		return phasePending, false
	case phaseDeleting:
		switch {
		case now.Before(ep.PhaseAt.Add(d)):
			return phaseDeleting, false
		case now.Before(ep.PhaseAt.Add(2 * d)):
			return phaseDeleted, false
		}
		return phaseDeleted, true
	}
	return ep.Phase, false
}

// endpointGoneAt is when a deleting endpoint stops being reported.
func (s *Sandbox) endpointGoneAt(ep *endpoint) time.Time {
	return ep.PhaseAt.Add(2 * span(s.opts.EndpointAvailableDelay, ep.Hold))
}

// tokenRetention is Options.ClientTokenRetention with its default.
func (s *Sandbox) tokenRetention() time.Duration {
	if s.opts.ClientTokenRetention == 0 {
		return DefaultClientTokenRetention
	}
	return s.opts.ClientTokenRetention
}

// retained reports whether a resource deleted at gone is still what its
// ClientToken answers with.
func (s *Sandbox) retained(gone, now time.Time) bool {
	return now.Before(gone.Add(s.tokenRetention()))
}

// tokenGone returns when the resource of a token record was deleted, if it
// was: as recorded, or for an endpoint whose deletion completed but that gc
// has not dropped yet, when it completed.
func (s *Sandbox) tokenGone(rec *tokenRecord, now time.Time) (time.Time, bool) {
	if rec.Gone != nil {
		return *rec.Gone, true
	}
	if ep, ok := s.st.Endpoints[rec.ResourceID]; ok {
		if _, gone := s.endpointState(ep, now); gone {
			return s.endpointGoneAt(ep), true
		}
	}
	if sv, ok := s.st.Services[rec.ResourceID]; ok {
		if _, gone := s.serviceState(sv, now); gone {
			return s.serviceGoneAt(sv), true
		}
	}
	return time.Time{}, false
}

// buryTokens records in the token records of deleted resources (by id) when
// they went and what they were last. Called with s.mu held.
func (s *Sandbox) buryTokens(services map[string]*service, endpoints map[string]*endpoint) {
	if len(services)+len(endpoints) == 0 {
		return
	}
	for _, rec := range s.st.Tokens {
		if rec.Gone != nil {
			continue
		}
		if sv, ok := services[rec.ResourceID]; ok {
			cp := *sv
			cp.Deleted = true
			at := s.serviceGoneAt(sv)
			rec.Gone, rec.Service = &at, &cp
		}
		if ep, ok := endpoints[rec.ResourceID]; ok {
			cp := *ep
			cp.Phase = phaseDeleted
			at := s.endpointGoneAt(ep)
			rec.Gone, rec.Endpoint = &at, &cp
		}
	}
}

// gc drops services and endpoints whose deletion has completed (keeping them
// in their ClientToken records) and token records past their retention.
// Called with s.mu held.
func (s *Sandbox) gc(now time.Time) {
	dropped := map[string]*endpoint{}
	for id, ep := range s.st.Endpoints {
		if _, gone := s.endpointState(ep, now); gone {
			dropped[id] = ep
			delete(s.st.Endpoints, id)
		}
	}
	for nid, nf := range s.st.Notifications {
		if nf.EndpointID != "" && dropped[nf.EndpointID] != nil {
			delete(s.st.Notifications, nid) // an endpoint's notifications go with it
		}
	}
	droppedSvc := map[string]*service{}
	for id, sv := range s.st.Services {
		if _, gone := s.serviceState(sv, now); gone {
			droppedSvc[id] = sv
			delete(s.st.Services, id)
			for nid, nf := range s.st.Notifications {
				if nf.ServiceID == id {
					delete(s.st.Notifications, nid)
				}
			}
		}
	}
	s.buryTokens(droppedSvc, dropped)
	for k, rec := range s.st.Tokens {
		if rec.Gone != nil && !s.retained(*rec.Gone, now) {
			delete(s.st.Tokens, k)
		}
	}
	for k, ses := range s.st.Sessions {
		if now.After(ses.Expiration.Add(24 * time.Hour)) {
			delete(s.st.Sessions, k)
		}
	}
}

// ---- persistence ----

func loadState(path string) (*state, error) {
	// Read as every file plink reads: a regular file under a cap, its
	// depth bounded before encoding/json sees it; width and entries as a
	// sandbox of 50,000 endpoints writes them, many times over.
	b, err := bounded.ReadFile(path, 1<<30)
	if os.IsNotExist(err) {
		return newState(), nil
	}
	if err != nil {
		return nil, err
	}
	if se := bounded.ScanJSON(b, bounded.Limits{MaxWidth: 1 << 22, MaxEntries: 1 << 28}); se != nil {
		return nil, stateError(path, []string{fmt.Sprintf("line %d, column %d: %s", se.Line, se.Column, se.Problem())})
	}
	st := newState()
	if err := json.Unmarshal(b, st); err != nil {
		return nil, stateError(path, []string{"not valid JSON: " + jsonPosition(b, err).Error()})
	}
	if st.Version != stateVersion {
		return nil, stateError(path, []string{fmt.Sprintf("version %d, want %d", st.Version, stateVersion)})
	}
	// Maps may be absent in a hand-edited or older file.
	fresh := newState()
	if st.Services == nil {
		st.Services = fresh.Services
	}
	if st.Endpoints == nil {
		st.Endpoints = fresh.Endpoints
	}
	if st.Notifications == nil {
		st.Notifications = fresh.Notifications
	}
	if st.Tokens == nil {
		st.Tokens = fresh.Tokens
	}
	if st.Sessions == nil {
		st.Sessions = fresh.Sessions
	}
	if st.NextHost == nil {
		st.NextHost = fresh.NextHost
	}
	if st.LBStates == nil {
		st.LBStates = fresh.LBStates
	}
	if st.PlacementGroups == nil {
		st.PlacementGroups = fresh.PlacementGroups
	}
	if st.DNSRecords == nil {
		st.DNSRecords = fresh.DNSRecords
	}
	if st.DNSChanges == nil {
		st.DNSChanges = fresh.DNSChanges
	}
	return st, nil
}

// writeFileAtomic writes b to path via a temporary file and rename.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
