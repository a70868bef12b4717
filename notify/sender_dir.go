package notify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/seatmap/seatmap/internal/atomicfile"
	"github.com/seatmap/seatmap/outbox"
)

// DefaultFrom is the sender of the files a DirSender writes when it has none.
const DefaultFrom = "seatmap <seatmap@localhost>"

// DirSender "sends" a message by writing it to Dir as <id>.eml, the message
// exactly as SMTPSender would send it: the embedded default when no mail
// server is set, for a look at what buyers would get, or for another program
// to pick up. A file that is already there means the message was sent, so a
// repeated Send writes nothing. Safe for concurrent use, also by several
// processes sharing Dir.
type DirSender struct {
	Dir  string // created when missing
	From string // empty: DefaultFrom
}

// Path is where the message with this id is written.
func (d *DirSender) Path(id string) string { return filepath.Join(d.Dir, id+".eml") }

// Send writes m to a temporary file, syncs it, and renames it into place, so
// that <id>.eml is complete or absent, never half-written.
func (d *DirSender) Send(ctx context.Context, m outbox.Message) error {
	from := d.From
	if from == "" {
		from = DefaultFrom
	}
	addr, err := parseFrom(from)
	if err != nil {
		return err
	}
	env, err := compose(addr, m) // also checks that m.ID is safe as a file name
	if err != nil {
		return err
	}
	path := d.Path(m.ID)
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write message %s: %w", m.ID, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(d.Dir, 0o750); err != nil {
		return fmt.Errorf("write message %s: %w", m.ID, err)
	}
	// Durable before it returns: only then may the message be marked sent.
	if err := atomicfile.Write(path, env.data, 0o640); err != nil {
		return fmt.Errorf("write message %s: %w", m.ID, err)
	}
	return nil
}
