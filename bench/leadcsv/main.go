// Command leadcsv writes a CSV of generated leads to stdout, the input of
// the import figures in BENCHMARKS.md:
//
//	go run ./bench/leadcsv -rows 1000000 > leads.csv
//	localsquared import leads.csv
//
// FirstName and LastName are drawn from about a thousand values each and
// Company from 313, as in a real list (so the name indexes have many
// insertion points); EmailAddress and Phone are unique per row.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "data rows to write")
	flag.Parse()
	if *rows < 0 || *rows > 100_000_000 {
		fmt.Fprintln(os.Stderr, "leadcsv: -rows must be between 0 and 100,000,000")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	err := write(w, *rows)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "leadcsv:", err)
		os.Exit(1)
	}
}

// write writes the header and rows data rows.
func write(w io.Writer, rows int) error {
	if _, err := io.WriteString(w, "FirstName,LastName,EmailAddress,Phone,Company\n"); err != nil {
		return err
	}
	for i := range rows {
		if _, err := fmt.Fprintf(w, "First%d,Last%d,user%d@example.com,+91-98%08d,Company %d\n",
			i%997, i%1009, i, i, i%313); err != nil {
			return err
		}
	}
	return nil
}
