package lsq

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func utc(y int, mo time.Month, d, hh, mm, ss, ns int) time.Time {
	return time.Date(y, mo, d, hh, mm, ss, ns, time.UTC)
}

// validDateTimes are inputs ParseDateTime must accept, with the instant
// each one means.
var validDateTimes = []struct {
	in   string
	want time.Time
}{
	{"2024-02-29 00:00:00", utc(2024, 2, 29, 0, 0, 0, 0)},
	{"2000-02-29 12:30:45", utc(2000, 2, 29, 12, 30, 45, 0)},
	{"1600-02-29 01:02:03", utc(1600, 2, 29, 1, 2, 3, 0)},
	{"2018-10-05 14:34:53", utc(2018, 10, 5, 14, 34, 53, 0)},
	{"2016-03-26 14:15:00", utc(2016, 3, 26, 14, 15, 0, 0)},
	{"2024-01-01 00:00:00", utc(2024, 1, 1, 0, 0, 0, 0)},
	{"2024-01-01 23:59:59", utc(2024, 1, 1, 23, 59, 59, 0)},
	{"1970-01-01 00:00:00", utc(1970, 1, 1, 0, 0, 0, 0)},
	{"1969-12-31 23:59:59", utc(1969, 12, 31, 23, 59, 59, 0)},
	{"0001-01-01 00:00:00", utc(1, 1, 1, 0, 0, 0, 0)},
	{"0004-02-29 00:00:00", utc(4, 2, 29, 0, 0, 0, 0)},
	{"9999-12-31 23:59:59", utc(9999, 12, 31, 23, 59, 59, 0)},
	{"9996-02-29 10:10:10", utc(9996, 2, 29, 10, 10, 10, 0)},
	// Month ends of a common and a leap year.
	{"2023-01-31 23:59:59", utc(2023, 1, 31, 23, 59, 59, 0)},
	{"2023-02-28 23:59:59", utc(2023, 2, 28, 23, 59, 59, 0)},
	{"2023-03-31 23:59:59", utc(2023, 3, 31, 23, 59, 59, 0)},
	{"2023-04-30 23:59:59", utc(2023, 4, 30, 23, 59, 59, 0)},
	{"2023-05-31 23:59:59", utc(2023, 5, 31, 23, 59, 59, 0)},
	{"2023-06-30 23:59:59", utc(2023, 6, 30, 23, 59, 59, 0)},
	{"2023-07-31 23:59:59", utc(2023, 7, 31, 23, 59, 59, 0)},
	{"2023-08-31 23:59:59", utc(2023, 8, 31, 23, 59, 59, 0)},
	{"2023-09-30 23:59:59", utc(2023, 9, 30, 23, 59, 59, 0)},
	{"2023-10-31 23:59:59", utc(2023, 10, 31, 23, 59, 59, 0)},
	{"2023-11-30 23:59:59", utc(2023, 11, 30, 23, 59, 59, 0)},
	{"2023-12-31 23:59:59", utc(2023, 12, 31, 23, 59, 59, 0)},
	{"2024-01-31 00:00:00", utc(2024, 1, 31, 0, 0, 0, 0)},
	{"2024-02-29 00:00:00", utc(2024, 2, 29, 0, 0, 0, 0)},
	{"2024-03-31 00:00:00", utc(2024, 3, 31, 0, 0, 0, 0)},
	{"2024-04-30 00:00:00", utc(2024, 4, 30, 0, 0, 0, 0)},
	{"2024-05-31 00:00:00", utc(2024, 5, 31, 0, 0, 0, 0)},
	{"2024-06-30 00:00:00", utc(2024, 6, 30, 0, 0, 0, 0)},
	{"2024-07-31 00:00:00", utc(2024, 7, 31, 0, 0, 0, 0)},
	{"2024-08-31 00:00:00", utc(2024, 8, 31, 0, 0, 0, 0)},
	{"2024-09-30 00:00:00", utc(2024, 9, 30, 0, 0, 0, 0)},
	{"2024-10-31 00:00:00", utc(2024, 10, 31, 0, 0, 0, 0)},
	{"2024-11-30 00:00:00", utc(2024, 11, 30, 0, 0, 0, 0)},
	{"2024-12-31 00:00:00", utc(2024, 12, 31, 0, 0, 0, 0)},
}

