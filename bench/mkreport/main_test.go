package main

import (
	"bytes"
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
