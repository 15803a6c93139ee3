package admin

import (
	"net/http"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
)

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request) error {
	orgs, err := a.store.Orgs(r.Context())
	if err != nil {
		return err
	}
	out := make([]Org, 0, len(orgs))
	for i := range orgs {
		out = append(out, orgOut(&orgs[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := a.store.CreateOrg(r.Context(), in.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, orgOut(o))
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	o, err := a.store.Org(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgOut(o))
}

func (a *API) updateOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var in struct {
		LeadDeleteEnabled *bool   `json:"leadDeleteEnabled"`
		JournalLevel      *string `json:"journalLevel"`
		ClockOffsetMs     *int64  `json:"clockOffsetMs"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	set := store.OrgSettings{LeadDeleteEnabled: in.LeadDeleteEnabled, JournalLevel: in.JournalLevel}
	if in.ClockOffsetMs != nil {
		d := time.Duration(*in.ClockOffsetMs) * time.Millisecond
		set.ClockOffset = &d
	}
	o, err := a.store.UpdateOrg(r.Context(), id, set)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgOut(o))
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	if _, err := a.store.Org(r.Context(), id); err != nil {
		return err
	}
	users, err := a.store.Users(r.Context(), id)
	if err != nil {
		return err
	}
	out := make([]User, 0, len(users))
	for i := range users {
		out = append(out, userOut(&users[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var in struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
		Email     string `json:"email"`
		Role      string `json:"role"`
		TimeZone  string `json:"timeZone"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	u := &crm.User{OrgID: id, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Role: in.Role, TimeZone: in.TimeZone}
	if err := a.store.CreateUser(r.Context(), u); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, userOut(u))
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	u, err := a.store.User(r.Context(), id, r.PathValue("user"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOut(u))
}

func (a *API) setActive(active bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := orgID(r)
		if err != nil {
			return err
		}
		u, err := a.store.SetUserActive(r.Context(), id, r.PathValue("user"), active)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, userOut(u))
	}
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	if _, err := a.store.User(r.Context(), id, r.PathValue("user")); err != nil {
		return err
	}
	keys, err := a.store.Keys(r.Context(), id, r.PathValue("user"))
	if err != nil {
		return err
	}
	out := make([]Key, 0, len(keys))
	for i := range keys {
		out = append(out, keyOut(&keys[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	k, err := a.store.CreateKey(r.Context(), id, r.PathValue("user"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, keyOut(k))
}

func (a *API) rotateKey(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	k, err := a.store.RotateKey(r.Context(), id, r.PathValue("key"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, keyOut(k))
}

func (a *API) revokeKey(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	if err := a.store.RevokeKey(r.Context(), id, r.PathValue("key")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listFields lists the org's lead fields in schema order: system fields,
// then custom fields.
func (a *API) listFields(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	o, err := a.store.Org(r.Context(), id)
	if err != nil {
		return err
	}
	sch, err := a.store.Schema(r.Context(), o)
	if err != nil {
		return err
	}
	out := make([]Field, 0, len(sch.Fields))
	for _, f := range sch.Fields {
		out = append(out, fieldOut(f))
	}
	return writeJSON(w, http.StatusOK, out)
}

// updateField sets a field's flags: unique, mandatory and
// showInQuickSearch on custom fields, showInQuickSearch on system ones.
// Making a field unique that leads already share values of is 409.
func (a *API) updateField(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	var in struct {
		Unique            *bool `json:"unique"`
		Mandatory         *bool `json:"mandatory"`
		ShowInQuickSearch *bool `json:"showInQuickSearch"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	f, err := a.store.UpdateField(r.Context(), id, r.PathValue("field"),
		store.FieldChange{Unique: in.Unique, Mandatory: in.Mandatory, ShowInQuickSearch: in.ShowInQuickSearch})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fieldOut(f))
}