// invalidDateTimes are inputs ParseDateTime must refuse, by reason.
var invalidDateTimes = []struct {
	name, in string
}{
	{"Feb 30", "2018-02-30 10:00:00"},
	{"Feb 29 common year", "2023-02-29 10:00:00"},
	{"Feb 29 century not leap", "1900-02-29 10:00:00"},
	{"Feb 29 year 2100", "2100-02-29 10:00:00"},
	{"Apr 31", "2024-04-31 10:00:00"},
	{"Jun 31", "2024-06-31 10:00:00"},
	{"Sep 31", "2024-09-31 10:00:00"},
	{"Nov 31", "2024-11-31 10:00:00"},
	{"Jan 32", "2024-01-32 10:00:00"},
	{"Dec 32", "2024-12-32 10:00:00"},
	{"month 13", "2024-13-01 10:00:00"},
	{"month 00", "2024-00-10 10:00:00"},
	{"month 99", "2024-99-10 10:00:00"},
	{"day 00", "2024-01-00 10:00:00"},
	{"day 99", "2024-01-99 10:00:00"},
	{"year 0000", "0000-01-01 00:00:00"},
	{"hour 24", "2024-01-01 24:00:00"},
	{"hour 24 later", "2024-01-01 24:30:00"},
	{"hour 99", "2024-01-01 99:00:00"},
	{"minute 60", "2024-01-01 23:60:00"},
	{"leap second", "2024-01-01 23:59:60"},
	{"second 99", "2024-01-01 23:59:99"},
	{"milliseconds", "2018-10-05 14:34:53.000"},
	{"half second", "2018-10-05 14:34:53.5"},
	{"comma fraction", "2018-10-05 14:34:53,000"},
	{"T separator", "2018-10-05T14:34:53"},
	{"lower-case t", "2018-10-05t14:34:53"},
	{"Z suffix", "2018-10-05 14:34:53Z"},
	{"RFC 3339", "2018-10-05T14:34:53Z"},
	{"offset", "2018-10-05 14:34:53+05:30"},
	{"short offset", "2018-10-05 14:34:53+0530"},
	{"zone name", "2018-10-05 14:34:53 UTC"},
	{"trailing space", "2018-10-05 14:34:53 "},
	{"leading space", " 2018-10-05 14:34:53"},
	{"trailing newline", "2018-10-05 14:34:53\n"},
	{"two spaces", "2018-10-05  14:34:53"},
	{"tab", "2018-10-05\t14:34:53"},
	{"NBSP", "2018-10-05\u00a014:34:53"},
	{"empty", ""},
	{"only date", "2018-10-05"},
	{"no seconds", "2018-10-05 14:34"},
	{"single-digit fields", "2024-1-5 1:2:3"},
	{"single-digit hour padded", "2024-01-05 1:02:03 "},
	{"two-digit year", "24-01-05 01:02:03"},
	{"five-digit year", "10000-01-01 00:00:00"},
	{"full-width digits", "２０１８-10-05 14:34:53"},
	{"Arabic-Indic digits", "٢٠١٨-10-05 14:34:53"},
	{"Devanagari digit", "201८-10-05 14:34:53"},
	{"NUL byte", "2018-10-05 14:34:5\x00"},
	{"NUL separator", "2018-10-05\x0014:34:53"},
	{"all NUL", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
	{"invalid UTF-8", "2018-10-05 14:34:5\xff"},
	{"plus year", "+018-10-05 14:34:53"},
	{"minus year", "-018-10-05 14:34:53"},
	{"minus month", "2018--1-05 14:34:53"},
	{"plus day", "2018-10-+5 14:34:53"},
	{"space in hour", "2018-10-05  4:34:53"},
	{"slashes", "2018/10/05 14:34:53"},
	{"dashes in time", "2018-10-05 14-34-53"},
	{"dots in time", "2018-10-05 14.34.53"},
	{"compact", "20181005 143453"},
	{"letter", "2018-10-05 14:34:5a"},
	{"hex digit", "2018-0a-05 14:34:53"},
	{"colon before digit", "2018-10-05 14:3:453"},
	{"12-hour", "2018-10-05 02:34:53 PM"},
	{"word", "yesterday"},
	{"very long", strings.Repeat("2018-10-05 14:34:53", 1000)},
	{"valid then junk", "2018-10-05 14:34:53" + strings.Repeat("x", 100)},
}

func TestParseDateTime(t *testing.T) {
	for _, tc := range validDateTimes {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDateTime(tc.in)
			if err != nil {
				t.Fatalf("ParseDateTime(%q) error: %v", tc.in, err)
			}
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("ParseDateTime(%q) = %v, want %v in UTC", tc.in, got, tc.want)
			}
			if back := FormatDateTimeSeconds(got); back != tc.in {
				t.Errorf("FormatDateTimeSeconds round trip: %q → %q", tc.in, back)
			}
			if back := FormatDateTime(got); back != tc.in+".000" {
				t.Errorf("FormatDateTime round trip: %q → %q", tc.in, back)
			}
		})
	}
	for _, tc := range invalidDateTimes {
		t.Run("invalid/"+tc.name, func(t *testing.T) {
			got, err := ParseDateTime(tc.in)
			checkDateTimeError(t, err, tc.in, expectDateTime)
			if !got.IsZero() {
				t.Errorf("ParseDateTime(%q) returned %v with its error, want the zero time", tc.in, got)
			}
		})
	}
}

