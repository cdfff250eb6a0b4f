package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func uploadFile(t *testing.T, url, token, name string, data []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", name)
	part.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", url+"/api/v1/uploads", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// TestUploadOnThePage: an admin uploads a file, sees its import report, the
// drafted model and first answers, and keeps it: the server then answers
// from that data. Bad names, endings and sizes are refused; only admins upload.
func TestUploadOnThePage(t *testing.T) {
	opts := webOptions()
	opts.UploadDir = t.TempDir()
	opts.MaxUploadBytes = 1 << 20
	ts := newTestServer(t, "", 0, opts)
	_, res := doJSON(t, "POST", ts.URL+"/api/v1/users", `{"name":"root","role":"admin"}`)
	root := res["token"].(string)
	_, res = doJSON(t, "POST", ts.URL+"/api/v1/users", `{"name":"hq","role":"hq"}`, "Authorization", "Bearer "+root)
	hq := res["token"].(string)

	var csv strings.Builder
	csv.WriteString("order_id,customer_id,region,sold_at,amount\n")
	var total float64
	byRegion := map[string]float64{}
	for i := 0; i < 600; i++ {
		region := []string{"North", "South", "West"}[i%3]
		amount := float64(10+i%17) + 0.5
		total += amount
		byRegion[region] += amount
		fmt.Fprintf(&csv, "%d,%d,%s,2024-%02d-%02d 10:00:00,%.2f\n", i/2, i%40, region, 1+i%12, 1+i%28, amount)
	}
	data := []byte(csv.String())

	if code, _ := uploadFile(t, ts.URL, hq, "shop.csv", data); code != 403 {
		t.Errorf("a non-admin upload: %d", code)
	}
	if code, res := uploadFile(t, ts.URL, root, "shop.exe", data); code != 400 {
		t.Errorf("an .exe upload: %d %v", code, res)
	}
	if code, _ := uploadFile(t, ts.URL, root, "big.csv", bytes.Repeat([]byte("a,b\n1,2\n"), 200_000)); code != 413 {
		t.Errorf("an upload over the bound: %d", code)
	}
	code, up := uploadFile(t, ts.URL, root, "../../shop sales.csv", data)
	if code != 201 {
		t.Fatalf("upload: %d %v", code, up)
	}
	report := up["report"].(map[string]any)
	if report["table"] != "shop_sales" || report["rows"] != 600.0 {
		t.Errorf("report %v", report)
	}
	if !strings.Contains(fmt.Sprint(up["model"]), "agg: sum") || len(up["preview"].([]any)) == 0 {
		t.Errorf("no drafted model or preview: %v", up)
	}
	first := up["preview"].([]any)[0].(map[string]any)
	if rows, _ := first["rows"].([]any); len(rows) != 1 || fmt.Sprintf("%.2f", rows[0].([]any)[0]) != fmt.Sprintf("%.2f", total) {
		t.Errorf("the first preview %v does not give the total %.2f", first, total)
	}
	// The name "../../shop sales.csv" was reduced to its base, safe characters only,
	// and nothing landed outside the upload directory.
	if up["file"] != "shop_sales.csv" {
		t.Errorf("stored name %v, want shop_sales.csv", up["file"])
	}
	for _, dir := range []string{filepath.Dir(opts.UploadDir), filepath.Dir(filepath.Dir(opts.UploadDir))} {
		for _, name := range []string{"shop sales.csv", "shop_sales.csv"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				t.Errorf("the upload was written outside its directory: %s", filepath.Join(dir, name))
			}
		}
	}
	// Keep it: the server now answers from the uploaded data.
	id := fmt.Sprint(up["id"])
	code, kept := doJSON(t, "POST", ts.URL+"/api/v1/uploads/"+id+"/keep", "", "Authorization", "Bearer "+root)
	if code != 200 || !strings.Contains(fmt_(kept["warnings"]), "user hq has role hq") {
		t.Fatalf("keep: %d %v (want a warning that hq's role is not in the drafted model)", code, kept)
	}
	code, ans := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"各region的销售额"}`, "Authorization", "Bearer "+root)
	rows, _ := ans["rows"].([]any)
	if code != 200 || len(rows) != 3 {
		t.Fatalf("ask after keep: %d %v", code, ans)
	}
	for _, r := range rows {
		row := r.([]any)
		if got, want := row[1].(float64), byRegion[row[0].(string)]; fmt.Sprintf("%.2f", got) != fmt.Sprintf("%.2f", want) {
			t.Errorf("sales of %v = %.2f, want %.2f", row[0], got, want)
		}
	}
	if code, _ := doJSON(t, "POST", ts.URL+"/api/v1/uploads/"+id+"/keep", "", "Authorization", "Bearer "+root); code != 404 {
		t.Errorf("keeping an upload twice: %d", code)
	}
	// A reload now reads the kept model.
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/model/reload", "", "Authorization", "Bearer "+root); code != 200 || res["name"] != "shop_sales" {
		t.Errorf("reload after keep: %d %v", code, res)
	}
	// Discard removes the files.
	code, up2 := uploadFile(t, ts.URL, root, "second.csv", data)
	if code != 201 {
		t.Fatal(code)
	}
	if code, _ := doJSON(t, "DELETE", ts.URL+"/api/v1/uploads/"+fmt.Sprint(up2["id"]), "", "Authorization", "Bearer "+root); code != 204 {
		t.Errorf("discard: %d", code)
	}
	if _, err := os.Stat(filepath.Join(opts.UploadDir, fmt.Sprint(up2["id"]))); !os.IsNotExist(err) {
		t.Errorf("the discarded upload's files remain: %v", err)
	}
}
