package memory

// The journal makes in-process leases survive a crash: every Acquire, Extend
// and Release of a live lease appends a record to a file before the call
// returns, so a hold acknowledged to a buyer outlives kill -9 (a write() that
// returned is the kernel's, whatever happens to the process), and a lease that
// was released, replaced or has lapsed never comes back.
//
// Files. The journal is leases-<generation>.journal in the data directory, one
// generation at a time. A file is a header record, a snapshot (an acquire
// record for every live lease when the file was begun), a snapshot-end record,
// then the changes since. Each record is framed as
//
//	length uint32 LE | CRC-32C of the body uint32 LE | body
//
// so a record torn by a crash mid-write, or garbage after it, fails its
// checksum and ends the replay there: everything before it is kept.
//
// Compaction. Released and lapsed leases leave records behind, so when a file
// has grown past twice its snapshot (and past minCompact), the next generation
// is begun with a snapshot of the live leases and the changes continue there.
// The snapshot is taken with every performance locked, so no change falls
// between the two files; it costs one write of the live leases, not an fsync.
// The older file is removed once the new one is synced.
//
// Durability. Records reach the kernel before a call returns but are fsynced
// at most SyncInterval (1 s) later, as Redis does with its default
// appendfsync everysec: a power cut (not a crash) may lose the last second —
// holds made in it are gone, and leases released in it come back until their
// deadline (at most a hold's life, minutes; nobody could buy those seats
// meanwhile, but an order never depends on a lease: orders are in the store,
// synced on every commit, and a rebuild drops leases on sold seats). A new
// generation is fsynced before the older one is removed; until then a
// replay that finds the newer file incomplete falls back to the older one.
//
// Recovery (Open). The newest generation whose snapshot is whole is
// replayed; lapsed leases are dropped; the result is written as a new
// generation at once, and every older file is removed. leases.json, the file
// that earlier versions saved on a graceful stop, is read when no journal
// exists yet and removed either way (it was never removed before, so leases
// released after the start that read it came back after the next crash). A
// lock file keeps a second process off the directory: its recovery would
// remove the journal the first one appends to.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seatmap/seatmap/lease"
)

// Record kinds.
const (
	recHeader   = 'H' // magic, generation
	recSnapshot = 'S' // ends the snapshot: the file is whole from here on
	recAcquire  = 'A' // performance, token, owner, deadline, seats
	recExtend   = 'E' // performance, token, deadline
	recRelease  = 'R' // performance, token
)

