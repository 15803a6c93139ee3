package lsqapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/jsonscan"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/lsq"
)

// Caps of the activity surface (spec §1.7).
const (
	maxBulkActivities = 25
	maxActivityPage   = 1000
	defActivityPage   = 25
)

// wireActivity is every key an activity write may carry.
type wireActivity struct {
	RelatedProspectId  *string
	ProspectActivityId *string
	SearchByValue      json.RawMessage
	EmailAddress       *string
	FirstName          *string
	LastName           *string
	Phone              *string
	ActivityEvent      json.RawMessage
	ActivityNote       *string
	ActivityDateTime   *string
	ActivityOwnerEmail *string
	IncludeLeadScore   json.RawMessage
	Fields             []wireActivityField
}

type wireActivityField struct {
	SchemaName string
	Value      json.RawMessage
}

// decodeObject parses body as one JSON object into v; what names the
// expected shape in the 400 message.
func decodeObject(body []byte, what string, v any) error {
	shape := "request body must be " + what
	if len(bytes.TrimSpace(body)) == 0 {
		return crm.Errorf(crm.KindBadRequest, "%s; the body is empty", shape)
	}
	if err := checkJSON(body, shape); err != nil {
		return err
	}
	if i := firstByte(body); body[i] != '{' {
		return crm.Errorf(crm.KindBadRequest, "%s; found %s at offset %d", shape, jsonKind(body, i), i)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return crm.Errorf(crm.KindBadRequest, "%s; %s", shape, wireTypeError(err))
	}
	return nil
}

// wireTypeError describes a JSON type mismatch in JSON's words ("an
// array"), not Go's.
func wireTypeError(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return "wrong shape"
	}
	want := "a string"
	switch te.Type.Kind() {
	case reflect.Slice:
		want = "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		want = "an object"
	case reflect.Bool:
		want = "a boolean"
	case reflect.Int, reflect.Int64, reflect.Float64:
		want = "a number"
	}
	return fmt.Sprintf("%q must be %s, found %s", te.Field, want, te.Value)
}

// decodeArray parses body as a JSON array of objects.
func decodeArray(body []byte, what string) ([]json.RawMessage, error) {
	shape := "request body must be " + what
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, crm.Errorf(crm.KindBadRequest, "%s; the body is empty", shape)
	}
	raw, err := jsonArray(body, shape)
	if err != nil {
		return nil, err
	}
	for n, el := range raw {
		if j := firstByte(el); j >= len(el) || el[j] != '{' {
			return nil, crm.Errorf(crm.KindBadRequest, "%s; element %d is %s", shape, n, jsonKind(el, j))
		}
	}
	return raw, nil
}

// rawInt reads a JSON number or numeric string; ok is false when absent
// or null.
func rawInt(v json.RawMessage) (n int64, ok bool, err error) {
	s, err := scalarText(v)
	if err != nil || s == nil || strings.TrimSpace(*s) == "" {
		return 0, false, err
	}
	n, err = strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
	if err != nil {
		return 0, true, err
	}
	return n, true, nil
}

// rawBool reads true/false, 1/0 or their strings; absent is false.
func rawBool(v json.RawMessage) bool {
	s, err := scalarText(v)
	if err != nil || s == nil {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(*s)) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// eventCode reads ActivityEvent; missing or not a number is
// crm.ErrEventCode.
func eventCode(v json.RawMessage) (int, error) {
	n, ok, err := rawInt(v)
	if !ok || err != nil || n <= 0 || n > 1<<31 {
		return 0, crm.ErrEventCode
	}
	return int(n), nil
}

// parseWireDate reads a request date, exactly yyyy-MM-dd HH:mm:ss UTC.
func parseWireDate(name, v string) (time.Time, error) {
	t, err := lsq.ParseDateTime(v)
	if err != nil {
		return time.Time{}, crm.Invalidf("%s (expected yyyy-MM-dd HH:mm:ss)", name)
	}
	return t, nil
}

// activityInput turns a parsed write into the domain input.
func activityInput(w *wireActivity) (crm.ActivityInput, error) {
	var in crm.ActivityInput
	code, err := eventCode(w.ActivityEvent)
	if err != nil {
		return in, err
	}
	in.Code, in.Note = code, w.ActivityNote
	if w.ActivityDateTime != nil && *w.ActivityDateTime != "" {
		if in.On, err = parseWireDate("ActivityDateTime", *w.ActivityDateTime); err != nil {
			return in, err
		}
	}
	if w.ActivityOwnerEmail != nil {
		in.OwnerMail = strings.TrimSpace(*w.ActivityOwnerEmail)
	}
	for i, f := range w.Fields {
		if f.SchemaName == "" {
			return in, crm.Errorf(crm.KindBadRequest, `Fields element %d has no "SchemaName"`, i)
		}
		v, err := scalarText(f.Value)
		if err != nil {
			return in, crm.Errorf(crm.KindBadRequest, `Fields element %d ("%s"): "Value" %v`, i, sanitize(f.SchemaName), err)
		}
		fv := crm.ActivityFieldValue{SchemaName: f.SchemaName}
		if v != nil {
			fv.Value = *v
		}
		in.Fields = append(in.Fields, fv)
	}
	if in.Note != nil && len(*in.Note) > 8000 {
		return in, crm.Invalidf("ActivityNote (longer than 8000 characters)")
	}
	return in, nil
}

const activityShape = `a JSON object {"RelatedProspectId","ActivityEvent","ActivityNote","ActivityDateTime","Fields"}`

// POST ProspectActivity.svc/Create — by RelatedProspectId, or by
// EmailAddress (creating the lead with FirstName, LastName, Phone when no
// lead has that email).
func (a *API) createActivity(c *call) error {
	var w wireActivity
	if err := decodeObject(c.body, activityShape, &w); err != nil {
		return err
	}
	in, err := activityInput(&w)
	if err != nil {
		return err
	}
	var act *crm.Activity
	var lead *crm.Lead
	switch {
	case w.RelatedProspectId != nil && strings.TrimSpace(*w.RelatedProspectId) != "":
		act, lead, err = a.store.PostActivity(c.ctx, c.p, *w.RelatedProspectId, in)
	case w.EmailAddress != nil && strings.TrimSpace(*w.EmailAddress) != "":
		attrs := []crm.Attribute{{Name: "EmailAddress", Value: w.EmailAddress}}
		for _, kv := range []struct {
			name string
			v    *string
		}{{"FirstName", w.FirstName}, {"LastName", w.LastName}, {"Phone", w.Phone}} {
			if kv.v != nil && *kv.v != "" {
				attrs = append(attrs, crm.Attribute{Name: kv.name, Value: kv.v})
			}
		}
		sch, err := a.store.Schema(c.ctx, &c.p.Org)
		if err != nil {
			return err
		}
		if err := normalize(sch, attrs); err != nil {
			return err
		}
		act, lead, err = a.captureWithoutUpdate(c, attrs, in)
		if err != nil {
			return err
		}
	default:
		return crm.Errorf(crm.KindMandatory, "'RelatedProspectId' or 'EmailAddress' is mandatory")
	}
	if err != nil {
		return err
	}
	if rawBool(w.IncludeLeadScore) {
		writeJSON(c.w, http.StatusOK, ok(struct {
			Id        string
			LeadScore string
		}{act.ID, lead.Values["Score"]}))
		return nil
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{act.ID}))
	return nil
}

