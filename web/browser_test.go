package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium; CI installs it, so its absence fails
// the test rather than skipping it.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("WENSHU_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: install Debian's chromium (.ci/run does) or set WENSHU_CHROMIUM")
	return ""
}

// TestChatPageInBrowser asks in the real page, in headless Chromium: the
// chips, a table with one row per channel and a drawn chart appear; a
// follow-up works; the chart type switches. A screenshot is saved.
func TestChatPageInBrowser(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	step := openBrowser(t, ts.URL+"/", 1300, 1000)
	count := func(sel string) int {
		n, err := chromedp.Run(step, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+sel+"`"+`).length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(step, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", js, err)
		}
	}
	err := chromedp.Do(step,
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		discard(chromedp.Evaluate[any](`localStorage.setItem("wenshu.lang","zh")`)),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		chromedp.SendKeys(chromedp.CSS("#question"), "上个月各渠道的销售额"),
		chromedp.Click(chromedp.CSS("#ask-button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelectorAll(".msg.bot .chart canvas").length > 0`)
	if n := count(".msg.bot .chips .chip.metric"); n != 1 {
		t.Errorf("%d metric chips", n)
	}
	if n := count(".msg.bot .chips .chip.time"); n != 1 {
		t.Errorf("%d time chips", n)
	}
	if n := count(".msg.bot table.result tbody tr"); n != 5 {
		t.Errorf("the table has %d rows, want 5 channels", n)
	}
	text, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector(".msg.bot table.result tbody").innerText`))
	if err != nil || !containsAll(text, "门店", "¥") {
		t.Errorf("table text %q %v", text, err)
	}
	// A follow-up in the same conversation.
	err = chromedp.Do(step,
		chromedp.SendKeys(chromedp.CSS("#question"), "那去年同期呢"),
		chromedp.Click(chromedp.CSS("#ask-button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelectorAll(".msg.bot .chart canvas").length > 1`)
	chips, _ := chromedp.Run(step, chromedp.Evaluate[string](`[...document.querySelectorAll(".msg.bot")].pop().querySelector(".chips").innerText`))
	if !containsAll(chips, "2024年11月", "按渠道", "销售额") {
		t.Errorf("follow-up chips %q", chips)
	}
	// Switch the last chart from bars to a line.
	err = chromedp.Do(step, discard(chromedp.Evaluate[any](`[...document.querySelectorAll(".msg.bot")].pop().querySelector('.toolbar button[data-type="line"]').click()`)))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`[...document.querySelectorAll(".msg.bot")].pop().querySelector(".chart").dataset.type === "line"`)
	kind, _ := chromedp.Run(step, chromedp.Evaluate[string](`echarts.getInstanceByDom([...document.querySelectorAll(".msg.bot")].pop().querySelector(".chart")).getOption().series[0].type`))
	if kind != "line" {
		t.Errorf("after switching, the chart draws %q", kind)
	}
	saveScreenshot(t, step, "chat-page.png")

	// Reopening the conversation from the history draws every answer again.
	err = chromedp.Do(step,
		discard(chromedp.Evaluate[any](`document.querySelector("#messages").innerHTML = ""`)),
		chromedp.Click(chromedp.CSS("#conversations li")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelectorAll(".msg.bot .chart canvas").length === 2 && document.querySelectorAll(".msg.bot table.result").length === 2`)
	if text, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector("#messages").innerText`)); !containsAll(text, "按保存的查询重新计算", "门店") {
		t.Errorf("the reopened conversation reads %q", text)
	}
	if when, _ := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector("#conversations li .when").textContent`)); len(when) < 5 {
		t.Errorf("the history entry shows no time: %q", when)
	}
	// The same question asked in new conversations is one entry, counted.
	for i := 0; i < 2; i++ {
		err = chromedp.Do(step,
			chromedp.Click(chromedp.CSS("#new-chat")),
			chromedp.SendKeys(chromedp.CSS("#question"), "上个月各渠道的销售额"),
			chromedp.Click(chromedp.CSS("#ask-button")),
		)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(`document.querySelectorAll(".msg.bot .chart canvas").length === 1`)
	}
	waitFor(`(document.querySelector("#conversations li .count") || {}).textContent === "×3"`)
	if n, _ := chromedp.Run(step, chromedp.Evaluate[int](`[...document.querySelectorAll("#conversations li")].filter(li => li.textContent.startsWith("上个月各渠道的销售额")).length`)); n != 1 {
		t.Errorf("three conversations with one title are %d entries", n)
	}
}

// openBrowser starts headless Chromium on url and returns the context of
// the next steps (with their own deadline; the first run starts the browser).
func openBrowser(t *testing.T, url string, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	step, cancelStep := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelStep(); cancelCtx(); cancelAlloc() })
	return step
}

// saveScreenshot writes a PNG of the page to artifacts/ (or $WENSHU_ARTIFACTS).
func saveScreenshot(t *testing.T, step context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(step, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("WENSHU_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "artifacts")
	}
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// discard runs an action for its effect only.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// TestSignInInBrowser: once a user exists, the page shows the sign-in form;
// a store manager signs in, sees who they are and their scope, and an
// answer about every store holds only theirs, with the scope note.
func TestSignInInBrowser(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	addStoredUser(t, ts, "zhou", "store_manager", map[string]string{"stores": "广州万象城店,深圳万象城店"}, 0)
	step := openBrowser(t, ts.URL+"/", 1300, 900)
	waitFor := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(step, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", js, err)
		}
	}
	text := func(js string) string {
		s, err := chromedp.Run(step, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitFor(`!document.querySelector("#login").classList.contains("hidden")`)
	err := chromedp.Do(step,
		chromedp.SendKeys(chromedp.CSS("#login-name"), "zhou"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "wrong password"),
		chromedp.Click(chromedp.CSS("#login-button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelector("#login-error").textContent.length > 0`)
	err = chromedp.Do(step,
		discard(chromedp.Evaluate[any](`document.querySelector("#login-password").value = ""`)),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "password-zhou"),
		chromedp.Click(chromedp.CSS("#login-button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.body.dataset.ready === "1"`)
	if who := text(`document.querySelector("#whoami").innerText`); !containsAll(who, "zhou", "广州万象城店") {
		t.Errorf("who-am-I shows %q", who)
	}
	if cookie := text(`document.cookie`); strings.Contains(cookie, "wenshu_session") {
		t.Error("the session cookie is readable from JavaScript")
	}
	err = chromedp.Do(step,
		chromedp.SendKeys(chromedp.CSS("#question"), "上个月各门店的销售额"),
		chromedp.Click(chromedp.CSS("#ask-button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelectorAll(".msg.bot table.result tbody tr").length > 0`)
	rows := text(`document.querySelector(".msg.bot table.result tbody").innerText`)
	if n := strings.Count(rows, "\n") + 1; n != 2 || !containsAll(rows, "广州万象城店", "深圳万象城店") {
		t.Errorf("the store manager's table: %q", rows)
	}
	if card := text(`document.querySelector(".msg.bot").innerText`); !strings.Contains(card, "按你的权限") {
		t.Errorf("the answer does not say whose rows it covers: %q", card)
	}
	saveScreenshot(t, step, "signed-in-page.png")
}

// TestResponsivePage: at 390×844 (a phone in an IM webview) the
// conversation list is a drawer, nothing is wider than the screen, tables
// scroll inside their card and buttons are big enough to tap; at 1400×900
// the sidebar is back. Screenshots of both are saved.
func TestResponsivePage(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	step := openBrowser(t, ts.URL+"/?q="+"今年各门店的销售额和订单数", 390, 844)
	if err := chromedp.Do(step, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile), chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) float64 {
		t.Helper()
		v, err := chromedp.Run(step, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	waitTable := func() {
		t.Helper()
		if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelectorAll(".msg.bot table.result tbody tr").length > 10`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	waitTable()
	if w := eval(`document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Errorf("the page scrolls sideways by %v px at 390 wide", w)
	}
	// Nothing outside a scrolling container is wider than the screen.
	if n := eval(`[...document.querySelectorAll("body *")].filter(e => {
		for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== "visible" && p !== document.body) return false;
		const r = e.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1;
	}).length`); n > 0 {
		t.Errorf("%v elements reach past the right edge", n)
	}
	if r := eval(`document.querySelector("aside").getBoundingClientRect().right`); r > 0 {
		t.Errorf("the sidebar covers the page on a phone (right edge %v)", r)
	}
	if h := eval(`Math.min(...[...document.querySelectorAll(".msg.bot .toolbar button, #ask-button, #menu-toggle")].map(b => b.getBoundingClientRect().height))`); h < 40 {
		t.Errorf("a button is %v px tall, want at least 40 to tap", h)
	}
	if w := eval(`document.querySelector(".msg.bot .table-wrap").scrollWidth - document.querySelector(".msg.bot .table-wrap").clientWidth`); w <= 0 {
		t.Log("the table fits without scrolling")
	}
	saveScreenshot(t, step, "chat-page-phone.png")
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS("#menu-toggle"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelector("aside").getBoundingClientRect().left >= 0`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the drawer did not open: %v", err)
	}
	saveScreenshot(t, step, "chat-page-phone-drawer.png")

	desk := openBrowser(t, ts.URL+"/?q="+"今年各门店的销售额和订单数", 1400, 900)
	if err := chromedp.Do(desk, chromedp.EmulateViewport(1400, 900)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(desk, chromedp.Poll[bool](`document.querySelectorAll(".msg.bot table.result tbody tr").length > 10`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatal(err)
	}
	v, _ := chromedp.Run(desk, chromedp.Evaluate[float64](`document.querySelector("aside").getBoundingClientRect().width`))
	if v < 200 {
		t.Errorf("the desktop sidebar is %v px wide", v)
	}
	w, _ := chromedp.Run(desk, chromedp.Evaluate[float64](`document.documentElement.scrollWidth - window.innerWidth`))
	if w > 0 {
		t.Errorf("the desktop page scrolls sideways by %v px", w)
	}
	saveScreenshot(t, desk, "chat-page-desktop.png")
}

// TestPushInBrowser: from an answer, 订阅 saves a subscription to a
// webhook; the 订阅与提醒 panel lists it and 立即发送 sends it.
func TestPushInBrowser(t *testing.T) {
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hook.Close()
	opts := webOptions()
	opts.PushAllowHosts = "127.0.0.0/8"
	ts := newTestServer(t, "", 0, opts)
	step := openBrowser(t, ts.URL+"/?lang=zh&q="+"上个月各渠道的销售额", 1300, 900)
	waitFor := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(step, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", js, err)
		}
	}
	waitFor(`document.querySelector(".msg.bot .toolbar button.subscribe") !== null`)
	err := chromedp.Do(step,
		chromedp.Click(chromedp.CSS(".msg.bot .toolbar button.subscribe")),
		chromedp.SetValue(chromedp.CSS(".push-form select:nth-of-type(2)"), "webhook"),
		chromedp.SendKeys(chromedp.CSS(".push-form input"), hook.URL+"/h"),
		chromedp.Click(chromedp.CSS(".push-form button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`(document.querySelector(".push-msg") || {}).textContent === "已保存"`)
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS("#open-push"))); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelectorAll("#push-list .push-item").length === 1`)
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS("#push-list .push-item button"))); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelector("#push-list .push-item .meta") && document.querySelector("#push-list .push-item .meta").textContent.includes("done")`)
	if hits.Load() != 1 {
		t.Errorf("the webhook got %d sends, want 1", hits.Load())
	}
	// Pause from the panel.
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS("#push-list .push-item button.pause"))); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelector("#push-list .push-item h3") && document.querySelector("#push-list .push-item h3").textContent.includes("已暂停")`)
	saveScreenshot(t, step, "push-panel.png")
}

// TestDefinitionAndReviewsInBrowser: a definition question shows the
// definition card; an answer marked 不对 with a comment reaches the 错题集
// panel, where picking the right metric is checked at once and saved.
func TestDefinitionAndReviewsInBrowser(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	step := openBrowser(t, ts.URL+"/?lang=zh&q="+"复购率是怎么算的", 1300, 900)
	waitFor := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(step, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", js, err)
		}
	}
	waitFor(`document.querySelector(".definition dl") !== null && document.querySelector(".definition").textContent.includes("计算")`)
	err := chromedp.Do(step,
		chromedp.SendKeys(chromedp.CSS("#question"), "上个月卖得怎么样"),
		chromedp.Click(chromedp.CSS("#ask-button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelector(".msg.bot .feedback button.wrong") !== null`)
	err = chromedp.Do(step,
		chromedp.Click(chromedp.CSS(".msg.bot .feedback button.wrong")),
		chromedp.SendKeys(chromedp.CSS(".feedback input.comment"), "应该是订单数"),
		chromedp.Click(chromedp.CSS(".feedback button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelector(".feedback").textContent === "已记录，谢谢"`)
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS("#open-reviews"))); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelectorAll("#review-list .review-item").length === 1 && document.querySelector("#review-list").textContent.includes("应该是订单数")`)
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](`(() => { const s = document.querySelector(".review-item select.pick-metric");
		s.value = "orders"; s.dispatchEvent(new Event("change")); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelector(".review-item .verdict.ok") !== null && document.querySelector(".review-item .verdict").textContent.includes("订单数")`)
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS(".review-item button.fix"))); err != nil {
		t.Fatal(err)
	}
	waitFor(`document.querySelector("#review-list").textContent.includes("没有待处理的错题")`)
	saveScreenshot(t, step, "review-panel.png")
}

// TestInsightInBrowser: a why-question draws its drivers.
func TestInsightInBrowser(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	step := openBrowser(t, ts.URL+"/?lang=zh&q="+"为什么2025年10月的转化率下降了", 1300, 900)
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelector(".insight canvas") !== null && document.querySelector(".msg.bot .answer").textContent.includes("抖音")`,
		chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("no drivers drawn: %v", err)
	}
	saveScreenshot(t, step, "insight.png")
}

// TestRetentionTriangleInBrowser: retention by cohort month and months
// since the first order is drawn as a heat-map table.
func TestRetentionTriangleInBrowser(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	step := openBrowser(t, ts.URL+"/?lang=zh&q="+"2025年各首购月份按首购后第几个月的留存率", 1300, 900)
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelectorAll("table.heatmap tr").length > 5 && [...document.querySelectorAll("table.heatmap td")].some((td) => td.style.background !== "")`,
		chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("no heat-map table: %v", err)
	}
	saveScreenshot(t, step, "retention-triangle.png")
}

// TestAudienceInBrowser: a list question shows the count first, the first
// rows with labels, and export links that download the whole list.
func TestAudienceInBrowser(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	step := openBrowser(t, ts.URL+"/?lang=zh&q="+"列出近90天没有购买的黄金会员", 1300, 900)
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelector(".list-total") !== null && document.querySelector(".list-total").textContent.includes("位会员")
		&& document.querySelectorAll(".msg.bot table.result tbody tr").length === 20 && document.querySelector(".msg.bot table.result").textContent.includes("黄金会员")
		&& document.querySelector("a.export.xlsx") !== null`,
		chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("no list shown: %v", err)
	}
	got, err := chromedp.Run(step, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.querySelector("a.export.csv").href);
		const text = await r.text();
		return r.status + " " + r.headers.get("X-Wenshu-Total") + " " + text.split("\n").length + " " + text.slice(0, 4);
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var status, total, lines int
	var head string
	fmt.Sscanf(got, "%d %d %d %s", &status, &total, &lines, &head)
	if status != 200 || total <= 20 || lines != total+2 || head != "会员ID" {
		t.Errorf("the CSV link: %q (want 200, the list's length, a header and a row per member)", got)
	}
	saveScreenshot(t, step, "audience.png")
}

// TestUploadInBrowser: an admin picks a CSV on the page, sees the import,
// the first answers and the drafted model, keeps it, and asks about it.
func TestUploadInBrowser(t *testing.T) {
	opts := webOptions()
	opts.UploadDir = t.TempDir()
	ts := newTestServer(t, "", 0, opts)
	var csv strings.Builder
	csv.WriteString("order_id,region,sold_at,amount\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&csv, "%d,%s,2024-%02d-10 10:00:00,%d.5\n", i, []string{"North", "South"}[i%2], 1+i%12, 10+i%9)
	}
	file := filepath.Join(t.TempDir(), "shop.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	step := openBrowser(t, ts.URL+"/?lang=zh", 1300, 900)
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.body.dataset.ready === "1" && !document.querySelector("#open-upload").classList.contains("hidden")`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("no upload button for the admin: %v", err)
	}
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS("#open-upload"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(step, chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{file})); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelectorAll(".upload-preview").length > 0 && document.querySelector("#upload-result").textContent.includes("300")
		&& document.querySelector("button.keep") !== null`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("no import report and preview: %v", err)
	}
	saveScreenshot(t, step, "upload.png")
	if err := chromedp.Do(step, chromedp.Click(chromedp.CSS("button.keep"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(step, chromedp.Poll[bool](`document.querySelector(".kept") !== null`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("not kept: %v", err)
	}
	code, ans := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"各region的销售额"}`)
	if rows, _ := ans["rows"].([]any); code != 200 || len(rows) != 2 {
		t.Errorf("after keeping, 各region的销售额: %d %v", code, ans)
	}
}
