// Command proact runs the PRO-ACT Network portal: one binary with its views,
// static files, migrations and demo content embedded.
//
//	proact [serve] [flags]   serve the portal (the default)
//	proact migrate           apply pending database migrations
//	proact reindex           rebuild the search index from the database
//	proact import DIR        import organisations.yaml and practices/*.md
//	proact export DIR        write them back out
//	proact user add --email E --role admin|moderator|member [--org SLUG] [--org-admin] [--name N] [--language L]
//	                         create an account: it is sent an invitation when
//	                         PROACT_SMTP_URL is set, else a one-time password is printed;
//	                         --org-admin makes a member an admin of their organisation
//	proact demo --notes N --organisations M [--sentences DIR]
//	                         fill an empty database with a large demo corpus made of
//	                         the shared corpora's sentences (for load tests)
//	proact glossary check FILE
//	                         check a proposal of glossary terms against the embedded glossary
//
// Every flag mirrors a PROACT_* environment variable; see README.md.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"proact/app"
	"proact/app/config"
	"proact/app/form"
	"proact/app/i18n"
	"proact/app/mail"
	"proact/app/password"
	"proact/content"
	"proact/content/bulk"
	"proact/models"
	"proact/search"
)

// firstAdminEmail is the account created on an empty database.
const firstAdminEmail = "admin@example.org"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the settings of one command line: the configuration plus the
// command's own flags and arguments.
type options struct {
	cmd     string
	cfg     config.Config
	migrate bool
	args    []string
	user    userOptions
	demo    demoOptions
}

// demoOptions are the flags of `proact demo`.
type demoOptions struct {
	notes, organisations int
	sentences            string
}

// userOptions are the flags of `proact user add`.
type userOptions struct {
	email, role, org, name, language string
	orgAdmin                         bool
}

const userAddUsage = "usage: proact user add --email E --role admin|moderator|member [--org SLUG] [--org-admin] [--name N] [--language L]"

