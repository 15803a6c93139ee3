package lsqapi

import (
	"net/http"
	"strconv"
)

// userByAccessKey is LeadSquared's "who am I" call. The service URLs point
// back at this server (the host the caller used), so discovery works.
type userByAccessKeyResponse struct {
	Id                   string
	Name                 string
	PassPhrase           string
	Role                 string
	EmailAddress         *string
	TimeZone             string
	Type                 string
	OrgDisplayName       string
	OrgId                string
	OrgShortCode         string
	OrgUniqueName        string
	DefaultCountryCode   string
	UserType             string
	MobileServiceURLs    map[string]string
	LSQCommonServiceURLs map[string]string
}

// GET Authentication.svc/UserByAccessKey.Get
func (a *API) userByAccessKey(c *call) error {
	base := "http://" + c.r.Host
	if c.r.TLS != nil {
		base = "https://" + c.r.Host
	}
	p := c.p
	urls := map[string]string{"api": base, "app": base, "auth": base}
	writeJSON(c.w, http.StatusOK, userByAccessKeyResponse{
		Id: p.User.ID, Name: p.User.Name(), PassPhrase: p.User.Email, Role: p.User.Role,
		TimeZone: p.User.TimeZone, Type: "ApplicationUser",
		OrgDisplayName: p.Org.Name, OrgId: strconv.FormatInt(int64(p.Org.ID), 10),
		OrgShortCode: strconv.FormatInt(int64(p.Org.ID), 10), OrgUniqueName: p.Org.Name,
		DefaultCountryCode: "+91", UserType: "Regular",
		MobileServiceURLs: urls, LSQCommonServiceURLs: urls,
	})
	return nil
}
