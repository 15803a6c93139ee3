package main

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/localsquared/localsquared/lsq"
)

// runUser is "localsquared user list|create|get|deactivate|activate",
// through the admin API.
func runUser(args []string, stdout, stderr io.Writer) int {
	return dispatch("user", []subcommand{
		{"list", "", "list the org's users", userList},
		{"create", "--email E --first-name N --role R", "add a user (roles: Administrator, Sales_Manager, Sales_User, Marketing_User)", userCreate},
		{"get", "USER-ID", "print one user", userGet},
		{"deactivate", "USER-ID", "deactivate a user (their keys stop working)", userSetActive(false)},
		{"activate", "USER-ID", "reactivate a user", userSetActive(true)},
	}, args, stdout, stderr)
}

// adminCmd parses the common flags of an admin subcommand.
func adminCmd(cmd, name, usage string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (*conn, *flag.FlagSet, *bool, int) {
	fs := flag.NewFlagSet(cmd+" "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: localsquared %s %s %s [flags]\n\nFlags:\n", cmd, name, usage)
		fs.PrintDefaults()
	}
	c := addConnFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if extra != nil {
		extra(fs)
	}
	return c, fs, asJSON, parse(fs, args)
}

func printUsers(w io.Writer, users []lsq.AdminUser, asJSON bool) {
	if asJSON {
		printJSON(w, users)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tACTIVE")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", u.ID, u.Email, u.FirstName+" "+u.LastName, u.Role, u.Active)
	}
	tw.Flush()
}

func userList(args []string, stdout, stderr io.Writer) int {
	c, _, asJSON, code := adminCmd("user", "list", "", args, stderr, nil)
	if code >= 0 {
		return code
	}
	a, org, err := c.admin()
	if err != nil {
		fmt.Fprintln(stderr, "user list:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	users, err := a.Users(ctx, org)
	if err != nil {
		fmt.Fprintln(stderr, "user list:", err)
		return 1
	}
	printUsers(stdout, users, *asJSON)
	return 0
}

func userCreate(args []string, stdout, stderr io.Writer) int {
	var u lsq.NewAdminUser
	var withKey *bool
	c, _, asJSON, code := adminCmd("user", "create", "", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&u.Email, "email", "", "email address (mandatory)")
		fs.StringVar(&u.FirstName, "first-name", "", "first name (mandatory)")
		fs.StringVar(&u.LastName, "last-name", "", "last name")
		fs.StringVar(&u.Role, "role", "Sales_User", "Administrator, Sales_Manager, Sales_User or Marketing_User")
		fs.StringVar(&u.TimeZone, "time-zone", "", "IANA time zone")
		withKey = fs.Bool("key", false, "also create a key pair and print it (the secret is shown once)")
	})
	if code >= 0 {
		return code
	}
	a, org, err := c.admin()
	if err != nil {
		fmt.Fprintln(stderr, "user create:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	nu, err := a.CreateUser(ctx, org, u)
	if err != nil {
		fmt.Fprintln(stderr, "user create:", err)
		return 1
	}
	printUsers(stdout, []lsq.AdminUser{nu}, *asJSON)
	if *withKey {
		k, err := a.CreateKey(ctx, org, nu.ID)
		if err != nil {
			fmt.Fprintln(stderr, "user create: key:", err)
			return 1
		}
		printKeys(stdout, []lsq.Key{k}, *asJSON)
	}
	return 0
}

func userGet(args []string, stdout, stderr io.Writer) int {
	c, fs, asJSON, code := adminCmd("user", "get", "USER-ID", args, stderr, nil)
	if code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	a, org, err := c.admin()
	if err != nil {
		fmt.Fprintln(stderr, "user get:", err)
		return 2
	}
	ctx, cancel := timeout()
	defer cancel()
	u, err := a.User(ctx, org, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "user get:", err)
		return 1
	}
	printUsers(stdout, []lsq.AdminUser{u}, *asJSON)
	return 0
}

func userSetActive(active bool) func(args []string, stdout, stderr io.Writer) int {
	name := "deactivate"
	if active {
		name = "activate"
	}
	return func(args []string, stdout, stderr io.Writer) int {
		c, fs, asJSON, code := adminCmd("user", name, "USER-ID", args, stderr, nil)
		if code >= 0 {
			return code
		}
		if fs.NArg() != 1 {
			fs.Usage()
			return 2
		}
		a, org, err := c.admin()
		if err != nil {
			fmt.Fprintln(stderr, "user "+name+":", err)
			return 2
		}
		ctx, cancel := timeout()
		defer cancel()
		u, err := a.SetUserActive(ctx, org, fs.Arg(0), active)
		if err != nil {
			fmt.Fprintln(stderr, "user "+name+":", err)
			return 1
		}
		printUsers(stdout, []lsq.AdminUser{u}, *asJSON)
		return 0
	}
}
