package store

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"

	"github.com/localsquared/localsquared/internal/crm"
)

// Every call authenticates: a join of the key, its user and its org. On
// SQLite that query was a fifth of a Leads.GetById. The principal changes
// only when a key, a user or an org does, so on SQLite Authenticate keeps
// what it read, tagged with a generation: an 8-byte value in a file
// beside the database (localsquared.db-auth) that every write changing a
// key, a user or an org (or the org's schema version) sets to a new
// random value, between its commit and its acknowledgement. Each call
// reads the file (one pread) and serves a cached principal only while the
// value is the one it was cached under, so a change made by any process
// on the same database shows on the next call. An entry read while a
// change was being committed carries the value from before its query, so
// the change makes it stale at once. PostgreSQL instances share no file,
// so there every call reads the database.

type authCache struct {
	f     *os.File
	dirty atomic.Bool // a write in the open transaction changes principals

	mu sync.RWMutex
	m  map[string]authEntry // by access key
}

type authEntry struct {
	gen    uint64
	hash   string // secret_hash
	active bool
	p      crm.Principal
}

// maxAuthEntries bounds the cache; past it, it starts again empty.
const maxAuthEntries = 10000

func openAuthCache(dbPath string) (*authCache, error) {
	f, err := os.OpenFile(dbPath+"-auth", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	c := &authCache{f: f, m: map[string]authEntry{}}
	if fi, err := f.Stat(); err == nil && fi.Size() < 8 {
		c.dirty.Store(true)
		c.settle()
	}
	return c, nil
}

// close closes the generation file; a second call does nothing.
func (c *authCache) close() error {
	if err := c.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// gen reads the current generation; false when it cannot be read (then
// nothing is cached or served from the cache).
func (c *authCache) gen() (uint64, bool) {
	var b [8]byte
	if _, err := c.f.ReadAt(b[:], 0); err != nil {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[:]), true
}

// changed marks the open write transaction as one that changes keys,
// users or orgs. nil-safe (PostgreSQL).
func (c *authCache) changed() {
	if c != nil {
		c.dirty.Store(true)
	}
}

// settle runs after a write transaction has ended (committed or not) and
// before its callers learn of it: a marked transaction sets a new
// generation. If the file cannot be written, the cache is emptied and
// stays unused until a generation can be read again.
func (c *authCache) settle() {
	if c == nil || !c.dirty.Swap(false) {
		return
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	if _, err := c.f.WriteAt(b[:], 0); err != nil {
		c.mu.Lock()
		clear(c.m)
		c.mu.Unlock()
	}
}

// get returns the cached entry for accessKey when it is current and hash
// is its secret's hash.
func (c *authCache) get(accessKey, hash string, gen uint64) (authEntry, bool) {
	c.mu.RLock()
	e, ok := c.m[accessKey]
	c.mu.RUnlock()
	if !ok || e.gen != gen || subtle.ConstantTimeCompare([]byte(e.hash), []byte(hash)) != 1 {
		return authEntry{}, false
	}
	return e, true
}

func (c *authCache) put(accessKey string, e authEntry) {
	c.mu.Lock()
	if len(c.m) >= maxAuthEntries {
		clear(c.m)
	}
	c.m[accessKey] = e
	c.mu.Unlock()
}
