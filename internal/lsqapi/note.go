package lsqapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/lsq"
)

// defNotePage is RetrieveNote's page size when Paging gives none.
const defNotePage = 100

// mandatory returns KindMandatory naming the parameter when v is absent or
// blank, and v trimmed otherwise.
func mandatory(v *string, name string) (string, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return "", crm.Errorf(crm.KindMandatory, "'%s' is mandatory", name)
	}
	return strings.TrimSpace(*v), nil
}

// POST LeadManagement.svc/CreateNote
func (a *API) createNote(c *call) error {
	var w struct {
		RelatedProspectId, Note, AttachmentName *string
	}
	if err := decodeObject(c.body, `a JSON object {"RelatedProspectId","Note","AttachmentName"}`, &w); err != nil {
		return err
	}
	lead, err := mandatory(w.RelatedProspectId, "RelatedProspectId")
	if err != nil {
		return err
	}
	n, err := a.store.CreateNote(c.ctx, c.p, lead, deref(w.Note), deref(w.AttachmentName))
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{n.ID}))
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// noteRecord is one RetrieveNote entry; field order is the wire order.
type noteRecord struct {
	ProspectNoteId    string
	RelatedProspectId string
	Note              string
	AttachmentName    string
	AttachmentURL     string
	CreatedBy         string
	CreatedByName     string
	CreatedOn         string
	ModifiedBy        string
	ModifiedByName    string
	ModifiedOn        string
}

// POST LeadManagement.svc/RetrieveNote — one lead's notes (or one note),
// newest first unless Sorting says otherwise.
func (a *API) retrieveNotes(c *call) error {
	var w struct {
		Parameter *struct{ RelatedId, Id *string }
		Paging    *pagingBody
		Sorting   *struct{ ColumnName, Direction json.RawMessage }
	}
	if err := decodeObject(c.body, `a JSON object {"Parameter":{"RelatedId","Id"},"Paging":{"PageIndex","PageSize"},"Sorting":{"ColumnName","Direction"}}`, &w); err != nil {
		return err
	}
	if w.Parameter == nil {
		return crm.Errorf(crm.KindMandatory, "'RelatedId' is mandatory")
	}
	lead, err := mandatory(w.Parameter.RelatedId, "RelatedId")
	if err != nil {
		return err
	}
	f := store.NoteFilter{LeadID: lead, NoteID: strings.TrimSpace(deref(w.Parameter.Id)), Desc: true}
	q := windowQuery{Paging: w.Paging}
	if f.Offset, f.Limit, err = q.page(defNotePage); err != nil {
		return err
	}
	if w.Sorting != nil {
		if s, err := scalarText(w.Sorting.ColumnName); err != nil {
			return crm.Invalidf("Sorting.ColumnName (CreatedOn or ModifiedOn)")
		} else if s != nil && *s != "" {
			switch {
			case strings.EqualFold(*s, "CreatedOn"):
			case strings.EqualFold(*s, "ModifiedOn"):
				f.ByModified = true
			default:
				return crm.Invalidf("Sorting.ColumnName (CreatedOn or ModifiedOn)")
			}
		}
		if n, ok, err := rawInt(w.Sorting.Direction); err != nil || ok && n != 0 && n != 1 {
			return crm.Invalidf("Sorting.Direction (0 ascending or 1 descending)")
		} else if ok {
			f.Desc = n == 1
		}
	}
	total, list, err := a.store.Notes(c.ctx, c.p.Org.ID, f)
	if err != nil {
		return err
	}
	pp := newPeople(a, c)
	out := make([]noteRecord, len(list))
	for i := range list {
		n := &list[i]
		out[i] = noteRecord{ProspectNoteId: n.ID, RelatedProspectId: n.LeadID, Note: n.Note, AttachmentName: n.AttachmentName,
			AttachmentURL: n.AttachmentURL(), CreatedBy: n.CreatedBy, CreatedByName: pp.user(n.CreatedBy).Name(),
			CreatedOn: lsq.FormatDateTime(n.CreatedOn), ModifiedBy: n.ModifiedBy, ModifiedByName: pp.user(n.ModifiedBy).Name(),
			ModifiedOn: lsq.FormatDateTime(n.ModifiedOn)}
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount int64
		List        []noteRecord
	}{total, out})
	return nil
}

// POST LeadManagement.svc/UpdateNote — Note and AttachmentName replace
// the current values when present.
func (a *API) updateNote(c *call) error {
	var w struct {
		RelatedProspectId, ProspectNoteId, Note, AttachmentName *string
	}
	if err := decodeObject(c.body, `a JSON object {"RelatedProspectId","ProspectNoteId","Note","AttachmentName"}`, &w); err != nil {
		return err
	}
	lead, err := mandatory(w.RelatedProspectId, "RelatedProspectId")
	if err != nil {
		return err
	}
	note, err := mandatory(w.ProspectNoteId, "ProspectNoteId")
	if err != nil {
		return err
	}
	if w.Note == nil && w.AttachmentName == nil {
		return crm.Errorf(crm.KindMandatory, "'Note' or 'AttachmentName' is mandatory")
	}
	if _, err := a.store.UpdateNote(c.ctx, c.p, lead, note, w.Note, w.AttachmentName); err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, []byte(`{"Status":"Success"}`))
	return nil
}

// GET LeadManagement.svc/DeleteNote?prospectId=&noteId=
func (a *API) deleteNote(c *call) error {
	lead, _ := c.param("prospectid")
	note, _ := c.param("noteid")
	if strings.TrimSpace(lead) == "" {
		return crm.Errorf(crm.KindMandatory, "'prospectId' is mandatory")
	}
	if strings.TrimSpace(note) == "" {
		return crm.Errorf(crm.KindMandatory, "'noteId' is mandatory")
	}
	if err := a.store.DeleteNote(c.ctx, c.p, lead, note); err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, []byte(`{"Status":"Success"}`))
	return nil
}
