package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"proact/app/password"
	"proact/models"
	"proact/models/modelstest"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// clearEnv keeps the developer's PROACT_* variables out of the test.
func clearEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PROACT_") && k != modelstest.PostgresEnv {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func TestBadConfigurationIsOneLineAndExit1(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad address", []string{"--addr", "nonsense"}, nil, "PROACT_ADDR"},
		{"bad database URL", nil, map[string]string{"PROACT_DATABASE_URL": "mysql://x"}, "PROACT_DATABASE_URL"},
		{"bad log format", nil, map[string]string{"PROACT_LOG_FORMAT": "xml"}, "PROACT_LOG_FORMAT"},
		{"bad demo flag", []string{"--demo", "maybe"}, nil, "PROACT_DEMO"},
		{"bad proxy", []string{"--trusted-proxies", "10.0.0.0/99"}, nil, "PROACT_TRUSTED_PROXIES"},
		{"bad base URL", []string{"--base-url", "ftp://x"}, nil, "PROACT_BASE_URL"},
		{"unknown flag", []string{"--colour", "blue"}, nil, "flag provided but not defined"},
		{"unknown command", []string{"frobnicate"}, nil, "unknown command"},
		{"import without folder", []string{"import"}, nil, "usage: proact import DIR"},
		{"unreachable database", []string{"--database-url", "postgres://proact:s3cret@127.0.0.1:1/proact?sslmode=disable&connect_timeout=2"}, nil, "cannot open postgres://proact:xxxxx@127.0.0.1:1/proact"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr syncBuffer
			args := append([]string{"--data-dir", t.TempDir()}, tc.args...)
			if tc.name == "unknown command" || tc.name == "import without folder" {
				args = tc.args
			}
			code := run(context.Background(), args, &stdout, &stderr)
			if code != 1 {
				t.Fatalf("exit status %d, want 1", code)
			}
			msg := stderr.String()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("stderr %q lacks %q", msg, tc.want)
			}
			if strings.Count(strings.TrimSpace(msg), "\n") > 0 || strings.Contains(msg, "goroutine") {
				t.Errorf("want one line, no stack trace; got %q", msg)
			}
			if strings.Contains(msg, "s3cret") {
				t.Errorf("the password leaked: %q", msg)
			}
		})
	}
}

// serveUntilReady runs `proact serve` until /healthz answers, then stops it
// like SIGTERM would, and returns what it printed.
func serveUntilReady(t *testing.T, args ...string) (stdout string) {
	t.Helper()
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", addr}, args...), &out, &errOut) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer: %s", errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/practices")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /practices: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit status %d after shutdown: %s", code, errOut.String())
	}
	return out.String()
}

func TestFirstStartPrintsTheAdminPasswordOnce(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	first := serveUntilReady(t, "--data-dir", dir)
	for _, want := range []string{"URL: http://", "Admin e-mail: admin@example.org", "Admin password: ", "Loaded the demo content"} {
		if !strings.Contains(first, want) {
			t.Errorf("first start lacks %q:\n%s", want, first)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "proact.db")); err != nil {
		t.Errorf("no SQLite database in the data folder: %v", err)
	}
	second := serveUntilReady(t, "--data-dir", dir)
	if !strings.Contains(second, "URL: http://") || strings.Contains(second, "Admin password") || strings.Contains(second, "demo content") {
		t.Errorf("second start printed:\n%s", second)
	}
}

func TestPostgresStartsWithoutDemoUnlessAsked(t *testing.T) {
	clearEnv(t)
	url := modelstest.PostgresURL(t)
	out := serveUntilReady(t, "--database-url", url, "--data-dir", t.TempDir())
	if strings.Contains(out, "demo content") || !strings.Contains(out, "Admin password") {
		t.Errorf("PostgreSQL first start without PROACT_DEMO:\n%s", out)
	}
	url2 := modelstest.PostgresURL(t)
	out = serveUntilReady(t, "--database-url", url2, "--data-dir", t.TempDir(), "--demo", "true")
	if !strings.Contains(out, "Loaded the demo content") {
		t.Errorf("PostgreSQL first start with --demo true:\n%s", out)
	}
}

