package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite writes a commit to the WAL one frame at a time, each frame a
// 24-byte header and a page: two pwrite(2)s a page. A group of bulk calls
// that changes 4,000 pages makes 8,000 system calls in its commit, and
// they were a fifth of the single writer's time. So the writer's
// connection opens the database through walVFS: SQLite's own unix VFS,
// except that a WAL file's writes that follow each other are gathered in
// memory and reach the file up to 124 KiB at a time. What is gathered is
// written before any read, size or truncate of the WAL, before a write
// elsewhere in it, and when SQLite syncs the WAL.
//
// That last is what makes it safe. SQLite makes a commit visible to other
// connections (in the wal-index) only after syncing its frames, so no
// reader and no checkpoint looks for a frame still in memory, and a crash
// before the sync loses an uncommitted transaction only. So the writer
// runs at synchronous=FULL, which syncs the WAL at every commit, and at
// durability "normal" walVFS makes that sync the flush alone: the data
// reaches the disk as at synchronous=NORMAL, at checkpoints. Every other
// sync (the WAL header's when the WAL starts over, a checkpoint's) is a
// real one, as is every sync at durability "full".
//
// Everything else, the database file included, is the unix VFS's own.

const (
	walVFSName     = "lsq-wal"      // commits flushed, synced at checkpoints
	walVFSFullName = "lsq-wal-full" // commits flushed and synced
	// walBufSize is under the most the unix VFS writes in one call
	// (seekAndWriteFd: 128 KiB less a byte).
	walBufSize    = 124 << 10
	walHeaderSize = 32
)

var (
	walVFSOnce sync.Once
	walVFSErr  error

	// origVFS is the unix VFS walVFS wraps; origIO the io methods of the
	// files it opens (one table for every unix file), walIO the same with
	// walVFS's methods for WAL files.
	origVFS uintptr
	origIO  *sqlite3.Tsqlite3_io_methods
	walIO   *sqlite3.Tsqlite3_io_methods

	walFilesMu sync.Mutex
	walFiles   = map[uintptr]*walFile{} // by sqlite3_file pointer
)

// walFile is an open WAL file's gathered writes: buf belongs at offset
// start.
type walFile struct {
	sync   bool // sync commits (walVFSFullName)
	start  int64
	mem    uintptr // C memory under buf
	buf    []byte
	frames bool // frames written since the last sync: the next is a commit's
}

// walStats counts walVFS's work, for tests: xWrite calls on WAL files,
// the pwrites they became, and the syncs that reached the file.
var walStats struct{ writes, flushes, syncs atomic.Int64 }

// registerWALVFS registers walVFSName and walVFSFullName once.
func registerWALVFS() error {
	walVFSOnce.Do(func() { walVFSErr = doRegisterWALVFS() })
	return walVFSErr
}

