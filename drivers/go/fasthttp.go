// fasthttp's Client, in its own idiom and in the original's terms: one Client with one
// Request and Response reused for every call (the body read into the Response's reused
// buffer), the same with the body copied to a new buffer, a Connection: close request (a
// connection per request), and a new Client per request.
package main

import (
	"net"

	"github.com/valyala/fasthttp"
)

type fastMode int

const (
	fastReuse           fastMode = iota // body left in the reused Response's buffer
	fastSaveBody                        // body copied into a new slice per response
	fastConnectionClose                 // Request.SetConnectionClose: no reuse of connections
	fastNewClient                       // a new Client per request, its idle connections closed after
)

func newFastHTTPClient(s *settings) (*fasthttp.Client, error) {
	tlsConfig, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	return &fasthttp.Client{
		Dial: func(address string) (net.Conn, error) {
			return countingDial("tcp", address, s.timeout)
		},
		TLSConfig: tlsConfig,
		// fasthttp retries an idempotent request up to 5 times by default: a failed request
		// must be counted, not hidden (urllib3 runs with retries=False for the same reason).
		MaxIdemponentCallAttempts: 1,
	}, nil
}

func fastHTTPClient(mode fastMode) func(*settings) (*client, error) {
	return func(s *settings) (*client, error) {
		shared, err := newFastHTTPClient(s)
		if err != nil {
			return nil, err
		}
		request, response := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		request.SetRequestURI(s.URL)
		if mode == fastConnectionClose {
			request.SetConnectionClose()
		}
		fetch := func() (int, int64, []byte, error) {
			httpClient := shared
			if mode == fastNewClient {
				if httpClient, err = newFastHTTPClient(s); err != nil {
					return 0, 0, nil, err
				}
				defer httpClient.CloseIdleConnections()
			}
			response.Reset()
			if err := httpClient.DoTimeout(request, response, s.timeout); err != nil {
				return 0, 0, nil, err
			}
			body := response.Body()
			if mode != fastReuse {
				body = append([]byte(nil), body...)
			}
			length, digest := s.summary(body)
			return response.StatusCode(), length, digest, nil
		}
		closeAll := func() {
			shared.CloseIdleConnections()
			fasthttp.ReleaseRequest(request)
			fasthttp.ReleaseResponse(response)
		}
		return &client{fetch: fetch, close: closeAll, library: "fasthttp " + fasthttpVersion}, nil
	}
}
