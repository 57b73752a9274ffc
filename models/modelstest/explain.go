package modelstest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"proact/models"
)

// Recorder is a GORM logger that keeps every statement run, with its
// values in place: give it to a session (gorm.Session{Logger: r}) and
// EXPLAIN what a page or a write sent.
type Recorder struct {
	mu   sync.Mutex
	sqls []string
}

func (r *Recorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *Recorder) Info(context.Context, string, ...any)     {}
func (r *Recorder) Warn(context.Context, string, ...any)     {}
func (r *Recorder) Error(context.Context, string, ...any)    {}
func (r *Recorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	r.sqls = append(r.sqls, sql)
	r.mu.Unlock()
}

// Take returns the statements recorded since the last Take.
func (r *Recorder) Take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sqls
	r.sqls = nil
	return s
}

// Explain returns the plan of sql as text: on PostgreSQL with sequential
// scans priced out (so the plan shows whether an index can serve at all),
// on SQLite the details of EXPLAIN QUERY PLAN.
func Explain(t testing.TB, store *models.Store, sql string) string {
	t.Helper()
	var lines []string
	err := store.DB().Transaction(func(tx *gorm.DB) error {
		if store.Dialect() == models.Postgres {
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
			return tx.Raw("EXPLAIN " + sql).Scan(&lines).Error
		}
		var rows []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := tx.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			lines = append(lines, r.Detail)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	return strings.Join(lines, "\n")
}
