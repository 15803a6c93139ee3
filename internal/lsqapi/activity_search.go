package lsqapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/jsonscan"
	"github.com/localsquared/localsquared/internal/store"
)

// Caps of GetLeadReferences (reference lsq-api-other.md §2.5).
const (
	maxLeadRefPage = 50
	defLeadRefPage = 50
)

// wireSearchRow is one AdvancedSearch RowCondition. LSO_Type is read and
// not used: the field's own type decides how RSO is read.
type wireSearchRow struct {
	SubConOp string
	LSO      string
	LSO_Type json.RawMessage
	Operator string
	RSO      json.RawMessage
}

// wireAdvancedSearch is the AdvancedSearch document.
type wireAdvancedSearch struct {
	GrpConOp   string
	Conditions []struct {
		Type         string
		ConOp        string
		RowCondition []wireSearchRow
	}
	QueryTimeZone string
}

// advancedSearch reads AdvancedSearch, a JSON string holding the search
// document (or the document itself), and checks it against t. Absent,
// null or an empty string is no condition. Errors: KindInvalid.
func advancedSearch(t *crm.ActivityType, v json.RawMessage) (*crm.ActivityExpr, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	doc := []byte(v)
	if v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, crm.Invalidf("AdvancedSearch (not a string)")
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		doc = []byte(s)
	}
	var w wireAdvancedSearch
	if i := firstByte(doc); i >= len(doc) || doc[i] != '{' || !json.Valid(doc) {
		return nil, crm.Invalidf(`AdvancedSearch (expected a JSON object {"GrpConOp","Conditions":[{"Type","ConOp","RowCondition":[…]}],"QueryTimeZone"})`)
	}
	if err := json.Unmarshal(doc, &w); err != nil {
		return nil, crm.Invalidf("AdvancedSearch (%s)", wireTypeError(err))
	}
	if tz := strings.TrimSpace(w.QueryTimeZone); tz != "" && !strings.EqualFold(tz, "UTC") {
		return nil, crm.Invalidf("QueryTimeZone (only UTC is supported)")
	}
	groups := make([]crm.ActivityGroup, len(w.Conditions))
	for gi, g := range w.Conditions {
		groups[gi] = crm.ActivityGroup{Type: g.Type, ConOp: g.ConOp}
		for ri, r := range g.RowCondition {
			rso, err := scalarText(r.RSO)
			if err != nil {
				return nil, crm.Invalidf("Conditions[%d].RowCondition[%d].RSO (a string or number)", gi, ri)
			}
			row := crm.ActivityRow{SubConOp: r.SubConOp, LSO: r.LSO, Operator: r.Operator}
			if rso != nil {
				row.RSO = *rso
			}
			groups[gi].Rows = append(groups[gi].Rows, row)
		}
	}
	return crm.ActivityFilter(t, w.GrpConOp, groups)
}

// searchSort reads Sorting: ColumnName any searchable field of t (default
// ModifiedOn), Direction 0/"Asc" ascending (default) or 1/"Desc".
func searchSort(t *crm.ActivityType, v *struct{ ColumnName, Direction json.RawMessage }) (*crm.ActivitySearchField, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	var sort *crm.ActivitySearchField
	if s, err := scalarText(v.ColumnName); err != nil {
		return nil, false, crm.Invalidf("Sorting.ColumnName")
	} else if s != nil && strings.TrimSpace(*s) != "" {
		f, ok := t.SearchField(*s)
		if !ok {
			return nil, false, crm.Invalidf("Sorting.ColumnName ('%s' is not a field of activity '%s')", sanitize(*s), t.Name)
		}
		sort = &f
	}
	d, err := scalarText(v.Direction)
	if err != nil {
		return nil, false, crm.Invalidf("Sorting.Direction (0 ascending or 1 descending)")
	}
	desc := false
	if d != nil {
		switch strings.ToLower(strings.TrimSpace(*d)) {
		case "", "0", "asc", "ascending":
		case "1", "desc", "descending":
			desc = true
		default:
			return nil, false, crm.Invalidf("Sorting.Direction (0 ascending or 1 descending)")
		}
	}
	return sort, desc, nil
}

