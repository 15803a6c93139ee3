package lsqapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
	"github.com/localsquared/localsquared/internal/store"
	"github.com/localsquared/localsquared/lsq"
)

// userDetailKeys are the User/Create and User/Update attributes kept as
// text beside the user's core columns.
var userDetailKeys = []string{"AssociatedPhoneNumbers", "DateFormat", "IsPhoneCallAgent", "UserType", "ManagerUserId",
	"Address", "City", "State", "Country", "ZipCode", "TelephonyAgentId", "PhoneMain", "PhoneMobile", "PhoneOthers",
	"AvailabilityStatus", "Designation", "Department", "OfficeLocationName", "Skills", "SalesRegions", "TeamId",
	"mx_Custom_1", "mx_Custom_2", "mx_Custom_3", "mx_Custom_4", "mx_Custom_5",
	"mx_Custom_6", "mx_Custom_7", "mx_Custom_8", "mx_Custom_9", "mx_Custom_10"}

var userDetailIndex = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range userDetailKeys {
		m[k] = true
	}
	return m
}()

// userObject is a user as User/Retrieve/ByUserId and ByEmailAddress print
// it; dates without milliseconds.
type userObject struct {
	UserId                 string
	FirstName              string
	LastName               string
	EmailAddress           string
	AssociatedPhoneNumbers string
	DateFormat             string
	TimeZone               string
	Role                   string
	IsPhoneCallAgent       bool
	OrgId                  int64
	CompanyName            string
	UserType               int
	ManagerUserId          string
	ManagerName            string
	Address                string
	City                   string
	State                  string
	Country                string
	ZipCode                string
	TelephonyAgentId       string
	PhoneMain              string
	PhoneMobile            string
	PhoneOthers            string
	AvailabilityStatus     string
	Designation            string
	Department             string
	OfficeLocationName     string
	Skills                 string
	SalesRegions           string
	StatusCode             int
	CreatedOn              string
	ModifiedOn             string
	mxCustom
	Groups   []struct{ Id, Name string }
	TeamId   string
	TeamName string
}

type mxCustom struct {
	Mx_Custom_1  string `json:"mx_Custom_1"`
	Mx_Custom_2  string `json:"mx_Custom_2"`
	Mx_Custom_3  string `json:"mx_Custom_3"`
	Mx_Custom_4  string `json:"mx_Custom_4"`
	Mx_Custom_5  string `json:"mx_Custom_5"`
	Mx_Custom_6  string `json:"mx_Custom_6"`
	Mx_Custom_7  string `json:"mx_Custom_7"`
	Mx_Custom_8  string `json:"mx_Custom_8"`
	Mx_Custom_9  string `json:"mx_Custom_9"`
	Mx_Custom_10 string `json:"mx_Custom_10"`
}

func (a *API) userObjectOf(c *call, u *store.UserRecord) userObject {
	d := u.Details
	o := userObject{UserId: u.ID, FirstName: u.FirstName, LastName: u.LastName, EmailAddress: u.Email,
		AssociatedPhoneNumbers: d["AssociatedPhoneNumbers"], DateFormat: d["DateFormat"], TimeZone: u.TimeZone, Role: u.Role,
		IsPhoneCallAgent: d["IsPhoneCallAgent"] == "1", OrgId: int64(u.OrgID), CompanyName: c.p.Org.Name,
		ManagerUserId: d["ManagerUserId"], Address: d["Address"], City: d["City"], State: d["State"], Country: d["Country"],
		ZipCode: d["ZipCode"], TelephonyAgentId: d["TelephonyAgentId"], PhoneMain: d["PhoneMain"], PhoneMobile: d["PhoneMobile"],
		PhoneOthers: d["PhoneOthers"], AvailabilityStatus: d["AvailabilityStatus"], Designation: d["Designation"],
		Department: d["Department"], OfficeLocationName: d["OfficeLocationName"], Skills: d["Skills"], SalesRegions: d["SalesRegions"],
		CreatedOn: lsq.FormatDateTimeSeconds(u.CreatedOn), ModifiedOn: lsq.FormatDateTimeSeconds(u.ModifiedOn),
		mxCustom: mxCustom{d["mx_Custom_1"], d["mx_Custom_2"], d["mx_Custom_3"], d["mx_Custom_4"], d["mx_Custom_5"],
			d["mx_Custom_6"], d["mx_Custom_7"], d["mx_Custom_8"], d["mx_Custom_9"], d["mx_Custom_10"]},
		Groups: []struct{ Id, Name string }{}, TeamId: d["TeamId"]}
	if o.DateFormat == "" {
		o.DateFormat = "mm/dd/yy"
	}
	if o.AvailabilityStatus == "" {
		o.AvailabilityStatus = "online"
	}
	o.UserType, _ = strconv.Atoi(d["UserType"])
	if !u.Active {
		o.StatusCode = 1
	}
	if o.ManagerUserId != "" {
		if m, err := a.store.User(c.ctx, c.p.Org.ID, o.ManagerUserId); err == nil {
			o.ManagerName = m.Name()
		}
	}
	return o
}

