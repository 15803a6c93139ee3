package lsqapi

import (
	"strconv"
	"unicode/utf8"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/lsq"
)

// appendLead appends the full lead object: every field of the schema in
// order, values as strings or null, dates as yyyy-MM-dd HH:mm:ss.SSS. It is
// hand-written because lead reads are the hottest path and key order is
// part of the wire shape.
func appendLead(b []byte, sch *crm.Schema, l *crm.Lead) []byte {
	b = append(b, '{')
	for i, f := range sch.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.SchemaName)
		b = append(b, ':')
		b = appendLeadValue(b, f.SchemaName, l)
	}
	return append(b, '}')
}

// appendLeadValue appends one field's value: the identity and audit fields
// from the lead's own struct fields, the rest from its values.
func appendLeadValue(b []byte, name string, l *crm.Lead) []byte {
	switch name {
	case "ProspectID":
		return appendString(b, l.ID)
	case "ProspectAutoId":
		b = append(b, '"')
		b = strconv.AppendInt(b, l.AutoID, 10)
		return append(b, '"')
	case "CreatedOn":
		return appendString(b, lsq.FormatDateTime(l.CreatedOn))
	case "ModifiedOn":
		return appendString(b, lsq.FormatDateTime(l.ModifiedOn))
	case "LeadLastModifiedOn":
		return appendString(b, lsq.FormatDateTime(l.LastModifiedOn))
	case "CreatedBy":
		return appendString(b, l.CreatedBy)
	case "ModifiedBy":
		return appendString(b, l.ModifiedBy)
	}
	if v, ok := l.Values[name]; ok {
		return appendString(b, v)
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping as encoding/json does
// (including <, > and & and the line separators U+2028/U+2029).
func appendString(b []byte, s string) []byte {
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
