// Package datasetstest gives tests a generated demo database. Files are
// cached in the OS temp directory under a name that includes a hash of the
// generator script, so a changed generator never serves stale data.
package datasetstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

// Scale is the scale tests use unless they need another.
const Scale = 0.02

// Seed is the seed tests use.
const Seed = 7

// Path returns the path of a demo database generated at scale and seed.
func Path(t testing.TB, scale float64, seed int64) string {
	t.Helper()
	sum := sha256.Sum256([]byte(datasets.Script()))
	name := fmt.Sprintf("wenshu-test-%s-sf%g-seed%d.duckdb", hex.EncodeToString(sum[:6]), scale, seed)
	path := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp, err := os.CreateTemp("", name+".*.tmp")
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	os.Remove(tmp.Name())
	db, err := duckdb.Create(tmp.Name())
	if err != nil {
		t.Fatal(err)
	}
	if err := datasets.Generate(context.Background(), db, datasets.GenOptions{Scale: scale, Seed: seed}); err != nil {
		db.Close()
		t.Fatal(err)
	}
	if _, err := db.Exec("CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Rename is atomic: concurrent test binaries either see a whole file or none.
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Open opens the default test database read-only and closes it at the end of the test.
func Open(t testing.TB) *duckdb.DB {
	t.Helper()
	db, err := duckdb.Open(Path(t, Scale, Seed), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// RSS is the process's resident memory in bytes (Linux), for benchmarks
// that report peak memory; 0 where /proc is missing.
func RSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(rest, "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}