// checkDateTimeError checks that err is a *DateTimeError for in, and that
// its message quotes at most 64 bytes of it.
func checkDateTimeError(t *testing.T, err error, in, expected string) {
	t.Helper()
	var de *DateTimeError
	if !errors.As(err, &de) {
		t.Fatalf("error for %q = %v (%T), want a *DateTimeError", in, err, err)
	}
	if de.Value != in || de.Expected != expected {
		t.Errorf("error fields = {%q, %q}, want {%q, %q}", de.Value, de.Expected, in, expected)
	}
	v := in
	if len(v) > 64 {
		v = v[:64]
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf("invalid date %q", v)) || !strings.HasSuffix(err.Error(), ": expected "+expected) {
		t.Errorf("message = %q", err.Error())
	}
	if len(err.Error()) > 400 {
		t.Errorf("message for a %d-byte value is %d bytes", len(in), len(err.Error()))
	}
}

func TestDateTimeErrorMessage(t *testing.T) {
	long := strings.Repeat("9", 1000)
	for _, tc := range []struct {
		name string
		err  DateTimeError
		want string
	}{
		{"spec example", DateTimeError{"2018-02-30 10:00:00", expectDateTime},
			`invalid date "2018-02-30 10:00:00": expected yyyy-MM-dd HH:mm:ss (UTC, no milliseconds)`},
		{"empty", DateTimeError{"", expectDate}, `invalid date "": expected yyyy-MM-dd`},
		{"escapes", DateTimeError{"a\"b\\c\n\x00\xff", expectDate}, `invalid date "a\"b\\c\n\x00\xff": expected yyyy-MM-dd`},
		{"exactly 64 bytes", DateTimeError{long[:64], expectDate}, `invalid date "` + long[:64] + `": expected yyyy-MM-dd`},
		{"65 bytes", DateTimeError{long[:65], expectDate}, `invalid date "` + long[:64] + `"...: expected yyyy-MM-dd`},
		{"1000 bytes", DateTimeError{long, expectDate}, `invalid date "` + long[:64] + `"...: expected yyyy-MM-dd`},
		// The cut falls inside a three-byte rune: the stray bytes are escaped.
		{"cut mid-rune", DateTimeError{strings.Repeat("a", 63) + "２", expectDate}, `invalid date "` + strings.Repeat("a", 63) + `\xef"...: expected yyyy-MM-dd`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestParseDateExhaustive checks every year, month 0–13 and day 0–32
// against the time package's calendar.
func TestParseDateExhaustive(t *testing.T) {
	step := 1
	if testing.Short() {
		step = 97
	}
	buf := []byte("0000-00-00")
	for y := 0; y <= 9999; y += step {
		put2(buf, 0, y/100)
		put2(buf, 2, y%100)
		for m := 0; m <= 13; m++ {
			put2(buf, 5, m)
			for d := 0; d <= 32; d++ {
				put2(buf, 8, d)
				s := string(buf)
				want := utc(y, time.Month(m), d, 0, 0, 0, 0)
				valid := y >= 1 && m >= 1 && m <= 12 && want.Day() == d && int(want.Month()) == m
				got, err := ParseDate(s)
				if valid != (err == nil) || valid && !got.Equal(want) {
					t.Fatalf("ParseDate(%q) = %v, %v; valid = %v", s, got, err, valid)
				}
			}
		}
	}
}

// TestParseClockExhaustive checks every HH:mm:ss from 00:00:00 to 99:99:99.
func TestParseClockExhaustive(t *testing.T) {
	buf := []byte("2024-02-29 00:00:00")
	for hh := 0; hh <= 99; hh++ {
		put2(buf, 11, hh)
		for mm := 0; mm <= 99; mm++ {
			put2(buf, 14, mm)
			for ss := 0; ss <= 99; ss++ {
				put2(buf, 17, ss)
				s := string(buf)
				valid := hh <= 23 && mm <= 59 && ss <= 59
				got, err := ParseDateTime(s)
				if valid != (err == nil) || valid && !got.Equal(utc(2024, 2, 29, hh, mm, ss, 0)) {
					t.Fatalf("ParseDateTime(%q) = %v, %v; valid = %v", s, got, err, valid)
				}
			}
		}
	}
}

// TestParseDateTimeEveryByte replaces each byte of a valid value with every
// other byte value; only a different digit in a digit position may pass.
func TestParseDateTimeEveryByte(t *testing.T) {
	const base = "2019-11-22 13:45:37"
	for i := range len(base) {
		for c := range 256 {
			b := []byte(base)
			b[i] = byte(c)
			s := string(b)
			_, err := ParseDateTime(s)
			if s == base {
				if err != nil {
					t.Fatal(err)
				}
				continue
			}
			if isDigit := c >= '0' && c <= '9'; !isDigit && err == nil {
				t.Errorf("ParseDateTime(%q) accepted byte %#x at %d", s, c, i)
			} else if err == nil && FormatDateTimeSeconds(mustParse(t, s)) != s {
				t.Errorf("ParseDateTime(%q) does not round-trip", s)
			}
		}
	}
}

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := ParseDateTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0, 0)},
		{"2000-02-29", utc(2000, 2, 29, 0, 0, 0, 0)},
		{"0001-01-01", utc(1, 1, 1, 0, 0, 0, 0)},
		{"9999-12-31", utc(9999, 12, 31, 0, 0, 0, 0)},
		{"2023-04-30", utc(2023, 4, 30, 0, 0, 0, 0)},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDate(tc.in)
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{
		"2023-02-29", "1900-02-29", "2018-02-30", "2024-13-01", "2024-00-10", "2024-01-00", "0000-01-01",
		"2024-2-29", "24-02-29", "2024-02-29 00:00:00", "2024-02-29T00:00:00", "2024-02-29 ", " 2024-02-29",
		"2024/02/29", "20240229", "２０２４-02-29", "2024-02-2\x00", "", "2024-02-29Z", strings.Repeat("2", 500),
	} {
		t.Run("invalid/"+in[:min(len(in), 20)], func(t *testing.T) {
			_, err := ParseDate(in)
			checkDateTimeError(t, err, in, expectDate)
		})
	}
}

func TestParseDateOrDateTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2024-02-29", utc(2024, 2, 29, 0, 0, 0, 0)},
		{"2024-02-29 10:11:12", utc(2024, 2, 29, 10, 11, 12, 0)},
		{"0001-01-01", utc(1, 1, 1, 0, 0, 0, 0)},
		{"9999-12-31 23:59:59", utc(9999, 12, 31, 23, 59, 59, 0)},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDateOrDateTime(tc.in)
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("ParseDateOrDateTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	bad := []string{"2023-02-29", "2024-02-29 10:11", "2024-02-29 10:11:12.000", "2024-02-29T10:11:12", "2024-02-29 24:00:00", ""}
	for _, tc := range invalidDateTimes {
		if _, err := ParseDate(tc.in); err != nil {
			bad = append(bad, tc.in)
		}
	}
	for _, in := range bad {
		t.Run("invalid/"+in[:min(len(in), 24)], func(t *testing.T) {
			_, err := ParseDateOrDateTime(in)
			checkDateTimeError(t, err, in, expectDateOrDateTime)
		})
	}
}

func TestFormatDateTime(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	pst := time.FixedZone("PST", -8*3600)
	for _, tc := range []struct {
		name        string
		in          time.Time
		want, wantS string
	}{
		{"whole second", utc(2018, 10, 5, 14, 34, 53, 0), "2018-10-05 14:34:53.000", "2018-10-05 14:34:53"},
		{"ms", utc(2018, 10, 5, 14, 34, 53, 7_000_000), "2018-10-05 14:34:53.007", "2018-10-05 14:34:53"},
		{"999.9 ms truncates", utc(2018, 10, 5, 14, 34, 53, 999_900_000), "2018-10-05 14:34:53.999", "2018-10-05 14:34:53"},
		{"last ns truncates", utc(2018, 12, 31, 23, 59, 59, 999_999_999), "2018-12-31 23:59:59.999", "2018-12-31 23:59:59"},
		{"0.9 ms truncates", utc(2018, 10, 5, 14, 34, 53, 900_000), "2018-10-05 14:34:53.000", "2018-10-05 14:34:53"},
		{"120 ms", utc(2018, 10, 5, 14, 34, 53, 120_000_000), "2018-10-05 14:34:53.120", "2018-10-05 14:34:53"},
		{"IST to UTC", time.Date(2018, 10, 5, 20, 4, 53, 999_900_000, ist), "2018-10-05 14:34:53.999", "2018-10-05 14:34:53"},
		{"IST crosses year back", time.Date(2024, 1, 1, 2, 0, 0, 0, ist), "2023-12-31 20:30:00.000", "2023-12-31 20:30:00"},
		{"PST crosses day forward", time.Date(2024, 2, 28, 20, 0, 0, 0, pst), "2024-02-29 04:00:00.000", "2024-02-29 04:00:00"},
		{"Local zone", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Local(), "2024-03-01 00:00:00.000", "2024-03-01 00:00:00"},
		{"zero time is year 1", time.Time{}, "0001-01-01 00:00:00.000", "0001-01-01 00:00:00"},
		{"year 9999 end", utc(9999, 12, 31, 23, 59, 59, 999_999_999), "9999-12-31 23:59:59.999", "9999-12-31 23:59:59"},
		{"epoch", time.Unix(0, 0), "1970-01-01 00:00:00.000", "1970-01-01 00:00:00"},
		{"before epoch", time.UnixMilli(-1), "1969-12-31 23:59:59.999", "1969-12-31 23:59:59"},
		{"year 10000 falls back", utc(10000, 1, 1, 0, 0, 0, 0), "10000-01-01 00:00:00.000", "10000-01-01 00:00:00"},
		{"year 0 falls back", utc(0, 6, 1, 0, 0, 0, 0), "0000-06-01 00:00:00.000", "0000-06-01 00:00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatDateTime(tc.in); got != tc.want {
				t.Errorf("FormatDateTime = %q, want %q", got, tc.want)
			}
			if got := FormatDateTimeSeconds(tc.in); got != tc.wantS {
				t.Errorf("FormatDateTimeSeconds = %q, want %q", got, tc.wantS)
			}
		})
	}
}

