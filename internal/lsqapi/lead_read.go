package lsqapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/jsonscan"
)

// Lead read caps and defaults (spec §1.7).
const (
	maxRecentPage    = 5000
	maxByIDs         = 10000
	defaultLeadPage  = 100
	maxLeadPageIndex = 1 << 20
)

// pagingBody is {"PageIndex","PageSize"}, numbers or numeric strings.
type pagingBody struct{ PageIndex, PageSize json.RawMessage }

// page reads a paging object: PageIndex ≥ 1 (default 1), 1 ≤ PageSize ≤
// max (default def). Errors: KindInvalid naming the parameter. Every
// {"PageIndex","PageSize"} body in the API is read here.
func (p *pagingBody) page(def, max int) (crm.Page, error) {
	index, size := int64(1), int64(def)
	if p != nil {
		if n, ok, err := rawInt(p.PageIndex); err != nil || ok && n < 1 {
			return crm.Page{}, crm.Invalidf("PageIndex")
		} else if ok {
			index = n
		}
		if n, ok, err := rawInt(p.PageSize); err != nil || ok && n < 1 {
			return crm.Page{}, crm.Invalidf("PageSize")
		} else if ok {
			size = n
		}
	}
	if size > int64(max) {
		return crm.Page{}, crm.Invalidf("PageSize can not be more than %d", max)
	}
	if index > maxLeadPageIndex {
		return crm.Page{}, crm.Invalidf("PageIndex")
	}
	return crm.Page{Index: int(index), Size: int(size)}, nil
}

// leadSearchBody is the body of Leads.Get, Leads.RecentlyModified and
// Leads/Retrieve/ByIds. Keys match case-insensitively; unknown keys are
// ignored, as LeadSquared does.
type leadSearchBody struct {
	Parameter *struct {
		LookupName, LookupValue, SqlOperator json.RawMessage
		FromDate, ToDate                     json.RawMessage
	}
	Columns *struct {
		Include_CSV json.RawMessage
	}
	Sorting *struct {
		ColumnName, Direction json.RawMessage
	}
	Paging           *pagingBody
	SearchParameters *struct {
		LeadIds json.RawMessage
	}
}

const leadSearchShape = `a JSON object such as {"Parameter":{…},"Columns":{"Include_CSV":"…"},"Sorting":{…},"Paging":{"PageIndex":1,"PageSize":100}}`

// parseLeadSearch decodes a lead search body. Errors: KindBadRequest for
// a body that is not such an object or has a value of the wrong JSON type.
func parseLeadSearch(body []byte) (*leadSearchBody, error) {
	var q leadSearchBody
	if err := decodeObject(body, leadSearchShape, &q); err != nil {
		return nil, err
	}
	return &q, nil
}

