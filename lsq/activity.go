package lsq

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Field is one SchemaName/Value pair of an activity's Fields.
type Field struct {
	SchemaName string
	Value      string
}

// NewActivity is the body of ProspectActivity.svc/Create and of each row
// of the bulk posts. Name the lead by RelatedProspectId, or by
// EmailAddress (which creates the lead with FirstName, LastName and Phone
// when no lead has it), or — in bulk by field — by SearchByValue.
type NewActivity struct {
	RelatedProspectId  string   `json:",omitempty"`
	EmailAddress       string   `json:",omitempty"`
	FirstName          string   `json:",omitempty"`
	LastName           string   `json:",omitempty"`
	Phone              string   `json:",omitempty"`
	SearchByValue      string   `json:",omitempty"`
	ActivityEvent      int      // the type's code
	ActivityNote       string   `json:",omitempty"`
	ActivityDateTime   DateTime `json:",omitzero"`
	ActivityOwnerEmail string   `json:",omitempty"`
	IncludeLeadScore   bool     `json:",omitempty"`
	Fields             []Field  `json:",omitempty"`
}

// CreateActivity posts an activity and returns Message (Id, and LeadScore
// when IncludeLeadScore was set).
func (c *Client) CreateActivity(ctx context.Context, a NewActivity) (Message, error) {
	return c.message(ctx, postWrite("ProspectActivity.svc/Create"), nil, a)
}

// CreateLeadAndActivity creates or updates a lead (found by the SearchBy
// pair in lead, default EmailAddress) and posts an activity on it in one
// transaction (CreateCustom). Message has Id (activity),
// RelatedProspectId (lead) and IsCreated.
func (c *Client) CreateLeadAndActivity(ctx context.Context, lead Attrs, a NewActivity) (Message, error) {
	body := struct {
		LeadDetails Attrs
		Activity    NewActivity
	}{nonNil(lead), a}
	return c.message(ctx, postWrite("ProspectActivity.svc/CreateCustom"), nil, body)
}

// ActivityResult is one row of a bulk activity post.
type ActivityResult struct {
	RowNumber          int
	ActivityCreated    bool
	ProspectActivityId *string
	ExceptionType      *string
	ExceptionMessage   *string
}

// BulkCreateActivities posts up to 25 activities by lead id
// (Bulk/CustomActivity/Add/ByLeadId), one result per row.
func (c *Client) BulkCreateActivities(ctx context.Context, acts []NewActivity) ([]ActivityResult, error) {
	var out struct{ Response []ActivityResult }
	err := c.call(ctx, postWrite("ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId"), nil, nonNilSlice(acts), &out)
	return out.Response, err
}

// BulkCreateActivitiesByField posts up to 25 activities naming leads by
// SearchByValue of the unique field searchBy (EmailAddress, Phone, …).
func (c *Client) BulkCreateActivitiesByField(ctx context.Context, searchBy string, acts []NewActivity) ([]ActivityResult, error) {
	var out struct{ Response []ActivityResult }
	err := c.call(ctx, postWrite("ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadField"), query("searchBy", searchBy), nonNilSlice(acts), &out)
	return out.Response, err
}