const (
	journalMagic = "seatmap leases 1"
	frameHeader  = 8       // length and checksum
	maxRecord    = 1 << 20 // larger lengths are damage, not records
	// minCompact is the smallest file compacted: below it, replaying the
	// dead records costs less than rewriting the live ones.
	minCompact = 4 << 20
	// legacyFile is where earlier versions saved the leases on a graceful stop.
	legacyFile = "leases.json"
	lockFile   = "leases.lock"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errJournal marks every failure of the journal, which Classify reports as
// unavailability.
var errJournal = errors.New("lease journal")

// errClosed answers calls after Close.
var errClosed = fmt.Errorf("%w is closed", errJournal)

// journal is the file side of a Store made by Open. Records are written under
// the lock of the performance they change and then j.mu, so the file's order
// is the order of the changes.
type journal struct {
	dir          string
	log          *slog.Logger
	syncInterval time.Duration
	minCompact   int64
	lock         *os.File // held for the store's life: one process per directory

	mu        sync.Mutex // guards the fields below
	f         *os.File   // the current generation, opened for appending
	gen       uint64
	size      int64 // bytes of f, all of them whole records
	compactAt int64 // size at which the next generation is begun
	dirty     bool  // written since the last fsync
	broken    error // set when a failed write left a partial record that could not be cut off
	closed    bool
	buf       []byte // the record being written

	kick chan struct{} // asks run to compact; one pending at most
	stop chan struct{}
	done chan struct{}
	once sync.Once // closes stop
}

// Open returns a store that journals to files in dir (created if missing),
// with the live leases the directory's journal holds. Close it to stop the
// journal's goroutine and sync the file.
func Open(dir string, opts Options) (*Store, error) {
	s := New(opts)
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.compactAt <= 0 {
		opts.compactAt = minCompact
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("lease journal: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("lease journal in %s: %w", dir, err)
	}
	j := &journal{
		dir: dir, log: opts.Logger, syncInterval: opts.SyncInterval, minCompact: opts.compactAt, lock: lock,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if err := s.load(j); err != nil {
		if j.f != nil {
			j.f.Close()
		}
		lock.Close()
		return nil, err
	}
	go s.run()
	return s, nil
}

// load takes the live leases of the newest whole generation in j.dir (or of
// the legacy file), writes them as the next generation, and removes every
// older file. The store is not shared yet.
func (s *Store) load(j *journal) error {
	gens, err := generations(j.dir)
	if err != nil {
		return fmt.Errorf("lease journal: %w", err)
	}
	var leases []lease.Lease
	found := false
	for i := len(gens) - 1; i >= 0 && !found; i-- {
		r, err := replay(j.path(gens[i]), gens[i])
		switch {
		case err != nil:
			return fmt.Errorf("lease journal: %w", err)
		case !r.whole:
			// Begun, and cut short by a power cut before it was synced: its
			// predecessor is still there, whole up to the switch.
			j.log.Warn("lease journal: skipping a generation whose snapshot is incomplete", "file", j.path(gens[i]))
			continue
		case r.torn > 0:
			j.log.Info("lease journal: ignored a torn record at its end (the process stopped mid-write)", "file", j.path(gens[i]), "bytes", r.torn)
		}
		leases, found = r.leases, true
	}
	legacy := filepath.Join(j.dir, legacyFile)
	if !found {
		if leases, err = readLegacy(legacy); err != nil {
			return fmt.Errorf("lease journal: %w", err)
		}
	}
	now := s.now()
	for _, l := range leases {
		if l.Expires.After(now) {
			// Conflicts and bad entries are skipped: a replay of a journal
			// written by this store has none, a hand-edited file may.
			_ = s.Acquire(context.Background(), l)
		}
	}
	if len(gens) > 0 {
		j.gen = gens[len(gens)-1]
	}
	s.j = j // from here on, changes are journaled
	if err := s.compact(); err != nil {
		return err
	}
	for _, g := range gens {
		if err := os.Remove(j.path(g)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			j.log.Warn("lease journal: remove an old generation", "err", err)
		}
	}
	// Once a journal exists the legacy file is never read again, so one left
	// behind is only clutter.
	if err := os.Remove(legacy); err != nil && !errors.Is(err, fs.ErrNotExist) {
		j.log.Warn("lease journal: remove the leases file of an earlier version", "err", err)
	}
	return nil
}

// Close stops the journal and syncs it; calls after it fail. Closing a
// store made by New does nothing.
func (s *Store) Close() error {
	j := s.j
	if j == nil {
		return nil
	}
	j.once.Do(func() { close(j.stop) })
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.lock.Close() // releases the lock
	if err != nil {
		return fmt.Errorf("close lease journal: %w", err)
	}
	return nil
}

// run syncs the journal every SyncInterval and compacts it when asked.
func (s *Store) run() {
	j := s.j
	defer close(j.done)
	t := time.NewTicker(j.syncInterval)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			j.mu.Lock()
			broken := j.broken != nil
			j.mu.Unlock()
			if broken {
				// A new generation is the way out of a damaged file; retried
				// every tick while it fails (a full disk).
				s.compactOrLog()
				continue
			}
			j.sync()
		case <-j.kick:
			s.compactOrLog()
		}
	}
}

func (s *Store) compactOrLog() {
	if err := s.compact(); err != nil {
		s.j.log.Error("lease journal: compaction failed; the current file goes on growing", "err", err)
	}
}

// sync fsyncs the current file if it was written since the last sync. Only
// run (and Close, after run ends) closes files, so f stays open meanwhile.
func (j *journal) sync() {
	j.mu.Lock()
	f, dirty := j.f, j.dirty
	j.dirty = false
	j.mu.Unlock()
	if !dirty {
		return
	}
	if err := f.Sync(); err != nil {
		j.log.Error("lease journal: fsync", "err", err)
		j.mu.Lock()
		j.dirty = true
		j.mu.Unlock()
	}
}

// compact begins the next generation with a snapshot of the live leases.
// Every performance is locked while the snapshot is written and the file
// switched, so no change is in neither file or in the wrong order; the fsync
// of the new file and the removal of the old one come after.
func (s *Store) compact() error {
	j := s.j
	s.addMu.Lock()
	var locked []*perf
	s.perfs.Range(func(_, v any) bool {
		p := v.(*perf)
		p.mu.Lock()
		locked = append(locked, p)
		return true
	})
	now := s.now()
	j.mu.Lock()
	gen := j.gen + 1
	b := appendFrame(nil, func(b []byte) []byte {
		b = append(b, recHeader)
		b = appendString(b, journalMagic)
		return binary.AppendUvarint(b, gen)
	})
	for _, p := range locked {
		for _, l := range p.leases {
			if l.Expires.After(now) {
				b = appendFrame(b, func(b []byte) []byte { return appendAcquire(b, l) })
			}
		}
	}
	b = appendFrame(b, func(b []byte) []byte { return append(b, recSnapshot) })
	next, err := j.create(gen, b)
	var old *os.File
	if err == nil {
		old = j.f
		j.f, j.gen, j.size, j.dirty, j.broken = next, gen, int64(len(b)), true, nil
		j.compactAt = max(j.minCompact, 2*int64(len(b)))
	}
	j.mu.Unlock()
	for _, p := range locked {
		p.mu.Unlock()
	}
	s.addMu.Unlock()
	if err != nil {
		return fmt.Errorf("lease journal: begin generation %d: %w", gen, err)
	}
	if err := next.Sync(); err != nil {
		// The older file stays: a replay falls back to it if this one is
		// incomplete after a power cut.
		if old != nil {
			old.Close()
		}
		return fmt.Errorf("lease journal: sync generation %d: %w", gen, err)
	}
	syncDir(j.dir)
	if old != nil {
		old.Close()
		if err := os.Remove(j.path(gen - 1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			j.log.Warn("lease journal: remove the previous generation", "err", err)
		}
	}
	return nil
}

// create writes a new generation's first records to a file of its own.
func (j *journal) create(gen uint64, first []byte) (*os.File, error) {
	f, err := os.OpenFile(j.path(gen), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600) // tokens are secrets
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(first); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

func (j *journal) path(gen uint64) string {
	return filepath.Join(j.dir, fmt.Sprintf("leases-%010d.journal", gen))
}

// generations lists the generations in dir, oldest first.
func generations(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var gens []uint64
	for _, e := range entries {
		num, ok := strings.CutPrefix(e.Name(), "leases-")
		if num, ok2 := strings.CutSuffix(num, ".journal"); ok && ok2 {
			if g, err := strconv.ParseUint(num, 10, 64); err == nil {
				gens = append(gens, g)
			}
		}
	}
	slices.Sort(gens)
	return gens, nil
}

// acquire, extend and release append one record each; on a store made by
// New (no journal) they do nothing. The caller holds the performance's lock.
func (j *journal) acquire(l lease.Lease) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = appendFrame(j.buf[:0], func(b []byte) []byte { return appendAcquire(b, l) })
	return j.writeLocked()
}

func (j *journal) extend(perf, token string, expires time.Time) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = appendFrame(j.buf[:0], func(b []byte) []byte {
		b = append(b, recExtend)
		b = appendString(b, perf)
		b = appendString(b, token)
		return binary.AppendVarint(b, expires.UnixNano())
	})
	return j.writeLocked()
}

func (j *journal) release(perf, token string) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = appendFrame(j.buf[:0], func(b []byte) []byte {
		b = append(b, recRelease)
		b = appendString(b, perf)
		return appendString(b, token)
	})
	return j.writeLocked()
}

