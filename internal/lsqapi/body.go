package lsqapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/localsquared/localsquared/internal/crm"
)

const attrArrayShape = `request body must be a JSON array of {"Attribute","Value"} objects`

// jsonKind names the JSON value starting at b[i] for error messages.
func jsonKind(b []byte, i int) string {
	if i >= len(b) {
		return "nothing"
	}
	switch b[i] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// firstByte returns the offset of the first non-space byte of b.
func firstByte(b []byte) int {
	return len(b) - len(bytes.TrimLeft(b, " \t\r\n"))
}

// checkJSON refuses bodies that are not valid UTF-8 JSON, with the offset
// of the problem.
func checkJSON(body []byte, shape string) error {
	if !utf8.Valid(body) {
		return crm.Errorf(crm.KindBadRequest, "request body is not valid UTF-8")
	}
	if !json.Valid(body) {
		var se *json.SyntaxError
		err := json.Unmarshal(body, new(any))
		if errors.As(err, &se) {
			return crm.Errorf(crm.KindBadRequest, "%s; malformed JSON at offset %d: %s", shape, se.Offset, se.Error())
		}
		return crm.Errorf(crm.KindBadRequest, "%s; malformed JSON", shape)
	}
	return nil
}

type wireAttr struct {
	Attribute *string
	Value     json.RawMessage
	Fields    json.RawMessage
}

// parseAttributes parses a lead write body: a JSON array of
// {"Attribute","Value"} objects. Values may be strings, numbers, booleans
// or null, kept as their canonical text. Anything else is KindBadRequest
// with the offset or element that is wrong.
func parseAttributes(body []byte) ([]crm.Attribute, error) {
	if attrs, ok := scanAttrBody(body); ok {
		return attrs, nil
	}
	return decodeAttributes(body)
}

// decodeAttributes is parseAttributes through encoding/json.
func decodeAttributes(body []byte) ([]crm.Attribute, error) {
	raw, err := jsonArray(body, attrArrayShape)
	if err != nil {
		return nil, err
	}
	return attributesFromRaw(raw, "")
}

// jsonArray splits a body that must be a JSON array into its elements.
// Errors are KindBadRequest, worded "{shape}; …" with the offset or kind
// of what is wrong.
func jsonArray(body []byte, shape string) ([]json.RawMessage, error) {
	if err := checkJSON(body, shape); err != nil {
		return nil, err
	}
	i := firstByte(body)
	if i >= len(body) || body[i] != '[' {
		return nil, crm.Errorf(crm.KindBadRequest, "%s; found %s at offset %d", shape, jsonKind(body, i), i)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, crm.Errorf(crm.KindBadRequest, "%s", shape)
	}
	return raw, nil
}

// attributesFromRaw converts array elements; where prefixes messages
// (e.g. "row 3: ") for bulk bodies.
func attributesFromRaw(raw []json.RawMessage, where string) ([]crm.Attribute, error) {
	out := make([]crm.Attribute, 0, len(raw))
	for n, el := range raw {
		if j := firstByte(el); j >= len(el) || el[j] != '{' {
			return nil, crm.Errorf(crm.KindBadRequest, "%s%s; element %d is %s", where, attrArrayShape, n, jsonKind(el, j))
		}
		var wa wireAttr
		if err := json.Unmarshal(el, &wa); err != nil {
			return nil, crm.Errorf(crm.KindBadRequest, "%s%s; element %d: %s", where, attrArrayShape, n, typeErrorText(err))
		}
		if wa.Attribute == nil || *wa.Attribute == "" {
			return nil, crm.Errorf(crm.KindBadRequest, `%s%s; element %d has no "Attribute"`, where, attrArrayShape, n)
		}
		v, err := scalarText(wa.Value)
		if err != nil {
			return nil, crm.Errorf(crm.KindBadRequest, `%selement %d ("%s"): "Value" %v`, where, n, sanitize(*wa.Attribute), err)
		}
		out = append(out, crm.Attribute{Name: *wa.Attribute, Value: v})
	}
	return out, nil
}

func typeErrorText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%q must be %s, found %s", te.Field, te.Type.String(), te.Value)
	}
	return "wrong shape"
}

// scalarText turns a JSON scalar into the string LeadSquared stores: the
// string itself, a number's literal, "true"/"false", or nil for null or a
// missing value.
func scalarText(v json.RawMessage) (*string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	var s string
	switch v[0] {
	case '"':
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, errors.New("is not a valid string")
		}
	case 't', 'f':
		s = string(v)
	case '{', '[':
		return nil, fmt.Errorf("must be a string, number, boolean or null; found %s", jsonKind(v, 0))
	default:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || len(v) > 40 {
			return nil, errors.New("is a number out of range")
		}
		s = strconv.FormatFloat(f, 'f', -1, 64)
		if bytes.IndexAny(v, ".eE") < 0 { // keep integers exactly as written
			s = string(v)
		}
	}
	return &s, nil
}
