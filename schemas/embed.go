// Package schemas embeds the JSON Schemas that are plink's public contracts:
// the manifest schema (for editors and `plink schema`) and, later, the plan
// JSON schema. It only holds bytes; it must not validate or load anything.
package schemas

import _ "embed"

// ManifestSchema is schemas/manifest.schema.json, the JSON Schema (draft
// 2020-12) of a manifest file.
//
//go:embed manifest.schema.json
var ManifestSchema []byte
