package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/bytebufferpool"

	"proact/app/form"
	"proact/app/i18n"
	"proact/models"
)

// Template names: every page the portal renders.
const (
	tplHome      = "pages/home"
	tplPractices = "pages/practices"
	tplPractice  = "pages/practice"
	tplSearch    = "pages/search"
	tplError     = "pages/error"

	tplLogin          = "pages/login"
	tplLoginTwoFactor = "pages/login_2fa"
	layoutMain        = "layouts/main"
)

// Locals keys set by middleware (localOrg holds the organisation's row
// without its terms: models.Store.OrganisationRow).
const (
	localLocalizer = "proact.localizer"
	localViewer    = "proact.viewer"
	localUser      = "proact.user"
	localCSRF      = "proact.csrf"
	localRoute     = "proact.route"
	localOrg       = "proact.org" // the signed-in user's organisation, if any
	// localFlash is whether the session read by identify holds a one-time
	// message (a bool; absent when identify read no session).
	localFlash = "proact.flash"
	// localContentVersion is the content version read with the session
	// (identify), which the page cache then uses (revalidate).
	localContentVersion = "proact.content_version"
)

// Page is what every template receives: the request's language and
// translator, the signed-in user, the CSRF token, and the page's own data.
type Page struct {
	*i18n.Localizer
	Title       string
	Description string
	Path        string // the current path, for the language switcher
	// LoginHref is the sign-in address that comes back to this page.
	LoginHref string
	CSRF      string
	User      *CurrentUser
	Flash     string // a translation key shown once
	Languages []LanguageOption
	// Contact is the secretariat's address (PROACT_CONTACT_EMAIL), or "".
	Contact string
	// MailServer says whether mail leaves the outbox (PROACT_SMTP_URL is
	// set): without one, no message may say that mail was or will be sent.
	MailServer bool
	Data       any
	// Head is what the page adds to <head> (head.go).
	Head
	// Content is the page's own template, rendered, while the layout
	// around it runs (render).
	Content template.HTML

	assets map[string]string
}

// CurrentUser is what templates may know about the signed-in person.
type CurrentUser struct {
	Name      string
	Email     string
	Role      string
	Staff     bool // moderator or administrator
	OrgAdmin  bool
	CanWrite  bool
	Suspended bool // their organisation is suspended
	// OrgSlug is their organisation's, for "My organisation" ("": none).
	OrgSlug string
	// SuspendedReason is the moderators' reason for the suspension.
	SuspendedReason string
}

// LanguageOption is one entry of the language switcher.
type LanguageOption struct {
	Code    string
	Name    string // in the language itself
	Current bool
	Href    string
}

// Asset returns the URL of a static file with a content hash, so that it can
// be cached for a year and still change when the file does.
func (p *Page) Asset(name string) string {
	if v, ok := p.assets[name]; ok {
		return "/static/" + name + "?v=" + v
	}
	return "/static/" + name
}

// page builds the data of a page for this request.
func (h *handlers) page(c *fiber.Ctx, title string, data any) *Page {
	loc := localizer(c)
	p := &Page{
		Localizer: loc, Title: title, Path: c.Path(), Data: data, assets: h.assets,
		Contact: h.cfg.ContactEmail, MailServer: h.cfg.SMTPURL != "",
	}
	p.CSRF = h.csrfToken(c)
	if slot, _ := c.Locals(localCSRFSlot).(bool); slot {
		p.CSRF = csrfSlot // a page kept for many members: each gets their own (pagecache.go)
	}
	if u, ok := c.Locals(localUser).(*models.User); ok && u != nil {
		v := viewer(c)
		p.User = &CurrentUser{Name: u.Name, Email: u.Email, Role: u.Role, Staff: v.Moderates(),
			OrgAdmin: u.OrgAdmin, CanWrite: v.CanWrite(), Suspended: !v.CanWrite()}
		if p.User.Name == "" {
			p.User.Name = u.Email
		}
		if org, ok := c.Locals(localOrg).(*models.Organisation); ok && org != nil {
			p.User.OrgSlug = org.Slug
		}
		if p.User.Suspended && u.OrganisationID != nil {
			// Only for the few whose organisation is suspended: the banner
			// says why. A failure leaves the banner without the reason.
			if org, err := h.store.OrganisationByID(c.UserContext(), *u.OrganisationID); err == nil {
				p.User.SuspendedReason = org.SuspendedReason
			}
		}
	}
	p.Flash = h.takeFlash(c)
	p.LoginHref = loginHref(c)
	next := url.QueryEscape(c.OriginalURL())
	for _, l := range i18n.Languages() {
		p.Languages = append(p.Languages, LanguageOption{
			Code: l, Name: i18n.SelfName(l), Current: l == loc.Lang,
			Href: "/language/" + l + "?next=" + next,
		})
	}
	return p
}

