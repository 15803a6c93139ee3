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

// FuzzParseLeadSearch: the search-body parser and the checks on its parts
// never panic, and fail only with a caller's-fault kind.
func FuzzParseLeadSearch(f *testing.F) {
	for _, s := range []string{
		`{"Parameter":{"LookupName":"FirstName","LookupValue":"Ann","SqlOperator":"="},"Columns":{"Include_CSV":"ProspectID, FirstName"},"Sorting":{"ColumnName":"CreatedOn","Direction":"1"},"Paging":{"PageIndex":1,"PageSize":100}}`,
		`{"Parameter":{"LookupName":"EmailAddress","LookupValue":"a%","SqlOperator":"like"}}`,
		`{"Parameter":{"LookupName":"Revenue","LookupValue":"1,2,3","SqlOperator":"IN"}}`,
		`{"Parameter":{"FromDate":"2024-01-01 00:00:00","ToDate":"2024-01-02 00:00:00"}}`,
		`{"SearchParameters":{"LeadIds":["x"]},"Columns":{"Include_CSV":"FirstName"}}`,
		`{"Parameter":{"LookupName":"CreatedOn","LookupValue":"2024-02-30 00:00:00","SqlOperator":">"}}`,
		`{"Paging":{"PageIndex":"0","PageSize":1e9}}`, `{"Sorting":{"ColumnName":1,"Direction":"x"}}`, `[]`, `{}`, ``, "{\"\xff\":1}",
	} {
		f.Add([]byte(s))
	}
	sch := crm.NewSchema(1, nil)
	allowed := map[crm.Kind]bool{crm.KindBadRequest: true, crm.KindInvalid: true, crm.KindNotFound: true, crm.KindMandatory: true, crm.KindDataType: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := parseLeadSearch(body)
		if err != nil {
			if k := crm.KindOf(err); k != crm.KindBadRequest {
				t.Fatalf("parseLeadSearch(%q) error kind %v: %v", body, k, err)
			}
			return
		}
		_, err1 := q.columns(sch)
		_, err2 := q.sort(sch, false)
		_, err3 := q.condition(sch)
		_, err4 := q.Paging.page(defaultLeadPage, crm.MaxPage)
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil && !allowed[crm.KindOf(err)] {
				t.Fatalf("body %q: error kind %v: %v", body, crm.KindOf(err), err)
			}
		}
	})
}