// BulkCreateActivitiesByOpportunity posts up to 25 activities on the
// opportunity opportunityID (Bulk/CustomActivity/Add/ByOpportunityId),
// one result per row; each row needs ActivityEvent and
// ActivityOwnerEmail. LocalSquared has no opportunities: there every
// well-formed row reports MXInvalidEntityException.
func (c *Client) BulkCreateActivitiesByOpportunity(ctx context.Context, opportunityID string, acts []NewActivity) ([]ActivityResult, error) {
	var out struct{ Response []ActivityResult }
	err := c.call(ctx, postWrite("ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId"), query("opportunityId", opportunityID), nonNilSlice(acts), &out)
	return out.Response, err
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ActivityUpdate is the body of CustomActivity/Update.
type ActivityUpdate struct {
	ProspectActivityId string
	ActivityEvent      int
	ActivityNote       string  `json:",omitempty"`
	Fields             []Field `json:",omitempty"`
}

// UpdateActivity changes a custom activity's note and fields.
func (c *Client) UpdateActivity(ctx context.Context, u ActivityUpdate) error {
	_, err := c.message(ctx, postWrite("ProspectActivity.svc/CustomActivity/Update"), nil, u)
	return err
}

// LockActivity locks a custom activity against updates and deletes.
func (c *Client) LockActivity(ctx context.Context, activityID string) error {
	return c.call(ctx, getWrite("ProspectActivity.svc/CustomActivity/Lock"), query("activityId", activityID), nil, nil)
}

// Activity is an activity record of the activity reads.
type Activity struct {
	Id                string
	EventCode         int
	EventName         string
	ActivityScore     int
	CreatedOn         DateTime
	ModifiedOn        DateTime
	ActivityType      int
	Type              string
	RelatedProspectId string
	Data              []struct{ Key, Value string }
	ActivityFields    map[string]string
}

// Activities is a page of activity records with the total count.
type Activities struct {
	RecordCount        int
	ProspectActivities []Activity
}

// LeadActivities returns a lead's activities, newest first
// (Retrieve?leadId=); event 0 means every type, offset is rows to skip,
// rowCount 0 means the server's default (25).
func (c *Client) LeadActivities(ctx context.Context, leadID string, event, offset, rowCount int) (Activities, error) {
	body := map[string]any{}
	if event != 0 {
		body["Parameter"] = map[string]int{"ActivityEvent": event}
	}
	if rowCount > 0 || offset > 0 {
		body["Paging"] = map[string]int{"Offset": offset, "RowCount": max(rowCount, 25)}
	}
	var out Activities
	err := c.call(ctx, postRead("ProspectActivity.svc/Retrieve"), query("leadId", leadID), body, &out)
	return out, err
}

// FieldMeta describes one field of an activity type (or, with Value, of
// one activity).
type FieldMeta struct {
	SchemaName     string
	DisplayName    string
	Value          *string
	DataType       string
	IsMandatory    bool
	ShowInForm     bool
	Sequence       int
	OptionSet      json.RawMessage
	MaxFieldLength int
}

// ActivityDetails is the answer of GetActivityDetails and
// GetActivitySetting: the type and its fields (with values for one activity).
type ActivityDetails struct {
	ID          string
	Name        string
	DisplayName string
	Fields      []FieldMeta
}

// ActivityDetails returns one activity with its field values. An unknown
// id is an error for which IsNotFound holds.
func (c *Client) ActivityDetails(ctx context.Context, activityID string) (ActivityDetails, error) {
	var out ActivityDetails
	err := c.call(ctx, getOp("ProspectActivity.svc/GetActivityDetails"), query("activityId", activityID), nil, &out)
	return out, err
}

// ActivitySetting returns an activity type's fields by its code.
func (c *Client) ActivitySetting(ctx context.Context, code string) (ActivityDetails, error) {
	var out ActivityDetails
	err := c.call(ctx, getOp("ProspectActivity.svc/CustomActivity/GetActivitySetting"), query("code", code), nil, &out)
	return out, err
}

// ActivityWindow selects activities modified in an inclusive window.
type ActivityWindow struct {
	ActivityEvent int // mandatory for ActivitiesByEvent; ignored by RecentActivities
	From, To      time.Time
	SortBy        string // ModifiedOn (default) or CreatedOn
	SortDesc      bool
	PageIndex     int // 1-based; 0 means 1
	PageSize      int // 0 means 100
}

func (w ActivityWindow) body(withEvent bool) any {
	p := map[string]any{"FromDate": FormatDateTimeSeconds(w.From), "ToDate": FormatDateTimeSeconds(w.To)}
	if withEvent {
		p["ActivityEvent"] = w.ActivityEvent
	}
	b := map[string]any{"Parameter": p, "Paging": pageOf(w.PageIndex, w.PageSize, 100)}
	if s := sortOf(w.SortBy, w.SortDesc); s != nil {
		b["Sorting"] = s
	}
	return b
}

// ActivitiesByEvent returns the total and one page of flat activity
// objects of one type (CustomActivity/RetrieveByActivityEvent).
func (c *Client) ActivitiesByEvent(ctx context.Context, w ActivityWindow) (int, []map[string]any, error) {
	var out struct {
		RecordCount int
		List        []map[string]any
	}
	err := c.call(ctx, postRead("ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent"), nil, w.body(true), &out)
	return out.RecordCount, out.List, err
}

// RecentActivities returns activities of every type modified in the
// window (RetrieveRecentlyModified).
func (c *Client) RecentActivities(ctx context.Context, w ActivityWindow) (Activities, error) {
	var out Activities
	err := c.call(ctx, postRead("ProspectActivity.svc/RetrieveRecentlyModified"), nil, w.body(false), &out)
	return out, err
}

// ActivityChange is one changed value of a custom activity.
type ActivityChange struct {
	ProspectActivityId string
	RelatedProspectId  string
	ActivityEvent      int
	FieldName          string
	OldValue           string
	NewValue           string
	ModifiedBy         string
	ModifiedOn         DateTime
}

// ActivityChanges returns changes in the window (RetrieveActivityChange),
// for the given event codes or for one activity id (not both).
func (c *Client) ActivityChanges(ctx context.Context, from, to time.Time, events []int, activityID string, pageIndex, pageSize int) (int, []ActivityChange, error) {
	p := map[string]any{"FromDate": FormatDateTimeSeconds(from), "ToDate": FormatDateTimeSeconds(to)}
	if len(events) > 0 {
		p["ActivityEvents"] = events
	}
	if activityID != "" {
		p["ActivityID"] = activityID
	}
	var out struct {
		RecordCount int
		Activities  []ActivityChange
	}
	err := c.call(ctx, postRead("ProspectActivity.svc/RetrieveActivityChange"), nil,
		map[string]any{"Parameter": p, "Paging": pageOf(pageIndex, pageSize, 25)}, &out)
	return out.RecordCount, out.Activities, err
}

// DeleteActivities deletes a lead's unlocked custom activities of the
// given event codes, optionally within [from, to] (zero: unbounded).
// Administrator keys only.
func (c *Client) DeleteActivities(ctx context.Context, leadID string, events []int, from, to time.Time) error {
	list := make([]string, len(events))
	for i, e := range events {
		list[i] = strconv.Itoa(e)
	}
	body := map[string]any{"ProspectId": leadID, "ActivityEventList": list}
	if !from.IsZero() {
		body["FromDate"] = FormatDateTimeSeconds(from)
	}
	if !to.IsZero() {
		body["ToDate"] = FormatDateTimeSeconds(to)
	}
	_, err := c.message(ctx, postWrite("ProspectActivity.svc/DeleteActivities"), nil, body)
	return err
}

// ActivityType is one element of ActivityTypes.Get.
type ActivityType struct {
	ActivityEvent      int
	ActivityEventName  string
	DisplayName        string
	Description        string
	EventType          int
	Direction          int
	Score              int
	IsActive           bool
	CanDeleteActivity  bool
	ActivityProperties string // JSON text holding FormMetaData
}

// ActivityTypes lists the org's activity types.
func (c *Client) ActivityTypes(ctx context.Context) ([]ActivityType, error) {
	var out []ActivityType
	err := c.call(ctx, getOp("ProspectActivity.svc/ActivityTypes.Get"), nil, nil, &out)
	return out, err
}

// NewActivityType is the body of CreateType and (with ID)
// CustomActivityType/Update. Fields are FieldMeta-like objects; see the
// LocalSquared README for the accepted keys.
type NewActivityType struct {
	ID                string           `json:",omitempty"`
	ActivityEventName string           `json:",omitempty"`
	Score             *int             `json:",omitempty"`
	Direction         *int             `json:",omitempty"`
	Description       string           `json:",omitempty"`
	Fields            []map[string]any `json:",omitempty"`
}

// CreateActivityType creates a custom type (Administrator keys) and
// returns its code.
func (c *Client) CreateActivityType(ctx context.Context, t NewActivityType) (string, error) {
	m, err := c.message(ctx, postWrite("ProspectActivity.svc/CreateType"), nil, t)
	return m.Id, err
}

// UpdateActivityType changes a custom type found by t.ID (Administrator keys).
func (c *Client) UpdateActivityType(ctx context.Context, t NewActivityType) error {
	_, err := c.message(ctx, postWrite("ProspectActivity.svc/CustomActivityType/Update"), nil, t)
	return err
}

// ActivitySearch is an Activity/Retrieve/BySearchParameter query:
// AdvancedSearch is LeadSquared's condition document
// ({"GrpConOp","Conditions":[{"Type":"Activity","RowCondition":[…]}]}),
// sent as the escaped string the API takes; "" matches every activity of
// the type.
type ActivitySearch struct {
	ActivityEvent  int
	AdvancedSearch string
	Columns        []string // Include_CSV; none: full activity objects
	SortBy         string
	SortDesc       bool
	PageIndex      int // 1-based; 0 means 1
	PageSize       int // 0 means 100
}

// SearchActivities runs an advanced activity search (administrator keys)
// and returns the total and one page of activity objects.
func (c *Client) SearchActivities(ctx context.Context, q ActivitySearch) (int, []map[string]any, error) {
	b := map[string]any{"ActivityEvent": q.ActivityEvent, "Paging": pageOf(q.PageIndex, q.PageSize, 100)}
	if q.AdvancedSearch != "" {
		b["AdvancedSearch"] = q.AdvancedSearch
	}
	if cols := colsOf(q.Columns); cols != nil {
		b["Columns"] = cols
	}
	if s := sortOf(q.SortBy, q.SortDesc); s != nil {
		b["Sorting"] = s
	}
	var out struct {
		RecordCount        int
		ProspectActivities []map[string]any
	}
	err := c.call(ctx, postRead("ProspectActivity.svc/Activity/Retrieve/BySearchParameter"), nil, b, &out)
	return out.RecordCount, out.ProspectActivities, err
}

// LeadReferences returns the total and one page (at most 50) of the
// activities whose Lead fields name leadID (GetLeadReferences), in
// GetActivityDetails' shape.
func (c *Client) LeadReferences(ctx context.Context, leadID string, pageIndex, pageSize int) (int, []ActivityDetails, error) {
	var out struct {
		RecordCount        int
		ProspectActivities []ActivityDetails
	}
	err := c.call(ctx, postRead("ProspectActivity.svc/GetLeadReferences"), url.Values{"leadId": {leadID}},
		map[string]any{"Paging": pageOf(pageIndex, pageSize, 50)}, &out)
	return out.RecordCount, out.ProspectActivities, err
}
