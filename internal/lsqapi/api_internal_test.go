package lsqapi

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLowerQuery(t *testing.T) {
	got := lowerQuery("LeadId=a&leadid=b&AccessKey=u%24r1&x&=y&bad=%zz&SecretKey=s")
	want := map[string]string{"leadid": "a", "accesskey": "u$r1", "x": "", "": "y", "secretkey": "s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lowerQuery (-want +got):\n%s", diff)
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct{ path, want, err string }{
		{"/v2/LeadManagement.svc/Lead.Create", "LeadManagement.svc/Lead.Create", ""},
		{"/V2/leadmanagement.SVC/lead.create/", "LeadManagement.svc/Lead.Create", ""},
		{"/v2/LeadManagement.svc/Leads.GetByld", "", "API not found: /v2/LeadManagement.svc/Leads.GetByld; did you mean LeadManagement.svc/Leads.GetById?"},
		{"/v2/LeadMgmt.svc/Lead.Create", "", "API not found: /v2/LeadMgmt.svc/Lead.Create; did you mean LeadManagement.svc/Lead.Create?"},
		{"/v2/Completely.svc/Different", "", "API not found: /v2/Completely.svc/Different"},
		{"/v3/LeadManagement.svc/Lead.Create", "", "API not found: /v3/LeadManagement.svc/Lead.Create; did you mean LeadManagement.svc/Lead.Create?"},
	} {
		rt, err := lookup(tc.path)
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("lookup(%q) error = %v, want %q", tc.path, err, tc.err)
			}
		case err != nil || rt.name != tc.want:
			t.Errorf("lookup(%q) = %v, %v; want %s", tc.path, rt, err, tc.want)
		}
	}
}

func TestScalarText(t *testing.T) {
	for in, want := range map[string]string{
		`"abc"`: "abc", `12`: "12", `-0.5`: "-0.5", `1e3`: "1000", `true`: "true", `false`: "false",
		`12345678901234567890`: "12345678901234567890", `"\u00e9"`: "é",
	} {
		got, err := scalarText([]byte(in))
		if err != nil || got == nil || *got != want {
			t.Errorf("scalarText(%s) = %v, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{``, `null`, ` null `} {
		if got, err := scalarText([]byte(in)); got != nil || err != nil {
			t.Errorf("scalarText(%q) = %v, %v; want nil", in, got, err)
		}
	}
	for _, in := range []string{`{}`, `[1]`, `1e999`} {
		if _, err := scalarText([]byte(in)); err == nil {
			t.Errorf("scalarText(%s) succeeded", in)
		}
	}
}