// searchColumns reads Include_CSV into the known column names of
// activities of type t, in the order given, each once; unknown names are
// dropped. ActivityDateTime is CreatedOn under its own name.
func searchColumns(t *crm.ActivityType, csv string) []string {
	known := []string{"ProspectActivityId", "RelatedProspectId", "ActivityEvent", "ActivityType", "ActivityEvent_Note",
		"Status", "Owner", "ActivityScore", "ProspectActivityAutoId", "CreatedOn", "ActivityDateTime", "ModifiedOn",
		"CreatedBy", "ModifiedBy", "CreatedByEmailAddress"}
	for _, f := range t.Fields {
		known = append(known, f.SchemaName)
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range strings.Split(csv, ",") {
		name = strings.TrimSpace(name)
		for _, k := range known {
			if strings.EqualFold(k, name) && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

const searchShape = `a JSON object {"ActivityEvent","AdvancedSearch","Paging":{"PageIndex","PageSize"},"Sorting":{"ColumnName","Direction"},"Columns":{"Include_CSV"}}`

// POST ProspectActivity.svc/Activity/Retrieve/BySearchParameter — the
// org's activities of one type matching an AdvancedSearch, a page at a
// time: flat records of the Include_CSV columns, or trail records (as
// Retrieve?leadId=) when no known column is asked for.
func (a *API) searchActivities(c *call) error {
	var w struct {
		ActivityEvent  json.RawMessage
		AdvancedSearch json.RawMessage
		Paging         *pagingBody
		Sorting        *struct{ ColumnName, Direction json.RawMessage }
		Columns        *struct{ Include_CSV *string }
	}
	if err := decodeObject(c.body, searchShape, &w); err != nil {
		return err
	}
	code, err := eventCode(w.ActivityEvent)
	if err != nil {
		return err
	}
	t, err := a.store.ActivityType(c.ctx, &c.p.Org, code)
	if err != nil {
		return err
	}
	q := store.ActivitySearch{Code: code}
	if q.Filter, err = advancedSearch(t, w.AdvancedSearch); err != nil {
		return err
	}
	if q.Offset, q.Limit, err = (&windowQuery{Paging: w.Paging}).page(100); err != nil {
		return err
	}
	if q.Sort, q.Desc, err = searchSort(t, w.Sorting); err != nil {
		return err
	}
	var cols []string
	if w.Columns != nil && w.Columns.Include_CSV != nil {
		cols = searchColumns(t, *w.Columns.Include_CSV)
	}
	page, err := a.store.SearchActivities(c.ctx, &c.p.Org, q)
	if err != nil {
		return err
	}
	list := make([]json.RawMessage, len(page.List))
	emails := map[string]string{}
	for i := range page.List {
		act := &page.List[i]
		if len(cols) == 0 {
			list[i], _ = json.Marshal(trailOf(act, page.Types[act.Code]))
			continue
		}
		m := a.flatRecord(c, emails, act, page.Types[act.Code])
		m["ActivityDateTime"] = m["CreatedOn"]
		b := []byte{'{'}
		for j, k := range cols {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonscan.AppendString(b, k)
			b = append(b, ':')
			b = jsonscan.AppendString(b, m[k])
		}
		list[i] = append(b, '}')
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount        int64
		ProspectActivities []json.RawMessage
	}{page.Total, list})
	return nil
}

// POST ProspectActivity.svc/GetLeadReferences?leadId= — activities whose
// Lead fields name the lead, newest first, as GetActivityDetails shows
// them; Paging {"PageIndex","PageSize"} (default 50, at most 50) in the
// body, which may be empty.
func (a *API) leadReferences(c *call) error {
	var w struct {
		Paging *pagingBody
	}
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := decodeObject(c.body, `a JSON object {"Paging":{"PageIndex","PageSize"}}`, &w); err != nil {
			return err
		}
	}
	id, _ := c.param("leadid")
	if strings.TrimSpace(id) == "" {
		return crm.Errorf(crm.KindMandatory, "'leadId' is mandatory")
	}
	pg, err := w.Paging.page(defLeadRefPage, maxLeadRefPage)
	if err != nil {
		return err
	}
	page, err := a.store.LeadReferences(c.ctx, &c.p.Org, id, pg.Offset(), pg.Size)
	if err != nil {
		return err
	}
	list := make([]typeDetails, len(page.List))
	for i := range page.List {
		act := &page.List[i]
		t := page.Types[act.Code]
		if t == nil {
			t = &crm.ActivityType{Code: act.Code}
		}
		list[i] = typeDetails{ID: act.ID, Name: t.Name, DisplayName: t.DisplayName, Fields: descriptors(t, act)}
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount        int64
		ProspectActivities []typeDetails
	}{page.Total, list})
	return nil
}
