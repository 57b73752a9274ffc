package search

import (
	"errors"
	"fmt"
	"time"
)

// State says whether the index can answer.
type State string

// The states of an index.
const (
	StateReady    State = "ready"    // searches are answered
	StateBuilding State = "building" // being built from the database; searches wait
	StateFailed   State = "failed"   // the last build failed (the database?); it is tried again
)

// Status is what an index is doing, for /readyz and the 503 page.
type Status struct {
	State State
	// Done and Total count the documents of a build in progress.
	Done, Total int
	Started     time.Time
	// Err is why the last build failed (for operators, never for pages).
	Err string
}

// Reason says in one line why the index cannot answer, for operators.
func (s Status) Reason() string {
	switch s.State {
	case StateBuilding:
		if s.Total > 0 {
			return fmt.Sprintf("the search index is being rebuilt from the database: %d of %d documents", s.Done, s.Total)
		}
		return "the search index is being rebuilt from the database"
	case StateFailed:
		// Not s.Err: /readyz answers anyone, and an error names files and
		// hosts; the log has it.
		return "rebuilding the search index failed and is being tried again (the log says why)"
	}
	return ""
}

// ErrUnavailable is what searches return while the index is being built.
var ErrUnavailable = errors.New("search: the index is being rebuilt")

// UnavailableError is ErrUnavailable with how far the build got and when to
// try again.
type UnavailableError struct {
	Status     Status
	RetryAfter time.Duration
}

func (e *UnavailableError) Error() string { return ErrUnavailable.Error() + ": " + e.Status.Reason() }

// Unwrap makes errors.Is(err, ErrUnavailable) hold.
func (e *UnavailableError) Unwrap() error { return ErrUnavailable }

// Status returns what the index is doing.
func (ix *Index) Status() Status {
	ix.statusMu.Lock()
	defer ix.statusMu.Unlock()
	return ix.status
}

func (ix *Index) setStatus(s Status) {
	ix.statusMu.Lock()
	ix.status = s
	ix.statusMu.Unlock()
}

// progress records how far a build got.
func (ix *Index) progress(done, total int) {
	ix.statusMu.Lock()
	if ix.status.State != StateReady {
		ix.status.State, ix.status.Done, ix.status.Total = StateBuilding, done, total
	}
	ix.statusMu.Unlock()
}

// unavailable describes the index while no generation can answer; the wait
// it suggests is what is left of the build at its rate so far, within
// reason.
func (ix *Index) unavailable() *UnavailableError {
	st := ix.Status()
	wait := 30 * time.Second
	if elapsed := ix.now().Sub(st.Started); st.State == StateBuilding && st.Done > 0 && st.Total > st.Done && elapsed > 0 {
		wait = time.Duration(float64(elapsed) * float64(st.Total-st.Done) / float64(st.Done))
	}
	return &UnavailableError{Status: st, RetryAfter: min(max(wait, 5*time.Second), 5*time.Minute).Round(time.Second)}
}
