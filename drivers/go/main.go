// hcbench driver for Go HTTP clients (the protocol is in docs/drivers.md).
//
// Reads one JSON object with the cell's settings on stdin, runs the warm-up and the timed
// loop with the client it names, and prints one JSON report line on stdout. Clients: the
// standard library's net/http Client (nethttp.go) and fasthttp (fasthttp.go). It is built in
// GOPATH mode against Debian's /usr/share/gocode by drivers/go/build.sh, so nothing is
// downloaded.
package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const protocolVersion = 1

// Set at link time by build.sh from the Debian package that provided the sources.
var fasthttpVersion = "unknown"

type settings struct {
	Protocol        int     `json:"protocol"`
	Client          string  `json:"client"`
	URL             string  `json:"url"`
	Cycles          int     `json:"cycles"`
	Warmup          int     `json:"warmup"`
	DurationSeconds float64 `json:"duration_seconds"`
	Concurrency     int     `json:"concurrency"`
	Verify          string  `json:"verify"`
	ExpectedStatus  int     `json:"expected_status"`
	ExpectedLength  int64   `json:"expected_length"`
	ExpectedDigest  string  `json:"expected_digest"`
	Insecure        bool    `json:"insecure"`
	CACert          string  `json:"cacert"`
	TimeoutSeconds  float64 `json:"request_timeout_seconds"`

	wantDigest bool
	digest     []byte
	timeout    time.Duration
}

func readSettings(input io.Reader) (*settings, error) {
	// Defaults for the optional fields, as the other drivers have them.
	s := &settings{Concurrency: 1, Verify: "length", ExpectedStatus: 200, Insecure: true,
		TimeoutSeconds: 30}
	if err := json.NewDecoder(input).Decode(s); err != nil {
		return nil, fmt.Errorf("the cell is not a JSON object: %v", err)
	}
	if s.Protocol != protocolVersion {
		return nil, fmt.Errorf("hcbench speaks protocol %d, this driver %d", s.Protocol, protocolVersion)
	}
	s.timeout = time.Duration(s.TimeoutSeconds * float64(time.Second))
	s.wantDigest = s.Verify == "digest"
	if s.wantDigest {
		value := s.ExpectedDigest
		if !strings.HasPrefix(value, "sha-256=:") || !strings.HasSuffix(value, ":") || len(value) <= 10 {
			return nil, fmt.Errorf("expected_digest is not of the form sha-256=:<base64>:")
		}
		digest, err := base64.StdEncoding.DecodeString(value[9 : len(value)-1])
		if err != nil {
			return nil, fmt.Errorf("expected_digest: %v", err)
		}
		s.digest = digest
	}
	return s, nil
}

// tlsConfig: no verification when insecure, else the CA file or the system's roots. Only
// HTTP/1.1 is offered, as the other sequential rows do.
func (s *settings) tlsConfig() (*tls.Config, error) {
	config := &tls.Config{InsecureSkipVerify: s.Insecure, NextProtos: []string{"http/1.1"}}
	if !s.Insecure && s.CACert != "" {
		pem, err := os.ReadFile(s.CACert)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", s.CACert)
		}
		config.RootCAs = pool
	}
	return config, nil
}

// Connections opened, for the report's connections_opened: every client dials through
// countingDial, so one counter sees them all (TLS connections are dialled as TCP first).
var connections atomic.Int64

func countingDial(network, address string, timeout time.Duration) (net.Conn, error) {
	connections.Add(1)
	return net.DialTimeout(network, address, timeout)
}

// A client does its set-up once and returns a fetch that makes one request, reads the whole
// body, and returns the status, the body length and its SHA-256 (nil unless asked).
type fetchFunc func() (status int, length int64, digest []byte, err error)

type client struct {
	fetch   fetchFunc
	close   func()
	library string // name and version, for the report
}