func parse(args []string) (options, error) {
	o := options{cmd: "serve"}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		o.cmd, args = args[0], args[1:]
	}
	switch o.cmd {
	case "serve", "migrate", "reindex", "import", "export", "demo":
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return o, errors.New(userAddUsage)
		}
		args = args[1:]
	default:
		return o, fmt.Errorf("unknown command %q (try serve, migrate, reindex, import DIR, export DIR, demo, user add or glossary check FILE)", o.cmd)
	}
	var err error
	if o.cfg, err = config.FromEnv(); err != nil {
		return o, fmt.Errorf("configuration: %w", err)
	}
	fs := flag.NewFlagSet("proact "+o.cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := &o.cfg
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to serve on (PROACT_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL; empty for embedded SQLite (PROACT_DATABASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder of the SQLite file and the index (PROACT_DATA_DIR)")
	fs.StringVar(&c.IndexDir, "index-dir", c.IndexDir, "folder of this instance's search index (PROACT_INDEX_DIR)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public address of the portal (PROACT_BASE_URL)")
	fs.StringVar(&c.SMTPURL, "smtp-url", c.SMTPURL, "smtp:// URL; empty keeps mail in the outbox (PROACT_SMTP_URL)")
	fs.StringVar(&c.ContactEmail, "contact-email", c.ContactEmail, "the secretariat's address, shown on the About, privacy and suspension pages (PROACT_CONTACT_EMAIL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (PROACT_LOG_FORMAT)")
	fs.StringVar(&c.Demo, "demo", c.Demo, "load demo content into an empty database: true or false (PROACT_DEMO)")
	fs.Int64Var(&c.AttachmentMaxBytes, "attachment-max-bytes", c.AttachmentMaxBytes, "largest image or PDF attached to a note, in bytes (PROACT_ATTACHMENT_MAX_BYTES)")
	fs.Int64Var(&c.PageCacheBytes, "page-cache-bytes", c.PageCacheBytes, "memory of the rendered-page cache, in bytes; 0 turns it off (PROACT_PAGE_CACHE_BYTES)")
	fs.IntVar(&c.IdentitySessions, "identity-sessions", c.IdentitySessions, "signed-in sessions whose user and organisation each instance keeps in memory; 0 turns it off (PROACT_IDENTITY_SESSIONS)")
	fs.DurationVar(&c.Limits.DatabaseTimeout, "database-timeout", c.Limits.DatabaseTimeout, "longest a request waits for the database, then 503 (PROACT_DATABASE_TIMEOUT)")
	fs.IntVar(&c.Limits.Requests, "rate-limit", c.Limits.Requests, "writes, API calls and searches per minute and IP address, per instance (PROACT_RATE_LIMIT)")
	proxies := fs.String("trusted-proxies", strings.Join(c.TrustedProxies, ","), "comma-separated IPs or CIDRs (PROACT_TRUSTED_PROXIES)")
	fs.BoolVar(&o.migrate, "migrate", false, "serve: apply pending migrations first")
	if o.cmd == "user" {
		fs.StringVar(&o.user.email, "email", "", "user add: the e-mail address")
		fs.StringVar(&o.user.role, "role", "", "user add: admin, moderator or member")
		fs.StringVar(&o.user.org, "org", "", "user add: the slug of the organisation")
		fs.StringVar(&o.user.name, "name", "", "user add: the person's name")
		fs.StringVar(&o.user.language, "language", "en", "user add: the language of the interface and mail")
		fs.BoolVar(&o.user.orgAdmin, "org-admin", false, "user add: the member is an admin of their organisation (submits its consultation responses, manages its colleagues)")
	}
	if o.cmd == "demo" {
		fs.IntVar(&o.demo.notes, "notes", 1000, "demo: how many practice notes")
		fs.IntVar(&o.demo.organisations, "organisations", 100, "demo: how many organisations")
		fs.StringVar(&o.demo.sentences, "sentences", filepath.Join("..", "shared", "corpora", "sentences"), "demo: the folder of LANG.txt files of sentences")
	}
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%w (flags: %s)", err, flagNames(fs))
	}
	c.TrustedProxies = nil
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	o.args = fs.Args()
	if (o.cmd == "import" || o.cmd == "export") && len(o.args) != 1 {
		return o, fmt.Errorf("usage: proact %s DIR", o.cmd)
	}
	if o.cmd == "user" && len(o.args) != 0 {
		return o, errors.New(userAddUsage)
	}
	if c.IndexDir == "" {
		c.IndexDir = filepath.Join(c.DataDir, "index")
	}
	return o, c.Validate()
}

func flagNames(fs *flag.FlagSet) string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
	return strings.Join(names, " ")
}

// run executes one command and returns the exit status. Failures are one
// clear line each on stderr, never a stack trace.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "glossary" {
		return runGlossary(args[1:], stdout, stderr) // needs no configuration or database
	}
	o, err := parse(args)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "proact: "+line)
		}
		return 1
	}
	log := newLogger(o.cfg.LogFormat, stderr)
	if err := dispatch(ctx, o, log, stdout); err != nil {
		fmt.Fprintln(stderr, "proact: "+oneLine(err))
		return 1
	}
	return 0
}

