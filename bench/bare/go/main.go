// The bare loop beside hcbench's go.net-http.keep-alive.discard-body row
// (bench/overhead_drivers.sh).
//
// The same requests as the driver's row, with nothing around them: one http.Client over one
// keep-alive Transport, the body copied through one reused 32 KiB buffer into io.Discard, the
// status checked and nothing else; no clock per request, one clock read at the start of the
// timed loop and one at its end. The client is set up as the driver sets it up
// (drivers/go/nethttp.go: one idle connection kept, no compression, no proxy, the request
// timeout), and the program is built the same way (drivers/go/build.sh: GOPATH mode,
// CGO_ENABLED=0), so that what differs between the two is the driver's measuring alone.
//
// Usage: hcbench-bare-go URL CYCLES WARMUP   (prints requests/s)
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// hcbench run's default --timeout, which the driver's row gives its Client and dialer.
const timeout = 30 * time.Second

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintf(os.Stderr, "usage: %s URL CYCLES WARMUP\n", os.Args[0])
		os.Exit(2)
	}
	cycles, err1 := strconv.Atoi(os.Args[2])
	warmup, err2 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "CYCLES and WARMUP are counts")
		os.Exit(2)
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: transport, Timeout: timeout}
	request, err := http.NewRequest(http.MethodGet, os.Args[1], nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	buffer := make([]byte, 32*1024)
	fetch := func() bool {
		response, err := client.Do(request)
		if err != nil {
			return false
		}
		defer response.Body.Close()
		_, err = io.CopyBuffer(io.Discard, response.Body, buffer)
		return err == nil && response.StatusCode == http.StatusOK
	}
	run := func(count int) (failures int) {
		for i := 0; i < count; i++ {
			if !fetch() {
				failures++
			}
		}
		return failures
	}

	failures := run(warmup)
	started := time.Now()
	failures += run(cycles)
	wall := time.Since(started)
	if failures > 0 {
		fmt.Fprintf(os.Stderr, "%d requests failed\n", failures)
		os.Exit(1)
	}
	fmt.Printf("%.1f\n", float64(cycles)/wall.Seconds())
}
