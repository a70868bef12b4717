package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"time"

	"github.com/seatmap/seatmap/outbox"
)

// TLS policies of an SMTPSender.
const (
	// TLSOpportunistic upgrades with STARTTLS when the server offers it, and
	// sends in the clear to a server that does not (a local relay). Credentials
	// are never sent in the clear except to localhost.
	TLSOpportunistic = ""
	// TLSStartTLS refuses a server that does not offer STARTTLS.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, usually port 465).
	TLSImplicit = "tls"
)

// SMTPSender sends each message over its own SMTP connection. Its zero
// fields have working defaults except Addr and From. Safe for concurrent use.
type SMTPSender struct {
	Addr string // host:port of the mail server, e.g. smtp.example.com:587
	// From is the sender, "tickets@example.com" or "Stadttheater
	// <tickets@example.com>", used for the From header and MAIL FROM.
	From string
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set; only over TLS, or to a server on localhost.
	Username string
	Password string
	HostName string // the EHLO name; empty: "localhost"
	// TLS is a policy above; empty is TLSOpportunistic, except that port 465
	// means TLSImplicit.
	TLS string
	// TLSConfig verifies the server; nil: the system's roots for the host of
	// Addr. Tests set their own roots here.
	TLSConfig *tls.Config
}

// String names the server, never the password, so that a sender that ends
// up in a log or an error shows no secret.
func (s *SMTPSender) String() string {
	if s.Username != "" {
		return "smtp://" + s.Username + "@" + s.Addr
	}
	return "smtp://" + s.Addr
}

// LogValue is String, for log/slog.
func (s *SMTPSender) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Check reports settings that cannot work, before anything is sent.
func (s *SMTPSender) Check() error {
	if _, err := parseFrom(s.From); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return fmt.Errorf("smtp address %q: %w", s.Addr, err)
	}
	switch s.TLS {
	case TLSOpportunistic, TLSStartTLS, TLSImplicit:
	default:
		return fmt.Errorf("smtp tls %q: want %q, %q or empty", s.TLS, TLSStartTLS, TLSImplicit)
	}
	return nil
}

func (s *SMTPSender) policy() string {
	if s.TLS == TLSOpportunistic {
		if _, port, _ := net.SplitHostPort(s.Addr); port == "465" {
			return TLSImplicit
		}
	}
	return s.TLS
}

func (s *SMTPSender) tlsConfig(host string) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		c = s.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	return c
}

// Send delivers m. It returns nil once the server has accepted the message
// (replied to the end of DATA), whatever happens after.
func (s *SMTPSender) Send(ctx context.Context, m outbox.Message) error {
	if err := s.Check(); err != nil {
		return err
	}
	from, _ := parseFrom(s.From)
	env, err := compose(from, m)
	if err != nil {
		return err
	}
	if err := s.send(ctx, env); err != nil {
		if cerr := ctxErr(ctx); cerr != nil {
			err = fmt.Errorf("%w (%w)", cerr, err)
		}
		return fmt.Errorf("send message %s via %s: %w", m.ID, s.Addr, err)
	}
	return nil
}

// ctxErr is ctx's error, counting a deadline as passed as soon as it has:
// the connection's deadline, set from it, may fire before ctx's own timer.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

func (s *SMTPSender) send(ctx context.Context, env envelope) error {
	host, _, _ := net.SplitHostPort(s.Addr)
	policy := s.policy()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	// net/smtp knows no context: the deadline bounds every read and write,
	// and cancelling closes the connection under it.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	raw := conn
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	if policy == TLSImplicit {
		conn = tls.Client(conn, s.tlsConfig(host))
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	name := s.HostName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		return err
	}
	if policy != TLSImplicit {
		ok, _ := c.Extension("STARTTLS")
		switch {
		case ok:
			if err := c.StartTLS(s.tlsConfig(host)); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		case policy == TLSStartTLS:
			return errors.New("the server does not offer STARTTLS")
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer AUTH")
		}
		// PlainAuth itself refuses to send the password unencrypted to
		// anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("auth as %s: %w", s.Username, err)
		}
	}
	if err := c.Mail(env.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := c.Rcpt(env.to); err != nil {
		return fmt.Errorf("rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(env.data); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	// Accepted: a failed QUIT changes nothing about that.
	_ = c.Quit()
	return nil
}
