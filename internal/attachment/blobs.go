package attachment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Blobs keeps file contents under their SHA-256, so that the database row holds only the hash and
// identical files are kept once. Put must never leave a partial file where Open can find it.
type Blobs interface {
	// Put stores everything r yields and returns its SHA-256 (lower-case hex) and size. When reading
	// r fails, nothing is stored and the read error is returned wrapped.
	Put(ctx context.Context, r io.Reader) (sha string, size int64, err error)
	// Open returns the content stored under sha; an unknown sha gives an error wrapping fs.ErrNotExist.
	Open(sha string) (io.ReadCloser, error)
}

// Disk is Blobs in a directory: dir/ab/cd/<sha256>, with uploads in progress under dir/tmp. Several
// nodes may share dir (a network mount), since every write is a rename of a complete file.
type Disk struct{ dir string }

// DiskBlobs keeps blobs under dir, which is created on the first Put.
func DiskBlobs(dir string) *Disk { return &Disk{dir: dir} }

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (d *Disk) path(sha string) string {
	return filepath.Join(d.dir, sha[:2], sha[2:4], sha)
}

func (d *Disk) tmpDir() string { return filepath.Join(d.dir, "tmp") }

// Put writes r to a temporary file, flushes it to the disk, then renames it into place, so that a
// crash at any point leaves either the whole file or none. Storing content that is already there
// replaces the file with an identical one, which also marks it as freshly used for Remove.
func (d *Disk) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	if err := os.MkdirAll(d.tmpDir(), 0o750); err != nil {
		return "", 0, fmt.Errorf("attachment storage: %w", err)
	}
	f, err := os.CreateTemp(d.tmpDir(), "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("attachment storage: %w", err)
	}
	tmp := f.Name()
	placed := false
	defer func() {
		if !placed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return "", 0, fmt.Errorf("store upload: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("attachment storage: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("attachment storage: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	sha := hex.EncodeToString(h.Sum(nil))
	final := d.path(sha)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return "", 0, fmt.Errorf("attachment storage: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", 0, fmt.Errorf("attachment storage: %w", err)
	}
	placed = true
	// The rename and any new directories become durable only once their parents are flushed.
	for dir := filepath.Dir(final); ; dir = filepath.Dir(dir) {
		if err := syncDir(dir); err != nil {
			return "", 0, fmt.Errorf("attachment storage: %w", err)
		}
		if dir == filepath.Clean(d.dir) {
			break
		}
	}
	return sha, size, nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Open returns the stored content. A malformed sha is refused before it can name a path.
func (d *Disk) Open(sha string) (io.ReadCloser, error) {
	if !shaPattern.MatchString(sha) {
		return nil, fmt.Errorf("blob %q: %w", sha, fs.ErrNotExist)
	}
	f, err := os.Open(d.path(sha))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", sha, err)
	}
	return f, nil
}

// Remove deletes the blob unless it was stored (or stored again) after unusedSince: an upload of the
// same content that is racing the purge has just renewed the file, and its row must find it.
// It reports whether the file was deleted; a blob that is already gone is not an error.
func (d *Disk) Remove(sha string, unusedSince time.Time) (bool, error) {
	if !shaPattern.MatchString(sha) {
		return false, fmt.Errorf("blob %q: malformed SHA-256", sha)
	}
	p := d.path(sha)
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob %s: %w", sha, err)
	}
	if info.ModTime().After(unusedSince) {
		return false, nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("blob %s: %w", sha, err)
	}
	return true, nil
}

// RemoveStaleTemp deletes temporary files older than before: what a crash in the middle of an upload
// left behind. It returns how many it deleted.
func (d *Disk) RemoveStaleTemp(before time.Time) (int, error) {
	entries, err := os.ReadDir(d.tmpDir())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("attachment storage: %w", err)
	}
	n := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(d.tmpDir(), e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}
