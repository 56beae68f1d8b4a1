// The standard library's net/http Client, in the original's terms: one Client whose
// Transport keeps connections alive, the same with DisableKeepAlives, or a new Transport
// (hence new connections) per request; the body saved to a new buffer or streamed through a
// reused one and discarded. At concurrency N, N goroutines share the one Client (as Go
// programs do: a Client is safe for concurrent use), its Transport allowed N connections.
//
// HTTP/2 (the keep-alive rows): over https, the same Transport with ForceAttemptHTTP2 and
// ALPN offering h2 (net/http appends http/1.1 to the offer: a response over HTTP/1.1 is then
// a protocol failure), which is how net/http speaks h2 when it is given its own dialer and
// TLS configuration; over http, golang.org/x/net/http2's Transport with AllowHTTP (h2c with
// prior knowledge), since net/http has no h2c client. Either way the N goroutines' requests
// are streams on one connection, and every response is checked to have come over HTTP/2.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"hash"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"

	"golang.org/x/net/http2"
)

type connectionMode int

const (
	keepAlive    connectionMode = iota // one Transport, idle connections kept (the default)
	noKeepAlive                        // Transport.DisableKeepAlives: a connection per request
	newTransport                       // a new Transport and Client per request
)

type bodyMode int

const (
	saveBody    bodyMode = iota // io.ReadAll: a new buffer per response
	discardBody                 // io.CopyBuffer through one reused buffer into io.Discard (or a hash)
)

// errWrongVersion: a response that came over another HTTP version than the one asked is a
// protocol failure, never a success (docs/drivers.md, section 4a).
var errWrongVersion = errors.New("the response did not come over the HTTP version asked")

func newNetHTTPTransport(s *settings, mode connectionMode) (http.RoundTripper, error) {
	tlsConfig, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	if s.http2() && !strings.HasPrefix(s.URL, "https:") {
		return &http2.Transport{
			AllowHTTP: true,
			// h2c: the "TLS" dial of x/net's Transport is a plain TCP connection, on which it
			// sends the HTTP/2 preface at once (prior knowledge).
			DialTLSContext: func(ctx context.Context, network, address string, _ *tls.Config) (net.Conn, error) {
				return countingDial(network, address, s.timeout)
			},
			DisableCompression: true,
		}, nil
	}
	transport := &http.Transport{
		// No Proxy: the benchmark measures the client, not a proxy from the environment.
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			return countingDial(network, address, s.timeout)
		},
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: 1,
		DisableKeepAlives:   mode == noKeepAlive,
		DisableCompression:  true, // the server sends identity bodies; no Accept-Encoding sent
		// With its own DialContext and TLS configuration a Transport speaks HTTP/1.1 only
		// unless told to try HTTP/2; ALPN (tlsConfig) then offers h2 alone.
		ForceAttemptHTTP2: s.http2(),
	}
	if mode == keepAlive {
		// N goroutines: N connections at most, all of them kept between requests. Over HTTP/2
		// one: the first dial's connection is shared by every request waiting for one, and
		// net/http dials another only when the server's stream limit is reached.
		transport.MaxIdleConnsPerHost = s.Concurrency
		transport.MaxConnsPerHost = s.Concurrency
		if s.http2() {
			transport.MaxConnsPerHost = 1
		}
	}
	return transport, nil
}

func closeIdle(transport http.RoundTripper) {
	if closer, ok := transport.(interface{ CloseIdleConnections() }); ok {
		closer.CloseIdleConnections()
	}
}

func netHTTPClient(mode connectionMode, body bodyMode) func(*settings) (*client, error) {
	return func(s *settings) (*client, error) {
		if s.http2() && mode != keepAlive {
			return nil, notApplicable{"this row runs HTTP/1.1 only: over HTTP/2 net/http " +
				"multiplexes one kept connection (the keep-alive rows)"}
		}
		transport, err := newNetHTTPTransport(s, mode)
		if err != nil {
			return nil, err
		}
		if _, err := http.NewRequest(http.MethodGet, s.URL, nil); err != nil {
			return nil, err
		}
		shared := &http.Client{Transport: transport, Timeout: s.timeout}
		worker := func() fetchFunc {
			request, _ := http.NewRequest(http.MethodGet, s.URL, nil)
			read := saver(s)
			if body == discardBody {
				read = discarder(s)
			}
			return func() (int, int64, []byte, error) {
				httpClient := shared
				if mode == newTransport {
					// Built per request as a program that makes a client per call would; its
					// idle connection is closed afterwards so that it does not outlive its
					// Transport.
					perRequest, err := newNetHTTPTransport(s, mode)
					if err != nil {
						return 0, 0, nil, err
					}
					defer closeIdle(perRequest)
					httpClient = &http.Client{Transport: perRequest, Timeout: s.timeout}
				}
				response, err := httpClient.Do(request)
				if err != nil {
					return 0, 0, nil, err
				}
				defer response.Body.Close()
				length, digest, err := read(response.Body)
				if err != nil {
					return 0, 0, nil, bodyError{err}
				}
				if s.http2() != (response.ProtoMajor == 2) {
					return 0, 0, nil, errWrongVersion
				}
				return response.StatusCode, length, digest, nil
			}
		}
		return &client{worker: worker, close: func() { closeIdle(transport) },
			library: "net/http (Go " + runtime.Version() + ")"}, nil
	}
}

func saver(s *settings) func(io.Reader) (int64, []byte, error) {
	return func(body io.Reader) (int64, []byte, error) {
		data, err := io.ReadAll(body)
		if err != nil {
			return 0, nil, err
		}
		length, digest := s.summary(data)
		return length, digest, nil
	}
}

func discarder(s *settings) func(io.Reader) (int64, []byte, error) {
	buffer := make([]byte, 32*1024)
	var hasher hash.Hash
	if s.wantDigest {
		hasher = sha256.New()
	}
	return func(body io.Reader) (int64, []byte, error) {
		var sink io.Writer = io.Discard
		if hasher != nil {
			hasher.Reset()
			sink = hasher
		}
		length, err := io.CopyBuffer(sink, body, buffer)
		if err != nil || hasher == nil {
			return length, nil, err
		}
		return length, hasher.Sum(nil), nil
	}
}
