package im

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Client calls a platform's JSON API: retries with backoff what may pass
// later (network errors, HTTP 429 and 5xx), nothing else; the platform's
// own error codes are the adapter's to read.
type Client struct {
	HTTP *http.Client
	// Retries after the first attempt (default 2) and the backoff floor.
	Retries int
	WaitMin time.Duration
}

func (c *Client) retryable() *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	if c.HTTP != nil {
		rc.HTTPClient = c.HTTP
	} else {
		rc.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	rc.RetryMax = c.Retries
	if rc.RetryMax == 0 {
		rc.RetryMax = 2
	}
	rc.RetryWaitMin, rc.RetryWaitMax = c.WaitMin, 5*time.Second
	if rc.RetryWaitMin == 0 {
		rc.RetryWaitMin = 300 * time.Millisecond
	}
	rc.Logger = nil
	return rc
}

// Do sends body (nil for none) with the headers and decodes a JSON answer
// into out (when not nil). An HTTP status of 300 or more is an error.
func (c *Client) Do(ctx context.Context, method, url string, header http.Header, contentType string, body []byte, out any) error {
	var rd any
	if body != nil {
		rd = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.retryable().Do(req)
	if err != nil {
		// The client's message names the URL, access token included.
		msg := strings.ReplaceAll(err.Error(), url, redact(url))
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s %s: %w", method, redact(url), ctxErr)
		}
		return fmt.Errorf("%s %s: %s", method, redact(url), msg)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, redact(url), err)
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d: %.200s", method, redact(url), resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: malformed answer: %w", method, redact(url), err)
		}
	}
	return nil
}

// JSON posts in as JSON and decodes the answer into out.
func (c *Client) JSON(ctx context.Context, url string, header http.Header, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodPost, url, header, "application/json; charset=utf-8", body, out)
}

// Upload posts a multipart form: fields, then one file.
func (c *Client) Upload(ctx context.Context, url string, header http.Header, fields map[string]string, fileField, fileName string, data []byte, out any) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err != nil {
		return err
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		return err
	}
	return c.Do(ctx, http.MethodPost, url, header, mw.FormDataContentType(), buf.Bytes(), out)
}

// redact drops the query (access tokens travel there) from a URL for errors.
func redact(url string) string {
	base, _, _ := strings.Cut(url, "?")
	return base
}

// Token is an access token fetched when first needed and kept until
// shortly before it expires (the platforms limit how often one may be
// fetched: Feishu and WeCom tokens last two hours).
type Token struct {
	// Fetch gets a new token and how long it lasts.
	Fetch func(ctx context.Context) (string, time.Duration, error)
	Now   func() time.Time

	mu      sync.Mutex
	value   string
	expires time.Time
}

// Get returns a valid token, fetching one when there is none or it is
// about to expire (five minutes before, or at half-life for short ones).
func (t *Token) Get(ctx context.Context) (string, error) {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.value != "" && now().Before(t.expires) {
		return t.value, nil
	}
	v, ttl, err := t.Fetch(ctx)
	if err != nil {
		return "", fmt.Errorf("access token: %w", err)
	}
	margin := min(5*time.Minute, ttl/2)
	t.value, t.expires = v, now().Add(ttl-margin)
	return v, nil
}

// Reset forgets the token (the platform said it is no longer valid).
func (t *Token) Reset() {
	t.mu.Lock()
	t.value = ""
	t.mu.Unlock()
}