func oneLine(err error) string {
	var ie content.ImportError
	if errors.As(err, &ie) {
		return ie.Error() // a list of files, one a line, is clearer than one long line
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func dispatch(ctx context.Context, o options, log *slog.Logger, stdout io.Writer) error {
	opts := models.Options{}
	if o.cmd == "serve" || o.cmd == "user" {
		// Requests must not hang on a frozen database; migrations, imports
		// and rebuilds from the command line may take as long as they need.
		opts.QueryTimeout = o.cfg.Limits.DatabaseTimeout
	}
	db, dialect, err := models.OpenWith(ctx, o.cfg.DatabaseURL, o.cfg.DataDir, opts)
	if err != nil {
		where := "the SQLite database in " + o.cfg.DataDir
		if o.cfg.DatabaseURL != "" {
			where = models.RedactURL(o.cfg.DatabaseURL)
		}
		return fmt.Errorf("cannot open %s: %w", where, errors.Unwrap(err))
	}
	store := models.NewStore(db, dialect)
	defer store.Close()

	if o.cmd == "migrate" {
		applied, err := models.Migrate(ctx, db, dialect)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Applied %d migration(s); the schema is up to date.\n", len(applied))
		return nil
	}
	state, err := models.Schema(ctx, db, dialect)
	if err != nil {
		return err
	}
	switch {
	case state.Empty() && (o.cmd == "serve" || o.cmd == "demo"), o.migrate:
		if err := migrateUntimed(ctx, o.cfg); err != nil {
			return err
		}
	case !state.UpToDate():
		return fmt.Errorf("the database schema is at version %d but this proact needs version %d: run `proact migrate` first (or start with --migrate)", state.Current, state.Latest)
	}

	renderer := content.NewRenderer()
	switch o.cmd {
	case "import":
		r, err := content.Import(ctx, store, renderer, os.DirFS(o.args[0]), false)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Imported %d organisation(s) and %d practice note(s) from %s.\n", r.Organisations, r.Practices, o.args[0])
		return nil
	case "export":
		r, err := content.Export(ctx, store, o.args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Exported %d organisation(s) and %d practice note(s) to %s.\n", r.Organisations, r.Practices, o.args[0])
		return nil
	case "reindex":
		// A new generation beside the live one, then the swap: a running
		// portal switches to it at its next poll.
		counts, err := search.Reindex(ctx, searchConfig(o.cfg, store, log))
		if err != nil {
			return err
		}
		var total uint64
		for _, n := range counts { // every kind: national notes and responses too
			total += n
		}
		fmt.Fprintf(stdout, "Rebuilt the search index: %d document(s): %d practice note(s), %d organisation(s).\n",
			total, counts[search.KindPractice], counts[search.KindOrganisation])
		return nil
	case "user":
		return addUser(ctx, o, store, log, stdout)
	case "demo":
		fmt.Fprintf(stdout, "Making %d organisation(s) and %d practice note(s) from %s ...\n", o.demo.organisations, o.demo.notes, o.demo.sentences)
		res, err := bulk.Generate(ctx, store, bulk.Options{Notes: o.demo.notes, Organisations: o.demo.organisations,
			Sentences: o.demo.sentences, Progress: stdout})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Made %d organisation(s) and %d note(s) (%d published, %d members-only, %d translations, %d versions) in %s (%.0f notes/s).\n",
			res.Organisations, res.Notes, res.Published, res.MembersOnly, res.Translations, res.Versions,
			res.Elapsed.Round(time.Second), float64(res.Notes)/max(res.Elapsed.Seconds(), 0.001))
		return nil
	}
	return serve(ctx, o.cfg, store, renderer, log, stdout)
}

// migrateUntimed applies the migrations over a connection of its own,
// without the statement timeout of the server's: building an index on a
// large table may take longer than any request should.
func migrateUntimed(ctx context.Context, cfg config.Config) error {
	db, dialect, err := models.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}()
	_, err = models.Migrate(ctx, db, dialect)
	return err
}

// searchConfig is the index of this instance, with the glossary embedded in
// the binary.
func searchConfig(cfg config.Config, store *models.Store, log *slog.Logger) search.Config {
	return search.Config{Dir: cfg.IndexDir, Store: store, Log: log}
}

// firstStart prepares an empty database: demo content (when enabled) and the
// first administrator, whose one-time password is printed once.
func firstStart(ctx context.Context, cfg config.Config, store *models.Store, r *content.Renderer, stdout io.Writer) error {
	users, err := store.CountUsers(ctx)
	if err != nil || users > 0 {
		return err
	}
	if cfg.DemoEnabled() {
		rep, err := content.Import(ctx, store, r, content.Demo(), true)
		if err != nil {
			return fmt.Errorf("demo content: %w", err)
		}
		// [consultations] The demo consultations, their times relative to now.
		n, err := content.ImportConsultations(ctx, store, r, content.Demo(), cfg.Now(), i18n.Brussels())
		if err != nil {
			return fmt.Errorf("demo consultations: %w", err)
		}
		fmt.Fprintf(stdout, "Loaded the demo content: %d organisations, %d practice notes, %d consultations.\n", rep.Organisations, rep.Practices, n)
	}
	secret := rand.Text()
	hash, err := password.Production().Hash(secret)
	if err != nil {
		return err
	}
	admin := &models.User{Email: firstAdminEmail, Name: "Administrator", PasswordHash: hash,
		Role: models.RoleAdmin, Language: "en", MustChangePassword: true}
	if err := store.CreateUser(ctx, admin); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Admin e-mail: %s\nAdmin password: %s\n(This one-time password is shown only now; you will be asked to change it.)\n", admin.Email, secret)
	return nil
}

func serve(ctx context.Context, cfg config.Config, store *models.Store, r *content.Renderer, log *slog.Logger, stdout io.Writer) error {
	if err := firstStart(ctx, cfg, store, r, stdout); err != nil {
		return err
	}
	// PROACT_CPU_PROFILE=FILE records a CPU profile from the start to the
	// shutdown (scripts/load.sh; read it with `go tool pprof`).
	if file := os.Getenv("PROACT_CPU_PROFILE"); file != "" {
		f, err := os.Create(file)
		if err != nil {
			return fmt.Errorf("cannot write the CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cannot write the CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	// Serve at once: a missing or damaged index is rebuilt in the
	// background while pages work and searches answer 503.
	index, err := search.Start(ctx, searchConfig(cfg, store, log))
	if err != nil {
		return err
	}
	defer index.Close()
	web, err := app.New(app.Deps{Config: cfg, Store: store, Index: index, Renderer: r, Log: log})
	if err != nil {
		return err
	}
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	go index.Run(bg, 3*time.Second)
	if store.Dialect() == models.Postgres {
		go index.ListenPostgres(bg, cfg.DatabaseURL)
		// The request state (content version, accounts epoch, sessions)
		// in memory while notifications keep it (models/live.go).
		go func() {
			err := store.Listen(bg, cfg.DatabaseURL, 5*time.Second, func(err error) { log.Warn("request state notifications", "err", err) })
			if err != nil && bg.Err() == nil {
				log.Error("request state notifications stopped", "err", err)
			}
		}()
	}
	go sweep(bg, store, log)
	if cfg.SMTPURL != "" {
		go mail.NewSender(store, cfg, log).Run(bg, 5*time.Second)
	}
	// [consultations] Reminders before consultation deadlines: every
	// instance runs this; a claim in the database sends each reminder once.
	tr, err := i18n.Embedded()
	if err != nil {
		return err
	}
	go mail.New(tr, cfg).RunReminders(bg, store, cfg.Now, time.Minute, func(err error) { log.Warn("consultation reminders", "err", err) })

	// Bind before printing the URL, so that the URL works when it is shown
	// and a taken port is one clear error.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot serve on %s: %w", cfg.Addr, err)
	}
	listenErr := make(chan error, 1)
	go func() { listenErr <- web.Listener(ln) }()
	fmt.Fprintf(stdout, "URL: %s\n", cfg.SiteURL())
	select {
	case err := <-listenErr:
		return fmt.Errorf("cannot serve on %s: %w", cfg.Addr, err)
	case <-ctx.Done():
	}
	// SIGTERM: stop accepting, let requests in flight finish, then exit 0.
	log.Info("shutting down")
	if err := web.ShutdownWithTimeout(20 * time.Second); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// sweep removes expired sessions, CSRF tokens and rate-limit counters.
func sweep(ctx context.Context, store *models.Store, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if _, err := store.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweeping expired keys", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// addUser creates an account from the command line: invited by mail when
// SMTP is configured, else with a one-time password printed once.
func addUser(ctx context.Context, o options, store *models.Store, log *slog.Logger, stdout io.Writer) error {
	u, orgName, err := userFromFlags(ctx, store, o.user)
	if err != nil {
		return err
	}
	oneTime := ""
	if o.cfg.SMTPURL != "" {
		u.Status = models.UserInvited
	} else {
		oneTime = rand.Text()
		hash, err := password.Production().Hash(oneTime)
		if err != nil {
			return err
		}
		u.Status, u.PasswordHash, u.MustChangePassword = models.UserActive, hash, true
	}
	if err := store.CreateUser(ctx, u); errors.Is(err, models.ErrConflict) {
		return fmt.Errorf("there is already an account for %s", u.Email)
	} else if err != nil {
		return err
	}
	err = store.Audit(ctx, models.AuditEntry{Action: models.AuditUserInvited, ActorEmail: "cli",
		TargetKind: "user", TargetID: &u.ID, Detail: strings.TrimSpace(u.Role + " " + o.user.org + orgAdminNote(u))})
	if err != nil {
		return err
	}
	if oneTime == "" {
		return mailInvitation(ctx, o.cfg, store, log, u, orgName, stdout)
	}
	fmt.Fprintf(stdout, "Created %s (%s%s).\nOne-time password: %s\n(Shown only now; they will be asked to change it at their first sign-in.)\n", u.Email, u.Role, orgAdminNote(u), oneTime)
	return nil
}

// orgAdminNote says, in the command's output and the audit log, that a member
// administers their organisation.
func orgAdminNote(u *models.User) string {
	if u.OrgAdmin {
		return ", organisation admin"
	}
	return ""
}

// userFromFlags checks the flags of `proact user add` and returns the
// account to create and the name of its organisation. Each problem is one
// line naming the flag.
func userFromFlags(ctx context.Context, store *models.Store, uo userOptions) (*models.User, string, error) {
	email := models.NormaliseEmail(uo.email)
	if !form.PlausibleEmail(email) {
		return nil, "", fmt.Errorf("--email %q is not an e-mail address (%s)", uo.email, userAddUsage)
	}
	if !slices.Contains(models.Roles(), uo.role) {
		return nil, "", fmt.Errorf("--role %q is not one of admin, moderator, member", uo.role)
	}
	if !i18n.Supported(uo.language) {
		return nil, "", fmt.Errorf("--language %q is not one of %s", uo.language, strings.Join(i18n.Languages(), ", "))
	}
	if uo.orgAdmin && (uo.role != models.RoleMember || uo.org == "") {
		return nil, "", errors.New("--org-admin is for a member of an organisation: add --role member --org SLUG")
	}
	if uo.org != "" && uo.role != models.RoleMember {
		// Staff belong to no organisation (see models.SetUserRole).
		return nil, "", errors.New("--org is for members: moderators and administrators belong to no organisation")
	}
	u := &models.User{Email: email, Name: strings.TrimSpace(uo.name), Role: uo.role, Language: uo.language, SessionEpoch: 1, OrgAdmin: uo.orgAdmin}
	orgName := ""
	switch {
	case uo.org != "":
		org, err := store.AnyOrganisationBySlug(ctx, uo.org)
		if errors.Is(err, models.ErrNotFound) {
			return nil, "", fmt.Errorf("--org %q: there is no organisation with this slug", uo.org)
		} else if err != nil {
			return nil, "", err
		}
		if org.Status != models.OrgApproved {
			return nil, "", fmt.Errorf("--org %q: the organisation is %s; members can join approved organisations only", uo.org, org.Status)
		}
		u.OrganisationID, orgName = &org.ID, org.Name
	case uo.role == models.RoleMember:
		return nil, "", errors.New("--org is required for a member: the slug of their organisation")
	}
	if _, err := store.UserByEmail(ctx, email); err == nil {
		return nil, "", fmt.Errorf("there is already an account for %s", email)
	} else if !errors.Is(err, models.ErrNotFound) {
		return nil, "", err
	}
	return u, orgName, nil
}

// mailInvitation queues the invitation and delivers it at once rather than
// wait for a running portal; what fails stays in the outbox, which every
// running portal retries.
func mailInvitation(ctx context.Context, cfg config.Config, store *models.Store, log *slog.Logger, u *models.User, orgName string, stdout io.Writer) error {
	tr, err := i18n.Embedded()
	if err != nil {
		return err
	}
	if err := mail.New(tr, cfg).Invite(ctx, store, u, orgName, mail.ByCommandLine); err != nil {
		return fmt.Errorf("unable to invite %s: %w", u.Email, err)
	}
	if err := mail.NewSender(store, cfg, log).SendPending(ctx); err != nil {
		return err
	}
	waiting, err := store.UnsentMail(ctx, 1000, models.ListOptions{PerPage: 1000})
	if err != nil {
		return err
	}
	for _, m := range waiting {
		if m.ToAddr == u.Email {
			fmt.Fprintf(stdout, "Invited %s (%s), but the invitation could not be mailed yet (%s); a running portal retries it, and administrators can read it at /admin/mail.\n", u.Email, u.Role, m.LastError)
			return nil
		}
	}
	fmt.Fprintf(stdout, "Invited %s (%s): the invitation has been mailed.\n", u.Email, u.Role)
	return nil
}
