package crm

import (
	"strings"
	"time"
	"unicode/utf8"
)

// List types, as Lists.Get's ListType parameter numbers them. LocalSquared
// keeps static lists only; dynamic and refreshable lists are segments
// defined by search criteria, which it does not build.
const (
	ListStatic      = 0
	ListDynamic     = 1
	ListRefreshable = 2
)

// Caps of the list surface.
const (
	MaxListNameLength        = 200
	MaxListDescriptionLength = 2000
	MaxListLeadsPerCall      = 10000
)

// List is a static list of leads ("segment").
type List struct {
	ID          string // ListId, a UUID v7
	Name        string
	Description string
	Type        int // ListStatic
	CreatedBy   string
	CreatedOn   time.Time
	ModifiedOn  time.Time // membership or details changed
	MemberCount int64
}

// TypeName is the ListType text of Lists.Get.
func (l *List) TypeName() string {
	switch l.Type {
	case ListDynamic:
		return "dynamic"
	case ListRefreshable:
		return "refreshable"
	}
	return "static"
}

// ErrListNotFound is the error for a list id that is not one of the
// caller's org's lists.
var ErrListNotFound = &Error{Kind: KindNotFound, Msg: "List does not exist"}

// ErrListNameTaken is LeadSquared's error for a list name the org already
// uses (compared case-insensitively).
var ErrListNameTaken = &Error{Kind: KindDuplicateName, Msg: "A list with the same name already exists"}

// ListNameKey is the form of a list name that uniqueness compares:
// trimmed and lower-cased.
func ListNameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CheckListText refuses a missing list name (KindMandatory), and a name or
// description that is too long or holds a NUL character (KindInvalid).
func CheckListText(name, description string) error {
	if strings.TrimSpace(name) == "" {
		return Errorf(KindMandatory, "'Name' is mandatory")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return Invalidf("Name (contains a NUL character)")
	}
	if strings.IndexByte(description, 0) >= 0 {
		return Invalidf("Description (contains a NUL character)")
	}
	if utf8.RuneCountInString(strings.TrimSpace(name)) > MaxListNameLength {
		return Invalidf("Name (longer than %d characters)", MaxListNameLength)
	}
	if utf8.RuneCountInString(description) > MaxListDescriptionLength {
		return Invalidf("Description (longer than %d characters)", MaxListDescriptionLength)
	}
	return nil
}
