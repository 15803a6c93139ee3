package lsqapi

import (
	"math"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/lsq"
)

// normalize checks every attribute against the org's schema and rewrites
// each value to its stored form: dates as yyyy-MM-dd HH:mm:ss.SSS, flags as
// "0"/"1", dropdown values in the option's own spelling. Errors:
// KindUnknownAttribute, KindInvalid (bad email, phone, date, option,
// length), KindDataType (not a number, not a boolean).
func normalize(sch *crm.Schema, attrs []crm.Attribute) error {
	for i := range attrs {
		a := &attrs[i]
		f := sch.Field(a.Name)
		if f == nil {
			return crm.UnknownAttribute(sanitize(a.Name))
		}
		if a.Value == nil || f.Managed {
			continue
		}
		v := strings.TrimSpace(*a.Value)
		if v == "" {
			a.Value = &v
			continue
		}
		if f.DataType == crm.TypeDate || f.DataType == crm.TypeDateTime {
			v = *a.Value // dates must be exact: no surrounding spaces
		}
		nv, err := normalizeValue(f, v)
		if err != nil {
			return err
		}
		a.Value = &nv
	}
	return nil
}

func normalizeValue(f *crm.Field, v string) (string, error) {
	if strings.IndexByte(v, 0) >= 0 {
		return "", crm.Invalidf("%s (contains a NUL character)", f.SchemaName)
	}
	if f.MaxLength > 0 && utf8.RuneCountInString(v) > f.MaxLength {
		return "", crm.Invalidf("%s (longer than %d characters)", f.SchemaName, f.MaxLength)
	}
	switch f.DataType {
	case crm.TypeEmail:
		if !validEmail(v) {
			return "", crm.Invalidf("%s (not a valid email address)", f.SchemaName)
		}
	case crm.TypePhone:
		if !validPhone(v) {
			return "", crm.Invalidf("%s (not a valid phone number)", f.SchemaName)
		}
	case crm.TypeNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return "", crm.Errorf(crm.KindDataType, "Invalid value for %s: expected a number", f.SchemaName)
		}
	case crm.TypeBoolean:
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			return "1", nil
		case "0", "false", "no":
			return "0", nil
		}
		return "", crm.Errorf(crm.KindDataType, "Invalid value for %s: expected 0, 1, true or false", f.SchemaName)
	case crm.TypeDateTime:
		t, err := lsq.ParseDateTime(v)
		if err != nil {
			return "", crm.Invalidf("%s (expected yyyy-MM-dd HH:mm:ss)", f.SchemaName)
		}
		return lsq.FormatDateTime(t), nil
	case crm.TypeDate:
		t, err := lsq.ParseDateOrDateTime(v)
		if err != nil {
			return "", crm.Invalidf("%s (expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)", f.SchemaName)
		}
		return lsq.FormatDateTime(t), nil
	case crm.TypeTime:
		if !validTime(v) {
			return "", crm.Invalidf("%s (expected HH:mm or HH:mm:ss)", f.SchemaName)
		}
	case crm.TypeSelect:
		for _, o := range f.Options {
			if strings.EqualFold(o, v) {
				return o, nil
			}
		}
		return "", crm.Invalidf("%s (value is not one of the field's options)", f.SchemaName)
	}
	return v, nil
}

func validEmail(v string) bool {
	if strings.ContainsAny(v, " \t\r\n<>,;\"") {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || !strings.Contains(v[at+1:], ".") || strings.HasSuffix(v, ".") {
		return false
	}
	a, err := mail.ParseAddress(v)
	return err == nil && a.Address == v
}

// validPhone accepts digits with the usual separators: 4 to 20 digits.
func validPhone(v string) bool {
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '+' || c == '-' || c == ' ' || c == '(' || c == ')' || c == '.':
		default:
			return false
		}
	}
	return digits >= 4 && digits <= 20
}

func validTime(v string) bool {
	p := strings.Split(v, ":")
	if len(p) < 2 || len(p) > 3 {
		return false
	}
	limits := []int{23, 59, 59}
	for i, s := range p {
		n, err := strconv.Atoi(s)
		if err != nil || len(s) != 2 || n < 0 || n > limits[i] {
			return false
		}
	}
	return true
}
