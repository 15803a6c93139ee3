package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCSVReader checks that the reader never panics, that every error it
// returns names a line, and that every row it accepts has the header's
// width and valid UTF-8 without NUL.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"FirstName,EmailAddress\nAnn,ann@example.com\n",
		"\xef\xbb\xbfa,b\n1,2\n",
		"a,b\n1\n",
		"a,b\n\"1\n2\",3\n",
		"a,b\n\"x,y\n",
		"a\n\xff\n",
		"a,,b\n",
		"a,A\n",
		"",
		"a\r\n1\r\n\r\n2\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := newCSVReader(bytes.NewReader(data))
		var ce *csvError
		if err != nil {
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("header error without a line: %v", err)
			}
			return
		}
		for n := 0; n < 10000; n++ {
			line, rec, err := rd.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.As(err, &ce) || ce.Line < 1 {
					t.Fatalf("error without a line: %v", err)
				}
				return
			}
			if line < 2 || len(rec) != len(rd.header) {
				t.Fatalf("line %d: %d fields, header %d", line, len(rec), len(rd.header))
			}
			for _, v := range rec {
				if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
					t.Fatalf("line %d: accepted %q", line, v)
				}
			}
		}
	})
}

func TestCSVReaderLines(t *testing.T) {
	rd, err := newCSVReader(strings.NewReader("a,b\n1,\"multi\nline\"\n\n3,4\n"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for {
		line, _, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if len(lines) != 2 || lines[0] != 2 || lines[1] != 5 {
		t.Errorf("lines %v, want [2 5]", lines)
	}
}