// TestFormatMatchesTimeFormat checks the hand-rolled formatters against
// time.Format (whose ".000" also truncates) on random instants in range.
func TestFormatMatchesTimeFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("", -11*3600-1), time.FixedZone("", 14*3600)}
	for range 100_000 {
		tm := time.UnixMilli(minWCF + 86_400_000 + r.Int64N(maxWCF-minWCF-2*86_400_000)).Add(time.Duration(r.IntN(1e6))).In(zones[r.IntN(len(zones))])
		if got, want := FormatDateTime(tm), tm.UTC().Format(LayoutOutput); got != want {
			t.Fatalf("FormatDateTime(%v) = %q, want %q", tm, got, want)
		}
		if got, want := FormatDateTimeSeconds(tm), tm.UTC().Format(LayoutInput); got != want {
			t.Fatalf("FormatDateTimeSeconds(%v) = %q, want %q", tm, got, want)
		}
		if back, err := ParseOutput(FormatDateTime(tm)); err != nil || !back.Equal(tm.Truncate(time.Millisecond)) {
			t.Fatalf("ParseOutput(FormatDateTime(%v)) = %v, %v", tm, back, err)
		}
	}
}

func TestFormatWCF(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.UnixMilli(1417453996000), "/Date(1417453996000+0000)/"},
		{time.UnixMilli(1417453996000).In(time.FixedZone("", -5*3600)), "/Date(1417453996000+0000)/"},
		{time.Unix(0, 0), "/Date(0+0000)/"},
		{time.UnixMilli(-1000), "/Date(-1000+0000)/"},
		{time.Unix(0, -1), "/Date(-1+0000)/"}, // floored, like FormatDateTime
		{utc(2018, 10, 5, 14, 34, 53, 999_999_999), "/Date(1538750093999+0000)/"},
		{time.Time{}, "/Date(-62135596800000+0000)/"},
		{utc(9999, 12, 31, 23, 59, 59, 999_000_000), "/Date(253402300799999+0000)/"},
	} {
		if got := FormatWCF(tc.in); got != tc.want {
			t.Errorf("FormatWCF(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := ParseWCF(tc.want); err != nil || back.UnixMilli() != tc.in.UnixMilli() {
			t.Errorf("ParseWCF(%q) = %v, %v; want %v", tc.want, back, err, tc.in)
		}
	}
}

