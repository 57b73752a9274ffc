// Package config is the portal's configuration: the PROACT_* environment
// variables (which main's flags mirror), their defaults and their checks,
// and the limits and the clock, which tests turn down or stop.
//
// To add a setting: a field here with its env tag and default, a check in
// Validate, a flag in main.go's parse, and a row in README.md's table.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is the portal's configuration, from PROACT_* variables and flags.
type Config struct {
	Addr        string `env:"PROACT_ADDR" envDefault:":8080"`
	DatabaseURL string `env:"PROACT_DATABASE_URL"`
	DataDir     string `env:"PROACT_DATA_DIR" envDefault:"data"`
	BaseURL     string `env:"PROACT_BASE_URL"`
	SMTPURL     string `env:"PROACT_SMTP_URL"`
	// ContactEmail is the secretariat's address, shown on the About,
	// privacy and suspension pages and in the footer; empty shows none.
	ContactEmail   string   `env:"PROACT_CONTACT_EMAIL"`
	TrustedProxies []string `env:"PROACT_TRUSTED_PROXIES" envSeparator:","`
	LogFormat      string   `env:"PROACT_LOG_FORMAT" envDefault:"text"`
	// Demo is "true", "false" or "" (the default: on for SQLite, off for PostgreSQL).
	Demo string `env:"PROACT_DEMO"`
	// IndexDir holds this instance's search index; each instance needs its
	// own (Bleve locks it). Default: DATA_DIR/index.
	IndexDir string `env:"PROACT_INDEX_DIR"`

	// AttachmentMaxBytes bounds the size of an image or PDF attached to a
	// practice note.
	AttachmentMaxBytes int64 `env:"PROACT_ATTACHMENT_MAX_BYTES" envDefault:"5242880"`
	// PageCacheBytes bounds the memory of the rendered-page cache of each
	// instance (app/pagecache.go); 0 turns it off.
	PageCacheBytes int64 `env:"PROACT_PAGE_CACHE_BYTES" envDefault:"67108864"`
	// IdentitySessions bounds how many signed-in sessions each instance
	// keeps the user and organisation of in memory (app/identity.go); 0
	// turns it off.
	IdentitySessions int `env:"PROACT_IDENTITY_SESSIONS" envDefault:"20000"`

	// Limits are the rate limit and the failure throttles.
	Limits Limits
	// Clock tells the time; nil is the real clock. Tests set a fake one
	// instead of sleeping.
	Clock func() time.Time `env:"-"`
}

// Limits bound how fast one client may go.
type Limits struct {
	// Requests is how many writes, API calls and searches one IP address may
	// send per RequestWindow. It is counted in each instance's memory: behind
	// N instances a client may send N times as many.
	Requests      int           `env:"PROACT_RATE_LIMIT" envDefault:"120"`
	RequestWindow time.Duration `env:"-"`
	// AccountFailures and IPFailures are how many failed attempts (sign-in,
	// two-factor codes, reset requests, bad links) an account or an IP
	// address may make within FailureWindow before it must wait. They are
	// counted in the database, so that they hold across instances.
	AccountFailures int           `env:"-"`
	IPFailures      int           `env:"-"`
	FailureWindow   time.Duration `env:"-"`
	// DatabaseTimeout bounds how long a request waits for the database (its
	// context's deadline, PostgreSQL's statement_timeout, SQLite's busy
	// timeout, each session read): past it the request is a 503, so that a
	// hung database cannot hold requests and connections for minutes.
	DatabaseTimeout time.Duration `env:"PROACT_DATABASE_TIMEOUT" envDefault:"5s"`
}

// DefaultLimits are the limits of a production portal.
func DefaultLimits() Limits {
	return Limits{Requests: 120, RequestWindow: time.Minute, AccountFailures: 5, IPFailures: 20, FailureWindow: 15 * time.Minute,
		DatabaseTimeout: 5 * time.Second}
}

// Default returns the configuration as it is when no PROACT_* variable is set.
func Default() Config {
	c, err := parse(map[string]string{})
	if err != nil {
		panic("config: the defaults do not parse: " + err.Error()) // a programming error
	}
	return c
}

