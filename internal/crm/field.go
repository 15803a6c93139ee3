package crm

import (
	"strings"
	"time"
)

// Data types of lead fields, spelled as CreateLeadField takes them.
const (
	TypeText     = "Text"
	TypeNumber   = "Number"
	TypeEmail    = "Email"
	TypePhone    = "Phone"
	TypeWebsite  = "Website"
	TypeDate     = "Date"
	TypeDateTime = "DateTime"
	TypeTime     = "Time"
	TypeSelect   = "Select"
	TypeBoolean  = "Boolean"
)

// Field describes one lead field: a system field LeadSquared defines for
// every org, or a custom mx_ field the org created.
type Field struct {
	SchemaName        string
	DisplayName       string
	DataType          string
	RenderType        int
	RenderTypeText    string
	System            bool
	Managed           bool // maintained by the server; writes to it are ignored
	Mandatory         bool
	Unique            bool
	MaxLength         int // 0: no limit beyond the body limit
	Options           []string
	ShowInQuickSearch bool
	CreatedOn         time.Time
	ModifiedOn        time.Time
}

// Schema is an org's lead fields at one version: system fields first in
// LeadSquared's order, then custom fields in creation order.
type Schema struct {
	Version      int64
	Fields       []*Field
	byName       map[string]*Field
	uniqueCustom []*Field
}

// NewSchema returns the schema made of the system fields followed by
// custom. An entry of custom named like a system field is not a field: it
// carries the org's settings of that system field, of which only
// ShowInQuickSearch (and ModifiedOn) are taken.
func NewSchema(version int64, custom []*Field) *Schema {
	s := &Schema{Version: version, Fields: make([]*Field, 0, len(systemFields)+len(custom))}
	s.byName = make(map[string]*Field, cap(s.Fields))
	for i := range systemFields {
		f := systemFields[i]
		s.Fields = append(s.Fields, &f)
	}
	for _, f := range s.Fields {
		s.byName[f.SchemaName] = f
	}
	for _, c := range custom {
		if sf := s.byName[c.SchemaName]; sf != nil {
			if sf.System {
				sf.ShowInQuickSearch, sf.ModifiedOn = c.ShowInQuickSearch, c.ModifiedOn
			}
			continue
		}
		s.Fields = append(s.Fields, c)
		s.byName[c.SchemaName] = c
		if c.Unique {
			s.uniqueCustom = append(s.uniqueCustom, c)
		}
	}
	return s
}

// UniqueCustomFields returns the custom fields marked unique, in schema
// order; nil when there are none. The caller must not modify it.
func (s *Schema) UniqueCustomFields() []*Field { return s.uniqueCustom }

// CustomCount returns how many custom fields the schema has.
func (s *Schema) CustomCount() int { return len(s.Fields) - len(systemFields) }

// Field returns the field with exactly this schema name (LeadSquared's
// schema names are case-sensitive), or nil.
func (s *Schema) Field(name string) *Field { return s.byName[name] }

// IsSystemField reports whether name is a LeadSquared system field.
func IsSystemField(name string) bool {
	_, ok := systemIndex[name]
	return ok
}

// Render types (metadata "RenderType" numbers).
const (
	renderTextbox  = 0
	renderTextArea = 1
	renderRadio    = 3
	renderDate     = 4
	renderDateTime = 5
	renderPhone    = 6
	renderEmail    = 7
	renderURL      = 8
	renderCheckBox = 9
	renderNumber   = 10
	renderDropdown = 13
	renderTime     = 14
	renderSearchDD = 15
	renderDDOthers = 16
)

func sys(name, display, typ string, maxLen int) Field {
	f := Field{SchemaName: name, DisplayName: display, DataType: typ, System: true, MaxLength: maxLen}
	switch typ {
	case TypeEmail:
		f.RenderType, f.RenderTypeText = renderEmail, "Email"
	case TypePhone:
		f.RenderType, f.RenderTypeText = renderPhone, "Phone"
	case TypeWebsite:
		f.RenderType, f.RenderTypeText = renderURL, "URL"
	case TypeDateTime:
		f.RenderType, f.RenderTypeText = renderDateTime, "DateTime"
	case TypeDate:
		f.RenderType, f.RenderTypeText = renderDate, "Date"
	case TypeBoolean:
		f.RenderType, f.RenderTypeText = renderCheckBox, "CheckBox"
	case TypeNumber:
		f.RenderType, f.RenderTypeText = renderNumber, "Textbox"
	case TypeSelect:
		f.RenderType, f.RenderTypeText = renderDropdown, "Dropdown"
	case TypeTime:
		f.RenderType, f.RenderTypeText = renderTime, "Time"
	default:
		f.RenderType, f.RenderTypeText = renderTextbox, "Textbox"
	}
	return f
}

func managed(f Field) Field { f.Managed = true; return f }

func unique(f Field) Field { f.Unique = true; return f }

func quick(f Field) Field { f.ShowInQuickSearch = true; return f }

