// fasthttp's Client, in its own idiom and in the original's terms: one Client with one
// Request and Response reused for every call (the body read into the Response's reused
// buffer), the same with the body copied to a new buffer, a Connection: close request (a
// connection per request), and a new Client per request. At concurrency N, N goroutines
// share the Client (MaxConnsPerHost N), each with its own Request and Response, which
// fasthttp does not let goroutines share. fasthttp has no HTTP/2 client.
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
		// N goroutines, N connections (its default allows 512). A request that finds them all
		// busy waits for one rather than failing with ErrNoFreeConns.
		MaxConnsPerHost:    s.Concurrency,
		MaxConnWaitTimeout: s.timeout,
	}, nil
}

func fastHTTPClient(mode fastMode) func(*settings) (*client, error) {
	return func(s *settings) (*client, error) {
		if s.http2() {
			return nil, notApplicable{"fasthttp speaks HTTP/1.1 only: it has no HTTP/2 client"}
		}
		shared, err := newFastHTTPClient(s)
		if err != nil {
			return nil, err
		}
		var requests []*fasthttp.Request
		var responses []*fasthttp.Response
		worker := func() fetchFunc {
			request, response := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			requests, responses = append(requests, request), append(responses, response)
			request.SetRequestURI(s.URL)
			if mode == fastConnectionClose {
				request.SetConnectionClose()
			}
			return func() (int, int64, []byte, error) {
				httpClient := shared
				if mode == fastNewClient {
					var err error
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
		}
		closeAll := func() {
			shared.CloseIdleConnections()
			for i := range requests {
				fasthttp.ReleaseRequest(requests[i])
				fasthttp.ReleaseResponse(responses[i])
			}
		}
		return &client{worker: worker, close: closeAll, library: "fasthttp " + fasthttpVersion}, nil
	}
}
