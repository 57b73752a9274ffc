package app

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"proact/models"
)

// testUser is an account made for a test, with what is needed to sign in.
type testUser struct {
	*models.User
	Password string
	Secret   string // TOTP secret, when two-factor is on
}

// createUser makes an active account. org is an organisation slug or "";
// staff roles get two-factor authentication set up, as they must.
func (ta *testApp) createUser(t testing.TB, email, role, org string, orgAdmin bool) *testUser {
	t.Helper()
	ctx := context.Background()
	password := "correct horse battery staple " + role
	hash, err := testHasher.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{Email: email, Name: strings.Split(email, "@")[0], PasswordHash: hash, Role: role,
		Language: "en", Status: models.UserActive, OrgAdmin: orgAdmin, SessionEpoch: 1}
	if org != "" {
		o, err := ta.store.AnyOrganisationBySlug(ctx, org)
		if err != nil {
			t.Fatalf("organisation %s: %v", org, err)
		}
		u.OrganisationID = &o.ID
	}
	tu := &testUser{User: u, Password: password}
	if role == models.RoleAdmin || role == models.RoleModerator {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: "PRO-ACT Network", AccountName: email})
		if err != nil {
			t.Fatal(err)
		}
		u.TOTPSecret, u.TOTPEnabled, tu.Secret = key.Secret(), true, key.Secret()
	}
	if err := ta.store.CreateUser(ctx, u); err != nil {
		t.Fatalf("creating %s: %v", email, err)
	}
	return tu
}

// client is a browser-like session against the test app: it keeps cookies
// and reads CSRF tokens from the forms it is shown.
type client struct {
	ta      *testApp
	cookies map[string]*http.Cookie
	ip      string // sent as X-Forwarded-For when the app trusts 0.0.0.0
}

func (ta *testApp) client() *client { return &client{ta: ta, cookies: map[string]*http.Cookie{}} }

// do sends a request with the client's cookies and keeps those it is given.
func (cl *client) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	for _, c := range cl.cookies {
		req.AddCookie(c)
	}
	if cl.ip != "" {
		req.Header.Set("X-Forwarded-For", cl.ip)
	}
	res, body := cl.ta.do(t, req)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) || c.Value == "" {
			delete(cl.cookies, c.Name)
			continue
		}
		cl.cookies[c.Name] = c
	}
	return res, body
}

// get fetches a page.
func (cl *client) get(t testing.TB, target string) (*http.Response, string) {
	t.Helper()
	return cl.do(t, httptest.NewRequest(http.MethodGet, target, nil))
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the form on page.
func (cl *client) csrf(t testing.TB, page string) string {
	t.Helper()
	_, body := cl.get(t, page)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the form of %s", page)
	}
	return m[1]
}

// post submits a form from page (whose CSRF token it uses) to action. The
// token goes into a copy: tests running in parallel share forms.
func (cl *client) post(t testing.TB, page, action string, form url.Values) (*http.Response, string) {
	t.Helper()
	form = maps.Clone(form)
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", cl.csrf(t, page))
	req := httptest.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return cl.do(t, req)
}

// login signs in, with the two-factor code when the user has one, and fails
// the test unless it worked.
func (cl *client) login(t testing.TB, u *testUser) {
	t.Helper()
	res, body := cl.post(t, "/login", "/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in as %s: status %d\n%s", u.Email, res.StatusCode, body)
	}
	if strings.HasPrefix(res.Header.Get("Location"), "/login/2fa") {
		code, err := totp.GenerateCode(u.Secret, cl.ta.cfg.Now())
		if err != nil {
			t.Fatal(err)
		}
		res, body = cl.post(t, res.Header.Get("Location"), "/login/2fa", url.Values{"code": {code}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("two-factor step for %s: status %d\n%s", u.Email, res.StatusCode, body)
		}
	}
}
