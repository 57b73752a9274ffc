// Package app is the portal's web application: routes, handlers (one file per
// resource), middleware, page data, errors, configuration and translations.
package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Config is the portal's configuration, from PROACT_* variables and flags.
type Config struct {
	Addr           string   `env:"PROACT_ADDR" envDefault:":8080"`
	DatabaseURL    string   `env:"PROACT_DATABASE_URL"`
	DataDir        string   `env:"PROACT_DATA_DIR" envDefault:"data"`
	BaseURL        string   `env:"PROACT_BASE_URL"`
	SMTPURL        string   `env:"PROACT_SMTP_URL"`
	TrustedProxies []string `env:"PROACT_TRUSTED_PROXIES" envSeparator:","`
	LogFormat      string   `env:"PROACT_LOG_FORMAT" envDefault:"text"`
	// Demo is "true", "false" or "" (the default: on for SQLite, off for PostgreSQL).
	Demo string `env:"PROACT_DEMO"`
	// IndexDir holds this instance's search index; each instance needs its
	// own (Bleve locks it). Default: DATA_DIR/index.
	IndexDir string `env:"PROACT_INDEX_DIR"`
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
