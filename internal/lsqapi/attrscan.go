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
	i := jsonscan.Space(body, 0)
	if i >= len(body) || body[i] != '[' {
		return nil, false
	}
	rows := [][]crm.Attribute{}
	if i = jsonscan.Space(body, i+1); i < len(body) && body[i] == ']' {
		return rows, jsonscan.Space(body, i+1) == len(body)
	}
	for {
		attrs, j, ok := scanAttrs(body, i)
		if !ok {
			return nil, false
		}
		rows = append(rows, attrs)
		if i = jsonscan.Space(body, j); i >= len(body) {
			return nil, false
		}
		switch body[i] {
		case ',':
			i = jsonscan.Space(body, i+1)
		case ']':
			return rows, jsonscan.Space(body, i+1) == len(body)
		default:
			return nil, false
		}
	}
}

// scanAttrs reads the array of attribute objects at b[i:] and returns the
// index after it.
func scanAttrs(b []byte, i int) ([]crm.Attribute, int, bool) {
	if i >= len(b) || b[i] != '[' {
		return nil, 0, false
	}
	attrs := []crm.Attribute{}
	if i = jsonscan.Space(b, i+1); i < len(b) && b[i] == ']' {
		return attrs, i + 1, true
	}
	for {
		a, j, ok := scanAttr(b, i)
		if !ok {
			return nil, 0, false
		}
		attrs = append(attrs, a)
		if i = jsonscan.Space(b, j); i >= len(b) {
			return nil, 0, false
		}
		switch b[i] {
		case ',':
			i = jsonscan.Space(b, i+1)
		case ']':
			return attrs, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// scanAttr reads the {"Attribute","Value"} object at b[i:].
func scanAttr(b []byte, i int) (crm.Attribute, int, bool) {
	var a crm.Attribute
	if i >= len(b) || b[i] != '{' {
		return a, 0, false
	}
	var named, valued bool
	i = jsonscan.Space(b, i+1)
	for {
		key, j, ok := jsonscan.String(b, i)
		if !ok {
			return a, 0, false
		}
		if i = jsonscan.Space(b, j); i >= len(b) || b[i] != ':' {
			return a, 0, false
		}
		i = jsonscan.Space(b, i+1)
		switch {
		case key == "Attribute" && !named:
			a.Name, j, ok = jsonscan.String(b, i)
			named = ok && a.Name != ""
		case key == "Value" && !valued:
			a.Value, j, ok = scanValue(b, i)
			valued = ok
		default:
			ok = false
		}
		if !ok {
			return a, 0, false
		}
		if i = jsonscan.Space(b, j); i >= len(b) {
			return a, 0, false
		}
		switch {
		case b[i] == ',':
			i = jsonscan.Space(b, i+1)
		case b[i] == '}' && named:
			return a, i + 1, true
		default:
			return a, 0, false
		}
	}
}

// scanValue reads the scalar at b[i:] as scalarText does.
func scanValue(b []byte, i int) (*string, int, bool) {
	if i < len(b) && b[i] == '"' {
		s, j, ok := jsonscan.String(b, i)
		return &s, j, ok
	}
	j := jsonscan.Literal(b, i)
	if j < 0 {
		j = jsonscan.Number(b, i)
	}
	if j < 0 {
		return nil, 0, false
	}
	v, err := scalarText(b[i:j])
	return v, j, err == nil
}