// captureWithoutUpdate posts on the lead with the email in attrs, creating
// it from attrs when missing; an existing lead is not changed.
func (a *API) captureWithoutUpdate(c *call, attrs []crm.Attribute, in crm.ActivityInput) (*crm.Activity, *crm.Lead, error) {
	act, lead, _, err := a.store.CaptureActivity(c.ctx, c.p, "EmailAddress", attrs, in, false)
	return act, lead, err
}

// POST ProspectActivity.svc/CreateCustom — upsert the lead (LeadDetails,
// with SearchBy, EmailAddress by default) and post the activity in one
// transaction.
func (a *API) createCustomActivity(c *call) error {
	var w struct {
		LeadDetails []json.RawMessage
		Activity    *wireActivity
	}
	if err := decodeObject(c.body, `a JSON object {"LeadDetails":[{"Attribute","Value"}],"Activity":{…}}`, &w); err != nil {
		return err
	}
	if len(w.LeadDetails) == 0 {
		return crm.Errorf(crm.KindMandatory, "'LeadDetails' is mandatory")
	}
	if w.Activity == nil {
		return crm.Errorf(crm.KindMandatory, "'Activity' is mandatory")
	}
	attrs, err := attributesFromRaw(w.LeadDetails, "LeadDetails: ")
	if err != nil {
		return err
	}
	searchBy := "EmailAddress"
	kept := attrs[:0]
	for _, at := range attrs {
		if at.Name == "SearchBy" {
			if at.Value != nil && *at.Value != "" {
				searchBy = *at.Value
			}
			continue
		}
		kept = append(kept, at)
	}
	attrs = kept
	in, err := activityInput(w.Activity)
	if err != nil {
		return err
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	if err := normalize(sch, attrs); err != nil {
		return err
	}
	act, lead, created, err := a.store.CaptureActivity(c.ctx, c.p, searchBy, attrs, in, true)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(struct {
		Id                string
		RelatedProspectId string
		IsCreated         bool
	}{act.ID, lead.ID, created}))
	return nil
}

// bulkRow is one row of a bulk activity response.
type bulkRow struct {
	RowNumber          int
	ActivityCreated    bool
	ProspectActivityId *string
	ExceptionType      *string
	ExceptionMessage   *string
}

// bulkActivities parses a bulk post's body: a JSON array of at most 25
// activity objects (400 for another shape, MXInvalidInputException over
// the cap).
func bulkActivities(body []byte) ([]wireActivity, error) {
	raw, err := decodeArray(body, "a JSON array of activity objects")
	if err != nil {
		return nil, err
	}
	if len(raw) > maxBulkActivities {
		return nil, crm.Invalidf("Activities (at most %d per call; found %d)", maxBulkActivities, len(raw))
	}
	ws := make([]wireActivity, len(raw))
	for i, el := range raw {
		if err := json.Unmarshal(el, &ws[i]); err != nil {
			return nil, crm.Errorf(crm.KindBadRequest, "request body must be a JSON array of activity objects; element %d: %s", i, wireTypeError(err))
		}
	}
	return ws, nil
}

// writeBulkActivities answers a bulk post: HTTP 200 with one result per
// row, in order, whether or not rows failed.
func writeBulkActivities(c *call, res []store.BulkResult) {
	out := make([]bulkRow, len(res))
	for i, r := range res {
		out[i].RowNumber = i + 1
		if r.Err != nil {
			typ, msg := exceptionOf(r.Err)
			out[i].ExceptionType, out[i].ExceptionMessage = &typ, &msg
			continue
		}
		id := r.ID
		out[i].ActivityCreated, out[i].ProspectActivityId = true, &id
	}
	writeJSON(c.w, http.StatusOK, struct{ Response []bulkRow }{out})
}

// postBulk parses up to 25 rows and posts them; leadOf reads a row's lead
// reference.
func (a *API) postBulk(c *call, searchBy string, leadOf func(w *wireActivity) (string, error)) error {
	ws, err := bulkActivities(c.body)
	if err != nil {
		return err
	}
	rows := make([]store.BulkActivity, len(ws))
	for i := range ws {
		in, err := activityInput(&ws[i])
		if crm.KindOf(err) == crm.KindBadRequest {
			return err
		}
		rows[i].Input, rows[i].Err = in, err
		if err == nil {
			ref, err := leadOf(&ws[i])
			rows[i].Err = err
			if searchBy != "" {
				rows[i].SearchValue = ref
			} else {
				rows[i].LeadID = ref
			}
		}
	}
	res, err := a.store.PostActivities(c.ctx, c.p, searchBy, rows)
	if err != nil {
		return err
	}
	writeBulkActivities(c, res)
	return nil
}

