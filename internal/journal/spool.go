package journal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// On SQLite the journal keeps each entry in two places. The entry itself
// is a record appended to a segment file in the journal's spool
// directory; the writer appends each batch of entries in one write (and
// one fsync at durability "full") and answers the calls. journal.db then
// indexes it: the fields queries filter on, and where the record is,
// packed in blocks (see block.go). An indexer writes them in large
// transactions, under a microsecond an entry, where writing whole entries
// into SQLite would cost as much as the calls themselves.
//
// An entry is durable once it is in the spool: after a crash, Open
// indexes every record journal.db lacks before taking calls. Queries
// first wait for the indexer to catch up with every entry recorded
// before they started, so a caller always finds the calls it made.
// Retention deletes index records; a segment file is deleted once none of
// its entries is left (journal_segments counts them), and a segment less
// than half live is compacted: its live records are copied into a new
// segment (see compact.go).
//
// A segment is a sequence of records: a 4-byte little-endian payload
// length, the payload's 4-byte CRC-32C, and the payload (see
// appendRecord). Recovery stops reading a segment at its first bad
// record, which can only be the torn tail of an interrupted write.

// maxRecord bounds a record's payload; bodies are capped long before.
const maxRecord = 16 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// spool is the writer's side of the spool directory; only the writer
// goroutine uses it.
type spool struct {
	dir     string
	sync    bool  // fsync every append
	segSize int64 // start a new segment past this size
	f       *os.File
	size    int64
	cur     atomic.Int64 // the segment being appended to; read by the pruner
	buf     []byte
}

func openSpool(dir string, sync bool, segSize int64) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal spool: %w", err)
	}
	return &spool{dir: dir, sync: sync, segSize: segSize}, nil
}

// append writes entries as one write. On failure the segment is cut back
// to where it was; if even that fails the segment is closed, so a torn
// tail can only ever end a segment.
func (s *spool) append(entries []*Entry) error {
	if s.f == nil {
		if err := s.rotate(entries[0].ID); err != nil {
			return err
		}
	}
	s.buf = s.buf[:0]
	seg := s.cur.Load()
	for _, e := range entries {
		start := len(s.buf)
		s.buf = appendRecord(s.buf, e)
		e.seg, e.off, e.n = seg, s.size+int64(start), int32(len(s.buf)-start)
	}
	_, err := s.f.Write(s.buf)
	if err == nil && s.sync {
		err = s.f.Sync()
	}
	if err != nil {
		if terr := s.f.Truncate(s.size); terr != nil {
			s.f.Close()
			s.f = nil
		} else if _, serr := s.f.Seek(s.size, io.SeekStart); serr != nil {
			s.f.Close()
			s.f = nil
		}
		return fmt.Errorf("journal spool: %w", err)
	}
	s.size += int64(len(s.buf))
	if s.size >= s.segSize {
		s.f.Close()
		s.f = nil
	}
	return nil
}

// rotate starts a new segment named after its first seq.
func (s *spool) rotate(first int64) error {
	f, err := os.OpenFile(segmentPath(s.dir, first), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("journal spool: %w", err)
	}
	s.f, s.size = f, 0
	s.cur.Store(first)
	return nil
}

// close closes the current segment.
func (s *spool) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// segmentPath is where segment seg lives: a spool segment (seg > 0, named
// after its first seq) or a compacted one (seg < 0, see compact.go).
func segmentPath(dir string, seg int64) string {
	if seg < 0 {
		return filepath.Join(dir, fmt.Sprintf("c%020d.seg", -seg))
	}
	return filepath.Join(dir, fmt.Sprintf("%020d.seg", seg))
}

// readRecord reads the record of entry seq at off in f.
func readRecord(f *os.File, seq, off int64, n int32) (*Entry, error) {
	b := make([]byte, n)
	if err := readFrame(f, b, seq, off); err != nil {
		return nil, err
	}
	e, err := decodeRecord(b[8:])
	if err != nil || e.ID != seq {
		return nil, fmt.Errorf("journal: entry %d: %w", seq, errRecord)
	}
	return e, nil
}

// readFrame reads into b the framed record of entry seq at off in f and
// checks its length and checksum.
func readFrame(f *os.File, b []byte, seq, off int64) error {
	if _, err := f.ReadAt(b, off); err != nil {
		return fmt.Errorf("journal: entry %d: %w", seq, err)
	}
	if len(b) < 8 || int(binary.LittleEndian.Uint32(b)) != len(b)-8 ||
		crc32.Checksum(b[8:], castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return fmt.Errorf("journal: entry %d: %w", seq, errRecord)
	}
	return nil
}

