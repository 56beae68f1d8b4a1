// Failure kinds (docs/drivers.md, section 4) of the errors net/http and fasthttp return.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/valyala/fasthttp"
)

// bodyError marks an error met while reading the body, after the status line and headers
// arrived: a body cut short is a length failure, not a connection failure.
type bodyError struct{ err error }

func (e bodyError) Error() string { return "reading the body: " + e.err.Error() }
func (e bodyError) Unwrap() error { return e.err }

func failureKind(err error) string {
	var timeout interface{ Timeout() bool }
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var body bodyError
	message := err.Error()
	switch {
	case errors.Is(err, errWrongVersion):
		return "protocol"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, fasthttp.ErrTimeout),
		errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrTLSHandshakeTimeout),
		errors.As(err, &timeout) && timeout.Timeout():
		return "timeout"
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &record), strings.Contains(message, "tls: "), strings.Contains(message, "x509: "):
		return "tls"
	case errors.As(err, &body) && errors.Is(err, io.ErrUnexpectedEOF):
		return "length"
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, fasthttp.ErrConnectionClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connect"
	case strings.Contains(message, "malformed HTTP"), strings.Contains(message, "cannot parse"),
		strings.Contains(message, "error when reading response headers"):
		return "protocol"
	}
	var operation *net.OpError
	if errors.As(err, &operation) {
		return "connect"
	}
	return "other"
}
