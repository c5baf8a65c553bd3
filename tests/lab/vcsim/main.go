// Command vcsim is the vmkernel.multihoming test lab: govmomi's vCenter simulator extended
// into a model of ESXi VMkernel networking (vmknics, port groups, TCP/IP stacks and routes,
// service tags, iSCSI port binding, connection state, maintenance mode), with a journal of
// mutating calls and fault injection. Started by ../lab (see ../README.md).
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	hosts := flag.Int("hosts", -1, "number of hosts (default 4, or the scenario's inventory.hosts)")
	clusters := flag.Int("clusters", -1, "number of clusters (default 1)")
	esxMode := flag.Bool("esx", false, "one standalone ESXi instead of a vCenter")
	scenarioFile := flag.String("scenario", "", "scenario JSON file")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	connFile := flag.String("conn-file", "", "write the connection JSON here once serving")
	user := flag.String("username", "administrator@vsphere.local", "login user")
	pass := flag.String("password", "VMware1!", "login password")
	latencyMs := flag.Int("latency-ms", 0, "delay every SOAP call by this many milliseconds (see latency.go)")
	jitterMs := flag.Int("jitter-ms", 0, "plus a uniform random 0..jitter-ms milliseconds")
	latencyMethods := flag.String("latency-methods", "", "comma-separated SOAP methods to delay (default: all)")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	var sc *Scenario
	if *scenarioFile != "" {
		b, err := ioutil.ReadFile(*scenarioFile)
		if err != nil {
			log.Fatalf("scenario: %v", err)
		}
		if sc, err = parseScenario(b); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	n, c, esx := 4, 1, *esxMode
	if sc != nil && sc.Inventory != nil {
		if sc.Inventory.Hosts > 0 {
			n = sc.Inventory.Hosts
		}
		if sc.Inventory.Clusters > 0 {
			c = sc.Inventory.Clusters
		}
		esx = esx || sc.Inventory.Esx
	}
	if *hosts > 0 {
		n = *hosts
	}
	if *clusters > 0 {
		c = *clusters
	}
	lab.esx = esx

	t0 := time.Now()
	m, err := buildInventory(n, c, esx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(2)
	}
	installDvs()
	if sc != nil {
		if err := applyScenario(sc); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	for _, h := range lab.hosts {
		h.refresh()
	}
	for _, d := range switches {
		d.render()
	}
	installCustomFields()
	installPaging()
	started = true
	built := time.Since(t0)

	m.Service.TLS = new(tls.Config)
	m.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	m.Service.ServeMux = http.NewServeMux()
	m.Service.Handle("/lab/journal", http.HandlerFunc(journalHandler))
	m.Service.Handle("/lab/faults", http.HandlerFunc(faultsHandler))
	latency := parseLatency(*latencyMs, *jitterMs, *latencyMethods)
	m.Service.Handle("/lab/latency", latencyHandler(latency))
	m.Service.Handle("/lab/holds", http.HandlerFunc(holdsHandler))
	m.Service.Handle("/lab/holds/release", http.HandlerFunc(holdsHandler))
	s := m.Service.NewServer()
	// Wrap the running server's handler before any client knows the port.
	s.Config.Handler = interceptCalls(withLatency(latency, ownerRewrite(s.Config.Handler)))

	info := map[string]interface{}{
		"hostname": s.URL.Hostname(), "port": atoi(s.URL.Port()), "username": *user, "password": *pass,
		"pid": os.Getpid(), "hosts": len(lab.hosts), "build_seconds": built.Seconds(),
	}
	b, _ := json.Marshal(info)
	if *connFile != "" {
		tmp := *connFile + ".tmp"
		if err := ioutil.WriteFile(tmp, b, 0o644); err == nil {
			_ = os.Rename(tmp, *connFile)
		}
	}
	fmt.Println(string(b))
	log.Printf("lab serving %s: %d hosts built in %s", s.URL.Host, len(lab.hosts), built)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	log.Print("lab stopping")
	s.Close()
}

func atoi(s string) int {
	var n int
	fmt.Sscanf(s, "%d", &n)
	return n
}
