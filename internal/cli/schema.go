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
			var data []byte
			switch which := f.Config.String("kind"); which {
			case "manifest":
				data = schemas.ManifestSchema
			case "plan":
				data = schemas.PlanSchema
			case "drift":
				data = schemas.DriftSchema
			case "status":
				data = schemas.StatusSchema
			default:
				return flagErrorf("invalid %s %q: valid values are \"manifest\", \"plan\", \"drift\" and \"status\"", f.Config.Source("kind"), which)
			}
			_, err := f.IO.Out.Write(data)
			return err
		},
	}
	cmd.Flags().String("kind", "manifest", "which schema: manifest, plan, drift or status")
	return cmd
}
