package cli

import (
	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/schemas"
)

func newSchemaCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the manifest (or of the JSON plan, drift or status report)",
		Long: `Print the JSON Schema (2020-12) of the manifest, for editors and CI checks.
Point an editor at it with a first line in the manifest such as:
  # yaml-language-server: $schema=https://raw.githubusercontent.com/plinkdev/plink/main/schemas/manifest.schema.json

--kind plan, drift or status prints the schema of what 'plink plan', 'plink drift'
or 'plink status' print with --output json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			run, err := newSchemaRun(f)
			if err != nil {
				return err
			}
			_, err = f.IO.Out.Write(schemaOf(run.kind))
			return err
		},
	}
	cmd.Flags().String("kind", "manifest", "which schema: manifest, plan, drift or status")
	return cmd
}

// schemaOf is the JSON Schema of a kind newSchemaRun accepted.
func schemaOf(kind string) []byte {
	switch kind {
	case "plan":
		return schemas.PlanSchema
	case "drift":
		return schemas.DriftSchema
	case "status":
		return schemas.StatusSchema
	}
	return schemas.ManifestSchema
}
