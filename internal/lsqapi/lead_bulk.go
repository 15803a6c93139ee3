package lsqapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
)

// Bulk caps (spec §1.7).
const (
	maxBulkCreate   = 50
	maxBulkUpsert   = 25
	maxBulkUpdate   = 50
	maxBulkUpdateV2 = 25
)

const bulkShape = `request body must be a JSON array of rows, each an array of {"Attribute","Value"} objects`

// parseBulkRows parses [[{Attribute,Value}…]…] with at most max rows. The
// body's shape is checked as a whole (400); each row's values are checked
// against the schema on their own, a bad row carrying its error.
func (a *API) parseBulkRows(c *call, max int) ([]store.BulkLeadRow, error) {
	attrs, err := bulkAttributes(c.body, max)
	if err != nil {
		return nil, err
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return nil, err
	}
	rows := make([]store.BulkLeadRow, len(attrs))
	for i := range attrs {
		rows[i].SearchBy, rows[i].Attrs = splitSearchBy(attrs[i])
		rows[i].Err = normalize(sch, rows[i].Attrs)
	}
	return rows, nil
}

// bulkAttributes parses a bulk body into each row's attributes, at most
// max rows.
func bulkAttributes(body []byte, max int) ([][]crm.Attribute, error) {
	rows, ok := scanBulkBody(body)
	if !ok {
		return decodeBulkAttributes(body, max)
	}
	if err := checkBulkCount(len(rows), max); err != nil {
		return nil, err
	}
	return rows, nil
}

func checkBulkCount(n, max int) error {
	if n == 0 {
		return crm.Invalidf("the request has no leads")
	}
	if n > max {
		return crm.Invalidf("a call can carry at most %d leads; this one has %d", max, n)
	}
	return nil
}

