package lsq

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var leadInputs = []string{
	`{}`,
	` { } `,
	`{"ProspectID":"a1","FirstName":"Ann","Score":"12"}`,
	`{"Score":12,"Rate":-0.5e+3,"Zero":0,"Big":1E9,"Frac":3.25}`,
	`{"A":true,"B":false,"C":null}`,
	"{\n\t\"A\" : \"x\" ,\r\n \"B\":1 }",
	`{"Q":"say \"hi\"\\ \/ \b\f\n\r\t","U":"\u00e9\u20ac\ud83d\ude00"}`,
	`{"Name":"Zoë Ünal","Emoji":"😀"}`,
	"{\"Bad\":\"\xff\xfe\"}",
	`{"A":"1","A":"2"}`,
	`{"Nested":{"a":1},"List":[1,"x"]}`,
	`{"A":"x",}`,
	`{"A":"x"`,
	`{"A":"x"} x`,
	`{"A":01}`,
	`{"A":-}`,
	`{"A":1.}`,
	`{"A":1e}`,
	`{"A":nul}`,
	`{"A":nullx}`,
	`{"A":truefalse}`,
	`{A:"x"}`,
	`{"A" "x"}`,
	"{\"A\":\"tab\there\"}",
	`{"A":"\x"}`,
	`{"A":"\u12"}`,
	`{"A":"end\`,
	`[]`,
	`null`,
	``,
}

// TestScanLead: whatever scanLead accepts, decodeLead (encoding/json)
// reads to the same lead; what it refuses decodeLead reads or rejects.
// And bad JSON is never accepted.
func TestScanLead(t *testing.T) {
	accepted := 0
	for _, in := range leadInputs {
		if checkScanLead(t, []byte(in)) {
			accepted++
		}
	}
	// The table's flat objects, valid strings (escaped, non-ASCII, even
	// invalid UTF-8), numbers and literals are all read without the slow
	// path.
	if accepted != 10 {
		t.Errorf("scanLead accepted %d inputs, want 10", accepted)
	}
	var l Lead
	if err := json.Unmarshal([]byte(`{"A":"x",}`), &l); err == nil {
		t.Error("Lead.UnmarshalJSON accepted a trailing comma")
	}
	if err := l.UnmarshalJSON([]byte(`{"Nested":{"a":1},"S":"x"}`)); err != nil || l["Nested"] != `{"a":1}` || l["S"] != "x" {
		t.Errorf("nested object: %v, %v", l, err)
	}
}

func checkScanLead(t *testing.T, in []byte) bool {
	t.Helper()
	fast, ok := scanLead(in)
	slow, err := decodeLead(in)
	if !ok {
		return false
	}
	if err != nil || !json.Valid(in) {
		t.Errorf("scanLead accepted %q, which encoding/json rejects (%v)", in, err)
		return true
	}
	if diff := cmp.Diff(slow, fast); diff != "" {
		t.Errorf("scanLead(%q) differs from decodeLead (-slow +fast):\n%s", in, diff)
	}
	return true
}

func FuzzScanLead(f *testing.F) {
	for _, in := range leadInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkScanLead(t, in) })
}
