package journal

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// Filter selects entries of one org. Empty fields match everything.
type Filter struct {
	Org           crm.OrgID
	Operation     string // canonical "Service.svc/Operation", matched case-insensitively
	Status        int    // an exact status, or 1–5 for a class (4 = 4xx)
	ExceptionType string
	From, To      time.Time // inclusive; zero means open
	RequestID     string
	// Text matches, case-insensitively, a substring of the query string,
	// the request body, the response body or the exception message. A
	// lead id is found this way.
	Text      string
	LeadID    string // like Text; both must match when both are set
	Ascending bool   // oldest first; default newest first
	Cursor    string // from a previous Page.Next
	Limit     int    // page size; default 50, at most 1000
}

// Page is one page of a query.
type Page struct {
	Entries []Entry
	Next    string // cursor for the following page; "" at the end
}

const selectColumns = `seq, time, org_id, user_id, access_key, method, path, operation, query, request_body,
	request_truncated, status, exception_type, exception_message, response_body, response_truncated,
	latency_us, request_id, client_addr, user_agent, level`

func scanEntry(row interface{ Scan(...any) error }, e *Entry) error {
	var t, reqTrunc, respTrunc, lat int64
	var org int64
	if err := row.Scan(&e.ID, &t, &org, &e.UserID, &e.AccessKey, &e.Method, &e.Path, &e.Operation, &e.Query,
		&e.RequestBody, &reqTrunc, &e.Status, &e.ExceptionType, &e.ExceptionMessage, &e.ResponseBody, &respTrunc,
		&lat, &e.RequestID, &e.ClientAddr, &e.UserAgent, &e.Level); err != nil {
		return err
	}
	e.Time = time.UnixMilli(t).UTC()
	e.OrgID = crm.OrgID(org)
	e.RequestTruncated, e.ResponseTruncated = reqTrunc == 1, respTrunc == 1
	e.Latency = time.Duration(lat) * time.Microsecond
	return nil
}

// cursor is the position after the last entry of a page.
type cursor struct {
	time, seq int64
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.time, 10) + "." + strconv.FormatInt(c.seq, 10)))
}

func parseCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		t, q, ok := strings.Cut(string(b), ".")
		var c cursor
		var err1, err2 error
		c.time, err1 = strconv.ParseInt(t, 10, 64)
		c.seq, err2 = strconv.ParseInt(q, 10, 64)
		if ok && err1 == nil && err2 == nil {
			return c, nil
		}
	}
	return cursor{}, crm.Errorf(crm.KindInvalid, "cursor is not one this API returned")
}

