package crm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Activity type codes LeadSquared defines in every org (reference
// lsq-api-other.md §2.1). Custom types are numbered from FirstCustomCode.
const (
	CodeInboundCall   = 21
	CodeOutboundCall  = 22
	CodeLeadCapture   = 23
	CodeFormSubmitted = 97
	CodeOwnerChange   = 3001
	CodeStageChange   = 3002
	CodeLeadMerge     = 3003
	CodeLeadAssociate = 3006

	FirstCustomCode = 200
	MaxTypeFields   = 50 // mx_Custom_1 … mx_Custom_50
)

// Activity categories (the "ActivityType" number on activity records).
const (
	CategoryCustom = 2
	CategoryCall   = 3
	CategorySystem = 26
)

// Activity field data types accepted in a type's field schema.
const (
	ActString     = "String"
	ActNumber     = "Number"
	ActDateTime   = "DateTime"
	ActDate       = "Date"
	ActBoolean    = "Boolean"
	ActDropdown   = "Dropdown"
	ActSearchable = "SearchableDropdown"
	ActUser       = "ActiveUsers"
	// ActLead holds the id of a lead of the org; the store checks that the
	// lead exists on every write (GetLeadReferences lists these).
	ActLead = "Lead"
)

// ValidActivityDataType reports whether t is one of the data types above.
func ValidActivityDataType(t string) bool {
	switch t {
	case ActString, ActNumber, ActDateTime, ActDate, ActBoolean, ActDropdown, ActSearchable, ActUser, ActLead:
		return true
	}
	return false
}

// ActivityField is one custom field of an activity type (mx_Custom_N).
type ActivityField struct {
	SchemaName  string
	DisplayName string
	DataType    string
	IsMandatory bool
	ShowInForm  bool
	Sequence    int
	Options     []string // Dropdown and SearchableDropdown only
	MaxLength   int      // String only; 200 by default
}

// ActivityType is an activity event: a system one LeadSquared defines, or
// a custom one the org created.
type ActivityType struct {
	Code               int
	ID                 string // GUID
	Name               string // ActivityEventName
	DisplayName        string
	Description        string
	Score              int64
	Direction          int // 0 inbound, 1 outbound
	Category           int
	System             bool
	Listed             bool // returned by ActivityTypes.Get (the 3xxx trail types are not)
	TrackLocation      bool
	AllowAttachments   bool
	ShowInActivityGrid bool
	CanDelete          bool
	Active             bool
	Fields             []ActivityField
	CreatedOn          time.Time
	ModifiedOn         time.Time
}

// Field returns the type's custom field with this schema name, or nil.
func (t *ActivityType) Field(name string) *ActivityField {
	for i := range t.Fields {
		if t.Fields[i].SchemaName == name {
			return &t.Fields[i]
		}
	}
	return nil
}

// DirectionName is "Inbound" or "Outbound".
func (t *ActivityType) DirectionName() string {
	if t.Direction == 1 {
		return "Outbound"
	}
	return "Inbound"
}

func systemType(code int, name, display string, cat, dir int, listed bool) ActivityType {
	return ActivityType{Code: code, ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", code), Name: name,
		DisplayName: display, Category: cat, Direction: dir, System: true, Listed: listed, Active: true,
		ShowInActivityGrid: true}
}

// systemTypes are the activity types every org has. They are a Go table,
// not rows, so orgs created at any time have them; their score is 0.
var systemTypes = []ActivityType{
	systemType(CodeInboundCall, "Inbound Phone Call Activity", "Inbound Phone Call Activity", CategoryCall, 0, true),
	systemType(CodeOutboundCall, "Outbound Phone Call Activity", "Outbound Phone Call Activity", CategoryCall, 1, true),
	systemType(CodeLeadCapture, "Lead Capture", "Lead Capture", CategoryCustom, 0, true),
	systemType(CodeFormSubmitted, "Dynamic Form Submission", "Dynamic Form Submission", CategoryCustom, 0, true),
	systemType(CodeOwnerChange, "LeadAssigned", "Lead Owner Changed", CategorySystem, 0, false),
	systemType(CodeStageChange, "StageChange", "Lead Stage Changed", CategorySystem, 0, false),
	systemType(CodeLeadMerge, "LeadMerged", "Lead Merged", CategorySystem, 0, false),
	systemType(CodeLeadAssociate, "LeadAssociated", "Lead Associated", CategorySystem, 0, false),
}

// SystemActivityTypes returns copies of the system types in code order.
func SystemActivityTypes() []ActivityType {
	out := make([]ActivityType, len(systemTypes))
	copy(out, systemTypes)
	return out
}

// SystemActivityType returns the system type with this code, or nil.
func SystemActivityType(code int) *ActivityType {
	for i := range systemTypes {
		if systemTypes[i].Code == code {
			t := systemTypes[i]
			return &t
		}
	}
	return nil
}

// KV is one {"Key","Value"} pair of an activity's Data.
type KV struct {
	Key   string
	Value string
}

// Activity is one event on a lead's timeline.
type Activity struct {
	ID         string
	AutoID     int64 // ProspectActivityAutoId
	LeadID     string
	Code       int
	Note       string
	Status     string
	Owner      string // user id
	Score      int64  // ActivityScore: what the post added to the lead's Score
	Engagement int64  // what counts towards EngagementScore (inbound, score ≥ 1)
	Fields     map[string]string
	Data       []KV // system trail rows (owner/stage change)
	Locked     bool
	CreatedBy  string
	ModifiedBy string
	On         time.Time // ActivityDateTime, shown as CreatedOn
	CreatedOn  time.Time // when the row was written
	ModifiedOn time.Time
}

// ActivityFieldValue is one {"SchemaName","Value"} of an activity write.
type ActivityFieldValue struct {
	SchemaName string
	Value      string
}

// ActivityInput is an activity write as the API parsed it.
type ActivityInput struct {
	Code      int
	Note      *string
	On        time.Time // zero: now
	Fields    []ActivityFieldValue
	OwnerMail string // ActivityOwnerEmail on bulk posts
}

// Activity errors, in LeadSquared's words.
var (
	ErrEventCode       = &Error{Kind: KindInvalidActivity, Msg: "Event Code is invalid or empty"}
	ErrActivityMissing = &Error{Kind: KindUnknownActivity, Msg: "Activity does not exist."}
)

// FieldsError is an MXInvalidActivityFieldsException with LeadSquared's
// message pattern.
func FieldsError(format string, args ...any) error {
	return &Error{Kind: KindActivityFields, Msg: fmt.Sprintf(format, args...)}
}

// NormalizeActivityFields checks values against the type's schema and
// returns them in stored form (system fields Status and Owner separately).
// base holds the current values for an update (nil on create); mandatory
// fields are checked on the result. Errors: KindActivityFields.
func NormalizeActivityFields(t *ActivityType, base map[string]string, in []ActivityFieldValue) (fields map[string]string, status, owner *string, err error) {
	fields = make(map[string]string, len(base)+len(in))
	for k, v := range base {
		fields[k] = v
	}
	for _, fv := range in {
		v := strings.TrimSpace(fv.Value)
		switch fv.SchemaName {
		case "Status":
			status = &v
			continue
		case "Owner":
			owner = &v
			continue
		case "ActivityEvent_Note":
			continue // the note travels as ActivityNote
		}
		f := t.Field(fv.SchemaName)
		if f == nil {
			return nil, nil, nil, FieldsError("Field name : '%s' does not exist for activity '%s'.", truncateText(fv.SchemaName, 100), t.Name)
		}
		if v == "" {
			delete(fields, f.SchemaName)
			continue
		}
		nv, err := normalizeActivityValue(f, v)
		if err != nil {
			return nil, nil, nil, err
		}
		fields[f.SchemaName] = nv
	}
	for _, f := range t.Fields {
		if f.IsMandatory && fields[f.SchemaName] == "" {
			return nil, nil, nil, FieldsError("Field name : '%s' of datatype : '%s' is mandatory.", f.SchemaName, f.DataType)
		}
	}
	return fields, status, owner, nil
}

func normalizeActivityValue(f *ActivityField, v string) (string, error) {
	bad := func() error {
		return FieldsError("Field name : '%s' of datatype : '%s' has an invalid value.", f.SchemaName, f.DataType)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return "", bad()
	}
	switch f.DataType {
	case ActString:
		limit := f.MaxLength
		if limit <= 0 {
			limit = 200
		}
		if len([]rune(v)) > limit {
			return "", FieldsError("Field name : '%s' of datatype : '%s' is longer than %d characters.", f.SchemaName, f.DataType, limit)
		}
	case ActNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return "", bad()
		}
	case ActBoolean:
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			return "1", nil
		case "0", "false", "no":
			return "0", nil
		}
		return "", bad()
	case ActDropdown, ActSearchable:
		for _, o := range f.Options {
			if strings.EqualFold(o, v) {
				return o, nil
			}
		}
		return "", FieldsError("Field name : '%s' of datatype : '%s' has a value that is not one of its options.", f.SchemaName, f.DataType)
	case ActUser, ActLead:
		if !ValidID(v) {
			return "", bad()
		}
		return strings.ToLower(v), nil
	case ActDateTime, ActDate:
		t, err := time.Parse("2006-01-02 15:04:05", v)
		if len(v) != 19 || err != nil {
			if f.DataType != ActDate || len(v) != 10 {
				return "", bad()
			}
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return "", bad()
			}
		}
		return t.Format("2006-01-02 15:04:05.000"), nil
	}
	if len(v) > 4000 {
		return "", bad()
	}
	return v, nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// EngagementWindow is how far back EngagementScore counts activities.
const EngagementWindow = 30 * 24 * time.Hour

// EngagementOf is what an activity of type t with score adds to the
// engagement score: its score when the type is inbound and the score is
// at least 1, else 0 (LeadSquared's default engagement criteria).
func EngagementOf(t *ActivityType, score int64) int64 {
	if t.Direction == 0 && score >= 1 {
		return score
	}
	return 0
}
