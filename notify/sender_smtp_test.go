package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSMTPSenderDelivers(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, smtpOptions{})
	s := &SMTPSender{Addr: srv.Addr, From: testFrom.String()}
	m := testMessage()
	require.NoError(t, s.Send(context.Background(), m))
	got := srv.messages()
	require.Len(t, got, 1)
	require.Equal(t, "tickets@example.com", got[0].From)
	require.Equal(t, "ada@example.com", got[0].To)
	require.False(t, got[0].TLS, "the server offers no STARTTLS")
	h, body := readMail(t, got[0].Data)
	requireHeaders(t, h, m, testFrom)
	require.Equal(t, crlf(m.Body), body, "dot-stuffing and quoted-printable undone, the lone dot line kept")
}

func TestSMTPSenderStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, smtpOptions{tls: true, user: "seatd", password: "s3cret pässword"})
	s := &SMTPSender{Addr: srv.Addr, From: "tickets@example.com", Username: "seatd", Password: "s3cret pässword",
		HostName: "seatd.example.com", TLS: TLSStartTLS, TLSConfig: &tls.Config{RootCAs: srv.Roots}}
	require.NoError(t, s.Send(context.Background(), testMessage()))
	got := srv.messages()
	require.Len(t, got, 1)
	require.True(t, got[0].TLS, "upgraded with STARTTLS")
	require.Equal(t, "seatd", got[0].User)

	wrong := *s
	wrong.Password = "nope"
	err := wrong.Send(context.Background(), testMessage())
	require.ErrorContains(t, err, "auth as seatd")
	require.NotContains(t, err.Error(), "nope", "no password in errors")

	untrusted := *s
	untrusted.TLSConfig = nil
	require.ErrorContains(t, untrusted.Send(context.Background(), testMessage()), "starttls", "the certificate is checked")
	require.Len(t, srv.messages(), 1)
}

func TestSMTPSenderRequiredTLSNotOffered(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, smtpOptions{})
	s := &SMTPSender{Addr: srv.Addr, From: "tickets@example.com", TLS: TLSStartTLS}
	require.ErrorContains(t, s.Send(context.Background(), testMessage()), "does not offer STARTTLS")
	require.Empty(t, srv.messages())
}

func TestSMTPSenderReportsRefusal(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, smtpOptions{failData: 1})
	s := &SMTPSender{Addr: srv.Addr, From: "tickets@example.com"}
	err := s.Send(context.Background(), testMessage())
	require.ErrorContains(t, err, "451")
	require.ErrorContains(t, err, "msg-7f3k")
	require.NoError(t, s.Send(context.Background(), testMessage()))
	require.Len(t, srv.messages(), 1)
}

// TestSMTPSenderGivesUpOnASilentServer: a server that accepts the
// connection and never greets does not hold a send past its deadline.
func TestSMTPSenderGivesUpOnASilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range accepted {
			c.Close()
		}
	})
	s := &SMTPSender{Addr: ln.Addr().String(), From: "tickets@example.com"}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = s.Send(ctx, testMessage())
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestSMTPSenderSettings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		s    SMTPSender
		want string
	}{
		{"no port", SMTPSender{Addr: "smtp.example.com", From: "a@example.com"}, "smtp address"},
		{"bad from", SMTPSender{Addr: "smtp.example.com:587", From: "not an address"}, "sender address"},
		{"bad tls", SMTPSender{Addr: "smtp.example.com:587", From: "a@example.com", TLS: "maybe"}, "smtp tls"},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.ErrorContains(t, c.s.Check(), c.want)
		})
	}
	s := &SMTPSender{Addr: "smtp.example.com:465", From: "a@example.com", Username: "u", Password: "hunter2"}
	require.NoError(t, s.Check())
	require.Equal(t, TLSImplicit, s.policy(), "port 465 speaks TLS at once")
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "sender", s)
	require.NotContains(t, b.String()+fmt.Sprint(s)+fmt.Sprintf("%v", s), "hunter2")
	require.Contains(t, b.String(), "smtp://u@smtp.example.com:465")
}

// TestSMTPImplicitTLS: SMTPS, TLS from the first byte.
func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	cert, roots := selfSigned(t)
	srv := startSMTPOn(t, smtpOptions{}, func(ln net.Listener) net.Listener {
		return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	})
	s := &SMTPSender{Addr: srv.Addr, From: "tickets@example.com", TLS: TLSImplicit, TLSConfig: &tls.Config{RootCAs: roots}}
	require.NoError(t, s.Send(context.Background(), testMessage()))
	got := srv.messages()
	require.Len(t, got, 1)
	require.True(t, got[0].TLS)
}
