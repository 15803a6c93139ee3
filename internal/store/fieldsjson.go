package store

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// decodeFields fills m from a lead's fields column: the JSON object of
// string values that json.Marshal(map[string]string) wrote. It is the
// hottest part of reading many leads, so the common form (no escapes) is
// parsed by hand with values sliced from s; anything else falls back to
// encoding/json, which gives the same result.
func decodeFields(s string, m map[string]string) error {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return json.Unmarshal([]byte(s), &m)
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		if skipSpace(s, i+1) != len(s) {
			return json.Unmarshal([]byte(s), &m)
		}
		return nil
	}
	for {
		k, j, ok := plainString(s, i)
		if !ok {
			return json.Unmarshal([]byte(s), &m)
		}
		j = skipSpace(s, j)
		if j >= len(s) || s[j] != ':' {
			return json.Unmarshal([]byte(s), &m)
		}
		v, j, ok := plainString(s, skipSpace(s, j+1))
		if !ok {
			return json.Unmarshal([]byte(s), &m)
		}
		m[k] = v
		j = skipSpace(s, j)
		if j >= len(s) {
			return json.Unmarshal([]byte(s), &m)
		}
		switch s[j] {
		case ',':
			i = skipSpace(s, j+1)
		case '}':
			if skipSpace(s, j+1) != len(s) {
				return json.Unmarshal([]byte(s), &m)
			}
			return nil
		default:
			return json.Unmarshal([]byte(s), &m)
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