// decodeBulkAttributes is bulkAttributes through encoding/json.
func decodeBulkAttributes(body []byte, max int) ([][]crm.Attribute, error) {
	if len(body) == 0 {
		return nil, crm.Errorf(crm.KindBadRequest, "%s; the body is empty", bulkShape)
	}
	raw, err := jsonArray(body, bulkShape)
	if err != nil {
		return nil, err
	}
	if err := checkBulkCount(len(raw), max); err != nil {
		return nil, err
	}
	rows := make([][]crm.Attribute, len(raw))
	for i, r := range raw {
		where := fmt.Sprintf("row %d: ", i+1)
		if j := firstByte(r); r[j] != '[' {
			return nil, crm.Errorf(crm.KindBadRequest, "%s%s; found %s", where, bulkShape, jsonKind(r, j))
		}
		var els []json.RawMessage
		if err := json.Unmarshal(r, &els); err != nil {
			return nil, crm.Errorf(crm.KindBadRequest, "%s%s", where, bulkShape)
		}
		if rows[i], err = attributesFromRaw(els, where); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// bulkLeadRow is one row of a bulk create or create-or-update response.
type bulkLeadRow struct {
	RowNumber        int
	LeadId           *string
	LeadCreated      bool
	LeadUpdated      bool
	AffectedRows     int
	ExceptionType    string `json:",omitempty"`
	ExceptionMessage string `json:",omitempty"`
}

// writeBulkRows answers a bulk create or create-or-update: a bare array
// with one result per row, in order, HTTP 200 even when rows failed.
func writeBulkRows(c *call, res []store.LeadRowResult) {
	out := make([]bulkLeadRow, len(res))
	for i, r := range res {
		out[i].RowNumber = i + 1
		if r.Err != nil {
			out[i].ExceptionType, out[i].ExceptionMessage = exceptionOf(r.Err)
			continue
		}
		id := r.ID
		out[i].LeadId, out[i].LeadCreated, out[i].LeadUpdated, out[i].AffectedRows = &id, r.Created, r.Updated, 1
	}
	writeJSON(c.w, http.StatusOK, out)
}

// exceptionOf is the ExceptionType and message a row error reports, from
// the same table as whole-call errors.
func exceptionOf(err error) (string, string) {
	e, ok := errorTable[crm.KindOf(err)]
	if !ok {
		e = errorTable[crm.KindInternal]
	}
	return e.typ, crm.MessageOf(err)
}

// POST LeadManagement.svc/Lead/Bulk/Create (≤ 50 leads)
func (a *API) bulkCreateLeads(c *call) error {
	rows, err := a.parseBulkRows(c, maxBulkCreate)
	if err != nil {
		return err
	}
	res, err := a.store.BulkCreateLeads(c.ctx, c.p, rows)
	if err != nil {
		return err
	}
	writeBulkRows(c, res)
	return nil
}

// POST LeadManagement.svc/Lead/Bulk/CreateOrUpdate (≤ 25 leads; each row
// may carry its own SearchBy, default EmailAddress)
func (a *API) bulkUpsertLeads(c *call) error {
	rows, err := a.parseBulkRows(c, maxBulkUpsert)
	if err != nil {
		return err
	}
	res, err := a.store.BulkUpsertLeads(c.ctx, c.p, rows)
	if err != nil {
		return err
	}
	writeBulkRows(c, res)
	return nil
}

// POST LeadManagement.svc/Lead/Bulk/Update
// {"LeadIds":[…≤50],"LeadFields":{"Attribute","Value"}}: one field set on
// every lead; AffectedRows counts the leads updated (unknown ids are not).
func (a *API) bulkUpdateLeads(c *call) error {
	var q struct {
		LeadIds    []string
		LeadFields json.RawMessage
	}
	if err := decodeObject(c.body, `{"LeadIds":[…],"LeadFields":{"Attribute":"…","Value":"…"}}`, &q); err != nil {
		return err
	}
	if len(q.LeadIds) == 0 {
		return crm.Errorf(crm.KindMandatory, "'LeadIds' is mandatory")
	}
	if len(q.LeadIds) > maxBulkUpdate {
		return crm.Invalidf("a call can carry at most %d leads; this one has %d", maxBulkUpdate, len(q.LeadIds))
	}
	if len(q.LeadFields) == 0 || firstByte(q.LeadFields) >= len(q.LeadFields) || q.LeadFields[firstByte(q.LeadFields)] != '{' {
		return crm.Errorf(crm.KindMandatory, "'LeadFields' is mandatory: one {\"Attribute\",\"Value\"} object")
	}
	attrs, err := attributesFromRaw([]json.RawMessage{q.LeadFields}, "LeadFields: ")
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
	rows := make([]store.BulkLeadRow, len(q.LeadIds))
	for i, id := range q.LeadIds {
		v := id
		rows[i].Attrs = []crm.Attribute{{Name: "ProspectID", Value: &v}, attrs[0]}
	}
	res, err := a.store.BulkUpdateLeads(c.ctx, c.p, "ProspectID", rows)
	if err != nil {
		return err
	}
	n := 0
	for _, r := range res {
		if r.Updated {
			n++
		}
	}
	writeJSON(c.w, http.StatusOK, ok(affectedMessage{n}))
	return nil
}

// updateV2Failure is one entry of UpdateV2's FailedLeads/UnProcessedLeads.
type updateV2Failure struct {
	Identifier      string
	IdentifierValue string
	Reason          string
}

// POST LeadManagement.svc/Lead/Bulk/UpdateV2 (≤ 25 rows, many fields each)
func (a *API) bulkUpdateLeadsV2(c *call) error {
	var q struct {
		SearchByKey        string
		Options            struct{ PushNonExistentLeadsToUnProcessedList json.RawMessage }
		LeadPropertiesList []struct{ Fields []json.RawMessage }
	}
	shape := `{"SearchByKey":"ProspectId","LeadPropertiesList":[{"Fields":[{"Attribute":"…","Value":"…"}]}]}`
	if err := decodeObject(c.body, shape, &q); err != nil {
		return err
	}
	if len(q.LeadPropertiesList) == 0 {
		return crm.Errorf(crm.KindMandatory, "'LeadPropertiesList' is mandatory")
	}
	if len(q.LeadPropertiesList) > maxBulkUpdateV2 {
		return crm.Invalidf("a call can carry at most %d leads; this one has %d", maxBulkUpdateV2, len(q.LeadPropertiesList))
	}
	key := strings.TrimSpace(q.SearchByKey)
	if key == "" {
		key = "ProspectId"
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	rows := make([]store.BulkLeadRow, len(q.LeadPropertiesList))
	for i, lp := range q.LeadPropertiesList {
		attrs, err := attributesFromRaw(lp.Fields, fmt.Sprintf("row %d: ", i+1))
		if err != nil {
			return err
		}
		if len(attrs) == 0 {
			rows[i].Err = crm.Errorf(crm.KindMandatory, "Fields cannot be empty")
			continue
		}
		// "ProspectId" is the search key's spelling, not a field; the rest
		// are checked (in place) like any write.
		rest := withoutAttr(attrs, "ProspectId")
		rows[i].Err = normalize(sch, rest)
		rows[i].Attrs = append(rest, onlyAttr(attrs, "ProspectId")...)
	}
	res, err := a.store.BulkUpdateLeads(c.ctx, c.p, key, rows)
	if err != nil {
		return err
	}
	unprocessed := rawBool(q.Options.PushNonExistentLeadsToUnProcessedList)
	var status struct {
		TotalCount, SuccessCount, FailureCount int
		UnProcessedCount                       *int `json:",omitempty"`
		Message                                string
	}
	details := struct {
		FailedLeads      []updateV2Failure
		UnProcessedLeads []updateV2Failure `json:",omitempty"`
	}{FailedLeads: []updateV2Failure{}}
	status.TotalCount = len(res)
	if unprocessed {
		status.UnProcessedCount = new(int)
		details.UnProcessedLeads = []updateV2Failure{}
	}
	for i, r := range res {
		if r.Err == nil {
			status.SuccessCount++
			continue
		}
		f := updateV2Failure{key, valueOf(rows[i].Attrs, key), crm.MessageOf(r.Err)}
		if r.NotFound && unprocessed {
			*status.UnProcessedCount++
			details.UnProcessedLeads = append(details.UnProcessedLeads, f)
			continue
		}
		status.FailureCount++
		details.FailedLeads = append(details.FailedLeads, f)
	}
	status.Message = "Success"
	if status.FailureCount > 0 {
		status.Message = "Error"
	}
	writeJSON(c.w, http.StatusOK, struct {
		Status  any
		Details any
	}{status, details})
	return nil
}

// withoutAttr returns attrs without the attributes named name (a search
// key spelled as no field is, like "ProspectId").
func withoutAttr(attrs []crm.Attribute, name string) []crm.Attribute {
	out := make([]crm.Attribute, 0, len(attrs))
	for _, a := range attrs {
		if a.Name != name {
			out = append(out, a)
		}
	}
	return out
}

// onlyAttr returns the attributes of attrs named name.
func onlyAttr(attrs []crm.Attribute, name string) []crm.Attribute {
	var out []crm.Attribute
	for _, a := range attrs {
		if a.Name == name {
			out = append(out, a)
		}
	}
	return out
}

// valueOf returns the value of the attribute name (ProspectId and
// ProspectID alike), or "".
func valueOf(attrs []crm.Attribute, name string) string {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) && a.Value != nil {
			return *a.Value
		}
	}
	return ""
}
