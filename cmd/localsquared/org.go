package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// runOrg is "localsquared org plan|usage": an org's rate-limit plan.
func runOrg(args []string, stdout, stderr io.Writer) int {
	usage := `Usage: localsquared org <plan|usage> [flags]

  plan PLAN   set the org's rate-limit plan: unlimited, pro, super, legacy-lite,
              legacy-pro, legacy-super, legacy-basic, legacy-standard,
              legacy-enterprise, or custom numbers with --per5s/--bulk/--daily…
  usage       show the org's plan and its current window and daily usage

Run 'localsquared org <subcommand> -h' for flags.`
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	if sub != "plan" && sub != "usage" {
		fmt.Fprintf(stderr, "org: unknown subcommand %q\n\n%s\n", sub, usage)
		return 2
	}
	fs := flag.NewFlagSet("org "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envOr("LOCALSQUARED_URL", "http://127.0.0.1:8080"), "server URL (env LOCALSQUARED_URL)")
	token := fs.String("token", envOr("LOCALSQUARED_ADMIN_TOKEN", ""), "admin token (env LOCALSQUARED_ADMIN_TOKEN; default: credentials.json)")
	dataDir := fs.String("data-dir", envOr("LOCALSQUARED_DATA_DIR", "localsquared-data"), "data directory holding credentials.json")
	org := fs.Int64("org", 0, "org id (default: the org in credentials.json)")
	per5s := fs.Int("per5s", 0, "custom plan: standard calls per 5 seconds")
	bulk := fs.Int("bulk", 0, "custom plan: bulk calls per 5 seconds")
	daily := fs.Int64("daily", 0, "custom plan: calls per day (0: no daily cap)")
	perUser := fs.Int64("per-user", 0, "custom plan: extra calls per active user per day")
	ceiling := fs.Int64("ceiling", 0, "custom plan: daily cap ceiling (0: none)")
	// Flags may follow the plan name: take the name out first.
	var plan string
	if sub == "plan" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		plan, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if plan == "" && fs.NArg() > 0 {
		plan = fs.Arg(0)
	}
	if *token == "" || *org == 0 {
		c, err := readCredentials(*dataDir)
		if err != nil && (*token == "" || *org == 0) {
			fmt.Fprintf(stderr, "org: need --token and --org, or a data directory with credentials.json: %v\n", err)
			return 2
		}
		if *token == "" {
			*token = c.AdminToken
		}
		if *org == 0 {
			*org = c.OrgID
		}
	}
	path := "/api/v1/orgs/" + strconv.FormatInt(*org, 10)
	method, body := http.MethodGet, ""
	if sub == "plan" {
		custom := *per5s > 0 || *bulk > 0 || *daily > 0
		switch {
		case plan == "" && !custom:
			fmt.Fprintln(stderr, "org plan: name a plan, or give --per5s and --bulk for a custom one")
			return 2
		case custom:
			b, _ := json.Marshal(map[string]any{"custom": map[string]any{"per5s": *per5s, "bulkPer5s": *bulk, "daily": *daily, "perUserDaily": *perUser, "dailyCeiling": *ceiling}})
			body = string(b)
		default:
			b, _ := json.Marshal(map[string]string{"name": plan})
			body = string(b)
		}
		method, path = http.MethodPut, path+"/plan"
	} else {
		path += "/usage"
	}
	out, err := adminCall(*base, *token, method, path, body)
	if err != nil {
		fmt.Fprintln(stderr, "org "+sub+":", err)
		return 1
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, out, "", "  ")
	fmt.Fprintln(stdout, pretty.String())
	return 0
}

// adminCall sends one admin API request and returns the body of a 2xx
// answer, or the problem's detail as the error.
func adminCall(base, token, method, path, body string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		var p struct{ Detail string }
		if json.Unmarshal(b, &p) == nil && p.Detail != "" {
			return nil, fmt.Errorf("%s: %s", res.Status, p.Detail)
		}
		return nil, errors.New(res.Status)
	}
	return b, nil
}
