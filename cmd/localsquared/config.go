package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/localsquared/localsquared/lsq"
)

// conn is the connection configuration shared by the client commands:
// flags first, then LOCALSQUARED_* environment variables (as flag
// defaults), then the data directory's credentials.json for whatever is
// still missing.
type conn struct {
	url, accessKey, secretKey, token, dataDir string
	org                                       int64
	verbose                                   bool
}

// addConnFlags registers --url, --access-key, --secret-key, --token,
// --org, --data-dir and -v on fs.
func addConnFlags(fs *flag.FlagSet) *conn {
	c := &conn{}
	fs.StringVar(&c.url, "url", envOr("LOCALSQUARED_URL", "http://127.0.0.1:8080"), "server URL (env LOCALSQUARED_URL)")
	fs.StringVar(&c.accessKey, "access-key", envOr("LOCALSQUARED_ACCESS_KEY", ""), "access key (env LOCALSQUARED_ACCESS_KEY; default: credentials.json)")
	fs.StringVar(&c.secretKey, "secret-key", envOr("LOCALSQUARED_SECRET_KEY", ""), "secret key (env LOCALSQUARED_SECRET_KEY; default: credentials.json)")
	fs.StringVar(&c.token, "token", envOr("LOCALSQUARED_ADMIN_TOKEN", ""), "admin token for admin commands (env LOCALSQUARED_ADMIN_TOKEN; default: credentials.json)")
	fs.Int64Var(&c.org, "org", 0, "org id for admin commands (default: the org in credentials.json)")
	fs.StringVar(&c.dataDir, "data-dir", envOr("LOCALSQUARED_DATA_DIR", "localsquared-data"), "data directory holding credentials.json")
	fs.BoolVar(&c.verbose, "v", false, "log every API call (keys removed) to stderr")
	return c
}

// fileCreds is credentials.json as written by serve.
type fileCreds struct {
	OrgID      int64  `json:"orgId"`
	UserID     string `json:"userId"`
	AccessKey  string `json:"accessKey"`
	SecretKey  string `json:"secretKey"`
	AdminToken string `json:"adminToken"`
}

func (c *conn) fill() error {
	if c.accessKey != "" && c.secretKey != "" && c.token != "" && c.org != 0 {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(c.dataDir, "credentials.json"))
	if err != nil {
		return err
	}
	var f fileCreds
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("credentials.json: %w", err)
	}
	if c.accessKey == "" && c.secretKey == "" {
		c.accessKey, c.secretKey = f.AccessKey, f.SecretKey
	}
	if c.token == "" {
		c.token = f.AdminToken
	}
	if c.org == 0 {
		c.org = f.OrgID
	}
	return nil
}

// client returns an SDK client, or an error saying where keys come from.
func (c *conn) client(stderr io.Writer, opts ...lsq.Option) (*lsq.Client, error) {
	err := c.fill()
	if c.accessKey == "" || c.secretKey == "" {
		return nil, fmt.Errorf("need keys: --access-key/--secret-key, LOCALSQUARED_ACCESS_KEY/LOCALSQUARED_SECRET_KEY, or --data-dir with credentials.json (%v)", err)
	}
	base := []lsq.Option{lsq.WithBaseURL(c.url), lsq.WithKeys(c.accessKey, c.secretKey), lsq.WithUserAgent("localsquared-cli/1")}
	if c.verbose {
		base = append(base, lsq.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	return lsq.New(append(base, opts...)...), nil
}

// admin returns an admin client and the org to act on.
func (c *conn) admin() (*lsq.AdminClient, int64, error) {
	err := c.fill()
	if c.token == "" || c.org == 0 {
		return nil, 0, fmt.Errorf("need --token and --org, LOCALSQUARED_ADMIN_TOKEN, or --data-dir with credentials.json (%v)", err)
	}
	return lsq.NewAdmin(c.url, c.token, nil), c.org, nil
}

// subcommand is one verb of a command with subcommands.
type subcommand struct {
	name, args, short string
	run               func(args []string, stdout, stderr io.Writer) int
}

// dispatch runs the named subcommand, or prints usage.
func dispatch(cmd string, subs []subcommand, args []string, stdout, stderr io.Writer) int {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: localsquared %s <subcommand> [flags]\n\nSubcommands:\n", cmd)
		for _, s := range subs {
			fmt.Fprintf(w, "  %-28s %s\n", s.name+" "+s.args, s.short)
		}
		fmt.Fprintf(w, "\nRun 'localsquared %s <subcommand> -h' for flags.\n", cmd)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			usage(stderr)
			return 2
		}
		usage(stdout)
		return 0
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "%s: unknown subcommand %q\n\n", cmd, args[0])
	usage(stderr)
	return 2
}

// parse parses fs after moving flags that follow positional arguments to
// the front, so "lead get ID --json" works. It returns the exit code to
// use when parsing stopped (0 for -h), or -1 to go on.
func parse(fs *flag.FlagSet, args []string) int {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			name := a[1:]
			if name != "" && name[0] == '-' {
				name = name[1:]
			}
			if f := fs.Lookup(name); f != nil && !isBool(f) && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	if err := fs.Parse(append(flags, append([]string{"--"}, pos...)...)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	return -1
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// printJSON writes v indented.
func printJSON(w io.Writer, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(w, string(b))
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return fmt.Sprint(*r) }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }
