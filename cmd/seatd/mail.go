package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/seatmap/seatmap/notify"
	"github.com/seatmap/seatmap/outbox"
	"github.com/seatmap/seatmap/store/backend"
)

// passwordEnv holds the SMTP password: the environment, unlike a flag, is
// not shown to every user of the machine by ps.
const passwordEnv = "SEATMAP_SMTP_PASSWORD"

// mailConfig says where the outbox's e-mails go: a mail server, or .eml
// files in a directory when none is set.
type mailConfig struct {
	smtpAddr     string
	smtpFrom     string
	smtpUser     string
	smtpPassword string // never logged
	outboxDir    string
	rate         float64 // e-mails a second at most
}

func (m *mailConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&m.smtpAddr, "smtp-addr", getenv("SEATD_SMTP_ADDR"), "mail server host:port for e-mails to buyers (STARTTLS when offered; port 465: TLS); empty writes them as .eml files to -outbox-dir (SEATD_SMTP_ADDR)")
	fs.StringVar(&m.smtpFrom, "smtp-from", getenv("SEATD_SMTP_FROM"), `sender of e-mails, e.g. "Stadttheater <tickets@example.com>"; needed with -smtp-addr (SEATD_SMTP_FROM)`)
	fs.StringVar(&m.smtpUser, "smtp-user", getenv("SEATD_SMTP_USER"), "user name for AUTH PLAIN at the mail server; empty: no AUTH (SEATD_SMTP_USER)")
	// No default from the environment: -h would print it.
	fs.StringVar(&m.smtpPassword, "smtp-password", "", "password for -smtp-user; better set "+passwordEnv+", as flags show in the process list")
	fs.Float64Var(&m.rate, "mail-rate", notify.DefaultRate, "most e-mails sent a second; an on-sale's confirmations trail behind it rather than take CPU from it")
	fs.StringVar(&m.outboxDir, "outbox-dir", getenv("SEATD_OUTBOX_DIR"), "directory for e-mails as .eml files when -smtp-addr is empty (default <-data>/outbox) (SEATD_OUTBOX_DIR)")
}

// resolve fills in defaults once the flags are parsed and checks them.
func (m *mailConfig) resolve(data string, getenv func(string) string) error {
	if m.rate < 1 || m.rate > 100_000 {
		return errors.New("-mail-rate must be between 1 and 100,000 e-mails a second")
	}
	if m.smtpPassword == "" {
		m.smtpPassword = getenv(passwordEnv)
	}
	if m.smtpAddr == "" {
		if m.smtpUser != "" {
			return errors.New("-smtp-user needs -smtp-addr")
		}
		if m.outboxDir == "" {
			m.outboxDir = filepath.Join(data, "outbox")
		}
		return nil
	}
	if m.outboxDir != "" {
		return errors.New("-outbox-dir is for when there is no -smtp-addr; set one of them")
	}
	if m.smtpFrom == "" {
		return errors.New("-smtp-addr needs -smtp-from")
	}
	if m.smtpUser != "" && m.smtpPassword == "" {
		return fmt.Errorf("-smtp-user needs a password (%s or -smtp-password)", passwordEnv)
	}
	if err := m.smtp().Check(); err != nil {
		return fmt.Errorf("-smtp-*: %w", err)
	}
	return nil
}

func (m *mailConfig) smtp() *notify.SMTPSender {
	s := &notify.SMTPSender{Addr: m.smtpAddr, From: m.smtpFrom, Username: m.smtpUser, Password: m.smtpPassword}
	if h, err := os.Hostname(); err == nil {
		s.HostName = h
	}
	return s
}

// startMail runs the outbox's dispatcher on st until ctx ends or the
// returned stop is called.
func startMail(ctx context.Context, m mailConfig, st backend.Store, render func(context.Context, outbox.Message) (outbox.Message, error), log *slog.Logger) (stop func(), err error) {
	var sender notify.Sender
	var to string
	if m.smtpAddr != "" {
		s := m.smtp()
		sender, to = s, s.String()
	} else {
		sender, to = &notify.DirSender{Dir: m.outboxDir, From: m.smtpFrom}, m.outboxDir
	}
	d := &notify.Dispatcher{Store: st, Sender: sender, Logger: log.With("part", "outbox"), Rate: m.rate, Render: render}
	if err := d.Start(ctx); err != nil {
		return nil, err
	}
	log.Info("e-mails", "to", to)
	return d.Stop, nil
}