// GET UserManagement.svc/Users.Get — every user, inactive ones included
// (StatusCode 1).
func (a *API) listUsers(c *call) error {
	_, users, err := a.store.SearchUsers(c.ctx, c.p.Org.ID, store.UserFilter{})
	if err != nil {
		return err
	}
	type entry struct {
		ID               string
		FirstName        string
		LastName         string
		EmailAddress     string
		Role             string
		StatusCode       int
		MemberOfGroups   []string
		Tag              *string
		IsPhoneCallAgent bool
	}
	out := make([]entry, len(users))
	for i, u := range users {
		out[i] = entry{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, EmailAddress: u.Email, Role: u.Role,
			MemberOfGroups: []string{}, IsPhoneCallAgent: u.Details["IsPhoneCallAgent"] == "1"}
		if !u.Active {
			out[i].StatusCode = 1
		}
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// oneUser answers the by-id and by-email reads: a one-element array, or []
// for an unknown or inactive user.
func (a *API) oneUser(c *call, f store.UserFilter) error {
	active := true
	f.Active = &active
	_, users, err := a.store.SearchUsers(c.ctx, c.p.Org.ID, f)
	if err != nil {
		return err
	}
	out := make([]userObject, len(users))
	for i := range users {
		out[i] = a.userObjectOf(c, &users[i])
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// GET UserManagement.svc/User/Retrieve/ByUserId?userId=
func (a *API) userByID(c *call) error {
	id, _ := c.param("userid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'userId' is mandatory")
	}
	if !crm.ValidID(strings.TrimSpace(id)) {
		writeRaw(c.w, http.StatusOK, []byte("[]"))
		return nil
	}
	return a.oneUser(c, store.UserFilter{ID: id})
}

// GET UserManagement.svc/User/Retrieve/ByEmailAddress?emailAddress=
func (a *API) userByEmail(c *call) error {
	email, _ := c.param("emailaddress")
	if strings.TrimSpace(email) == "" {
		return crm.Errorf(crm.KindMandatory, "'emailAddress' is mandatory")
	}
	return a.oneUser(c, store.UserFilter{Email: email})
}

// POST UserManagement.svc/User/AdvancedSearch —
// {"Parameter":{"SearchText","Role","StatusCode"},"Paging":{"PageIndex","PageSize"}}.
func (a *API) searchUsers(c *call) error {
	var w struct {
		Parameter *struct {
			SearchText, Role, EmailAddress string
			StatusCode                     json.RawMessage
		}
		Paging *pagingBody
	}
	if err := decodeObject(c.body, `a JSON object {"Parameter":{"SearchText","Role","StatusCode"},"Paging":{"PageIndex","PageSize"}}`, &w); err != nil {
		return err
	}
	var f store.UserFilter
	if p := w.Parameter; p != nil {
		f.Search, f.Email = strings.TrimSpace(p.SearchText), strings.TrimSpace(p.EmailAddress)
		if len(f.Search) > 200 {
			return crm.Invalidf("SearchText (longer than 200 characters)")
		}
		if p.Role != "" {
			if !crm.ValidRole(p.Role) {
				return crm.Invalidf("Role (one of Administrator, Sales_Manager, Sales_User, Marketing_User)")
			}
			f.Role = p.Role
		}
		if n, ok, err := rawInt(p.StatusCode); err != nil || ok && n != 0 && n != 1 {
			return crm.Invalidf("StatusCode (0 active or 1 inactive)")
		} else if ok {
			active := n == 0
			f.Active = &active
		}
	}
	q := windowQuery{Paging: w.Paging}
	var err error
	if f.Offset, f.Limit, err = q.page(100); err != nil {
		return err
	}
	total, users, err := a.store.SearchUsers(c.ctx, c.p.Org.ID, f)
	if err != nil {
		return err
	}
	out := make([]userObject, len(users))
	for i := range users {
		out[i] = a.userObjectOf(c, &users[i])
	}
	writeJSON(c.w, http.StatusOK, struct {
		RecordCount int64
		List        []userObject
	}{total, out})
	return nil
}

// userAttrs splits a user body into core fields and details; unknown
// keys are refused.
func userAttrs(raw map[string]json.RawMessage, up *store.UserUpdate) error {
	up.Details = map[string]string{}
	for k, v := range raw {
		if k == "CustomFields" {
			var cf map[string]json.RawMessage
			if err := json.Unmarshal(v, &cf); err != nil {
				return crm.Errorf(crm.KindBadRequest, `"CustomFields" must be an object`)
			}
			for ck, cv := range cf {
				s, err := scalarText(cv)
				if err != nil {
					return crm.Errorf(crm.KindBadRequest, `CustomFields "%s" %v`, sanitize(ck), err)
				}
				name := ck
				if !strings.HasPrefix(name, "mx_") {
					name = "mx_" + name
				}
				if len(name) > 100 {
					return crm.UnknownAttribute(sanitize(ck))
				}
				up.Details[name] = ""
				if s != nil {
					up.Details[name] = truncateValue(*s)
				}
			}
			continue
		}
		s, err := scalarText(v)
		if err != nil {
			return crm.Errorf(crm.KindBadRequest, `"%s" %v`, sanitize(k), err)
		}
		val := ""
		if s != nil {
			val = strings.TrimSpace(*s)
		}
		switch k {
		case "FirstName":
			up.FirstName = &val
		case "LastName":
			up.LastName = &val
		case "EmailAddress":
			up.Email = &val
		case "Role":
			up.Role = &val
		case "TimeZone":
			up.TimeZone = &val
		case "StatusCode":
			switch val {
			case "0":
				t := true
				up.Active = &t
			case "1":
				f := false
				up.Active = &f
			default:
				return crm.Invalidf("StatusCode (0 active or 1 deactivated)")
			}
		case "Password", "WorkDayTemplateId", "HolidayCalendarId", "AssociatedGroups", "TemplateNames", "Team":
			// Accepted and not kept: LocalSquared has no logins, calendars or groups.
		default:
			if !userDetailIndex[k] {
				return crm.UnknownAttribute(sanitize(k))
			}
			if k == "IsPhoneCallAgent" {
				val = boolText(val)
			}
			up.Details[k] = truncateValue(val)
		}
	}
	return nil
}

func boolText(v string) string {
	switch strings.ToLower(v) {
	case "1", "true", "yes":
		return "1"
	}
	return ""
}

func truncateValue(v string) string {
	if len(v) > 500 {
		return v[:500]
	}
	return v
}

// POST UserManagement.svc/User/Create — FirstName, EmailAddress and Role
// are mandatory.
func (a *API) createUser(c *call) error {
	var raw map[string]json.RawMessage
	if err := decodeObject(c.body, `a JSON object {"FirstName","LastName","EmailAddress","Role",…}`, &raw); err != nil {
		return err
	}
	var up store.UserUpdate
	if err := userAttrs(raw, &up); err != nil {
		return err
	}
	for _, m := range []struct {
		name string
		v    *string
	}{{"FirstName", up.FirstName}, {"EmailAddress", up.Email}, {"Role", up.Role}} {
		if m.v == nil || *m.v == "" {
			return crm.Errorf(crm.KindMandatory, "'%s' is mandatory", m.name)
		}
	}
	if !validEmail(*up.Email) {
		return crm.Invalidf("EmailAddress")
	}
	u := crm.User{OrgID: c.p.Org.ID, FirstName: *up.FirstName, Email: *up.Email, Role: *up.Role}
	if up.LastName != nil {
		u.LastName = *up.LastName
	}
	if up.TimeZone != nil {
		u.TimeZone = *up.TimeZone
	}
	if m := up.Details["ManagerUserId"]; m != "" {
		if _, err := a.store.User(c.ctx, c.p.Org.ID, m); err != nil || !crm.ValidID(m) {
			return crm.Invalidf("ManagerUserId (no user with this id)")
		}
	}
	if err := a.store.CreateOrgUser(c.ctx, &u, up.Details); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(idMessage{u.ID}))
	return nil
}

// POST UserManagement.svc/User/Update?UserId= — {"user":{…},"userSettings":{…}}.
func (a *API) updateUser(c *call) error {
	id, _ := c.param("userid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'UserId' is mandatory")
	}
	var w struct {
		User         map[string]json.RawMessage `json:"user"`
		UserSettings map[string]json.RawMessage `json:"userSettings"`
	}
	if err := decodeObject(c.body, `a JSON object {"user":{…},"userSettings":{…}}`, &w); err != nil {
		return err
	}
	var up store.UserUpdate
	if err := userAttrs(w.User, &up); err != nil {
		return err
	}
	if up.Email != nil && !validEmail(*up.Email) {
		return crm.Invalidf("EmailAddress")
	}
	// A manager must be a user of the caller's org, as on User/Create: an
	// unchecked id would store a reference to another org's user.
	if m := up.Details["ManagerUserId"]; m != "" {
		_, err := a.store.User(c.ctx, c.p.Org.ID, m)
		if !crm.ValidID(m) || crm.KindOf(err) == crm.KindNotFound {
			return crm.Invalidf("ManagerUserId (no user with this id)")
		}
		if err != nil {
			return err
		}
	}
	if err := a.store.UpdateOrgUser(c.ctx, c.p, id, up); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, ok(affectedMessage{1}))
	return nil
}

// GET UserManagement.svc/User/MarkObsolete?userid=
func (a *API) markUserObsolete(c *call) error {
	id, _ := c.param("userid")
	if id == "" {
		return crm.Errorf(crm.KindMandatory, "'userId' is mandatory")
	}
	if err := a.store.MarkUserObsolete(c.ctx, c.p.Org.ID, id); err != nil {
		return err
	}
	writeRaw(c.w, http.StatusOK, []byte(`{"Status":"Success"}`))
	return nil
}
