package lsq

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Layouts on the wire, in time.Format notation. Every value is UTC.
const (
	LayoutInput  = "2006-01-02 15:04:05"     // what LeadSquared accepts
	LayoutOutput = "2006-01-02 15:04:05.000" // lead, activity, task and note records
	LayoutDate   = "2006-01-02"              // Date-typed custom fields also accept this
)

// What a DateTimeError says was expected, per parser.
const (
	expectDateTime       = "yyyy-MM-dd HH:mm:ss (UTC, no milliseconds)"
	expectDate           = "yyyy-MM-dd"
	expectDateOrDateTime = "yyyy-MM-dd or yyyy-MM-dd HH:mm:ss (UTC, no milliseconds)"
	expectWCF            = "/Date(milliseconds+hhmm)/"
	expectOutput         = "yyyy-MM-dd HH:mm:ss.SSS, yyyy-MM-dd HH:mm:ss, yyyy-MM-dd or /Date(milliseconds+hhmm)/"
	expectJSON           = "a JSON string or null"
	expectYear           = "a year between 0001 and 9999 (UTC)"
)

// maxErrorValue caps how much of a bad value an error message quotes, so a
// huge input cannot produce a huge message (or log line).
const maxErrorValue = 64

// DateTimeError says which value was bad and what was expected. Every
// parser in this file returns one, as a *DateTimeError; Value is the whole
// input, unabridged, and Expected describes the accepted form(s), such as
// "yyyy-MM-dd HH:mm:ss (UTC, no milliseconds)".
type DateTimeError struct {
	Value    string
	Expected string
}

// Error returns `invalid date "<value>": expected <Expected>`. The value is
// quoted as by %q; one longer than 64 bytes is cut to its first 64 bytes and
// followed by "...".
func (e *DateTimeError) Error() string {
	v, more := e.Value, ""
	if len(v) > maxErrorValue {
		v, more = v[:maxErrorValue], "..."
	}
	return "invalid date " + strconv.Quote(v) + more + ": expected " + e.Expected
}

// num2 reads the two ASCII digits at s[i:i+2]. Byte subtraction wraps, so
// one unsigned comparison per byte rejects everything but '0'–'9'
// (including signs, spaces and the bytes of multi-byte UTF-8 digits).
func num2(s string, i int) (int, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	if a > 9 || b > 9 {
		return 0, false
	}
	return int(a)*10 + int(b), true
}

// parseYMD reads a valid calendar date yyyy-MM-dd from s[0:10]; the caller
// guarantees len(s) >= 10. Years 0001–9999, proleptic Gregorian.
func parseYMD(s string) (y, m, d int, ok bool) {
	if s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y1, ok1 := num2(s, 0)
	y2, ok2 := num2(s, 2)
	m, ok3 := num2(s, 5)
	d, ok4 := num2(s, 8)
	y = y1*100 + y2
	if !ok1 || !ok2 || !ok3 || !ok4 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseHMS reads a valid clock time HH:mm:ss from s[11:19]; the caller
// guarantees len(s) >= 19. Hour 24 and leap second 60 are refused.
func parseHMS(s string) (hh, mm, ss int, ok bool) {
	if s[13] != ':' || s[16] != ':' {
		return 0, 0, 0, false
	}
	hh, ok1 := num2(s, 11)
	mm, ok2 := num2(s, 14)
	ss, ok3 := num2(s, 17)
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, 0, 0, false
	}
	return hh, mm, ss, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 {
		return time.Time{}, false
	}
	y, m, d, ok := parseYMD(s)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// parseDateTime parses exactly the 19 bytes of the input form at the start
// of s, which must be at least that long.
func parseDateTime(s string) (time.Time, bool) {
	if s[10] != ' ' {
		return time.Time{}, false
	}
	y, mo, d, ok := parseYMD(s)
	if !ok {
		return time.Time{}, false
	}
	hh, mm, ss, ok := parseHMS(s)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, hh, mm, ss, 0, time.UTC), true
}

// ParseDateTime parses the strict input form yyyy-MM-dd HH:mm:ss: UTC,
// 24-hour, ASCII digits of exactly those widths, one space, no
// milliseconds, no 'T', no zone and nothing around it. Years run 0001–9999;
// impossible dates (2018-02-30, 2023-02-29, 1900-02-29), hour 24 and second
// 60 are refused. It returns a time in time.UTC, or a *DateTimeError. It
// does not allocate on success.
func ParseDateTime(s string) (time.Time, error) {
	if len(s) == 19 {
		if t, ok := parseDateTime(s); ok {
			return t, nil
		}
	}
	return time.Time{}, &DateTimeError{Value: s, Expected: expectDateTime}
}

