package app

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"proact/models"
)

var (
	totpSecretShown = regexp.MustCompile(`class="totp-secret">([A-Z2-7 ]+)<`)
	recoveryCodes   = regexp.MustCompile(`<code>([A-Z2-7]{5}-[A-Z2-7]{5})</code>`)
)

// setUpTwoFactor turns two-factor authentication on through the pages and
// returns the secret and the recovery codes shown.
func setUpTwoFactor(t *testing.T, cl *client) (string, []string) {
	t.Helper()
	res, body := cl.get(t, "/account/2fa")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("two-factor page: %d", res.StatusCode)
	}
	mustContain(t, "set-up page", body, `<img class="qr-code" src="/account/2fa/qr.png"`, `alt="QR code`, `autocomplete="one-time-code"`)
	m := totpSecretShown.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the set-up page")
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	res, png := cl.get(t, "/account/2fa/qr.png")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" ||
		res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(png, "\x89PNG") {
		t.Fatalf("QR code: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
	}
	res, body = cl.post(t, "/account/2fa", "/account/2fa", url.Values{"code": {"000000"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong code: %d", res.StatusCode)
	}
	mustContain(t, "wrong code", body, "This code is not right", `aria-invalid="true"`, secret[:4])
	// The error comes first, at the top of the form, and takes the focus.
	if top, step := strings.Index(body, `id="code-error-top" tabindex="-1" autofocus`), strings.Index(body, `id="step2-title"`); top < 0 || top > step {
		t.Errorf("the wrong code's error is not at the top with the focus (%d, %d)", top, step)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	res, body = cl.post(t, "/account/2fa", "/account/2fa", url.Values{"code": {code}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the right code: %d", res.StatusCode)
	}
	var codes []string
	for _, m := range recoveryCodes.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != recoveryCodeCount {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	mustContain(t, "codes page", body, "will not be shown again", `id="recovery-codes"`, `data-copy="recovery-codes"`,
		`data-download="recovery-codes" data-filename="proact-recovery-codes.txt"`, "data-print")
	return secret, codes
}

func flowTwoFactorSignIn(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "careful@example.org", models.RoleMember, "", false)
	cl := ta.visitor()
	cl.login(t, u)
	before := cl.cookies[sessionCookie].Value
	secret, codes := setUpTwoFactor(t, cl)
	if cl.cookies[sessionCookie].Value == before {
		t.Error("the session id did not change when two-factor was turned on")
	}
	got, _ := ta.store.UserByID(t.Context(), u.ID)
	if !got.TOTPEnabled || got.TOTPSecret != secret {
		t.Fatal("two-factor not saved")
	}
	_, body := cl.get(t, "/account/2fa")
	mustNotContain(t, "state page", body, codes[0], secret)
	mustContain(t, "state page", body, "Two-step verification is on", "Unused recovery codes: 10")
	if res, _ := cl.get(t, "/account/2fa/qr.png"); res.StatusCode != http.StatusNotFound {
		t.Errorf("QR code after set-up: %d", res.StatusCode)
	}

	// Signing in now asks for the code; a recovery code works once.
	u.Secret = secret
	ta.visitor().login(t, u)
	var lastBody string
	signInWith := func(code string) *http.Response {
		c := ta.visitor()
		res, _ := c.post(t, "/login", "/login", url.Values{"email": {u.Email}, "password": {u.Password}})
		if !strings.HasPrefix(res.Header.Get("Location"), "/login/2fa") {
			t.Fatalf("no two-factor step: %q", res.Header.Get("Location"))
		}
		res, lastBody = c.post(t, "/login/2fa", "/login/2fa", url.Values{"code": {code}})
		return res
	}
	if res := signInWith(strings.ToLower(codes[3])); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a recovery code: %d", res.StatusCode)
	}
	if n, _ := ta.store.RemainingRecoveryCodes(t.Context(), u.ID); n != 9 {
		t.Errorf("%d recovery codes left, want 9", n)
	}
	// That failure and four more block the account, even for a right code.
	for i, code := range []string{codes[3], "111111", "222222", "333333", "444444"} {
		res := signInWith(code)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d", i+1, res.StatusCode)
		}
		if i == 0 {
			// The error is at the top and has the focus; the field does not.
			page := lastBody
			if e, f := strings.Index(page, `id="code-error" tabindex="-1" autofocus`), strings.Index(page, `id="code"`); e < 0 || e > f {
				t.Errorf("after a wrong code the error is not first with the focus (%d, %d)", e, f)
			}
			mustNotContain(t, "after a wrong code", page, `required autofocus`)
		}
	}
	right, _ := totp.GenerateCode(secret, time.Now())
	if res := signInWith(right); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after five wrong codes: %d, want 429", res.StatusCode)
	}
}

func flowTwoFactorRecoveryAndOff(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "member@example.org", models.RoleMember, "", false)
	cl := ta.visitor()
	cl.login(t, u)
	_, codes := setUpTwoFactor(t, cl)

	res, body := cl.post(t, "/account/2fa", "/account/2fa/recovery", url.Values{"current": {"wrong password!"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("renewal with a wrong password: %d", res.StatusCode)
	}
	mustContain(t, "renewal", body, "current password is not right")
	res, body = cl.post(t, "/account/2fa", "/account/2fa/recovery", url.Values{"current": {u.Password}})
	fresh := recoveryCodes.FindAllStringSubmatch(body, -1)
	if res.StatusCode != http.StatusOK || len(fresh) != recoveryCodeCount {
		t.Fatalf("renewal: %d, %d codes", res.StatusCode, len(fresh))
	}
	if ok, _ := ta.store.UseRecoveryCode(t.Context(), u.ID, codes[0]); ok {
		t.Error("an old recovery code still works")
	}

	res, _ = cl.post(t, "/account/2fa", "/account/2fa/disable", url.Values{"current": {"wrong password!"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("turning off with a wrong password: %d", res.StatusCode)
	}
	res, _ = cl.post(t, "/account/2fa", "/account/2fa/disable", url.Values{"current": {u.Password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("turning off: %d", res.StatusCode)
	}
	got, _ := ta.store.UserByID(t.Context(), u.ID)
	n, _ := ta.store.RemainingRecoveryCodes(t.Context(), u.ID)
	if got.TOTPEnabled || got.TOTPSecret != "" || n != 0 {
		t.Errorf("after turning off: enabled %v, %d codes", got.TOTPEnabled, n)
	}
	_, body = cl.get(t, "/account/2fa")
	mustContain(t, "page after turning off", body, "Two-step verification is now turned off", "qr.png")
}

func flowTwoFactorStaff(t *testing.T, ta *testApp) {
	for _, role := range []string{models.RoleModerator, models.RoleAdmin} {
		u := ta.createUser(t, role+"@example.org", role, "", false)
		cl := ta.visitor()
		cl.login(t, u)
		_, body := cl.get(t, "/account/2fa")
		mustContain(t, role, body, "cannot turn off")
		mustNotContain(t, role, body, `action="/account/2fa/disable"`)
		if res, _ := cl.post(t, "/account/2fa", "/account/2fa/disable", url.Values{"current": {u.Password}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s turning two-factor off: %d", role, res.StatusCode)
		}
		if got, _ := ta.store.UserByID(t.Context(), u.ID); !got.TOTPEnabled {
			t.Errorf("%s: two-factor turned off", role)
		}
	}
}

func flowTwoFactorRequiredForStaff(t *testing.T, ta *testApp) {
	u := ta.createUser(t, "new.moderator@example.org", models.RoleModerator, "", false)
	u.TOTPEnabled, u.TOTPSecret = false, ""
	if err := ta.store.UpdateUser(t.Context(), u.User, "totp_enabled", "totp_secret"); err != nil {
		t.Fatal(err)
	}
	cl := ta.visitor()
	res, _ := cl.post(t, "/login", "/login", url.Values{"email": {u.Email}, "password": {u.Password}})
	if loc := res.Header.Get("Location"); loc != "/account/2fa" {
		t.Fatalf("sign-in of staff without two-factor: to %q", loc)
	}
	_, body := cl.get(t, "/account/2fa")
	mustContain(t, "set-up page for staff", body, "must use two-step verification")
	if res, _ := cl.get(t, "/account/tokens"); res.Header.Get("Location") != "/account/2fa" {
		t.Errorf("API tokens before two-factor: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = cl.get(t, "/admin/audit")
	if res.StatusCode == http.StatusNotFound {
		t.Log("no /admin/audit yet: the administration pages are checked once they exist")
	} else if res.Header.Get("Location") != "/account/2fa" {
		t.Errorf("/admin/audit before two-factor: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	setUpTwoFactor(t, cl)
	if res, _ := cl.get(t, "/account/tokens"); res.StatusCode != http.StatusOK {
		t.Errorf("API tokens after two-factor: %d", res.StatusCode)
	}
	if res, _ := cl.get(t, "/admin/audit"); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusOK {
		t.Errorf("/admin/audit after two-factor: %d", res.StatusCode)
	}
}
