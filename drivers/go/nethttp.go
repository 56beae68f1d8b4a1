// The standard library's net/http Client, in the original's terms: one Client whose
// Transport keeps connections alive, the same with DisableKeepAlives, or a new Transport
// (hence new connections) per request; the body saved to a new buffer or streamed through a
// reused one and discarded.
package main

import (
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"net"
	"net/http"
	"runtime"
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

func newNetHTTPTransport(s *settings, mode connectionMode) (*http.Transport, error) {
	tlsConfig, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	return &http.Transport{
		// No Proxy: the benchmark measures the client, not a proxy from the environment.
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			return countingDial(network, address, s.timeout)
		},
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: 1,
		DisableKeepAlives:   mode == noKeepAlive,
		DisableCompression:  true, // the server sends identity bodies; no Accept-Encoding sent
	}, nil
}

func netHTTPClient(mode connectionMode, body bodyMode) func(*settings) (*client, error) {
	return func(s *settings) (*client, error) {
		transport, err := newNetHTTPTransport(s, mode)
		if err != nil {
			return nil, err
		}
		request, err := http.NewRequest(http.MethodGet, s.URL, nil)
		if err != nil {
			return nil, err
		}
		shared := &http.Client{Transport: transport, Timeout: s.timeout}
		read := saver(s)
		if body == discardBody {
			read = discarder(s)
		}
		fetch := func() (int, int64, []byte, error) {
			httpClient := shared
			if mode == newTransport {
				// Built per request as a program that makes a client per call would; its idle
				// connection is closed afterwards so that it does not outlive its Transport.
				perRequest, err := newNetHTTPTransport(s, mode)
				if err != nil {
					return 0, 0, nil, err
				}
				defer perRequest.CloseIdleConnections()
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
			return response.StatusCode, length, digest, nil
		}
		return &client{fetch: fetch, close: transport.CloseIdleConnections,
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
