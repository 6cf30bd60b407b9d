package sandbox

// The VPC Lattice read calls plink makes, in the REST-JSON protocol the
// SDK's vpclattice client speaks (signing name vpc-lattice): what a
// consumer's account may see of the resource configurations and service
// networks of the world (ec2_lattice.go), and what a resource
// configuration's owner sees of its resource gateway.
//
//	GET /resourceconfigurations/{arn or id}  GetResourceConfiguration
//	GET /servicenetworks/{arn or id}         GetServiceNetwork
//	GET /resourcegateways/{id}               GetResourceGateway
//
// A configuration or network the caller neither owns nor has been shared
// (through an account id or its organization) does not exist for it:
// 404 ResourceNotFoundException, as for an id that exists nowhere. A
// resource gateway is its owner's only.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// svcLattice is VPC Lattice's signing name and IAM prefix.
const svcLattice = "vpc-lattice"

var latticePaths = map[string]string{
	"resourceconfigurations": "GetResourceConfiguration",
	"servicenetworks":        "GetServiceNetwork",
	"resourcegateways":       "GetResourceGateway",
}

// isLatticeAPI reports whether r is a VPC Lattice request.
func isLatticeAPI(r *http.Request) bool {
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	_, ok := latticePaths[seg]
	return ok
}

type latticeHandler func(c *call, id string) (map[string]any, *apiError)

var latticeHandlers = map[string]latticeHandler{
	"GetResourceConfiguration": latticeGetResourceConfiguration,
	"GetServiceNetwork":        latticeGetServiceNetwork,
	"GetResourceGateway":       latticeGetResourceGateway,
}

