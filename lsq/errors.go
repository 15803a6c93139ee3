package lsq

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an answer from the server that is not a success: LeadSquared's
// error envelope ({"Status":"Error","ExceptionType":…,"ExceptionMessage":…})
// or any other non-2xx answer. Use errors.As to get it, or the Is…
// helpers, which also work through wrapping.
type Error struct {
	Operation        string        // "Service.svc/Operation"
	Status           int           // HTTP status; 0 when the request never left
	ExceptionType    string        // "MXDuplicateEntryException", …; "" when the body was not an envelope
	ExceptionMessage string        // the server's message, or the start of a non-envelope body
	RequestID        string        // X-Request-Id of the answer, when the server sent one
	RetryAfter       time.Duration // Retry-After of a 429, when given
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("lsq: ")
	b.WriteString(e.Operation)
	if e.Status != 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.ExceptionType != "" {
		b.WriteString(" ")
		b.WriteString(e.ExceptionType)
	}
	if e.ExceptionMessage != "" {
		b.WriteString(": ")
		b.WriteString(e.ExceptionMessage)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// Sentinels for errors.Is. An *Error matches the sentinel of its kind;
// the SDK also returns ErrNotFound (wrapped) when a read by id, email or
// phone answers an empty list.
var (
	ErrNotFound     = errors.New("lsq: not found")
	ErrDuplicate    = errors.New("lsq: duplicate")
	ErrRateLimited  = errors.New("lsq: rate limited")
	ErrInvalid      = errors.New("lsq: invalid input")
	ErrUnauthorized = errors.New("lsq: unauthorized")
)

// Is reports whether e is of the kind target names (one of the Err…
// sentinels).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound || e.ExceptionType == "MXInvalidEntityException" ||
			e.ExceptionType == "MXUnknownProspectActivityException"
	case ErrDuplicate:
		return e.ExceptionType == "MXDuplicateEntryException" || e.ExceptionType == "MXDuplicateEntityNameException"
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests || e.ExceptionType == "MXAPIRateLimitExceededException"
	case ErrInvalid:
		switch e.ExceptionType {
		case "MXInvalidInputException", "MXMandatoryAttributeMissingException", "MXUnknownAttributeException",
			"MXInvalidDataTypeException", "MXInvalidRequestFormatException", "MXInvalidActivityException",
			"MXInvalidActivityFieldsException":
			return true
		}
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.ExceptionType == "MXUnAuthorizedAccessException"
	}
	return false
}

// IsNotFound reports whether err says the record does not exist: an
// unknown lead, task or activity (MXInvalidEntityException,
// MXUnknownProspectActivityException), a 404, or an empty read.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsDuplicate reports whether err is MXDuplicateEntryException or
// MXDuplicateEntityNameException: a unique value (email, phone, name)
// already belongs to another record.
func IsDuplicate(err error) bool { return errors.Is(err, ErrDuplicate) }

// IsRateLimited reports whether err is a 429 (MXAPIRateLimitExceededException).
func IsRateLimited(err error) bool { return errors.Is(err, ErrRateLimited) }

// IsInvalid reports whether err is a refusal of the input: a 400 or a
// business error about a value, a missing or unknown attribute.
func IsInvalid(err error) bool { return errors.Is(err, ErrInvalid) }

// IsUnauthorized reports whether err is a 401 or MXUnAuthorizedAccessException.
func IsUnauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }

// maxErrorBody caps how much of a non-envelope body an Error quotes.
const maxErrorBody = 512

// decodeError builds the *Error for a non-2xx answer.
func decodeError(opName string, status int, h http.Header, body []byte) *Error {
	e := &Error{Operation: opName, Status: status, RequestID: h.Get("X-Request-Id")}
	if status == http.StatusTooManyRequests {
		e.RetryAfter, _ = retryAfter(h)
	}
	var env struct {
		ExceptionType    string
		ExceptionMessage string
		Message          string // some gateways answer {"Message":"…"}
	}
	if json.Unmarshal(body, &env) == nil && (env.ExceptionType != "" || env.ExceptionMessage != "" || env.Message != "") {
		e.ExceptionType, e.ExceptionMessage = env.ExceptionType, env.ExceptionMessage
		if e.ExceptionMessage == "" {
			e.ExceptionMessage = env.Message
		}
		return e
	}
	s := strings.TrimSpace(string(body))
	if len(s) > maxErrorBody {
		s = s[:maxErrorBody] + "..."
	}
	if s == "" {
		s = http.StatusText(status)
	}
	e.ExceptionMessage = s
	return e
}