// POST ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadId
func (a *API) bulkActivitiesByLeadID(c *call) error {
	return a.postBulk(c, "", func(w *wireActivity) (string, error) {
		if w.RelatedProspectId == nil || strings.TrimSpace(*w.RelatedProspectId) == "" {
			return "", crm.Errorf(crm.KindMandatory, "'RelatedProspectId' is mandatory")
		}
		return *w.RelatedProspectId, nil
	})
}

// POST ProspectActivity.svc/Bulk/CustomActivity/Add/ByLeadField?searchBy=
func (a *API) bulkActivitiesByLeadField(c *call) error {
	searchBy, _ := c.param("searchby")
	if searchBy == "" {
		return crm.Errorf(crm.KindMandatory, "'searchBy' is mandatory")
	}
	return a.postBulk(c, searchBy, func(w *wireActivity) (string, error) {
		v, err := scalarText(w.SearchByValue)
		if err != nil || v == nil || strings.TrimSpace(*v) == "" {
			return "", crm.Errorf(crm.KindMandatory, "'SearchByValue' is mandatory")
		}
		return *v, nil
	})
}

// POST ProspectActivity.svc/Bulk/CustomActivity/Add/ByOpportunityId?opportunityId=
// LocalSquared holds no opportunities, so no opportunity id names one:
// the body is checked as on the other bulk posts (shape and cap for the
// whole call; event code, date, fields and the mandatory
// ActivityOwnerEmail per row), and every row that passes fails with
// crm.ErrOpportunityNotFound, as an unknown lead fails a row of
// ByLeadId. Nothing is written.
func (a *API) bulkActivitiesByOpportunityID(c *call) error {
	opp, _ := c.param("opportunityid")
	if strings.TrimSpace(opp) == "" {
		return crm.Errorf(crm.KindMandatory, "'opportunityId' is mandatory")
	}
	ws, err := bulkActivities(c.body)
	if err != nil {
		return err
	}
	res := make([]store.BulkResult, len(ws))
	for i := range ws {
		in, err := activityInput(&ws[i])
		if crm.KindOf(err) == crm.KindBadRequest {
			return err
		}
		if err == nil && in.OwnerMail == "" {
			err = crm.Errorf(crm.KindMandatory, "'ActivityOwnerEmail' is mandatory")
		}
		if err == nil {
			err = crm.ErrOpportunityNotFound
		}
		res[i].Err = err
	}
	writeBulkActivities(c, res)
	return nil
}

// POST ProspectActivity.svc/CustomActivity/Update
func (a *API) updateActivity(c *call) error {
	var w wireActivity
	if err := decodeObject(c.body, `a JSON object {"ProspectActivityId","ActivityEvent","ActivityNote","Fields"}`, &w); err != nil {
		return err
	}
	if w.ProspectActivityId == nil || strings.TrimSpace(*w.ProspectActivityId) == "" {
		return crm.Errorf(crm.KindMandatory, "'ProspectActivityId' is mandatory")
	}
	code := 0
	if len(w.ActivityEvent) > 0 && string(w.ActivityEvent) != "null" {
		var err error
		if code, err = eventCode(w.ActivityEvent); err != nil {
			return err
		}
	}
	w.ActivityEvent = json.RawMessage("1") // only Fields and the note are read below
	in, err := activityInput(&w)
	if err != nil {
		return err
	}
	act, err := a.store.UpdateActivity(c.ctx, c.p, *w.ProspectActivityId, code, in.Note, in.Fields)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{act.ID}))
	return nil
}

// GET ProspectActivity.svc/CustomActivity/Lock?activityId=
func (a *API) lockActivity(c *call) error {
	id, _ := c.param("activityid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'activityId' is mandatory")
	}
	act, err := a.store.LockActivity(c.ctx, c.p, id)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{act.ID}))
	return nil
}

// trailRecord is an activity as Retrieve?leadId= and
// RetrieveRecentlyModified list it.
type trailRecord struct {
	Id                string
	EventCode         int
	EventName         string
	ActivityScore     int64
	CreatedOn         string
	ModifiedOn        string
	ActivityType      int
	Type              string
	IsEmailType       bool
	SessionId         *string
	TrackLocation     bool
	Latitude          *string
	Longitude         *string
	RelatedProspectId string
	Data              []crm.KV
	ActivityFields    map[string]string `json:",omitempty"`
}

func trailOf(act *crm.Activity, t *crm.ActivityType) trailRecord {
	r := trailRecord{Id: act.ID, EventCode: act.Code, ActivityScore: act.Score,
		CreatedOn: lsq.FormatDateTime(act.On), ModifiedOn: lsq.FormatDateTime(act.ModifiedOn),
		RelatedProspectId: act.LeadID, Data: act.Data, ActivityType: crm.CategoryCustom, Type: "Inbound"}
	if t != nil {
		r.EventName, r.ActivityType, r.Type, r.TrackLocation = t.Name, t.Category, t.DirectionName(), t.TrackLocation
	}
	if r.Data == nil {
		r.Data = []crm.KV{}
		if t != nil {
			for _, f := range t.Fields {
				if v, ok := act.Fields[f.SchemaName]; ok {
					r.Data = append(r.Data, crm.KV{Key: f.SchemaName, Value: v})
				}
			}
		}
	}
	if act.Code < 3000 {
		af := make(map[string]string, len(act.Fields)+5)
		for k, v := range act.Fields {
			af[k] = v
		}
		af["ProspectActivityAutoId"] = strconv.FormatInt(act.AutoID, 10)
		af["ActivityEvent_Note"] = act.Note
		af["CreatedBy"] = act.CreatedBy
		af["Owner"] = act.Owner
		af["Status"] = act.Status
		r.ActivityFields = af
	}
	return r
}

