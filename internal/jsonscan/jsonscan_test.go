package jsonscan

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// TestNumberAndString: Number and String accept exactly what
// encoding/json accepts as a number or a string, and decode strings as
// it does.
func TestNumberAndString(t *testing.T) {
	for _, in := range []string{
		`0`, `-0`, `12`, `-3.25`, `1e9`, `1E+2`, `2.5e-3`,
		`01`, `-`, `1.`, `.5`, `+1`, `1e`, `1e+`, `--1`, `0x10`,
		`true`, ` null `, `nul`, `[]`,
		`""`, `"abc"`, `"a\"b"`, `"\u00e9\n"`, `"\ud83d\ude00"`, `"\x"`, `"\u12"`, `"open`, "\"tab\there\"", `"end\`,
	} {
		checkToken(t, []byte(in))
	}
}

func checkToken(t *testing.T, in []byte) {
	t.Helper()
	if !utf8.Valid(in) {
		return // String copies invalid UTF-8; its callers check first
	}
	// Valid, not Unmarshal: a number too large for a float64 is still
	// JSON.
	valid := json.Valid(in)
	i := Space(in, 0)
	if i < len(in) && in[i] == '"' {
		s, next, ok := String(in, i)
		whole := ok && Space(in, next) == len(in)
		if whole != valid {
			t.Errorf("String(%q): ok %v, whole input %v; encoding/json valid: %v", in, ok, whole, valid)
		}
		var v string
		if whole && valid && (json.Unmarshal(in, &v) != nil || s != v) {
			t.Errorf("String(%q) = %q, encoding/json %q", in, s, v)
		}
		return
	}
	if i < len(in) && (in[i] == '[' || in[i] == '{') {
		return // not a scalar
	}
	next := Number(in, i)
	if next < 0 {
		next = Literal(in, i)
	}
	if whole := next > 0 && Space(in, next) == len(in); whole != valid {
		t.Errorf("Number(%q) = %d of %d; encoding/json valid: %v", in, next, len(in), valid)
	}
}

func TestLiteral(t *testing.T) {
	for in, want := range map[string]int{"true": 4, "false,": 5, "null}": 4, "nul": -1, "True": -1, "": -1} {
		if got := Literal([]byte(in), 0); got != want {
			t.Errorf("Literal(%q) = %d, want %d", in, got, want)
		}
	}
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{`12`, `-3.25e+1`, `"a\"b"`, `"\u00e9"`, `01`, `"x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkToken(t, in) })
}