// FromEnv reads the PROACT_* variables over the defaults. Flags may then
// change fields; call Validate last.
func FromEnv() (Config, error) { return parse(env.ToMap(os.Environ())) }

func parse(environ map[string]string) (Config, error) {
	c := Config{Limits: DefaultLimits()}
	err := env.ParseWithOptions(&c, env.Options{Environment: environ})
	return c, err
}

// Now is the current time by the configured clock.
func (c Config) Now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

// DemoEnabled says whether demo content goes into an empty database.
func (c Config) DemoEnabled() bool {
	if c.Demo == "" {
		return c.DatabaseURL == ""
	}
	on, _ := strconv.ParseBool(c.Demo) // checked by Validate
	return on
}

// Validate checks every value and says, in one line each, what is wrong.
func (c *Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("PROACT_ADDR %q is not host:port (for example :8080)", c.Addr))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		errs = append(errs, fmt.Errorf("PROACT_ADDR %q has no valid port", c.Addr))
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			errs = append(errs, errors.New("PROACT_DATABASE_URL must be a postgres://user@host:port/database URL, or empty for the embedded SQLite database"))
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("PROACT_DATA_DIR must not be empty"))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("PROACT_BASE_URL %q must be an http:// or https:// address", c.BaseURL))
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			errs = append(errs, errors.New("PROACT_SMTP_URL must be smtp://user:password@host:port or smtps://..."))
		}
	}
	if c.ContactEmail != "" {
		if a, err := mail.ParseAddress(c.ContactEmail); err != nil || a.Name != "" || a.Address != c.ContactEmail {
			errs = append(errs, fmt.Errorf("PROACT_CONTACT_EMAIL %q must be a plain e-mail address (secretariat@example.org)", c.ContactEmail))
		}
	}
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("PROACT_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR range", p))
			}
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("PROACT_LOG_FORMAT %q must be text or json", c.LogFormat))
	}
	if c.Demo != "" {
		if _, err := strconv.ParseBool(c.Demo); err != nil {
			errs = append(errs, fmt.Errorf("PROACT_DEMO %q must be true or false", c.Demo))
		}
	}
	if c.AttachmentMaxBytes < 1024 || c.AttachmentMaxBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("PROACT_ATTACHMENT_MAX_BYTES %d must be between 1024 and 67108864 (64 MiB)", c.AttachmentMaxBytes))
	}
	if c.PageCacheBytes < 0 || c.PageCacheBytes > 16<<30 {
		errs = append(errs, fmt.Errorf("PROACT_PAGE_CACHE_BYTES %d must be between 0 (off) and 17179869184 (16 GiB)", c.PageCacheBytes))
	}
	if c.IdentitySessions < 0 || c.IdentitySessions > 10_000_000 {
		errs = append(errs, fmt.Errorf("PROACT_IDENTITY_SESSIONS %d must be between 0 (off) and 10000000", c.IdentitySessions))
	}
	if c.Limits.Requests < 1 {
		errs = append(errs, fmt.Errorf("PROACT_RATE_LIMIT %d must be at least 1 (requests per minute and address)", c.Limits.Requests))
	}
	if d := c.Limits.DatabaseTimeout; d < 10*time.Millisecond || d > 10*time.Minute {
		errs = append(errs, fmt.Errorf("PROACT_DATABASE_TIMEOUT %s must be between 10ms and 10m (for example 5s)", d))
	}
	if l := c.Limits; l.RequestWindow <= 0 || l.AccountFailures < 1 || l.IPFailures < 1 || l.FailureWindow <= 0 {
		errs = append(errs, errors.New("the limits' windows and failure counts must be positive"))
	}
	return errors.Join(errs...)
}

// SiteURL is the portal's public address, for links in feeds, mail and the
// first-start message.
func (c Config) SiteURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	host, port, _ := net.SplitHostPort(c.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// SecureCookies says whether cookies get the Secure flag: when the portal is
// served over HTTPS.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