// health reports a journal that cannot take records.
func (j *journal) health() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		return errClosed
	case j.broken != nil:
		return j.broken
	}
	return nil
}

// writeLocked appends the record framed in j.buf. A write that fails
// part-way is cut off, or every record after it would be lost to a replay;
// if even that fails, the journal takes no more records until a compaction
// has begun a new file. j.mu is held.
func (j *journal) writeLocked() error {
	switch {
	case j.closed:
		return errClosed
	case j.broken != nil:
		return j.broken
	}
	n, err := j.f.Write(j.buf)
	if err != nil {
		if n > 0 {
			if terr := j.f.Truncate(j.size); terr != nil {
				j.broken = fmt.Errorf("%w %s ends in a partial record (%v) that could not be cut off: %w", errJournal, j.f.Name(), err, terr)
			}
		}
		return fmt.Errorf("write %w: %w", errJournal, err)
	}
	j.size += int64(n)
	j.dirty = true
	if j.size >= j.compactAt {
		select {
		case j.kick <- struct{}{}:
		default: // one is pending
		}
	}
	return nil
}

// appendFrame appends a framed record whose body body appends.
func appendFrame(b []byte, body func([]byte) []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // frameHeader bytes, filled in below
	b = body(b)
	n := len(b) - start - frameHeader
	binary.LittleEndian.PutUint32(b[start:], uint32(n))
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(b[start+frameHeader:], castagnoli))
	return b
}