func doRegisterWALVFS() error {
	tls := libc.NewTLS()
	defer tls.Close()
	if rc := sqlite3.Xsqlite3_initialize(tls); rc != sqlite3.SQLITE_OK {
		return sqliteErr("initialize", rc)
	}
	origVFS = sqlite3.Xsqlite3_vfs_find(tls, 0)
	if origVFS == 0 {
		return sqliteErr("no default VFS", sqlite3.SQLITE_ERROR)
	}
	for _, name := range []string{walVFSName, walVFSFullName} {
		p := libc.Xcalloc(tls, 1, libc.Tsize_t(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
		if p == 0 {
			return sqliteErr("alloc", sqlite3.SQLITE_NOMEM)
		}
		v := (*sqlite3.Tsqlite3_vfs)(ptr(p))
		*v = *(*sqlite3.Tsqlite3_vfs)(ptr(origVFS))
		v.FpNext = 0
		cname, err := libc.CString(name)
		if err != nil {
			return err
		}
		v.FzName = cname
		setFn(&v.FxOpen, walOpen)
		if rc := sqlite3.Xsqlite3_vfs_register(tls, p, 0); rc != sqlite3.SQLITE_OK {
			return sqliteErr("register "+name, rc)
		}
	}
	return nil
}

func sqliteErr(what string, rc int32) error {
	return fmt.Errorf("store: %s VFS: %s: SQLite error %d", walVFSName, what, rc)
}

// ptr turns a C address into a pointer without go vet's unsafeptr
// complaint: the memory is SQLite's (C heap or a static table), not Go's.
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// setFn stores Go function f in a C function-pointer slot, as
// modernc.org/sqlite's generated code stores its own.
func setFn[F any](slot *uintptr, f F) { *(*F)(unsafe.Pointer(slot)) = f }

// fn reads the function in a C function-pointer slot.
func fn[F any](slot uintptr) F { return *(*F)(unsafe.Pointer(&slot)) }

type (
	openFn     = func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32
	closeFn    = func(*libc.TLS, uintptr) int32
	rwFn       = func(*libc.TLS, uintptr, uintptr, int32, int64) int32
	truncateFn = func(*libc.TLS, uintptr, int64) int32
	syncFn     = func(*libc.TLS, uintptr, int32) int32
	sizeFn     = func(*libc.TLS, uintptr, uintptr) int32
)

func walOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	rc := fn[openFn]((*sqlite3.Tsqlite3_vfs)(ptr(origVFS)).FxOpen)(tls, origVFS, zName, pFile, flags, pOutFlags)
	if rc != sqlite3.SQLITE_OK || flags&sqlite3.SQLITE_OPEN_WAL == 0 {
		return rc
	}
	f := (*sqlite3.Tsqlite3_file)(ptr(pFile))
	walFilesMu.Lock()
	defer walFilesMu.Unlock()
	if walIO == nil {
		origIO = (*sqlite3.Tsqlite3_io_methods)(ptr(f.FpMethods))
		m := *origIO
		setFn(&m.FxClose, walClose)
		setFn(&m.FxRead, walRead)
		setFn(&m.FxWrite, walWrite)
		setFn(&m.FxTruncate, walTruncate)
		setFn(&m.FxSync, walSync)
		setFn(&m.FxFileSize, walFileSize)
		// SQLite's structures live in C memory: the race detector's
		// pointer checks refuse a Go address where SQLite keeps one.
		p := libc.Xmalloc(tls, libc.Tsize_t(unsafe.Sizeof(m)))
		if p == 0 {
			return sqlite3.SQLITE_NOMEM
		}
		walIO = (*sqlite3.Tsqlite3_io_methods)(ptr(p))
		*walIO = m
	}
	if (*sqlite3.Tsqlite3_io_methods)(ptr(f.FpMethods)) != origIO {
		return rc // not a unix file as the others: left as it is
	}
	mem := libc.Xmalloc(tls, walBufSize)
	if mem == 0 {
		return sqlite3.SQLITE_NOMEM
	}
	name := libc.GoString((*sqlite3.Tsqlite3_vfs)(ptr(pVfs)).FzName)
	walFiles[pFile] = &walFile{sync: name == walVFSFullName, mem: mem, buf: unsafe.Slice((*byte)(ptr(mem)), walBufSize)[:0]}
	f.FpMethods = uintptr(unsafe.Pointer(walIO))
	return rc
}

func walFileOf(pFile uintptr) *walFile {
	walFilesMu.Lock()
	w := walFiles[pFile]
	walFilesMu.Unlock()
	return w
}

// flush writes what is gathered.
func (w *walFile) flush(tls *libc.TLS, pFile uintptr) int32 {
	if len(w.buf) == 0 {
		return sqlite3.SQLITE_OK
	}
	walStats.flushes.Add(1)
	rc := fn[rwFn](origIO.FxWrite)(tls, pFile, w.mem, int32(len(w.buf)), w.start)
	w.buf = w.buf[:0]
	return rc
}

func walWrite(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	w := walFileOf(pFile)
	walStats.writes.Add(1)
	if iOfst >= walHeaderSize {
		w.frames = true
	}
	if len(w.buf) > 0 && (iOfst != w.start+int64(len(w.buf)) || len(w.buf)+int(iAmt) > walBufSize) {
		if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if int(iAmt) > walBufSize {
		return fn[rwFn](origIO.FxWrite)(tls, pFile, zBuf, iAmt, iOfst)
	}
	if len(w.buf) == 0 {
		w.start = iOfst
	}
	w.buf = append(w.buf, unsafe.Slice((*byte)(ptr(zBuf)), iAmt)...)
	return sqlite3.SQLITE_OK
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	w := walFileOf(pFile)
	if rc := w.flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	commit := w.frames
	w.frames = false
	if commit && !w.sync {
		return sqlite3.SQLITE_OK
	}
	walStats.syncs.Add(1)
	return fn[syncFn](origIO.FxSync)(tls, pFile, flags)
}

func walRead(tls *libc.TLS, pFile, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	if rc := walFileOf(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fn[rwFn](origIO.FxRead)(tls, pFile, zBuf, iAmt, iOfst)
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	if rc := walFileOf(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fn[truncateFn](origIO.FxTruncate)(tls, pFile, size)
}

func walFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	if rc := walFileOf(pFile).flush(tls, pFile); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return fn[sizeFn](origIO.FxFileSize)(tls, pFile, pSize)
}

func walClose(tls *libc.TLS, pFile uintptr) int32 {
	w := walFileOf(pFile)
	rc := w.flush(tls, pFile)
	walFilesMu.Lock()
	delete(walFiles, pFile)
	walFilesMu.Unlock()
	libc.Xfree(tls, w.mem)
	if crc := fn[closeFn](origIO.FxClose)(tls, pFile); rc == sqlite3.SQLITE_OK {
		rc = crc
	}
	return rc
}
