package lsqapi

import (
	"testing"

	"github.com/localsquared/localsquared/internal/crm"
)

// FuzzParseAttributes: the lead-body parser never panics; it either returns
// named attributes or a KindBadRequest error.
func FuzzParseAttributes(f *testing.F) {
	for _, s := range []string{
		`[{"Attribute":"FirstName","Value":"Ann"}]`, `[]`, `{}`, `[{"Attribute":"x","Value":{"a":1}}]`,
		`[{"Attribute":5}]`, `[{"Value":"x"}]`, `[{"Attribute":"x","Value":1e999}]`, "[\xff]", `[[[[]]]]`,
		`[{"Attribute":"x","Value":null,"Fields":[{"Attribute":"y","Value":"z"}]}]`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		attrs, err := parseAttributes(body)
		if err != nil {
			if k := crm.KindOf(err); k != crm.KindBadRequest {
				t.Fatalf("parseAttributes(%q) error kind %v: %v", body, k, err)
			}
			return
		}
		for _, a := range attrs {
			if a.Name == "" {
				t.Fatalf("parseAttributes(%q) returned an unnamed attribute", body)
			}
		}
	})
}
