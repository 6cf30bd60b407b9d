package schemas

import _ "embed"

// PlanSchema is schemas/plan.schema.json, the JSON Schema of the document
// `plink plan --output json` prints (and `plink show --output json`).
//
//go:embed plan.schema.json
var PlanSchema []byte

// DriftSchema is schemas/drift.schema.json, the JSON Schema of the report
// `plink drift --output json` prints.
//
//go:embed drift.schema.json
var DriftSchema []byte

// StatusSchema is schemas/status.schema.json, the JSON Schema of the report
// `plink status --output json` prints.
//
//go:embed status.schema.json
var StatusSchema []byte
