package crm

import (
	"strings"
	"time"
)

// Lead is a LeadSquared lead (a "prospect"). Values holds every writable
// field, system and custom, by schema name; an absent key reads as null.
// The identity and audit fields live in their own struct fields.
type Lead struct {
	ID             string // ProspectID, a UUID v7
	AutoID         int64  // ProspectAutoId, per org
	Values         map[string]string
	CreatedBy      string // user id
	ModifiedBy     string // user id
	CreatedOn      time.Time
	ModifiedOn     time.Time // the lead row changed
	LastModifiedOn time.Time // LeadLastModifiedOn: the row or anything related changed
}

// Get returns the value of a field and whether it is set.
func (l *Lead) Get(field string) (string, bool) {
	v, ok := l.Values[field]
	return v, ok
}

// Attribute is one {"Attribute","Value"} pair of a lead write. A nil Value
// clears the field.
type Attribute struct {
	Name  string
	Value *string
}

// EmailKey returns the form of an email address that uniqueness and
// lookups compare: trimmed and lower-cased. Empty stays empty.
func EmailKey(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// PhoneKey returns the digits of a phone number, which is what uniqueness
// and lookups compare ("+91-9988776655" and "919988776655" are equal).
// It returns "" when s has no digits.
func PhoneKey(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
		}
	}
	if n == len(s) {
		return s
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}