func TestParseWCF(t *testing.T) {
	for _, tc := range []struct {
		in string
		ms int64
	}{
		{"/Date(1417453996000+0000)/", 1417453996000},
		{"/Date(1417453996000-0500)/", 1417453996000},
		{"/Date(1417453996000+0530)/", 1417453996000},
		{"/Date(1417453996000-2359)/", 1417453996000},
		{"/Date(1417453996000)/", 1417453996000},
		{"/Date(-1000)/", -1000},
		{"/Date(-1000-0800)/", -1000},
		{"/Date(-1000+0000)/", -1000},
		{"/Date(0)/", 0},
		{"/Date(0+0000)/", 0},
		{"/Date(-0)/", 0},
		{"/Date(0001)/", 1},
		{"/Date(-62135596800000)/", minWCF},
		{"/Date(253402300799999+0000)/", maxWCF},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseWCF(tc.in)
			if err != nil || got.UnixMilli() != tc.ms || got.Location() != time.UTC {
				t.Errorf("ParseWCF(%q) = %v, %v; want %d ms UTC", tc.in, got, err, tc.ms)
			}
		})
	}
	for _, in := range []string{
		"", "/Date()/", "/Date(-)/", "/Date(+)/", "/Date(abc)/", "Date(1)/", "/Date(1)", "/Date(1+0000)",
		"/date(1)/", `\/Date(1)\/`, "/Date(1)/ ", " /Date(1)/", "/Date( 1)/", "/Date(1 )/", "/Date(1 +0000)/",
		"/Date(+5)/", "/Date(--5)/", "/Date(1+00)/", "/Date(1+000)/", "/Date(1+00000)/", "/Date(1+2400)/",
		"/Date(1+0060)/", "/Date(1+00:00)/", "/Date(1+0000+0000)/", "/Date(1Z)/", "/Date(1.5)/", "/Date(1e3)/",
		"/Date(１)/", "/Date(1\x00)/", "/Date(-62135596800001)/", "/Date(253402300800000)/",
		"/Date(99999999999999999999)/", "/Date(9223372036854775808)/", "/Date(" + strings.Repeat("9", 500) + ")/",
		"2018-10-05 14:34:53",
	} {
		t.Run("invalid/"+in[:min(len(in), 30)], func(t *testing.T) {
			_, err := ParseWCF(in)
			checkDateTimeError(t, err, in, expectWCF)
		})
	}
}

func TestParseOutput(t *testing.T) {
	base := utc(2018, 10, 5, 14, 34, 53, 0)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2018-10-05 14:34:53.000", base},
		{"2018-10-05 14:34:53.1", base.Add(100 * time.Millisecond)},
		{"2018-10-05 14:34:53.12", base.Add(120 * time.Millisecond)},
		{"2018-10-05 14:34:53.123", base.Add(123 * time.Millisecond)},
		{"2018-10-05 14:34:53.1234", base.Add(123_400 * time.Microsecond)},
		{"2018-10-05 14:34:53.12345", base.Add(123_450 * time.Microsecond)},
		{"2018-10-05 14:34:53.123456", base.Add(123_456 * time.Microsecond)},
		{"2018-10-05 14:34:53.1234567", base.Add(123_456_700 * time.Nanosecond)},
		{"2018-10-05 14:34:53.9999999", base.Add(999_999_900 * time.Nanosecond)},
		{"2018-10-05 14:34:53", base},
		{"2018-10-05", utc(2018, 10, 5, 0, 0, 0, 0)},
		{"/Date(1538750093000+0000)/", base},
		{"/Date(1538750093120-0500)/", base.Add(120 * time.Millisecond)},
		{"/Date(1538750093000)/", base},
		{"0001-01-01 00:00:00.000", time.Time{}},
		{"9999-12-31 23:59:59.999", utc(9999, 12, 31, 23, 59, 59, 999_000_000)},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseOutput(tc.in)
			if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("ParseOutput(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	bad := []string{
		"2018-10-05 14:34:53.", "2018-10-05 14:34:53.12345678", "2018-10-05 14:34:53.1a", "2018-10-05 14:34:53.-1",
		"2018-10-05 14:34:53,123", "2018-10-05 14:34:53.123Z", "2018-10-05T14:34:53.123", "2018-10-05 14:34:53.123 ",
		"2018-02-30 14:34:53.000", "2018-10-05 24:00:00.000", "2018-10-05 14:34:60.000", "2018-10-05 14:34:53.１",
		"2018-10-05 14:34:53 123", "2018-02-30", "/Date(x)/", "/", "yesterday", "",
	}
	for _, tc := range invalidDateTimes {
		if _, err := ParseDate(tc.in); err != nil && (len(tc.in) < 20 || tc.in[19] != '.') {
			bad = append(bad, tc.in) // the date form and fractions are valid output
		}
	}
	for _, in := range bad {
		t.Run("invalid/"+in[:min(len(in), 30)], func(t *testing.T) {
			_, err := ParseOutput(in)
			checkDateTimeError(t, err, in, expectOutput)
		})
	}
}