// appendAcquire appends the body of an acquire record. Seats are ascending
// and distinct, so each is written as its distance from the one before.
func appendAcquire(b []byte, l lease.Lease) []byte {
	b = append(b, recAcquire)
	b = appendString(b, l.Performance)
	b = appendString(b, l.Token)
	b = appendString(b, l.Owner)
	b = binary.AppendVarint(b, l.Expires.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(l.Seats)))
	prev := uint32(0)
	for _, seat := range l.Seats {
		b = binary.AppendUvarint(b, uint64(seat-prev))
		prev = seat
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// replayed is what a journal file holds.
type replayed struct {
	leases []lease.Lease // the leases after the last whole record, lapsed ones included
	whole  bool          // the snapshot was complete
	torn   int           // bytes after the last whole record
}

// replay reads the journal file of generation gen.
func replay(path string, gen uint64) (replayed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return replayed{}, err
	}
	type key struct{ perf, token string }
	state := map[key]lease.Lease{}
	var r replayed
	off, n := 0, 0
	for ; off < len(data); n++ {
		if len(data)-off < frameHeader {
			break
		}
		size := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if size == 0 || size > maxRecord || size > len(data)-off-frameHeader {
			break
		}
		body := data[off+frameHeader : off+frameHeader+size]
		if crc32.Checksum(body, castagnoli) != sum {
			break
		}
		d := decoder{b: body[1:]}
		kind := body[0]
		switch {
		case n == 0:
			if kind != recHeader || d.string() != journalMagic || d.uvarint() != gen || d.err {
				return replayed{}, fmt.Errorf("%s is not a lease journal of generation %d", path, gen)
			}
		case kind == recSnapshot:
			r.whole = true
		case kind == recAcquire:
			l := d.lease()
			if !d.err {
				state[key{l.Performance, l.Token}] = l
			}
		case kind == recExtend && r.whole:
			k := key{d.string(), d.string()}
			exp := d.varint()
			if l, ok := state[k]; ok && !d.err {
				l.Expires = time.Unix(0, exp).UTC()
				state[k] = l
			}
		case kind == recRelease && r.whole:
			k := key{d.string(), d.string()}
			if !d.err {
				delete(state, k)
			}
		default:
			d.err = true
		}
		if d.err {
			break // a record this version cannot read: treat it as damage
		}
		off += frameHeader + size
	}
	r.torn = len(data) - off
	r.leases = make([]lease.Lease, 0, len(state))
	for _, l := range state {
		r.leases = append(r.leases, l)
	}
	return r, nil
}

// decoder reads the fields of a record body; a short or malformed body sets
// err and yields zero values.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) lease() lease.Lease {
	l := lease.Lease{Performance: d.string(), Token: d.string(), Owner: d.string()}
	l.Expires = time.Unix(0, d.varint()).UTC()
	n := d.uvarint()
	if d.err || n > MaxSeats {
		d.err = true
		return l
	}
	l.Seats = make([]uint32, n)
	prev := uint64(0)
	for i := range l.Seats {
		prev += d.uvarint()
		l.Seats[i] = uint32(prev)
	}
	if len(d.b) != 0 {
		d.err = true
	}
	return l
}

// legacyLease is a lease in the file earlier versions saved.
type legacyLease struct {
	Performance string    `json:"performance"`
	Token       string    `json:"token"`
	Owner       string    `json:"owner"`
	Seats       []uint32  `json:"seats"`
	Expires     time.Time `json:"expires"`
}

// readLegacy reads the leases earlier versions saved at path; none if it
// does not exist.
func readLegacy(path string) ([]lease.Lease, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var all []legacyLease
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := make([]lease.Lease, len(all))
	for i, l := range all {
		out[i] = lease.Lease(l)
	}
	return out, nil
}

// syncDir makes a file's creation or removal in dir durable; best effort.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return // cannot sync a directory; its renames are durable on their own
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
