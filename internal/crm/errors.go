package crm

import (
	"context"
	"errors"
	"fmt"
)

// Kind classifies an error. Each kind maps to one HTTP status and one
// LeadSquared ExceptionType in lsqapi's error table.
type Kind uint8

const (
	KindInternal         Kind = iota // a fault inside the server; details never leave it
	KindInvalid                      // a bad parameter or value (MXInvalidInputException)
	KindMandatory                    // a required parameter or field is absent
	KindNotFound                     // the record does not exist (MXInvalidEntityException)
	KindDuplicate                    // a unique value collides
	KindUnknownAttribute             // writing a field the org does not have
	KindDataType                     // a value does not fit its field's type
	KindForbidden                    // the caller's role may not do this (HTTP 500, as LeadSquared)
	KindUnauthorized                 // missing, unknown or deactivated keys (HTTP 401)
	KindRateLimited                  // over the org's plan (HTTP 429)
	KindBadRequest                   // body not JSON, wrong shape or content type (HTTP 400)
	KindNoRoute                      // unknown API path (HTTP 404)
	KindMethod                       // wrong verb for a known API (HTTP 405)
	KindTooLarge                     // body over the limit (HTTP 413)
	KindUnavailable                  // the database is unreachable; retryable (HTTP 500 internal)
	KindInvalidActivity              // a bad or missing activity event code (MXInvalidActivityException)
	KindActivityFields               // activity fields that do not fit the type (MXInvalidActivityFieldsException)
	KindUnknownActivity              // the activity does not exist (MXUnknownProspectActivityException)
	KindDuplicateName                // a named entity (a list) collides by name (MXDuplicateEntityNameException)
)

var kindNames = [...]string{
	KindInternal: "internal", KindInvalid: "invalid", KindMandatory: "mandatory missing",
	KindNotFound: "not found", KindDuplicate: "duplicate", KindUnknownAttribute: "unknown attribute",
	KindDataType: "data type", KindForbidden: "forbidden", KindUnauthorized: "unauthorized",
	KindRateLimited: "rate limited", KindBadRequest: "bad request", KindNoRoute: "no route",
	KindMethod: "method not allowed", KindTooLarge: "too large", KindUnavailable: "unavailable",
	KindInvalidActivity: "invalid activity", KindActivityFields: "invalid activity fields",
	KindUnknownActivity: "unknown activity", KindDuplicateName: "duplicate name",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is a domain error: a kind, the message a caller may see, and
// optionally the underlying cause, which is never shown to API callers.
type Error struct {
	Kind Kind
	Msg  string // safe to show to the API caller
	Err  error  // cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		if e.Msg == "" {
			return e.Err.Error()
		}
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of kind k whose caller-visible message is the
// formatted text.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Invalidf returns a KindInvalid error in LeadSquared's wording,
// "Invalid Input! Parameter Name: {detail}".
func Invalidf(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Msg: "Invalid Input! Parameter Name: " + fmt.Sprintf(format, args...)}
}

// StatusClientClosed is the status a call abandoned by its client is
// answered and journaled with (nginx's 499 "client closed request"); no
// client ever reads it.
const StatusClientClosed = 499

// Abandoned reports whether err ended the call whose context is ctx
// because that context was cancelled: the client closed the connection
// before the answer was ready. That is no fault of the server.
func Abandoned(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) && ctx.Err() != nil
}

// Internal wraps an unexpected cause as KindInternal.
func Internal(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindInternal, Err: err}
}

// KindOf returns the kind of the first *Error in err's chain, or
// KindInternal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the caller-visible message of err, or "" when err
// carries none (internal errors).
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Msg
	}
	return ""
}

// Common errors with LeadSquared's exact messages.
var (
	ErrLeadNotFound = &Error{Kind: KindNotFound, Msg: "Lead does not exist in the system"}
	ErrBadKeys      = &Error{Kind: KindUnauthorized, Msg: "Invalid access key or secret key"}
	ErrDeactivated  = &Error{Kind: KindUnauthorized, Msg: "User is deactivated"}
	ErrForbidden    = &Error{Kind: KindForbidden, Msg: "You do not have permission to perform this action"}
	ErrNoIdentity   = &Error{Kind: KindMandatory, Msg: "Lead must have at least one of FirstName, LastName, EmailAddress or Phone"}
	// ErrDeleteDisabled: LeadSquared support enables lead deletes per
	// account; until then the API refuses them.
	ErrDeleteDisabled = &Error{Kind: KindForbidden, Msg: "Lead delete is not enabled for this account. Please contact support to enable it."}
	// ErrOpportunityNotFound answers every opportunity id: LocalSquared
	// holds no opportunities. (LeadSquared's message for an unknown
	// opportunity is not known; this one follows ErrLeadNotFound's.)
	ErrOpportunityNotFound = &Error{Kind: KindNotFound, Msg: "Opportunity does not exist in the system"}
	// ErrLeadNotFoundOrDenied is Lead/Bulk/UpdateV2's reason for a row
	// whose lead does not exist.
	ErrLeadNotFoundOrDenied = &Error{Kind: KindNotFound, Msg: "Lead does not exist in the system or You do not have permission to update the lead"}
)
