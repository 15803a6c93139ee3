package lsq

import (
	"context"
	"encoding/json"
	"fmt"
)

// Me is the answer of UserByAccessKey.Get: the keys' user and org, and
// the org's regional hosts.
type Me struct {
	Id                   string
	Name                 string
	Role                 string
	TimeZone             string
	OrgDisplayName       string
	OrgId                string
	LSQCommonServiceURLs map[string]string
}

// Me returns the user the client's keys belong to.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var out Me
	err := c.call(ctx, getOp("Authentication.svc/UserByAccessKey.Get"), nil, nil, &out)
	return out, err
}

// UserSummary is an element of Users.Get.
type UserSummary struct {
	ID               string
	FirstName        string
	LastName         string
	EmailAddress     string
	Role             string
	StatusCode       int // 0 active, 1 deactivated
	IsPhoneCallAgent bool
}

// Users lists the org's users, deactivated ones included.
func (c *Client) Users(ctx context.Context) ([]UserSummary, error) {
	var out []UserSummary
	err := c.call(ctx, getOp("UserManagement.svc/Users.Get"), nil, nil, &out)
	return out, err
}

// User is a full user object.
type User struct {
	UserId                 string
	FirstName              string
	LastName               string
	EmailAddress           string
	AssociatedPhoneNumbers string
	TimeZone               string
	Role                   string
	IsPhoneCallAgent       bool
	OrgId                  int
	ManagerUserId          string
	StatusCode             int
	CreatedOn              DateTime
	ModifiedOn             DateTime
}

func oneUser(out []User, what string) (User, error) {
	if len(out) == 0 {
		return User{}, fmt.Errorf("lsq: no active user with %s: %w", what, ErrNotFound)
	}
	return out[0], nil
}

// GetUser returns an active user by id, or an error for which IsNotFound holds.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var out []User
	if err := c.call(ctx, getOp("UserManagement.svc/User/Retrieve/ByUserId"), query("userId", id), nil, &out); err != nil {
		return User{}, err
	}
	return oneUser(out, "id "+id)
}

// GetUserByEmail returns an active user by email, or an error for which
// IsNotFound holds.
func (c *Client) GetUserByEmail(ctx context.Context, email string) (User, error) {
	var out []User
	if err := c.call(ctx, getOp("UserManagement.svc/User/Retrieve/ByEmailAddress"), query("emailAddress", email), nil, &out); err != nil {
		return User{}, err
	}
	return oneUser(out, "email "+email)
}

// UserQuery is the body of User/AdvancedSearch; empty fields do not filter.
type UserQuery struct {
	SearchText   string // names and email, any case
	Role         string
	StatusCode   *int
	EmailAddress string
	PageIndex    int // 1-based; 0 means 1
	PageSize     int // 0 means 100
}

// SearchUsers returns the total and one page of matching users.
func (c *Client) SearchUsers(ctx context.Context, q UserQuery) (int, []User, error) {
	p := map[string]any{}
	if q.SearchText != "" {
		p["SearchText"] = q.SearchText
	}
	if q.Role != "" {
		p["Role"] = q.Role
	}
	if q.StatusCode != nil {
		p["StatusCode"] = *q.StatusCode
	}
	if q.EmailAddress != "" {
		p["EmailAddress"] = q.EmailAddress
	}
	var out struct {
		RecordCount int
		List        []User
	}
	err := c.call(ctx, postRead("UserManagement.svc/User/AdvancedSearch"), nil,
		map[string]any{"Parameter": p, "Paging": pageOf(q.PageIndex, q.PageSize, 100)}, &out)
	return out.RecordCount, out.List, err
}

// NewUser is the body of User/Create. FirstName, EmailAddress and Role are
// mandatory.
type NewUser struct {
	FirstName              string
	LastName               string `json:",omitempty"`
	EmailAddress           string
	Role                   string // Administrator, Sales_Manager, Sales_User, Marketing_User
	AssociatedPhoneNumbers string `json:",omitempty"`
	IsPhoneCallAgent       bool   `json:",omitempty"`
	ManagerUserId          string `json:",omitempty"`
	TimeZone               string `json:",omitempty"`
	DateFormat             string `json:",omitempty"`
}

// CreateUser creates a user (Administrator keys) and returns its id.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (string, error) {
	m, err := c.message(ctx, postWrite("UserManagement.svc/User/Create"), nil, u)
	return m.Id, err
}

// UpdateUser changes user attributes (Administrator keys): fields maps
// attribute names (LastName, Role, StatusCode, …) to values.
func (c *Client) UpdateUser(ctx context.Context, id string, fields map[string]any) error {
	user := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("lsq: UpdateUser: field %s: %w", k, err)
		}
		user[k] = b
	}
	_, err := c.message(ctx, postWrite("UserManagement.svc/User/Update"), query("UserId", id), map[string]any{"user": user})
	return err
}

// SetUserActive deactivates (active false) or reactivates a user through
// User/Update's StatusCode.
func (c *Client) SetUserActive(ctx context.Context, id string, active bool) error {
	code := 1
	if active {
		code = 0
	}
	return c.UpdateUser(ctx, id, map[string]any{"StatusCode": code})
}

// MarkUserObsolete retires a deactivated user for good.
func (c *Client) MarkUserObsolete(ctx context.Context, id string) error {
	return c.call(ctx, getWrite("UserManagement.svc/User/MarkObsolete"), query("userid", id), nil, nil)
}
