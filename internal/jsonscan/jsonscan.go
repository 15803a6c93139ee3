// Package jsonscan reads the JSON shapes of hot paths (flat objects and
// arrays of scalars) in one pass, without encoding/json's reflection and
// repeated validation. Every function accepts only well-formed JSON and
// reports false (or -1) on anything else, so that callers fall back to
// encoding/json, which then gives the error.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// Space returns the index of the first byte at or after i that is not
// JSON whitespace.
func Space(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// Open reads the byte open ('[' or '{') that starts a container at b[i:].
// It returns the index of the first element or, when the container is
// empty, the index after its closing byte close, with empty true.
func Open(b []byte, i int, open, close byte) (next int, empty, ok bool) {
	if i >= len(b) || b[i] != open {
		return 0, false, false
	}
	if i = Space(b, i+1); i < len(b) && b[i] == close {
		return i + 1, true, true
	}
	return i, false, true
}

// After reads what follows an element, at b[i:], of a container closed
// by close: a comma, with more true and next the index of the next
// element, or the closing byte, with more false and next the index after
// it.
func After(b []byte, i int, close byte) (next int, more, ok bool) {
	switch i = Space(b, i); {
	case i >= len(b):
		return 0, false, false
	case b[i] == ',':
		return Space(b, i+1), true, true
	case b[i] == close:
		return i + 1, false, true
	}
	return 0, false, false
}

// String reads the JSON string at b[i:] and returns its text and the
// index after it. A string without escapes, nearly every string on these
// paths, is copied as it is (invalid UTF-8 included: callers that care
// check the whole input first); one with escapes is decoded by
// encoding/json.
func String(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	plain := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if plain {
				return string(b[i+1 : j]), j + 1, true
			}
			var s string
			if json.Unmarshal(b[i:j+1], &s) != nil {
				return "", 0, false
			}
			return s, j + 1, true
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// Number returns the index after the JSON number at b[i:], or -1 when
// there is none.
func Number(b []byte, i int) int {
	digits := func(i int) int {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// Bare returns the index after the number, true, false or null at b[i:],
// or -1: a scalar that is not a string.
func Bare(b []byte, i int) int {
	if j := Literal(b, i); j >= 0 {
		return j
	}
	return Number(b, i)
}

// Literal returns the index after true, false or null at b[i:], or -1.
func Literal(b []byte, i int) int {
	for _, lit := range [...]string{"true", "false", "null"} {
		if bytes.HasPrefix(b[i:], []byte(lit)) {
			return i + len(lit)
		}
	}
	return -1
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaping as encoding/json does
// (including <, > and & and the line separators U+2028/U+2029).
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendObject appends m as the JSON object json.Marshal writes for a
// map[string]string: keys sorted, strings escaped alike. Lead and
// activity fields are written this way on every write path.
func AppendObject(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		b = AppendString(b, m[k])
	}
	return append(b, '}')
}
