package pass

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Production (seed 000): after personalization a pass is printed in a batch,
// then posted or deposited for pick-up, then handed over. Staff may block a
// live pass (and unblock it back to where it was) and replace a lost one.
// Every state change is recorded in the pass's history by the store, in the
// statement's own transaction.

// Transition names, as the routes name them: POST /passes/{id}/{name}.
const (
	MoveShip     = "ship"
	MoveDeposit  = "deposit"
	MoveHandOver = "hand-over"
	MoveBlock    = "block"
	MoveUnblock  = "unblock"
	MoveReplace  = "replace"
)

// Move is one transition: the states it leaves from and the state it leads
// to. To is empty for unblock, which returns to the state before the block.
type Move struct {
	Name string
	From []string
	To   string
}

// Live, non-terminal states: what a block may lock.
var blockable = []string{StateAwaitingPersonalization, StatePersonalized, StatePrinted, StatePosted, StateDeposited, StateHandedOver}

// Moves lists the transitions staff make. Void, replaced and expired are
// terminal: no move leaves them. Replace takes a pass that was produced
// (printed or later) or is blocked: a lost card is blocked first, or
// replaced at once.
var Moves = map[string]Move{
	MoveShip:     {MoveShip, []string{StatePrinted}, StatePosted},
	MoveDeposit:  {MoveDeposit, []string{StatePrinted}, StateDeposited},
	MoveHandOver: {MoveHandOver, []string{StatePosted, StateDeposited}, StateHandedOver},
	MoveBlock:    {MoveBlock, blockable, StateBlocked},
	MoveUnblock:  {MoveUnblock, []string{StateBlocked}, ""},
	MoveReplace:  {MoveReplace, []string{StatePrinted, StatePosted, StateDeposited, StateHandedOver, StateBlocked}, StateReplaced},
}

// Terminal says no transition leaves state s.
func Terminal(s string) bool { return s == StateVoid || s == StateReplaced || s == StateExpired }

// Allowed lists the moves a pass in state s may make, in a fixed order.
func Allowed(s string) []string {
	var out []string
	for _, name := range []string{MoveShip, MoveDeposit, MoveHandOver, MoveBlock, MoveUnblock, MoveReplace} {
		if slices.Contains(Moves[name].From, s) {
			out = append(out, name)
		}
	}
	return out
}

// StateError says a pass is not in a state the move leaves from. Nothing
// was written.
type StateError struct {
	ID, Move, State string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("pass %s is %s: %s is not allowed", e.ID, e.State, e.Move)
}

// ReplacementState is the state a replacement of p starts in: personalized
// when p needs a holder and has one (it is printed again), awaiting
// personalization when it needs one and has none, else handed over (its
// code is the pass).
func ReplacementState(p Pass) string {
	switch {
	case p.Personalize && p.Holder.Name != "":
		return StatePersonalized
	case p.Personalize:
		return StateAwaitingPersonalization
	default:
		return StateHandedOver
	}
}

// Change is one row of a pass's history: who moved it when, from and to
// which state, and why. From is empty when the pass was issued.
type Change struct {
	At       time.Time
	Actor    string
	From, To string
	Note     string
}

// MaxNote bounds a transition's note, in bytes.
const MaxNote = 500

// Photo is a holder's photo, as stored: a JPEG at most MaxPhotoSide pixels
// on its long side, and its print rendition.
type Photo struct {
	PassID      string
	ContentType string
	Data        []byte
	// PrintData is the photo as a card prints it: a JPEG of at most
	// PrintPhotoSide pixels (a card's 20 × 26 mm at 300 dpi), a quarter of
	// Data's pixels, so a batch's PDF and its making are that much smaller.
	// Written with Data; reads of the photo leave it empty.
	PrintData     []byte
	Width, Height int
	UpdatedAt     time.Time
}

// Photo limits: the upload, its decoded size (a decompression bomb is
// refused before it is decoded), what is stored.
const (
	MaxPhotoUpload = 5 << 20
	MaxPhotoPixels = 40_000_000
	MaxPhotoSide   = 600
	PrintPhotoSide = 320
)

// Print batches.
const (
	// MaxPrintBatch bounds one batch: at most this many passes.
	MaxPrintBatch = 5000
)

// PrintBatch is a set of passes printed together: they moved to printed
// when it was made.
type PrintBatch struct {
	ID        string
	CreatedBy string
	CreatedAt time.Time
	Count     int
	Passes    []string // in print order; empty in lists
}

// ErrNothingToPrint: no personalized pass waits for printing.
var ErrNothingToPrint = errors.New("no personalized pass waits for printing")

// UnprintableError says passes of a batch's list are not personalized
// (State names each one's; empty if there is no such pass). Nothing was
// printed.
type UnprintableError struct {
	Passes []PassState
}

// PassState is a pass and its state.
type PassState struct {
	ID, State string
}

func (e *UnprintableError) Error() string {
	parts := make([]string, len(e.Passes))
	for i, p := range e.Passes {
		st := p.State
		if st == "" {
			st = "not found"
		}
		parts[i] = p.ID + " (" + st + ")"
	}
	return "passes not personalized: " + strings.Join(parts, ", ")
}

// PrintItem is one pass of a batch as it is printed: its position in the
// batch, the pass, its holder's photo (zero if none).
type PrintItem struct {
	Position int
	Pass     Pass
	Photo    Photo
}