// activityPaging reads {"Offset","RowCount"} (numbers or strings).
func activityPaging(v json.RawMessage) (offset, limit int, err error) {
	limit = defActivityPage
	if len(v) == 0 || string(v) == "null" {
		return 0, limit, nil
	}
	var p struct{ Offset, RowCount json.RawMessage }
	if err := json.Unmarshal(v, &p); err != nil {
		return 0, 0, crm.Errorf(crm.KindBadRequest, "Paging must be an object {\"Offset\",\"RowCount\"}")
	}
	if n, ok, err := rawInt(p.Offset); err != nil || ok && n < 0 {
		return 0, 0, crm.Invalidf("Offset")
	} else if ok {
		offset = int(min(n, 1<<31))
	}
	if n, ok, err := rawInt(p.RowCount); err != nil || ok && n < 1 {
		return 0, 0, crm.Invalidf("RowCount")
	} else if ok {
		if n > maxActivityPage {
			return 0, 0, crm.Invalidf("RowCount can not be more than %d", maxActivityPage)
		}
		limit = int(n)
	}
	return offset, limit, nil
}

// POST ProspectActivity.svc/Retrieve?leadId=
func (a *API) leadActivities(c *call) error {
	id, _ := c.param("leadid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'leadId' is mandatory")
	}
	var w struct {
		Parameter *struct{ ActivityEvent json.RawMessage }
		Paging    json.RawMessage
	}
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := decodeObject(c.body, `a JSON object {"Parameter":{"ActivityEvent"},"Paging":{"Offset","RowCount"}}`, &w); err != nil {
			return err
		}
	}
	code := 0
	if w.Parameter != nil && len(w.Parameter.ActivityEvent) > 0 && string(w.Parameter.ActivityEvent) != "null" {
		var err error
		if code, err = eventCode(w.Parameter.ActivityEvent); err != nil {
			return err
		}
	}
	offset, limit, err := activityPaging(w.Paging)
	if err != nil {
		return err
	}
	page, err := a.store.LeadActivities(c.ctx, &c.p.Org, id, code, offset, limit)
	if err != nil {
		return err
	}
	writeActivityPage(c, page)
	return nil
}

// writeActivityPage answers {"RecordCount","ProspectActivities":[…]}.
func writeActivityPage(c *call, page *store.ActivityPage) {
	p := bodyBuf(64 + 768*len(page.List))
	b := append(*p, `{"RecordCount":`...)
	b = strconv.AppendInt(b, page.Total, 10)
	b = append(b, `,"ProspectActivities":[`...)
	for i := range page.List {
		if i > 0 {
			b = append(b, ',')
		}
		r := trailOf(&page.List[i], page.Types[page.List[i].Code])
		b = r.appendJSON(b)
	}
	writeBody(c.w, http.StatusOK, p, append(b, "]}"...))
}

