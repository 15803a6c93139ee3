package lsqapi

import (
	"strconv"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/jsonscan"
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
		b = jsonscan.AppendString(b, f.SchemaName)
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
		return jsonscan.AppendString(b, l.ID)
	case "ProspectAutoId":
		b = append(b, '"')
		b = strconv.AppendInt(b, l.AutoID, 10)
		return append(b, '"')
	case "CreatedOn":
		return jsonscan.AppendString(b, lsq.FormatDateTime(l.CreatedOn))
	case "ModifiedOn":
		return jsonscan.AppendString(b, lsq.FormatDateTime(l.ModifiedOn))
	case "LeadLastModifiedOn":
		return jsonscan.AppendString(b, lsq.FormatDateTime(l.LastModifiedOn))
	case "CreatedBy":
		return jsonscan.AppendString(b, l.CreatedBy)
	case "ModifiedBy":
		return jsonscan.AppendString(b, l.ModifiedBy)
	}
	if v, ok := l.Values[name]; ok {
		return jsonscan.AppendString(b, v)
	}
	return append(b, "null"...)
}
