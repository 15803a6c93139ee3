package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	in := `{"label":"sqlite/on","op":"get","concurrency":32,"req_per_s":900,"rows_per_s":900,"p50_ms":1,"p99_ms":5,"requests":10}
{"label":"sqlite/off","op":"get","concurrency":32,"req_per_s":1000,"rows_per_s":1000,"p50_ms":1,"p99_ms":4,"requests":10}
{"label":"sqlite/on","op":"recent","concurrency":4,"requests":3,"errors":3,"first_error":"HTTP 404"}
`
	var out bytes.Buffer
	if err := run(strings.NewReader(in), &out, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## sqlite", "| get | 32 | 900 | 900 | 1.00 | 5.00 | 1000 | 1000 | 1.00 | 4.00 | 90% | 0/0 |", "| recent | 4 | n/a", "first error: `HTTP 404`"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(strings.NewReader("not json\n"), &out, ""); err == nil {
		t.Error("bad input accepted")
	}
}

// Rounds: each figure is the median of its rounds, and on/off the median
// of the rounds' own ratios (90 %), not the ratio of the medians (70 %).
func TestReportRounds(t *testing.T) {
	var in strings.Builder
	for i, p := range [][2]float64{{900, 1000}, {450, 500}, {700, 1000}} {
		fmt.Fprintf(&in, `{"label":"postgres/on","op":"get","concurrency":32,"req_per_s":%g,"rows_per_s":%g,"p50_ms":%d,"p99_ms":%d,"requests":100,"errors":%d}`+"\n", p[0], p[0], i+1, 10*(i+1), i)
		fmt.Fprintf(&in, `{"label":"postgres/off","op":"get","concurrency":32,"req_per_s":%g,"rows_per_s":%g,"p50_ms":1,"p99_ms":%d,"requests":100}`+"\n", p[1], p[1], 3-i)
	}
	var out bytes.Buffer
	if err := run(strings.NewReader(in.String()), &out, ""); err != nil {
		t.Fatal(err)
	}
	want := "| get | 32 | 700 | 700 | 2.00 | 20.00 | 1000 | 1000 | 1.00 | 2.00 | 90% | 3/0 |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