// appendJSON appends r as encoding/json writes it (the test holds them
// equal); a page of 25 answers without reflection.
func (r *trailRecord) appendJSON(b []byte) []byte {
	b = append(b, `{"Id":`...)
	b = jsonscan.AppendString(b, r.Id)
	b = append(b, `,"EventCode":`...)
	b = strconv.AppendInt(b, int64(r.EventCode), 10)
	b = append(b, `,"EventName":`...)
	b = jsonscan.AppendString(b, r.EventName)
	b = append(b, `,"ActivityScore":`...)
	b = strconv.AppendInt(b, r.ActivityScore, 10)
	b = append(b, `,"CreatedOn":`...)
	b = jsonscan.AppendString(b, r.CreatedOn)
	b = append(b, `,"ModifiedOn":`...)
	b = jsonscan.AppendString(b, r.ModifiedOn)
	b = append(b, `,"ActivityType":`...)
	b = strconv.AppendInt(b, int64(r.ActivityType), 10)
	b = append(b, `,"Type":`...)
	b = jsonscan.AppendString(b, r.Type)
	b = append(b, `,"IsEmailType":`...)
	b = strconv.AppendBool(b, r.IsEmailType)
	b = append(b, `,"SessionId":`...)
	b = appendStringPtr(b, r.SessionId)
	b = append(b, `,"TrackLocation":`...)
	b = strconv.AppendBool(b, r.TrackLocation)
	b = append(b, `,"Latitude":`...)
	b = appendStringPtr(b, r.Latitude)
	b = append(b, `,"Longitude":`...)
	b = appendStringPtr(b, r.Longitude)
	b = append(b, `,"RelatedProspectId":`...)
	b = jsonscan.AppendString(b, r.RelatedProspectId)
	b = append(b, `,"Data":`...)
	if r.Data == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, kv := range r.Data {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Key":`...)
			b = jsonscan.AppendString(b, kv.Key)
			b = append(b, `,"Value":`...)
			b = jsonscan.AppendString(b, kv.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(r.ActivityFields) > 0 {
		b = append(b, `,"ActivityFields":`...)
		b = jsonscan.AppendObject(b, r.ActivityFields)
	}
	return append(b, '}')
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return jsonscan.AppendString(b, *s)
}

// fieldDescriptor is one field of an activity type or activity, in
// GetActivitySetting and GetActivityDetails.
type fieldDescriptor struct {
	SchemaName     string
	DisplayName    string
	Value          *string
	DataType       string
	IsMandatory    bool
	ShowInForm     bool
	Sequence       int
	OptionSet      *string
	MaxFieldLength int
}

type optionEntry struct {
	IsDefault    bool
	Text         string
	Value        string
	Order        int
	CanEdit      bool
	CanDelete    bool
	IsLastOption bool
}

func descriptors(t *crm.ActivityType, act *crm.Activity) []fieldDescriptor {
	val := func(v string, set bool) *string {
		if act == nil || !set {
			return nil
		}
		return &v
	}
	out := []fieldDescriptor{}
	if act != nil && act.Data != nil { // trail rows: their data
		for i, kv := range act.Data {
			out = append(out, fieldDescriptor{SchemaName: kv.Key, DisplayName: kv.Key, Value: val(kv.Value, true), DataType: crm.ActString, Sequence: i + 1, MaxFieldLength: 200})
		}
		return out
	}
	note, status, owner := "", "", ""
	if act != nil {
		note, status, owner = act.Note, act.Status, act.Owner
	}
	out = append(out,
		fieldDescriptor{SchemaName: "ActivityEvent_Note", DisplayName: "Notes", Value: val(note, true), DataType: crm.ActString, ShowInForm: true, MaxFieldLength: 8000},
		fieldDescriptor{SchemaName: "Status", DisplayName: "Status", Value: val(status, true), DataType: crm.ActString, MaxFieldLength: 200},
		fieldDescriptor{SchemaName: "Owner", DisplayName: "Owner", Value: val(owner, true), DataType: crm.ActUser, MaxFieldLength: 36},
	)
	for _, f := range t.Fields {
		d := fieldDescriptor{SchemaName: f.SchemaName, DisplayName: f.DisplayName, DataType: f.DataType,
			IsMandatory: f.IsMandatory, ShowInForm: f.ShowInForm, Sequence: f.Sequence}
		if f.DataType == crm.ActString {
			d.MaxFieldLength = max(f.MaxLength, 200)
		}
		if act != nil {
			v, set := act.Fields[f.SchemaName]
			d.Value = val(v, set)
		}
		if len(f.Options) > 0 {
			opts := make([]optionEntry, len(f.Options))
			for i, o := range f.Options {
				opts[i] = optionEntry{Text: o, Value: o, Order: i + 1, CanEdit: true, CanDelete: true, IsLastOption: i == len(f.Options)-1}
			}
			b, _ := json.Marshal(opts)
			s := string(b)
			d.OptionSet = &s
		}
		out = append(out, d)
	}
	return out
}

type typeDetails struct {
	ID          string
	Name        string
	DisplayName string
	Fields      []fieldDescriptor
}

// GET ProspectActivity.svc/GetActivityDetails?activityId=
func (a *API) activityDetails(c *call) error {
	id, _ := c.param("activityid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'activityId' is mandatory")
	}
	act, err := a.store.Activity(c.ctx, c.p.Org.ID, id)
	if err != nil {
		return err
	}
	t, err := a.store.ActivityType(c.ctx, &c.p.Org, act.Code)
	if err != nil {
		t = &crm.ActivityType{Code: act.Code}
	}
	writeJSON(c.w, http.StatusOK, typeDetails{ID: act.ID, Name: t.Name, DisplayName: t.DisplayName, Fields: descriptors(t, act)})
	return nil
}

// GET ProspectActivity.svc/CustomActivity/GetActivitySetting?code=
func (a *API) activitySetting(c *call) error {
	v, _ := c.param("code")
	code, err := strconv.Atoi(strings.TrimSpace(v))
	if v == "" || err != nil {
		return crm.ErrEventCode
	}
	t, err := a.store.ActivityType(c.ctx, &c.p.Org, code)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, typeDetails{ID: t.ID, Name: t.Name, DisplayName: t.DisplayName, Fields: descriptors(t, nil)})
	return nil
}

// activityTypeEntry is one element of ActivityTypes.Get.
type activityTypeEntry struct {
	ActivityEvent      int
	ActivityEventName  string
	DisplayName        string
	Description        string
	EventType          int
	Direction          int
	Score              int64
	IsActive           bool
	CanDeleteActivity  bool
	ActivityProperties string
}

