package lsqapi

import (
	"net/http"

	"github.com/localsquared/localsquared/internal/crm"
)

// attributesFor parses and normalises a lead write body against the
// caller's org schema.
func (a *API) attributesFor(c *call) ([]crm.Attribute, error) {
	if len(c.body) == 0 {
		return nil, crm.Errorf(crm.KindBadRequest, "%s; the body is empty", attrArrayShape)
	}
	attrs, err := parseAttributes(c.body)
	if err != nil {
		return nil, err
	}
	sch, err := a.store.Schema(c.ctx, &c.p.Org)
	if err != nil {
		return nil, err
	}
	return attrs, normalize(sch, attrs)
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
	buf := make([]byte, 0, 4096)
	buf = append(buf, '[')
	buf = appendLead(buf, sch, l)
	buf = append(buf, ']')
	writeRaw(c.w, http.StatusOK, buf)
	return nil
}
