package crm

import "context"

// CallInfo describes one API call as the API layer understood it. The
// journal middleware puts an empty one in the request context; lsqapi fills
// it in as it routes, authenticates and answers.
type CallInfo struct {
	Operation        string // canonical "Service.svc/Operation", "" when unrouted
	OrgID            OrgID  // 0 when the caller was not authenticated
	UserID           string
	AccessKey        string
	JournalLevel     string // the org's level; "" before authentication
	ExceptionType    string // "" on success
	ExceptionMessage string
}

type callInfoKey struct{}
type requestIDKey struct{}

// WithCallInfo returns ctx carrying ci.
func WithCallInfo(ctx context.Context, ci *CallInfo) context.Context {
	return context.WithValue(ctx, callInfoKey{}, ci)
}

// CallInfoFrom returns the CallInfo in ctx, or nil.
func CallInfoFrom(ctx context.Context) *CallInfo {
	ci, _ := ctx.Value(callInfoKey{}).(*CallInfo)
	return ci
}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
