package config

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultsAndEnvironment(t *testing.T) {
	d := Default()
	if d.Addr != ":8080" || d.DataDir != "data" || d.LogFormat != "text" || d.Limits != DefaultLimits() {
		t.Errorf("defaults %+v", d)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
	c, err := parse(map[string]string{"PROACT_ADDR": "127.0.0.1:9000", "PROACT_RATE_LIMIT": "7",
		"PROACT_TRUSTED_PROXIES": "10.0.0.1,10.1.0.0/16", "PROACT_DATABASE_TIMEOUT": "2s"})
	if err != nil || c.Addr != "127.0.0.1:9000" || c.Limits.Requests != 7 || len(c.TrustedProxies) != 2 ||
		c.Limits.FailureWindow != 15*time.Minute || c.Limits.DatabaseTimeout != 2*time.Second {
		t.Errorf("from the environment: %+v (%v)", c, err)
	}
	if _, err := parse(map[string]string{"PROACT_RATE_LIMIT": "many"}); err == nil {
		t.Error("a rate limit that is not a number is accepted")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Addr = "nonsense" }, "PROACT_ADDR"},
		{func(c *Config) { c.DatabaseURL = "mysql://x" }, "PROACT_DATABASE_URL"},
		{func(c *Config) { c.BaseURL = "ftp://x" }, "PROACT_BASE_URL"},
		{func(c *Config) { c.SMTPURL = "http://x" }, "PROACT_SMTP_URL"},
		{func(c *Config) { c.ContactEmail = "Secretariat <s@example.org>" }, "PROACT_CONTACT_EMAIL"},
		{func(c *Config) { c.ContactEmail = "not an address" }, "PROACT_CONTACT_EMAIL"},
		{func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/99"} }, "PROACT_TRUSTED_PROXIES"},
		{func(c *Config) { c.LogFormat = "xml" }, "PROACT_LOG_FORMAT"},
		{func(c *Config) { c.Demo = "maybe" }, "PROACT_DEMO"},
		{func(c *Config) { c.Limits.Requests = 0 }, "PROACT_RATE_LIMIT"},
		{func(c *Config) { c.Limits.FailureWindow = 0 }, "limits"},
		{func(c *Config) { c.Limits.DatabaseTimeout = 0 }, "PROACT_DATABASE_TIMEOUT"},
	} {
		c := Default()
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v", tc.want, err)
		}
	}
	c := Default()
	c.BaseURL = "https://portal.example.org/"
	if err := c.Validate(); err != nil || c.SiteURL() != "https://portal.example.org" || !c.SecureCookies() {
		t.Errorf("base URL: %q, secure %v (%v)", c.SiteURL(), c.SecureCookies(), err)
	}
	if d := Default(); d.SiteURL() != "http://localhost:8080" || d.SecureCookies() || !d.DemoEnabled() {
		t.Errorf("default site URL %q", d.SiteURL())
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	c := Default()
	if time.Since(c.Now()) > time.Minute {
		t.Error("the default clock is not the real one")
	}
	c.Clock = func() time.Time { return at }
	if !c.Now().Equal(at) {
		t.Error("a configured clock is not used")
	}
}
