package main

// Test primitives for interruptions, applied in front of the SOAP handler (outside the lab lock,
// so a held call blocks only its own connection):
//   hold: the Nth call of method M on host H waits until it is released through the control
//         endpoint (or its timeout passes), then runs normally.
//   drop: the call is received and the TCP connection is closed without an answer, before the
//         call runs (when "before", the default) or after it ran (when "after": the change is
//         made, the client never learns it).
// Endpoints (no SOAP, no login):
//   GET    /lab/holds          -> {"rules": [...], "held": [...]} (held: calls waiting now)
//   POST   /lab/holds          -> add one rule (object) or several (list)
//   POST   /lab/holds/release  -> release held calls: {"id": N} one, {} every one
//   DELETE /lab/holds          -> remove every rule and release every held call
// Each hold, release, timeout and drop is journaled (entry.event).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

type interceptRule struct {
	Method   string  `json:"method"`
	Host     string  `json:"host"`
	Nth      int     `json:"nth"`
	Count    int     `json:"count"`
	Action   string  `json:"action"` // hold | drop
	When     string  `json:"when,omitempty"`
	TimeoutS float64 `json:"timeout_s,omitempty"`
	Seen     int     `json:"seen"`
	Fired    int     `json:"fired"`
}

type heldCall struct {
	ID      int64   `json:"id"`
	Method  string  `json:"method"`
	Host    *string `json:"host"`
	Object  string  `json:"object"`
	Since   string  `json:"since"`
	release chan struct{}
}

var intercepts = struct {
	sync.Mutex
	rules  []*interceptRule
	held   []*heldCall
	nextID int64
}{}

var (
	soapThisRe   = regexp.MustCompile(`<_this[^>]*>([^<]+)</_this>`)
	soapEntityRe = regexp.MustCompile(`<entity[^>]*>([^<]+)</entity>`)
)

// hostOfObject finds the lab host that owns a managed object (the host itself or one of its
// managers), by moref value.
func hostOfObject(value string) *host {
	for _, h := range lab.hosts {
		if h.Ref.Value == value || h.ns.Self.Value == value || h.vnm.Self.Value == value ||
			h.ism.Self.Value == value || h.ss.Self.Value == value {
			return h
		}
	}
	return nil
}

func addIntercept(r *interceptRule) error {
	if r.Method == "" {
		return fmt.Errorf("a hold or drop needs a method")
	}
	if r.Action != "hold" && r.Action != "drop" {
		return fmt.Errorf("action must be hold or drop, not %q", r.Action)
	}
	if r.When == "" {
		r.When = "before"
	}
	if r.When != "before" && r.When != "after" {
		return fmt.Errorf("when must be before or after, not %q", r.When)
	}
	if r.Host == "" {
		r.Host = "*"
	}
	if r.Nth < 1 {
		r.Nth = 1
	}
	if r.Count < 1 {
		r.Count = 1
	}
	if r.TimeoutS <= 0 {
		r.TimeoutS = 120
	}
	r.Seen, r.Fired = 0, 0
	intercepts.Lock()
	intercepts.rules = append(intercepts.rules, r)
	intercepts.Unlock()
	return nil
}

// matchIntercept counts the call against the matching rules and returns the one that fires.
func matchIntercept(method string, h *host, object string) *interceptRule {
	intercepts.Lock()
	defer intercepts.Unlock()
	for _, r := range intercepts.rules {
		if fires(method, h, object, r.Method, r.Host, r.Nth, r.Count, &r.Seen, &r.Fired) {
			fired := *r
			return &fired
		}
	}
	return nil
}

// fires counts a call of method on h against one rule (its method, host, nth and count, as fault
// rules and hold/drop rules have them) and says whether the rule fires for this call.
func fires(method string, h *host, obj, ruleMethod, ruleHost string, nth, count int, seen, fired *int) bool {
	if ruleMethod != method || !(ruleHost == "*" || (h != nil && (ruleHost == h.Name || ruleHost == h.Ref.Value)) || (obj != "" && ruleHost == obj)) {
		return false
	}
	*seen++
	if *seen >= nth && *seen < nth+count {
		*fired++
		return true
	}
	return false
}

func journalEvent(event, method string, h *host, object string, args map[string]interface{}) {
	e := entry{Method: method, Object: object, Event: event, Args: args}
	if h != nil {
		n := h.Name
		e.Host = &n
	}
	record(e)
}

