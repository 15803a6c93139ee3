package crm

import "time"

// OrgID identifies an org (tenant). LeadSquared's OrgId is a number.
type OrgID int64

// Org is a tenant. Every other record belongs to exactly one org.
type Org struct {
	ID                OrgID
	Name              string
	Plan              string // rate-limit plan name; "unlimited" by default
	LeadDeleteEnabled bool   // Lead/Delete/ById is off by default, as in LeadSquared
	JournalLevel      string // "full", "errors" or "signature"
	ClockOffset       time.Duration
	SchemaVersion     int64 // bumped whenever the org's lead fields change
	CreatedOn         time.Time
}

// Journal levels.
const (
	JournalFull      = "full"
	JournalErrors    = "errors"
	JournalSignature = "signature"
)

// ValidJournalLevel reports whether s names a journal level.
func ValidJournalLevel(s string) bool {
	return s == JournalFull || s == JournalErrors || s == JournalSignature
}

// Roles, spelled as LeadSquared's User/Create takes them.
const (
	RoleAdministrator = "Administrator"
	RoleSalesManager  = "Sales_Manager"
	RoleSalesUser     = "Sales_User"
	RoleMarketingUser = "Marketing_User"
)

// ValidRole reports whether s is one of the roles above.
func ValidRole(s string) bool {
	switch s {
	case RoleAdministrator, RoleSalesManager, RoleSalesUser, RoleMarketingUser:
		return true
	}
	return false
}

// User is a person in an org. Keys belong to users; a deactivated user's
// keys stop working at once.
type User struct {
	ID         string // GUID
	OrgID      OrgID
	FirstName  string
	LastName   string
	Email      string
	Role       string
	Active     bool
	TimeZone   string
	CreatedOn  time.Time
	ModifiedOn time.Time
}

// Name is the user's display name.
func (u *User) Name() string {
	switch {
	case u.FirstName == "":
		return u.LastName
	case u.LastName == "":
		return u.FirstName
	}
	return u.FirstName + " " + u.LastName
}

// IsAdmin reports whether the user may call admin-only operations.
func (u *User) IsAdmin() bool { return u.Role == RoleAdministrator }

// KeyPair is a user's API credential. The secret is known only at creation
// or rotation; the store keeps its hash.
type KeyPair struct {
	AccessKey string
	SecretKey string // empty except right after creation or rotation
	OrgID     OrgID
	UserID    string
	CreatedOn time.Time
	RevokedOn time.Time // zero while the key works
}

// Principal is who is calling: the key's user and org, resolved by the
// store in one lookup.
type Principal struct {
	Org       Org
	User      User
	AccessKey string
}
