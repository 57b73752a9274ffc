package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/etag"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"proact/static"
)

// routes lists every route of the portal: the whole site on one screen.
func (h *handlers) routes(app *fiber.App) {
	// Around everything: a recoverer (so that nothing, not even the logging,
	// can stop the process), request id, one log line and metrics, a second
	// recoverer (a handler's panic becomes a logged 500), the URL limit,
	// security headers, compression.
	app.Use(h.recoverer(), requestid.New(), h.requestLog, h.recoverer(), h.urlLimit, securityHeaders(), compress.New())

	// Operations: no session, no language.
	app.Get("/healthz", markRoute, h.healthz)
	app.Get("/readyz", markRoute, h.readyz)
	app.Get("/metrics", markRoute, h.metrics.handler())

	// Static files, cached for a year (URLs carry a content hash) with ETags.
	app.Use("/static", etag.New(), filesystem.New(filesystem.Config{
		Root:   static.HTTP(),
		MaxAge: int((365 * 24 * time.Hour).Seconds()),
	}))

	// Everything else knows the reader's language and who they are.
	// Their database work has a deadline (503 past it).
	app.Use(h.language, saneInput, h.requestDeadline, h.identify, h.rateLimit(), h.csrfProtection())
	// Someone signed in with a one-time password changes it before anything
	// else: every route but the few of passwordFirstOpen is closed to them.
	app.Use(h.passwordFirst)

	// Public pages. What members may see beyond visitors is decided by the
	// store from the viewer, not by the route. Pages made of published
	// content only revalidate with an ETag of the outbox position
	// (revalidate.go); a note's and an organisation's page only for
	// visitors (a member may see their own unpublished work there).
	app.Get("/", markRoute, h.revalidate(revalidation{members: true, granularity: time.Minute}), h.home)
	app.Get("/about", markRoute, h.about)
	app.Get("/language/:code", markRoute, h.setLanguage)
	app.Get("/search", markRoute, h.revalidate(revalidation{index: true}), h.search)

	// Practice notes: reading (what each person may read is the
	// store's decision), writing by members (of their own organisation's
	// notes: checked in the handler, 404 for others), versions, files, the
	// moderators' review, feeds. /practices/new comes before /practices/:slug.
	app.Get("/practices", markRoute, h.revalidate(revalidation{members: true}), h.listPractices)
	app.Get("/practices/new", markRoute, h.writer, h.showNewNote)
	app.Post("/practices/new", markRoute, h.noteWriter, h.createNote)
	app.Post("/practices/preview", markRoute, h.writer, h.previewNote)
	app.Get("/practices/coverage", markRoute, h.practiceCoverage)
	app.Get("/practices/:slug", markRoute, h.revalidate(revalidation{}), h.showPractice) // also /practices/{slug}.md
	app.Get("/practices/:slug/edit", markRoute, h.writer, h.editNote)
	app.Post("/practices/:slug/edit", markRoute, h.noteWriter, h.updateNote)
	app.Post("/practices/:slug/submit", markRoute, h.writer, h.submitNote)
	app.Post("/practices/:slug/comments", markRoute, h.writer, h.commentNote)
	app.Post("/practices/:slug/archive", markRoute, h.writer, h.archiveNote)
	app.Post("/practices/:slug/delete", markRoute, h.writer, h.deleteNote)
	app.Get("/practices/:slug/history", markRoute, h.noteHistory)
	app.Get("/practices/:slug/history/:id", markRoute, h.noteVersion)
	app.Get("/practices/:slug/diff", markRoute, h.noteDiff)
	app.Post("/practices/:slug/restore/:id", markRoute, h.writer, h.restoreNote)
	app.Post("/practices/:slug/attachments", markRoute, h.writer, h.uploadAttachment)
	app.Post("/practices/:slug/attachments/:id/delete", markRoute, h.writer, h.deleteAttachment)
	app.Get("/practices/:slug/files/:id", markRoute, h.serveAttachment)
	app.Get("/account/notes", markRoute, h.signedIn, h.accountNotes)
	app.Get("/admin/review", markRoute, h.roles(staff...), h.reviewQueue)
	app.Get("/admin/review/:id", markRoute, h.roles(staff...), h.showReview)
	app.Post("/admin/review/:id/return", markRoute, h.roles(staff...), h.returnNote)
	app.Post("/admin/review/:id/publish", markRoute, h.roles(staff...), h.publishNote)
	app.Post("/admin/review/:id/unarchive", markRoute, h.roles(staff...), h.unarchiveNote)
	app.Get("/feeds/practices.atom", markRoute, h.practicesFeed)
	app.Get("/sitemap.xml", markRoute, h.sitemap)

	// Signing in and out; failures are throttled per account and per IP.
	app.Get("/login", markRoute, h.showLogin)
	app.Post("/login", markRoute, h.login)
	app.Get("/login/2fa", markRoute, h.showTwoFactor)
	app.Post("/login/2fa", markRoute, h.twoFactor)
	app.Post("/logout", markRoute, h.logout)

	// Joining the network and the directory of organisations.
	app.Get("/join", markRoute, h.showJoin)
	app.Post("/join", markRoute, h.join)
	app.Get("/join/thanks", markRoute, h.joinThanks)
	app.Get("/organisations", markRoute, h.revalidate(revalidation{members: true}), h.listOrganisations)
	app.Get("/organisations/:slug", markRoute, h.revalidate(revalidation{}), h.showOrganisation)
	// Organisation admins (of their own organisation: checked in the handler,
	// 404 for another organisation's) and staff.
	app.Get("/organisations/:slug/edit", markRoute, h.writer, h.editOrganisation)
	app.Post("/organisations/:slug/edit", markRoute, h.writer, h.updateOrganisation)
	app.Get("/organisations/:slug/members", markRoute, h.writer, h.showMembers)
	app.Post("/organisations/:slug/members", markRoute, h.writer, h.inviteMember)
	app.Post("/organisations/:slug/members/:id/remove", markRoute, h.writer, h.removeMember)
	app.Post("/organisations/:slug/members/:id/invitation", markRoute, h.writer, h.renewInvitation)
	app.Post("/organisations/:slug/members/:id/withdraw", markRoute, h.writer, h.withdrawInvitation)
	// Moderation of applications and organisations.
	app.Get("/admin/applications", markRoute, h.roles(staff...), h.listApplications)
	app.Get("/admin/applications/:id", markRoute, h.roles(staff...), h.showApplication)
	// Decisions go through a confirmation page (GET) that posts the form.
	app.Get("/admin/applications/:id/approve", markRoute, h.roles(staff...), h.approveConfirm)
	app.Post("/admin/applications/:id/approve", markRoute, h.roles(staff...), h.approveApplication)
	app.Get("/admin/applications/:id/reject", markRoute, h.roles(staff...), h.showRejectConfirm)
	app.Post("/admin/applications/:id/reject", markRoute, h.roles(staff...), h.rejectApplication)
	app.Get("/admin/applications/:id/info", markRoute, h.roles(staff...), h.showInfoRequest)
	app.Post("/admin/applications/:id/info", markRoute, h.roles(staff...), h.requestInfo)
	app.Post("/admin/applications/:id/notes", markRoute, h.roles(staff...), h.saveApplicationNotes)
	app.Post("/admin/applications/:id/invitation", markRoute, h.roles(staff...), h.applicationInvitation)
	app.Get("/admin/organisations", markRoute, h.roles(staff...), h.listAdminOrganisations)
	app.Get("/admin/organisations/:slug/suspend", markRoute, h.roles(staff...), h.showSuspendConfirm)
	app.Post("/admin/organisations/:slug/suspend", markRoute, h.roles(staff...), h.suspendOrganisation)
	app.Post("/admin/organisations/:slug/reinstate", markRoute, h.roles(staff...), h.reinstateOrganisation)

	// Referral pathways drawn from the directory, and their
	// booklets; moderators write each country's national note.
	app.Get("/pathways", markRoute, h.listPathways)
	app.Get("/pathways/booklet", markRoute, h.networkBooklet)
	app.Get("/pathways/:country", markRoute, h.showPathway)
	app.Get("/pathways/:country/booklet", markRoute, h.pathwayBooklet)
	app.Get("/pathways/:country/note", markRoute, h.roles(staff...), h.editNationalNote)
	app.Post("/pathways/:country/note", markRoute, h.roles(staff...), h.saveNationalNote)
	app.Post("/pathways/:country/note/delete", markRoute, h.roles(staff...), h.deleteNationalNote)

	// Your own account (signed in, any role).
	// The links sent by mail and the forgotten password: throttled per IP
	// (and per account for reset requests).
	app.Get("/privacy", markRoute, h.privacy)
	app.Get("/invitation/:token", markRoute, h.showInvitation)
	app.Post("/invitation/:token", markRoute, h.acceptInvitation)
	app.Get("/password/forgot", markRoute, h.showForgot)
	app.Post("/password/forgot", markRoute, h.forgot)
	app.Get("/password/reset/:token", markRoute, h.showReset)
	app.Post("/password/reset/:token", markRoute, h.reset)
	// Changing a one-time password comes before anything else (passwordFirst).
	app.Get("/account/password", markRoute, h.signedIn, h.showChangePassword)
	app.Post("/account/password", markRoute, h.signedIn, h.changePassword)
	app.Get("/welcome", markRoute, h.signedIn, h.welcome)
	app.Get("/account", markRoute, h.signedIn, h.showAccount)
	app.Post("/account", markRoute, h.signedIn, h.updateAccount)
	app.Get("/account/2fa", markRoute, h.signedIn, h.accountTwoFactor)
	app.Post("/account/2fa", markRoute, h.signedIn, h.enableTwoFactor)
	app.Get("/account/2fa/qr.png", markRoute, h.signedIn, h.twoFactorQR)
	app.Post("/account/2fa/recovery", markRoute, h.signedIn, h.renewRecoveryCodes)
	app.Post("/account/2fa/disable", markRoute, h.signedIn, h.disableTwoFactor)
	app.Get("/account/tokens", markRoute, h.signedIn, h.twoFactorFirst, h.listTokens)
	app.Post("/account/tokens", markRoute, h.signedIn, h.twoFactorFirst, h.createToken)
	app.Post("/account/tokens/:id/revoke", markRoute, h.signedIn, h.revokeToken)
	app.Get("/account/review", markRoute, h.signedIn, h.showReviewRequest)
	app.Post("/account/review", markRoute, h.signedIn, h.requestReview)
	app.Get("/account/export", markRoute, h.signedIn, h.exportAccount)
	app.Get("/account/delete", markRoute, h.signedIn, h.showDeleteAccount)
	app.Post("/account/delete", markRoute, h.signedIn, h.deleteAccount)

	// Administration: moderators and administrators, with two-factor.
	// Moderators manage members' accounts only (checked in managedUser);
	// roles and the mail outbox, which holds live invitation and reset links,
	// are for administrators.
	staffOnly, adminOnly := h.roles(staff...), h.roles(administrators...)
	app.Get("/admin", markRoute, staffOnly, h.adminDashboard)
	app.Get("/admin/users", markRoute, staffOnly, h.adminUsers)
	app.Get("/admin/users/:id/role", markRoute, adminOnly, h.roleConfirm)
	app.Post("/admin/users/:id/role", markRoute, adminOnly, h.adminChangeRole)
	app.Get("/admin/users/:id/disable", markRoute, staffOnly, h.disableConfirm)
	app.Post("/admin/users/:id/disable", markRoute, staffOnly, h.adminDisableUser)
	app.Post("/admin/users/:id/enable", markRoute, staffOnly, h.adminEnableUser)
	app.Post("/admin/users/:id/reset-2fa", markRoute, staffOnly, h.adminResetTwoFactor)
	app.Get("/admin/audit", markRoute, staffOnly, h.adminAudit)
	app.Get("/admin/mail", markRoute, adminOnly, h.adminMail)
	app.Get("/admin/mail/:id", markRoute, adminOnly, h.adminMailMessage)
	app.Post("/admin/mail/:id/resend", markRoute, adminOnly, h.adminResendMail)

	// Consultations: the list by state, one consultation and
	// its results (moderators see them before they are published).
	app.Get("/consultations", markRoute, h.listConsultations)
	app.Get("/consultations/:slug", markRoute, h.showConsultation)
	app.Get("/consultations/:slug/results", markRoute, h.showResults)
	// An organisation's response: for its members only (there is no id to
	// try: the organisation is the signed-in member's). Any member edits it,
	// its organisation admins submit and reopen it (checked in the handlers).
	app.Get("/consultations/:slug/response", markRoute, h.signedIn, h.showResponse)
	app.Post("/consultations/:slug/response", markRoute, h.writer, h.saveResponse)
	app.Get("/consultations/:slug/response/confirm", markRoute, h.signedIn, h.showConfirm)
	app.Post("/consultations/:slug/response/submit", markRoute, h.writer, h.submitResponse)
	app.Get("/consultations/:slug/response/receipt", markRoute, h.signedIn, h.showReceipt)
	app.Post("/consultations/:slug/response/reopen", markRoute, h.writer, h.reopenResponse)
	// Running them: moderators and administrators.
	app.Get("/admin/consultations", markRoute, staffOnly, h.adminConsultations)
	app.Get("/admin/consultations/new", markRoute, staffOnly, h.newConsultation)
	app.Post("/admin/consultations/new", markRoute, staffOnly, h.createConsultation)
	app.Get("/admin/consultations/:slug", markRoute, staffOnly, h.adminConsultation)
	app.Get("/admin/consultations/:slug/edit", markRoute, staffOnly, h.editConsultation)
	app.Post("/admin/consultations/:slug/edit", markRoute, staffOnly, h.updateConsultation)
	for _, action := range []string{"publish", "unpublish", "results", "withdraw", "delete"} {
		app.Post("/admin/consultations/:slug/"+action, markRoute, staffOnly, h.consultationAction)
	}
	app.Get("/admin/consultations/:slug/questions", markRoute, staffOnly, h.showQuestions)
	app.Post("/admin/consultations/:slug/questions", markRoute, staffOnly, h.addQuestion)
	app.Post("/admin/consultations/:slug/questions/:id", markRoute, staffOnly, h.changeQuestion)
	app.Get("/admin/consultations/:slug/preview", markRoute, staffOnly, h.previewConsultation)
	app.Get("/admin/consultations/:slug/responses", markRoute, staffOnly, h.adminResponses)
	app.Get("/admin/consultations/:slug/responses.csv", markRoute, staffOnly, h.exportResponses)
	app.Get("/admin/consultations/:slug/responses.json", markRoute, staffOnly, h.exportResponses)
	app.Get("/admin/consultations/:slug/report", markRoute, staffOnly, h.adminReport)

	// JSON API, documented in /api/openapi.json. Public content without a
	// token; members' content with a personal token (Authorization: Bearer).
	app.Get("/api/openapi.json", markRoute, h.openAPI)
	api := app.Group("/api/v1")
	api.Get("/practices", markRoute, h.apiListPractices)
	api.Get("/practices/:slug", markRoute, h.apiShowPractice)
	// A member's note file becomes a draft.
	api.Post("/practices", markRoute, h.apiWriter, h.apiCreatePractice)
	api.Get("/organisations", markRoute, h.apiListOrganisations)
	api.Get("/organisations/:slug", markRoute, h.apiShowOrganisation)
	api.Get("/search", markRoute, h.apiSearch)
	api.Get("/search/suggest", markRoute, h.apiSuggest)
	// Consultations: read without a token where public; responses with one.
	api.Get("/consultations", markRoute, h.apiListConsultations)
	api.Get("/consultations/:slug", markRoute, h.apiShowConsultation)
	api.Post("/consultations/:slug/responses", markRoute, apiTokenOnly, h.writer, h.apiSaveResponse)

	// Anything else is a 404 page (or JSON error under /api).
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
