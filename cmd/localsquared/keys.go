package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/localsquared/localsquared/lsq"
)

// runKeys is "localsquared keys list|create|rotate|revoke", through the
// admin API.
func runKeys(args []string, stdout, stderr io.Writer) int {
	return dispatch("keys", []subcommand{
		{"list", "USER-ID", "list a user's key pairs (no secrets)", keysList},
		{"create", "USER-ID", "make a key pair for a user; the secret is shown once", keysCreate},
		{"rotate", "ACCESS-KEY", "replace a key pair's secret", keysRotate},
		{"revoke", "ACCESS-KEY", "revoke a key pair", keysRevoke},
	}, args, stdout, stderr)
}

func printKeys(w io.Writer, keys []lsq.Key, asJSON bool) {
	if asJSON {
		printJSON(w, keys)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCESS KEY\tSECRET KEY\tUSER\tCREATED\tREVOKED")
	for _, k := range keys {
		secret, revoked := k.SecretKey, ""
		if secret == "" {
			secret = "-"
		}
		if k.RevokedOn != nil {
			revoked = k.RevokedOn.Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.AccessKey, secret, k.UserID, k.CreatedOn.Format("2006-01-02 15:04:05"), revoked)
	}
	tw.Flush()
}

// keysVerb runs one keys subcommand taking one positional argument.
func keysVerb(name, arg string, args []string, stdout, stderr io.Writer, do func(a *lsq.AdminClient, org int64, id string) ([]lsq.Key, error)) int {
	c, fs, asJSON, code := adminCmd("keys", name, arg, args, stderr, nil)
	if code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	a, org, err := c.admin()
	if err != nil {
		fmt.Fprintln(stderr, "keys "+name+":", err)
		return 2
	}
	keys, err := do(a, org, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "keys "+name+":", err)
		return 1
	}
	if keys != nil {
		printKeys(stdout, keys, *asJSON)
	}
	return 0
}

func keysList(args []string, stdout, stderr io.Writer) int {
	return keysVerb("list", "USER-ID", args, stdout, stderr, func(a *lsq.AdminClient, org int64, id string) ([]lsq.Key, error) {
		ctx, cancel := timeout()
		defer cancel()
		return a.Keys(ctx, org, id)
	})
}

func keysCreate(args []string, stdout, stderr io.Writer) int {
	return keysVerb("create", "USER-ID", args, stdout, stderr, func(a *lsq.AdminClient, org int64, id string) ([]lsq.Key, error) {
		ctx, cancel := timeout()
		defer cancel()
		k, err := a.CreateKey(ctx, org, id)
		return []lsq.Key{k}, err
	})
}

func keysRotate(args []string, stdout, stderr io.Writer) int {
	return keysVerb("rotate", "ACCESS-KEY", args, stdout, stderr, func(a *lsq.AdminClient, org int64, id string) ([]lsq.Key, error) {
		ctx, cancel := timeout()
		defer cancel()
		k, err := a.RotateKey(ctx, org, id)
		return []lsq.Key{k}, err
	})
}

func keysRevoke(args []string, stdout, stderr io.Writer) int {
	return keysVerb("revoke", "ACCESS-KEY", args, stdout, stderr, func(a *lsq.AdminClient, org int64, id string) ([]lsq.Key, error) {
		ctx, cancel := timeout()
		defer cancel()
		return nil, a.RevokeKey(ctx, org, id)
	})
}