var clients = map[string]func(*settings) (*client, error){
	"net-http.keep-alive.save-body":    netHTTPClient(keepAlive, saveBody),
	"net-http.keep-alive.discard-body": netHTTPClient(keepAlive, discardBody),
	"net-http.no-keep-alive.save-body": netHTTPClient(noKeepAlive, saveBody),
	"net-http.new-transport.save-body": netHTTPClient(newTransport, saveBody),
	"fasthttp.reuse-response":          fastHTTPClient(fastReuse),
	"fasthttp.save-body":               fastHTTPClient(fastSaveBody),
	"fasthttp.connection-close":        fastHTTPClient(fastConnectionClose),
	"fasthttp.new-client":              fastHTTPClient(fastNewClient),
}

func (s *settings) summary(body []byte) (int64, []byte) {
	if !s.wantDigest {
		return int64(len(body)), nil
	}
	sum := sha256.Sum256(body)
	return int64(len(body)), sum[:]
}

type tally struct {
	latencies []int64
	failures  map[string]int
	bodyBytes int64
}

func (s *settings) check(status int, length int64, digest []byte) string {
	switch {
	case status != s.ExpectedStatus:
		return "status"
	case s.Verify != "none" && length != s.ExpectedLength:
		return "length"
	case s.wantDigest && !bytes.Equal(digest, s.digest):
		return "digest"
	}
	return ""
}

func run(fetch fetchFunc, count int, s *settings, deadline time.Time) *tally {
	t := &tally{latencies: make([]int64, 0, count), failures: map[string]int{}}
	for i := 0; i < count; i++ {
		started := time.Now()
		status, length, digest, err := fetch()
		kind := ""
		if err != nil {
			kind = failureKind(err)
		} else {
			kind = s.check(status, length, digest)
		}
		elapsed := time.Since(started)
		if kind == "" {
			t.latencies = append(t.latencies, elapsed.Nanoseconds())
			t.bodyBytes += length
		} else {
			t.failures[kind]++
		}
		if !deadline.IsZero() && !started.Add(elapsed).Before(deadline) {
			break
		}
	}
	return t
}

func cpuSeconds() (user, system float64) {
	var usage syscall.Rusage
	// RUSAGE_SELF covers every thread of the process: the Go runtime's too.
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return time.Duration(usage.Utime.Nano()).Seconds(), time.Duration(usage.Stime.Nano()).Seconds()
}

func measure(s *settings) (map[string]any, error) {
	factory, ok := clients[s.Client]
	if !ok {
		names := make([]string, 0, len(clients))
		for name := range clients {
			names = append(names, name)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("unknown client '%s' (known: %s)", s.Client, strings.Join(names, ", "))
	}
	if s.Concurrency != 1 {
		return nil, fmt.Errorf("these Go clients run sequentially (concurrency 1 only)")
	}
	c, err := factory(s)
	if err != nil {
		return nil, err
	}
	defer c.close()
	run(c.fetch, s.Warmup, s, time.Time{})

	connections.Store(0)
	user0, system0 := cpuSeconds()
	started := time.Now()
	var deadline time.Time
	if s.DurationSeconds > 0 {
		deadline = started.Add(time.Duration(s.DurationSeconds * float64(time.Second)))
	}
	t := run(c.fetch, s.Cycles, s, deadline)
	wall := time.Since(started)
	opened := connections.Load()
	user1, system1 := cpuSeconds()

	return map[string]any{
		"protocol":           protocolVersion,
		"status":             "ok",
		"requests":           len(t.latencies),
		"failures":           t.failures,
		"wall_seconds":       wall.Seconds(),
		"cpu":                map[string]float64{"user_seconds": user1 - user0, "system_seconds": system1 - system0},
		"latencies_ns":       t.latencies,
		"body_bytes":         t.bodyBytes,
		"connections_opened": opened,
		"client":             map[string]string{"name": s.Client, "version": c.library, "runtime": runtime.Version()},
	}, nil
}

func main() {
	var report map[string]any
	s, err := readSettings(os.Stdin)
	if err == nil {
		report, err = measure(s)
	}
	if err != nil {
		report = map[string]any{"protocol": protocolVersion, "status": "error", "reason": err.Error()}
	}
	line, _ := json.Marshal(report)
	os.Stdout.Write(append(line, '\n'))
}