func TestDateTimeUnmarshalJSON(t *testing.T) {
	want := utc(2018, 10, 5, 14, 34, 53, 0)
	for _, tc := range []struct {
		name, in string
		want     time.Time
	}{
		{"null", `null`, time.Time{}},
		{"empty string", `""`, time.Time{}},
		{".SSS form", `"2018-10-05 14:34:53.000"`, want},
		{".SSS form with ms", `"2018-10-05 14:34:53.120"`, want.Add(120 * time.Millisecond)},
		{"no-ms form", `"2018-10-05 14:34:53"`, want},
		{"date form", `"2018-10-05"`, utc(2018, 10, 5, 0, 0, 0, 0)},
		{"WCF", `"/Date(1538750093000+0000)/"`, want},
		{"WCF escaped slashes", `"\/Date(1538750093000+0000)\/"`, want},
		{"WCF no offset", `"/Date(1538750093000)/"`, want},
		{"WCF negative offset", `"/Date(1538750093000-0500)/"`, want},
		{"unicode escapes", `"\u0032018-10-05 14:34:53"`, want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := DateTime{utc(1999, 1, 1, 0, 0, 0, 0)} // must be overwritten, null included
			if err := d.UnmarshalJSON([]byte(tc.in)); err != nil {
				t.Fatalf("UnmarshalJSON(%s) error: %v", tc.in, err)
			}
			if !d.Equal(tc.want) || !d.IsZero() && d.Location() != time.UTC {
				t.Errorf("UnmarshalJSON(%s) = %v, want %v", tc.in, d.Time, tc.want)
			}
			var v struct{ A DateTime }
			v.A = DateTime{utc(1999, 1, 1, 0, 0, 0, 0)}
			if err := json.Unmarshal([]byte(`{"A":`+tc.in+`}`), &v); err != nil || !v.A.Equal(tc.want) {
				t.Errorf("json.Unmarshal(%s) = %v, %v; want %v", tc.in, v.A.Time, err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name, in, value, expected string
	}{
		{"impossible date", `"2018-02-30 00:00:00"`, "2018-02-30 00:00:00", expectOutput},
		{"T form", `"2018-10-05T14:34:53Z"`, "2018-10-05T14:34:53Z", expectOutput},
		{"word", `"soon"`, "soon", expectOutput},
		{"bad WCF", `"/Date(x)/"`, "/Date(x)/", expectOutput},
		{"number", `5`, "5", expectJSON},
		{"bool", `true`, "true", expectJSON},
		{"object", `{}`, "{}", expectJSON},
		{"array", `["2018-10-05"]`, `["2018-10-05"]`, expectJSON},
		{"bad escape", `"\x"`, `"\x"`, expectJSON},
		{"unterminated", `"2018-10-05`, `"2018-10-05`, expectJSON},
	} {
		t.Run("invalid/"+tc.name, func(t *testing.T) {
			d := DateTime{want}
			err := d.UnmarshalJSON([]byte(tc.in))
			checkDateTimeError(t, err, tc.value, tc.expected)
			if !d.Equal(want) {
				t.Errorf("failed UnmarshalJSON changed the value to %v", d.Time)
			}
			if json.Valid([]byte(tc.in)) {
				var v struct{ A DateTime }
				err := json.Unmarshal([]byte(`{"A":`+tc.in+`}`), &v)
				checkDateTimeError(t, err, tc.value, tc.expected)
			}
		})
	}
}

func TestDateTimeMarshalJSON(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, tc := range []struct {
		name string
		in   DateTime
		want string
	}{
		{"zero", DateTime{}, `null`},
		{"UTC", DateTime{utc(2018, 10, 5, 14, 34, 53, 0)}, `"2018-10-05 14:34:53"`},
		{"ms dropped", DateTime{utc(2018, 10, 5, 14, 34, 53, 999_999_999)}, `"2018-10-05 14:34:53"`},
		{"IST to UTC", DateTime{time.Date(2018, 10, 5, 20, 4, 53, 0, ist)}, `"2018-10-05 14:34:53"`},
		{"year 1", DateTime{utc(1, 1, 1, 0, 0, 1, 0)}, `"0001-01-01 00:00:01"`},
		{"year 9999", DateTime{utc(9999, 12, 31, 23, 59, 59, 0)}, `"9999-12-31 23:59:59"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.in)
			if err != nil || string(got) != tc.want {
				t.Fatalf("Marshal = %s, %v; want %s", got, err, tc.want)
			}
			var back DateTime
			if err := json.Unmarshal(got, &back); err != nil || !back.Equal(tc.in.Truncate(time.Second)) {
				t.Errorf("round trip %s = %v, %v", got, back.Time, err)
			}
			wantS := strings.Trim(tc.want, `"`)
			if wantS == "null" {
				wantS = ""
			}
			if s := tc.in.String(); s != wantS {
				t.Errorf("String() = %q, want %q", s, wantS)
			}
			if s := fmt.Sprint(tc.in); s != wantS {
				t.Errorf("fmt.Sprint = %q, want %q", s, wantS)
			}
		})
	}
	for _, in := range []time.Time{utc(10000, 1, 1, 0, 0, 0, 0), utc(0, 12, 31, 0, 0, 0, 0), time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600))} {
		t.Run("invalid/"+in.String(), func(t *testing.T) {
			_, err := json.Marshal(DateTime{in})
			var de *DateTimeError
			if !errors.As(err, &de) || de.Expected != expectYear {
				t.Errorf("Marshal(%v) error = %v, want a *DateTimeError about the year", in, err)
			}
		})
	}
	t.Run("struct", func(t *testing.T) {
		v := struct {
			A DateTime
			B DateTime `json:",omitzero"`
			C DateTime `json:",omitzero"`
			D *DateTime
		}{A: DateTime{}, C: DateTime{utc(2024, 2, 29, 0, 0, 0, 0)}}
		got, err := json.Marshal(v)
		if want := `{"A":null,"C":"2024-02-29 00:00:00","D":null}`; err != nil || string(got) != want {
			t.Errorf("Marshal = %s, %v; want %s", got, err, want)
		}
	})
}