// segments lists the spool's segment files, oldest first; compacted
// segments are not among them.
func segments(dir string) ([]int64, error) {
	all, err := segmentIDs(dir)
	if err != nil {
		return nil, err
	}
	i, _ := slices.BinarySearch(all, 1)
	return all[i:], nil
}

// segmentIDs lists the ids of every segment file, compacted ones
// (negative) included, in increasing order.
func segmentIDs(dir string) ([]int64, error) {
	names, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var segs []int64
	for _, d := range names {
		name, ok := strings.CutSuffix(d.Name(), ".seg")
		if !ok || d.IsDir() {
			continue
		}
		sign := int64(1)
		if c, ok := strings.CutPrefix(name, "c"); ok {
			name, sign = c, -1
		}
		if seg, err := strconv.ParseInt(name, 10, 64); err == nil && seg > 0 {
			segs = append(segs, sign*seg)
		}
	}
	slices.Sort(segs)
	return segs, nil
}

// readSegment calls fn for each whole record of the segment at path, in
// order, with its location set, and stops at the first torn or corrupt
// record. It returns the size of the whole records.
func readSegment(path string, seg int64, fn func(*Entry) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var head [8]byte
	var payload []byte
	var off int64
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return off, nil // end of segment, or a torn header
		}
		n := binary.LittleEndian.Uint32(head[:4])
		if n > maxRecord {
			return off, nil
		}
		payload = slices.Grow(payload[:0], int(n))[:n]
		if _, err := io.ReadFull(r, payload); err != nil {
			return off, nil
		}
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(head[4:]) {
			return off, nil
		}
		e, err := decodeRecord(payload)
		if err != nil {
			return off, nil
		}
		e.seg, e.off, e.n = seg, off, int32(8+n)
		off += int64(8 + n)
		if err := fn(e); err != nil {
			return off, err
		}
	}
}

// appendRecord appends e's framed record to b. The payload holds, in
// order: seq, time (ms), org, status and latency (µs) as varints, a flags
// byte (1 request truncated, 2 response truncated), then the text fields
// of recordText, each as a uvarint length and its bytes.
func appendRecord(b []byte, e *Entry) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = binary.AppendVarint(b, e.ID)
	b = binary.AppendVarint(b, e.Time.UnixMilli())
	b = binary.AppendVarint(b, int64(e.OrgID))
	b = binary.AppendVarint(b, int64(e.Status))
	b = binary.AppendVarint(b, e.Latency.Microseconds())
	var flags byte
	if e.RequestTruncated {
		flags |= 1
	}
	if e.ResponseTruncated {
		flags |= 2
	}
	b = append(b, flags)
	for _, s := range recordText(e) {
		b = binary.AppendUvarint(b, uint64(len(*s)))
		b = append(b, *s...)
	}
	payload := b[start+8:]
	binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(payload, castagnoli))
	return b
}

// recordText lists an entry's text fields in record order.
func recordText(e *Entry) [14]*string {
	return [14]*string{&e.UserID, &e.AccessKey, &e.Method, &e.Path, &e.Operation, &e.Query, &e.RequestBody,
		&e.ExceptionType, &e.ExceptionMessage, &e.ResponseBody, &e.RequestID, &e.ClientAddr, &e.UserAgent, &e.Level}
}

var errRecord = errors.New("journal spool: malformed record")

// decodeRecord parses a record's payload.
func decodeRecord(p []byte) (*Entry, error) {
	e := &Entry{}
	var ints [5]int64
	for i := range ints {
		v, n := binary.Varint(p)
		if n <= 0 {
			return nil, errRecord
		}
		ints[i], p = v, p[n:]
	}
	if len(p) < 1 || p[0] > 3 {
		return nil, errRecord
	}
	e.ID, e.Time, e.OrgID = ints[0], time.UnixMilli(ints[1]).UTC(), crm.OrgID(ints[2])
	e.Status, e.Latency = int(ints[3]), time.Duration(ints[4])*time.Microsecond
	e.RequestTruncated, e.ResponseTruncated = p[0]&1 != 0, p[0]&2 != 0
	p = p[1:]
	for _, s := range recordText(e) {
		l, n := binary.Uvarint(p)
		if n <= 0 || l > uint64(len(p)-n) {
			return nil, errRecord
		}
		*s, p = string(p[n:n+int(l)]), p[n+int(l):]
	}
	if len(p) != 0 || e.ID <= 0 {
		return nil, errRecord
	}
	return e, nil
}
