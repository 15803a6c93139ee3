package lsq

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/localsquared/localsquared/internal/jsonscan"
)

// Attr is one Attribute/Value pair, the unit of lead writes.
type Attr struct {
	Attribute string
	Value     string
}

// Attrs is a lead write body: a list of Attribute/Value pairs.
type Attrs []Attr

// Pairs builds Attrs from alternating names and values:
// Pairs("FirstName", "Ann", "EmailAddress", "ann@example.com"). An odd
// trailing name gets the empty value (which clears the field).
func Pairs(kv ...string) Attrs {
	a := make(Attrs, 0, (len(kv)+1)/2)
	for i := 0; i < len(kv); i += 2 {
		v := ""
		if i+1 < len(kv) {
			v = kv[i+1]
		}
		a = append(a, Attr{kv[i], v})
	}
	return a
}

// AttrsOf converts a map to Attrs, sorted by name so bodies are stable.
func AttrsOf(m map[string]string) Attrs {
	a := make(Attrs, 0, len(m))
	for k, v := range m {
		a = append(a, Attr{k, v})
	}
	sort.Slice(a, func(i, j int) bool { return a[i].Attribute < a[j].Attribute })
	return a
}

// Get returns the value of the first pair named name.
func (a Attrs) Get(name string) (string, bool) {
	for _, p := range a {
		if p.Attribute == name {
			return p.Value, true
		}
	}
	return "", false
}

// With returns a with name set to value, replacing an existing pair.
func (a Attrs) With(name, value string) Attrs {
	for i, p := range a {
		if p.Attribute == name {
			out := append(Attrs(nil), a...)
			out[i].Value = value
			return out
		}
	}
	return append(a[:len(a):len(a)], Attr{name, value})
}

// Lead is one lead as the server returns it: schema name → value. Values
// are text as on the wire; JSON null reads as "" (use Has to tell an
// absent field from an empty one). The typed getters parse on demand.
type Lead map[string]string

// UnmarshalJSON reads a flat lead object; numbers and booleans become
// their JSON text, null becomes "".
func (l *Lead) UnmarshalJSON(b []byte) error {
	if m, ok := scanLead(b); ok {
		*l = m
		return nil
	}
	m, err := decodeLead(b)
	if err != nil {
		return err
	}
	*l = m
	return nil
}

// decodeLead is UnmarshalJSON through encoding/json: any JSON object,
// nested values kept as their JSON text, and encoding/json's errors.
func decodeLead(b []byte) (Lead, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	m := make(Lead, len(raw))
	for k, v := range raw {
		m[k] = scalarText(v)
	}
	return m, nil
}

// scanLead reads an object whose values are all strings, numbers,
// booleans or null, as decodeLead would, without decoding it twice
// through encoding/json (once into raw values, then each string): that
// was most of the SDK's cost per lead read. It reports false for
// anything else, nested values or bad JSON, which decodeLead then reads,
// errors included.
func scanLead(b []byte) (Lead, bool) {
	i, empty, ok := jsonscan.Open(b, jsonscan.Space(b, 0), '{', '}')
	if !ok {
		return nil, false
	}
	m := make(Lead, bytes.Count(b, []byte{':'}))
	for more := !empty; more; {
		// encoding/json mends a key's invalid UTF-8; leave that to it.
		var k, v string
		if k, i, ok = jsonscan.String(b, i); !ok || !utf8.ValidString(k) {
			return nil, false
		}
		if i = jsonscan.Space(b, i); i >= len(b) || b[i] != ':' {
			return nil, false
		}
		if v, i, ok = scanScalar(b, jsonscan.Space(b, i+1)); ok {
			m[k] = v
			i, more, ok = jsonscan.After(b, i, '}')
		}
		if !ok {
			return nil, false
		}
	}
	return m, jsonscan.Space(b, i) == len(b)
}

// scanScalar reads the string, number, boolean or null at b[i:] as lead
// text, and the index after it.
func scanScalar(b []byte, i int) (string, int, bool) {
	if i < len(b) && b[i] == '"' {
		return jsonscan.String(b, i)
	}
	j := jsonscan.Bare(b, i)
	switch {
	case j < 0:
		return "", 0, false
	case b[i] == 'n':
		return "", j, true // null
	}
	return string(b[i:j]), j, true
}

