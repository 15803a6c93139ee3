// Package crm is LocalSquared's domain: orgs, users, key pairs, leads and
// their fields, the error kinds every layer speaks, and the clock.
//
// It imports nothing else of LocalSquared. The store translates these types
// to and from SQL, lsqapi to and from LeadSquared's wire shapes.
package crm
