package lsqapi

import (
	"unicode/utf8"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/jsonscan"
)

// Lead write bodies are arrays of {"Attribute","Value"} objects, and a
// bulk body is fifty of them. Through encoding/json a bulk body was
// validated four times over (whole, then each row, then each object) and
// its parsing was a fifth of a bulk call's CPU. scanAttrBody and
// scanBulkBody read the common form in one pass: exactly the keys
// "Attribute" (a non-empty string) and "Value" (a scalar), each at most
// once. Anything else, including every error, goes to the encoding/json
// path, which gives the same attributes or the error.

// scanAttrBody reads a whole lead write body.
func scanAttrBody(body []byte) ([]crm.Attribute, bool) {
	if !utf8.Valid(body) {
		return nil, false
	}
	attrs, i, ok := scanAttrs(body, jsonscan.Space(body, 0))
	return attrs, ok && jsonscan.Space(body, i) == len(body)
}

// scanBulkBody reads a whole bulk body: an array of attribute arrays.
func scanBulkBody(body []byte) ([][]crm.Attribute, bool) {
	if !utf8.Valid(body) {
		return nil, false
	}
	i, empty, ok := jsonscan.Open(body, jsonscan.Space(body, 0), '[', ']')
	rows := [][]crm.Attribute{}
	for more := ok && !empty; more; {
		var attrs []crm.Attribute
		if attrs, i, ok = scanAttrs(body, i); ok {
			rows = append(rows, attrs)
			i, more, ok = jsonscan.After(body, i, ']')
		}
		if !ok {
			return nil, false
		}
	}
	return rows, ok && jsonscan.Space(body, i) == len(body)
}

// scanAttrs reads the array of attribute objects at b[i:] and returns the
// index after it.
func scanAttrs(b []byte, i int) ([]crm.Attribute, int, bool) {
	i, empty, ok := jsonscan.Open(b, i, '[', ']')
	attrs := []crm.Attribute{}
	for more := ok && !empty; more; {
		var a crm.Attribute
		if a, i, ok = scanAttr(b, i); ok {
			attrs = append(attrs, a)
			i, more, ok = jsonscan.After(b, i, ']')
		}
		if !ok {
			return nil, 0, false
		}
	}
	return attrs, i, ok
}

// scanAttr reads the {"Attribute","Value"} object at b[i:].
func scanAttr(b []byte, i int) (crm.Attribute, int, bool) {
	var a crm.Attribute
	var named, valued bool
	i, empty, ok := jsonscan.Open(b, i, '{', '}')
	for more := ok && !empty; more; {
		var key string
		if key, i, ok = jsonscan.String(b, i); !ok {
			return a, 0, false
		}
		if i = jsonscan.Space(b, i); i >= len(b) || b[i] != ':' {
			return a, 0, false
		}
		i = jsonscan.Space(b, i+1)
		switch {
		case key == "Attribute" && !named:
			a.Name, i, ok = jsonscan.String(b, i)
			named = ok && a.Name != ""
		case key == "Value" && !valued:
			a.Value, i, ok = scanValue(b, i)
			valued = ok
		default:
			ok = false
		}
		if ok {
			i, more, ok = jsonscan.After(b, i, '}')
		}
		if !ok {
			return a, 0, false
		}
	}
	return a, i, ok && named
}

// scanValue reads the scalar at b[i:] as scalarText does.
func scanValue(b []byte, i int) (*string, int, bool) {
	if i < len(b) && b[i] == '"' {
		s, j, ok := jsonscan.String(b, i)
		return &s, j, ok
	}
	j := jsonscan.Bare(b, i)
	if j < 0 {
		return nil, 0, false
	}
	v, err := scalarText(b[i:j])
	return v, j, err == nil
}