// GET ProspectActivity.svc/ActivityTypes.Get — a bare array of the types
// users post (the 3xxx trail types are not listed).
func (a *API) activityTypes(c *call) error {
	types, err := a.store.ActivityTypes(c.ctx, c.p.Org.ID)
	if err != nil {
		return err
	}
	out := []activityTypeEntry{}
	for i := range types {
		t := &types[i]
		if !t.Listed {
			continue
		}
		props, _ := json.Marshal(struct{ FormMetaData []fieldDescriptor }{descriptors(t, nil)})
		out = append(out, activityTypeEntry{ActivityEvent: t.Code, ActivityEventName: t.Name, DisplayName: t.DisplayName,
			Description: t.Description, EventType: t.Category, Direction: t.Direction, Score: t.Score, IsActive: t.Active,
			CanDeleteActivity: t.CanDelete, ActivityProperties: string(props)})
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

type wireTypeField struct {
	SchemaName  string
	DisplayName string
	DataType    string
	IsMandatory json.RawMessage
	ShowInForm  json.RawMessage
	Sequence    json.RawMessage
	OptionSet   json.RawMessage
}

type wireType struct {
	ID                 string
	ActivityEventName  *string
	DisplayName        string
	Score              json.RawMessage
	Description        *string
	Direction          json.RawMessage
	EventDirection     json.RawMessage
	TrackLocation      json.RawMessage
	AllowAttachments   json.RawMessage
	ShowInActivityGrid json.RawMessage
	CanDeleteActivity  json.RawMessage
	Fields             []wireTypeField
}

var customFieldName = regexp.MustCompile(`^mx_Custom_([1-9]|[1-4][0-9]|50)$`)

// typeFields checks a type's field schema: mx_Custom_1…50, each once,
// with a known data type and, for dropdowns, options.
func typeFields(in []wireTypeField) ([]crm.ActivityField, error) {
	if len(in) > crm.MaxTypeFields {
		return nil, crm.Invalidf("Fields (at most %d custom fields)", crm.MaxTypeFields)
	}
	seen := map[string]bool{}
	out := make([]crm.ActivityField, 0, len(in))
	for i, w := range in {
		if !customFieldName.MatchString(w.SchemaName) {
			return nil, crm.Invalidf("Fields[%d].SchemaName (expected mx_Custom_1 … mx_Custom_50)", i)
		}
		if seen[w.SchemaName] {
			return nil, crm.Invalidf("Fields[%d].SchemaName (%s is listed twice)", i, w.SchemaName)
		}
		seen[w.SchemaName] = true
		f := crm.ActivityField{SchemaName: w.SchemaName, DisplayName: strings.TrimSpace(w.DisplayName), DataType: w.DataType,
			IsMandatory: rawBool(w.IsMandatory), ShowInForm: rawBool(w.ShowInForm), Sequence: i + 1}
		if n, ok, err := rawInt(w.Sequence); err == nil && ok {
			f.Sequence = int(n)
		}
		if f.DataType == "" {
			f.DataType = crm.ActString
		}
		if !crm.ValidActivityDataType(f.DataType) {
			return nil, crm.Invalidf("Fields[%d].DataType (one of String, Number, DateTime, Date, Boolean, Dropdown, SearchableDropdown, ActiveUsers, Lead)", i)
		}
		if f.DisplayName == "" {
			f.DisplayName = f.SchemaName
		}
		if len(f.DisplayName) > 200 {
			return nil, crm.Invalidf("Fields[%d].DisplayName (longer than 200 characters)", i)
		}
		opts, err := optionSet(w.OptionSet)
		if err != nil {
			return nil, crm.Invalidf("Fields[%d].OptionSet (an array of options or a JSON string of one)", i)
		}
		if f.DataType == crm.ActDropdown || f.DataType == crm.ActSearchable {
			if len(opts) == 0 {
				return nil, crm.Invalidf("Fields[%d].OptionSet (a dropdown needs options)", i)
			}
			f.Options = opts
		}
		out = append(out, f)
	}
	return out, nil
}

// optionSet reads options given as an array of strings or of
// {"Text","Value"} objects, or a JSON string holding either.
func optionSet(v json.RawMessage) ([]string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	if v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		v = []byte(s)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(v, &raw); err != nil {
		return nil, err
	}
	var out []string
	for _, el := range raw {
		var s string
		if json.Unmarshal(el, &s) != nil {
			var o struct{ Text, Value string }
			if err := json.Unmarshal(el, &o); err != nil {
				return nil, err
			}
			s = o.Value
			if s == "" {
				s = o.Text
			}
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

const typeShape = `a JSON object {"ActivityEventName","Score","Description","Direction","Fields"}`

func typeScore(v json.RawMessage) (*int64, error) {
	n, ok, err := rawInt(v)
	if err != nil || ok && (n < -1000000 || n > 1000000) {
		return nil, crm.Invalidf("Score (a whole number)")
	}
	if !ok {
		return nil, nil
	}
	return &n, nil
}

func typeDirection(v json.RawMessage) (*int, error) {
	n, ok, err := rawInt(v)
	if err != nil || ok && n != 0 && n != 1 {
		return nil, crm.Invalidf("Direction (0 inbound or 1 outbound)")
	}
	if !ok {
		return nil, nil
	}
	d := int(n)
	return &d, nil
}

// POST ProspectActivity.svc/CreateType — Message.Id is the new event code.
func (a *API) createActivityType(c *call) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return crm.Invalidf("activity")
	}
	var w wireType
	if err := decodeObject(c.body, typeShape, &w); err != nil {
		return err
	}
	if w.ActivityEventName == nil || strings.TrimSpace(*w.ActivityEventName) == "" {
		return crm.Errorf(crm.KindMandatory, "'ActivityEventName' is mandatory")
	}
	name := strings.TrimSpace(*w.ActivityEventName)
	if len(name) > 200 {
		return crm.Invalidf("ActivityEventName (longer than 200 characters)")
	}
	t := crm.ActivityType{Name: name, DisplayName: strings.TrimSpace(w.DisplayName),
		TrackLocation: rawBool(w.TrackLocation), AllowAttachments: rawBool(w.AllowAttachments),
		ShowInActivityGrid: len(w.ShowInActivityGrid) == 0 || rawBool(w.ShowInActivityGrid), CanDelete: rawBool(w.CanDeleteActivity)}
	if w.Description != nil {
		t.Description = *w.Description
	}
	score, err := typeScore(w.Score)
	if err != nil {
		return err
	}
	if score != nil {
		t.Score = *score
	}
	dir, err := typeDirection(w.Direction)
	if err != nil {
		return err
	}
	if dir != nil {
		t.Direction = *dir
	}
	if t.Fields, err = typeFields(w.Fields); err != nil {
		return err
	}
	if err := a.store.CreateActivityType(c.ctx, &c.p.Org, &t); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{strconv.Itoa(t.Code)}))
	return nil
}

// POST ProspectActivity.svc/CustomActivityType/Update — by the type's ID
// (GUID); note EventDirection, not Direction.
func (a *API) updateActivityType(c *call) error {
	var w wireType
	if err := decodeObject(c.body, `a JSON object {"ID","ActivityEventName","Score","Description","EventDirection","Fields"}`, &w); err != nil {
		return err
	}
	if strings.TrimSpace(w.ID) == "" {
		return crm.Errorf(crm.KindMandatory, "'ID' is mandatory")
	}
	var u store.ActivityTypeUpdate
	if w.ActivityEventName != nil {
		name := strings.TrimSpace(*w.ActivityEventName)
		if name == "" || len(name) > 200 {
			return crm.Invalidf("ActivityEventName")
		}
		u.Name = &name
	}
	u.Description = w.Description
	var err error
	if u.Score, err = typeScore(w.Score); err != nil {
		return err
	}
	if u.Direction, err = typeDirection(w.EventDirection); err != nil {
		return err
	}
	if len(w.CanDeleteActivity) > 0 {
		b := rawBool(w.CanDeleteActivity)
		u.CanDelete = &b
	}
	if u.Fields, err = typeFields(w.Fields); err != nil {
		return err
	}
	if _, err := a.store.UpdateActivityType(c.ctx, &c.p.Org, w.ID, u); err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, []byte(`{"Status":"Success"}`))
	return nil
}