// systemFields are LeadSquared's system lead fields (reference §2.2), in
// the order lead objects list them. ProspectID and ProspectAutoId come
// first and are not in Lead.Values.
var systemFields = []Field{
	managed(sys("ProspectID", "Lead Id", TypeText, 36)),
	managed(sys("ProspectAutoId", "Lead Number", TypeNumber, 0)),
	quick(sys("FirstName", "First Name", TypeText, 100)),
	quick(sys("LastName", "Last Name", TypeText, 100)),
	quick(unique(sys("EmailAddress", "Email", TypeEmail, 100))),
	quick(unique(sys("Phone", "Phone Number", TypePhone, 50))),
	quick(unique(sys("Mobile", "Mobile Number", TypePhone, 50))),
	sys("Fax", "Fax", TypeText, 50),
	sys("Website", "Website", TypeWebsite, 200),
	sys("Company", "Company", TypeText, 200),
	sys("JobTitle", "Job Title", TypeText, 100),
	sys("TimeZone", "Time Zone", TypeText, 100),
	sys("Region", "Region", TypeText, 100),
	sys("Notes", "Notes", TypeText, 2000),
	sys("LeadType", "Lead Type", TypeText, 10),
	managed(sys("IsLead", "Is Lead", TypeBoolean, 0)),
	managed(sys("StatusCode", "Status Code", TypeNumber, 0)),
	managed(sys("StatusReason", "Status Reason", TypeNumber, 0)),
	managed(sys("DeletionStatusCode", "Deletion Status Code", TypeNumber, 0)),
	managed(sys("RelatedProspectId", "Related Lead Id", TypeText, 36)),
	sys("Source", "Lead Source", TypeText, 100),
	sys("SourceMedium", "Source Medium", TypeText, 100),
	sys("SourceCampaign", "Source Campaign", TypeText, 200),
	sys("SourceContent", "Source Content", TypeText, 200),
	sys("SourceReferrer", "Source Referrer", TypeText, 500),
	sys("SourceReferrerURL", "Source Referrer URL", TypeText, 2000),
	sys("ConversionReferrerURL", "Conversion Referrer URL", TypeText, 2000),
	sys("SourceIPAddress", "Source IP Address", TypeText, 50),
	sys("Origin", "Lead Origin", TypeText, 100),
	sys("Web_Referrer", "Web Referrer", TypeText, 2000),
	sys("Web_RefKeyword", "Web Referrer Keyword", TypeText, 500),
	sys("Latitude", "Latitude", TypeNumber, 0),
	sys("Longitude", "Longitude", TypeNumber, 0),
	sys("DoNotEmail", "Do Not Email", TypeBoolean, 0),
	sys("DoNotCall", "Do Not Call", TypeBoolean, 0),
	sys("DoNotSMS", "Do Not SMS", TypeBoolean, 0),
	sys("DoNotTrack", "Do Not Track", TypeBoolean, 0),
	sys("CurrentOptInStatus", "Current Opt In Status", TypeText, 100),
	sys("OptInDate", "Opt In Date", TypeDateTime, 0),
	sys("OptInDetails", "Opt In Details", TypeText, 500),
	sys("LastOptInEmailSentDate", "Last Opt In Email Sent Date", TypeDateTime, 0),
	sys("ProspectStage", "Lead Stage", TypeText, 100),
	sys("OwnerId", "Lead Owner", TypeText, 36),
	sys("Grade", "Grade", TypeText, 50),
	managed(sys("Score", "Score", TypeNumber, 0)),
	managed(sys("EngagementScore", "Engagement Score", TypeNumber, 0)),
	sys("Revenue", "Revenue", TypeNumber, 0),
	sys("LeadConversionDate", "Lead Conversion Date", TypeDateTime, 0),
	managed(sys("CreatedBy", "Created By", TypeText, 36)),
	managed(sys("CreatedOn", "Created On", TypeDateTime, 0)),
	managed(sys("ModifiedBy", "Modified By", TypeText, 36)),
	managed(sys("ModifiedOn", "Modified On", TypeDateTime, 0)),
	managed(sys("LeadLastModifiedOn", "Lead Last Modified On", TypeDateTime, 0)),
	managed(sys("ProspectActivityId_Min", "First Activity Id", TypeText, 36)),
	managed(sys("ProspectActivityDate_Min", "First Activity Date", TypeDateTime, 0)),
	managed(sys("ProspectActivityId_Max", "Last Activity Id", TypeText, 36)),
	managed(sys("ProspectActivityName_Max", "Last Activity", TypeText, 200)),
	managed(sys("ProspectActivityDate_Max", "Last Activity Date", TypeDateTime, 0)),
	managed(sys("LastVisitDate", "Last Visit Date", TypeDateTime, 0)),
	managed(sys("NotableEvent", "Notable Event", TypeText, 100)),
	managed(sys("NotableEventdate", "Notable Event Date", TypeDateTime, 0)),
	managed(sys("TotalVisits", "Total Visits", TypeNumber, 0)),
	managed(sys("PageViewsPerVisit", "Page Views Per Visit", TypeNumber, 0)),
	managed(sys("AvgTimePerVisit", "Average Time Per Visit", TypeNumber, 0)),
	sys("RelatedLandingPageId", "Related Landing Page Id", TypeText, 36),
	managed(sys("FirstLandingPageSubmissionId", "First Landing Page Submission Id", TypeText, 36)),
	managed(sys("FirstLandingPageSubmissionDate", "First Landing Page Submission Date", TypeDateTime, 0)),
	sys("RelatedCompanyId", "Related Company Id", TypeText, 36),
	sys("IsPrimaryContact", "Is Primary Contact", TypeBoolean, 0),
	sys("CompanyType", "Company Type", TypeText, 100),
}

var systemIndex = func() map[string]int {
	m := make(map[string]int, len(systemFields))
	for i, f := range systemFields {
		m[f.SchemaName] = i
	}
	return m
}()

// UniqueByDefault are the fields LeadSquared keeps unique in every org.
var UniqueByDefault = []string{"EmailAddress", "Phone", "Mobile"}

// IdentityFields: a lead needs at least one of these (reference §2.4).
var IdentityFields = []string{"FirstName", "LastName", "EmailAddress", "Phone"}

// CustomSchemaName turns a display name into LeadSquared's custom schema
// name: "My Custom Field" → "mx_My_Custom_Field".
func CustomSchemaName(display string) string {
	return "mx_" + strings.Join(strings.Fields(display), "_")
}
