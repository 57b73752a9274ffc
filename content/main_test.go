package content_test

import (
	"os"
	"testing"

	"proact/models/modelstest"
)

// TestMain copies each test's database from one migrated once (see modelstest.Run).
func TestMain(m *testing.M) { os.Exit(modelstest.Run(m)) }
