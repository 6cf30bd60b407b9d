package cli

import (
	"bytes"
	"encoding/json"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/plinkdev/plink/graph"
	"github.com/plinkdev/plink/live"
)

func newGraphCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "graph [-f PATH]... [--live] [--format mermaid|dot]",
		Short: "Draw the topology: accounts, services, endpoints and their connections",
		Long: `Print the topology as Mermaid (renders in GitHub Markdown) or Graphviz DOT.
With --live, connections are drawn in the state AWS reports: pending, available,
rejected, or drifted.`,
		Example: `  plink graph -f manifests/ > topology.mmd
  plink graph -f manifests/ --live --format dot | dot -Tsvg > topology.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			run, err := newGraphRun(f, cmd)
			if err != nil {
				return err
			}
			m, _, err := runManifest(f, run.manifestRun)
			if err != nil {
				return err
			}
			var snap *live.Snapshot
			if run.live {
				ctx, cancel := withTimeout(cmd.Context(), run.timeout)
				defer cancel()
				sess, err := openAWS(ctx, f, m, run.awsRun)
				if err != nil {
					return err
				}
				defer sess.Close()
				snap, err = sess.Read(ctx, m)
				if snap == nil {
					return err
				}
				if err != nil {
					report(f.IO.ErrOut, "plink graph", err, nil, "")
				}
			}
			g := graph.Build(m, snap)
			if run.drawing == "dot" {
				return graph.DOT(f.IO.Out, g)
			}
			return graph.Mermaid(f.IO.Out, g)
		},
	}
	addFileFlag(cmd)
	addAWSFlags(cmd)
	cmd.Flags().Bool("live", false, "read live state and colour connections by state")
	cmd.Flags().String("format", "mermaid", "mermaid or dot")
	cmd.Flags().Duration("timeout", 0, "give up after this long (0 means no limit)")
	return cmd
}

// yamlToJSON re-encodes a YAML document as indented JSON, keeping the
// order of every mapping's keys (a manifest read top to bottom).
func yamlToJSON(doc []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeNodeJSON(&b, &n); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeNodeJSON(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			b.WriteString("null")
			return nil
		}
		return writeNodeJSON(b, n.Content[0])
	case yaml.AliasNode:
		return writeNodeJSON(b, n.Alias)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := writeNodeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeNodeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(data)
	}
	return nil
}
