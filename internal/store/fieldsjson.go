package store

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/localsquared/localsquared/internal/jsonscan"
)

// encodeFields writes a fields column: the JSON object json.Marshal
// writes for the map, byte for byte, without its reflection and sorting
// by interface.
func encodeFields(m map[string]string) string { return string(jsonscan.AppendObject(nil, m)) }

// decodeFields fills m from a lead's fields column: the JSON object of
// string values that json.Marshal(map[string]string) wrote. It is the
// hottest part of reading many leads, so the common form (no escapes) is
// parsed by hand with values sliced from s; anything else falls back to
// encoding/json, which gives the same result.
func decodeFields(s string, m map[string]string) error { return decodeSomeFields(s, m, nil) }

// decodeSomeFields is decodeFields keeping only the keys in keep (all when
// keep is nil). Reading a page of leads for a few columns then costs no
// allocation for the values it drops.
func decodeSomeFields(s string, m map[string]string, keep map[string]bool) error {
	slow := func() error { return decodeKept(s, m, keep) }
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return slow()
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		if skipSpace(s, i+1) != len(s) {
			return slow()
		}
		return nil
	}
	for {
		k, j, ok := plainString(s, i)
		if !ok {
			return slow()
		}
		j = skipSpace(s, j)
		if j >= len(s) || s[j] != ':' {
			return slow()
		}
		var v string
		if keep == nil || keep[k] {
			v, j, ok = plainString(s, skipSpace(s, j+1))
			if ok {
				m[k] = v
			}
		} else {
			j, ok = skipPlainString(s, skipSpace(s, j+1))
		}
		if !ok {
			return slow()
		}
		j = skipSpace(s, j)
		if j >= len(s) {
			return slow()
		}
		switch s[j] {
		case ',':
			i = skipSpace(s, j+1)
		case '}':
			if skipSpace(s, j+1) != len(s) {
				return slow()
			}
			return nil
		default:
			return slow()
		}
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// plainString reads the JSON string starting at s[i] when it has no
// escapes and no control characters, returning it and the index after
// its closing quote; ok is false otherwise.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return "", i, false
	}
	v := s[i+1 : i+1+end]
	for k := 0; k < len(v); k++ {
		if v[k] == '\\' || v[k] < 0x20 {
			return "", i, false
		}
	}
	if !utf8.ValidString(v) { // encoding/json would replace the bad bytes
		return "", i, false
	}
	return v, i + 2 + end, true
}

// skipPlainString is plainString for a value that is dropped: it finds the
// closing quote, and reports false on an escape or a control character
// (whose string encoding/json must read).
func skipPlainString(s string, i int) (int, bool) {
	if i >= len(s) || s[i] != '"' {
		return i, false
	}
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return i, false
	}
	for _, c := range []byte(s[i+1 : i+1+end]) {
		if c == '\\' || c < 0x20 {
			return i, false
		}
	}
	return i + 2 + end, true
}

// decodeKept decodes s with encoding/json into m, keeping the keys in keep
// (all when keep is nil).
func decodeKept(s string, m map[string]string, keep map[string]bool) error {
	if keep == nil {
		return json.Unmarshal([]byte(s), &m)
	}
	all := map[string]string{}
	if err := json.Unmarshal([]byte(s), &all); err != nil {
		return err
	}
	for k, v := range all {
		if keep[k] {
			m[k] = v
		}
	}
	return nil
}
