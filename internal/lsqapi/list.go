package lsqapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/jsonscan"
	"github.com/localsquared/localsquared/internal/store"
)

// Page sizes of the list surface.
const (
	defListPage     = 100 // Lists.Get
	defListLeadPage = 100 // Leads/Retrieve/BySearchParameter
	maxListPage     = 1000
)

// queryInt reads an optional whole-number query parameter (name in
// lower case); absent or empty is ok=false.
func (c *call) queryInt(name, display string) (n int, ok bool, err error) {
	v, _ := c.param(name)
	if v = strings.TrimSpace(v); v == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil || n < 0 || n > 1<<30 {
		return 0, false, crm.Invalidf("%s", display)
	}
	return n, true, nil
}

// GET LeadManagement.svc/Lists.Get[?PageIndex=&PageSize=&ListType=&SearchText=]
// — a bare array of the org's lists by name. LocalSquared's lists are all
// static, so ListType 1 (dynamic) and 2 (refreshable) answer [].
func (a *API) getLists(c *call) error {
	var f store.ListFilter
	index, size := 1, defListPage
	if n, ok, err := c.queryInt("pageindex", "PageIndex"); err != nil || ok && n < 1 {
		return crm.Invalidf("PageIndex")
	} else if ok {
		index = n
	}
	if n, ok, err := c.queryInt("pagesize", "PageSize"); err != nil || ok && n < 1 {
		return crm.Invalidf("PageSize")
	} else if ok {
		if n > maxListPage {
			return crm.Invalidf("PageSize can not be more than %d", maxListPage)
		}
		size = n
	}
	if n, ok, err := c.queryInt("listtype", "ListType"); err != nil || ok && n > crm.ListRefreshable {
		return crm.Invalidf("ListType (0 static, 1 dynamic or 2 refreshable)")
	} else if ok {
		f.Type = &n
	}
	f.Search, _ = c.param("searchtext")
	f.Search = strings.TrimSpace(f.Search)
	f.Offset, f.Limit = (index-1)*size, size
	lists, err := a.store.Lists(c.ctx, c.p.Org.ID, f)
	if err != nil {
		return err
	}
	type entry struct {
		ListId          string
		ListName        string
		ListDescription string
		ListType        string
		MemberCount     int64
	}
	out := make([]entry, len(lists))
	for i := range lists {
		l := &lists[i]
		out[i] = entry{l.ID, l.Name, l.Description, l.TypeName(), l.MemberCount}
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// POST LeadSegmentation.svc/CreateEmptyList
func (a *API) createEmptyList(c *call) error {
	var w struct{ Name, Description *string }
	if err := decodeObject(c.body, `a JSON object {"Name","Description"}`, &w); err != nil {
		return err
	}
	l, err := a.store.CreateList(c.ctx, c.p, deref(w.Name), deref(w.Description))
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{l.ID}))
	return nil
}

// textMessage is the {"Message":{"Message":"…"}} success envelope.
type textMessage struct{ Message string }

// POST LeadSegmentation.svc/AddLeadsToStaticList — {"listId","leadIds"}
// (keys in any case), at most 10,000 ids; all or nothing.
func (a *API) addLeadsToList(c *call) error {
	var w struct {
		ListId  *string
		LeadIds []string
	}
	if err := decodeObject(c.body, `a JSON object {"listId","leadIds":[…]}`, &w); err != nil {
		return err
	}
	list, err := mandatory(w.ListId, "listId")
	if err != nil {
		return err
	}
	if len(w.LeadIds) == 0 {
		return crm.Errorf(crm.KindMandatory, "'leadIds' is mandatory")
	}
	if len(w.LeadIds) > crm.MaxListLeadsPerCall {
		return crm.Invalidf("leadIds (at most %d per call; found %d)", crm.MaxListLeadsPerCall, len(w.LeadIds))
	}
	n, err := a.store.AddListMembers(c.ctx, c.p, list, w.LeadIds)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(textMessage{"Successfully added " + strconv.Itoa(n) + " lead(s) to list"}))
	return nil
}

// listAndLead reads the mandatory list and lead id query parameters.
func (c *call) listAndLead(listParam, leadParam string) (string, string, error) {
	list, _ := c.param(strings.ToLower(listParam))
	lead, _ := c.param(strings.ToLower(leadParam))
	if strings.TrimSpace(list) == "" {
		return "", "", crm.Errorf(crm.KindMandatory, "'%s' is mandatory", listParam)
	}
	if strings.TrimSpace(lead) == "" {
		return "", "", crm.Errorf(crm.KindMandatory, "'%s' is mandatory", leadParam)
	}
	return list, lead, nil
}

// POST LeadManagement.svc/AddLeadToStaticList?listId=&leadId= — any body
// is ignored. AffectedRows is 0 when the lead was already a member.
func (a *API) addLeadToList(c *call) error {
	list, lead, err := c.listAndLead("listId", "leadId")
	if err != nil {
		return err
	}
	id, added, err := a.store.AddListMember(c.ctx, c.p, list, lead)
	if err != nil {
		return err
	}
	n := 0
	if added {
		n = 1
	}
	writeJSON(c.w, http.StatusOK, ok(idAffectedMessage{id, n}))
	return nil
}

