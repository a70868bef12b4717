package main

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
)

func TestMailConfig(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }

	cfg, err := parseConfig([]string{"-data", "/srv/seatmap"}, noEnv, io.Discard)
	require.NoError(t, err)
	require.Equal(t, filepath.Join("/srv/seatmap", "outbox"), cfg.mail.outboxDir, "files under -data by default")
	require.Empty(t, cfg.mail.smtpAddr)

	env := map[string]string{passwordEnv: "from-the-environment"}
	cfg, err = parseConfig([]string{"-smtp-addr", "smtp.example.com:587", "-smtp-from", "Kasse <kasse@example.com>", "-smtp-user", "seatd"},
		func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "from-the-environment", cfg.mail.smtpPassword)
	require.Empty(t, cfg.mail.outboxDir)
	require.Equal(t, "smtp://seatd@smtp.example.com:587", cfg.mail.smtp().String())

	cfg, err = parseConfig([]string{"-smtp-addr", "smtp.example.com:587", "-smtp-from", "kasse@example.com", "-smtp-user", "seatd", "-smtp-password", "from-the-flag"},
		func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "from-the-flag", cfg.mail.smtpPassword, "the flag wins")

	var help bytes.Buffer
	_, err = parseConfig([]string{"-h"}, func(k string) string { return env[k] }, &help)
	require.Error(t, err)
	require.Contains(t, help.String(), "-smtp-password")
	require.NotContains(t, help.String(), "from-the-environment", "help shows no password")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-smtp-addr", "smtp.example.com:587"}, "needs -smtp-from"},
		{[]string{"-smtp-addr", "smtp.example.com", "-smtp-from", "a@example.com"}, "smtp address"},
		{[]string{"-smtp-addr", "smtp.example.com:587", "-smtp-from", "nobody"}, "sender address"},
		{[]string{"-smtp-addr", "smtp.example.com:587", "-smtp-from", "a@example.com", "-smtp-user", "u"}, "needs a password"},
		{[]string{"-smtp-addr", "smtp.example.com:587", "-smtp-from", "a@example.com", "-outbox-dir", "x"}, "set one of them"},
		{[]string{"-smtp-user", "u"}, "needs -smtp-addr"},
	} {
		_, err := parseConfig(c.args, noEnv, io.Discard)
		require.ErrorContains(t, err, c.want, "%v", c.args)
	}
}

// TestOrderEmailWrittenToOutboxDir: on the embedded default, a purchase's
// confirmation ends up as an .eml file under the data directory.
func TestOrderEmailWrittenToOutboxDir(t *testing.T) {
	dir := t.TempDir()
	base, stop := runSeatd(t, dir)
	defer stop()
	perf := demoPerformance(t, base)
	buyer := newAPIClient(t, base)
	var hold struct{ Token string }
	require.Equal(t, 201, buyer.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{"S-R7-S1"}}, &hold))
	require.Equal(t, 201, buyer.call("POST", "/api/v1/orders", map[string]any{"hold_token": hold.Token, "buyer": map[string]string{"name": "Ada", "email": "ada@example.com"}}, nil))

	file, msg := onlyEmail(t, filepath.Join(dir, "outbox"))
	require.Equal(t, "ada@example.com", strings.Trim(msg.Header.Get("To"), "<>"))
	id := strings.TrimSuffix(filepath.Base(file), ".eml")
	require.Equal(t, "<"+id+"@seatmap>", msg.Header.Get("Message-ID"))
	// The order was queued without a text; the dispatcher rendered it.
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	require.Contains(t, string(body), "Hello Ada")
	require.Contains(t, string(body), "Stalls, row 7, seat 1", "seats as people say them")
	require.Contains(t, string(body), "Total")
}

// onlyEmail waits for the one .eml file the embedded default writes to
// outbox, and parses it.
func onlyEmail(t *testing.T, outbox string) (string, *mail.Message) {
	t.Helper()
	var files []string
	testkit.Eventually(t, 30*time.Second, "an e-mail in "+outbox, func() bool {
		files, _ = filepath.Glob(filepath.Join(outbox, "*.eml"))
		return len(files) > 0
	})
	require.Len(t, files, 1)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	return files[0], msg
}