// windowQuery is the body of the date-window reads.
type windowQuery struct {
	Parameter *struct {
		FromDate         *string
		ToDate           *string
		ActivityEvent    json.RawMessage
		ActivityEvents   json.RawMessage
		ActivityID       *string
		RemoveEmptyValue json.RawMessage
	}
	Paging  *pagingBody
	Sorting *struct{ ColumnName, Direction json.RawMessage }
}

func (q *windowQuery) window() (from, to time.Time, err error) {
	p := q.Parameter
	if p.FromDate == nil || *p.FromDate == "" {
		return from, to, crm.Invalidf("FromDate")
	}
	if p.ToDate == nil || *p.ToDate == "" {
		return from, to, crm.Invalidf("ToDate")
	}
	if from, err = parseWireDate("FromDate", *p.FromDate); err != nil {
		return
	}
	if to, err = parseWireDate("ToDate", *p.ToDate); err != nil {
		return
	}
	if to.Before(from) {
		return from, to, crm.Invalidf("ToDate (before FromDate)")
	}
	return from, to.Add(999 * time.Millisecond), nil // inclusive at whole seconds
}

func (q *windowQuery) page(def int) (offset, limit int, err error) {
	pg, err := q.Paging.page(def, maxActivityPage)
	return pg.Offset(), pg.Size, err
}

func (q *windowQuery) sort(def string) (string, bool, error) {
	col, desc := def, false
	if q.Sorting == nil {
		return col, desc, nil
	}
	if s, err := scalarText(q.Sorting.ColumnName); err == nil && s != nil && *s != "" {
		switch {
		case strings.EqualFold(*s, "ModifiedOn"):
			col = "ModifiedOn"
		case strings.EqualFold(*s, "CreatedOn"), strings.EqualFold(*s, "ActivityDateTime"):
			col = "CreatedOn"
		default:
			return "", false, crm.Invalidf("Sorting.ColumnName (ModifiedOn or CreatedOn)")
		}
	}
	if n, ok, err := rawInt(q.Sorting.Direction); err != nil || ok && n != 0 && n != 1 {
		return "", false, crm.Invalidf("Sorting.Direction (0 ascending or 1 descending)")
	} else if ok {
		desc = n == 1
	}
	return col, desc, nil
}

// fill sets w's window, page (100 by default) and sort (ModifiedOn by
// default) from q, as both window reads of activities take them.
func (q *windowQuery) fill(w *store.ActivityWindow) (err error) {
	if w.From, w.To, err = q.window(); err != nil {
		return err
	}
	if w.Offset, w.Limit, err = q.page(100); err != nil {
		return err
	}
	w.Sort, w.Desc, err = q.sort("ModifiedOn")
	return err
}

func (a *API) parseWindow(c *call, shape string) (*windowQuery, error) {
	var q windowQuery
	if err := decodeObject(c.body, shape, &q); err != nil {
		return nil, err
	}
	if q.Parameter == nil {
		return nil, crm.Errorf(crm.KindInvalid, "Invalid Input! Parameter Name: You have not passed Parameter.")
	}
	return &q, nil
}

// POST ProspectActivity.svc/CustomActivity/RetrieveByActivityEvent — flat,
// string-valued records of one type whose ModifiedOn is in the window.
func (a *API) activitiesByEvent(c *call) error {
	q, err := a.parseWindow(c, `a JSON object {"Parameter":{"FromDate","ToDate","ActivityEvent"},"Paging","Sorting"}`)
	if err != nil {
		return err
	}
	if len(q.Parameter.ActivityEvent) == 0 || string(q.Parameter.ActivityEvent) == "null" {
		return crm.Invalidf("ActivityEvent")
	}
	code, err := eventCode(q.Parameter.ActivityEvent)
	if err != nil {
		return crm.Invalidf("ActivityEvent")
	}
	w := store.ActivityWindow{Code: code}
	if err := q.fill(&w); err != nil {
		return err
	}
	page, err := a.store.ActivitiesInWindow(c.ctx, &c.p.Org, w)
	if err != nil {
		return err
	}
	dropEmpty := rawBool(q.Parameter.RemoveEmptyValue)
	emails := map[string]string{}
	list := make([]map[string]string, len(page.List))
	for i := range page.List {
		act := &page.List[i]
		m := a.flatRecord(c, emails, act, page.Types[act.Code])
		if dropEmpty {
			for k, v := range m {
				if v == "" {
					delete(m, k)
				}
			}
		}
		list[i] = m
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount int64
		List        []map[string]string
	}{page.Total, list})
	return nil
}

// flatRecord is an activity as RetrieveByActivityEvent lists it: every
// value a string, the type's custom fields included (empty when unset);
// t is nil for a deleted type.
func (a *API) flatRecord(c *call, emails map[string]string, act *crm.Activity, t *crm.ActivityType) map[string]string {
	m := map[string]string{
		"ProspectActivityId": act.ID, "RelatedProspectId": act.LeadID, "ActivityEvent": strconv.Itoa(act.Code),
		"ActivityType": strconv.Itoa(crm.CategoryCustom), "ActivityEvent_Note": act.Note, "Status": act.Status,
		"Owner": act.Owner, "ActivityScore": strconv.FormatInt(act.Score, 10),
		"ProspectActivityAutoId": strconv.FormatInt(act.AutoID, 10),
		"CreatedOn":              lsq.FormatDateTime(act.On), "ModifiedOn": lsq.FormatDateTime(act.ModifiedOn),
		"CreatedBy": act.CreatedBy, "ModifiedBy": act.ModifiedBy, "CreatedByEmailAddress": a.userEmail(c, emails, act.CreatedBy),
	}
	if t != nil {
		m["ActivityType"] = strconv.Itoa(t.Category)
		for _, f := range t.Fields {
			m[f.SchemaName] = act.Fields[f.SchemaName]
		}
	}
	return m
}

