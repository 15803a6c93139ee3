// Command mkreport turns the JSON result lines of bench/run.sh into
// BENCHMARKS.md: machine and versions, then one table per backend with the
// journal on and off side by side.
//
// An operation may have run in several rounds, the journal on and off
// taking turns (bench/run.sh ROUNDS): each figure is then the median of
// the rounds, and on/off is the median of the rounds' own ratios, each
// taken from two runs minutes apart at most, so that the machine's
// swings (±15 % between runs here) cancel out instead of landing on one
// side.
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
	byKey := map[string][]result{} // backend/journal/op, in round order
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
		k := backend + "/" + journal + "/" + r.Op
		byKey[k] = append(byKey[k], r)
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
			ons, offs := byKey[b+"/on/"+op], byKey[b+"/off/"+op]
			if len(ons) == 0 && len(offs) == 0 {
				continue
			}
			on, off := merge(ons), merge(offs)
			ratio := "—"
			var ratios []float64
			for i := range min(len(ons), len(offs)) {
				if offs[i].ReqPerSec > 0 {
					ratios = append(ratios, ons[i].ReqPerSec/offs[i].ReqPerSec)
				}
			}
			if len(ratios) > 0 {
				ratio = fmt.Sprintf("%.0f%%", 100*median(ratios))
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
			fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %d/%d |\n", op, max(on.C, off.C), cell(on, len(ons) > 0), cell(off, len(offs) > 0), ratio, on.Errors, off.Errors)
		}
		fmt.Fprintln(out)
		for _, op := range ops {
			for _, j := range []string{"on", "off"} {
				if r := merge(byKey[b+"/"+j+"/"+op]); r.FirstError != "" {
					fmt.Fprintf(out, "- %s, journal %s: first error: `%.160s`\n", op, j, strings.ReplaceAll(r.FirstError, "`", "'"))
				}
			}
		}
		fmt.Fprintln(out)
	}
	return nil
}

// merge is one result for the rounds of an operation: the median of each
// figure, the errors and requests of all rounds, the first error seen.
func merge(rounds []result) result {
	if len(rounds) == 0 {
		return result{}
	}
	m := rounds[0]
	pick := func(f func(r result) float64) float64 {
		v := make([]float64, len(rounds))
		for i, r := range rounds {
			v[i] = f(r)
		}
		return median(v)
	}
	m.ReqPerSec = pick(func(r result) float64 { return r.ReqPerSec })
	m.RowsPerSec = pick(func(r result) float64 { return r.RowsPerSec })
	m.P50 = pick(func(r result) float64 { return r.P50 })
	m.P90 = pick(func(r result) float64 { return r.P90 })
	m.P99 = pick(func(r result) float64 { return r.P99 })
	m.Max = pick(func(r result) float64 { return r.Max })
	m.Errors, m.Requests = 0, 0
	for _, r := range rounds {
		m.Errors += r.Errors
		m.Requests += r.Requests
		if m.FirstError == "" {
			m.FirstError = r.FirstError
		}
	}
	return m
}

// median of v (the mean of the middle two for an even count); v is sorted
// in place.
func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
