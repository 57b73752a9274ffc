package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"proact/app/config"
	"proact/models"
)

// Sender delivers the outbox through an SMTP server.
type Sender struct {
	Store *models.Store
	URL   string // smtp://user:pass@host:587 (STARTTLS) or smtps://...:465 (TLS)
	From  string
	Log   *slog.Logger
}

// NewSender delivers store's outbox through the SMTP server of cfg.
func NewSender(store *models.Store, cfg config.Config, log *slog.Logger) *Sender {
	return &Sender{Store: store, URL: cfg.SMTPURL, From: From(cfg), Log: log}
}

// Run delivers waiting messages every few seconds until ctx ends. A message
// that fails five times stays in the outbox with its last error.
func (s *Sender) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.SendPending(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("mail delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maxAttempts is how often a message is tried before it is left in the
// outbox with its last error.
const maxAttempts = 5

// SendPending delivers every waiting message once, 50 at a time, in the
// order they were queued.
func (s *Sender) SendPending(ctx context.Context) error {
	o := models.ListOptions{PerPage: 50}
	for {
		list, err := s.Store.UnsentMail(ctx, maxAttempts, o)
		if err != nil {
			return err
		}
		for i := range list {
			sendErr := s.Send(&list[i])
			if sendErr != nil {
				s.Log.Warn("mail not delivered", "mail", list[i].ID, "err", sendErr)
			}
			if err := s.Store.MarkMail(ctx, list[i].ID, sendErr); err != nil {
				return err
			}
		}
		if len(list) < o.PerPage || ctx.Err() != nil {
			return ctx.Err()
		}
		o.After = uint64(list[len(list)-1].ID)
	}
}

// Send delivers one message.
func (s *Sender) Send(m *models.Mail) error {
	u, err := url.Parse(s.URL)
	if err != nil {
		return fmt.Errorf("mail: bad SMTP URL: %w", err)
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"smtps": "465"}[u.Scheme]
		if port == "" {
			port = "587"
		}
	}
	addr := net.JoinHostPort(host, port)
	var conn net.Conn
	dialer := &net.Dialer{Timeout: 15 * time.Second}
	if u.Scheme == "smtps" {
		conn, err = tls.DialWithDialer(dialer, "tcp", addr, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
	} else {
		conn, err = dialer.Dial("tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: unable to connect to %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && u.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("mail: STARTTLS: %w", err)
		}
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		// net/smtp refuses PLAIN over an unencrypted connection to another host.
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), pass, host)); err != nil {
			return fmt.Errorf("mail: authentication: %w", err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.ToAddr); err != nil {
		return fmt.Errorf("mail: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(encode(s.From, m)); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return c.Quit()
}

// encode writes an RFC 5322 message: UTF-8 plain text, encoded headers.
func encode(from string, m *models.Mail) []byte {
	domain := "proact.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok {
			domain = d
		}
	}
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from)
	header("To", m.ToAddr)
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", m.CreatedAt.Format(time.RFC1123Z))
	header("Message-ID", "<"+strings.ToLower(rand.Text())+"@"+domain+">")
	header("Content-Language", m.Language)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "8bit")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(m.Body, "\r\n", "\n")
	for _, line := range strings.Split(body, "\n") {
		b.WriteString(line + "\r\n") // net/smtp's DATA writer does the dot-stuffing
	}
	return []byte(b.String())
}

// From is the sender address: the SMTP user when it is an address, else
// noreply at the portal's host.
func From(cfg config.Config) string {
	if u, err := url.Parse(cfg.SMTPURL); err == nil && u.User != nil && strings.Contains(u.User.Username(), "@") {
		return u.User.Username()
	}
	host := "localhost"
	if u, err := url.Parse(cfg.SiteURL()); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "noreply@" + host
}
