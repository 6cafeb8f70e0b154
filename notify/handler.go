package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
)

// The answers the handlers give. ECPay expects the exact text 1|OK, with
// status 200, from a merchant that took a notification (its API guide 21:
// no quotes, no newline); anything else counts as a failure, which ECPay
// retries for its other notifications; for these two its pages publish no
// retry policy.
const (
	AnswerOK = "1|OK"
	// answerRefusedPrefix begins every other answer, followed by the cause.
	answerRefusedPrefix = "0|"
)

// HandlerOption configures AllowanceHandler and InvoicedHandler.
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	log *slog.Logger
}

// WithLogger makes the handler log each refusal (Warn) and each error of the
// application's callback (Error) to l, with the notification's kind and the
// error; never a key or a whole field value. Without it nothing is logged.
func WithLogger(l *slog.Logger) HandlerOption {
	return func(c *handlerConfig) { c.log = l }
}

// AllowanceHandler returns an http.Handler for the ReturnURL of
// AllowanceByCollegiate: it parses and verifies each notification as
// ParseAllowance does and passes it to fn with the request's context. It
// answers 200 and 1|OK when fn returns nil (a nil fn takes every verified
// notification); 500 and 0|… when fn fails, so that ECPay tries again; and
// refuses what ParseAllowance refuses with 0|<cause> and the status of
// StatusOf. ECPay may deliver a notification more than once: fn must be
// idempotent (key: AllowanceNo).
func AllowanceHandler(kr *Keyring, fn func(context.Context, AllowanceAgreed) error, opts ...HandlerOption) http.Handler {
	return handler(AllowanceAgreed{}.Kind(), func(r *http.Request) (refusal, appErr error) {
		a, err := ParseAllowance(r, kr)
		if err != nil || fn == nil {
			return err, nil
		}
		return nil, fn(r.Context(), a)
	}, opts)
}

// InvoicedHandler returns an http.Handler for a DelayIssue's NotifyURL: as
// AllowanceHandler, with ParseInvoiced. fn must be idempotent (key: Tsr).
func InvoicedHandler(kr *Keyring, fn func(context.Context, Invoiced) error, opts ...HandlerOption) http.Handler {
	return handler(Invoiced{}.Kind(), func(r *http.Request) (refusal, appErr error) {
		v, err := ParseInvoiced(r, kr)
		if err != nil || fn == nil {
			return err, nil
		}
		return nil, fn(r.Context(), v)
	}, opts)
}

// StatusOf is the HTTP status the handlers answer a refusal with: 405 for
// ErrMethod, 415 for ErrMediaType, 413 for ErrTooLarge, 403 for
// ErrUnknownMerchant and ErrCheckMacValue, 400 for ErrMalformed and
// anything else.
func StatusOf(err error) int {
	switch {
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrMediaType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrUnknownMerchant), errors.Is(err, ErrCheckMacValue):
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}

// handler answers what serve makes of a request: a refusal of the
// notification, or the application's error taking it, or neither.
func handler(kind string, serve func(*http.Request) (refusal, appErr error), opts []HandlerOption) http.Handler {
	var cfg handlerConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err, appErr := serve(r)
		switch {
		case err == nil && appErr == nil:
			answer(w, http.StatusOK, AnswerOK)
		case appErr != nil:
			if cfg.log != nil {
				cfg.log.ErrorContext(r.Context(), "notification not taken by the application", "notification", kind, "err", appErr)
			}
			// The application's error stays here: the caller may be anyone.
			answer(w, http.StatusInternalServerError, answerRefusedPrefix+"the merchant could not take the notification")
		default:
			if cfg.log != nil {
				cfg.log.WarnContext(r.Context(), "notification refused", "notification", kind, "err", err)
			}
			cause := err
			var nerr *Error
			if errors.As(err, &nerr) {
				cause = nerr.Err
			}
			if StatusOf(err) == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", http.MethodPost)
			}
			answer(w, StatusOf(err), answerRefusedPrefix+cause.Error())
		}
	})
}

// answer writes body as text/plain, exactly: no newline.
func answer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
