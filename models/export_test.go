package models

// Exported for the tests of package models_test: the counts made from the
// notes themselves, which the kept counts must equal.
var (
	CountPracticeFacets = (*Store).countPracticeFacets
	CountPracticeStats  = (*Store).countPracticeStats
)

// ListenWith is Store.Listen with its own connect (tests hold a
// reconnection back).
var ListenWith = (*Store).listen

// OutboxWriterLock is the advisory lock of outbox writers (ContentVersion).
const OutboxWriterLock = outboxWriterLock

// ForceListening makes s use its kept request state as if a listener were
// connected, though none is: it hears only of its own writes.
func ForceListening(s *Store) { s.live.listening.Store(true) }
