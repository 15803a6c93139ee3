package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const unknownID = "01a21183-0000-7000-8000-000000000000"

// TestNoteOperations walks every note operation's success and error
// shapes, in order, against golden files.
func TestNoteOperations(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		vars := map[string]string{"unknown": unknownID}
		vars["lead"] = e.createLead(`[{"Attribute":"FirstName","Value":"Nia"},{"Attribute":"EmailAddress","Value":"nia@example.com"}]`)
		vars["other"] = e.createLead(`[{"Attribute":"FirstName","Value":"Oz"}]`)
		long := strings.Repeat("n", 8001)
		e.run(t, vars, []step{
			{name: "note_create", method: "POST", path: "LeadManagement.svc/CreateNote", status: 200, save: map[string]string{"note": "Message.Id"},
				body: `{"RelatedProspectId":"{lead}","Note":"Called; wants a demo","AttachmentName":"https://files.example.com/brief.pdf"}`},
			{name: "note_create_attachment_only", method: "POST", path: "LeadManagement.svc/CreateNote", status: 200, save: map[string]string{"note2": "Message.Id"},
				body: `{"RelatedProspectId":"{lead}","AttachmentName":"contract.pdf"}`},
			{name: "note_create_text_only", method: "POST", path: "LeadManagement.svc/CreateNote", status: 200, save: map[string]string{"note3": "Message.Id"},
				body: `{"RelatedProspectId":"{lead}","Note":"third"}`},
			{name: "note_create_other_lead", method: "POST", path: "LeadManagement.svc/CreateNote", status: 200, save: map[string]string{"othernote": "Message.Id"},
				body: `{"RelatedProspectId":"{other}","Note":"not Nia's"}`},
			{name: "note_create_unknown_lead", method: "POST", path: "LeadManagement.svc/CreateNote", status: 500, body: `{"RelatedProspectId":"{unknown}","Note":"x"}`},
			{name: "note_create_malformed_lead", method: "POST", path: "LeadManagement.svc/CreateNote", status: 500, body: `{"RelatedProspectId":"nope","Note":"x"}`},
			{name: "note_create_no_text", method: "POST", path: "LeadManagement.svc/CreateNote", status: 500, body: `{"RelatedProspectId":"{lead}","Note":"  "}`},
			{name: "note_create_no_lead", method: "POST", path: "LeadManagement.svc/CreateNote", status: 500, body: `{"Note":"x"}`},
			{name: "note_create_too_long", method: "POST", path: "LeadManagement.svc/CreateNote", status: 500, body: `{"RelatedProspectId":"{lead}","Note":"` + long + `"}`},
			{name: "note_create_nul", method: "POST", path: "LeadManagement.svc/CreateNote", status: 500, body: `{"RelatedProspectId":"{lead}","Note":"a\u0000b"}`},
			{name: "note_create_array", method: "POST", path: "LeadManagement.svc/CreateNote", status: 400, body: `[{"Note":"x"}]`},
			{name: "note_create_number", method: "POST", path: "LeadManagement.svc/CreateNote", status: 400, body: `{"RelatedProspectId":"{lead}","Note":5}`},

			{name: "note_retrieve", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{lead}"},"Paging":{"PageIndex":1,"PageSize":200},"Sorting":{"ColumnName":"CreatedOn","Direction":1}}`},
			{name: "note_retrieve_asc_page", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{lead}"},"Paging":{"PageIndex":"2","PageSize":"1"},"Sorting":{"ColumnName":"CreatedOn","Direction":"0"}}`},
			{name: "note_retrieve_one", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{lead}","Id":"{note}"}}`},
			{name: "note_retrieve_other_leads_note", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{lead}","Id":"{othernote}"}}`},
			{name: "note_retrieve_unknown_lead", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{unknown}"}}`},
			{name: "note_retrieve_page_size_cap", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{other}"},"Paging":{"PageIndex":1,"PageSize":1000}}`},
			{name: "note_retrieve_over_cap", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 500,
				body: `{"Parameter":{"RelatedId":"{lead}"},"Paging":{"PageIndex":1,"PageSize":1001}}`},
			{name: "note_retrieve_page_zero", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 500,
				body: `{"Parameter":{"RelatedId":"{lead}"},"Paging":{"PageIndex":0,"PageSize":10}}`},
			{name: "note_retrieve_bad_sort", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 500,
				body: `{"Parameter":{"RelatedId":"{lead}"},"Sorting":{"ColumnName":"Note","Direction":1}}`},
			{name: "note_retrieve_bad_direction", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 500,
				body: `{"Parameter":{"RelatedId":"{lead}"},"Sorting":{"ColumnName":"CreatedOn","Direction":2}}`},
			{name: "note_retrieve_no_related", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 500, body: `{"Parameter":{}}`},
			{name: "note_retrieve_no_parameter", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 500, body: `{}`},

			{name: "note_update", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 200,
				body: `{"RelatedProspectId":"{lead}","ProspectNoteId":"{note}","Note":"Demo booked"}`},
			{name: "note_update_attachment", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 200,
				body: `{"RelatedProspectId":"{lead}","ProspectNoteId":"{note2}","Note":"signed","AttachmentName":""}`},
			{name: "note_update_unknown_note", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 500,
				body: `{"RelatedProspectId":"{lead}","ProspectNoteId":"{unknown}","Note":"x"}`},
			{name: "note_update_other_leads_note", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 500,
				body: `{"RelatedProspectId":"{lead}","ProspectNoteId":"{othernote}","Note":"x"}`},
			{name: "note_update_unknown_lead", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 500,
				body: `{"RelatedProspectId":"{unknown}","ProspectNoteId":"{note}","Note":"x"}`},
			{name: "note_update_nothing", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 500,
				body: `{"RelatedProspectId":"{lead}","ProspectNoteId":"{note}"}`},
			{name: "note_update_clear_all", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 500,
				body: `{"RelatedProspectId":"{lead}","ProspectNoteId":"{note3}","Note":""}`},
			{name: "note_update_no_note_id", method: "POST", path: "LeadManagement.svc/UpdateNote", status: 500,
				body: `{"RelatedProspectId":"{lead}","Note":"x"}`},
			{name: "note_retrieve_after_update", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{lead}"},"Sorting":{"ColumnName":"ModifiedOn","Direction":0}}`},

			{name: "note_delete", method: "GET", path: "LeadManagement.svc/DeleteNote?prospectId={lead}&noteId={note3}", status: 200},
			{name: "note_delete_again", method: "GET", path: "LeadManagement.svc/DeleteNote?prospectId={lead}&noteId={note3}", status: 500},
			{name: "note_delete_other_leads_note", method: "GET", path: "LeadManagement.svc/DeleteNote?prospectId={lead}&noteId={othernote}", status: 500},
			{name: "note_delete_unknown_lead", method: "GET", path: "LeadManagement.svc/DeleteNote?prospectId={unknown}&noteId={note}", status: 500},
			{name: "note_delete_no_note_id", method: "GET", path: "LeadManagement.svc/DeleteNote?prospectId={lead}", status: 500},
			{name: "note_delete_post", method: "POST", path: "LeadManagement.svc/DeleteNote?prospectId={lead}&noteId={note}", status: 405},
			{name: "note_retrieve_after_delete", method: "POST", path: "LeadManagement.svc/RetrieveNote", status: 200,
				body: `{"Parameter":{"RelatedId":"{lead}"}}`},
		})
	})
}

// leadDates reads ModifiedOn and LeadLastModifiedOn of a lead.
func (e *env) leadDates(t *testing.T, id string) (modified, last string) {
	t.Helper()
	r := e.v2("GET", "LeadManagement.svc/Leads.GetById?id="+id, "")
	var leads []map[string]any
	if err := json.Unmarshal(r.body, &leads); err != nil || len(leads) != 1 {
		t.Fatalf("GetById: %d %s", r.status, r.body)
	}
	return leads[0]["ModifiedOn"].(string), leads[0]["LeadLastModifiedOn"].(string)
}

// TestNoteAndListTouchLead: creating, updating and deleting a note and
// adding or removing a list member move the lead's LeadLastModifiedOn to
// the org's now, while ModifiedOn stays; a call that changes nothing (a
// lead already in the list, or not in it) moves nothing.
func TestNoteAndListTouchLead(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"Tom"}]`)
		created, _ := e.leadDates(t, lead)
		r := e.v2("POST", "LeadSegmentation.svc/CreateEmptyList", `{"Name":"Touch"}`)
		list := jsonPath(t, r.body, "Message.Id")
		hour := int64(0)
		advance := func() string {
			hour++
			r := e.admin("PATCH", "/orgs/"+itoa(int64(e.creds.OrgID)), `{"clockOffsetMs":`+itoa(hour*3600_000)+`}`)
			if r.status != 200 {
				t.Fatalf("move clock: %d %s", r.status, r.body)
			}
			return time.Now().UTC().Add(time.Duration(hour) * time.Hour).Format("2006-01-02 15:04:05.000")
		}
		var note string
		for _, c := range []struct {
			name, method, op, body string
			moves                  bool
		}{
			{"create note", "POST", "LeadManagement.svc/CreateNote", `{"RelatedProspectId":"` + lead + `","Note":"n"}`, true},
			{"update note", "POST", "LeadManagement.svc/UpdateNote", `{"RelatedProspectId":"` + lead + `","ProspectNoteId":"{note}","Note":"m"}`, true},
			{"delete note", "GET", "LeadManagement.svc/DeleteNote?prospectId=" + lead + "&noteId={note}", "", true},
			{"add to list", "POST", "LeadSegmentation.svc/AddLeadsToStaticList", `{"listId":"` + list + `","leadIds":["` + lead + `"]}`, true},
			{"add again", "POST", "LeadManagement.svc/AddLeadToStaticList?listId=" + list + "&leadId=" + lead, "", false},
			{"remove", "GET", "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId=" + list + "&LeadID=" + lead, "", true},
			{"remove again", "GET", "LeadSegmentation.svc/RemoveLeadFromStaticList?ListId=" + list + "&LeadID=" + lead, "", false},
			{"add single", "POST", "LeadManagement.svc/AddLeadToStaticList?listId=" + list + "&leadId=" + lead, "", true},
		} {
			_, lastBefore := e.leadDates(t, lead)
			from := advance()
			r := e.v2(c.method, strings.ReplaceAll(c.op, "{note}", note), strings.ReplaceAll(c.body, "{note}", note))
			to := time.Now().UTC().Add(time.Duration(hour) * time.Hour).Format("2006-01-02 15:04:05.000")
			if r.status != 200 {
				t.Fatalf("%s: %d %s", c.name, r.status, r.body)
			}
			if c.name == "create note" {
				note = jsonPath(t, r.body, "Message.Id")
			}
			modified, last := e.leadDates(t, lead)
			if modified != created {
				t.Errorf("%s: ModifiedOn moved from %s to %s", c.name, created, modified)
			}
			switch {
			case c.moves && (last < from[:19] || last > to):
				t.Errorf("%s: LeadLastModifiedOn = %s, want between %s and %s", c.name, last, from, to)
			case !c.moves && last != lastBefore:
				t.Errorf("%s: LeadLastModifiedOn moved from %s to %s", c.name, lastBefore, last)
			}
		}
	})
}

// TestNoteTenantIsolation: org B's keys can neither read, add, change nor
// delete org A's notes; every id of org A behaves as unknown.
func TestNoteTenantIsolation(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		lead := e.createLead(`[{"Attribute":"FirstName","Value":"A"}]`)
		r := e.v2("POST", "LeadManagement.svc/CreateNote", `{"RelatedProspectId":"`+lead+`","Note":"secret"}`)
		note := jsonPath(t, r.body, "Message.Id")
		retrieve := `{"Parameter":{"RelatedId":"` + lead + `"}}`
		before := string(e.v2("POST", "LeadManagement.svc/RetrieveNote", retrieve).body)
		b := e.newOrgKeys(t, "B")
		for _, c := range []struct{ method, path, body, want string }{
			{"POST", "LeadManagement.svc/RetrieveNote", retrieve, `{"RecordCount":0,"List":[]}`},
			{"POST", "LeadManagement.svc/RetrieveNote", `{"Parameter":{"RelatedId":"` + lead + `","Id":"` + note + `"}}`, `{"RecordCount":0,"List":[]}`},
			{"POST", "LeadManagement.svc/CreateNote", `{"RelatedProspectId":"` + lead + `","Note":"x"}`, `"Lead does not exist in the system"`},
			{"POST", "LeadManagement.svc/UpdateNote", `{"RelatedProspectId":"` + lead + `","ProspectNoteId":"` + note + `","Note":"x"}`, "MXInvalidEntityException"},
			{"GET", "LeadManagement.svc/DeleteNote?prospectId=" + lead + "&noteId=" + note, "", "MXInvalidEntityException"},
		} {
			r := e.do(c.method, "/v2/"+c.path, b, c.body)
			if !strings.Contains(string(r.body), c.want) {
				t.Errorf("org B %s: %d %s, want %s", c.path, r.status, r.body, c.want)
			}
		}
		// B's own lead cannot reach A's note either.
		r = e.do("POST", "/v2/LeadManagement.svc/Lead.Create", b, `[{"Attribute":"FirstName","Value":"B"}]`)
		bLead := jsonPath(t, r.body, "Message.Id")
		r = e.do("GET", "/v2/LeadManagement.svc/DeleteNote?prospectId="+bLead+"&noteId="+note, b, "")
		if !strings.Contains(string(r.body), `"Note does not exist"`) {
			t.Errorf("org B deletes A's note through its own lead: %s", r.body)
		}
		if after := string(e.v2("POST", "LeadManagement.svc/RetrieveNote", retrieve).body); after != before {
			t.Errorf("org A's notes changed:\n%s\n%s", before, after)
		}
	})
}