// text reads a scalar as text; a non-scalar is KindInvalid naming param.
func text(v json.RawMessage, param string) (string, error) {
	s, err := scalarText(v)
	if err != nil {
		return "", crm.Invalidf("%s (%v)", param, err)
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// columns returns the fields Include_CSV names, in its order, each once;
// names the schema lacks (schema names are case-sensitive) are dropped
// silently. No Columns at all means every field.
func (q *leadSearchBody) columns(sch *crm.Schema) ([]*crm.Field, error) {
	if q.Columns == nil || len(q.Columns.Include_CSV) == 0 {
		return sch.Fields, nil
	}
	csv, err := text(q.Columns.Include_CSV, "Columns.Include_CSV")
	if err != nil {
		return nil, err
	}
	var out []*crm.Field
	seen := map[string]bool{}
	for _, name := range strings.Split(csv, ",") {
		name = strings.TrimSpace(name)
		if f := sch.Field(name); f != nil && !seen[name] {
			seen[name] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// sort reads Sorting: ColumnName a schema field (an unknown name is
// refused, never used in SQL), Direction 1/"1"/"desc" descending or
// 0/"0"/"asc" ascending.
func (q *leadSearchBody) sort(sch *crm.Schema, defDesc bool) (crm.Sort, error) {
	srt := crm.Sort{Desc: defDesc}
	if q.Sorting == nil {
		return srt, nil
	}
	name, err := text(q.Sorting.ColumnName, "Sorting.ColumnName")
	if err != nil {
		return srt, err
	}
	if name = strings.TrimSpace(name); name != "" {
		if srt.Field = sch.Field(name); srt.Field == nil {
			return srt, crm.Invalidf("Sorting.ColumnName ('%s' is not a lead field)", sanitize(name))
		}
	}
	dir, err := text(q.Sorting.Direction, "Sorting.Direction")
	if err != nil {
		return srt, err
	}
	switch strings.ToLower(strings.TrimSpace(dir)) {
	case "":
	case "1", "desc", "descending":
		srt.Desc = true
	case "0", "asc", "ascending":
		srt.Desc = false
	default:
		return srt, crm.Invalidf("Sorting.Direction (0 ascending or 1 descending)")
	}
	return srt, nil
}

// condition reads Leads.Get's Parameter. A LookupName the schema lacks
// matches nothing (nil, nil): LeadSquared answers [] rather than an error.
func (q *leadSearchBody) condition(sch *crm.Schema) (*crm.Condition, error) {
	p := q.Parameter
	if p == nil {
		return nil, crm.Invalidf("Parameter")
	}
	name, err := text(p.LookupName, "LookupName")
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, crm.Invalidf("LookupName")
	}
	opText, err := text(p.SqlOperator, "SqlOperator")
	if err != nil {
		return nil, err
	}
	if opText == "" {
		return nil, crm.Invalidf("SqlOperator")
	}
	op, err := crm.ParseOp(opText)
	if err != nil {
		return nil, err
	}
	value, err := text(p.LookupValue, "LookupValue")
	if err != nil {
		return nil, err
	}
	f := sch.Field(name)
	if f == nil {
		return nil, nil
	}
	cond := &crm.Condition{Field: f, Op: op}
	switch op {
	case crm.OpLike:
		if value == "" || strings.IndexByte(value, 0) >= 0 || len(value) > 1000 {
			return nil, crm.Invalidf("LookupValue")
		}
		cond.Values = []string{value}
		return cond, nil
	case crm.OpIn:
		for _, v := range strings.Split(value, ",") {
			if v = strings.TrimSpace(v); v != "" {
				nv, err := lookupValue(f, v)
				if err != nil {
					return nil, err
				}
				cond.Values = append(cond.Values, nv)
			}
		}
		if len(cond.Values) == 0 || len(cond.Values) > 1000 {
			return nil, crm.Invalidf("LookupValue (IN takes 1 to 1000 comma-separated values)")
		}
		return cond, nil
	}
	nv, err := lookupValue(f, value)
	if err != nil {
		return nil, err
	}
	cond.Values = []string{nv}
	return cond, nil
}

// lookupValue checks a search value against its field's type, as a write
// would, except that flags must be 0 or 1 (LeadSquared refuses "true" in a
// search). Every failure is MXInvalidInputException.
func lookupValue(f *crm.Field, v string) (string, error) {
	if f.DataType == crm.TypeBoolean && v != "0" && v != "1" {
		return "", crm.Invalidf("LookupValue (%s takes 0 or 1)", f.SchemaName)
	}
	nv, err := normalizeValue(f, strings.TrimSpace(v))
	if err != nil {
		return "", crm.Invalidf("LookupValue (not a valid value for %s)", f.SchemaName)
	}
	return nv, nil
}

// POST LeadManagement.svc/Leads.Get: one condition, Include_CSV columns,
// sorted (ProspectAutoId descending by default) and paged; a bare array of
// flat lead objects.
func (a *API) searchLeads(c *call) error {
	q, err := parseLeadSearch(c.body)
	if err != nil {
		return err
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	cond, err := q.condition(sch)
	if err != nil {
		return err
	}
	cols, err := q.columns(sch)
	if err != nil {
		return err
	}
	lq := crm.LeadQuery{Cond: cond, Fields: fieldNames(cols)}
	if lq.Sort, err = q.sort(sch, true); err != nil {
		return err
	}
	if lq.Page, err = q.Paging.page(defaultLeadPage, crm.MaxPage); err != nil {
		return err
	}
	if cond == nil {
		writeRaw(c.w, http.StatusOK, []byte("[]"))
		return nil
	}
	leads, err := a.store.SearchLeads(c.ctx, c.p.Org.ID, &lq, "auto_id")
	if err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, appendFlatLeads(nil, cols, leads))
	return nil
}

// fieldNames lists the schema names of cols, for crm.LeadQuery.Fields.
func fieldNames(cols []*crm.Field) []string {
	names := make([]string, len(cols))
	for i, f := range cols {
		names[i] = f.SchemaName
	}
	return names
}

// appendFlatLeads appends [ {col: value, …}, … ].
func appendFlatLeads(b []byte, cols []*crm.Field, leads []*crm.Lead) []byte {
	b = append(b, '[')
	for i, l := range leads {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for j, f := range cols {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonscan.AppendString(b, f.SchemaName)
			b = append(b, ':')
			b = appendLeadValue(b, f.SchemaName, l)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendPropertyList appends {"LeadPropertyList":[{"Attribute","Value"}…]}
// with the synthetic attributes extra (name, value pairs) at the end.
func appendPropertyList(b []byte, cols []*crm.Field, l *crm.Lead, extra ...string) []byte {
	b = append(b, `{"LeadPropertyList":[`...)
	for j, f := range cols {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Attribute":`...)
		b = jsonscan.AppendString(b, f.SchemaName)
		b = append(b, `,"Value":`...)
		b = appendLeadValue(b, f.SchemaName, l)
		b = append(b, '}')
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if len(cols) > 0 || i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Attribute":`...)
		b = jsonscan.AppendString(b, extra[i])
		b = append(b, `,"Value":`...)
		b = jsonscan.AppendString(b, extra[i+1])
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// POST LeadManagement.svc/Leads.RecentlyModified: leads whose
// LeadLastModifiedOn is in [FromDate, ToDate] (whole seconds, inclusive),
// as {"RecordCount":N,"Leads":[{"LeadPropertyList":[…]}]}; "Leads" is left
// out when the page is empty. PageSize ≤ 5000.
func (a *API) recentlyModifiedLeads(c *call) error {
	q, err := parseLeadSearch(c.body)
	if err != nil {
		return err
	}
	if q.Parameter == nil {
		return crm.Invalidf("Parameter")
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	var lq crm.LeadQuery
	if lq.From, err = dateParam(q.Parameter.FromDate, "FromDate"); err != nil {
		return err
	}
	if lq.To, err = dateParam(q.Parameter.ToDate, "ToDate"); err != nil {
		return err
	}
	if lq.To.Before(lq.From) {
		return crm.Invalidf("ToDate (before FromDate)")
	}
	cols, err := q.columns(sch)
	if err != nil {
		return err
	}
	lq.Fields = fieldNames(cols)
	if lq.Sort, err = q.sort(sch, false); err != nil {
		return err
	}
	if lq.Page, err = q.Paging.page(defaultLeadPage, maxRecentPage); err != nil {
		return err
	}
	total, err := a.store.CountLeads(c.ctx, c.p.Org.ID, &lq)
	if err != nil {
		return err
	}
	var leads []*crm.Lead
	if int64(lq.Page.Offset()) < total {
		if leads, err = a.store.SearchLeads(c.ctx, c.p.Org.ID, &lq, "last_modified_on"); err != nil {
			return err
		}
	}
	totalText := strconv.FormatInt(total, 10)
	b := append(make([]byte, 0, 512*len(leads)+64), `{"RecordCount":`...)
	b = append(b, totalText...)
	if len(leads) > 0 {
		b = append(b, `,"Leads":[`...)
		for i, l := range leads {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPropertyList(b, cols, l, "CanUpdate", "true", "Total", totalText)
		}
		b = append(b, ']')
	}
	writeRaw(c.w, http.StatusOK, append(b, '}'))
	return nil
}

// POST LeadManagement.svc/Leads/Retrieve/ByIds: up to 10,000 ids, with
// mandatory Include_CSV; {"RecordCount":N,"Leads":[flat objects]} in the
// order of the ids, a page at a time. Unknown ids are left out.
func (a *API) leadsByIDs(c *call) error {
	q, err := parseLeadSearch(c.body)
	if err != nil {
		return err
	}
	if q.SearchParameters == nil || len(q.SearchParameters.LeadIds) == 0 {
		return crm.Errorf(crm.KindMandatory, "'LeadIds' is mandatory")
	}
	var ids []string
	if err := json.Unmarshal(q.SearchParameters.LeadIds, &ids); err != nil {
		return crm.Errorf(crm.KindBadRequest, "SearchParameters.LeadIds must be an array of strings")
	}
	if len(ids) == 0 {
		return crm.Errorf(crm.KindMandatory, "'LeadIds' is mandatory")
	}
	if len(ids) > maxByIDs {
		return crm.Invalidf("LeadIds can not be more than %d", maxByIDs)
	}
	if q.Columns == nil || len(q.Columns.Include_CSV) == 0 {
		return crm.Errorf(crm.KindMandatory, "'Include_CSV' is mandatory")
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	cols, err := q.columns(sch)
	if err != nil {
		return err
	}
	pg, err := q.Paging.page(maxByIDs, maxByIDs)
	if err != nil {
		return err
	}
	leads, err := a.store.LeadsByIDs(c.ctx, c.p.Org.ID, ids)
	if err != nil {
		return err
	}
	total := len(leads)
	leads = leads[min(pg.Offset(), total):min(pg.Offset()+pg.Size, total)]
	b := append([]byte(`{"RecordCount":`), strconv.Itoa(total)...)
	b = append(b, `,"Leads":`...)
	b = appendFlatLeads(b, cols, leads)
	writeRaw(c.w, http.StatusOK, append(b, '}'))
	return nil
}

// dateParam reads a mandatory yyyy-MM-dd HH:mm:ss parameter.
func dateParam(raw json.RawMessage, name string) (time.Time, error) {
	v, err := text(raw, name)
	if err != nil {
		return time.Time{}, err
	}
	if v == "" {
		return time.Time{}, crm.Invalidf("%s", name)
	}
	return parseWireDate(name, v)
}

// writeLeads writes a bare array of full lead objects.
func (a *API) writeLeads(c *call, leads []*crm.Lead) error {
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	p := bodyBuf(2048*len(leads) + 2)
	b := append(*p, '[')
	for i, l := range leads {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendLead(b, sch, l)
	}
	writeBody(c.w, http.StatusOK, p, append(b, ']'))
	return nil
}

// mandatoryParam returns the query parameter name or a KindMandatory error.
func (c *call) mandatoryParam(name string) (string, error) {
	v, _ := c.param(strings.ToLower(name))
	if strings.TrimSpace(v) == "" {
		return "", crm.Errorf(crm.KindMandatory, "'%s' is mandatory", name)
	}
	return v, nil
}

// GET LeadManagement.svc/Leads.GetByEmailaddress?emailaddress=
func (a *API) leadsByEmail(c *call) error {
	v, err := c.mandatoryParam("emailaddress")
	if err != nil {
		return err
	}
	leads, err := a.store.LeadsByEmail(c.ctx, c.p.Org.ID, v)
	if err != nil {
		return err
	}
	return a.writeLeads(c, leads)
}

// GET LeadManagement.svc/RetrieveLeadByPhoneNumber?phone= (Phone or
// Mobile, digits compared).
func (a *API) leadsByPhone(c *call) error {
	v, err := c.mandatoryParam("phone")
	if err != nil {
		return err
	}
	leads, err := a.store.LeadsByPhone(c.ctx, c.p.Org.ID, v)
	if err != nil {
		return err
	}
	return a.writeLeads(c, leads)
}

// GET LeadManagement.svc/Leads.GetByQuickSearch?key=
func (a *API) quickSearchLeads(c *call) error {
	v, err := c.mandatoryParam("key")
	if err != nil {
		return err
	}
	if len(v) > 200 {
		return crm.Invalidf("key (longer than 200 characters)")
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	leads, err := a.store.QuickSearch(c.ctx, c.p.Org.ID, sch, v)
	if err != nil {
		return err
	}
	return a.writeLeads(c, leads)
}