func TestServeRefusesAnOutdatedSchema(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	ctx := context.Background()
	db, d, err := models.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	// An old database: only the first migration applied, as if this binary
	// were newer than the database.
	if _, err := models.MigrateTo(ctx, db, d, 1); err != nil {
		t.Fatal(err)
	}
	state, _ := models.Schema(ctx, db, d)
	if state.Current != 1 || state.UpToDate() {
		t.Fatalf("schema state %+v", state)
	}
	sqlDB, _ := db.DB()
	sqlDB.Close()

	var stdout, stderr syncBuffer
	code := run(ctx, []string{"serve", "--data-dir", dir, "--addr", freePort(t)}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "run `proact migrate`") {
		t.Fatalf("serve on an old schema: exit %d, %q", code, stderr.String())
	}
	stderr = syncBuffer{}
	if code := run(ctx, []string{"migrate", "--data-dir", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, stderr.String())
	}
	// Every migration but the first: their numbers may leave gaps (each
	// change is given its number when it is planned), so count the files.
	files, err := filepath.Glob(filepath.Join("models", "migrations", string(d), "*.sql"))
	if err != nil || len(files) < 2 {
		t.Fatalf("migrations of %s: %v, %v", d, files, err)
	}
	if want := fmt.Sprintf("Applied %d migration(s)", len(files)-1); !strings.Contains(stdout.String(), want) {
		t.Errorf("migrate printed %q", stdout.String())
	}
}

func TestImportExportCommands(t *testing.T) {
	clearEnv(t)
	ctx := context.Background()
	src, out1, out2, fresh := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	serveUntilReady(t, "--data-dir", src) // loads the demo content
	var stdout, stderr syncBuffer
	if code := run(ctx, []string{"export", "--data-dir", src, out1}, &stdout, &stderr); code != 0 {
		t.Fatalf("export: %s", stderr.String())
	}
	if code := run(ctx, []string{"migrate", "--data-dir", fresh}, &stdout, &stderr); code != 0 {
		t.Fatalf("migrate: %s", stderr.String())
	}
	if code := run(ctx, []string{"import", "--data-dir", fresh, out1}, &stdout, &stderr); code != 0 {
		t.Fatalf("import: %s", stderr.String())
	}
	if code := run(ctx, []string{"export", "--data-dir", fresh, out2}, &stdout, &stderr); code != 0 {
		t.Fatalf("second export: %s", stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(out1, "practices", "*.md"))
	if len(files) < 24 {
		t.Fatalf("exported %d notes", len(files))
	}
	for _, f := range append(files, filepath.Join(out1, "organisations.yaml")) {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join(out2, strings.TrimPrefix(f, out1)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs after import → export (%v)", strings.TrimPrefix(f, out1), err)
		}
	}
	// A broken file: the import is refused, naming the file, and writes nothing.
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "practices"), 0o755)
	os.WriteFile(filepath.Join(bad, "practices", "broken.md"), []byte("---\ntitle: x\nlanguage: xx\n---\nbody\n"), 0o644)
	stderr = syncBuffer{}
	if code := run(ctx, []string{"import", "--data-dir", fresh, bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("a broken import exited %d", code)
	}
	if msg := stderr.String(); !strings.Contains(msg, "practices/broken.md") || !strings.Contains(msg, `language: "xx"`) {
		t.Errorf("the error does not name the file and field: %q", msg)
	}
	if code := run(ctx, []string{"reindex", "--data-dir", fresh}, &stdout, &stderr); code != 0 {
		t.Fatalf("reindex: %s", stderr.String())
	}
	if !strings.Contains(stdout.String(), fmt.Sprintf(": %d practice note(s), ", len(files))) {
		t.Errorf("reindex printed %q", stdout.String())
	}
}

// runAsProactEnv makes the test binary run main instead of the tests, so
// that a test can start the portal as a process of its own without building
// it first.
const runAsProactEnv = "PROACT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsProactEnv) == "1" {
		main()
		return
	}
	os.Exit(modelstest.Run(m))
}

