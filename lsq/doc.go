// Package lsq is a Go client for the LeadSquared REST API v2, usable
// against LeadSquared itself or against a LocalSquared server. It has no
// dependencies beyond the standard library.
//
// This file set holds the wire helpers: DateTime and the date formats
// LeadSquared reads and writes.
package lsq
