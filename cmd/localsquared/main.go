// Command localsquared is a self-hosted LeadSquared REST API v2 server and
// its command-line client.
//
//	localsquared serve [flags]                       run the server
//	localsquared journal tail|search|export [flags]  read the call journal
//	localsquared org plan|usage [flags]              an org's rate-limit plan
//	localsquared user list|create|get|deactivate|activate
//	localsquared keys list|create|rotate|revoke
//	localsquared lead get|find|create|update|search
//	localsquared import LEADS.csv [flags]            bulk import with a checkpoint
//	localsquared export [flags]                      leads as CSV
//
// Run "localsquared <command> -h" for a command's flags.
package main

import (
	"fmt"
	"io"
	"os"
)

type command struct {
	name  string
	short string
	run   func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"serve", "run the LocalSquared server", runServe},
	{"journal", "tail, search or export the call journal", runJournal},
	{"org", "an org's rate-limit plan and usage", runOrg},
	{"user", "list, add, deactivate or reactivate users", runUser},
	{"keys", "list, create, rotate or revoke key pairs", runKeys},
	{"lead", "get, find, create, update or search leads", runLead},
	{"import", "import leads from a CSV file through the bulk API", runImport},
	{"export", "write leads as CSV", runExport},
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "localsquared: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: localsquared <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nRun 'localsquared <command> -h' for a command's flags.")
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
