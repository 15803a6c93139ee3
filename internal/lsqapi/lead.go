package lsqapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
)

// attributesFor parses and normalises a lead write body against the
// caller's org schema.
func (a *API) attributesFor(c *call) ([]crm.Attribute, error) {
	_, attrs, err := a.leadBody(c, false)
	return attrs, err
}

// leadBody parses a lead write body, takes out the SearchBy
// pseudo-attribute when searchBy is set (returning its value), and
// normalises the rest against the caller's org schema.
func (a *API) leadBody(c *call, searchBy bool) (string, []crm.Attribute, error) {
	if len(c.body) == 0 {
		return "", nil, crm.Errorf(crm.KindBadRequest, "%s; the body is empty", attrArrayShape)
	}
	attrs, err := parseAttributes(c.body)
	if err != nil {
		return "", nil, err
	}
	by := ""
	if searchBy {
		by, attrs = splitSearchBy(attrs)
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return "", nil, err
	}
	return by, attrs, normalize(sch, attrs)
}

// POST LeadManagement.svc/Lead.Create
func (a *API) createLead(c *call) error {
	attrs, err := a.attributesFor(c)
	if err != nil {
		return err
	}
	l, err := a.store.CreateLead(c.ctx, c.p, attrs)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{l.ID}))
	return nil
}

// POST LeadManagement.svc/Lead.Update?leadId=&postUpdatedLead=
func (a *API) updateLead(c *call) error {
	id, _ := c.param("leadid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'leadId' is mandatory for updating lead")
	}
	attrs, err := a.attributesFor(c)
	if err != nil {
		return err
	}
	if _, err := a.store.UpdateLead(c.ctx, c.p, id, attrs); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(affectedMessage{1}))
	return nil
}

// GET LeadManagement.svc/Leads.GetById?id=
// A bare array: one lead, or [] when the id matches none (never 404).
func (a *API) getLeadByID(c *call) error {
	id, _ := c.param("id")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'id' is mandatory")
	}
	l, err := a.store.Lead(c.ctx, c.p.Org.ID, id)
	if crm.KindOf(err) == crm.KindNotFound {
		writeRaw(c.w, http.StatusOK, []byte("[]"))
		return nil
	}
	if err != nil {
		return err
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	p := bodyBuf(4096)
	buf := append(*p, '[')
	buf = appendLead(buf, sch, l)
	writeBody(c.w, http.StatusOK, p, append(buf, ']'))
	return nil
}

// splitSearchBy removes the SearchBy pseudo-attribute from attrs and
// returns its value ("" when absent).
func splitSearchBy(attrs []crm.Attribute) (string, []crm.Attribute) {
	by := ""
	out := attrs[:0:0]
	for _, a := range attrs {
		if a.Name == "SearchBy" {
			if a.Value != nil {
				by = strings.TrimSpace(*a.Value)
			}
			continue
		}
		out = append(out, a)
	}
	return by, out
}

// POST LeadManagement.svc/Lead.CreateOrUpdate: match on SearchBy (default
// EmailAddress), update or create.
func (a *API) createOrUpdateLead(c *call) error {
	by, attrs, err := a.leadBody(c, true)
	if err != nil {
		return err
	}
	l, _, err := a.store.CreateOrUpdateLead(c.ctx, c.p, by, attrs)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idAffectedMessage{l.ID, 1}))
	return nil
}

// captureBehaviors are Lead.Capture's LeadUpdateBehavior values, by
// lower-cased spelling ("None" is the normal update, as in the UI).
var captureBehaviors = map[string]string{
	"": store.CaptureUpdate, "none": store.CaptureUpdate,
	"donotupdate":             store.CaptureDoNotUpdate,
	"updateonlyemptyfields":   store.CaptureOnlyEmptyFields,
	"donotupdateuniquefields": store.CaptureDoNotUpdateUniqueFs,
}

// POST LeadManagement.svc/Lead.Capture?LeadUpdateBehavior=
func (a *API) captureLead(c *call) error {
	v, _ := c.param("leadupdatebehavior")
	behavior, known := captureBehaviors[strings.ToLower(strings.TrimSpace(v))]
	if !known {
		return crm.Invalidf("LeadUpdateBehavior (DoNotUpdate, UpdateOnlyEmptyFields or DoNotUpdateUniqueFields)")
	}
	by, attrs, err := a.leadBody(c, true)
	if err != nil {
		return err
	}
	res, err := a.store.CaptureLead(c.ctx, c.p, by, attrs, behavior)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(struct {
		Id        string
		RelatedId string
		IsCreated bool
	}{res.Lead.ID, res.ActivityID, res.Created}))
	return nil
}

// POST LeadManagement.svc/Lead.Convert?leadId= (visitor → lead). Every
// lead LocalSquared holds is already a lead (it has no tracked visitors),
// so converting is an update with the body's attributes, if any.
func (a *API) convertLead(c *call) error {
	id, err := c.mandatoryParam("leadId")
	if err != nil {
		return err
	}
	var attrs []crm.Attribute
	if len(c.body) > 0 {
		if attrs, err = a.attributesFor(c); err != nil {
			return err
		}
	}
	if _, err := a.store.UpdateLead(c.ctx, c.p, id, attrs); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(affectedMessage{1}))
	return nil
}

// GET LeadManagement.svc/Lead/Delete/ById?leadId= (only where the org has
// lead deletes enabled)
func (a *API) deleteLead(c *call) error {
	id, err := c.mandatoryParam("leadId")
	if err != nil {
		return err
	}
	if err := a.store.DeleteLead(c.ctx, c.p, id); err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, []byte(`{"Status":"Success"}`))
	return nil
}

// POST LeadManagement.svc/Lead.Merge?masterId=&childId=
func (a *API) mergeLeads(c *call) error {
	master, err := c.mandatoryParam("masterId")
	if err != nil {
		return err
	}
	child, err := c.mandatoryParam("childId")
	if err != nil {
		return err
	}
	if _, err := a.store.MergeLeads(c.ctx, c.p, master, child); err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, []byte(`{"Status":"Success"}`))
	return nil
}

// POST LeadManagement.svc/GetMergedChildLeadsByAuditId
// {"Parameter":{"MergeAuditId":"…"}} → the absorbed leads as they were.
func (a *API) mergedChildLeads(c *call) error {
	var q struct {
		Parameter *struct{ MergeAuditId json.RawMessage }
	}
	if err := decodeObject(c.body, `{"Parameter":{"MergeAuditId":"…"}}`, &q); err != nil {
		return err
	}
	if q.Parameter == nil {
		return crm.Invalidf("Parameter")
	}
	id, err := text(q.Parameter.MergeAuditId, "MergeAuditId")
	if err != nil {
		return err
	}
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'MergeAuditId' is mandatory")
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return err
	}
	leads, err := a.store.MergedChildLeads(c.ctx, c.p.Org.ID, sch, id)
	if err != nil {
		return err
	}
	return a.writeLeads(c, leads)
}