// where builds the WHERE clause and arguments for f after cur
// (PostgreSQL).
func (j *Journal) where(f *Filter, cur *cursor) (string, []any) {
	conds := []string{"org_id = ?"}
	args := []any{int64(f.Org)}
	if f.Operation != "" {
		conds = append(conds, "op_key = ?")
		args = append(args, strings.ToLower(f.Operation))
	}
	switch {
	case f.Status >= 1 && f.Status <= 5:
		conds = append(conds, "status >= ? AND status <= ?")
		args = append(args, f.Status*100, f.Status*100+99)
	case f.Status != 0:
		conds = append(conds, "status = ?")
		args = append(args, f.Status)
	}
	if f.ExceptionType != "" {
		conds = append(conds, "exception_type = ?")
		args = append(args, f.ExceptionType)
	}
	if !f.From.IsZero() {
		conds = append(conds, "time >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		conds = append(conds, "time <= ?")
		args = append(args, f.To.UnixMilli())
	}
	if f.RequestID != "" {
		conds = append(conds, "request_id = ?")
		args = append(args, f.RequestID)
	}
	for _, t := range []string{f.Text, f.LeadID} {
		if t == "" {
			continue
		}
		pat := "%" + likeEscaper.Replace(t) + "%"
		l := ` ILIKE ? ESCAPE '\'`
		conds = append(conds, "(query"+l+" OR request_body"+l+" OR response_body"+l+" OR exception_message"+l+")")
		args = append(args, pat, pat, pat, pat)
	}
	if c := cur; c != nil {
		// The plain time bound lets the planner narrow the index range; the
		// row comparison breaks ties within a millisecond.
		if f.Ascending {
			conds = append(conds, "time >= ? AND (time, seq) > (?, ?)")
		} else {
			conds = append(conds, "time <= ? AND (time, seq) < (?, ?)")
		}
		args = append(args, c.time, c.time, c.seq)
	}
	return strings.Join(conds, " AND "), args
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Query returns one page of the org's entries matching f, newest first
// unless f.Ascending. KindInvalid for a malformed cursor.
func (j *Journal) Query(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	var cur *cursor
	if f.Cursor != "" {
		c, err := parseCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		cur = &c
	}
	if err := j.caughtUp(ctx); err != nil {
		return Page{}, err
	}
	if j.sp != nil {
		return j.querySpool(ctx, &f, cur)
	}
	where, args := j.where(&f, cur)
	order := " ORDER BY time DESC, seq DESC"
	if f.Ascending {
		order = " ORDER BY time, seq"
	}
	rows, err := j.r.QueryContext(ctx, j.d.q(`SELECT `+selectColumns+` FROM journal_entries WHERE `+where+order+
		` LIMIT `+strconv.Itoa(f.Limit+1)), args...)
	if err != nil {
		return Page{}, crm.Internal(fmt.Errorf("journal.Query: %w", err))
	}
	defer rows.Close()
	var p Page
	p.Entries = make([]Entry, 0, min(f.Limit, 64))
	for rows.Next() {
		var e Entry
		if err := scanEntry(rows, &e); err != nil {
			return Page{}, crm.Internal(fmt.Errorf("journal.Query: %w", err))
		}
		if p.add(e, f.Limit) {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return Page{}, crm.Internal(fmt.Errorf("journal.Query: %w", err))
	}
	return p, nil
}

// add appends e to the page, unless it already holds limit entries: then
// it sets Next after the last one and reports that the page is full.
func (p *Page) add(e Entry, limit int) bool {
	if len(p.Entries) == limit {
		last := &p.Entries[len(p.Entries)-1]
		p.Next = cursor{last.Time.UnixMilli(), last.ID}.String()
		return true
	}
	p.Entries = append(p.Entries, e)
	return false
}

// querySpool is Query on SQLite: index records from journal_blocks, the
// entries from the spool.
func (j *Journal) querySpool(ctx context.Context, f *Filter, cur *cursor) (Page, error) {
	j.filesMu.RLock()
	defer j.filesMu.RUnlock()
	sc, err := scanRecs(ctx, j.r, specOf(f, cur))
	if err != nil {
		return Page{}, crm.Internal(fmt.Errorf("journal.Query: %w", err))
	}
	defer sc.close()
	var files segmentFiles
	defer files.close()
	var p Page
	p.Entries = make([]Entry, 0, min(f.Limit, 64))
	for {
		r, ok := sc.next()
		if !ok {
			break
		}
		var e Entry
		ok, err := j.readEntry(&r.ixRec, &files, f, &e)
		if err != nil {
			return Page{}, crm.Internal(fmt.Errorf("journal.Query: %w", err))
		}
		if ok && p.add(e, f.Limit) {
			break
		}
	}
	if err := sc.close(); err != nil {
		return Page{}, crm.Internal(fmt.Errorf("journal.Query: %w", err))
	}
	return p, nil
}

// readEntry reads into e the record r points to, and reports whether it
// matches f's text filters. An entry whose segment retention deleted
// since r was read does not match.
func (j *Journal) readEntry(r *ixRec, files *segmentFiles, f *Filter, e *Entry) (bool, error) {
	file, err := files.open(j.sp.dir, r.seg)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rec, err := readRecord(file, r.seq, r.off, r.n)
	if err != nil {
		return false, err
	}
	*e = *rec
	return matchText(e, f.Text) && matchText(e, f.LeadID), nil
}

// matchText reports whether t is, ignoring case, in the entry's query
// string, request body, response body or exception message; an empty t
// matches every entry. It is the SQLite side of Filter.Text, which
// PostgreSQL matches with ILIKE.
func matchText(e *Entry, t string) bool {
	if t == "" {
		return true
	}
	t = strings.ToLower(t)
	for _, s := range []string{e.Query, e.RequestBody, e.ResponseBody, e.ExceptionMessage} {
		if strings.Contains(strings.ToLower(s), t) {
			return true
		}
	}
	return false
}

// segmentFiles keeps the segments one query reads open.
type segmentFiles map[int64]*os.File

func (m *segmentFiles) open(dir string, seg int64) (*os.File, error) {
	if f, ok := (*m)[seg]; ok {
		return f, nil
	}
	f, err := os.Open(segmentPath(dir, seg))
	if err != nil {
		return nil, err
	}
	if *m == nil {
		*m = segmentFiles{}
	}
	(*m)[seg] = f
	return f, nil
}

func (m *segmentFiles) close() {
	for _, f := range *m {
		f.Close()
	}
}

// Each calls fn for every entry matching f, page by page (f.Limit per
// page, default 500), so that any number of entries streams in bounded
// memory. It stops at fn's first error and returns it.
func (j *Journal) Each(ctx context.Context, f Filter, fn func(*Entry) error) error {
	if f.Limit <= 0 {
		f.Limit = 500
	}
	for {
		p, err := j.Query(ctx, f)
		if err != nil {
			return err
		}
		for i := range p.Entries {
			if err := fn(&p.Entries[i]); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		f.Cursor = p.Next
	}
}

// Get returns the org's entry id, or KindNotFound.
func (j *Journal) Get(ctx context.Context, org crm.OrgID, id int64) (*Entry, error) {
	if err := j.caughtUp(ctx); err != nil {
		return nil, err
	}
	if j.sp != nil {
		return j.getSpool(ctx, org, id)
	}
	var e Entry
	err := scanEntry(j.r.QueryRowContext(ctx, j.d.q(`SELECT `+selectColumns+` FROM journal_entries WHERE seq = ? AND org_id = ?`),
		id, int64(org)), &e)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.Errorf(crm.KindNotFound, "journal entry %d does not exist", id)
	}
	if err != nil {
		return nil, crm.Internal(fmt.Errorf("journal.Get: %w", err))
	}
	return &e, nil
}

// getSpool is Get on SQLite.
func (j *Journal) getSpool(ctx context.Context, org crm.OrgID, id int64) (*Entry, error) {
	j.filesMu.RLock()
	defer j.filesMu.RUnlock()
	// Only the blocks whose seq range holds id are decoded: one, or a few
	// of the batch it was indexed in.
	var found *Entry
	var files segmentFiles
	defer files.close()
	err := eachBlockBySeq(ctx, j.r, int64(org), id, id, func(b *blockRef) error {
		for i := range b.recs {
			if b.recs[i].seq != id || found != nil {
				continue
			}
			var e Entry
			ok, err := j.readEntry(&b.recs[i], &files, &Filter{}, &e)
			if err != nil {
				return err
			}
			if ok {
				found = &e
			}
		}
		return nil
	})
	if err != nil {
		return nil, crm.Internal(fmt.Errorf("journal.Get: %w", err))
	}
	if found == nil {
		return nil, crm.Errorf(crm.KindNotFound, "journal entry %d does not exist", id)
	}
	return found, nil
}