// Date is a day as the reader's language writes it ("2 March 2024"); the
// <time datetime> beside it keeps the ISO form (ISODate).
func (p *Page) Date(t time.Time) string { return p.Localizer.Date(t) }

// ISODate is a day for a <time datetime> attribute.
func (p *Page) ISODate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// render shows a page inside the main layout: the page's template into a
// buffer, then the layout around it (Page.Content), straight from the
// parsed templates. The template engine's own layouts (c.Render with a
// layout) set the layout's embed function on the shared template for each
// render, under the engine's lock, held for the whole render: one page
// rendered at a time in the whole process. Templates that nothing changes
// may run on every core at once.
func (h *handlers) render(c *fiber.Ctx, status int, tpl string, p *Page) error {
	page := h.views.Templates.Lookup(tpl)
	layout := h.views.Templates.Lookup(layoutMain)
	if page == nil || layout == nil {
		return fmt.Errorf("app: no template %s", tpl)
	}
	body := bytebufferpool.Get()
	defer bytebufferpool.Put(body)
	if err := page.Execute(body, p); err != nil {
		return fmt.Errorf("app: rendering %s: %w", tpl, err)
	}
	p.Content = template.HTML(body.B) //nolint:gosec // the page's own template output, escaped by html/template
	out := bytebufferpool.Get()
	defer bytebufferpool.Put(out)
	err := layout.Execute(out, p)
	p.Content = ""
	if err != nil {
		return fmt.Errorf("app: rendering %s: %w", layoutMain, err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Response().SetBody(out.B) // a copy: out goes back to its pool
	return nil
}

func localizer(c *fiber.Ctx) *i18n.Localizer {
	if l, ok := c.Locals(localLocalizer).(*i18n.Localizer); ok {
		return l
	}
	return nil
}

func viewer(c *fiber.Ctx) models.Viewer {
	if v, ok := c.Locals(localViewer).(models.Viewer); ok {
		return v
	}
	return models.Viewer{}
}

// hashAssets computes a short content hash of every static file.
func hashAssets(fsys fs.FS) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[path] = hex.EncodeToString(sum[:4])
		return nil
	})
	return out, err
}

// cardContext and pagerContext let a partial see both its item and the page
// (for translations): {{template "partials/practice_card" ($.WithCard .)}}.
type cardContext struct {
	Page *Page
	Card practiceCard
}

type pagerContext struct {
	Page  *Page
	Pager pager
}

// WithCard pairs a practice card with the page, for the card partial.
func (p *Page) WithCard(c practiceCard) cardContext { return cardContext{Page: p, Card: c} }

// WithPager pairs a pager with the page, for the pager partial.
func (p *Page) WithPager(pg pager) pagerContext { return pagerContext{Page: p, Pager: pg} }

// The contexts of the partials below pair the page (for translations and the
// CSRF token) with the partial's own data, as WithCard and WithPager do.

type selectsContext struct {
	Page    *Page
	Selects []filterSelect
}

// WithSelects is the data of partials/filter_selects.
func (p *Page) WithSelects(selects []filterSelect) selectsContext {
	return selectsContext{Page: p, Selects: selects}
}