// ParseDate parses the strict form yyyy-MM-dd under the same rules as
// ParseDateTime and returns midnight UTC, or a *DateTimeError.
func ParseDate(s string) (time.Time, error) {
	if t, ok := parseDate(s); ok {
		return t, nil
	}
	return time.Time{}, &DateTimeError{Value: s, Expected: expectDate}
}

// ParseDateOrDateTime parses either strict form, yyyy-MM-dd (giving
// midnight UTC) or yyyy-MM-dd HH:mm:ss, as Date-typed fields accept. It
// returns a time in time.UTC, or a *DateTimeError naming both forms.
func ParseDateOrDateTime(s string) (time.Time, error) {
	switch len(s) {
	case 10:
		if t, ok := parseDate(s); ok {
			return t, nil
		}
	case 19:
		if t, ok := parseDateTime(s); ok {
			return t, nil
		}
	}
	return time.Time{}, &DateTimeError{Value: s, Expected: expectDateOrDateTime}
}

// put2 writes v (0–99) as two ASCII digits at b[i:i+2].
func put2(b []byte, i, v int) {
	b[i] = byte('0' + v/10)
	b[i+1] = byte('0' + v%10)
}

// putDateTime writes yyyy-MM-dd HH:mm:ss for t, already in UTC with a year
// in 1–9999, into b[0:19].
func putDateTime(b []byte, t time.Time) {
	y, mo, d := t.Date()
	hh, mm, ss := t.Clock()
	put2(b, 0, y/100)
	put2(b, 2, y%100)
	b[4] = '-'
	put2(b, 5, int(mo))
	b[7] = '-'
	put2(b, 8, d)
	b[10] = ' '
	put2(b, 11, hh)
	b[13] = ':'
	put2(b, 14, mm)
	b[16] = ':'
	put2(b, 17, ss)
}

func inRange(t time.Time) bool {
	y := t.Year()
	return y >= 1 && y <= 9999
}

// FormatDateTime formats t in UTC as yyyy-MM-dd HH:mm:ss.SSS, the form of
// lead, activity, task and note records. Milliseconds are truncated, not
// rounded (…53.9999 gives …53.999). Instants whose UTC year is outside
// 0001–9999 fall back to time.Format and do not parse back.
func FormatDateTime(t time.Time) string {
	t = t.UTC()
	if !inRange(t) {
		return t.Format(LayoutOutput)
	}
	var buf [23]byte
	putDateTime(buf[:], t)
	ms := t.Nanosecond() / 1e6
	buf[19] = '.'
	buf[20] = byte('0' + ms/100)
	put2(buf[:], 21, ms%100)
	return string(buf[:])
}

// FormatDateTimeSeconds formats t in UTC as yyyy-MM-dd HH:mm:ss, the input
// form and the form of user objects; sub-second digits are dropped. Years
// outside 0001–9999 are handled as by FormatDateTime.
func FormatDateTimeSeconds(t time.Time) string {
	t = t.UTC()
	if !inRange(t) {
		return t.Format(LayoutInput)
	}
	var buf [19]byte
	putDateTime(buf[:], t)
	return string(buf[:])
}

// FormatWCF formats t as a WCF JSON date, /Date(1417453996000+0000)/:
// milliseconds since the Unix epoch (floored, so instants before 1970 stay
// consistent with FormatDateTime), always with offset +0000. In JSON, WCF
// escapes the slashes ("\/Date(…)\/"); encoding/json's decoder undoes that
// and its encoder need not do it.
func FormatWCF(t time.Time) string {
	var buf [32]byte
	b := append(buf[:0], "/Date("...)
	b = strconv.AppendInt(b, t.UnixMilli(), 10)
	b = append(b, "+0000)/"...)
	return string(b)
}

// The instants ParseWCF accepts: years 0001–9999, the range of .NET's
// DateTime and of the text forms.
const (
	minWCF = -62135596800000 // 0001-01-01 00:00:00.000 UTC
	maxWCF = 253402300799999 // 9999-12-31 23:59:59.999 UTC
)