// TestSIGTERMExitsCleanly runs the portal as a process of its own (this test
// binary, running main) and stops it with SIGTERM.
func TestSIGTERMExitsCleanly(t *testing.T) {
	clearEnv(t)
	addr := freePort(t)
	cmd := exec.Command(os.Args[0], "--addr", addr, "--data-dir", t.TempDir())
	cmd.Env = append(os.Environ(), runAsProactEnv+"=1")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "URL: ") {
	}
	go io.Copy(io.Discard, stdout)
	shuttingDown := make(chan struct{})
	go func() {
		logs := bufio.NewScanner(stderr)
		for logs.Scan() {
			if strings.Contains(logs.Text(), "shutting down") {
				close(shuttingDown)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	// A request in flight when the signal arrives still gets its answer. The
	// server's "100 Continue" says it has read the headers and waits for the
	// body: then the signal, and once the portal says it is shutting down,
	// the body.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, "POST /api/v1/in-flight HTTP/1.1\r\nHost: portal.test\r\nContent-Length: 2\r\n"+
		"Content-Type: text/plain\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("no 100 Continue: %q, %v", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the empty line after it
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-shuttingDown:
	case <-time.After(30 * time.Second):
		t.Fatal("no shutdown within 30 s of SIGTERM")
	}
	if _, err := io.WriteString(conn, "{}"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound { // the API has no such route: an answer, not a dropped connection
		t.Errorf("the request in flight got status %d, want 404", res.StatusCode)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit within 30 s of SIGTERM")
	}
}

// userAddDatabase is a migrated SQLite data folder with an approved and a
// pending organisation, for `proact user add`.
func userAddDatabase(t *testing.T) (dir string, approvedID uint) {
	t.Helper()
	clearEnv(t)
	dir = t.TempDir()
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"migrate", "--data-dir", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("migrate: %s", stderr.String())
	}
	store := openStore(t, dir)
	defer store.Close()
	for _, o := range []*models.Organisation{
		{Slug: "approved-org", Name: "Approved Centre (demo)", Country: "RO", Type: "ngo", Status: models.OrgApproved},
		{Slug: "pending-org", Name: "Pending Centre (demo)", Country: "NL", Type: "ngo", Status: models.OrgPending},
	} {
		if err := store.SaveOrganisation(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		if o.Slug == "approved-org" {
			approvedID = o.ID
		}
	}
	return dir, approvedID
}

func openStore(t *testing.T, dir string) *models.Store {
	t.Helper()
	db, d, err := models.Open(context.Background(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	return models.NewStore(db, d)
}

func TestUserAddPrintsAOneTimePassword(t *testing.T) {
	dir, orgID := userAddDatabase(t)
	ctx := context.Background()
	var stdout, stderr syncBuffer
	code := run(ctx, []string{"user", "add", "--data-dir", dir, "--email", "Ana.Popescu@Example.org", "--role", "member",
		"--org", "approved-org", "--name", "Ana Popescu", "--language", "ro"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	_, oneTime, ok := strings.Cut(stdout.String(), "One-time password: ")
	oneTime, _, _ = strings.Cut(oneTime, "\n")
	if !ok || len(oneTime) < 20 {
		t.Fatalf("no one-time password printed:\n%s", stdout.String())
	}
	store := openStore(t, dir)
	defer store.Close()
	u, err := store.UserByEmail(ctx, "ana.popescu@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != models.RoleMember || u.Status != models.UserActive || !u.MustChangePassword || u.Language != "ro" ||
		u.Name != "Ana Popescu" || u.OrganisationID == nil || *u.OrganisationID != orgID {
		t.Errorf("created %+v", u)
	}
	if !password.Production().Check(oneTime, u.PasswordHash) {
		t.Error("the printed password does not sign in")
	}
	entries, _, err := store.ListAudit(ctx, models.AuditFilter{Action: models.AuditUserInvited})
	if err != nil || len(entries) != 1 || entries[0].ActorEmail != "cli" || entries[0].TargetID == nil || *entries[0].TargetID != u.ID {
		t.Errorf("audit log: %+v (%v)", entries, err)
	}

	// Staff need no organisation.
	stdout = syncBuffer{}
	if code := run(ctx, []string{"user", "add", "--data-dir", dir, "--email", "mod@example.org", "--role", "moderator"}, &stdout, &stderr); code != 0 {
		t.Fatalf("moderator: exit %d: %s", code, stderr.String())
	}
	if m, err := store.UserByEmail(ctx, "mod@example.org"); err != nil || m.Role != models.RoleModerator || m.OrganisationID != nil {
		t.Errorf("moderator: %+v %v", m, err)
	}
}

func TestUserAddRefusesBadInputInOneLine(t *testing.T) {
	dir, _ := userAddDatabase(t)
	ctx := context.Background()
	var stdout, stderr syncBuffer
	if code := run(ctx, []string{"user", "add", "--data-dir", dir, "--email", "taken@example.org", "--role", "admin"}, &stdout, &stderr); code != 0 {
		t.Fatalf("first user: %s", stderr.String())
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"user"}, "usage: proact user add"},
		{"unknown subcommand", []string{"user", "remove", "--email", "a@example.org"}, "usage: proact user add"},
		{"stray argument", []string{"user", "add", "--email", "a@example.org", "--role", "admin", "extra"}, "usage: proact user add"},
		{"no e-mail", []string{"user", "add", "--role", "admin"}, "--email"},
		{"bad e-mail", []string{"user", "add", "--email", "not-an-address", "--role", "admin"}, `--email "not-an-address" is not an e-mail address`},
		{"e-mail with a name", []string{"user", "add", "--email", "Ana <ana@example.org>", "--role", "admin"}, "is not an e-mail address"},
		{"bad role", []string{"user", "add", "--email", "a@example.org", "--role", "root"}, `--role "root" is not one of admin, moderator, member`},
		{"bad language", []string{"user", "add", "--email", "a@example.org", "--role", "admin", "--language", "xx"}, `--language "xx"`},
		{"unknown organisation", []string{"user", "add", "--email", "a@example.org", "--role", "member", "--org", "no-such-org"}, `--org "no-such-org": there is no organisation`},
		{"pending organisation", []string{"user", "add", "--email", "a@example.org", "--role", "member", "--org", "pending-org"}, "approved organisations only"},
		{"member without organisation", []string{"user", "add", "--email", "a@example.org", "--role", "member"}, "--org is required for a member"},
		{"staff in an organisation", []string{"user", "add", "--email", "a@example.org", "--role", "moderator", "--org", "approved-org"}, "--org is for members"},
		{"taken e-mail", []string{"user", "add", "--email", "TAKEN@example.org", "--role", "member", "--org", "approved-org"}, "there is already an account for taken@example.org"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			args := append(tc.args[:len(tc.args):len(tc.args)], "--data-dir", dir)
			if len(tc.args) == 1 {
				args = tc.args
			}
			if code := run(ctx, args, &stdout, &stderr); code != 1 {
				t.Fatalf("exit status %d, want 1 (stdout %q)", code, stdout.String())
			}
			msg := stderr.String()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("stderr %q lacks %q", msg, tc.want)
			}
			if strings.Count(strings.TrimSpace(msg), "\n") > 0 || strings.Contains(msg, "goroutine") {
				t.Errorf("want one line; got %q", msg)
			}
		})
	}
	store := openStore(t, dir)
	defer store.Close()
	if n, _ := store.CountUsers(ctx); n != 1 {
		t.Errorf("%d accounts after the refusals, want 1", n)
	}
}

func TestUserAddInvitesWhenMailIsConfigured(t *testing.T) {
	dir, _ := userAddDatabase(t)
	ctx := context.Background()
	// An SMTP server that refuses connections: the invitation stays in the
	// outbox, for the running portal to retry.
	smtpAddr := freePort(t)
	var stdout, stderr syncBuffer
	code := run(ctx, []string{"user", "add", "--data-dir", dir, "--smtp-url", "smtp://" + smtpAddr, "--base-url", "https://portal.example.org",
		"--email", "ioana@example.ro", "--role", "member", "--org", "approved-org", "--language", "ro"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "Invited ioana@example.ro (member)") || strings.Contains(out, "password") {
		t.Errorf("stdout %q", out)
	}
	store := openStore(t, dir)
	defer store.Close()
	u, err := store.UserByEmail(ctx, "ioana@example.ro")
	if err != nil || u.Status != models.UserInvited || u.PasswordHash != "" {
		t.Fatalf("invited user %+v (%v)", u, err)
	}
	mails, err := store.ListMail(ctx, 10)
	if err != nil || len(mails) != 1 {
		t.Fatalf("outbox: %d messages (%v)", len(mails), err)
	}
	m := mails[0]
	if m.ToAddr != u.Email || m.Kind != "invitation" || m.Language != "ro" || m.Attempts != 1 || m.LastError == "" ||
		!strings.Contains(m.Body, "https://portal.example.org/invitation/") || !strings.Contains(m.Body, "Approved Centre (demo)") {
		t.Errorf("invitation %+v", m)
	}
}

// readmeGlossaryExample returns the worked example of a glossary proposal in
// README.md, so that the documentation is proved to work.
func readmeGlossaryExample(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- glossary-proposal-example -->\n```yaml\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no glossary proposal example")
	}
	return example
}

func TestGlossaryCheck(t *testing.T) {
	clearEnv(t)
	// The command reads no configuration: a bad setting does not stop it.
	t.Setenv("PROACT_LOG_FORMAT", "xml")
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "the README example", args: []string{"check", write("example.yaml", readmeGlossaryExample(t))}, code: 0,
			stdout: []string{"is valid", "1 new concept(s) and 40 term(s)", "new concept employer-provided-housing (process)",
				"  ro  cazare asigurată de angajator | locuință de serviciu", "more terms for debt-bondage (indicator)\n  fr  servage pour dettes\n"}},
		{name: "nothing new", args: []string{"check", write("same.yaml", "concepts:\n  - id: debt-bondage\n    category: indicator\n    terms: {ro: [robie prin îndatorare]}\n")},
			code: 0, stdout: []string{"adds nothing"}},
		{name: "a term of another concept", args: []string{"check", write("clash.yaml",
			"concepts:\n  - id: wage-theft\n    category: exploitation\n    terms:\n      de: [Lohnvorenthaltung]\n")}, code: 1,
			stderr: []string{"clash.yaml cannot be merged", `clash.yaml: line 5: concept "wage-theft": language "de": term "Lohnvorenthaltung" is also a term of concept "withholding-of-wages"`}},
		{name: "an incomplete new concept and a wrong category", args: []string{"check", write("incomplete.yaml",
			"concepts:\n  - id: debt-bondage\n    category: sector\n    terms: {fr: [servage]}\n  - id: labour-camp\n    category: process\n    terms: {en: [labour camp]}\n")}, code: 1,
			stderr: []string{`concept "debt-bondage": category "sector" differs from the glossary's "indicator"`,
				`line 5: concept "labour-camp": language "bg": terms are missing in this language`, `language "sv": terms are missing`}},
		{name: "bad YAML", args: []string{"check", write("bad.yaml", "concepts: [\n")}, code: 1, stderr: []string{"not valid YAML"}},
		{name: "no such file", args: []string{"check", filepath.Join(dir, "missing.yaml")}, code: 1, stderr: []string{"cannot read the proposal"}},
		{name: "no file", args: []string{"check"}, code: 1, stderr: []string{"usage: proact glossary check FILE"}},
		{name: "no subcommand", args: nil, code: 1, stderr: []string{"usage: proact glossary check FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(context.Background(), append([]string{"glossary"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr %q", code, tt.code, stderr.String())
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout does not say %q:\n%s", want, stdout.String())
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
				}
			}
			if tt.code != 0 && stdout.String() != "" {
				t.Errorf("a refused proposal printed %q", stdout.String())
			}
		})
	}
}