// GET LeadSegmentation.svc/RemoveLeadFromStaticList?ListId=&LeadID=
func (a *API) removeLeadFromList(c *call) error {
	list, lead, err := c.listAndLead("ListId", "LeadID")
	if err != nil {
		return err
	}
	if _, err := a.store.RemoveListMember(c.ctx, c.p, list, lead); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(textMessage{"Successfully removed lead from list"}))
	return nil
}

// GET {LeadSegmentation,LeadManagement}.svc/List/Retrieve/MemberCount?listId=
func (a *API) listMemberCount(c *call) error {
	id, _ := c.param("listid")
	if strings.TrimSpace(id) == "" {
		return crm.Errorf(crm.KindMandatory, "'listId' is mandatory")
	}
	l, err := a.store.List(c.ctx, c.p.Org.ID, id)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(struct{ Count int64 }{l.MemberCount}))
	return nil
}

// GET LeadManagement.svc/List.CheckLead?listId=&leadId=
func (a *API) listCheckLead(c *call) error {
	list, lead, err := c.listAndLead("listId", "leadId")
	if err != nil {
		return err
	}
	member, err := a.store.IsListMember(c.ctx, c.p.Org.ID, list, lead)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(struct{ IsMember bool }{member}))
	return nil
}

// POST LeadManagement.svc/Leads/Retrieve/BySearchParameter — the leads
// of a list, a page at a time, as LeadPropertyList objects.
func (a *API) leadsInList(c *call) error {
	var w struct {
		SearchParameters *struct {
			ListId            *string
			RetrieveBehaviour json.RawMessage
		}
		Columns *struct{ Include_CSV *string }
		Sorting *struct{ ColumnName, Direction json.RawMessage }
		Paging  *pagingBody
	}
	if err := decodeObject(c.body, `a JSON object {"SearchParameters":{"ListId","RetrieveBehaviour"},"Columns":{"Include_CSV"},"Sorting":{"ColumnName","Direction"},"Paging":{"PageIndex","PageSize"}}`, &w); err != nil {
		return err
	}
	if w.SearchParameters == nil {
		return crm.Errorf(crm.KindMandatory, "'ListId' is mandatory")
	}
	list, err := mandatory(w.SearchParameters.ListId, "ListId")
	if err != nil {
		return err
	}
	if n, _, err := rawInt(w.SearchParameters.RetrieveBehaviour); err != nil || n < 0 || n > 2 {
		return crm.Invalidf("RetrieveBehaviour (0, 1 or 2)")
	}
	q := windowQuery{Paging: w.Paging}
	offset, limit, err := q.page(defListLeadPage)
	if err != nil {
		return err
	}
	order := store.LeadOrder{Field: "ProspectAutoId"}
	if w.Sorting != nil {
		if s, err := scalarText(w.Sorting.ColumnName); err != nil {
			return crm.Invalidf("Sorting.ColumnName")
		} else if s != nil && strings.TrimSpace(*s) != "" {
			order.Field = strings.TrimSpace(*s)
		}
		if n, ok, err := rawInt(w.Sorting.Direction); err != nil || ok && n != 0 && n != 1 {
			return crm.Invalidf("Sorting.Direction (0 ascending or 1 descending)")
		} else {
			order.Desc = n == 1
		}
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	cols := columns(sch, w.Columns)
	total, leads, err := a.store.ListLeads(c.ctx, &c.p.Org, list, order, offset, limit)
	if err != nil {
		return err
	}
	b := make([]byte, 0, 64+len(leads)*(len(cols)+1)*56)
	b = append(b, `{"RecordCount":`...)
	b = strconv.AppendInt(b, total, 10)
	b = append(b, `,"Leads":[`...)
	for i := range leads {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"LeadPropertyList":[`...)
		for _, name := range cols {
			b = append(b, `{"Attribute":`...)
			b = jsonscan.AppendString(b, name)
			b = append(b, `,"Value":`...)
			b = appendLeadValue(b, name, &leads[i])
			b = append(b, `,"Fields":null},`...)
		}
		b = append(b, `{"Attribute":"CanUpdate","Value":"true","Fields":null}]}`...)
	}
	b = append(b, "]}"...)
	writeRaw(c.w, http.StatusOK, b)
	return nil
}

// columns resolves Columns.Include_CSV: the comma-separated schema names
// (exact case, spaces around commas allowed) that are fields of sch, in
// the order given, each once; names the schema lacks are dropped. Absent
// or blank means every field of the schema, in schema order.
func columns(sch *crm.Schema, c *struct{ Include_CSV *string }) []string {
	if c == nil || c.Include_CSV == nil || strings.TrimSpace(*c.Include_CSV) == "" {
		out := make([]string, len(sch.Fields))
		for i, f := range sch.Fields {
			out[i] = f.SchemaName
		}
		return out
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range strings.Split(*c.Include_CSV, ",") {
		name = strings.TrimSpace(name)
		if sch.Field(name) != nil && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
