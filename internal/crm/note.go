package crm

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a note's text, in characters.
const (
	MaxNoteLength       = 8000
	MaxAttachmentLength = 2000
)

// Note is a free-text note on a lead (LeadSquared's "prospect note"). A
// note has a text, an attachment name, or both.
type Note struct {
	ID             string // ProspectNoteId, a UUID v7
	LeadID         string // RelatedProspectId
	Note           string
	AttachmentName string // a file name or URL; LocalSquared keeps no files
	CreatedBy      string // user id
	ModifiedBy     string // user id
	CreatedOn      time.Time
	ModifiedOn     time.Time
}

// ErrNoteNotFound is LeadSquared's error for a note id that is not one of
// the lead's notes in the caller's org.
var ErrNoteNotFound = &Error{Kind: KindNotFound, Msg: "Note does not exist"}

// AttachmentURL is what note reads show as AttachmentURL: the attachment
// name when it is an absolute http(s) URL, else "" (LocalSquared stores no
// files, so it has no URL of its own to give).
func (n *Note) AttachmentURL() string {
	a := strings.ToLower(n.AttachmentName)
	if strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "http://") {
		return n.AttachmentName
	}
	return ""
}

// CheckNoteText refuses a note text or attachment name that is too long or
// holds a NUL character (KindInvalid naming the parameter), and a note with
// neither (KindMandatory).
func CheckNoteText(note, attachment string) error {
	if strings.IndexByte(note, 0) >= 0 {
		return Invalidf("Note (contains a NUL character)")
	}
	if strings.IndexByte(attachment, 0) >= 0 {
		return Invalidf("AttachmentName (contains a NUL character)")
	}
	if utf8.RuneCountInString(note) > MaxNoteLength {
		return Invalidf("Note (longer than %d characters)", MaxNoteLength)
	}
	if utf8.RuneCountInString(attachment) > MaxAttachmentLength {
		return Invalidf("AttachmentName (longer than %d characters)", MaxAttachmentLength)
	}
	if strings.TrimSpace(note) == "" && strings.TrimSpace(attachment) == "" {
		return Errorf(KindMandatory, "'Note' or 'AttachmentName' is mandatory")
	}
	return nil
}
