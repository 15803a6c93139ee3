package crm

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// NewID returns a new time-ordered UUID (version 7, RFC 9562) in its
// canonical lower-case 36-character form. Ids made by one process are
// strictly increasing, so inserts append to the primary-key index instead
// of splitting random pages, which keeps insert rates flat as tables grow.
func NewID() string {
	var b [16]byte
	idGen.next(&b)
	return formatUUID(&b)
}

// formatUUID returns b in the canonical lower-case 8-4-4-4-12 form.
func formatUUID(b *[16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// idGen keeps v7 ids monotonic within a process: 48 bits of milliseconds,
// then a 12-bit counter (rand_a) that restarts at a random point each
// millisecond, then 62 random bits.
var idGen idState

type idState struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16
}

func (g *idState) next(b *[16]byte) {
	var r [10]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms
	g.mu.Lock()
	ms := time.Now().UnixMilli()
	if ms <= g.lastMS {
		g.seq++
		if g.seq > 0x0fff { // counter exhausted: borrow the next millisecond
			g.lastMS++
			g.seq = 0
		}
		ms = g.lastMS
	} else {
		g.lastMS = ms
		g.seq = binary.BigEndian.Uint16(r[0:2]) & 0x03ff // leave room to count up
	}
	seq := g.seq
	g.mu.Unlock()

	b[0] = byte(ms >> 40)
	b[1] = byte(ms >> 32)
	b[2] = byte(ms >> 24)
	b[3] = byte(ms >> 16)
	b[4] = byte(ms >> 8)
	b[5] = byte(ms)
	b[6] = 0x70 | byte(seq>>8)&0x0f
	b[7] = byte(seq)
	copy(b[8:], r[2:10])
	b[8] = b[8]&0x3f | 0x80 // variant 10
}

// ValidID reports whether s is a canonical UUID (any version): 36
// characters, hex digits, hyphens at 8, 13, 18 and 23. Upper-case hex is
// accepted; callers lower-case before lookups.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
