package mail

import (
	"io"
	"log/slog"
	"mime"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"proact/models"
	"proact/models/modelstest"
)

// smtpEnvelope is one message as a test SMTP server received it.
type smtpEnvelope struct {
	From string
	To   []string
	Data string // after DATA, dot-stuffing undone, lines ending in \n
}

// startSMTP runs a minimal SMTP server on 127.0.0.1 (EHLO/HELO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT; no TLS, no authentication) and returns its address
// and the messages it receives.
func startSMTP(t *testing.T) (string, <-chan smtpEnvelope) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	got := make(chan smtpEnvelope, 10)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTP(conn, got)
		}
	}()
	return ln.Addr().String(), got
}

func serveSMTP(conn net.Conn, got chan<- smtpEnvelope) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	_ = tp.PrintfLine("220 test.invalid ESMTP ready")
	var env smtpEnvelope
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			_ = tp.PrintfLine("250-test.invalid greets %s", arg)
			_ = tp.PrintfLine("250 8BITMIME")
		case "HELO":
			_ = tp.PrintfLine("250 test.invalid")
		case "MAIL":
			env = smtpEnvelope{From: addrOf(arg)}
			_ = tp.PrintfLine("250 OK")
		case "RCPT":
			env.To = append(env.To, addrOf(arg))
			_ = tp.PrintfLine("250 OK")
		case "DATA":
			_ = tp.PrintfLine("354 end with <CRLF>.<CRLF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			env.Data = string(data)
			got <- env
			_ = tp.PrintfLine("250 OK queued")
		case "RSET", "NOOP":
			_ = tp.PrintfLine("250 OK")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 not implemented")
		}
	}
}

// addrOf takes the address out of "FROM:<a@b> BODY=8BITMIME".
func addrOf(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestSMTPSenderDeliversTheOutbox(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		addr, got := startSMTP(t)
		body := "Bună ziua, Ștefan,\n\n.a line that starts with a dot\nLink: https://portal.example.org/invitation/ABC\n-- \nPRO-ACT"
		m := &models.Mail{ToAddr: "stefan@example.ro", Subject: "Invitație: rețeaua PRO-ACT, ș ț", Body: body, Kind: "invitation", Language: "ro"}
		if err := store.QueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		s := &Sender{Store: store, URL: "smtp://" + addr, From: "noreply@portal.example.org", Log: quietLog()}
		if err := s.SendPending(ctx); err != nil {
			t.Fatal(err)
		}
		var env smtpEnvelope
		select {
		case env = <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("the SMTP server received nothing")
		}
		if env.From != s.From || len(env.To) != 1 || env.To[0] != m.ToAddr {
			t.Errorf("envelope from %q to %v", env.From, env.To)
		}
		msg, err := netmail.ReadMessage(strings.NewReader(env.Data))
		if err != nil {
			t.Fatalf("the message does not parse: %v\n%s", err, env.Data)
		}
		raw := msg.Header.Get("Subject")
		subject, err := new(mime.WordDecoder).DecodeHeader(raw)
		if err != nil || subject != m.Subject || !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?") {
			t.Errorf("subject %q decodes to %q (%v), want the encoded %q", raw, subject, err, m.Subject)
		}
		for k, want := range map[string]string{
			"From": s.From, "To": m.ToAddr, "Content-Type": "text/plain; charset=utf-8",
			"Content-Language": "ro", "Mime-Version": "1.0",
		} {
			if v := msg.Header.Get(k); v != want {
				t.Errorf("header %s: %q, want %q", k, v, want)
			}
		}
		if msg.Header.Get("Message-Id") == "" || msg.Header.Get("Date") == "" {
			t.Error("no Message-ID or Date header")
		}
		gotBody, _ := io.ReadAll(msg.Body)
		if string(gotBody) != body+"\n" {
			t.Errorf("body changed on the way:\n%q\nwant\n%q", gotBody, body+"\n")
		}
		sent, err := store.MailByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sent.SentAt == nil || sent.Attempts != 1 || sent.LastError != "" {
			t.Errorf("after delivery: sent %v, attempts %d, error %q", sent.SentAt, sent.Attempts, sent.LastError)
		}
		// Delivered mail is not sent twice.
		if err := s.SendPending(ctx); err != nil {
			t.Fatal(err)
		}
		// SendPending waits for the server's answer to DATA, which comes after
		// the server has passed the message on: no waiting needed.
		select {
		case <-got:
			t.Error("a delivered message was sent again")
		default:
		}
	})
}

func TestSMTPFailureKeepsTheMailUnsent(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		ctx := t.Context()
		// A port nobody listens on: the connection is refused.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		m := &models.Mail{ToAddr: "ana@example.ro", Subject: "Resetare parolă", Body: "Link", Kind: "reset", Language: "ro"}
		if err := store.QueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		s := &Sender{Store: store, URL: "smtp://" + addr, From: "noreply@portal.example.org", Log: quietLog()}
		if err := s.SendPending(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := store.MailByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.SentAt != nil || after.Attempts != 1 || !strings.Contains(after.LastError, "unable to connect") {
			t.Errorf("after a refused connection: sent %v, attempts %d, error %q", after.SentAt, after.Attempts, after.LastError)
		}
		if n, _ := store.CountUnsentMail(ctx); n != 1 {
			t.Errorf("%d unsent messages, want 1", n)
		}
	})
}
