package datasetstest

import (
	"context"
	"testing"
)

func TestPathIsCachedAndComplete(t *testing.T) {
	a := Path(t, Scale, Seed)
	if b := Path(t, Scale, Seed); a != b {
		t.Errorf("the same scale and seed gave two files: %s, %s", a, b)
	}
	db := Open(t)
	_, rows, _, err := db.Query(context.Background(), "SELECT count(*) FROM surveys")
	if err != nil || rows[0][0].(int64) == 0 {
		t.Errorf("the cached file is incomplete: %v %v", rows, err)
	}
}