// serveLatticeAPI serves one VPC Lattice request: authentication,
// counting, faults and throttling as for the other APIs, then the action.
func (s *Sandbox) serveLatticeAPI(w http.ResponseWriter, r *http.Request) {
	reply := func(e *apiError, out map[string]any) { writeLatticeJSON(w, e, out) }
	seg, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	action := latticePaths[seg]
	id, err := url.PathUnescape(rest)
	if err != nil || id == "" || strings.Contains(rest, "/") {
		reply(errf(404, "UnknownOperationException", "The sandbox does not serve %s %s (it serves GetResourceConfiguration, GetServiceNetwork and GetResourceGateway).", r.Method, r.URL.Path), nil)
		return
	}
	if r.Method != http.MethodGet {
		reply(errf(405, "UnknownOperationException", "%s takes GET", r.URL.Path), nil)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	sig, signed, aerr := parseAuth(r)
	switch {
	case aerr != nil:
		reply(aerr, nil)
		return
	case !signed:
		reply(authErrorsFor(svcLattice).missing, nil)
		return
	case sig.Service != svcLattice:
		reply(errf(400, "InvalidAction", "The sandbox serves %s only for the signing name %q, not %q.", r.URL.Path, svcLattice, sig.Service), nil)
		return
	}
	caller, aerr := s.authenticate(r, body, sig, svcLattice)
	if aerr != nil {
		reply(aerr, nil)
		return
	}
	if !s.servesRegion(sig.Region) {
		reply(errf(400, "ValidationException", "The sandbox does not serve region %q (regions: %s).", sig.Region, strings.Join(s.world.Regions, ", ")), nil)
		return
	}
	s.count(svcLattice, action, caller.Account, sig.Region)
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if e := s.refusal(svcLattice, action, caller.Account, sig.Region); e != nil {
		reply(e, nil)
		return
	}
	s.mu.Lock()
	c := &call{sb: s, service: svcLattice, action: action, region: sig.Region, caller: caller, now: s.now(),
		p: params{"Identifier": {id}}} // what authorization reads (authz_requests.go)
	out, e := func() (out map[string]any, e *apiError) {
		defer func() {
			if v := recover(); v != nil {
				out, e = nil, errf(500, "InternalServerException", "sandbox: %s failed inside the sandbox: %v", action, v)
			}
		}()
		if s.panicHook != nil {
			s.panicHook(action)
		}
		if e := s.authorize(c); e != nil { // authz.go
			return nil, e
		}
		return latticeHandlers[action](c, id)
	}()
	s.mu.Unlock()
	reply(e, out)
}

// latticeErrorTypes maps the codes the shared paths raise to VPC
// Lattice's exception names.
var latticeErrorTypes = map[string]string{
	"Throttling":            "ThrottlingException",
	"RequestLimitExceeded":  "ThrottlingException",
	"InternalError":         "InternalServerException",
	"InternalFailure":       "InternalServerException",
	"ServiceUnavailable":    "InternalServerException",
	"UnauthorizedOperation": "AccessDeniedException",
	"AccessDenied":          "AccessDeniedException",
}

func writeLatticeJSON(w http.ResponseWriter, e *apiError, out map[string]any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e != nil {
		typ := e.Code
		if t, ok := latticeErrorTypes[typ]; ok {
			typ = t
		}
		h.Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(e.Status)
		b, _ := json.Marshal(map[string]string{"message": e.Message})
		_, _ = w.Write(b)
		return
	}
	w.WriteHeader(200)
	b, _ := json.Marshal(out)
	_, _ = w.Write(b)
}

// latticeID is the last part of an ARN (rcfg-…, sn-…), or id itself.
func latticeID(arnOrID string) string {
	if i := strings.LastIndexByte(arnOrID, '/'); i >= 0 {
		return arnOrID[i+1:]
	}
	return arnOrID
}

func latticeNotFound(kind, id string) *apiError {
	return errf(404, "ResourceNotFoundException", "The %s %s was not found.", kind, id)
}

func latticeGetResourceConfiguration(c *call, id string) (map[string]any, *apiError) {
	for _, rc := range c.sb.world.ResourceConfigurations {
		if rc.Arn != id && latticeID(rc.Arn) != id {
			continue
		}
		m := reRCFGArn.FindStringSubmatch(rc.Arn)
		if m[1] != c.region || !c.sb.world.sharedWith(m[2], rc.SharedWith, c.account()) {
			break
		}
		name := rc.Name
		if name == "" {
			name = latticeID(rc.Arn)
		}
		return map[string]any{"arn": rc.Arn, "id": latticeID(rc.Arn), "name": name, "status": "ACTIVE", "type": "SINGLE",
			"protocol": "TCP", "resourceGatewayId": rc.ResourceGateway.ID}, nil
	}
	return nil, latticeNotFound("resource configuration", id)
}

func latticeGetServiceNetwork(c *call, id string) (map[string]any, *apiError) {
	for _, sn := range c.sb.world.ServiceNetworks {
		if sn.Arn != id && latticeID(sn.Arn) != id {
			continue
		}
		m := reSNArn.FindStringSubmatch(sn.Arn)
		if m[1] != c.region || !c.sb.world.sharedWith(m[2], sn.SharedWith, c.account()) {
			break
		}
		return map[string]any{"arn": sn.Arn, "id": latticeID(sn.Arn), "name": latticeID(sn.Arn), "authType": "NONE"}, nil
	}
	return nil, latticeNotFound("service network", id)
}

// latticeGetResourceGateway answers the owner of a resource gateway (the
// owner of a configuration it carries) only.
func latticeGetResourceGateway(c *call, id string) (map[string]any, *apiError) {
	for _, rc := range c.sb.world.ResourceConfigurations {
		g := rc.ResourceGateway
		m := reRCFGArn.FindStringSubmatch(rc.Arn)
		if (g.ID != id && !strings.HasSuffix(id, "/"+g.ID)) || m[2] != c.account() || m[1] != c.region {
			continue
		}
		return map[string]any{"arn": "arn:aws:vpc-lattice:" + m[1] + ":" + m[2] + ":resourcegateway/" + g.ID, "id": g.ID, "name": g.ID,
			"status": "ACTIVE", "vpcId": g.VpcID, "subnetIds": g.SubnetIDs, "ipAddressType": "IPV4"}, nil
	}
	return nil, latticeNotFound("resource gateway", id)
}
