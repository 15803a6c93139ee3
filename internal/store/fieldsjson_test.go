package store

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeFields: the hand parser and encoding/json agree on every
// object json.Marshal writes, and on malformed text.
func TestDecodeFields(t *testing.T) {
	maps := []map[string]string{
		{}, {"FirstName": "Ann"}, {"a": "", "b": "x y", "mx_City": "Zürich"},
		{"Notes": "line\nbreak", "q": `say "hi"`, "lt": "<b>&</b>", "u": "\u2028"},
		{"k\\": "v\\", "emoji": "😀", "nul": "a\x00b"},
	}
	for _, m := range maps {
		b, _ := json.Marshal(m)
		got := map[string]string{}
		if err := decodeFields(string(b), got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", b, diff)
		}
		checkKept(t, string(b), m)
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":1}`, `{"a":"b",}`, `{"a":"b"} x`, `[]`, `{"a":"b"`} {
		want := json.Unmarshal([]byte(bad), &map[string]string{})
		got := decodeFields(bad, map[string]string{})
		if (want == nil) != (got == nil) {
			t.Errorf("%q: err %v, encoding/json says %v", bad, got, want)
		}
	}
}

func FuzzDecodeFields(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"b"}`, `{"a":"\u00e9","b":""}`, `{"a" : "b" , "c":"d"}`, `{"a":null}`, `{"b":"x\"y","a":"c"}`, `{"b":1,"a":"c"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := map[string]string{}
		werr := json.Unmarshal([]byte(s), &want)
		got := map[string]string{}
		gerr := decodeFields(s, got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: err %v, encoding/json says %v", s, gerr, werr)
		}
		if werr == nil && !cmp.Equal(want, got) {
			t.Fatalf("%q: got %v, want %v", s, got, want)
		}
		if werr == nil {
			checkKept(t, s, want)
		}
	})
}

// keptFields is the keep set checkKept uses: keys the test objects have
// and one they do not.
var keptFields = map[string]bool{"a": true, "FirstName": true, "mx_City": true, "q": true, "k\\": true, "none": true}

// checkKept: decodeSomeFields(s) holds exactly want's kept keys.
func checkKept(t *testing.T, s string, want map[string]string) {
	t.Helper()
	kept := map[string]string{}
	for k, v := range want {
		if keptFields[k] {
			kept[k] = v
		}
	}
	got := map[string]string{}
	if err := decodeSomeFields(s, got, keptFields); err != nil {
		t.Fatalf("%q: decodeSomeFields: %v", s, err)
	}
	if diff := cmp.Diff(kept, got); diff != "" {
		t.Errorf("%q kept (-want +got):\n%s", s, diff)
	}
}
