// Command mkreport turns the JSON result lines of bench/run.sh into
// BENCHMARKS.md: machine and versions, then one table per backend with the
// journal on and off side by side.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type result struct {
	Label      string  `json:"label"` // "backend/journal", e.g. "sqlite/on"
	Op         string  `json:"op"`
	C          int     `json:"concurrency"`
	ReqPerSec  float64 `json:"req_per_s"`
	RowsPerSec float64 `json:"rows_per_s"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	Errors     int64   `json:"errors"`
	Requests   int64   `json:"requests"`
	FirstError string  `json:"first_error"`
}

func main() {
	header := flag.String("header", "", "file with the machine/versions preamble (markdown)")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *header); err != nil {
		fmt.Fprintln(os.Stderr, "mkreport:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer, header string) error {
	byKey := map[string]result{} // backend/journal/op
	backends := map[string]bool{}
	var ops []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return fmt.Errorf("bad line %q: %w", line, err)
		}
		backend, journal, _ := strings.Cut(r.Label, "/")
		backends[backend] = true
		byKey[backend+"/"+journal+"/"+r.Op] = r
		if !seen[r.Op] {
			seen[r.Op] = true
			ops = append(ops, r.Op)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out, "# Benchmarks")
	fmt.Fprintln(out)
	if header != "" {
		b, err := os.ReadFile(header)
		if err != nil {
			return err
		}
		out.Write(b)
		fmt.Fprintln(out)
	}
	names := make([]string, 0, len(backends))
	for b := range backends {
		names = append(names, b)
	}
	sort.Strings(names)
	for _, b := range names {
		fmt.Fprintf(out, "## %s\n\n", b)
		fmt.Fprintln(out, "| operation | clients | journal on: req/s | rows/s | p50 ms | p99 ms | journal off: req/s | rows/s | p50 ms | p99 ms | on/off | errors (on/off) |")
		fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, op := range ops {
			on, okOn := byKey[b+"/on/"+op]
			off, okOff := byKey[b+"/off/"+op]
			if !okOn && !okOff {
				continue
			}
			ratio := "—"
			if okOn && okOff && off.ReqPerSec > 0 {
				ratio = fmt.Sprintf("%.0f%%", 100*on.ReqPerSec/off.ReqPerSec)
			}
			cell := func(r result, ok bool) string {
				if !ok {
					return "— | — | — | —"
				}
				if r.Requests > 0 && r.Errors == r.Requests {
					return "n/a | | | "
				}
				return fmt.Sprintf("%.0f | %.0f | %.2f | %.2f", r.ReqPerSec, r.RowsPerSec, r.P50, r.P99)
			}
			fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %d/%d |\n", op, max(on.C, off.C), cell(on, okOn), cell(off, okOff), ratio, on.Errors, off.Errors)
		}
		fmt.Fprintln(out)
		for _, op := range ops {
			for _, j := range []string{"on", "off"} {
				if r, ok := byKey[b+"/"+j+"/"+op]; ok && r.FirstError != "" {
					fmt.Fprintf(out, "- %s, journal %s: first error: `%.160s`\n", op, j, strings.ReplaceAll(r.FirstError, "`", "'"))
				}
			}
		}
		fmt.Fprintln(out)
	}
	return nil
}