// [consultations] --org-admin makes the new member an admin of their
// organisation (who submits its consultation responses); it is for members
// of an organisation only.
func TestUserAddOrgAdmin(t *testing.T) {
	dir, orgID := userAddDatabase(t)
	ctx := context.Background()
	var stdout, stderr syncBuffer
	code := run(ctx, []string{"user", "add", "--data-dir", dir, "--email", "lead@example.org", "--role", "member",
		"--org", "approved-org", "--org-admin", "--name", "Lea Admin"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "organisation admin") {
		t.Errorf("the output does not say organisation admin:\n%s", stdout.String())
	}
	for _, bad := range [][]string{
		{"--email", "mod2@example.org", "--role", "moderator", "--org-admin"},
		{"--email", "lone@example.org", "--role", "member", "--org-admin"},
	} {
		var out, errOut syncBuffer
		args := append([]string{"user", "add", "--data-dir", dir}, bad...)
		if code := run(ctx, args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "--org-admin is for a member") ||
			strings.Count(strings.TrimSpace(errOut.String()), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errOut.String())
		}
	}
	store := openStore(t, dir)
	defer store.Close()
	u, err := store.UserByEmail(ctx, "lead@example.org")
	if err != nil || !u.OrgAdmin || u.Role != models.RoleMember || u.OrganisationID == nil || *u.OrganisationID != orgID {
		t.Fatalf("created %+v (%v)", u, err)
	}
	entries, _, err := store.ListAudit(ctx, models.AuditFilter{Action: models.AuditUserInvited})
	if err != nil || len(entries) != 1 || !strings.Contains(entries[0].Detail, "organisation admin") {
		t.Errorf("audit log: %+v (%v)", entries, err)
	}
	if n, _ := store.CountUsers(ctx); n != 1 {
		t.Errorf("%d accounts, want 1", n)
	}
}
