package attachment_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cityline/cityline/internal/attachment"
)

func TestDiskBlobsStoresByContent(t *testing.T) {
	dir := t.TempDir()
	d := attachment.DiskBlobs(dir)
	content := []byte("同一份文件内容")
	var wg sync.WaitGroup
	shas := make([]string, 8)
	errs := make([]error, 8)
	for i := range shas {
		wg.Go(func() { shas[i], _, errs[i] = d.Put(context.Background(), bytes.NewReader(content)) })
	}
	wg.Wait()
	for i := range shas {
		if errs[i] != nil || shas[i] != sha(content) {
			t.Fatalf("put %d: %s %v, want %s", i, shas[i], errs[i], sha(content))
		}
	}
	want := filepath.Join(shas[0][:2], shas[0][2:4], shas[0])
	if files := blobFiles(t, dir); len(files) != 1 || files[0] != want {
		t.Fatalf("stored files %v, want just %s", files, want)
	}
	if left := tmpFiles(t, dir); len(left) != 0 {
		t.Errorf("%d temporary files left", len(left))
	}
	rc, err := d.Open(shas[0])
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, content) {
		t.Errorf("read back %q %v", got, err)
	}
	other, size, err := d.Put(context.Background(), strings.NewReader("另一份"))
	if err != nil || other == shas[0] || size != int64(len("另一份")) {
		t.Errorf("second content: %s %d %v", other, size, err)
	}
}

func TestDiskBlobsOpenRefusesBadNames(t *testing.T) {
	d := attachment.DiskBlobs(t.TempDir())
	for _, name := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("a", 63), strings.Repeat("0", 64)} {
		if rc, err := d.Open(name); !errors.Is(err, fs.ErrNotExist) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Open(%q): %v, want fs.ErrNotExist", name, err)
		}
	}
}

func TestDiskBlobsPutLeavesNothingWhenReadingFails(t *testing.T) {
	dir := t.TempDir()
	d := attachment.DiskBlobs(dir)
	broken := errors.New("client went away")
	_, _, err := d.Put(context.Background(), io.MultiReader(strings.NewReader("half a file"), iotest.ErrReader(broken)))
	if !errors.Is(err, broken) {
		t.Fatalf("got %v, want the read error", err)
	}
	if files, left := blobFiles(t, dir), tmpFiles(t, dir); len(files)+len(left) != 0 {
		t.Errorf("a failed put left %v and %d temporary files", files, len(left))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := d.Put(ctx, strings.NewReader("too late")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled put: %v", err)
	}
	if files := blobFiles(t, dir); len(files) != 0 {
		t.Errorf("a cancelled put stored %v", files)
	}
}

func TestDiskBlobsRemoveSparesRecentlyStored(t *testing.T) {
	dir := t.TempDir()
	d := attachment.DiskBlobs(dir)
	old, _, err := d.Put(context.Background(), strings.NewReader("old"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, old[:2], old[2:4], old)
	long := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(p, long, long); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now().Add(-24 * time.Hour)
	// Stored again just now, by an upload racing the purge: it must survive.
	if _, _, err := d.Put(context.Background(), strings.NewReader("old")); err != nil {
		t.Fatal(err)
	}
	if removed, err := d.Remove(old, cutoff); err != nil || removed {
		t.Fatalf("recently renewed blob: removed=%v %v", removed, err)
	}
	if err := os.Chtimes(p, long, long); err != nil {
		t.Fatal(err)
	}
	if removed, err := d.Remove(old, cutoff); err != nil || !removed {
		t.Fatalf("old blob: removed=%v %v", removed, err)
	}
	if _, err := d.Open(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open after remove: %v", err)
	}
	if removed, err := d.Remove(old, cutoff); err != nil || removed {
		t.Errorf("removing twice: removed=%v %v", removed, err)
	}
	if _, err := d.Remove("../x", cutoff); err == nil {
		t.Error("a malformed sha was accepted")
	}
}

func TestDiskBlobsRemoveStaleTemp(t *testing.T) {
	dir := t.TempDir()
	d := attachment.DiskBlobs(dir)
	if n, err := d.RemoveStaleTemp(time.Now()); err != nil || n != 0 {
		t.Fatalf("before any upload: %d %v", n, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		t.Fatal(err)
	}
	crashed, fresh := filepath.Join(dir, "tmp", "put-crashed"), filepath.Join(dir, "tmp", "put-in-progress")
	for _, p := range []string{crashed, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(crashed, long, long); err != nil {
		t.Fatal(err)
	}
	n, err := d.RemoveStaleTemp(time.Now().Add(-24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("removed %d %v, want 1", n, err)
	}
	if _, err := os.Stat(crashed); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("an upload in progress lost its file: %v", err)
	}
}