// ParseWCF parses a WCF JSON date, already JSON-decoded: /Date(ms)/,
// /Date(ms+hhmm)/ or /Date(ms-hhmm)/, where ms is a decimal count of
// milliseconds since the Unix epoch with an optional leading '-' (not '+'),
// and hhmm an offset of 00–23 hours and 00–59 minutes. The offset is
// informational in WCF and does not change the instant. The instant must lie
// in years 0001–9999. It returns a time in time.UTC, or a *DateTimeError.
func ParseWCF(s string) (time.Time, error) {
	if ms, ok := parseWCF(s); ok {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Time{}, &DateTimeError{Value: s, Expected: expectWCF}
}

func parseWCF(s string) (int64, bool) {
	const prefix, suffix = "/Date(", ")/"
	if len(s) < len(prefix)+1+len(suffix) || s[:len(prefix)] != prefix || s[len(s)-len(suffix):] != suffix {
		return 0, false
	}
	in := s[len(prefix) : len(s)-len(suffix)]
	neg := in[0] == '-'
	if neg {
		in = in[1:]
	}
	var ms int64
	i := 0
	for ; i < len(in) && in[i]-'0' <= 9; i++ {
		if i == 16 { // maxWCF has 15 digits; 16 cannot overflow an int64
			return 0, false
		}
		ms = ms*10 + int64(in[i]-'0')
	}
	if i == 0 {
		return 0, false
	}
	if neg {
		ms = -ms
	}
	switch off := in[i:]; len(off) {
	case 0:
	case 5:
		hh, ok1 := num2(off, 1)
		mm, ok2 := num2(off, 3)
		if off[0] != '+' && off[0] != '-' || !ok1 || !ok2 || hh > 23 || mm > 59 {
			return 0, false
		}
	default:
		return 0, false
	}
	return ms, ms >= minWCF && ms <= maxWCF
}

// ParseOutput parses any form a server may send back: yyyy-MM-dd
// HH:mm:ss.SSS with 1–7 fractional digits, yyyy-MM-dd HH:mm:ss,
// yyyy-MM-dd, or a WCF date (see ParseWCF). The fields follow the strict
// rules of ParseDateTime. It returns a time in time.UTC, or a
// *DateTimeError listing the accepted forms.
func ParseOutput(s string) (time.Time, error) {
	if t, ok := parseOutput(s); ok {
		return t, nil
	}
	return time.Time{}, &DateTimeError{Value: s, Expected: expectOutput}
}

func parseOutput(s string) (time.Time, bool) {
	switch n := len(s); {
	case n > 0 && s[0] == '/':
		ms, ok := parseWCF(s)
		return time.UnixMilli(ms).UTC(), ok
	case n == 10:
		return parseDate(s)
	case n == 19:
		return parseDateTime(s)
	case n >= 21 && n <= 27 && s[19] == '.':
		t, ok := parseDateTime(s)
		if !ok {
			return time.Time{}, false
		}
		ns, scale := 0, 100_000_000
		for i := 20; i < n; i++ {
			c := s[i] - '0'
			if c > 9 {
				return time.Time{}, false
			}
			ns += int(c) * scale
			scale /= 10
		}
		return t.Add(time.Duration(ns)), true
	}
	return time.Time{}, false
}

// DateTime is a UTC instant in LeadSquared's JSON. It marshals as
// "yyyy-MM-dd HH:mm:ss", the input form, so it can be sent in request
// bodies (sub-second digits are dropped), and the zero value marshals as
// null; a year outside 0001–9999 is a *DateTimeError. It unmarshals from
// any form ParseOutput accepts; JSON null and "" give the zero value (null
// resets a value already set, unlike encoding/json's usual no-op). The
// promoted IsZero makes `json:",omitzero"` leave zero values out.
type DateTime struct{ time.Time }

// MarshalJSON implements json.Marshaler: null for the zero value, else the
// quoted input form in UTC.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	t := d.UTC()
	if !inRange(t) {
		return nil, &DateTimeError{Value: t.Format(LayoutInput), Expected: expectYear}
	}
	b := make([]byte, 21)
	b[0], b[20] = '"', '"'
	putDateTime(b[1:20], t)
	return b, nil
}

// UnmarshalJSON implements json.Unmarshaler. It accepts null, "" and any
// JSON string ParseOutput accepts once decoded (so "\/Date(…)\/" works); any
// other input is a *DateTimeError and leaves d unchanged.
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.Time = time.Time{}
		return nil
	}
	s, ok := jsonString(b)
	if !ok {
		return &DateTimeError{Value: string(b), Expected: expectJSON}
	}
	if s == "" {
		d.Time = time.Time{}
		return nil
	}
	t, err := ParseOutput(s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// jsonString decodes the JSON string b, reporting false if b is not one.
func jsonString(b []byte) (string, bool) {
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 {
		return string(b[1 : n-1]), true // no escapes, the common case: skip the decoder
	}
	var s string // declared here so that only escaped strings pay for its heap move
	err := json.Unmarshal(b, &s)
	return s, err == nil
}

// String returns the input form yyyy-MM-dd HH:mm:ss in UTC, or "" for the
// zero value.
func (d DateTime) String() string {
	if d.IsZero() {
		return ""
	}
	return FormatDateTimeSeconds(d.Time)
}
