package main

// Simulated network and server latency (lab start --latency-ms N [--jitter-ms J]
// [--latency-methods M1,M2]). On loopback every SOAP call returns in microseconds, which hides
// what per-call round trips cost against a real vCenter (tens of milliseconds over a WAN, a few
// on a LAN). Each delayed call waits N ms plus a uniform random 0..J ms before it is served, so N
// is a lower bound that tests can rely on. With a method list only those SOAP methods wait.
// GET /lab/latency reports the configuration and how many calls of each method were delayed, so
// a test can check which calls waited without timing the others.

import (
	"bytes"
	"io/ioutil"
	"math/rand"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

type latencyConfig struct {
	base    time.Duration
	jitter  time.Duration
	methods map[string]bool // empty: every SOAP method

	mu      sync.Mutex
	delayed map[string]int // SOAP method -> calls delayed so far
}

// parseLatency builds the configuration from the command-line flags; nil means no delay.
func parseLatency(ms, jitterMs int, methods string) *latencyConfig {
	if ms <= 0 && jitterMs <= 0 {
		return nil
	}
	cfg := &latencyConfig{base: time.Duration(ms) * time.Millisecond, jitter: time.Duration(jitterMs) * time.Millisecond,
		methods: map[string]bool{}, delayed: map[string]int{}}
	for _, name := range strings.Split(methods, ",") {
		if name = strings.TrimSpace(name); name != "" {
			cfg.methods[name] = true
		}
	}
	return cfg
}

// soapMethodRe finds the first element inside the SOAP Body: the method called, whatever
// namespace prefixes the client uses (pyVmomi: soapenv:Body and an unprefixed method element).
var soapMethodRe = regexp.MustCompile(`<(?:[A-Za-z0-9_.-]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9_.-]+:)?([A-Za-z0-9_]+)`)

func soapMethod(body []byte) string {
	if m := soapMethodRe.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

func (c *latencyConfig) delay(method string) time.Duration {
	if len(c.methods) > 0 && !c.methods[method] {
		return 0
	}
	d := c.base
	if c.jitter > 0 {
		d += time.Duration(rand.Int63n(int64(c.jitter) + 1))
	}
	return d
}

// withLatency delays SOAP calls (POST /sdk) before the simulator serves them; the lab's own
// control endpoints (/lab/...) are never delayed.
func withLatency(cfg *latencyConfig, next http.Handler) http.Handler {
	if cfg == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/sdk") {
			body, _ := ioutil.ReadAll(r.Body)
			_ = r.Body.Close()
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
			method := soapMethod(body)
			if d := cfg.delay(method); d > 0 {
				cfg.mu.Lock()
				cfg.delayed[method]++
				cfg.mu.Unlock()
				time.Sleep(d)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// latencyHandler serves GET /lab/latency: {"latency_ms", "jitter_ms", "methods", "delayed"}.
func latencyHandler(cfg *latencyConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := map[string]interface{}{"latency_ms": 0, "jitter_ms": 0, "methods": []string{}, "delayed": map[string]int{}}
		if cfg != nil {
			methods := []string{}
			for name := range cfg.methods {
				methods = append(methods, name)
			}
			sort.Strings(methods)
			cfg.mu.Lock()
			delayed := map[string]int{}
			for name, count := range cfg.delayed {
				delayed[name] = count
			}
			cfg.mu.Unlock()
			out = map[string]interface{}{"latency_ms": cfg.base.Milliseconds(), "jitter_ms": cfg.jitter.Milliseconds(),
				"methods": methods, "delayed": delayed}
		}
		writeJSON(w, 200, out)
	})
}
