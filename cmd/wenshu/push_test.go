package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/web"
)

// TestPushCommands: push list shows a subscription, push run sends it now
// (to a loopback webhook the operator allowed), push runs shows the run.
func TestPushCommands(t *testing.T) {
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		if strings.Contains(string(data), "上个月各渠道的销售额") {
			hits.Add(1)
		}
	}))
	defer hook.Close()
	t.Setenv("WENSHU_PUSH_ALLOW_HOSTS", "127.0.0.1")
	meta := filepath.Join(t.TempDir(), "meta.db")
	st, err := web.OpenStore(meta)
	if err != nil {
		t.Fatal(err)
	}
	sub := push.Subscription{ID: "s1", OwnerName: "demo", Question: "上个月各渠道的销售额", Schedule: "0 9 * * 1", Timezone: push.DefaultTimezone,
		Channels: []push.Channel{{Type: push.ChannelWebhook, URL: hook.URL + "/h"}}, Created: time.Now()}
	if err := st.PutSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cmd := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append([]string{"push"}, args...), &out, &errOut); err != nil {
			t.Fatalf("push %v: %v\n%s", args, err, errOut.String())
		}
		return out.String()
	}
	if out := cmd("list", "--meta", meta); !strings.Contains(out, "s1") || !strings.Contains(out, "webhook") {
		t.Errorf("push list: %s", out)
	}
	db := datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed)
	if out := cmd("run", "--meta", meta, "--db", db, "s1"); !strings.Contains(out, `"state":"done"`) || hits.Load() != 1 {
		t.Errorf("push run: %s (%d hits)", out, hits.Load())
	}
	if out := cmd("runs", "--meta", meta, "s1"); strings.Count(out, "\n") != 1 || !strings.Contains(out, `"trigger":"manual"`) {
		t.Errorf("push runs: %s", out)
	}
}
