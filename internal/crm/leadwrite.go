package crm

import (
	"strconv"
	"strings"
)

// Values every new lead starts with (our choice, following the values
// LeadSquared shows on leads created through the API).
var createDefaults = map[string]string{
	"IsLead": "1", "StatusCode": "0", "StatusReason": "0", "DeletionStatusCode": "0",
	"DoNotEmail": "0", "DoNotCall": "0", "DoNotSMS": "0", "DoNotTrack": "0",
	"Score": "0", "EngagementScore": "0", "TotalVisits": "0", "PageViewsPerVisit": "0", "AvgTimePerVisit": "0",
	"ProspectStage": "Prospect", "Origin": "API",
}

// PrepareCreate returns the values of a new lead made from attrs, whose
// values the wire layer has already type-checked and normalised. Writes to
// server-managed fields are ignored; an empty value means "not set".
// OwnerId defaults to owner. Errors: KindUnknownAttribute for a field the
// schema lacks, KindMandatory when no identity field or a mandatory field
// is set.
func PrepareCreate(s *Schema, attrs []Attribute, owner string) (map[string]string, error) {
	vals := make(map[string]string, len(attrs)+len(createDefaults)+1)
	for k, v := range createDefaults {
		vals[k] = v
	}
	vals["OwnerId"] = owner
	if err := apply(s, vals, attrs); err != nil {
		return nil, err
	}
	if vals["OwnerId"] == "" {
		vals["OwnerId"] = owner
	}
	if !hasIdentity(vals) {
		return nil, ErrNoIdentity
	}
	for _, f := range s.Fields {
		if f.Mandatory && vals[f.SchemaName] == "" {
			return nil, Errorf(KindMandatory, "'%s' is mandatory", f.SchemaName)
		}
	}
	return vals, nil
}

// PrepareUpdate applies attrs to a copy of current and returns it, with
// whether anything changed. Same rules as PrepareCreate, except that
// clearing every identity field or a mandatory field is refused.
func PrepareUpdate(s *Schema, current map[string]string, attrs []Attribute) (map[string]string, bool, error) {
	vals := make(map[string]string, len(current)+len(attrs))
	for k, v := range current {
		vals[k] = v
	}
	if err := apply(s, vals, attrs); err != nil {
		return nil, false, err
	}
	changed := len(vals) != len(current)
	for k, v := range vals {
		if cv, ok := current[k]; !ok || cv != v {
			changed = true
			break
		}
	}
	if !changed {
		return vals, false, nil
	}
	if !hasIdentity(vals) {
		return nil, false, ErrNoIdentity
	}
	for _, a := range attrs {
		if f := s.Field(a.Name); f != nil && f.Mandatory && vals[f.SchemaName] == "" {
			return nil, false, Errorf(KindMandatory, "'%s' is mandatory", f.SchemaName)
		}
	}
	return vals, true, nil
}

func apply(s *Schema, vals map[string]string, attrs []Attribute) error {
	for _, a := range attrs {
		f := s.Field(a.Name)
		if f == nil {
			return UnknownAttribute(a.Name)
		}
		if f.Managed {
			continue
		}
		if a.Value == nil || strings.TrimSpace(*a.Value) == "" {
			delete(vals, a.Name)
			continue
		}
		vals[a.Name] = *a.Value
	}
	return nil
}

// UnknownAttribute is the error for writing a field the org does not have.
func UnknownAttribute(name string) error {
	if len(name) > 100 {
		name = name[:100] + "…"
	}
	return Errorf(KindUnknownAttribute, "Attribute '%s' does not exist", name)
}

// hasIdentity reports whether vals set one of the IdentityFields.
func hasIdentity(vals map[string]string) bool {
	for _, f := range IdentityFields {
		if vals[f] != "" {
			return true
		}
	}
	return false
}

// AddScores adds two Score values (integers as strings; empty is 0).
func AddScores(a, b string) string {
	x, _ := strconv.ParseFloat(a, 64)
	y, _ := strconv.ParseFloat(b, 64)
	return strconv.FormatInt(int64(x+y), 10)
}
