package notify

import (
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDirSenderWritesReadableEML(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "outbox") // created on the first send
	d := &DirSender{Dir: dir}
	m := testMessage()
	require.NoError(t, d.Send(context.Background(), m))

	path := filepath.Join(dir, "msg-7f3k.eml")
	require.Equal(t, path, d.Path(m.ID))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	h, body := readMail(t, data)
	def, err := mail.ParseAddress(DefaultFrom)
	require.NoError(t, err)
	requireHeaders(t, h, m, def)
	require.Equal(t, crlf(m.Body), body)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left")

	// A file that is there means sent: a repeat writes nothing.
	changed := m
	changed.Body = "something else"
	require.NoError(t, d.Send(context.Background(), changed))
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, data, again)
}

func TestDirSenderConcurrentRepeats(t *testing.T) {
	t.Parallel()
	d := &DirSender{Dir: t.TempDir(), From: "Kasse <kasse@example.com>"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := d.Send(context.Background(), testMessage()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	entries, err := os.ReadDir(d.Dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	data, err := os.ReadFile(d.Path("msg-7f3k"))
	require.NoError(t, err)
	h, _ := readMail(t, data)
	requireHeaders(t, h, testMessage(), &mail.Address{Name: "Kasse", Address: "kasse@example.com"})
}

func TestDirSenderRefusesUnsafeIDs(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := &DirSender{Dir: filepath.Join(root, "outbox")}
	m := testMessage()
	m.ID = "../escaped"
	require.Error(t, d.Send(context.Background(), m))
	_, err := os.Stat(filepath.Join(root, "escaped.eml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
