package main

// Control HTTP endpoints on the simulator's own server (no SOAP, no login):
//   GET    /lab/journal   -> list of journal entries (?since=SEQ for entries after SEQ)
//   DELETE /lab/journal   -> clear the journal
//   GET    /lab/faults    -> fault rules with their seen/fired counters
//   POST   /lab/faults    -> add one rule (object) or several (list)
//   DELETE /lab/faults    -> remove all rules

import (
	"bytes"
	"encoding/json"
	"io/ioutil"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

func writeJSON(w http.ResponseWriter, code int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func journalHandler(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
		journal.Lock()
		out := []entry{}
		for _, e := range journal.entries {
			if e.Seq > since {
				out = append(out, e)
			}
		}
		journal.Unlock()
		writeJSON(w, 200, out)
	case http.MethodDelete:
		journal.Lock()
		journal.entries = nil
		journal.Unlock()
		writeJSON(w, 200, map[string]bool{"cleared": true})
	default:
		writeJSON(w, 405, map[string]string{"error": "GET or DELETE"})
	}
}

func faultsHandler(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		journal.Lock()
		out := []faultRule{}
		for _, f := range journal.faults {
			out = append(out, *f)
		}
		journal.Unlock()
		writeJSON(w, 200, out)
	case http.MethodPost:
		body, _ := ioutil.ReadAll(r.Body)
		var rules []*faultRule
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
			if err := json.Unmarshal(body, &rules); err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
		} else {
			var one faultRule
			if err := json.Unmarshal(body, &one); err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
			rules = append(rules, &one)
		}
		for _, f := range rules {
			f.Seen, f.Fired = 0, 0
			if err := addFault(f); err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
		}
		writeJSON(w, 200, rules)
	case http.MethodDelete:
		journal.Lock()
		journal.faults = nil
		journal.Unlock()
		writeJSON(w, 200, map[string]bool{"cleared": true})
	default:
		writeJSON(w, 405, map[string]string{"error": "GET, POST or DELETE"})
	}
}

// ---- HostVirtualNic.owner (API 9.0) ----
// govmomi 0.24.2's HostVirtualNic has no owner field. The renderer appends ownerMark+owner to
// the vmknic's port key and this filter turns it into the real element in SOAP responses.

const ownerMark = "#lab-owner="

var ownerRe = regexp.MustCompile(`<port>([^<#]*)#lab-owner=([A-Za-z]+)</port>`)

type recorder struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(c int)           { r.code = c }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }

func ownerRewrite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{h: w.Header(), code: 200}
		next.ServeHTTP(rec, r)
		body := rec.buf.Bytes()
		if bytes.Contains(body, []byte(ownerMark)) {
			body = ownerRe.ReplaceAll(body, []byte("<port>$1</port><owner>$2</owner>"))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.code)
		_, _ = w.Write(body)
	})
}
