package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/localsquared/localsquared/lsq"
)

// runLead is "localsquared lead get|find|create|update|search".
func runLead(args []string, stdout, stderr io.Writer) int {
	return dispatch("lead", []subcommand{
		{"get", "ID", "print a lead by ProspectID", leadGet},
		{"find", "--email E | --phone P", "print the lead with an email address or phone number", leadFind},
		{"create", "Field=Value…", "create a lead and print its ProspectID", leadCreate},
		{"update", "ID Field=Value…", "change fields of a lead", leadUpdate},
		{"search", "TEXT | --field F --op OP --value V", "quick search, or search by one condition", leadSearch},
	}, args, stdout, stderr)
}

// leadCmd parses the common flags of a lead subcommand.
func leadCmd(name, usage string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (*conn, *flag.FlagSet, *bool, int) {
	fs := flag.NewFlagSet("lead "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: localsquared lead %s %s [flags]\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	c := addConnFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON instead of Field: Value lines")
	if extra != nil {
		extra(fs)
	}
	return c, fs, asJSON, parse(fs, args)
}

func printLead(w io.Writer, l lsq.Lead, asJSON bool) {
	if asJSON {
		printJSON(w, l)
		return
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if l[k] != "" {
			fmt.Fprintf(w, "%s: %s\n", k, l[k])
		}
	}
}

func timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Minute)
}

func leadGet(args []string, stdout, stderr io.Writer) int {
	c, fs, asJSON, code := leadCmd("get", "ID", args, stderr, nil)
	if code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "lead get:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	l, err := cl.GetLead(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "lead get:", err)
		return 1
	}
	printLead(stdout, l, *asJSON)
	return 0
}

func leadFind(args []string, stdout, stderr io.Writer) int {
	var email, phone *string
	c, fs, asJSON, code := leadCmd("find", "--email E | --phone P", args, stderr, func(fs *flag.FlagSet) {
		email = fs.String("email", "", "email address")
		phone = fs.String("phone", "", "phone or mobile number")
	})
	if code >= 0 {
		return code
	}
	if (*email == "") == (*phone == "") || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "lead find: give exactly one of --email or --phone")
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "lead find:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	var l lsq.Lead
	if *email != "" {
		l, err = cl.GetLeadByEmail(ctx, *email)
	} else {
		l, err = cl.GetLeadByPhone(ctx, *phone)
	}
	if err != nil {
		fmt.Fprintln(stderr, "lead find:", err)
		return 1
	}
	printLead(stdout, l, *asJSON)
	return 0
}

// pairs parses Field=Value arguments.
func pairs(args []string) (lsq.Attrs, error) {
	a := make(lsq.Attrs, 0, len(args))
	for _, s := range args {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not Field=Value", s)
		}
		a = append(a, lsq.Attr{Attribute: k, Value: v})
	}
	return a, nil
}

func leadCreate(args []string, stdout, stderr io.Writer) int {
	c, fs, _, code := leadCmd("create", "Field=Value…", args, stderr, nil)
	if code >= 0 {
		return code
	}
	attrs, err := pairs(fs.Args())
	if err != nil || len(attrs) == 0 {
		fmt.Fprintln(stderr, "lead create: give Field=Value arguments, e.g. FirstName=Ann EmailAddress=ann@example.com", err)
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "lead create:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	id, err := cl.CreateLead(ctx, attrs)
	if err != nil {
		fmt.Fprintln(stderr, "lead create:", err)
		return 1
	}
	fmt.Fprintln(stdout, id)
	return 0
}

func leadUpdate(args []string, stdout, stderr io.Writer) int {
	c, fs, _, code := leadCmd("update", "ID Field=Value…", args, stderr, nil)
	if code >= 0 {
		return code
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return 2
	}
	attrs, err := pairs(fs.Args()[1:])
	if err != nil {
		fmt.Fprintln(stderr, "lead update:", err)
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "lead update:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	if err := cl.UpdateLead(ctx, fs.Arg(0), attrs); err != nil {
		fmt.Fprintln(stderr, "lead update:", err)
		return 1
	}
	return 0
}

func leadSearch(args []string, stdout, stderr io.Writer) int {
	var field, op, value, cols *string
	var page, size *int
	c, fs, asJSON, code := leadCmd("search", "TEXT | --field F --op OP --value V", args, stderr, func(fs *flag.FlagSet) {
		field = fs.String("field", "", "schema name to compare (Leads.Get)")
		op = fs.String("op", "=", "operator: =, LIKE, >, <, <=, >=, <>, IN")
		value = fs.String("value", "", "value to compare with")
		cols = fs.String("columns", "", "comma-separated schema names to print (default all)")
		page = fs.Int("page", 1, "page number")
		size = fs.Int("page-size", 100, "leads per page")
	})
	if code >= 0 {
		return code
	}
	if (*field == "") == (fs.NArg() == 0) {
		fmt.Fprintln(stderr, "lead search: give search TEXT, or --field with --op and --value")
		return 2
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "lead search:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	var leads []lsq.Lead
	if *field != "" {
		var columns []string
		if *cols != "" {
			columns = strings.Split(*cols, ",")
		}
		leads, err = cl.SearchLeads(ctx, lsq.LeadQuery{LookupName: *field, SqlOperator: *op, LookupValue: *value,
			Columns: columns, PageIndex: *page, PageSize: *size})
	} else {
		leads, err = cl.QuickSearchLeads(ctx, strings.Join(fs.Args(), " "))
	}
	if err != nil {
		fmt.Fprintln(stderr, "lead search:", err)
		return 1
	}
	if *asJSON {
		printJSON(stdout, leads)
		return 0
	}
	for i, l := range leads {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printLead(stdout, l, false)
	}
	return 0
}