func (a *API) userEmail(c *call, cache map[string]string, id string) string {
	if e, ok := cache[id]; ok {
		return e
	}
	e := ""
	if u, err := a.store.User(c.ctx, c.p.Org.ID, id); err == nil {
		e = u.Email
	}
	cache[id] = e
	return e
}

// POST ProspectActivity.svc/RetrieveRecentlyModified — trail records of
// every type whose ModifiedOn is in the window.
func (a *API) recentActivities(c *call) error {
	q, err := a.parseWindow(c, `a JSON object {"Parameter":{"FromDate","ToDate"},"Paging","Sorting"}`)
	if err != nil {
		return err
	}
	var w store.ActivityWindow
	if err := q.fill(&w); err != nil {
		return err
	}
	page, err := a.store.ActivitiesInWindow(c.ctx, &c.p.Org, w)
	if err != nil {
		return err
	}
	writeActivityPage(c, page)
	return nil
}

// activityChangeEntry is one changed value in RetrieveActivityChange.
type activityChangeEntry struct {
	ProspectActivityId string
	RelatedProspectId  string
	ActivityEvent      int
	FieldName          string
	OldValue           *string
	NewValue           *string
	ModifiedBy         string
	ModifiedOn         string
}

// POST ProspectActivity.svc/RetrieveActivityChange
func (a *API) activityChanges(c *call) error {
	q, err := a.parseWindow(c, `a JSON object {"Parameter":{"FromDate","ToDate","ActivityEvents"|"ActivityID"},"Paging"}`)
	if err != nil {
		return err
	}
	from, to, err := q.window()
	if err != nil {
		return err
	}
	var codes []int
	if v := bytes.TrimSpace(q.Parameter.ActivityEvents); len(v) > 0 && string(v) != "null" {
		// An array of codes, or a comma-separated string of them.
		var list []json.RawMessage
		if v[0] == '[' {
			if err := json.Unmarshal(v, &list); err != nil {
				return crm.Invalidf("ActivityEvents")
			}
		} else if s, err := scalarText(v); err == nil && s != nil {
			for _, p := range strings.Split(*s, ",") {
				list = append(list, json.RawMessage(strconv.Quote(strings.TrimSpace(p))))
			}
		}
		for _, el := range list {
			code, err := eventCode(el)
			if err != nil {
				return crm.Invalidf("ActivityEvents")
			}
			codes = append(codes, code)
		}
		if len(codes) > 100 {
			return crm.Invalidf("ActivityEvents (at most 100)")
		}
	}
	id := ""
	if q.Parameter.ActivityID != nil {
		id = strings.TrimSpace(*q.Parameter.ActivityID)
	}
	if id != "" && len(codes) > 0 {
		return crm.Invalidf("ActivityEvents and ActivityID can not be passed together")
	}
	if id == "" && len(codes) == 0 {
		return crm.Invalidf("ActivityEvents or ActivityID")
	}
	offset, limit, err := q.page(defActivityPage)
	if err != nil {
		return err
	}
	total, changes, err := a.store.ActivityChanges(c.ctx, c.p.Org.ID, from, to, codes, id, offset, limit)
	if err != nil {
		return err
	}
	out := make([]activityChangeEntry, len(changes))
	for i, ch := range changes {
		out[i] = activityChangeEntry{ProspectActivityId: ch.ActivityID, RelatedProspectId: ch.LeadID, ActivityEvent: ch.Code,
			FieldName: ch.Field, OldValue: ch.Old, NewValue: ch.New, ModifiedBy: ch.ChangedBy, ModifiedOn: lsq.FormatDateTime(ch.ChangedOn)}
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount int64
		Activities  []activityChangeEntry
	}{total, out})
	return nil
}

// POST ProspectActivity.svc/DeleteActivities — LeadSquared queues the
// delete; LocalSquared does it before answering, with the same message.
func (a *API) deleteActivities(c *call) error {
	var w struct {
		ProspectId        *string
		ActivityEventList []json.RawMessage
		FromDate          *string
		ToDate            *string
		StatusWebhookURL  *string
	}
	if err := decodeObject(c.body, `a JSON object {"ProspectId","ActivityEventList","FromDate","ToDate"}`, &w); err != nil {
		return err
	}
	if w.ProspectId == nil || strings.TrimSpace(*w.ProspectId) == "" {
		return crm.Errorf(crm.KindMandatory, "'ProspectId' is mandatory")
	}
	if len(w.ActivityEventList) == 0 {
		return crm.Errorf(crm.KindMandatory, "'ActivityEventList' is mandatory")
	}
	if len(w.ActivityEventList) > 100 {
		return crm.Invalidf("ActivityEventList (at most 100 event codes)")
	}
	codes := make([]int, len(w.ActivityEventList))
	for i, el := range w.ActivityEventList {
		code, err := eventCode(el)
		if err != nil {
			return err
		}
		codes[i] = code
	}
	var from, to time.Time
	var err error
	if w.FromDate != nil && *w.FromDate != "" {
		if from, err = parseWireDate("FromDate", *w.FromDate); err != nil {
			return err
		}
	}
	if w.ToDate != nil && *w.ToDate != "" {
		if to, err = parseWireDate("ToDate", *w.ToDate); err != nil {
			return err
		}
		to = to.Add(999 * time.Millisecond)
	}
	if _, err := a.store.DeleteActivities(c.ctx, c.p, *w.ProspectId, codes, from, to); err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, []byte(`{"Status":"Success","Message":{"Message":"Your request for delete activities has been queued."}}`))
	return nil
}
