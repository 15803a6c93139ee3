package crm

import (
	"strings"
	"time"
)

// Operators of a lead search condition (Leads.Get's SqlOperator).
const (
	OpEq    = "="
	OpNe    = "<>"
	OpLt    = "<"
	OpLe    = "<="
	OpGt    = ">"
	OpGe    = ">="
	OpLike  = "LIKE"
	OpIn    = "IN"
	MaxPage = 1000 // Leads.Get and Leads/Retrieve/* page size cap
)

// ParseOp returns the canonical operator for LeadSquared's SqlOperator
// (case-insensitive, surrounding spaces ignored). Anything else, "!="
// included, is KindNotFound, as LeadSquared answers MXInvalidEntityException.
func ParseOp(s string) (string, error) {
	switch op := strings.ToUpper(strings.TrimSpace(s)); op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpLike, OpIn:
		return op, nil
	}
	if len(s) > 20 {
		s = s[:20] + "…"
	}
	return "", Errorf(KindNotFound, "Invalid SqlOperator '%s'", strings.ToValidUTF8(s, "?"))
}

// Condition is one search condition on a lead field. Values are already
// normalised to the field's stored form (see lsqapi's value rules); IN has
// several, the others one.
type Condition struct {
	Field  *Field
	Op     string
	Values []string
}

// Sort orders search results by a field; the lead id always breaks ties,
// so pages never overlap or skip.
type Sort struct {
	Field *Field // nil: the operation's default order
	Desc  bool
}

// Page is a 1-based page of results.
type Page struct {
	Index int // ≥ 1
	Size  int // ≥ 1
}

// Offset is the number of results before the page.
func (p Page) Offset() int { return (p.Index - 1) * p.Size }

// LeadQuery is a lead search: an optional condition, or a window on
// LeadLastModifiedOn, sorted and paged.
type LeadQuery struct {
	Cond     *Condition
	From, To time.Time // LeadLastModifiedOn window, inclusive; zero: none
	Sort     Sort
	Page     Page
	// Fields names the lead fields the caller reads from each lead; the
	// others may be left out of Lead.Values. Nil means every field.
	Fields []string
}

// QuickSearchFields are the fields Leads.GetByQuickSearch always searches,
// besides custom fields marked ShowInQuickSearch.
var QuickSearchFields = []string{"FirstName", "LastName", "EmailAddress", "Phone", "Mobile", "Company"}

// MaxQuickSearch caps the leads Leads.GetByQuickSearch returns.
const MaxQuickSearch = 100
