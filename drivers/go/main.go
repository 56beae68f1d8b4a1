// hcbench driver for Go HTTP clients (the protocol is in docs/drivers.md).
//
// Reads one JSON object with the cell's settings on stdin, runs the warm-up and the timed
// loop with the client it names, and prints one JSON report line on stdout. Clients: the
// standard library's net/http Client (nethttp.go, over HTTP/1.1 or HTTP/2) and fasthttp
// (fasthttp.go, HTTP/1.1 only). At concurrency N, N goroutines share the client. It is built in
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
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
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
	HTTPVersion     string  `json:"http_version"`
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
	s := &settings{Concurrency: 1, HTTPVersion: "1.1", Verify: "length", ExpectedStatus: 200,
		Insecure: true, TimeoutSeconds: 30}
	if err := json.NewDecoder(input).Decode(s); err != nil {
		return nil, fmt.Errorf("the cell is not a JSON object: %v", err)
	}
	if s.Protocol != protocolVersion {
		return nil, fmt.Errorf("hcbench speaks protocol %d, this driver %d", s.Protocol, protocolVersion)
	}
	if s.Concurrency < 1 {
		return nil, fmt.Errorf("concurrency must be at least 1, not %d", s.Concurrency)
	}
	if s.HTTPVersion != "1.1" && s.HTTPVersion != "2" {
		return nil, fmt.Errorf("http_version must be \"1.1\" or \"2\", not %q", s.HTTPVersion)
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

func (s *settings) http2() bool { return s.HTTPVersion == "2" }

// tlsConfig: no verification when insecure, else the CA file or the system's roots. ALPN
// offers the version asked: HTTP/1.1, or h2 (net/http's HTTP/2 set-up appends http/1.1; the
// version of every response is checked, so nothing falls back unnoticed).
func (s *settings) tlsConfig() (*tls.Config, error) {
	protocol := "http/1.1"
	if s.http2() {
		protocol = "h2"
	}
	config := &tls.Config{InsecureSkipVerify: s.Insecure, NextProtos: []string{protocol}}
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

// A client does its set-up once; each worker then gets a fetch that makes one request,
// reads the whole body, and returns the status, the body length and its SHA-256 (nil
// unless asked). A worker's fetch is used by that worker only, so it may reuse buffers.
type fetchFunc func() (status int, length int64, digest []byte, err error)

type client struct {
	worker  func() fetchFunc
	close   func()
	library string // name and version, for the report
}

// notApplicable is a cell this client cannot run (fasthttp asked for HTTP/2): the report
// says skipped, with the reason.
type notApplicable struct{ reason string }

func (e notApplicable) Error() string { return e.reason }

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

// sample is one checked success: when it finished (from the phase's start, to put the
// workers' requests back in completion order) and how long it took.
type sample struct {
	finished time.Duration
	latency  time.Duration
}

type tally struct {
	samples   []sample
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

// runWorker makes requests until the phase's tickets run out: each worker takes the next
// request when its previous one ends, so the counts add up exactly however the requests
// split across workers, and N stay in flight until the last few (docs/drivers.md, 3).
func runWorker(fetch fetchFunc, tickets *atomic.Int64, s *settings, origin, deadline time.Time,
	capacity int) *tally {
	t := &tally{samples: make([]sample, 0, capacity), failures: map[string]int{}}
	for tickets.Add(-1) >= 0 {
		started := time.Now()
		status, length, digest, err := fetch()
		kind := ""
		if err != nil {
			kind = failureKind(err)
		} else {
			kind = s.check(status, length, digest)
		}
		finished := time.Now()
		if kind == "" {
			t.samples = append(t.samples, sample{finished.Sub(origin), finished.Sub(started)})
			t.bodyBytes += length
		} else {
			t.failures[kind]++
		}
		if !deadline.IsZero() && !finished.Before(deadline) {
			break
		}
	}
	return t
}

// runPhase runs count requests (the warm-up or the timed loop) on one goroutine per worker
// and returns each worker's counts.
func runPhase(workers []fetchFunc, count int, s *settings, deadline time.Time) []*tally {
	var tickets atomic.Int64
	tickets.Store(int64(count))
	origin := time.Now()
	capacity := count/len(workers) + 1
	if len(workers) == 1 {
		return []*tally{runWorker(workers[0], &tickets, s, origin, deadline, count)}
	}
	tallies := make([]*tally, len(workers))
	var done sync.WaitGroup
	for i, fetch := range workers {
		done.Add(1)
		go func(i int, fetch fetchFunc) {
			defer done.Done()
			tallies[i] = runWorker(fetch, &tickets, s, origin, deadline, capacity)
		}(i, fetch)
	}
	done.Wait()
	return tallies
}

// merge adds the workers' counts together, the latencies in the order the requests finished.
// It runs after the window has closed: sorting is not the client's work.
func merge(tallies []*tally) *tally {
	if len(tallies) == 1 {
		return tallies[0]
	}
	total := &tally{failures: map[string]int{}}
	for _, t := range tallies {
		total.samples = append(total.samples, t.samples...)
		total.bodyBytes += t.bodyBytes
		for kind, n := range t.failures {
			total.failures[kind] += n
		}
	}
	sort.Slice(total.samples, func(i, j int) bool {
		return total.samples[i].finished < total.samples[j].finished
	})
	return total
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
	c, err := factory(s)
	if err != nil {
		return nil, err
	}
	defer c.close()
	// N goroutines, each with its own fetch (its request, buffers, hash), made before the
	// warm-up so that the window holds requests only.
	workers := make([]fetchFunc, s.Concurrency)
	for i := range workers {
		workers[i] = c.worker()
	}
	runPhase(workers, s.Warmup, s, time.Time{})

	connections.Store(0)
	user0, system0 := cpuSeconds()
	started := time.Now()
	var deadline time.Time
	if s.DurationSeconds > 0 {
		deadline = started.Add(time.Duration(s.DurationSeconds * float64(time.Second)))
	}
	tallies := runPhase(workers, s.Cycles, s, deadline)
	wall := time.Since(started)
	opened := connections.Load()
	user1, system1 := cpuSeconds()
	t := merge(tallies)

	latencies := make([]int64, len(t.samples))
	for i, sample := range t.samples {
		latencies[i] = sample.latency.Nanoseconds()
	}
	return map[string]any{
		"protocol":           protocolVersion,
		"status":             "ok",
		"requests":           len(latencies),
		"failures":           t.failures,
		"wall_seconds":       wall.Seconds(),
		"cpu":                map[string]float64{"user_seconds": user1 - user0, "system_seconds": system1 - system0},
		"latencies_ns":       latencies,
		"body_bytes":         t.bodyBytes,
		"connections_opened": opened,
		// Every counted response was checked to have come over this version.
		"http_version": s.HTTPVersion,
		"client":       map[string]string{"name": s.Client, "version": c.library, "runtime": runtime.Version()},
	}, nil
}

func main() {
	var report map[string]any
	s, err := readSettings(os.Stdin)
	if err == nil {
		report, err = measure(s)
	}
	var skipped notApplicable
	if errors.As(err, &skipped) {
		report = map[string]any{"protocol": protocolVersion, "status": "skipped", "reason": err.Error()}
	} else if err != nil {
		report = map[string]any{"protocol": protocolVersion, "status": "error", "reason": err.Error()}
	}
	line, _ := json.Marshal(report)
	os.Stdout.Write(append(line, '\n'))
}
