// Package manifest owns plink's desired model: the manifest file format
// (version 1), loading one or more files or directories into a Manifest,
// strict decoding with file:line:column positions, semantic validation of
// references, ids and ARNs, and offline lint checks.
//
// It must not call AWS, read live state, compute plans or print anything:
// every problem is returned as a Diagnostic value for the caller to render.
package manifest
