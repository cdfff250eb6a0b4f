package push

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// SMTP is the mail server reports go out through (the operator's:
// WENSHU_SMTP_ADDR, WENSHU_SMTP_FROM, WENSHU_SMTP_USER, WENSHU_SMTP_PASSWORD).
type SMTP struct {
	Addr, From, User, Password string
}

// ParseRecipients reads an email channel's "to": comma-separated addresses.
func ParseRecipients(to string) ([]string, error) {
	list, err := mail.ParseAddressList(strings.ReplaceAll(to, "，", ","))
	if err != nil || len(list) == 0 {
		return nil, fmt.Errorf("%w: email needs \"to\" addresses: %q", ErrPermanent, to)
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out, nil
}

var emailTemplate = template.Must(template.New("mail").Parse(`<!doctype html><html><body style="font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;color:#1f2937">
<h2 style="margin:0 0 8px">{{.Title}}</h2>
{{if .Reading}}<p style="color:#6b7280;margin:0 0 12px">{{.Reading}}</p>{{end}}
{{if .Lines}}<ul>{{range .Lines}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Narrative}}<p>{{.Narrative}}</p>{{end}}
{{if .HasChart}}<p><img src="cid:chart" alt="{{.Title}}" style="max-width:100%"></p>{{end}}
{{if .Link}}<p><a href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
</body></html>`))

// EmailMessage is the report as an HTML email (RFC 5322, UTF-8 subject);
// a chart goes inline (multipart/related, referenced as cid:chart).
func EmailMessage(r Report, from string, to []string, now time.Time) ([]byte, error) {
	var body bytes.Buffer
	r.LinkText = r.LinkTextOr()
	if err := emailTemplate.Execute(&body, struct {
		Report
		HasChart bool
	}{r, len(r.Chart) > 0}); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\n",
		from, strings.Join(to, ", "), mime.QEncoding.Encode("UTF-8", r.Title), now.Format(time.RFC1123Z))
	if len(r.Chart) == 0 {
		b.WriteString("Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.Write(body.Bytes())
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	fmt.Fprintf(&b, "Content-Type: multipart/related; boundary=%s\r\n\r\n", mw.Boundary())
	html, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/html; charset=UTF-8"}, "Content-Transfer-Encoding": {"8bit"}})
	if err != nil {
		return nil, err
	}
	html.Write(body.Bytes())
	img, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"image/png"}, "Content-Transfer-Encoding": {"base64"},
		"Content-ID": {"<chart>"}, "Content-Disposition": {`inline; filename="chart.png"`}})
	if err != nil {
		return nil, err
	}
	enc := base64.StdEncoding.EncodeToString(r.Chart)
	for len(enc) > 76 {
		img.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	img.Write([]byte(enc + "\r\n"))
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// sendEmail sends the report through the configured SMTP server.
func (s *Sender) sendEmail(ctx context.Context, ch Channel, r Report) (int, error) {
	if s.SMTP == nil || s.SMTP.Addr == "" || s.SMTP.From == "" {
		return 0, fmt.Errorf("%w: no SMTP server is configured (WENSHU_SMTP_ADDR, WENSHU_SMTP_FROM)", ErrPermanent)
	}
	to, err := ParseRecipients(ch.To)
	if err != nil {
		return 0, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg, err := EmailMessage(r, s.SMTP.From, to, now())
	if err != nil {
		return 0, err
	}
	if err := s.smtpSend(ctx, to, msg); err != nil {
		return 1, err
	}
	return 1, nil
}

// smtpSend delivers one message within ctx's deadline (60 s at most).
func (s *Sender) smtpSend(ctx context.Context, to []string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.SMTP.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.SMTP.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if s.SMTP.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.SMTP.User, s.SMTP.Password, host)); err != nil {
			return fmt.Errorf("%w: SMTP authentication: %v", ErrPermanent, err)
		}
	}
	if err := c.Mail(s.SMTP.From); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("%w: recipient %s: %v", ErrPermanent, r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
