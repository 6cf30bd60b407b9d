package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plinkdev/plink/sandbox"
)

func newSandboxCallsCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calls",
		Short: "Show the API calls a running sandbox has served, and what it refused",
		Long: `calls prints what a running 'plink sandbox serve' has been asked since it
started (or since the last --reset): each API action per account and region,
with the mutating ones marked, the calls refused for throttling, and the calls
an identity policy denied (the permission, the resource and why).

Use it to see what a plink command costs and that a run with nothing to change
made no mutating call:

  plink sandbox calls --reset >/dev/null
  plink apply -f plink.yaml --auto-approve
  plink sandbox calls

It talks to the sandbox's loopback control path (` + sandbox.CallsPath + `).`,
		Example: `  plink sandbox calls
  plink sandbox calls --reset --output json --url http://127.0.0.1:4566`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			run, err := newSandboxCallsRun(f)
			if err != nil {
				return err
			}
			form := url.Values{}
			if run.reset {
				form.Set("reset", "1")
			}
			body, err := sandboxControl(run.url, sandbox.CallsPath, form)
			if err != nil {
				return err
			}
			if run.format == "json" {
				_, err := f.IO.Out.Write(body)
				return err
			}
			var log sandbox.CallLog
			if err := json.Unmarshal(body, &log); err != nil {
				return fmt.Errorf("sandbox calls: the answer is not a call log: %w", err)
			}
			return writeCallLog(f.IO.Out, log)
		},
	}
	cmd.Flags().String("url", "http://"+defaultSandboxAddr, "the running sandbox's URL")
	cmd.Flags().Bool("reset", false, "clear the counters after reading them")
	return cmd
}

// writeCallLog renders a call log for people: a table of calls (mutating
// ones marked *), the totals, and each denial.
func writeCallLog(w io.Writer, log sandbox.CallLog) error {
	total, mutating, dry := 0, 0, 0
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tACTION\tACCOUNT\tREGION\tCALLS")
	for _, c := range log.Calls {
		mark := ""
		if c.Mutating {
			mark = " *"
			mutating += c.Count - c.DryRuns
			dry += c.DryRuns
		}
		total += c.Count
		fmt.Fprintf(tw, "%s\t%s%s\t%s\t%s\t%d\n", c.Service, c.Action, mark, c.Account, c.Region, c.Count)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	throttled := 0
	for _, c := range log.Throttled {
		throttled += c.Count
	}
	fmt.Fprintf(w, "\n%d calls: %d mutating (marked *), %d dry runs, %d throttled, %d denied.\n", total, mutating, dry, throttled, len(log.Denials))
	for _, d := range log.Denials {
		dryRun := ""
		if d.DryRun {
			dryRun = " (dry run)"
		}
		fmt.Fprintf(w, "denied%s: %s %s needs %s on %s in %s %s: %s\n", dryRun, d.Principal, d.APIAction, d.Action, d.Resource, d.Account, d.Region, d.Reason)
	}
	return nil
}

// sandboxControl posts form to a control path of the sandbox at sbURL and
// returns the answer's body; an answer other than 200 is an error.
func sandboxControl(sbURL, path string, form url.Values) ([]byte, error) {
	u, err := url.Parse(sbURL)
	if err != nil || u.Host == "" {
		return nil, flagErrorf("--url %q is not a URL such as http://127.0.0.1:4566", sbURL)
	}
	u.Path = path
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.PostForm(u.String(), form)
	if err != nil {
		return nil, withHint(fmt.Errorf("sandbox: %w", err), "start one with 'plink sandbox serve', or pass its --url")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("sandbox: reading the answer of %s: %w", sbURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusNotFound {
			return nil, withHint(fmt.Errorf("sandbox: %s does not serve %s (%s)", sbURL, path, resp.Status), "is it a plink sandbox, reached over loopback?")
		}
		return nil, fmt.Errorf("%s", strings.TrimPrefix(strings.TrimSpace(string(body)), "sandbox: "))
	}
	return body, nil
}
