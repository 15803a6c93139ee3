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

func TestOpenAfterBare(t *testing.T) {
	type res struct {
		next        int
		flag, valid bool
	}
	for _, c := range []struct {
		in   string
		open bool // Open, else After
		want res
	}{
		{`[1]`, true, res{1, false, true}},
		{`[ ] x`, true, res{3, true, true}},
		{`{ "a"`, true, res{2, false, true}},
		{`(`, true, res{0, false, false}},
		{``, true, res{0, false, false}},
		{` , 2`, false, res{3, true, true}},
		{` ]x`, false, res{2, false, true}},
		{`}`, false, res{0, false, false}},
		{`  `, false, res{0, false, false}},
	} {
		var got res
		if c.open {
			got.next, got.flag, got.valid = Open([]byte(c.in), 0, '[', ']')
			if c.in != "" && c.in[0] == '{' {
				got.next, got.flag, got.valid = Open([]byte(c.in), 0, '{', '}')
			}
		} else {
			got.next, got.flag, got.valid = After([]byte(c.in), 0, ']')
		}
		if got != c.want {
			t.Errorf("%q (open %v) = %+v, want %+v", c.in, c.open, got, c.want)
		}
	}
	for in, want := range map[string]int{"null": 4, "-1.5,": 4, "truex": 4, `"s"`: -1, "x": -1} {
		if got := Bare([]byte(in), 0); got != want {
			t.Errorf("Bare(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\`, "tab\tnl\ncr\r", "\x00\x1f\b\f", "<a&b>", "é漢字", "\u2028\u2029", "bad\xffutf8"} {
		got := string(AppendString(nil, s))
		want, _ := json.Marshal(s)
		if got != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// FuzzAppendObject: an object of string fields is written byte for byte
// as json.Marshal writes the map, so rows written before and after the
// hand encoder read alike.
func FuzzAppendObject(f *testing.F) {
	f.Add("FirstName", "Ann", "mx_City", "<Pune & \"Goa\">")
	f.Add("", "", "b\xff", "\u2028\x01")
	f.Add("z", "1", "a", "2")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		for _, m := range []map[string]string{{}, {k1: v1}, {k1: v1, k2: v2}} {
			want, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendObject(nil, m); string(got) != string(want) {
				t.Fatalf("AppendObject(%q) = %s, want %s", m, got, want)
			}
		}
	})
}