// hold blocks until the call is released or the rule's timeout passes.
func hold(r *interceptRule, method string, h *host, object string) {
	intercepts.Lock()
	intercepts.nextID++
	c := &heldCall{ID: intercepts.nextID, Method: method, Host: nil, Object: object,
		Since: time.Now().UTC().Format(time.RFC3339Nano), release: make(chan struct{})}
	if h != nil {
		n := h.Name
		c.Host = &n
	}
	intercepts.held = append(intercepts.held, c)
	intercepts.Unlock()
	journalEvent("held", method, h, object, map[string]interface{}{"id": c.ID})
	event := "released"
	select {
	case <-c.release:
	case <-time.After(time.Duration(r.TimeoutS * float64(time.Second))):
		event = "hold timed out"
	}
	intercepts.Lock()
	for i, o := range intercepts.held {
		if o == c {
			intercepts.held = append(intercepts.held[:i:i], intercepts.held[i+1:]...)
			break
		}
	}
	intercepts.Unlock()
	journalEvent(event, method, h, object, map[string]interface{}{"id": c.ID})
}

// releaseHeld releases the held call with this id (0: every held call); returns how many.
func releaseHeld(id int64) int {
	intercepts.Lock()
	defer intercepts.Unlock()
	n := 0
	for _, c := range intercepts.held {
		if id == 0 || c.ID == id {
			select {
			case <-c.release:
			default:
				close(c.release)
				n++
			}
		}
	}
	return n
}

// interceptCalls applies hold and drop rules to SOAP calls before the simulator sees them.
func interceptCalls(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		intercepts.Lock()
		active := len(intercepts.rules) > 0
		intercepts.Unlock()
		if !active || r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := ioutil.ReadAll(r.Body)
		_ = r.Body.Close()
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		method, object := soapMethod(body), "" // latency.go
		if method == "" {
			next.ServeHTTP(w, r)
			return
		}
		if t := soapThisRe.FindSubmatch(body); t != nil {
			object = string(t[1])
		}
		h := hostOfObject(object)
		if h == nil { // SetField names the host as its entity
			if e := soapEntityRe.FindSubmatch(body); e != nil {
				h = hostOfObject(string(e[1]))
			}
		}
		rule := matchIntercept(method, h, object)
		switch {
		case rule == nil:
			next.ServeHTTP(w, r)
		case rule.Action == "hold":
			hold(rule, method, h, object)
			next.ServeHTTP(w, r)
		case rule.When == "after":
			next.ServeHTTP(&recorder{h: http.Header{}, code: 200}, r)
			journalEvent("dropped after the call", method, h, object, nil)
			panic(http.ErrAbortHandler) // net/http closes the connection without an answer
		default:
			journalEvent("dropped", method, h, object, nil)
			panic(http.ErrAbortHandler)
		}
	})
}

func holdsHandler(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/release") {
		if r.Method != http.MethodPost {
			writeJSON(w, 405, map[string]string{"error": "POST"})
			return
		}
		var req struct {
			ID int64 `json:"id"`
		}
		body, _ := ioutil.ReadAll(r.Body)
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &req); err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
		}
		writeJSON(w, 200, map[string]int{"released": releaseHeld(req.ID)})
		return
	}
	switch r.Method {
	case http.MethodGet:
		intercepts.Lock()
		out := struct {
			Rules []interceptRule `json:"rules"`
			Held  []heldCall      `json:"held"`
		}{Rules: []interceptRule{}, Held: []heldCall{}}
		for _, x := range intercepts.rules {
			out.Rules = append(out.Rules, *x)
		}
		for _, c := range intercepts.held {
			out.Held = append(out.Held, *c)
		}
		intercepts.Unlock()
		writeJSON(w, 200, out)
	case http.MethodPost:
		body, _ := ioutil.ReadAll(r.Body)
		var rules []*interceptRule
		var err error
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
			err = json.Unmarshal(body, &rules)
		} else {
			var one interceptRule
			err = json.Unmarshal(body, &one)
			rules = append(rules, &one)
		}
		if err != nil {
			writeJSON(w, 400, map[string]string{"error": err.Error()})
			return
		}
		for _, x := range rules {
			if err := addIntercept(x); err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
		}
		writeJSON(w, 200, rules)
	case http.MethodDelete:
		intercepts.Lock()
		intercepts.rules = nil
		intercepts.Unlock()
		releaseHeld(0)
		writeJSON(w, 200, map[string]bool{"cleared": true})
	default:
		writeJSON(w, 405, map[string]string{"error": "GET, POST or DELETE"})
	}
}