type filterActionsContext struct {
	Page  *Page
	Clear string // the list without filters
	Keys  string // catalogue prefix of the labels: "filter" or "admin.filter"
}

// WithFilterActions is the data of partials/filter_actions.
func (p *Page) WithFilterActions(clear, keys string) filterActionsContext {
	return filterActionsContext{Page: p, Clear: clear, Keys: keys}
}

type tableHeadContext struct {
	Page    *Page
	Caption string   // catalogue key, or "" for none
	Columns []string // catalogue keys
}

// WithColumns is the data of partials/table_head.
func (p *Page) WithColumns(caption string, columns ...string) tableHeadContext {
	return tableHeadContext{Page: p, Caption: caption, Columns: columns}
}

type postButtonContext struct {
	Page                                  *Page
	Action, Back, Class, Label, AriaLabel string
}

type invitationContext struct {
	Page   *Page
	Notice *invitationNotice
}

// WithInvitation is the data of partials/invitation_link.
func (p *Page) WithInvitation(n *invitationNotice) invitationContext {
	return invitationContext{Page: p, Notice: n}
}

// PostButton is the data of partials/post_button: a form of one button.
func (p *Page) PostButton(action, back, class, label, ariaLabel string) postButtonContext {
	return postButtonContext{Page: p, Action: action, Back: back, Class: class, Label: label, AriaLabel: ariaLabel}
}

type newPasswordContext struct {
	Page      *Page
	Errors    form.Messages
	Autofocus bool
}

// WithNewPassword is the data of partials/new_password.
func (p *Page) WithNewPassword(errs form.Messages, autofocus bool) newPasswordContext {
	return newPasswordContext{Page: p, Errors: errs, Autofocus: autofocus}
}

type currentPasswordContext struct {
	Page        *Page
	ID, ErrorID string
	Error       string
	Autofocus   bool
}

// WithCurrentPassword is the data of partials/current_password: the field
// with id, whose problem is errs[field].
func (p *Page) WithCurrentPassword(id, field string, errs form.Messages, autofocus bool) currentPasswordContext {
	return currentPasswordContext{Page: p, ID: id, ErrorID: strings.TrimSuffix(id, "-current") + "-error",
		Error: errs[field], Autofocus: autofocus}
}

// Template names of the administration pages.
const (
	tplAdmin            = "pages/admin"
	tplAdminUsers       = "pages/admin_users"
	tplAdminAudit       = "pages/admin_audit"
	tplAdminMail        = "pages/admin_mail"
	tplAdminMailMessage = "pages/admin_mail_message"
)

// Template names of joining, the directory and its administration.
const (
	tplJoin                = "pages/join"
	tplJoinThanks          = "pages/join_thanks"
	tplOrganisations       = "pages/organisations"
	tplOrganisation        = "pages/organisation"
	tplOrganisationEdit    = "pages/organisation_edit"
	tplOrganisationMembers = "pages/organisation_members"
	tplAdminApplications   = "pages/admin_applications"
	tplAdminApplication    = "pages/admin_application"
	tplAdminOrganisations  = "pages/admin_organisations"
)

// Template names of the account pages, the links sent by mail and the
// privacy notice.
const (
	tplAccount               = "pages/account"
	tplAccountPassword       = "pages/account_password"
	tplAccountTwoFactor      = "pages/account_2fa"
	tplAccountTokens         = "pages/account_tokens"
	tplAccountDelete         = "pages/account_delete"
	tplInvitation            = "pages/invitation"
	tplPasswordForgot        = "pages/password_forgot"
	tplPasswordReset         = "pages/password_reset"
	tplLinkInvalid           = "pages/token_invalid"
	tplPrivacy               = "pages/privacy"
	tplAbout                 = "pages/about"
	tplConfirm               = "pages/confirm"
	tplOrganisationSuspended = "pages/organisation_suspended"
	tplReviewRequest         = "pages/review_request"
)