func TestAllocations(t *testing.T) {
	tm := utc(2018, 10, 5, 14, 34, 53, 123_000_000)
	for _, tc := range []struct {
		name string
		max  float64
		f    func()
	}{
		{"ParseDateTime", 0, func() { _, _ = ParseDateTime("2018-10-05 14:34:53") }},
		{"ParseDate", 0, func() { _, _ = ParseDate("2018-10-05") }},
		{"ParseDateOrDateTime", 0, func() { _, _ = ParseDateOrDateTime("2018-10-05 14:34:53") }},
		{"ParseOutput", 0, func() { _, _ = ParseOutput("2018-10-05 14:34:53.123") }},
		{"ParseWCF", 0, func() { _, _ = ParseWCF("/Date(1538750093000+0000)/") }},
		{"FormatDateTime", 1, func() { _ = FormatDateTime(tm) }},
		{"FormatDateTimeSeconds", 1, func() { _ = FormatDateTimeSeconds(tm) }},
		{"FormatWCF", 1, func() { _ = FormatWCF(tm) }},
	} {
		if n := testing.AllocsPerRun(100, tc.f); n > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, n, tc.max)
		}
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, tc := range validDateTimes {
		f.Add(tc.in)
	}
	for _, tc := range invalidDateTimes {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseDateTime(s)
		if err != nil {
			var de *DateTimeError
			if !errors.As(err, &de) || de.Value != s {
				t.Fatalf("ParseDateTime(%q) error = %#v", s, err)
			}
			return
		}
		if back := FormatDateTimeSeconds(tm); back != s {
			t.Fatalf("ParseDateTime(%q) = %v, formats back as %q", s, tm, back)
		}
		if tm.Location() != time.UTC || tm.Nanosecond() != 0 {
			t.Fatalf("ParseDateTime(%q) = %v, want whole seconds in UTC", s, tm)
		}
		// The strict form is a subset of what time.Parse takes.
		if ref, err := time.Parse(LayoutInput, s); err != nil || !ref.Equal(tm) {
			t.Fatalf("time.Parse(%q) = %v, %v; ParseDateTime gave %v", s, ref, err, tm)
		}
		for name, parse := range map[string]func(string) (time.Time, error){
			"ParseDateOrDateTime": ParseDateOrDateTime, "ParseOutput": ParseOutput,
		} {
			if got, err := parse(s); err != nil || !got.Equal(tm) {
				t.Fatalf("%s(%q) = %v, %v; ParseDateTime gave %v", name, s, got, err, tm)
			}
		}
	})
}

func BenchmarkParseDateTime(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDateTime("2018-10-05 14:34:53"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatDateTime(b *testing.B) {
	tm := utc(2018, 10, 5, 14, 34, 53, 123_456_789)
	b.ReportAllocs()
	for b.Loop() {
		_ = FormatDateTime(tm)
	}
}

func BenchmarkParseOutput(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOutput("2018-10-05 14:34:53.123"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDateTimeUnmarshalJSON(b *testing.B) {
	in := []byte(`"2018-10-05 14:34:53.000"`)
	var d DateTime
	b.ReportAllocs()
	for b.Loop() {
		if err := d.UnmarshalJSON(in); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleParseDateTime() {
	t, err := ParseDateTime("2018-10-05 14:34:53")
	fmt.Println(FormatDateTime(t), err)
	_, err = ParseDateTime("2018-10-05 14:34:53.000")
	fmt.Println(err)
	// Output:
	// 2018-10-05 14:34:53.000 <nil>
	// invalid date "2018-10-05 14:34:53.000": expected yyyy-MM-dd HH:mm:ss (UTC, no milliseconds)
}

func ExampleDateTime() {
	var lead struct {
		CreatedOn DateTime
		Birthday  DateTime
	}
	_ = json.Unmarshal([]byte(`{"CreatedOn":"2017-11-30 07:38:00.000","Birthday":null}`), &lead)
	out, _ := json.Marshal(lead)
	fmt.Println(string(out))
	// Output:
	// {"CreatedOn":"2017-11-30 07:38:00","Birthday":null}
}
