package lsqapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/localsquared/localsquared/internal/crm"
)

// errorTable maps each error kind to LeadSquared's HTTP status and
// ExceptionType. It is the only place that decides either.
var errorTable = map[crm.Kind]struct {
	status int
	typ    string
}{
	crm.KindBadRequest:       {http.StatusBadRequest, "MXInvalidRequestFormatException"},
	crm.KindUnauthorized:     {http.StatusUnauthorized, "MXUnAuthorizedAccessException"},
	crm.KindNoRoute:          {http.StatusNotFound, "MXAPINotFoundException"},
	crm.KindMethod:           {http.StatusMethodNotAllowed, "MXMethodNotAllowedException"},
	crm.KindTooLarge:         {http.StatusRequestEntityTooLarge, "MXRequestTooLargeException"},
	crm.KindRateLimited:      {http.StatusTooManyRequests, "MXAPIRateLimitExceededException"},
	crm.KindInvalid:          {http.StatusInternalServerError, "MXInvalidInputException"},
	crm.KindMandatory:        {http.StatusInternalServerError, "MXMandatoryAttributeMissingException"},
	crm.KindNotFound:         {http.StatusInternalServerError, "MXInvalidEntityException"},
	crm.KindDuplicate:        {http.StatusInternalServerError, "MXDuplicateEntryException"},
	crm.KindUnknownAttribute: {http.StatusInternalServerError, "MXUnknownAttributeException"},
	crm.KindDataType:         {http.StatusInternalServerError, "MXInvalidDataTypeException"},
	crm.KindForbidden:        {http.StatusInternalServerError, "MXUnAuthorizedAccessException"},
	crm.KindInternal:         {http.StatusInternalServerError, "MXInternalException"},
	crm.KindUnavailable:      {http.StatusInternalServerError, "MXInternalException"},
	crm.KindInvalidActivity:  {http.StatusInternalServerError, "MXInvalidActivityException"},
	crm.KindActivityFields:   {http.StatusInternalServerError, "MXInvalidActivityFieldsException"},
	crm.KindUnknownActivity:  {http.StatusInternalServerError, "MXUnknownProspectActivityException"},
	crm.KindDuplicateName:    {http.StatusInternalServerError, "MXDuplicateEntityNameException"},
}

// errorBody is the error envelope; field order is the wire order.
type errorBody struct {
	Status           string
	ExceptionType    string
	ExceptionMessage string
}

// clientClosed answers a call whose client went away (nginx's 499 "client
// closed request"); only the journal sees it.
var clientClosed = struct {
	status int
	typ    string
}{crm.StatusClientClosed, "MXClientClosedRequestException"}

// RetryAfter is implemented by rate-limit errors that know when the caller
// may try again.
type RetryAfter interface{ RetryAfterSeconds() int }

// writeError writes err as LeadSquared's error envelope. Internal errors are
// logged here, once, with the request id, and their text never reaches the
// caller.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	kind := crm.KindOf(err)
	e, ok := errorTable[kind]
	if !ok {
		e = errorTable[crm.KindInternal]
		kind = crm.KindInternal
	}
	msg := crm.MessageOf(err)
	reqID := crm.RequestID(r.Context())
	if kind == crm.KindInternal && crm.Abandoned(r.Context(), err) {
		// The client closed the connection before the answer was ready:
		// nothing failed, and nobody will read this. It is not logged as
		// an internal error; the journal records it as 499.
		log.InfoContext(r.Context(), "call abandoned by its client", "request_id", reqID, "path", r.URL.Path)
		e, msg = clientClosed, "The client closed the connection before the response was ready."
	} else if kind == crm.KindInternal || kind == crm.KindUnavailable {
		log.ErrorContext(r.Context(), "internal error", "request_id", reqID, "path", r.URL.Path, "err", err)
		msg = "An unexpected error occurred. Reference: " + reqID
	}
	var ra RetryAfter
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(ra.RetryAfterSeconds()))
	}
	if ci := crm.CallInfoFrom(r.Context()); ci != nil {
		ci.ExceptionType, ci.ExceptionMessage = e.typ, msg
	}
	writeJSON(w, e.status, errorBody{"Error", e.typ, msg})
}

// WriteError writes err as the error envelope exactly as a handler's
// returned error would be written (and logs it once when internal). It is
// for middleware that must answer in the API's shape.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	writeError(w, r, log, err)
}

// writeJSON writes v as the JSON response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types reach here; a failure is a bug
		b = []byte(`{"Status":"Error","ExceptionType":"MXInternalException","ExceptionMessage":"An unexpected error occurred."}`)
		status = http.StatusInternalServerError
	}
	writeRaw(w, status, b)
}

// The hot reads build a body of a few KiB per call; bodyPool keeps their
// buffers between calls instead of leaving one to the collector each time.
// A buffer is free again once written: Write copies it (an io.Writer must
// not retain p), into the journal's buffer or the connection's.
var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody: a larger body (a page of a thousand leads) goes to the
// collector rather than keeping megabytes in the pool.
const maxPooledBody = 64 << 10

// bodyBuf returns an empty buffer with room for n bytes; writeBody
// writes what was appended to it and returns it to the pool.
func bodyBuf(n int) *[]byte {
	p := bodyPool.Get().(*[]byte)
	if cap(*p) < n {
		*p = make([]byte, 0, n)
	}
	*p = (*p)[:0]
	return p
}

// writeBody writes b, which was appended to *p (from bodyBuf), and
// returns the buffer to the pool.
func writeBody(w http.ResponseWriter, status int, p *[]byte, b []byte) {
	writeRaw(w, status, b)
	if cap(b) <= maxPooledBody {
		*p = b[:0]
		bodyPool.Put(p)
	}
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Success envelopes (reference §1.4).
type (
	idMessage struct {
		Id string
	}
	affectedMessage struct {
		AffectedRows int
	}
	idAffectedMessage struct {
		Id           string
		AffectedRows int
	}
	success struct {
		Status  string
		Message any
	}
)

func ok(msg any) success { return success{"Success", msg} }
