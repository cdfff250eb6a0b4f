package push

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
)

// fakeSMTP is an in-process SMTP server on loopback: it accepts one
// message and hands back the envelope and the data.
func fakeSMTP(t *testing.T) (addr string, got chan [3]string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan [3]string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		say := func(s string) { conn.Write([]byte(s + "\r\n")) }
		say("220 fake ESMTP")
		var from, to []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 fake")
			case strings.HasPrefix(cmd, "MAIL FROM:"):
				from = append(from, strings.TrimSpace(line[10:]))
				say("250 ok")
			case strings.HasPrefix(cmd, "RCPT TO:"):
				to = append(to, strings.TrimSpace(line[8:]))
				say("250 ok")
			case cmd == "DATA":
				say("354 go on")
				var data strings.Builder
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == ".\r\n" {
						break
					}
					data.WriteString(l)
				}
				got <- [3]string{strings.Join(from, ","), strings.Join(to, ","), data.String()}
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				return
			default:
				say("502 unknown")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSendEmail(t *testing.T) {
	addr, got := fakeSMTP(t)
	s := testSender(t)
	s.SMTP = &SMTP{Addr: addr, From: "wenshu@example.com"}
	r := report
	r.Narrative = "门店最高 <b>not bold</b>"
	if _, err := s.Send(context.Background(), Channel{Type: ChannelEmail, To: "li@example.com，wang@example.com"}, r); err != nil {
		t.Fatal(err)
	}
	m := <-got
	if m[0] != "<wenshu@example.com>" || m[1] != "<li@example.com>,<wang@example.com>" {
		t.Errorf("envelope from %s to %s", m[0], m[1])
	}
	msg, err := mail.ReadMessage(strings.NewReader(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	mediaType, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if subject != report.Title || mediaType != "multipart/related" {
		t.Errorf("subject %q, type %q", subject, mediaType)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	html, err := parts.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(html)
	if !strings.Contains(string(body), "门店 ¥1,280.0万") || !strings.Contains(string(body), "&lt;b&gt;not bold&lt;/b&gt;") ||
		!strings.Contains(string(body), "https://bi.example.com/?q=") || !strings.Contains(string(body), `src="cid:chart"`) {
		t.Errorf("html %s", body)
	}
	img, err := parts.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, img))
	if img.Header.Get("Content-ID") != "<chart>" || string(raw) != string(report.Chart) {
		t.Errorf("inline image %v %q", img.Header, raw)
	}
	if _, err := s.Send(context.Background(), Channel{Type: ChannelEmail, To: "not an address"}, r); !errors.Is(err, ErrPermanent) {
		t.Errorf("a bad address: %v", err)
	}
	s.SMTP = nil
	if _, err := s.Send(context.Background(), Channel{Type: ChannelEmail, To: "li@example.com"}, r); !errors.Is(err, ErrPermanent) {
		t.Errorf("no SMTP server: %v", err)
	}
}
