package app

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/content"
	"proact/models"
)

var errTooManyRequests = fiber.NewError(fiber.StatusTooManyRequests, "rate")

// retryAfterUnavailable is the Retry-After of a 503 for an unavailable
// database, in seconds.
const retryAfterUnavailable = "30"

// statusOf maps an error to the HTTP status it deserves.
func statusOf(err error) int {
	var fe *fiber.Error
	var problems content.Problems
	var formProblems form.Problems
	var throttled *throttledError
	switch {
	case errors.As(err, &throttled):
		return fiber.StatusTooManyRequests
	case errors.As(err, &fe):
		return fe.Code
	case models.Unavailable(err):
		// Down, unreachable, past the deadline, read-only or out of disk:
		// the request was fine, a retry later may succeed.
		return fiber.StatusServiceUnavailable
	case errors.Is(err, models.ErrNotFound):
		return fiber.StatusNotFound
	case errors.Is(err, models.ErrConflict):
		return fiber.StatusConflict
	case errors.As(err, &problems), errors.As(err, &formProblems):
		return fiber.StatusUnprocessableEntity
	default:
		return fiber.StatusInternalServerError
	}
}

// errorCodes are the stable codes of JSON errors and the translation keys of
// error pages.
var errorCodes = map[int]string{
	fiber.StatusBadRequest:                  "bad_request",
	fiber.StatusUnauthorized:                "unauthorized",
	fiber.StatusForbidden:                   "forbidden",
	fiber.StatusNotFound:                    "not_found",
	fiber.StatusMethodNotAllowed:            "method_not_allowed",
	fiber.StatusRequestEntityTooLarge:       "too_large",
	fiber.StatusUnsupportedMediaType:        "unsupported_media_type",
	fiber.StatusRequestTimeout:              "timeout",
	fiber.StatusConflict:                    "conflict",
	fiber.StatusRequestURITooLong:           "uri_too_long",
	fiber.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
	fiber.StatusUnprocessableEntity:         "invalid",
	fiber.StatusTooManyRequests:             "too_many_requests",
	fiber.StatusInternalServerError:         "internal",
	fiber.StatusServiceUnavailable:          "unavailable",
}

// errorHandler is the one place errors become responses: a JSON error under
// /api, a page in the layout and the reader's language elsewhere. The
// error's own text never reaches the client; 5xx are logged with the request id.
func (h *handlers) errorHandler(c *fiber.Ctx, err error) error {
	status := statusOf(err)
	code, ok := errorCodes[status]
	if !ok {
		code, status = "internal", fiber.StatusInternalServerError
	}
	if status >= 500 {
		h.log.Error("request failed", slog.String("id", requestID(c)), slog.String("path", c.Path()), slog.Any("err", err))
	}
	loc := localizer(c)
	if loc == nil {
		loc = h.tr.Negotiate(c.Cookies(langCookie), c.Get(fiber.HeaderAcceptLanguage))
		c.Locals(localLocalizer, loc)
	}
	switch status {
	case fiber.StatusTooManyRequests:
		c.Set(fiber.HeaderRetryAfter, c.GetRespHeader(fiber.HeaderRetryAfter, "60"))
	case fiber.StatusServiceUnavailable:
		c.Set(fiber.HeaderRetryAfter, c.GetRespHeader(fiber.HeaderRetryAfter, retryAfterUnavailable))
	}
	message := loc.T("error." + code + ".message")
	var throttled *throttledError
	if errors.As(err, &throttled) {
		message = loc.T("error.throttled", "Minutes", throttled.Minutes)
	}
	if errors.Is(err, errSuspended) {
		message = loc.T("flash.suspended")
	}
	if strings.HasPrefix(c.Path(), "/api/") || c.Path() == "/api" {
		return c.Status(status).JSON(apiError{Error: apiErrorBody{Code: code, Message: message}})
	}
	ep := errorPage{Status: status, Code: code, Message: message, RequestID: requestID(c)}
	if status == fiber.StatusNotFound && currentUser(c) == nil {
		// Said on every 404 alike, so it tells nothing about whether a
		// members-only page is there.
		ep.SignIn = loginHref(c)
	}
	p := h.page(c, loc.T("error."+code+".title"), ep)
	if rerr := h.render(c, status, tplError, p); rerr != nil {
		h.log.Error("rendering the error page", slog.String("id", requestID(c)), slog.Any("err", rerr))
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(status).SendString(message)
	}
	return nil
}

type errorPage struct {
	// SignIn is the sign-in address that comes back here, offered to
	// signed-out visitors on a 404.
	SignIn    string
	Status    int
	Code      string
	Message   string
	RequestID string
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields name what is wrong with each field of an invalid request.
	Fields []apiFieldError `json:"fields,omitempty"`
}

type apiFieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}
