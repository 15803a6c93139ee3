package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/localsquared/localsquared/lsq"
)

// runExport is "localsquared export": leads as CSV, streamed page by page.
func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: localsquared export [flags]

Writes leads as CSV, one page of Leads.RecentlyModified at a time (oldest
ProspectAutoId first), so memory stays flat whatever the number of leads.
Columns: --columns, else every lead field of LeadsMetaData.Get, else the
fields of the first page.

Flags:
`)
		fs.PrintDefaults()
	}
	c := addConnFlags(fs)
	out := fs.String("out", "-", "output file (- for stdout)")
	cols := fs.String("columns", "", "comma-separated schema names (default: all fields)")
	from := fs.String("from", "", `only leads modified at or after "yyyy-MM-dd HH:mm:ss" (UTC)`)
	to := fs.String("to", "", `only leads modified at or before "yyyy-MM-dd HH:mm:ss" (UTC; default now)`)
	pageSize := fs.Int("page-size", 1000, "leads per call (at most 5000)")
	if code := parse(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 0 || *pageSize < 1 || *pageSize > 5000 {
		fs.Usage()
		return 2
	}
	w := lsq.LeadWindow{From: time.Unix(0, 0).UTC(), To: time.Now().UTC().Add(time.Minute), SortBy: "ProspectAutoId", PageSize: *pageSize}
	var err error
	if *from != "" {
		if w.From, err = lsq.ParseDateTime(*from); err != nil {
			fmt.Fprintln(stderr, "export: --from:", err)
			return 2
		}
	}
	if *to != "" {
		if w.To, err = lsq.ParseDateTime(*to); err != nil {
			fmt.Fprintln(stderr, "export: --to:", err)
			return 2
		}
	}
	if *cols != "" {
		for _, s := range strings.Split(*cols, ",") {
			w.Columns = append(w.Columns, strings.TrimSpace(s))
		}
	}
	cl, err := c.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "export:", err)
		return 2
	}
	var dst io.Writer = stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, "export:", err)
			return 1
		}
		defer f.Close()
		dst = f
	}
	n, err := exportLeads(context.Background(), cl, w, dst)
	if err != nil {
		fmt.Fprintln(stderr, "export:", err)
		return 1
	}
	if *out != "-" {
		fmt.Fprintf(stderr, "export: %d leads written to %s\n", n, *out)
	}
	return 0
}

// exportLeads writes the window's leads as CSV to dst and returns how
// many it wrote. Each page is written and flushed before the next is
// asked for.
func exportLeads(ctx context.Context, cl *lsq.Client, w lsq.LeadWindow, dst io.Writer) (int, error) {
	bw := bufio.NewWriterSize(dst, 64<<10)
	cw := csv.NewWriter(bw)
	header := w.Columns
	if header == nil {
		fields, err := cl.LeadFields(ctx, false)
		var e *lsq.Error
		switch {
		case err == nil:
			for _, f := range fields {
				header = append(header, f.SchemaName)
			}
		case errors.As(err, &e) && (e.Status == 404 || e.ExceptionType == "MXAPINotFoundException"):
		default:
			return 0, err
		}
	}
	n := 0
	rec := []string{}
	for page := 1; ; page++ {
		w.PageIndex = page
		_, leads, err := cl.RecentlyModifiedLeads(ctx, w)
		if err != nil {
			return n, err
		}
		if header == nil && len(leads) > 0 {
			header = leadColumns(leads[0])
		}
		if page == 1 && header != nil {
			cw.Write(header)
		}
		for _, l := range leads {
			rec = rec[:0]
			for _, h := range header {
				rec = append(rec, l[h])
			}
			cw.Write(rec)
		}
		n += len(leads)
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		if err := bw.Flush(); err != nil {
			return n, err
		}
		if len(leads) < w.PageSize {
			return n, nil
		}
	}
}

// leadColumns lists a lead's fields, ProspectID first, the rest sorted,
// without the bookkeeping attributes RecentlyModified adds.
func leadColumns(l lsq.Lead) []string {
	out := []string{"ProspectID"}
	for k := range l {
		if k != "ProspectID" && k != "CanUpdate" && k != "Total" {
			out = append(out, k)
		}
	}
	sort.Strings(out[1:])
	return out
}
