package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// csvError is a problem with the CSV itself, naming the line.
type csvError struct {
	Line int
	Msg  string
}

func (e *csvError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// csvReader reads a lead CSV: one header row of unique, non-empty column
// names, then data rows with exactly as many fields. Every field must be
// valid UTF-8 without NUL characters. A UTF-8 byte-order mark before the
// header is dropped. Empty lines are skipped (encoding/csv's rule).
type csvReader struct {
	r      *csv.Reader
	header []string
}

// newCSVReader reads and checks the header. Errors are *csvError.
func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := csv.NewReader(&bomSkipper{r: r})
	cr.ReuseRecord = true
	c := &csvReader{r: cr}
	_, h, err := c.read()
	if err == io.EOF {
		return nil, &csvError{1, "the file is empty; the first row must name the columns"}
	}
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(h))
	for i, name := range h {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, &csvError{1, fmt.Sprintf("column %d has no name", i+1)}
		}
		if seen[strings.ToLower(name)] {
			return nil, &csvError{1, fmt.Sprintf("column %q appears twice", name)}
		}
		seen[strings.ToLower(name)] = true
		c.header = append(c.header, name)
	}
	return c, nil
}

// next returns the next data row and the line it starts on, or io.EOF.
// The slice is reused by the following call. Errors are *csvError.
func (c *csvReader) next() (int, []string, error) { return c.read() }

func (c *csvReader) read() (int, []string, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				return 0, nil, &csvError{pe.StartLine, fmt.Sprintf("row has %d fields, the header has %d", len(rec), len(c.header))}
			}
			return 0, nil, &csvError{pe.Line, pe.Err.Error()}
		}
		return 0, nil, err
	}
	line, _ := c.r.FieldPos(0)
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return 0, nil, &csvError{line, fmt.Sprintf("field %d is not valid UTF-8 (save the file as UTF-8)", i+1)}
		}
		if strings.IndexByte(f, 0) >= 0 {
			return 0, nil, &csvError{line, fmt.Sprintf("field %d holds a NUL character", i+1)}
		}
	}
	return line, rec, nil
}

// bomSkipper drops a leading UTF-8 byte-order mark.
type bomSkipper struct {
	r    io.Reader
	done bool
}

func (b *bomSkipper) Read(p []byte) (int, error) {
	if b.done {
		return b.r.Read(p)
	}
	b.done = true
	var head [3]byte
	n, err := io.ReadFull(b.r, head[:])
	rest := head[:n]
	if bytes.Equal(rest, []byte("\xef\xbb\xbf")) {
		rest = nil
	}
	b.r = io.MultiReader(bytes.NewReader(rest), b.r)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	return b.r.Read(p)
}
