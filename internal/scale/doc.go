// Package scale generates large, valid PrivateLink topologies — a sandbox
// world and a manifest that fits it — and measures plink's plan against the
// sandbox at that size (see scale_test.go and docs/scale.md).
//
// It owns test and benchmark fixtures only, and all of its code lives in
// _test.go files, so no production package can import it; it must not
// change the pipeline's behaviour or call real AWS. Generation
// (fixture_test.go) is deterministic for a given seed.
package scale