// scalarText turns one JSON value into lead text.
func scalarText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return ""
	case v[0] == '"':
		s, _ := jsonString(v)
		return s
	}
	return string(v)
}

// ID returns ProspectID (or ProspectId, as some reads spell it).
func (l Lead) ID() string {
	if v := l["ProspectID"]; v != "" {
		return v
	}
	return l["ProspectId"]
}

// Get returns the field's text, "" when absent or null.
func (l Lead) Get(name string) string { return l[name] }

// Has reports whether the field is present in the answer.
func (l Lead) Has(name string) bool { _, ok := l[name]; return ok }

// Int parses the field as an integer; an empty field is 0.
func (l Lead) Int(name string) (int64, error) {
	v := l[name]
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("lsq: lead field %s: %q is not an integer", name, v)
	}
	return n, nil
}

// Float parses the field as a number; an empty field is 0.
func (l Lead) Float(name string) (float64, error) {
	v := l[name]
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("lsq: lead field %s: %q is not a number", name, v)
	}
	return f, nil
}

// Bool parses the field as a boolean: "1", "true", "yes" are true; "",
// "0", "false", "no" false (any case).
func (l Lead) Bool(name string) (bool, error) {
	switch strings.ToLower(l[name]) {
	case "1", "true", "yes":
		return true, nil
	case "", "0", "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("lsq: lead field %s: %q is not a boolean", name, l[name])
}

// Time parses the field as any date form ParseOutput accepts; an empty
// field is the zero time.
func (l Lead) Time(name string) (time.Time, error) {
	v := l[name]
	if v == "" {
		return time.Time{}, nil
	}
	return ParseOutput(v)
}

// Attrs returns the lead as a write body, sorted by name.
func (l Lead) Attrs() Attrs { return AttrsOf(l) }

// propertyList is a lead as a LeadPropertyList.
type propertyList struct {
	LeadPropertyList []struct {
		Attribute string
		Value     json.RawMessage
	}
}

func (p propertyList) lead() Lead {
	l := make(Lead, len(p.LeadPropertyList))
	for _, a := range p.LeadPropertyList {
		l[a.Attribute] = scalarText(a.Value)
	}
	return l
}

func leadsOf(ps []propertyList) []Lead {
	leads := make([]Lead, len(ps))
	for i, p := range ps {
		leads[i] = p.lead()
	}
	return leads
}

// CreateLead creates a lead (Lead.Create) and returns its ProspectID.
// A unique value already taken is an error for which IsDuplicate holds.
func (c *Client) CreateLead(ctx context.Context, attrs Attrs) (string, error) {
	m, err := c.message(ctx, postWrite("LeadManagement.svc/Lead.Create"), nil, nonNil(attrs))
	return m.Id, err
}

// UpdateLead changes the given fields of lead id (Lead.Update). An unknown
// lead is an error for which IsNotFound holds.
func (c *Client) UpdateLead(ctx context.Context, id string, attrs Attrs) error {
	_, err := c.message(ctx, postWrite("LeadManagement.svc/Lead.Update"), query("leadId", id), nonNil(attrs))
	return err
}

// CreateOrUpdateLead upserts a lead (Lead.CreateOrUpdate); a SearchBy pair
// in attrs chooses the matching field. It returns Message.Id (the lead)
// and AffectedRows.
func (c *Client) CreateOrUpdateLead(ctx context.Context, attrs Attrs) (Message, error) {
	return c.message(ctx, postWrite("LeadManagement.svc/Lead.CreateOrUpdate"), nil, nonNil(attrs))
}

// CaptureLead runs Lead.Capture; behavior is "" or a LeadUpdateBehavior
// (DoNotUpdate, UpdateOnlyEmptyFields, DoNotUpdateUniqueFields). It
// returns Message.Id (the lead), RelatedId and IsCreated.
func (c *Client) CaptureLead(ctx context.Context, attrs Attrs, behavior string) (Message, error) {
	var q url.Values
	if behavior != "" {
		q = query("LeadUpdateBehavior", behavior)
	}
	return c.message(ctx, postWrite("LeadManagement.svc/Lead.Capture"), q, nonNil(attrs))
}

func nonNil(a Attrs) Attrs {
	if a == nil {
		return Attrs{}
	}
	return a
}

// one returns the first lead of a list answer, or ErrNotFound.
func one(leads []Lead, what string) (Lead, error) {
	if len(leads) == 0 {
		return nil, fmt.Errorf("lsq: no lead with %s: %w", what, ErrNotFound)
	}
	return leads[0], nil
}

// GetLead returns the lead with ProspectID id (Leads.GetById). An empty
// answer is an error for which IsNotFound holds.
func (c *Client) GetLead(ctx context.Context, id string) (Lead, error) {
	var out []Lead
	if err := c.call(ctx, getOp("LeadManagement.svc/Leads.GetById"), query("id", id), nil, &out); err != nil {
		return nil, err
	}
	return one(out, "id "+id)
}

// GetLeadByEmail returns the lead with that email address
// (Leads.GetByEmailaddress), or an error for which IsNotFound holds.
func (c *Client) GetLeadByEmail(ctx context.Context, email string) (Lead, error) {
	var out []Lead
	if err := c.call(ctx, getOp("LeadManagement.svc/Leads.GetByEmailaddress"), query("emailaddress", email), nil, &out); err != nil {
		return nil, err
	}
	return one(out, "email "+email)
}

// GetLeadByPhone returns the lead whose Phone or Mobile matches
// (RetrieveLeadByPhoneNumber), or an error for which IsNotFound holds.
func (c *Client) GetLeadByPhone(ctx context.Context, phone string) (Lead, error) {
	var out []Lead
	if err := c.call(ctx, getOp("LeadManagement.svc/RetrieveLeadByPhoneNumber"), query("phone", phone), nil, &out); err != nil {
		return nil, err
	}
	return one(out, "phone "+phone)
}

// QuickSearchLeads returns the leads matching key (Leads.GetByQuickSearch);
// none is an empty slice, not an error.
func (c *Client) QuickSearchLeads(ctx context.Context, key string) ([]Lead, error) {
	var out []Lead
	err := c.call(ctx, getOp("LeadManagement.svc/Leads.GetByQuickSearch"), query("key", key), nil, &out)
	return out, err
}

// LeadQuery is the body of Leads.Get: one condition, columns, sort, page.
type LeadQuery struct {
	LookupName  string   // schema name of the field to compare
	LookupValue string   // value (comma-separated for IN)
	SqlOperator string   // =, LIKE, >, <, <=, >=, <>, IN; default "="
	Columns     []string // schema names to return; nil: all
	SortBy      string   // schema name; "" leaves the server's order
	SortDesc    bool
	PageIndex   int // 1-based; 0 means 1
	PageSize    int // 0 means 100
}

type paging struct {
	PageIndex int
	PageSize  int
}

type columns struct {
	Include_CSV string
}

type sorting struct {
	ColumnName string
	Direction  string
}

func sortOf(by string, desc bool) *sorting {
	if by == "" {
		return nil
	}
	d := "0"
	if desc {
		d = "1"
	}
	return &sorting{by, d}
}

func pageOf(i, n, def int) paging {
	if i <= 0 {
		i = 1
	}
	if n <= 0 {
		n = def
	}
	return paging{i, n}
}

func colsOf(c []string) *columns {
	if len(c) == 0 {
		return nil
	}
	return &columns{strings.Join(c, ",")}
}

// SearchLeads runs Leads.Get and returns one page of flat lead objects.
func (c *Client) SearchLeads(ctx context.Context, q LeadQuery) ([]Lead, error) {
	opr := q.SqlOperator
	if opr == "" {
		opr = "="
	}
	body := struct {
		Parameter struct{ LookupName, LookupValue, SqlOperator string }
		Columns   *columns `json:",omitempty"`
		Sorting   *sorting `json:",omitempty"`
		Paging    paging
	}{Columns: colsOf(q.Columns), Sorting: sortOf(q.SortBy, q.SortDesc), Paging: pageOf(q.PageIndex, q.PageSize, 100)}
	body.Parameter.LookupName, body.Parameter.LookupValue, body.Parameter.SqlOperator = q.LookupName, q.LookupValue, opr
	var out []Lead
	err := c.call(ctx, postRead("LeadManagement.svc/Leads.Get"), nil, body, &out)
	return out, err
}

// LeadWindow is the body of Leads.RecentlyModified.
type LeadWindow struct {
	From, To  time.Time // inclusive window on LeadLastModifiedOn (UTC)
	Columns   []string  // nil: all
	SortBy    string    // e.g. "ProspectAutoId"
	SortDesc  bool
	PageIndex int // 1-based; 0 means 1
	PageSize  int // 0 means 1000 (the server caps it at 5000)
}

// RecentlyModifiedLeads returns the window's total count and one page of
// leads (Leads.RecentlyModified).
func (c *Client) RecentlyModifiedLeads(ctx context.Context, w LeadWindow) (int, []Lead, error) {
	body := struct {
		Parameter struct{ FromDate, ToDate string }
		Columns   *columns `json:",omitempty"`
		Sorting   *sorting `json:",omitempty"`
		Paging    paging
	}{Columns: colsOf(w.Columns), Sorting: sortOf(w.SortBy, w.SortDesc), Paging: pageOf(w.PageIndex, w.PageSize, 1000)}
	body.Parameter.FromDate, body.Parameter.ToDate = FormatDateTimeSeconds(w.From), FormatDateTimeSeconds(w.To)
	var out struct {
		RecordCount int
		Leads       []propertyList
	}
	if err := c.call(ctx, postRead("LeadManagement.svc/Leads.RecentlyModified"), nil, body, &out); err != nil {
		return 0, nil, err
	}
	return out.RecordCount, leadsOf(out.Leads), nil
}

// LeadsByIDs returns the total count and one page of the leads with the
// given ids (Leads/Retrieve/ByIds). columns is mandatory on LeadSquared.
func (c *Client) LeadsByIDs(ctx context.Context, ids, cols []string, pageIndex, pageSize int) (int, []Lead, error) {
	body := struct {
		SearchParameters struct{ LeadIds []string }
		Columns          columns
		Paging           paging
	}{Columns: columns{strings.Join(cols, ",")}, Paging: pageOf(pageIndex, pageSize, 1000)}
	body.SearchParameters.LeadIds = ids
	if body.SearchParameters.LeadIds == nil {
		body.SearchParameters.LeadIds = []string{}
	}
	var out struct {
		RecordCount int
		Leads       []Lead
	}
	err := c.call(ctx, postRead("LeadManagement.svc/Leads/Retrieve/ByIds"), nil, body, &out)
	return out.RecordCount, out.Leads, err
}

// BulkResult is one row of a bulk lead write's answer. RowNumber is
// 1-based in the order sent; a rejected row has ExceptionType set.
type BulkResult struct {
	RowNumber        int
	LeadId           string
	LeadCreated      bool
	LeadUpdated      bool
	AffectedRows     int
	ExceptionType    string
	ExceptionMessage string
}

// UnmarshalJSON tolerates null for LeadId and the exception fields.
func (r *BulkResult) UnmarshalJSON(b []byte) error {
	var raw struct {
		RowNumber        int
		LeadId           *string
		LeadCreated      bool
		LeadUpdated      bool
		AffectedRows     int
		ExceptionType    *string
		ExceptionMessage *string
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*r = BulkResult{RowNumber: raw.RowNumber, LeadCreated: raw.LeadCreated, LeadUpdated: raw.LeadUpdated, AffectedRows: raw.AffectedRows}
	if raw.LeadId != nil {
		r.LeadId = *raw.LeadId
	}
	if raw.ExceptionType != nil {
		r.ExceptionType = *raw.ExceptionType
	}
	if raw.ExceptionMessage != nil {
		r.ExceptionMessage = *raw.ExceptionMessage
	}
	return nil
}

// Failed reports whether the row was rejected.
func (r BulkResult) Failed() bool {
	return r.ExceptionType != "" || r.LeadId == "" && !r.LeadCreated && !r.LeadUpdated
}

// Bulk caps per call.
const (
	MaxBulkCreate         = 50
	MaxBulkCreateOrUpdate = 25
)

func rows(in []Attrs) []Attrs {
	out := make([]Attrs, len(in))
	for i, a := range in {
		out[i] = nonNil(a)
	}
	return out
}

// BulkCreateLeads creates up to MaxBulkCreate leads in one call
// (Lead/Bulk/Create) and returns one result per row. Writes are not
// retried except on 429 (see RetryPolicy).
func (c *Client) BulkCreateLeads(ctx context.Context, leads []Attrs) ([]BulkResult, error) {
	var out []BulkResult
	err := c.call(ctx, postWrite("LeadManagement.svc/Lead/Bulk/Create"), nil, rows(leads), &out)
	return out, err
}

// BulkCreateOrUpdateLeads upserts up to MaxBulkCreateOrUpdate leads
// (Lead/Bulk/CreateOrUpdate); each row may carry its own SearchBy pair.
func (c *Client) BulkCreateOrUpdateLeads(ctx context.Context, leads []Attrs) ([]BulkResult, error) {
	var out []BulkResult
	err := c.call(ctx, postWrite("LeadManagement.svc/Lead/Bulk/CreateOrUpdate"), nil, rows(leads), &out)
	return out, err
}

// BulkUpdateLeads sets one field on up to 50 leads (Lead/Bulk/Update) and
// returns AffectedRows.
func (c *Client) BulkUpdateLeads(ctx context.Context, ids []string, field Attr) (int, error) {
	body := struct {
		LeadIds    []string
		LeadFields Attr
	}{ids, field}
	m, err := c.message(ctx, postWrite("LeadManagement.svc/Lead/Bulk/Update"), nil, body)
	return m.AffectedRows, err
}

// BulkUpdateV2Result is the answer of Lead/Bulk/UpdateV2.
type BulkUpdateV2Result struct {
	Status struct {
		TotalCount, SuccessCount, FailureCount, UnProcessedCount int
		Message                                                  string
	}
	Details struct {
		FailedLeads, UnProcessedLeads []struct{ Identifier, IdentifierValue, Reason string }
	}
}

// BulkUpdateLeadsV2 updates up to 25 leads, several fields each
// (Lead/Bulk/UpdateV2). searchByKey is a unique field ("" matches by the
// ProspectId pair in each row); unprocessed asks for unknown leads to be
// listed as unprocessed instead of failed.
func (c *Client) BulkUpdateLeadsV2(ctx context.Context, searchByKey string, unprocessed bool, leads []Attrs) (BulkUpdateV2Result, error) {
	type fields struct{ Fields Attrs }
	body := struct {
		SearchByKey        string `json:",omitempty"`
		Options            struct{ PushNonExistentLeadsToUnProcessedList bool }
		LeadPropertiesList []fields
	}{SearchByKey: searchByKey, LeadPropertiesList: make([]fields, len(leads))}
	body.Options.PushNonExistentLeadsToUnProcessedList = unprocessed
	for i, l := range leads {
		body.LeadPropertiesList[i] = fields{nonNil(l)}
	}
	var out BulkUpdateV2Result
	err := c.call(ctx, postWrite("LeadManagement.svc/Lead/Bulk/UpdateV2"), nil, body, &out)
	return out, err
}

// DeleteLead deletes lead id for good (Lead/Delete/ById); the org must
// allow it.
func (c *Client) DeleteLead(ctx context.Context, id string) error {
	_, err := c.message(ctx, getWrite("LeadManagement.svc/Lead/Delete/ById"), query("leadId", id), nil)
	return err
}

// MergeLeads merges childID into masterID (Lead.Merge): the master keeps
// its values and takes the child's activities, tasks, notes and list
// memberships; the child is deleted. The master's Lead Merge activity
// (event 3003) is the audit id MergedChildLeads takes.
func (c *Client) MergeLeads(ctx context.Context, masterID, childID string) error {
	return c.call(ctx, postWrite("LeadManagement.svc/Lead.Merge"), query("masterId", masterID, "childId", childID), struct{}{}, nil)
}

// MergedChildLeads returns the leads a merge absorbed, as they were
// (GetMergedChildLeadsByAuditId); auditID is the id of the master's Lead
// Merge activity.
func (c *Client) MergedChildLeads(ctx context.Context, auditID string) ([]Lead, error) {
	body := struct {
		Parameter struct{ MergeAuditId string }
	}{}
	body.Parameter.MergeAuditId = auditID
	var out []Lead
	err := c.call(ctx, postRead("LeadManagement.svc/GetMergedChildLeadsByAuditId"), nil, body, &out)
	return out, err
}

// ConvertLead makes visitor id a lead (Lead.Convert), setting attrs
// (which may be empty); on a lead it is an update.
func (c *Client) ConvertLead(ctx context.Context, id string, attrs Attrs) error {
	_, err := c.message(ctx, postWrite("LeadManagement.svc/Lead.Convert"), query("leadId", id), nonNil(attrs))
	return err
}

// LeadField is one item of LeadsMetaData.Get: a system or custom lead
// field. Properties the server sends as null read as the zero value.
type LeadField struct {
	Entity              string
	SchemaName          string
	DisplayName         string
	DataType            string // Text, Number, Email, Phone, Website, Date, DateTime, Time, Select, Boolean, …
	IsMandatory         bool
	Options             []FieldOption // Select fields; nil otherwise or when option sets were excluded
	MaxLength           string        // "" when unlimited
	EntityAttributeId   string
	Name                string
	Description         string
	EntityAttributeType int // 0 system, 1 custom
	RenderType          int
	RenderTypeTextValue string
	IsVisible           bool
	IsSearchable        bool
	ShowInMailMerge     bool
	RangeMin            string
	DefaultValue        string
	AllowMultiple       bool
	ShowInImport        bool
	ShowInQuickAdd      bool
	ShowInQuickSearch   bool
	OwnerID             string
	CreatedBy           string
	CreatedOn           DateTime
	ModifiedBy          string
	ModifiedOn          DateTime
	OwnerIdName         string
	CreatedByName       string
	ModifiedByName      string
	IsLeadIdentifier    bool // a unique field: a lead can be found by it
	LockAfterCreate     int
	UseInLeadClone      bool
	IsSortable          bool
}

// FieldOption is one option of a Select lead field.
type FieldOption struct {
	Value string
}

// LeadFields returns the org's lead fields, system fields first
// (LeadsMetaData.Get). withOptions false asks the server to leave out
// Select options (excludeOptionSets=1), which is faster on large schemas.
func (c *Client) LeadFields(ctx context.Context, withOptions bool) ([]LeadField, error) {
	var q url.Values
	if !withOptions {
		q = query("excludeOptionSets", "1")
	}
	var out []LeadField
	err := c.call(ctx, getOp("LeadManagement.svc/LeadsMetaData.Get"), q, nil, &out)
	return out, err
}

// GetLeadField returns one lead field by its schema name, matched exactly
// (LeadsMetaData.Get?schemaName=). An unknown name is an error for which
// IsInvalid holds.
func (c *Client) GetLeadField(ctx context.Context, schemaName string) (LeadField, error) {
	var out []LeadField
	if err := c.call(ctx, getOp("LeadManagement.svc/LeadsMetaData.Get"), query("schemaName", schemaName), nil, &out); err != nil {
		return LeadField{}, err
	}
	if len(out) == 0 {
		return LeadField{}, fmt.Errorf("lsq: no lead field %s: %w", schemaName, ErrNotFound)
	}
	return out[0], nil
}

// NewLeadField is the body of CreateLeadField.
type NewLeadField struct {
	DisplayName         string
	DataType            string // Text, Number, Email, Phone, Website, Date, DateTime, Time, Select, Boolean
	RenderTypeTextValue string `json:",omitempty"` // e.g. TextArea, RadioButton; "" means the type's default
	IsMandatory         bool
	MaxLength           string `json:",omitempty"`
	ShowInQuickSearch   bool   `json:",omitempty"`
	// OptionsJson is the JSON text of [{"Value","Text","Order"}] for Select
	// fields. When it is empty, Options (in order) fills it.
	OptionsJson string   `json:",omitempty"`
	Options     []string `json:"-"`
}

// CreateLeadField adds a custom lead field (Administrator keys) and
// returns its schema name (Message.Id, "mx_…"). A name already taken is
// an error for which IsDuplicate holds.
func (c *Client) CreateLeadField(ctx context.Context, f NewLeadField) (string, error) {
	if f.OptionsJson == "" && len(f.Options) > 0 {
		type option struct {
			Value, Text string
			Order       int
		}
		opts := make([]option, len(f.Options))
		for i, v := range f.Options {
			opts[i] = option{v, v, i + 1}
		}
		b, err := json.Marshal(opts)
		if err != nil {
			return "", err
		}
		f.OptionsJson = string(b)
	}
	m, err := c.message(ctx, postWrite("LeadManagement.svc/CreateLeadField"), nil, f)
	return m.Id, err
}

// PushLeadFieldOptions appends options to a custom Select field
// (LeadField/Dropdown/Options/Push, Administrator keys) and returns
// AffectedRows: 1 when any option was new, 0 when all were there.
func (c *Client) PushLeadFieldOptions(ctx context.Context, schemaName string, options []string) (int, error) {
	m, err := c.message(ctx, postWrite("LeadManagement.svc/LeadField/Dropdown/Options/Push"), nil, struct {
		SchemaName string
		Options    []string
	}{schemaName, nonNilSlice(options)})
	return m.AffectedRows, err
}

// Note is a lead note as RetrieveNote answers it.
type Note struct {
	ProspectNoteId    string
	RelatedProspectId string
	Note              string
	AttachmentName    string
	AttachmentURL     string
	CreatedBy         string
	CreatedByName     string
	CreatedOn         DateTime
	ModifiedBy        string
	ModifiedByName    string
	ModifiedOn        DateTime
}

// CreateNote adds a note to a lead (CreateNote) and returns its id. A
// note needs text or an attachment name.
func (c *Client) CreateNote(ctx context.Context, leadID, text, attachment string) (string, error) {
	m, err := c.message(ctx, postWrite("LeadManagement.svc/CreateNote"), nil, struct {
		RelatedProspectId string
		Note              string `json:",omitempty"`
		AttachmentName    string `json:",omitempty"`
	}{leadID, text, attachment})
	return m.Id, err
}

// Notes returns a lead's note count and one page of its notes, newest
// first (RetrieveNote). pageIndex is 1-based (0 means 1); pageSize 0
// means 200.
func (c *Client) Notes(ctx context.Context, leadID string, pageIndex, pageSize int) (int, []Note, error) {
	body := struct {
		Parameter struct{ RelatedId string }
		Paging    paging
		Sorting   sorting
	}{Paging: pageOf(pageIndex, pageSize, 200), Sorting: sorting{"CreatedOn", "1"}}
	body.Parameter.RelatedId = leadID
	var out struct {
		RecordCount int
		List        []Note
	}
	err := c.call(ctx, postRead("LeadManagement.svc/RetrieveNote"), nil, body, &out)
	return out.RecordCount, out.List, err
}

// GetNote returns one note of a lead (RetrieveNote with Parameter.Id), or
// an error for which IsNotFound holds.
func (c *Client) GetNote(ctx context.Context, leadID, noteID string) (Note, error) {
	body := struct {
		Parameter struct{ RelatedId, Id string }
	}{}
	body.Parameter.RelatedId, body.Parameter.Id = leadID, noteID
	var out struct{ List []Note }
	if err := c.call(ctx, postRead("LeadManagement.svc/RetrieveNote"), nil, body, &out); err != nil {
		return Note{}, err
	}
	if len(out.List) == 0 {
		return Note{}, fmt.Errorf("lsq: no note %s on lead %s: %w", noteID, leadID, ErrNotFound)
	}
	return out.List[0], nil
}

// UpdateNote replaces the text and attachment name of a lead's note
// (UpdateNote); both are sent, so "" clears them.
func (c *Client) UpdateNote(ctx context.Context, leadID, noteID, text, attachment string) error {
	_, err := c.message(ctx, postWrite("LeadManagement.svc/UpdateNote"), nil, struct {
		RelatedProspectId, ProspectNoteId, Note, AttachmentName string
	}{leadID, noteID, text, attachment})
	return err
}

// DeleteNote deletes a lead's note (DeleteNote).
func (c *Client) DeleteNote(ctx context.Context, leadID, noteID string) error {
	_, err := c.message(ctx, getWrite("LeadManagement.svc/DeleteNote"), query("prospectId", leadID, "noteId", noteID), nil)
	return err
}

// List is a lead list (Lists.Get).
type List struct {
	ListId          string
	ListName        string
	ListDescription string
	ListType        string // "static", "dynamic" or "refreshable"
	MemberCount     int
}

// ListQuery filters Lists.Get; the zero value is every list, first page.
type ListQuery struct {
	Type      string // "" all, "0" static, "1" dynamic, "2" refreshable
	Search    string // part of the name
	PageIndex int    // 1-based; 0 leaves the server's default (1)
	PageSize  int    // 0 leaves the server's default (100)
}

// Lists returns one page of the org's lists by name (Lists.Get).
func (c *Client) Lists(ctx context.Context, lq ListQuery) ([]List, error) {
	q := url.Values{}
	if lq.Type != "" {
		q.Set("ListType", lq.Type)
	}
	if lq.Search != "" {
		q.Set("SearchText", lq.Search)
	}
	if lq.PageIndex > 0 {
		q.Set("PageIndex", strconv.Itoa(lq.PageIndex))
	}
	if lq.PageSize > 0 {
		q.Set("PageSize", strconv.Itoa(lq.PageSize))
	}
	var out []List
	err := c.call(ctx, getOp("LeadManagement.svc/Lists.Get"), q, nil, &out)
	return out, err
}

// CreateList makes an empty static list (LeadSegmentation.svc/CreateEmptyList)
// and returns its id. A name already taken is an error for which
// IsDuplicate holds.
func (c *Client) CreateList(ctx context.Context, name, description string) (string, error) {
	m, err := c.message(ctx, postWrite("LeadSegmentation.svc/CreateEmptyList"), nil,
		struct{ Name, Description string }{name, description})
	return m.Id, err
}

// AddLeadsToList adds leads to a static list, all or nothing
// (LeadSegmentation.svc/AddLeadsToStaticList), and returns the server's
// message ("Successfully added N lead(s) to list").
func (c *Client) AddLeadsToList(ctx context.Context, listID string, leadIDs []string) (string, error) {
	m, err := c.message(ctx, postWrite("LeadSegmentation.svc/AddLeadsToStaticList"), nil, struct {
		ListID  string   `json:"listId"`
		LeadIDs []string `json:"leadIds"`
	}{listID, nonNilSlice(leadIDs)})
	return m.Message, err
}

// AddLeadToList adds one lead to a static list
// (LeadManagement.svc/AddLeadToStaticList) and reports whether it was
// added (false: it was already a member).
func (c *Client) AddLeadToList(ctx context.Context, listID, leadID string) (bool, error) {
	m, err := c.message(ctx, postWrite("LeadManagement.svc/AddLeadToStaticList"), query("listId", listID, "leadId", leadID), struct{}{})
	return m.AffectedRows > 0, err
}

// RemoveLeadFromList removes one lead from a static list
// (LeadSegmentation.svc/RemoveLeadFromStaticList).
func (c *Client) RemoveLeadFromList(ctx context.Context, listID, leadID string) error {
	_, err := c.message(ctx, getWrite("LeadSegmentation.svc/RemoveLeadFromStaticList"), query("ListId", listID, "LeadID", leadID), nil)
	return err
}

// ListMemberCount returns how many leads a list has
// (LeadSegmentation.svc/List/Retrieve/MemberCount, Message.Count).
func (c *Client) ListMemberCount(ctx context.Context, listID string) (int, error) {
	var out struct{ Message struct{ Count int } }
	err := c.call(ctx, getOp("LeadSegmentation.svc/List/Retrieve/MemberCount"), query("listId", listID), nil, &out)
	return out.Message.Count, err
}

// IsListMember reports whether a lead is in a list (List.CheckLead,
// Message.IsMember).
func (c *Client) IsListMember(ctx context.Context, listID, leadID string) (bool, error) {
	var out struct{ Message struct{ IsMember bool } }
	err := c.call(ctx, getOp("LeadManagement.svc/List.CheckLead"), query("listId", listID, "leadId", leadID), nil, &out)
	return out.Message.IsMember, err
}

// ListLeadsQuery is the body of Leads/Retrieve/BySearchParameter.
type ListLeadsQuery struct {
	ListID    string
	Columns   []string // schema names to return; nil: every field
	SortBy    string   // schema name; "" is ProspectAutoId
	SortDesc  bool
	PageIndex int // 1-based; 0 means 1
	PageSize  int // 0 means 100
}

// LeadsInList returns a list's member count and one page of its leads
// (Leads/Retrieve/BySearchParameter).
func (c *Client) LeadsInList(ctx context.Context, q ListLeadsQuery) (int, []Lead, error) {
	body := struct {
		SearchParameters struct {
			ListId            string
			RetrieveBehaviour string
		}
		Columns *columns `json:",omitempty"`
		Sorting *sorting `json:",omitempty"`
		Paging  paging
	}{Columns: colsOf(q.Columns), Sorting: sortOf(q.SortBy, q.SortDesc), Paging: pageOf(q.PageIndex, q.PageSize, 100)}
	body.SearchParameters.ListId, body.SearchParameters.RetrieveBehaviour = q.ListID, "0"
	var out struct {
		RecordCount int
		Leads       []propertyList
	}
	if err := c.call(ctx, postRead("LeadManagement.svc/Leads/Retrieve/BySearchParameter"), nil, body, &out); err != nil {
		return 0, nil, err
	}
	return out.RecordCount, leadsOf(out.Leads), nil
}
