package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/web"
)

// TestMain lets the test binary run as the wenshu command (WENSHU_AS_MAIN=1),
// so a test can start, SIGKILL and restart a real server process.
func TestMain(m *testing.M) {
	if os.Getenv("WENSHU_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startServer runs `wenshu serve` as a child process and returns its URL.
func startServer(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "WENSHU_AS_MAIN=1", "WENSHU_PUSH_ALLOW_HOSTS=127.0.0.1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	re := regexp.MustCompile(`serving .* on (http://[0-9.:]+)`)
	for lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return cmd, m[1]
		}
	}
	t.Fatal("the server never said it was serving")
	return nil, ""
}

// TestCrashMidRun: a subscription with three channels is sent; while the
// second channel's request is in flight the server is killed with SIGKILL;
// restarted, it finishes the run. Every channel got the run exactly once:
// the first before the crash, the second's request had arrived (it is not
// sent again), the third after the restart.
func TestCrashMidRun(t *testing.T) {
	var a, b, c atomic.Int32
	bArrived := make(chan struct{})
	release := make(chan struct{})
	hookA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.Add(1) }))
	hookB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.Add(1) == 1 {
			close(bArrived)
		}
		<-release
	}))
	hookC := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.Add(1) }))
	defer hookA.Close()
	defer hookC.Close()
	defer func() { close(release); hookB.Close() }()

	meta := filepath.Join(t.TempDir(), "meta.db")
	st, err := web.OpenStore(meta)
	if err != nil {
		t.Fatal(err)
	}
	sub := push.Subscription{ID: "s1", OwnerName: "demo", Question: "上个月各渠道的销售额", Schedule: "0 9 * * 1", Timezone: push.DefaultTimezone,
		Created: time.Now(), Channels: []push.Channel{{Type: "webhook", URL: hookA.URL}, {Type: "webhook", URL: hookB.URL}, {Type: "webhook", URL: hookC.URL}}}
	if err := st.PutSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	st.Close()
	db := datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed)
	srv, url := startServer(t, "--db", db, "--meta", meta, "--as-of", "2025-12-31")
	go func() {
		req, _ := http.NewRequest("POST", url+"/api/v1/subscriptions/s1/run", nil)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	select {
	case <-bArrived:
	case <-time.After(60 * time.Second):
		t.Fatal("the second channel was never called")
	}
	if err := srv.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	if a.Load() != 1 || c.Load() != 0 {
		t.Fatalf("before the restart: A %d, C %d", a.Load(), c.Load())
	}
	startServer(t, "--db", db, "--meta", meta, "--as-of", "2025-12-31")
	for deadline := time.Now().Add(60 * time.Second); c.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // polling the fake for the resumed delivery
	}
	if a.Load() != 1 || b.Load() != 1 || c.Load() != 1 {
		t.Errorf("after the crash and restart: A %d, B %d, C %d sends; want exactly 1 each", a.Load(), b.Load(), c.Load())
	}
}
