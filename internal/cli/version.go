package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/internal/buildinfo"
)

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print plink's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := outputFormat(f, "text", "json")
			if err != nil {
				return err
			}
			info := buildinfo.Get()
			if format == "json" {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(f.IO.Out, "plink %s\ncommit: %s\nbuilt:  %s\ngo:     %s\n", info.Version, info.Commit, info.Date, info.GoVersion)
			return nil
		},
	}
}
