// Package lsq is a Go client for the LeadSquared REST API v2, usable
// against LeadSquared itself or against a LocalSquared server. It has no
// dependencies beyond the standard library.
//
// New builds a Client from options (base URL, keys, *http.Client, slog
// logger and level, retry policy, user agent). Every method takes a
// context first and returns *Error for an answer from the server (test it
// with IsDuplicate, IsNotFound, IsInvalid, IsRateLimited, IsUnauthorized or
// errors.As) or *TransportError when no answer came. Lead values travel as
// Attrs (Attribute/Value pairs) and come back as Lead, a map of schema
// name to text with typed getters. DateTime and the Parse/Format
// functions handle the wire's date forms. AdminClient covers
// LocalSquared's own /api/v1.
package lsq
